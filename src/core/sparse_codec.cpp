/*-------------------------------------------------------------------------
 *
 * sparse_codec.cpp
 *		Parse and print the text form of a sparse vector; decode and encode
 *		its binary form.
 *
 * The parser makes one pass over the text, storing every index:value pair
 * (zeros included, so that a repeated index is caught whatever its value),
 * then checks the dimensions and index ranges, sorts by index, refuses
 * repeats and drops the zeros.  Range checks wait for the end because the
 * dimensions come last in the text.
 *
 * IDENTIFICATION
 *		src/core/sparse_codec.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "core/sparse_codec.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "core/vector_codec.h"
#include "core/codec_util.h"

#include "core/cpp_only.h"

namespace vectordb::core {

using namespace codec;

namespace {

bool
IsDigit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Reads an optionally signed decimal integer at p.  Its magnitude saturates
 * far above any valid index or dimension count, so "99999999999999999999"
 * reads as a large number (out of range) rather than as a syntax error.
 * Returns nullptr when no digit follows the sign, else the end.
 */
const char *
ReadInteger(const char *p, std::int64_t *value)
{
	constexpr std::int64_t kSaturated = std::int64_t{1} << 40;
	bool		negative = false;
	std::int64_t magnitude = 0;

	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	if (!IsDigit(*p))
		return nullptr;
	for (; IsDigit(*p); p++)
		magnitude = std::min(kSaturated, magnitude * 10 + (*p - '0'));
	*value = negative ? -magnitude : magnitude;
	return p;
}

/*
 * Reads nnz indices then nnz values from p into indices and values,
 * checking each as it goes.  On an index error, *bad_index is that index.
 */
SparseDecodeStatus
CheckedEntries(const unsigned char *p, int dim, int nnz, std::int32_t *indices, float *values,
			   std::int64_t *bad_index)
{
	for (int i = 0; i < nnz; i++, p += sizeof(std::int32_t))
	{
		std::int32_t index = ReadInt32(p);

		*bad_index = index;
		if (index < 0 || index >= dim)
			return SparseDecodeStatus::kIndexOutOfRange;
		if (i > 0 && index == indices[i - 1])
			return SparseDecodeStatus::kDuplicate;
		if (i > 0 && index < indices[i - 1])
			return SparseDecodeStatus::kIndexNotAscending;
		indices[i] = index;
	}
	*bad_index = 0;

	for (int i = 0; i < nnz; i++, p += sizeof(float))
	{
		float		value = ReadFloat4(p);

		if (std::isnan(value))
			return SparseDecodeStatus::kNaN;
		if (std::isinf(value))
			return SparseDecodeStatus::kInfinite;
		if (value == 0.0f)
			return SparseDecodeStatus::kZeroValue;
		values[i] = value;
	}
	return SparseDecodeStatus::kOk;
}

}								// namespace

std::size_t
SparseEntryCapacity(const char *str) noexcept
{
	std::size_t colons = 0;

	for (const char *p = str; *p != '\0'; p++)
		colons += *p == ':';
	return colons + 1;
}

SparseParseResult
ParseSparseText(const char *str, SparseEntry *out, std::size_t capacity) noexcept
{
	SparseParseResult result = {SparseParseStatus::kSyntax, 0, 0, 0, 0, 0};
	const char *p = SkipSpace(str);
	std::size_t count = 0;
	std::size_t nonzeros = 0;

	/* The extreme indices seen, for the range checks once dim is known */
	std::int64_t min_index = 0;
	std::int64_t max_index = 0;
	const char *min_at = nullptr;
	const char *max_at = nullptr;
	std::size_t min_len = 0;
	std::size_t max_len = 0;

	if (*p != '{')
		return result;
	p = SkipSpace(p + 1);

	if (*p != '}')
	{
		for (;;)
		{
			std::int64_t index;
			const char *end = ReadInteger(p, &index);
			char	   *value_end;
			float		value;

			if (end == nullptr)
				return result;
			if (min_at == nullptr || index < min_index)
			{
				min_index = index;
				min_at = p;
				min_len = end - p;
			}
			if (max_at == nullptr || index > max_index)
			{
				max_index = index;
				max_at = p;
				max_len = end - p;
			}

			p = SkipSpace(end);
			if (*p != ':')
				return result;
			p = SkipSpace(p + 1);

			/* strtof would skip space itself and read past a missing value */
			if (*p == ',' || *p == '}' || *p == '\0')
				return result;
			errno = 0;
			value = std::strtof(p, &value_end);
			if (value_end == p)
				return result;
			if (std::isnan(value))
			{
				result.status = SparseParseStatus::kNaN;
				return result;
			}
			if (std::isinf(value))
			{
				/* strtof reports overflow as ERANGE with an infinite result */
				if (errno == ERANGE)
				{
					result.status = SparseParseStatus::kOutOfRange;
					result.bad_offset = p - str;
					result.bad_length = value_end - p;
				}
				else
					result.status = SparseParseStatus::kInfinite;
				return result;
			}

			/* The capacity counts colons, so this holds unless the caller lied */
			if (count == capacity)
				return result;
			/* An index out of int32 range fails the range check before it is used */
			out[count].index = static_cast<std::int32_t>(std::clamp<std::int64_t>(index - 1, -1, kSparseMaxDim));
			out[count].value = value;
			count++;
			nonzeros += value != 0.0f;

			p = SkipSpace(value_end);
			if (*p == '}')
				break;
			if (*p != ',')
				return result;
			p = SkipSpace(p + 1);
		}
	}

	/* '}' '/' dim, then nothing but space */
	p = SkipSpace(p + 1);
	if (*p != '/')
		return result;
	p = SkipSpace(p + 1);
	p = ReadInteger(p, &result.dim);
	if (p == nullptr || *SkipSpace(p) != '\0')
		return result;

	if (result.dim < 1)
	{
		result.status = SparseParseStatus::kDimTooSmall;
		return result;
	}
	if (result.dim > kSparseMaxDim)
	{
		result.status = SparseParseStatus::kDimTooLarge;
		return result;
	}
	if (count > 0 && min_index < 1)
	{
		result.status = SparseParseStatus::kIndexTooSmall;
		result.index = min_index;
		result.bad_offset = min_at - str;
		result.bad_length = min_len;
		return result;
	}
	if (count > 0 && max_index > result.dim)
	{
		result.status = SparseParseStatus::kIndexTooLarge;
		result.index = max_index;
		result.bad_offset = max_at - str;
		result.bad_length = max_len;
		return result;
	}
	if (nonzeros > static_cast<std::size_t>(kSparseMaxNnz))
	{
		result.status = SparseParseStatus::kTooManyNonZeros;
		return result;
	}

	std::sort(out, out + count,
			  [](const SparseEntry &a, const SparseEntry &b) { return a.index < b.index; });
	for (std::size_t i = 1; i < count; i++)
	{
		if (out[i].index == out[i - 1].index)
		{
			result.status = SparseParseStatus::kDuplicate;
			result.index = std::int64_t{out[i].index} + 1;
			return result;
		}
	}

	/* Zeros are not stored */
	for (std::size_t i = 0; i < count; i++)
		if (out[i].value != 0.0f)
			out[result.nnz++] = out[i];

	result.status = SparseParseStatus::kOk;
	return result;
}

std::size_t
FormatSparseText(int dim, int nnz, const std::int32_t *indices, const float *values, char *buf) noexcept
{
	char	   *out = buf;

	*out++ = '{';
	for (int i = 0; i < nnz; i++)
	{
		if (i > 0)
			*out++ = ',';
		out = std::to_chars(out, out + 10, std::int64_t{indices[i]} + 1).ptr;
		*out++ = ':';
		out += FormatFloat4(values[i], out);
	}
	*out++ = '}';
	*out++ = '/';
	out = std::to_chars(out, out + 10, dim).ptr;
	*out = '\0';
	return out - buf;
}

SparseDecodeResult
DecodeSparseBinary(const unsigned char *buf, std::size_t len, std::int32_t *indices, float *values,
				   int expected_dim) noexcept
{
	SparseDecodeResult result = {SparseDecodeStatus::kTruncated, 0, 0, 0, 0, 0};

	if (len < kSparseBinaryHeaderSize)
		return result;

	result.dim = ReadInt32(buf);
	result.nnz = ReadInt32(buf + 4);
	result.unused = ReadInt32(buf + 8);
	result.data_len = len - kSparseBinaryHeaderSize;

	/* The order of the checks decides which error a client sees; the regress test pins it */
	if (result.dim < 1)
		result.status = SparseDecodeStatus::kDimTooSmall;
	else if (result.dim > kSparseMaxDim)
		result.status = SparseDecodeStatus::kDimTooLarge;
	else if (result.nnz < 0)
		result.status = SparseDecodeStatus::kNnzNegative;
	else if (result.nnz > kSparseMaxNnz)
		result.status = SparseDecodeStatus::kTooManyNonZeros;
	else if (result.nnz > result.dim)
		result.status = SparseDecodeStatus::kNnzExceedsDim;
	else if (expected_dim != -1 && expected_dim != result.dim)
		result.status = SparseDecodeStatus::kDimMismatch;
	else if (result.unused != 0)
		result.status = SparseDecodeStatus::kUnusedNonZero;
	/* Checked before writing anything: the buffers are sized from len, not from nnz */
	else if (result.data_len != SparseBinarySize(result.nnz) - kSparseBinaryHeaderSize)
		result.status = SparseDecodeStatus::kLengthMismatch;
	else
		result.status = CheckedEntries(buf + kSparseBinaryHeaderSize, result.dim, result.nnz,
									   indices, values, &result.index);
	return result;
}

std::size_t
EncodeSparseBinary(int dim, int nnz, const std::int32_t *indices, const float *values,
				   unsigned char *buf) noexcept
{
	unsigned char *p = buf;

	p = WriteUint32(p, static_cast<std::uint32_t>(dim));
	p = WriteUint32(p, static_cast<std::uint32_t>(nnz));
	p = WriteUint32(p, 0);
	for (int i = 0; i < nnz; i++)
		p = WriteUint32(p, static_cast<std::uint32_t>(indices[i]));
	for (int i = 0; i < nnz; i++)
		p = WriteFloat4(p, values[i]);
	return p - buf;
}

}								// namespace vectordb::core

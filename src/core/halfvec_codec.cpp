/*-------------------------------------------------------------------------
 *
 * halfvec_codec.cpp
 *		Parse and print the text form of a halfvec; decode and encode its
 *		binary form.
 *
 * IDENTIFICATION
 *		src/core/halfvec_codec.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "core/halfvec_codec.h"

#include <cstdlib>
#include <cstring>

#include "core/half.h"

#include "core/cpp_only.h"

namespace vectordb::core {

namespace {

/* The same whitespace set as the vector parser's */
bool
IsSpace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

const char *
SkipSpace(const char *p)
{
	while (IsSpace(*p))
		p++;
	return p;
}

/*
 * Finds the text of element index in a string ParseVectorText accepted: the
 * grammar puts exactly one ',' between elements and none inside one.
 */
void
LocateElement(const char *str, int index, std::size_t *offset, std::size_t *length)
{
	const char *p = SkipSpace(str) + 1;	/* past '[' */
	char	   *end;

	for (int i = 0; i < index; i++)
		p = std::strchr(p, ',') + 1;
	p = SkipSpace(p);
	(void) std::strtof(p, &end);
	*offset = static_cast<std::size_t>(p - str);
	*length = static_cast<std::size_t>(end - p);
}

std::uint16_t
ReadUint16(const unsigned char *p)
{
	return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

unsigned char *
WriteUint16(unsigned char *p, std::uint16_t v)
{
	p[0] = static_cast<unsigned char>(v >> 8);
	p[1] = static_cast<unsigned char>(v);
	return p + 2;
}

}								// namespace

ParseResult
ParseHalfvecText(const char *str, std::uint16_t *out, float *scratch, int max_dims) noexcept
{
	ParseResult result = ParseVectorText(str, scratch, max_dims);

	if (result.status != ParseStatus::kOk)
		return result;

	for (int i = 0; i < result.dim; i++)
	{
		out[i] = FloatToHalf(scratch[i]);
		/* The float is finite (the parser refused the rest): an infinite half is overflow */
		if (HalfIsInf(out[i]))
		{
			result.status = ParseStatus::kOutOfRange;
			LocateElement(str, i, &result.bad_offset, &result.bad_length);
			return result;
		}
	}
	return result;
}

std::size_t
FormatHalfvecText(const std::uint16_t *x, int dim, char *buf) noexcept
{
	char	   *out = buf;

	*out++ = '[';
	for (int i = 0; i < dim; i++)
	{
		if (i > 0)
			*out++ = ',';
		out += FormatFloat4(HalfToFloat(x[i]), out);
	}
	*out++ = ']';
	*out = '\0';
	return out - buf;
}

DecodeResult
DecodeHalfvecBinary(const unsigned char *buf, std::size_t len, std::uint16_t *out, int max_dims,
					int expected_dim) noexcept
{
	DecodeResult result = {DecodeStatus::kTruncated, 0, 0, 0};

	if (len < kBinaryHeaderSize)
		return result;

	result.dim = static_cast<std::int16_t>(ReadUint16(buf));
	result.unused = static_cast<std::int16_t>(ReadUint16(buf + 2));
	result.data_len = len - kBinaryHeaderSize;

	/* Same order as DecodeVectorBinary, so both types report the same error first */
	if (result.dim < 1)
		result.status = DecodeStatus::kTooFewDims;
	else if (result.dim > max_dims)
		result.status = DecodeStatus::kTooManyDims;
	else if (expected_dim != -1 && expected_dim != result.dim)
		result.status = DecodeStatus::kDimMismatch;
	else if (result.unused != 0)
		result.status = DecodeStatus::kUnusedNonZero;
	else if (result.data_len != static_cast<std::size_t>(result.dim) * sizeof(std::uint16_t))
		result.status = DecodeStatus::kLengthMismatch;
	else
	{
		const unsigned char *p = buf + kBinaryHeaderSize;

		for (int i = 0; i < result.dim; i++, p += sizeof(std::uint16_t))
		{
			std::uint16_t value = ReadUint16(p);

			if (HalfIsNaN(value))
			{
				result.status = DecodeStatus::kNaN;
				return result;
			}
			if (HalfIsInf(value))
			{
				result.status = DecodeStatus::kInfinite;
				return result;
			}
			out[i] = value;
		}
		result.status = DecodeStatus::kOk;
	}
	return result;
}

std::size_t
EncodeHalfvecBinary(const std::uint16_t *x, int dim, unsigned char *buf) noexcept
{
	unsigned char *p = buf;

	p = WriteUint16(p, static_cast<std::uint16_t>(dim));
	p = WriteUint16(p, 0);
	for (int i = 0; i < dim; i++)
		p = WriteUint16(p, x[i]);
	return p - buf;
}

}								// namespace vectordb::core

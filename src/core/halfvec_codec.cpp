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
#include "core/codec_util.h"

#include "core/cpp_only.h"

namespace vectordb::core {

using namespace codec;

namespace {

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
	DecodeResult result;

	/* The same header checks, in the same order, as DecodeVectorBinary */
	if (DecodeDenseHeader(buf, len, max_dims, expected_dim, sizeof(std::uint16_t), &result))
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

/*-------------------------------------------------------------------------
 *
 * vector_codec.cpp
 *		Parse and print the text form of a vector; decode and encode its
 *		binary form.
 *
 * IDENTIFICATION
 *		src/core/vector_codec.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "core/vector_codec.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include "core/codec_util.h"

#include "core/cpp_only.h"

namespace vectordb::core {

using namespace codec;

namespace {

/* Copies [first, last) to buf and returns the new end */
char *
Append(char *buf, const char *first, const char *last)
{
	std::memcpy(buf, first, last - first);
	return buf + (last - first);
}

/*
 * True when the decimal in text is exactly halfway between value and a
 * neighbouring float.  Such a decimal reads back as value only by the
 * round-half-even rule; Postgres' float4out (Ryu with acceptBounds off) never
 * prints one, and neither may we, so output matches float4 text exactly.  The
 * midpoint of two floats is exact in double, and a decimal of at most nine
 * digits that is not the midpoint cannot round to it.
 */
bool
IsRoundingBoundary(float value, const char *text)
{
	double		decimal = std::strtod(text, nullptr);
	double		up = (static_cast<double>(value) + std::nextafter(value, HUGE_VALF)) / 2;
	double		down = (static_cast<double>(value) + std::nextafter(value, -HUGE_VALF)) / 2;

	return decimal == up || decimal == down;
}

/*
 * Writes value in scientific notation with the fewest digits that lie
 * strictly inside its rounding interval, NUL-terminated.  to_chars gives the
 * shortest digits but may land on the interval's edge; then one more digit,
 * correctly rounded, is the answer Ryu gives.
 */
void
ShortestScientific(float value, char *buf, std::size_t size)
{
	char	   *end = std::to_chars(buf, buf + size - 1, value, std::chars_format::scientific).ptr;
	int			precision;

	*end = '\0';
	if (!IsRoundingBoundary(value, buf))
		return;

	/* precision counts digits after the point; the shortest form had e - buf - 2 (or 0) */
	precision = static_cast<int>(std::strchr(buf, 'e') - buf) - (buf[0] == '-' ? 3 : 2);
	if (precision < 0)
		precision = 0;
	do
	{
		precision++;
		end = std::to_chars(buf, buf + size - 1, value, std::chars_format::scientific, precision).ptr;
		*end = '\0';
	} while (std::strtof(buf, nullptr) != value || IsRoundingBoundary(value, buf));
}

}								// namespace

ParseResult
ParseVectorText(const char *str, float *out, int max_dims) noexcept
{
	ParseResult result = {ParseStatus::kSyntax, 0, 0, 0};
	const char *p = SkipSpace(str);

	if (*p != '[')
		return result;
	p = SkipSpace(p + 1);

	if (*p == ']')
	{
		/* "[]" is well formed but has no dimensions; trailing text is not */
		if (*SkipSpace(p + 1) == '\0')
			result.status = ParseStatus::kEmpty;
		return result;
	}

	for (;;)
	{
		char	   *end;
		float		value;

		/* strtof skips leading space itself but would also accept an empty element */
		if (*p == ',' || *p == ']' || *p == '\0')
			return result;

		errno = 0;
		value = std::strtof(p, &end);
		if (end == p)
			return result;

		if (std::isnan(value))
		{
			result.status = ParseStatus::kNaN;
			return result;
		}
		if (std::isinf(value))
		{
			/* strtof reports overflow as ERANGE with an infinite result */
			if (errno == ERANGE)
			{
				result.status = ParseStatus::kOutOfRange;
				result.bad_offset = p - str;
				result.bad_length = end - p;
			}
			else
				result.status = ParseStatus::kInfinite;
			return result;
		}
		/* Underflow to a denormal or zero is accepted, as float4in does */

		if (result.dim == max_dims)
		{
			result.status = ParseStatus::kTooManyDims;
			return result;
		}
		out[result.dim++] = value;

		p = SkipSpace(end);
		if (*p == ',')
			p = SkipSpace(p + 1);
		else if (*p == ']')
			break;
		else
			return result;
	}

	if (*SkipSpace(p + 1) != '\0')
		return result;

	result.status = ParseStatus::kOk;
	return result;
}

std::size_t
FormatFloat4(float value, char *buf) noexcept
{
	char		sci[48];
	char	   *out = buf;
	const char *digits;
	const char *mantissa_end;
	char		mantissa[16] = {0};
	int			ndigits = 0;
	int			exponent;

	/* Vectors never hold these, but printing must not depend on that */
	if (std::isnan(value) || std::isinf(value))
	{
		const char *word = std::isnan(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
		std::size_t len = std::strlen(word);

		std::memcpy(buf, word, len);
		return len;
	}
	if (value == 0.0f)
	{
		/* Postgres prints negative zero as "-0" */
		if (std::signbit(value))
			*out++ = '-';
		*out++ = '0';
		return out - buf;
	}

	/* Shortest digits as "-d.ddde[+-]xx", re-laid out as float4out does */
	ShortestScientific(value, sci, sizeof(sci));

	digits = sci;
	if (*digits == '-')
	{
		*out++ = '-';
		digits++;
	}
	mantissa_end = std::strchr(digits, 'e');
	for (const char *d = digits; d < mantissa_end; d++)
		if (*d != '.')
			mantissa[ndigits++] = *d;
	exponent = std::atoi(mantissa_end + 1);

	if (exponent < -4 || exponent >= 6)
	{
		/* d[.ddd]e[+-]XX with at least two exponent digits */
		*out++ = mantissa[0];
		if (ndigits > 1)
		{
			*out++ = '.';
			out = Append(out, mantissa + 1, mantissa + ndigits);
		}
		*out++ = 'e';
		*out++ = exponent < 0 ? '-' : '+';
		if (exponent < 0)
			exponent = -exponent;
		if (exponent < 10)
			*out++ = '0';
		out = std::to_chars(out, out + 4, exponent).ptr;
	}
	else if (exponent < 0)
	{
		/* 0.000ddd */
		*out++ = '0';
		*out++ = '.';
		for (int i = -1; i > exponent; i--)
			*out++ = '0';
		out = Append(out, mantissa, mantissa + ndigits);
	}
	else
	{
		/* ddd[.ddd], padding with zeros when the digits end before the point */
		for (int i = 0; i <= exponent; i++)
			*out++ = i < ndigits ? mantissa[i] : '0';
		if (ndigits > exponent + 1)
		{
			*out++ = '.';
			out = Append(out, mantissa + exponent + 1, mantissa + ndigits);
		}
	}
	return out - buf;
}

std::size_t
FormatVectorText(const float *x, int dim, char *buf) noexcept
{
	char	   *out = buf;

	*out++ = '[';
	for (int i = 0; i < dim; i++)
	{
		if (i > 0)
			*out++ = ',';
		out += FormatFloat4(x[i], out);
	}
	*out++ = ']';
	*out = '\0';
	return out - buf;
}

bool
DecodeDenseHeader(const unsigned char *buf, std::size_t len, int max_dims, int expected_dim,
				  std::size_t elem_size, DecodeResult *result) noexcept
{
	*result = {DecodeStatus::kTruncated, 0, 0, 0};

	if (len < kBinaryHeaderSize)
		return false;

	/* Both header fields are signed int16 on the wire, as pq_sendint16 writes them */
	result->dim = static_cast<std::int16_t>(ReadUint16(buf));
	result->unused = static_cast<std::int16_t>(ReadUint16(buf + 2));
	result->data_len = len - kBinaryHeaderSize;

	/* The order of the checks decides which error a client sees; vector_recv's regress test pins it */
	if (result->dim < 1)
		result->status = DecodeStatus::kTooFewDims;
	else if (result->dim > max_dims)
		result->status = DecodeStatus::kTooManyDims;
	else if (expected_dim != -1 && expected_dim != result->dim)
		result->status = DecodeStatus::kDimMismatch;
	else if (result->unused != 0)
		result->status = DecodeStatus::kUnusedNonZero;
	/* Checked before writing anything: out is sized from len, not from dim */
	else if (result->data_len != static_cast<std::size_t>(result->dim) * elem_size)
		result->status = DecodeStatus::kLengthMismatch;
	else
		return true;
	return false;
}

DecodeResult
DecodeVectorBinary(const unsigned char *buf, std::size_t len, float *out, int max_dims,
				   int expected_dim) noexcept
{
	DecodeResult result;

	if (DecodeDenseHeader(buf, len, max_dims, expected_dim, sizeof(float), &result))
	{
		const unsigned char *p = buf + kBinaryHeaderSize;

		for (int i = 0; i < result.dim; i++, p += sizeof(float))
		{
			float		value = ReadFloat4(p);

			if (std::isnan(value))
			{
				result.status = DecodeStatus::kNaN;
				return result;
			}
			if (std::isinf(value))
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
EncodeVectorBinary(const float *x, int dim, unsigned char *buf) noexcept
{
	unsigned char *p = buf;

	p = WriteUint16(p, static_cast<std::uint16_t>(dim));
	p = WriteUint16(p, 0);
	for (int i = 0; i < dim; i++)
		p = WriteFloat4(p, x[i]);
	return p - buf;
}

}								// namespace vectordb::core

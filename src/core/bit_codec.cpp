/*-------------------------------------------------------------------------
 *
 * bit_codec.cpp
 *		Binary quantization of float vectors, and bit strings as 0/1 floats.
 *
 * IDENTIFICATION
 *		src/core/bit_codec.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "core/bit_codec.h"

#include "core/cpp_only.h"

namespace vectordb::core {

/*
 * Whole bytes are built from eight comparisons with no data-dependent
 * branch, which the compiler vectorizes; the last partial byte leaves its
 * low bits (the padding) zero.
 */
void
BinaryQuantize(const float *x, std::size_t n, std::uint8_t *out) noexcept
{
	std::size_t i = 0;

	for (; i + 8 <= n; i += 8)
	{
		unsigned	byte = 0;

		for (int j = 0; j < 8; j++)
			byte |= static_cast<unsigned>(x[i + j] > 0.0f) << (7 - j);
		out[i / 8] = static_cast<std::uint8_t>(byte);
	}
	if (i < n)
	{
		unsigned	byte = 0;

		for (std::size_t j = 0; i + j < n; j++)
			byte |= static_cast<unsigned>(x[i + j] > 0.0f) << (7 - j);
		out[i / 8] = static_cast<std::uint8_t>(byte);
	}
}

void
BitsToFloats(const std::uint8_t *bits, std::size_t n, float *out) noexcept
{
	for (std::size_t i = 0; i < n; i++)
		out[i] = static_cast<float>((bits[i / 8] >> (7 - i % 8)) & 1);
}

}							// namespace vectordb::core

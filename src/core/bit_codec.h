/*-------------------------------------------------------------------------
 *
 * bit_codec.h
 *		Float vectors to bit strings and back: binary quantization, and the
 *		0/1 expansion the float-based index access methods use for bit
 *		columns.
 *
 * Bits are laid out as in Postgres' bit type: bit i is in byte i / 8, most
 * significant bit first, and the padding bits of the last byte are zero.
 * Pure C++ with no allocation; the caller owns every buffer.
 *
 * IDENTIFICATION
 *		src/core/bit_codec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_BIT_CODEC_H
#define VECTORDB_BIT_CODEC_H

#include <cstddef>
#include <cstdint>

namespace vectordb::core {

/// Bytes a string of bits bits takes.
constexpr std::size_t
BitBytes(std::size_t bits)
{
	return (bits + 7) / 8;
}

/// Writes bit i = (x[i] > 0) for i < n into out (BitBytes(n) bytes, padding
/// zeroed).  Zero, negative zero and NaN all give 0, as in pgvector.
void BinaryQuantize(const float *x, std::size_t n, std::uint8_t *out) noexcept;

/// Writes 1.0f for each set bit and 0.0f for each clear bit of the first n
/// bits of bits into out (n floats).  Between two such expansions the
/// squared Euclidean distance is exactly the Hamming distance.
void BitsToFloats(const std::uint8_t *bits, std::size_t n, float *out) noexcept;

}							// namespace vectordb::core

#endif							/* VECTORDB_BIT_CODEC_H */

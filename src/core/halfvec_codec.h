/*-------------------------------------------------------------------------
 *
 * halfvec_codec.h
 *		Text and binary forms of a halfvec: parsing "[1,2.5,-3]" into halves
 *		and printing them back; decoding and encoding pgvector's binary
 *		layout (int16 dim, int16 unused, dim big-endian binary16 values).
 *
 * Built on the vector codec: the text grammar, the statuses and the float
 * printing are the vector type's, so the two types read and print alike.
 * Pure C++ with no allocation and no Postgres dependency; the caller owns
 * every buffer.
 *
 * IDENTIFICATION
 *		src/core/halfvec_codec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_HALFVEC_CODEC_H
#define VECTORDB_HALFVEC_CODEC_H

#include <cstddef>
#include <cstdint>

#include "core/vector_codec.h"

namespace vectordb::core {

/// Most dimensions a halfvec may have (pgvector's HALFVEC_MAX_DIM).
constexpr int kHalfvecMaxDim = 16000;

/**
 * Parses the vector text form into halves.  Each element is read as a float
 * (as vector_in reads it) and rounded to the nearest half, ties to even.
 * Besides ParseVectorText's outcomes, an element that is finite as a float
 * but beyond the half range (|x| >= 65520, which rounds to infinity) gives
 * kOutOfRange with bad_offset and bad_length locating its text.  scratch
 * and out both need the capacity ParseVectorText asks of its out.
 */
ParseResult ParseHalfvecText(const char *str, std::uint16_t *out, float *scratch,
							 int max_dims) noexcept;

/**
 * Writes "[x,y,...]", each half printed as its float value is printed by
 * FormatFloat4 (the shortest text that reads back to that float).  buf must
 * hold FormatBufferSize(dim) bytes.  Returns the length written.
 */
std::size_t FormatHalfvecText(const std::uint16_t *x, int dim, char *buf) noexcept;

/// Upper bound on the elements a binary halfvec of len bytes can hold, for sizing out.
constexpr std::size_t
HalfvecBinaryElementsForLength(std::size_t len)
{
	return len < kBinaryHeaderSize ? 0 : (len - kBinaryHeaderSize) / sizeof(std::uint16_t);
}

/// Bytes EncodeHalfvecBinary writes for a halfvec of dim elements.
constexpr std::size_t
HalfvecBinarySize(int dim)
{
	return kBinaryHeaderSize + static_cast<std::size_t>(dim) * sizeof(std::uint16_t);
}

/**
 * Decodes pgvector's halfvec binary form: int16 dim, int16 unused (must be
 * 0), then dim binary16 values, all in network byte order, and nothing
 * after them.  The checks and their order are DecodeVectorBinary's; NaN
 * and infinite halves are refused.  out needs room for
 * min(max_dims, HalfvecBinaryElementsForLength(len)) halves.
 */
DecodeResult DecodeHalfvecBinary(const unsigned char *buf, std::size_t len, std::uint16_t *out,
								 int max_dims, int expected_dim) noexcept;

/**
 * Writes the binary form of x (dim halves, unused 0) to buf, which must
 * hold HalfvecBinarySize(dim) bytes.  Returns the length written.
 */
std::size_t EncodeHalfvecBinary(const std::uint16_t *x, int dim, unsigned char *buf) noexcept;

}							// namespace vectordb::core

#endif							/* VECTORDB_HALFVEC_CODEC_H */

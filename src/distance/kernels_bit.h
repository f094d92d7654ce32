/*-------------------------------------------------------------------------
 *
 * kernels_bit.h
 *		Per-instruction-set popcount kernel tables.  PRIVATE to src/distance/.
 *
 * Each kernels_bit_<isa>.cpp defines one table; bit_dispatch.cpp decides
 * which of them this CPU may use.  Everyone else goes through
 * bit_distance.h, because calling the VPOPCNTDQ table on a CPU without it is
 * SIGILL.
 *
 * IDENTIFICATION
 *		src/distance/kernels_bit.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_DISTANCE_KERNELS_BIT_H
#define VECTORDB_DISTANCE_KERNELS_BIT_H

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "distance/bit_distance.h"

namespace vectordb::simd {

/// Portable reference kernels; always usable.
extern const BitKernels kScalarBitKernels;
/// POPCNT kernels; only when DetectBitLevel() >= BitLevel::kPopcnt.
extern const BitKernels kPopcntBitKernels;
/// AVX-512 VPOPCNTDQ kernels; only when DetectBitLevel() >= BitLevel::kAvx512Vpopcntdq.
extern const BitKernels kAvx512VpopcntdqBitKernels;

/// Eight bytes from p, which need not be aligned (bit data inside a heap
/// tuple is only 4-byte aligned).
inline std::uint64_t
LoadBitWord(const std::uint8_t *p)
{
	std::uint64_t word;

	std::memcpy(&word, p, sizeof(word));
	return word;
}

/// The last n < 8 bytes at p, zero-extended to a word.  Popcounts do not
/// care which byte lands where, as long as both operands agree.
inline std::uint64_t
LoadBitTail(const std::uint8_t *p, std::size_t n)
{
	std::uint64_t word = 0;

	std::memcpy(&word, p, n);
	return word;
}

}							// namespace vectordb::simd

#endif							/* VECTORDB_DISTANCE_KERNELS_BIT_H */

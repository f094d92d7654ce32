/*-------------------------------------------------------------------------
 *
 * bit_distance.h
 *		Popcount kernels for bit strings, with run-time instruction-set
 *		dispatch.
 *
 * Pure C++, like distance.h.  The kernels take two byte strings of the same
 * length, in any alignment, and count set bits of their XOR (Hamming) or of
 * their AND and each operand (Jaccard).  Bits past the string's length in its
 * last byte must be zero in both operands, as Postgres keeps them in bit and
 * varbit values; the kernels count whole bytes.
 *
 * Three tables exist: a portable reference (SWAR popcount, no special
 * instruction), POPCNT on 64-bit words, and AVX-512 VPOPCNTDQ on 512-bit
 * blocks.  InitBitKernels() picks the best one the CPU and OS support, once,
 * at module load; callers then go through BitActive().
 *
 * IDENTIFICATION
 *		src/distance/bit_distance.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_BIT_DISTANCE_H
#define VECTORDB_BIT_DISTANCE_H

#include <cstddef>
#include <cstdint>

namespace vectordb::simd {

/// Popcount instruction-set levels, in increasing order of capability.
enum class BitLevel : int
{
	kScalar = 0,				///< portable SWAR popcount
	kPopcnt = 1,				///< POPCNT on 64-bit words
	kAvx512Vpopcntdq = 2,		///< AVX-512F + AVX512_VPOPCNTDQ
};

/// The three counts Jaccard distance is made of.
struct JaccardCounts
{
	std::uint64_t both;			///< popcount(a & b)
	std::uint64_t a;			///< popcount(a)
	std::uint64_t b;			///< popcount(b)
};

/// Number of differing bits: popcount(a ^ b) over bytes bytes.
using HammingFn = std::uint64_t (*) (const std::uint8_t *a, const std::uint8_t *b, std::size_t bytes);
/// The counts of a & b, a and b over bytes bytes.
using JaccardCountsFn = JaccardCounts (*) (const std::uint8_t *a, const std::uint8_t *b, std::size_t bytes);

/// One complete set of popcount kernels for one instruction-set level.
struct BitKernels
{
	BitLevel	level;
	const char *name;			///< "scalar", "popcnt", "avx512vpopcntdq"
	HammingFn	hamming;
	JaccardCountsFn jaccard_counts;
};

/// Kernels for each level; nullptr where this CPU or OS lacks the level.
const BitKernels *BitKernelsFor(BitLevel level) noexcept;

/// Highest level this CPU and OS support.
BitLevel DetectBitLevel() noexcept;

/// Table in use.  Constant-initialized to the scalar set; only
/// InitBitKernels() and SetBitLevel() write it.
extern const BitKernels *g_bit_active;

/// Popcount kernels in use; the scalar set until InitBitKernels() runs.
inline const BitKernels &
BitActive() noexcept
{
	return *g_bit_active;
}

/// Picks the best supported level.  Called once at module load, by Init().
void InitBitKernels() noexcept;

/// Forces a level (tests, benchmarks).  Returns false if it is unsupported.
bool SetBitLevel(BitLevel level) noexcept;

/// 1 - |a & b| / |a | b|; 1 when a and b share no set bit, which includes
/// two all-zero strings (pgvector's convention).
double JaccardDistanceFromCounts(const JaccardCounts &counts) noexcept;

}							// namespace vectordb::simd

#endif							/* VECTORDB_BIT_DISTANCE_H */

/*-------------------------------------------------------------------------
 *
 * kernels_bit_popcnt.cpp
 *		Popcount kernels with the POPCNT instruction on 64-bit words.
 *
 * Only these functions are compiled for POPCNT (a target attribute, not a
 * file-wide -m flag, so nothing else in the file can pick the instruction
 * up), and bit_dispatch.cpp hands out the table only when cpuid reports it.
 * The loops are the reference loops with one popcnt per word.
 *
 * IDENTIFICATION
 *		src/distance/kernels_bit_popcnt.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <cstddef>
#include <cstdint>

#include "distance/bit_distance.h"
#include "distance/kernels_bit.h"

#include "core/cpp_only.h"

#define VDB_TARGET_POPCNT __attribute__((target("popcnt")))

namespace vectordb::simd {

namespace {

/* One popcnt instruction */
VDB_TARGET_POPCNT inline std::uint64_t
Popcount64(std::uint64_t x)
{
	return static_cast<std::uint64_t>(__builtin_popcountll(x));
}

/* popcount(a ^ b) */
VDB_TARGET_POPCNT std::uint64_t
Hamming(const std::uint8_t *a, const std::uint8_t *b, std::size_t bytes)
{
	std::uint64_t count = 0;
	std::size_t i = 0;

	for (; i + 8 <= bytes; i += 8)
		count += Popcount64(LoadBitWord(a + i) ^ LoadBitWord(b + i));
	if (i < bytes)
		count += Popcount64(LoadBitTail(a + i, bytes - i) ^ LoadBitTail(b + i, bytes - i));
	return count;
}

/* popcount(a & b), popcount(a), popcount(b) */
VDB_TARGET_POPCNT JaccardCounts
JaccardCountsOf(const std::uint8_t *a, const std::uint8_t *b, std::size_t bytes)
{
	JaccardCounts counts = {0, 0, 0};
	std::size_t i = 0;

	for (; i + 8 <= bytes; i += 8)
	{
		std::uint64_t x = LoadBitWord(a + i);
		std::uint64_t y = LoadBitWord(b + i);

		counts.both += Popcount64(x & y);
		counts.a += Popcount64(x);
		counts.b += Popcount64(y);
	}
	if (i < bytes)
	{
		std::uint64_t x = LoadBitTail(a + i, bytes - i);
		std::uint64_t y = LoadBitTail(b + i, bytes - i);

		counts.both += Popcount64(x & y);
		counts.a += Popcount64(x);
		counts.b += Popcount64(y);
	}
	return counts;
}

}							// namespace

const BitKernels kPopcntBitKernels = {
	BitLevel::kPopcnt, "popcnt", Hamming, JaccardCountsOf,
};

}							// namespace vectordb::simd

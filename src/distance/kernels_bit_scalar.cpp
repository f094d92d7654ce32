/*-------------------------------------------------------------------------
 *
 * kernels_bit_scalar.cpp
 *		Reference popcount kernels: 64-bit words, SWAR bit counting.
 *
 * These need no special instruction, so they run on any CPU, and they are
 * what the other levels are tested against.  Words are counted with the
 * classic parallel sum of adjacent bit fields, the last partial word is
 * zero-extended.
 *
 * IDENTIFICATION
 *		src/distance/kernels_bit_scalar.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <cstddef>
#include <cstdint>

#include "distance/bit_distance.h"
#include "distance/kernels_bit.h"

#include "core/cpp_only.h"

namespace vectordb::simd {

namespace {

/* Set bits of x: sums of 2-, 4- and 8-bit fields, then all bytes at once */
inline std::uint64_t
Popcount64(std::uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
	return (x * 0x0101010101010101ULL) >> 56;
}

/* popcount(a ^ b) */
std::uint64_t
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
JaccardCounts
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

const BitKernels kScalarBitKernels = {
	BitLevel::kScalar, "scalar", Hamming, JaccardCountsOf,
};

}							// namespace vectordb::simd

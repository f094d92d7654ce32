/*-------------------------------------------------------------------------
 *
 * kernels_bit_avx512.cpp
 *		Popcount kernels with AVX-512 VPOPCNTDQ on 512-bit blocks.
 *
 * Only these functions are compiled for AVX-512F + AVX512_VPOPCNTDQ (a
 * target attribute, so nothing else in the file can pick the instructions
 * up), and bit_dispatch.cpp hands out the table only after cpuid and xgetbv
 * say the CPU has both and the OS saves the ZMM and opmask state.
 *
 * Each 64-byte block is loaded unaligned and its eight 64-bit lanes are
 * counted by one vpopcntq into per-lane accumulators, summed once at the
 * end.  The last partial block takes its whole words with a zero-masked
 * load (masked lanes never fault, so nothing past the string is touched)
 * and its last 1..7 bytes, zero-extended, in the next lane.  Only AVX-512F
 * and VPOPCNTDQ are needed: no BW byte masks.
 *
 * IDENTIFICATION
 *		src/distance/kernels_bit_avx512.cpp
 *
 *-------------------------------------------------------------------------
 */
/* See kernels_avx512.cpp: GCC 12's AVX-512 headers trip -Wmaybe-uninitialized */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <cstddef>
#include <cstdint>

#include "distance/bit_distance.h"
#include "distance/kernels_bit.h"

#include "core/cpp_only.h"

#define VDB_TARGET_VPOPCNTDQ __attribute__((target("avx512f,avx512vpopcntdq")))

namespace vectordb::simd {

namespace {

constexpr std::size_t kBlock = 64;		/* bytes per zmm register */
constexpr std::size_t kWord = 8;		/* bytes per 64-bit lane */

/* The last bytes < 64 bytes at p, zero-extended to a full block */
VDB_TARGET_VPOPCNTDQ inline __m512i
LoadTailBlock(const std::uint8_t *p, std::size_t bytes)
{
	const std::size_t words = bytes / kWord;
	const std::size_t rest = bytes % kWord;
	__m512i		v = _mm512_maskz_loadu_epi64(static_cast<__mmask8>((1u << words) - 1), p);

	/* words <= 7 here, so lane `words` exists */
	if (rest != 0)
		v = _mm512_mask_set1_epi64(v, static_cast<__mmask8>(1u << words),
								   static_cast<long long>(LoadBitTail(p + words * kWord, rest)));
	return v;
}

/* popcount(a ^ b) */
VDB_TARGET_VPOPCNTDQ std::uint64_t
Hamming(const std::uint8_t *a, const std::uint8_t *b, std::size_t bytes)
{
	__m512i		count = _mm512_setzero_si512();
	std::size_t i = 0;

	for (; i + kBlock <= bytes; i += kBlock)
	{
		__m512i		x = _mm512_loadu_si512(a + i);
		__m512i		y = _mm512_loadu_si512(b + i);

		count = _mm512_add_epi64(count, _mm512_popcnt_epi64(_mm512_xor_si512(x, y)));
	}
	if (i < bytes)
	{
		__m512i		x = LoadTailBlock(a + i, bytes - i);
		__m512i		y = LoadTailBlock(b + i, bytes - i);

		count = _mm512_add_epi64(count, _mm512_popcnt_epi64(_mm512_xor_si512(x, y)));
	}
	return static_cast<std::uint64_t>(_mm512_reduce_add_epi64(count));
}

/* Adds the popcounts of x & y, x and y into the three accumulators */
VDB_TARGET_VPOPCNTDQ inline void
AccumulateJaccard(__m512i x, __m512i y, __m512i *both, __m512i *ca, __m512i *cb)
{
	*both = _mm512_add_epi64(*both, _mm512_popcnt_epi64(_mm512_and_si512(x, y)));
	*ca = _mm512_add_epi64(*ca, _mm512_popcnt_epi64(x));
	*cb = _mm512_add_epi64(*cb, _mm512_popcnt_epi64(y));
}

/* popcount(a & b), popcount(a), popcount(b) */
VDB_TARGET_VPOPCNTDQ JaccardCounts
JaccardCountsOf(const std::uint8_t *a, const std::uint8_t *b, std::size_t bytes)
{
	__m512i		both = _mm512_setzero_si512();
	__m512i		ca = _mm512_setzero_si512();
	__m512i		cb = _mm512_setzero_si512();
	std::size_t i = 0;
	JaccardCounts counts;

	for (; i + kBlock <= bytes; i += kBlock)
		AccumulateJaccard(_mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i), &both, &ca, &cb);
	if (i < bytes)
		AccumulateJaccard(LoadTailBlock(a + i, bytes - i), LoadTailBlock(b + i, bytes - i),
						  &both, &ca, &cb);

	counts.both = static_cast<std::uint64_t>(_mm512_reduce_add_epi64(both));
	counts.a = static_cast<std::uint64_t>(_mm512_reduce_add_epi64(ca));
	counts.b = static_cast<std::uint64_t>(_mm512_reduce_add_epi64(cb));
	return counts;
}

}							// namespace

const BitKernels kAvx512VpopcntdqBitKernels = {
	BitLevel::kAvx512Vpopcntdq, "avx512vpopcntdq", Hamming, JaccardCountsOf,
};

}							// namespace vectordb::simd

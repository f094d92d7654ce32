/*-------------------------------------------------------------------------
 *
 * kernels_half_avx512.cpp
 *		Half-precision distance kernels with AVX-512F: conversion and sums.
 *
 * Each step loads 16 halves (32 bytes) and widens them to 16 floats with
 * the AVX-512F form of vcvtph2ps (_mm512_cvtph_ps, exact); from there the
 * loop is the float AVX-512 kernels': four sets of float32 accumulators,
 * folded into double every kFoldBlock elements.  A 16-bit masked load would
 * need AVX-512BW, so the last n % 16 halves go through a zeroed buffer.
 *
 * As in kernels_half_avx2.cpp, a target attribute on each function names
 * the instruction sets (AVX-512F only, plus AVX for the 256-bit load), and
 * dispatch hands the table out only when cpuid and xgetbv report AVX-512F
 * with its register state enabled.
 *
 * IDENTIFICATION
 *		src/distance/kernels_half_avx512.cpp
 *
 *-------------------------------------------------------------------------
 */
/* GCC 12's AVX-512 headers trip -Wmaybe-uninitialized; see kernels_avx512.cpp */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/half.h"
#include "distance/half_distance.h"
#include "distance/kernels.h"
#include "distance/kernels_half.h"

#include "core/cpp_only.h"

#define VDB_TARGET_AVX512 __attribute__((target("avx512f,avx2,fma")))

namespace vectordb::simd {

namespace {

constexpr std::size_t kLanes = 16;

/* 16 halves widened to 16 floats */
VDB_TARGET_AVX512 inline __m512
LoadHalves(const std::uint16_t *p)
{
	return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(p)));
}

/* The last count (< 16) halves, zero-filled to 16: nothing is read past p + count */
VDB_TARGET_AVX512 inline __m512
LoadTail(const std::uint16_t *p, std::size_t count)
{
	std::uint16_t buf[kLanes] = {0};

	std::memcpy(buf, p, count * sizeof(std::uint16_t));
	return LoadHalves(buf);
}

/* Adds the sixteen float lanes of v, widened, into the eight double lanes of acc */
VDB_TARGET_AVX512 inline __m512d
FoldIntoDouble(__m512d acc, __m512 v)
{
	/* _mm512_extractf32x8_ps would need AVX-512DQ; go through the pd view */
	__m256		hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));

	acc = _mm512_add_pd(acc, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
	return _mm512_add_pd(acc, _mm512_cvtps_pd(hi));
}

/* The float AVX-512 kernels' loop over halves; see kernels_half_avx2.cpp */
template <typename Op>
VDB_TARGET_AVX512 inline void
BlockedSums(const std::uint16_t *a, const std::uint16_t *b, std::size_t n, double *sums)
{
	constexpr int kTerms = Op::kTerms;
	constexpr int kUnroll = 4;
	constexpr std::size_t kStride = kLanes * kUnroll;
	static_assert(kFoldBlock % kStride == 0, "a block must hold whole strides");

	__m512d		total[kTerms];
	std::size_t i = 0;

	for (int t = 0; t < kTerms; t++)
		total[t] = _mm512_setzero_pd();

	while (i < n)
	{
		const std::size_t block_end = i + std::min(kFoldBlock, n - i);
		__m512		acc[kUnroll][kTerms];

		for (int u = 0; u < kUnroll; u++)
			for (int t = 0; t < kTerms; t++)
				acc[u][t] = _mm512_setzero_ps();

		for (; i + kStride <= block_end; i += kStride)
		{
#pragma GCC unroll 4
			for (int u = 0; u < kUnroll; u++)
				Op::Step(acc[u], LoadHalves(a + i + u * kLanes), LoadHalves(b + i + u * kLanes));
		}
		for (; i + kLanes <= block_end; i += kLanes)
			Op::Step(acc[0], LoadHalves(a + i), LoadHalves(b + i));
		if (i < block_end)
		{
			/* Only the last block is ragged: kFoldBlock is a multiple of 16 */
			Op::Step(acc[0], LoadTail(a + i, block_end - i), LoadTail(b + i, block_end - i));
			i = block_end;
		}

		for (int u = 0; u < kUnroll; u++)
			for (int t = 0; t < kTerms; t++)
				total[t] = FoldIntoDouble(total[t], acc[u][t]);
	}

	for (int t = 0; t < kTerms; t++)
		sums[t] = _mm512_reduce_add_pd(total[t]);
}

/* (a - b)^2 */
struct L2SquaredOp
{
	static constexpr int kTerms = 1;

	VDB_TARGET_AVX512 static inline void Step(__m512 *acc, __m512 va, __m512 vb)
	{
		__m512		d = _mm512_sub_ps(va, vb);

		acc[0] = _mm512_fmadd_ps(d, d, acc[0]);
	}
};

/* a * b */
struct InnerProductOp
{
	static constexpr int kTerms = 1;

	VDB_TARGET_AVX512 static inline void Step(__m512 *acc, __m512 va, __m512 vb)
	{
		acc[0] = _mm512_fmadd_ps(va, vb, acc[0]);
	}
};

/* |a - b|; _mm512_abs_ps is an AVX-512F and-not of the sign bit */
struct L1Op
{
	static constexpr int kTerms = 1;

	VDB_TARGET_AVX512 static inline void Step(__m512 *acc, __m512 va, __m512 vb)
	{
		acc[0] = _mm512_add_ps(acc[0], _mm512_abs_ps(_mm512_sub_ps(va, vb)));
	}
};

/* a * b, a * a, b * b */
struct CosineTermsOp
{
	static constexpr int kTerms = 3;

	VDB_TARGET_AVX512 static inline void Step(__m512 *acc, __m512 va, __m512 vb)
	{
		acc[0] = _mm512_fmadd_ps(va, vb, acc[0]);
		acc[1] = _mm512_fmadd_ps(va, va, acc[1]);
		acc[2] = _mm512_fmadd_ps(vb, vb, acc[2]);
	}
};

/* Sum of squared differences */
VDB_TARGET_AVX512 double
L2Squared(const std::uint16_t *a, const std::uint16_t *b, std::size_t n)
{
	double		sum;

	BlockedSums<L2SquaredOp>(a, b, n, &sum);
	return sum;
}

/* Sum of products */
VDB_TARGET_AVX512 double
InnerProduct(const std::uint16_t *a, const std::uint16_t *b, std::size_t n)
{
	double		sum;

	BlockedSums<InnerProductOp>(a, b, n, &sum);
	return sum;
}

/* Sum of absolute differences */
VDB_TARGET_AVX512 double
L1(const std::uint16_t *a, const std::uint16_t *b, std::size_t n)
{
	double		sum;

	BlockedSums<L1Op>(a, b, n, &sum);
	return sum;
}

/* Dot product and both squared norms, in one pass over the data */
VDB_TARGET_AVX512 void
CosineTerms(const std::uint16_t *a, const std::uint16_t *b, std::size_t n,
			double *dot, double *norm_a, double *norm_b)
{
	double		sums[3];

	BlockedSums<CosineTermsOp>(a, b, n, sums);
	*dot = sums[0];
	*norm_a = sums[1];
	*norm_b = sums[2];
}

/* Widens halves to floats, 16 at a time */
VDB_TARGET_AVX512 void
ToFloat(const std::uint16_t *in, float *out, std::size_t n)
{
	std::size_t i = 0;

	for (; i + kLanes <= n; i += kLanes)
		_mm512_storeu_ps(out + i, LoadHalves(in + i));
	for (; i < n; i++)
		out[i] = core::HalfToFloat(in[i]);
}

}							// namespace

const HalfKernels kHalfAvx512Kernels = {
	Level::kAvx512, "avx512", L2Squared, InnerProduct, L1, CosineTerms, ToFloat,
};

}							// namespace vectordb::simd

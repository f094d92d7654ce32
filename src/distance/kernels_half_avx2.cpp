/*-------------------------------------------------------------------------
 *
 * kernels_half_avx2.cpp
 *		Half-precision distance kernels: F16C conversion, AVX2 + FMA sums.
 *
 * Each step loads 8 halves (16 bytes) and widens them to 8 floats with
 * vcvtph2ps (_mm256_cvtph_ps, exact); from there the loop is the float
 * AVX2 kernels': several independent float32 accumulators, folded into
 * double every kFoldBlock elements.  AVX2 has no 16-bit masked load, so
 * the last n % 8 halves are copied into a zeroed 8-half buffer first.
 *
 * The instruction sets are named on each function with a target attribute
 * instead of per-object compiler flags, so every build that compiles the
 * distance sources (module, unit tests, benchmarks) gets them without a
 * rule of its own; nothing outside these functions uses AVX.  dispatch
 * hands the table out only when cpuid and xgetbv report AVX2, FMA and F16C.
 *
 * IDENTIFICATION
 *		src/distance/kernels_half_avx2.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/half.h"
#include "distance/half_distance.h"
#include "distance/kernels.h"
#include "distance/kernels_half.h"

#include "core/cpp_only.h"

#define VDB_TARGET_F16C __attribute__((target("avx2,fma,f16c")))

namespace vectordb::simd {

namespace {

constexpr std::size_t kLanes = 8;

/* 8 halves widened to 8 floats */
VDB_TARGET_F16C inline __m256
LoadHalves(const std::uint16_t *p)
{
	return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p)));
}

/* The last count (< 8) halves, zero-filled to 8: nothing is read past p + count */
VDB_TARGET_F16C inline __m256
LoadTail(const std::uint16_t *p, std::size_t count)
{
	std::uint16_t buf[kLanes] = {0};

	std::memcpy(buf, p, count * sizeof(std::uint16_t));
	return LoadHalves(buf);
}

/* Adds the eight float lanes of v, widened, into the four double lanes of acc */
VDB_TARGET_F16C inline __m256d
FoldIntoDouble(__m256d acc, __m256 v)
{
	acc = _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
	return _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
}

/* Sums the four double lanes of v */
VDB_TARGET_F16C inline double
HorizontalSum(__m256d v)
{
	__m128d		s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));

	return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

/*
 * The float AVX2 kernels' loop over halves: Op gives kTerms sums, kUnroll
 * accumulator sets and Step, which folds 8 widened elements of a and b into
 * acc[0 .. kTerms).  Zero-filled tail lanes add nothing for every metric.
 */
template <typename Op>
VDB_TARGET_F16C inline void
BlockedSums(const std::uint16_t *a, const std::uint16_t *b, std::size_t n, double *sums)
{
	constexpr int kTerms = Op::kTerms;
	constexpr int kUnroll = Op::kUnroll;
	constexpr std::size_t kStride = kLanes * kUnroll;
	static_assert(kFoldBlock % kStride == 0, "a block must hold whole strides");

	__m256d		total[kTerms];
	std::size_t i = 0;

	for (int t = 0; t < kTerms; t++)
		total[t] = _mm256_setzero_pd();

	while (i < n)
	{
		const std::size_t block_end = i + std::min(kFoldBlock, n - i);
		__m256		acc[kUnroll][kTerms];

		for (int u = 0; u < kUnroll; u++)
			for (int t = 0; t < kTerms; t++)
				acc[u][t] = _mm256_setzero_ps();

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
			/* Only the last block is ragged: kFoldBlock is a multiple of 8 */
			Op::Step(acc[0], LoadTail(a + i, block_end - i), LoadTail(b + i, block_end - i));
			i = block_end;
		}

		for (int u = 0; u < kUnroll; u++)
			for (int t = 0; t < kTerms; t++)
				total[t] = FoldIntoDouble(total[t], acc[u][t]);
	}

	for (int t = 0; t < kTerms; t++)
		sums[t] = HorizontalSum(total[t]);
}

/* (a - b)^2 */
struct L2SquaredOp
{
	static constexpr int kTerms = 1;
	static constexpr int kUnroll = 4;

	VDB_TARGET_F16C static inline void Step(__m256 *acc, __m256 va, __m256 vb)
	{
		__m256		d = _mm256_sub_ps(va, vb);

		acc[0] = _mm256_fmadd_ps(d, d, acc[0]);
	}
};

/* a * b */
struct InnerProductOp
{
	static constexpr int kTerms = 1;
	static constexpr int kUnroll = 4;

	VDB_TARGET_F16C static inline void Step(__m256 *acc, __m256 va, __m256 vb)
	{
		acc[0] = _mm256_fmadd_ps(va, vb, acc[0]);
	}
};

/* |a - b|, by clearing the sign bit */
struct L1Op
{
	static constexpr int kTerms = 1;
	static constexpr int kUnroll = 4;

	VDB_TARGET_F16C static inline void Step(__m256 *acc, __m256 va, __m256 vb)
	{
		__m256		d = _mm256_sub_ps(va, vb);

		acc[0] = _mm256_add_ps(acc[0], _mm256_andnot_ps(_mm256_set1_ps(-0.0f), d));
	}
};

/* a * b, a * a, b * b; two accumulator sets, as in the float kernel */
struct CosineTermsOp
{
	static constexpr int kTerms = 3;
	static constexpr int kUnroll = 2;

	VDB_TARGET_F16C static inline void Step(__m256 *acc, __m256 va, __m256 vb)
	{
		acc[0] = _mm256_fmadd_ps(va, vb, acc[0]);
		acc[1] = _mm256_fmadd_ps(va, va, acc[1]);
		acc[2] = _mm256_fmadd_ps(vb, vb, acc[2]);
	}
};

/* Sum of squared differences */
VDB_TARGET_F16C double
L2Squared(const std::uint16_t *a, const std::uint16_t *b, std::size_t n)
{
	double		sum;

	BlockedSums<L2SquaredOp>(a, b, n, &sum);
	return sum;
}

/* Sum of products */
VDB_TARGET_F16C double
InnerProduct(const std::uint16_t *a, const std::uint16_t *b, std::size_t n)
{
	double		sum;

	BlockedSums<InnerProductOp>(a, b, n, &sum);
	return sum;
}

/* Sum of absolute differences */
VDB_TARGET_F16C double
L1(const std::uint16_t *a, const std::uint16_t *b, std::size_t n)
{
	double		sum;

	BlockedSums<L1Op>(a, b, n, &sum);
	return sum;
}

/* Dot product and both squared norms, in one pass over the data */
VDB_TARGET_F16C void
CosineTerms(const std::uint16_t *a, const std::uint16_t *b, std::size_t n,
			double *dot, double *norm_a, double *norm_b)
{
	double		sums[3];

	BlockedSums<CosineTermsOp>(a, b, n, sums);
	*dot = sums[0];
	*norm_a = sums[1];
	*norm_b = sums[2];
}

/* Widens halves to floats, 8 at a time */
VDB_TARGET_F16C void
ToFloat(const std::uint16_t *in, float *out, std::size_t n)
{
	std::size_t i = 0;

	for (; i + kLanes <= n; i += kLanes)
		_mm256_storeu_ps(out + i, LoadHalves(in + i));
	for (; i < n; i++)
		out[i] = core::HalfToFloat(in[i]);
}

}							// namespace

const HalfKernels kHalfAvx2Kernels = {
	Level::kAvx2, "avx2", L2Squared, InnerProduct, L1, CosineTerms, ToFloat,
};

}							// namespace vectordb::simd

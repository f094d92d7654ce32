/*-------------------------------------------------------------------------
 *
 * kernels_avx2.cpp
 *		Distance kernels with AVX2 + FMA intrinsics.
 *
 * Only this file is compiled with -mavx2 -mfma, and dispatch.cpp hands out
 * its table only after cpuid and xgetbv say the CPU and OS support both.
 *
 * Products are summed in float32 lanes, several independent accumulators at
 * a time so consecutive FMAs do not wait on each other's latency.  Float
 * lanes alone would drift on long vectors (16000 dims), so every kFoldBlock
 * floats the lanes are widened and added into double accumulators.  The last
 * n % 8 floats come in through a masked load, which neither reads nor faults
 * beyond the end of the arrays.
 *
 * IDENTIFICATION
 *		src/distance/kernels_avx2.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "distance/distance.h"
#include "distance/kernels.h"

#include "core/cpp_only.h"

namespace vectordb::simd {

namespace {

constexpr std::size_t kLanes = 8;

/*
 * Sliding window of lane masks: loading 8 ints at kTailMask + 8 - r gives r
 * all-ones lanes followed by zeros.
 */
const std::int32_t kTailMask[2 * kLanes] = {
	-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Adds the eight float lanes of v, widened, into the four double lanes of acc */
inline __m256d
FoldIntoDouble(__m256d acc, __m256 v)
{
	acc = _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
	return _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
}

/* Sums the four double lanes of v */
inline double
HorizontalSum(__m256d v)
{
	__m128d		s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));

	return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

/*
 * Shared loop for every metric.  Op names how many sums it keeps (kTerms),
 * how many accumulator sets to interleave (kUnroll: enough to cover FMA
 * latency without spilling the 16 ymm registers), and Step, which folds one
 * 8-float slice of a and b into acc[0 .. kTerms).  Zero-filled tail lanes
 * must add nothing, which holds for all four metrics.
 */
template <typename Op>
inline void
BlockedSums(const float *a, const float *b, std::size_t n, double *sums)
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
				Op::Step(acc[u], _mm256_loadu_ps(a + i + u * kLanes),
						 _mm256_loadu_ps(b + i + u * kLanes));
		}
		for (; i + kLanes <= block_end; i += kLanes)
			Op::Step(acc[0], _mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
		if (i < block_end)
		{
			/* Only the last block is ragged: kFoldBlock is a multiple of 8 */
			const __m256i mask = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(
				kTailMask + kLanes - (block_end - i)));

			Op::Step(acc[0], _mm256_maskload_ps(a + i, mask),
					 _mm256_maskload_ps(b + i, mask));
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

	static inline void Step(__m256 *acc, __m256 va, __m256 vb)
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

	static inline void Step(__m256 *acc, __m256 va, __m256 vb)
	{
		acc[0] = _mm256_fmadd_ps(va, vb, acc[0]);
	}
};

/* |a - b|, by clearing the sign bit (andnot with -0.0f) */
struct L1Op
{
	static constexpr int kTerms = 1;
	static constexpr int kUnroll = 4;

	static inline void Step(__m256 *acc, __m256 va, __m256 vb)
	{
		__m256		d = _mm256_sub_ps(va, vb);

		acc[0] = _mm256_add_ps(acc[0], _mm256_andnot_ps(_mm256_set1_ps(-0.0f), d));
	}
};

/*
 * a * b, a * a, b * b.  Two sets of three accumulators: measured as fast as
 * four at 768 and 1536 dims, and faster at 128, where four sets cost more to
 * set up and fold than they save.
 */
struct CosineTermsOp
{
	static constexpr int kTerms = 3;
	static constexpr int kUnroll = 2;

	static inline void Step(__m256 *acc, __m256 va, __m256 vb)
	{
		acc[0] = _mm256_fmadd_ps(va, vb, acc[0]);
		acc[1] = _mm256_fmadd_ps(va, va, acc[1]);
		acc[2] = _mm256_fmadd_ps(vb, vb, acc[2]);
	}
};

/* Sum of squared differences */
double
L2Squared(const float *a, const float *b, std::size_t n)
{
	double		sum;

	BlockedSums<L2SquaredOp>(a, b, n, &sum);
	return sum;
}

/* Sum of products */
double
InnerProduct(const float *a, const float *b, std::size_t n)
{
	double		sum;

	BlockedSums<InnerProductOp>(a, b, n, &sum);
	return sum;
}

/* Sum of absolute differences */
double
L1(const float *a, const float *b, std::size_t n)
{
	double		sum;

	BlockedSums<L1Op>(a, b, n, &sum);
	return sum;
}

/* Dot product and both squared norms, in one pass over the data */
void
CosineTerms(const float *a, const float *b, std::size_t n,
			double *dot, double *norm_a, double *norm_b)
{
	double		sums[3];

	BlockedSums<CosineTermsOp>(a, b, n, sums);
	*dot = sums[0];
	*norm_a = sums[1];
	*norm_b = sums[2];
}

/* 8 codes widened to 8 floats */
inline __m256
LoadCodes(const std::uint8_t *code)
{
	__m128i		bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(code));

	return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes));
}

/*
 * SQ8 codes against a prepared query.  Quantized distances are approximate
 * by construction (the scan re-ranks with exact ones), so float lanes over
 * the whole vector are precise enough.
 */
double
Sq8L2(const float *a, const float *b, const std::uint8_t *code, std::size_t n)
{
	__m256		acc0 = _mm256_setzero_ps();
	__m256		acc1 = _mm256_setzero_ps();
	std::size_t i = 0;
	double		sum;

	for (; i + 2 * kLanes <= n; i += 2 * kLanes)
	{
		__m256		d0 = _mm256_fnmadd_ps(_mm256_loadu_ps(b + i), LoadCodes(code + i),
										  _mm256_loadu_ps(a + i));
		__m256		d1 = _mm256_fnmadd_ps(_mm256_loadu_ps(b + i + kLanes),
										  LoadCodes(code + i + kLanes),
										  _mm256_loadu_ps(a + i + kLanes));

		acc0 = _mm256_fmadd_ps(d0, d0, acc0);
		acc1 = _mm256_fmadd_ps(d1, d1, acc1);
	}
	sum = HorizontalSum(FoldIntoDouble(_mm256_setzero_pd(), _mm256_add_ps(acc0, acc1)));
	for (; i < n; i++)
	{
		double		d = static_cast<double>(a[i]) - static_cast<double>(b[i]) * code[i];

		sum += d * d;
	}
	return sum;
}

double
Sq8Dot(const float *w, const std::uint8_t *code, std::size_t n)
{
	__m256		acc0 = _mm256_setzero_ps();
	__m256		acc1 = _mm256_setzero_ps();
	std::size_t i = 0;
	double		sum;

	for (; i + 2 * kLanes <= n; i += 2 * kLanes)
	{
		acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), LoadCodes(code + i), acc0);
		acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + kLanes), LoadCodes(code + i + kLanes), acc1);
	}
	sum = HorizontalSum(FoldIntoDouble(_mm256_setzero_pd(), _mm256_add_ps(acc0, acc1)));
	for (; i < n; i++)
		sum += static_cast<double>(w[i]) * code[i];
	return sum;
}

}							// namespace

const Kernels kAvx2Kernels = {
	Level::kAvx2, "avx2", L2Squared, InnerProduct, L1, CosineTerms, Sq8L2, Sq8Dot,
};

}							// namespace vectordb::simd

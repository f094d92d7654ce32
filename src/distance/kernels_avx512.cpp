/*-------------------------------------------------------------------------
 *
 * kernels_avx512.cpp
 *		Distance kernels with AVX-512F intrinsics.
 *
 * Only this file is compiled with -mavx512f -mavx2 -mfma, and dispatch.cpp
 * hands out its table only after cpuid and xgetbv say the CPU and OS support
 * AVX-512F (including the opmask and ZMM state) as well as AVX2 and FMA.
 * Only AVX-512F intrinsics are used, so no DQ/BW/VL extension is needed.
 *
 * The structure mirrors kernels_avx2.cpp: float32 lanes, independent
 * accumulators, a fold into double every kFoldBlock floats.  The tail is a
 * zero-masked load under a __mmask16, which never faults on masked lanes.
 *
 * IDENTIFICATION
 *		src/distance/kernels_avx512.cpp
 *
 *-------------------------------------------------------------------------
 */
/*
 * GCC 12's AVX-512 headers seed results with _mm512_undefined_pd() and then
 * warn about it once inlined (GCC PR 105593, fixed in later releases).  The
 * warning is located in the header, so silencing it for the include alone
 * suffices.  Clang (used for PGXS bitcode) has neither the bug nor the flag.
 */
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

#include "distance/distance.h"
#include "distance/kernels.h"

#include "core/cpp_only.h"

namespace vectordb::simd {

namespace {

constexpr std::size_t kLanes = 16;

/* Adds the sixteen float lanes of v, widened, into the eight double lanes of acc */
inline __m512d
FoldIntoDouble(__m512d acc, __m512 v)
{
	/* _mm512_extractf32x8_ps would need AVX-512DQ; go through the pd view */
	__m256		hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));

	acc = _mm512_add_pd(acc, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
	return _mm512_add_pd(acc, _mm512_cvtps_pd(hi));
}

/*
 * Shared loop for every metric; see kernels_avx2.cpp.  With 32 zmm
 * registers, four accumulator sets fit even for the three cosine sums.
 */
template <typename Op>
inline void
BlockedSums(const float *a, const float *b, std::size_t n, double *sums)
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
				Op::Step(acc[u], _mm512_loadu_ps(a + i + u * kLanes),
						 _mm512_loadu_ps(b + i + u * kLanes));
		}
		for (; i + kLanes <= block_end; i += kLanes)
			Op::Step(acc[0], _mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
		if (i < block_end)
		{
			/* Only the last block is ragged: kFoldBlock is a multiple of 16 */
			const __mmask16 mask =
				static_cast<__mmask16>((1u << (block_end - i)) - 1);

			Op::Step(acc[0], _mm512_maskz_loadu_ps(mask, a + i),
					 _mm512_maskz_loadu_ps(mask, b + i));
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

	static inline void Step(__m512 *acc, __m512 va, __m512 vb)
	{
		__m512		d = _mm512_sub_ps(va, vb);

		acc[0] = _mm512_fmadd_ps(d, d, acc[0]);
	}
};

/* a * b */
struct InnerProductOp
{
	static constexpr int kTerms = 1;

	static inline void Step(__m512 *acc, __m512 va, __m512 vb)
	{
		acc[0] = _mm512_fmadd_ps(va, vb, acc[0]);
	}
};

/* |a - b|; _mm512_abs_ps is an AVX-512F and-not of the sign bit */
struct L1Op
{
	static constexpr int kTerms = 1;

	static inline void Step(__m512 *acc, __m512 va, __m512 vb)
	{
		acc[0] = _mm512_add_ps(acc[0], _mm512_abs_ps(_mm512_sub_ps(va, vb)));
	}
};

/* a * b, a * a, b * b */
struct CosineTermsOp
{
	static constexpr int kTerms = 3;

	static inline void Step(__m512 *acc, __m512 va, __m512 vb)
	{
		acc[0] = _mm512_fmadd_ps(va, vb, acc[0]);
		acc[1] = _mm512_fmadd_ps(va, va, acc[1]);
		acc[2] = _mm512_fmadd_ps(vb, vb, acc[2]);
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

/* 16 codes widened to 16 floats */
inline __m512
LoadCodes(const std::uint8_t *code)
{
	__m128i		bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(code));

	return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(bytes));
}

/* SQ8 codes against a prepared query; see the AVX2 version */
double
Sq8L2(const float *a, const float *b, const std::uint8_t *code, std::size_t n)
{
	__m512		acc = _mm512_setzero_ps();
	std::size_t i = 0;
	double		sum;

	for (; i + 16 <= n; i += 16)
	{
		__m512		d = _mm512_fnmadd_ps(_mm512_loadu_ps(b + i), LoadCodes(code + i),
										 _mm512_loadu_ps(a + i));

		acc = _mm512_fmadd_ps(d, d, acc);
	}
	sum = _mm512_reduce_add_ps(acc);
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
	__m512		acc = _mm512_setzero_ps();
	std::size_t i = 0;
	double		sum;

	for (; i + 16 <= n; i += 16)
		acc = _mm512_fmadd_ps(_mm512_loadu_ps(w + i), LoadCodes(code + i), acc);
	sum = _mm512_reduce_add_ps(acc);
	for (; i < n; i++)
		sum += static_cast<double>(w[i]) * code[i];
	return sum;
}

}							// namespace

const Kernels kAvx512Kernels = {
	Level::kAvx512, "avx512", L2Squared, InnerProduct, L1, CosineTerms, Sq8L2, Sq8Dot,
};

}							// namespace vectordb::simd

/*-------------------------------------------------------------------------
 *
 * kernels_scalar.cpp
 *		Reference distance kernels: plain loops, double accumulation.
 *
 * These run on any CPU and are the yardstick the SIMD kernels are tested
 * against, so they favour obvious correctness over speed.  Each float is
 * widened to double before it is combined, which makes every term exact
 * and leaves only the summation's own rounding.
 *
 * IDENTIFICATION
 *		src/distance/kernels_scalar.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "distance/distance.h"
#include "distance/kernels.h"

#include "core/cpp_only.h"

namespace vectordb::simd {

namespace {

/* Sum of squared differences */
double
L2Squared(const float *a, const float *b, std::size_t n)
{
	double		sum = 0.0;

	for (std::size_t i = 0; i < n; i++)
	{
		double		d = static_cast<double>(a[i]) - static_cast<double>(b[i]);

		sum += d * d;
	}
	return sum;
}

/* Sum of products */
double
InnerProduct(const float *a, const float *b, std::size_t n)
{
	double		sum = 0.0;

	for (std::size_t i = 0; i < n; i++)
		sum += static_cast<double>(a[i]) * static_cast<double>(b[i]);
	return sum;
}

/* Sum of absolute differences */
double
L1(const float *a, const float *b, std::size_t n)
{
	double		sum = 0.0;

	for (std::size_t i = 0; i < n; i++)
		sum += std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
	return sum;
}

/* Dot product and both squared norms, in one pass over the data */
void
CosineTerms(const float *a, const float *b, std::size_t n,
			double *dot, double *norm_a, double *norm_b)
{
	double		ab = 0.0;
	double		aa = 0.0;
	double		bb = 0.0;

	for (std::size_t i = 0; i < n; i++)
	{
		double		x = a[i];
		double		y = b[i];

		ab += x * y;
		aa += x * x;
		bb += y * y;
	}
	*dot = ab;
	*norm_a = aa;
	*norm_b = bb;
}

double
Sq8L2(const float *a, const float *b, const std::uint8_t *code, std::size_t n)
{
	double		sum = 0.0;

	for (std::size_t i = 0; i < n; i++)
	{
		double		d = static_cast<double>(a[i]) - static_cast<double>(b[i]) * code[i];

		sum += d * d;
	}
	return sum;
}

double
Sq8Dot(const float *w, const std::uint8_t *code, std::size_t n)
{
	double		sum = 0.0;

	for (std::size_t i = 0; i < n; i++)
		sum += static_cast<double>(w[i]) * code[i];
	return sum;
}

}							// namespace

const Kernels kScalarKernels = {
	Level::kScalar, "scalar", L2Squared, InnerProduct, L1, CosineTerms, Sq8L2, Sq8Dot,
};

}							// namespace vectordb::simd

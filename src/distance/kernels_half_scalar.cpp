/*-------------------------------------------------------------------------
 *
 * kernels_half_scalar.cpp
 *		Reference half-precision distance kernels: scalar conversion, plain
 *		loops, double accumulation.
 *
 * The yardstick for the F16C and AVX-512 kernels, as kernels_scalar.cpp is
 * for the float ones: every half widens exactly to float and then to
 * double, so each term is exact and only the summation rounds.
 *
 * IDENTIFICATION
 *		src/distance/kernels_half_scalar.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "core/half.h"
#include "distance/half_distance.h"
#include "distance/kernels_half.h"

#include "core/cpp_only.h"

namespace vectordb::simd {

namespace {

/* A half as a double (exact) */
inline double
Widen(std::uint16_t h)
{
	return static_cast<double>(core::HalfToFloat(h));
}

/* Sum of squared differences */
double
L2Squared(const std::uint16_t *a, const std::uint16_t *b, std::size_t n)
{
	double		sum = 0.0;

	for (std::size_t i = 0; i < n; i++)
	{
		double		d = Widen(a[i]) - Widen(b[i]);

		sum += d * d;
	}
	return sum;
}

/* Sum of products */
double
InnerProduct(const std::uint16_t *a, const std::uint16_t *b, std::size_t n)
{
	double		sum = 0.0;

	for (std::size_t i = 0; i < n; i++)
		sum += Widen(a[i]) * Widen(b[i]);
	return sum;
}

/* Sum of absolute differences */
double
L1(const std::uint16_t *a, const std::uint16_t *b, std::size_t n)
{
	double		sum = 0.0;

	for (std::size_t i = 0; i < n; i++)
		sum += std::fabs(Widen(a[i]) - Widen(b[i]));
	return sum;
}

/* Dot product and both squared norms, in one pass over the data */
void
CosineTerms(const std::uint16_t *a, const std::uint16_t *b, std::size_t n,
			double *dot, double *norm_a, double *norm_b)
{
	double		ab = 0.0;
	double		aa = 0.0;
	double		bb = 0.0;

	for (std::size_t i = 0; i < n; i++)
	{
		double		x = Widen(a[i]);
		double		y = Widen(b[i]);

		ab += x * y;
		aa += x * x;
		bb += y * y;
	}
	*dot = ab;
	*norm_a = aa;
	*norm_b = bb;
}

/* Widens halves to floats */
void
ToFloat(const std::uint16_t *in, float *out, std::size_t n)
{
	for (std::size_t i = 0; i < n; i++)
		out[i] = core::HalfToFloat(in[i]);
}

}							// namespace

const HalfKernels kHalfScalarKernels = {
	Level::kScalar, "scalar", L2Squared, InnerProduct, L1, CosineTerms, ToFloat,
};

}							// namespace vectordb::simd

/*-------------------------------------------------------------------------
 *
 * half_distance.h
 *		Distance kernels over IEEE binary16 arrays, with run-time
 *		instruction-set dispatch.
 *
 * Pure C++, like distance.h.  Each kernel widens halves to float (exact) and
 * sums as the float kernels do: float32 lanes folded into double every
 * kFoldBlock elements at the SIMD levels, double throughout in the scalar
 * reference.  A level exists per distance.h level: "avx2" converts with F16C
 * (vcvtph2ps on 8 halves) and needs AVX2, FMA and F16C; "avx512" converts 16
 * halves at a time with AVX-512F.  SelectHalfKernels, called by Init() and
 * SetLevel(), installs the best table at or below the float kernels' level.
 *
 * IDENTIFICATION
 *		src/distance/half_distance.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_HALF_DISTANCE_H
#define VECTORDB_HALF_DISTANCE_H

#include <cstddef>
#include <cstdint>

#include "distance/distance.h"

namespace vectordb::simd {

/// Squared Euclidean distance of two half arrays.
using HalfL2SquaredFn = double (*) (const std::uint16_t *a, const std::uint16_t *b, std::size_t n);
/// Inner product of two half arrays.
using HalfInnerProductFn = double (*) (const std::uint16_t *a, const std::uint16_t *b, std::size_t n);
/// L1 distance of two half arrays.
using HalfL1Fn = double (*) (const std::uint16_t *a, const std::uint16_t *b, std::size_t n);
/// Dot product and both squared norms in one pass.
using HalfCosineTermsFn = void (*) (const std::uint16_t *a, const std::uint16_t *b, std::size_t n,
									double *dot, double *norm_a, double *norm_b);
/// Widens n halves to floats (exact).
using HalfToFloatFn = void (*) (const std::uint16_t *in, float *out, std::size_t n);

/// One complete set of half kernels for one instruction-set level.
struct HalfKernels
{
	Level		level;
	const char *name;			///< "scalar", "avx2" (with F16C), "avx512"
	HalfL2SquaredFn l2_squared;
	HalfInnerProductFn inner_product;
	HalfL1Fn	l1;
	HalfCosineTermsFn cosine_terms;
	HalfToFloatFn to_float;
};

/// Half kernels for a level; nullptr where this build or CPU lacks it
/// (the avx2 level also needs F16C).
const HalfKernels *HalfKernelsFor(Level level) noexcept;

/// Table in use; constant-initialized to the scalar set.
extern const HalfKernels *g_active_half;

/// Half kernels in use; the scalar set until SelectHalfKernels() runs.
inline const HalfKernels &
ActiveHalf() noexcept
{
	return *g_active_half;
}

/// Installs the best half table at or below level.  Init() and SetLevel()
/// call it, so the half kernels follow the float kernels' level.
void SelectHalfKernels(Level level) noexcept;

}							// namespace vectordb::simd

#endif							/* VECTORDB_HALF_DISTANCE_H */

/*-------------------------------------------------------------------------
 *
 * kernels_half.h
 *		Per-instruction-set half-precision kernel tables.  PRIVATE to
 *		src/distance/.
 *
 * Each kernels_half_<isa>.cpp defines one table; half_dispatch.cpp decides
 * which of them may be used on this CPU.  Everyone else goes through
 * half_distance.h.  Objects rather than accessors, so g_active_half can be
 * constant-initialized to the scalar table (see kernels.h).
 *
 * IDENTIFICATION
 *		src/distance/kernels_half.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_DISTANCE_KERNELS_HALF_H
#define VECTORDB_DISTANCE_KERNELS_HALF_H

#include "distance/half_distance.h"

namespace vectordb::simd {

/// Reference kernels: scalar conversion, double accumulation; always usable.
extern const HalfKernels kHalfScalarKernels;
/// F16C conversion with AVX2 + FMA sums; only with AVX2, FMA and F16C.
extern const HalfKernels kHalfAvx2Kernels;
/// AVX-512F conversion and sums; only when DetectLevel() >= Level::kAvx512.
extern const HalfKernels kHalfAvx512Kernels;

}							// namespace vectordb::simd

#endif							/* VECTORDB_DISTANCE_KERNELS_HALF_H */

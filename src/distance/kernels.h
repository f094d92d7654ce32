/*-------------------------------------------------------------------------
 *
 * kernels.h
 *		Per-instruction-set kernel tables.  PRIVATE to src/distance/.
 *
 * Each kernels_<isa>.cpp defines one table; dispatch.cpp decides which of
 * them may be used on this CPU.  Everyone else goes through distance.h,
 * because calling an AVX table directly on a CPU without AVX is SIGILL.
 *
 * The tables are objects rather than accessor functions so that their
 * addresses are constant expressions: g_active can then be
 * constant-initialized to the scalar table, with no static-init order issue.
 *
 * IDENTIFICATION
 *		src/distance/kernels.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_DISTANCE_KERNELS_H
#define VECTORDB_DISTANCE_KERNELS_H

#include "distance/distance.h"

namespace vectordb::simd {

/// Reference kernels; double accumulation; always usable.
extern const Kernels kScalarKernels;
/// AVX2 + FMA kernels; only when DetectLevel() >= Level::kAvx2.
extern const Kernels kAvx2Kernels;
/// AVX-512F kernels; only when DetectLevel() >= Level::kAvx512.
extern const Kernels kAvx512Kernels;

/// Floats summed in float32 lanes before the lanes are folded into double.
/// Small enough that each lane adds at most a few dozen terms, so rounding
/// stays near 1e-7 relative; large enough that the fold costs nothing.
constexpr std::size_t kFoldBlock = 1024;

}							// namespace vectordb::simd

#endif							/* VECTORDB_DISTANCE_KERNELS_H */

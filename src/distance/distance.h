/*-------------------------------------------------------------------------
 *
 * distance.h
 *		Float32 distance kernels with run-time instruction-set dispatch.
 *
 * Pure C++: no Postgres header may be included here or by any file in
 * src/distance/.  One kernel table exists per instruction set; Init() picks
 * the best one the CPU and OS support, once, at module load.  Callers then go
 * through the function pointers in Active() with no further checks.
 *
 * Kernels take raw float arrays and a length and never fail.  Sums are
 * accumulated in float32 SIMD lanes over bounded blocks and folded into double
 * between blocks, so even 16000-dimensional results stay within ~1e-6
 * relative of an exact double-precision sum.
 *
 * IDENTIFICATION
 *		src/distance/distance.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_DISTANCE_H
#define VECTORDB_DISTANCE_H

#include <cstddef>
#include <cstdint>

namespace vectordb::simd {

/// Instruction-set levels, in increasing order of capability.
enum class Level : int
{
	kScalar = 0,
	kAvx2 = 1,					///< AVX2 + FMA
	kAvx512 = 2,				///< AVX-512F
};

/// Squared Euclidean distance: sum (a[i] - b[i])^2
using L2SquaredFn = double (*) (const float *a, const float *b, std::size_t n);
/// Inner product: sum a[i] * b[i]
using InnerProductFn = double (*) (const float *a, const float *b, std::size_t n);
/// L1 (taxicab) distance: sum |a[i] - b[i]|
using L1Fn = double (*) (const float *a, const float *b, std::size_t n);
/// Dot product and both squared norms in one pass (for cosine distance).
using CosineTermsFn = void (*) (const float *a, const float *b, std::size_t n,
								double *dot, double *norm_a, double *norm_b);

/// 8-bit scalar-quantized codes against a prepared query:
/// sum (a[i] - b[i] * code[i])^2
using Sq8L2Fn = double (*) (const float *a, const float *b, const std::uint8_t *code, std::size_t n);
/// sum w[i] * code[i]
using Sq8DotFn = double (*) (const float *w, const std::uint8_t *code, std::size_t n);

/// One complete set of kernels for one instruction-set level.
struct Kernels
{
	Level		level;
	const char *name;			///< "scalar", "avx2", "avx512"
	L2SquaredFn l2_squared;
	InnerProductFn inner_product;
	L1Fn		l1;
	CosineTermsFn cosine_terms;
	Sq8L2Fn		sq8_l2;
	Sq8DotFn	sq8_dot;
};

/// What an index orders by.  Every metric but kJaccard is a sum over
/// dimensions, so a vector split across pages is measured slice by slice and
/// the partial distances added (kJaccard adds counts: see stored.h).  Cosine
/// indexes store normalized vectors and use kNegativeInnerProduct.
enum class Metric : int
{
	kL2Squared = 0,
	kNegativeInnerProduct = 1,
	kL1 = 2,
	kJaccard = 3,				///< bit indexes: not a sum; see below
};

/// The distance between two float arrays under a metric, with the active
/// kernels.  kJaccard takes whole vectors of 0/1 floats (a bit column's
/// expansion); slices of bit vectors are summed with AccumulateStored().
double PartialDistance(Metric metric, const float *a, const float *b, std::size_t n) noexcept;

/// Kernels for each level; nullptr where this build or CPU lacks the level.
const Kernels *KernelsFor(Level level) noexcept;

/// Highest level both compiled in and supported by this CPU and OS.
Level DetectLevel() noexcept;

/// Table in use.  Constant-initialized to the scalar set, so it is valid even
/// during static initialization; only Init() and SetLevel() write it.
extern const Kernels *g_active;

/// Kernels in use; the scalar set until Init() or SetLevel() runs.  Inline,
/// because operators call it per row: one pointer load, then the call.
inline const Kernels &
Active() noexcept
{
	return *g_active;
}

/// Picks the best supported level.  Called once from _PG_init.
void Init() noexcept;

/// Forces a level (tests, benchmarks).  Returns false if it is unsupported.
bool SetLevel(Level level) noexcept;

/// Cosine distance from its terms: 1 - dot / sqrt(na * nb), clamped to [0, 2];
/// NaN when either vector has zero norm.
double CosineDistanceFromTerms(double dot, double norm_a, double norm_b) noexcept;

}							// namespace vectordb::simd

#endif							/* VECTORDB_DISTANCE_H */

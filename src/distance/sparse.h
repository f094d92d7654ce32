/*-------------------------------------------------------------------------
 *
 * sparse.h
 *		Distances between sparse vectors, by merging their sorted indices.
 *
 * Pure C++, like distance.h.  A sparse vector reaches these functions as
 * its non-zero entries: strictly increasing 0-based indices and their
 * values (the sparsevec datum's own arrays).  Work is proportional to the
 * non-zeros of both operands, never to the dimensions.
 *
 * The results agree with the dense kernels run on the same vectors written
 * out in full: every term is formed in float, as the SIMD kernels form it
 * (so a product beyond float4's range is infinite for both types), and the
 * terms are summed in double, in index order.  Dimensions where both
 * operands are zero add nothing to any of these sums, so skipping them
 * changes no result.
 *
 * IDENTIFICATION
 *		src/distance/sparse.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_DISTANCE_SPARSE_H
#define VECTORDB_DISTANCE_SPARSE_H

#include <cstdint>

namespace vectordb::simd {

/// The non-zero entries of one sparse vector.
struct SparseView
{
	const std::int32_t *indices;	///< nnz strictly increasing 0-based indices
	const float *values;		///< their values
	int			nnz;
};

/// Squared Euclidean distance: sum (a[i] - b[i])^2 over the union of indices.
double SparseL2Squared(SparseView a, SparseView b) noexcept;

/// Inner product: sum a[i] * b[i] over the indices both have.
double SparseInnerProduct(SparseView a, SparseView b) noexcept;

/// L1 (taxicab) distance: sum |a[i] - b[i]| over the union of indices.
double SparseL1(SparseView a, SparseView b) noexcept;

/// Dot product and both squared norms in one merge (for cosine distance,
/// with CosineDistanceFromTerms from distance.h).
void SparseCosineTerms(SparseView a, SparseView b, double *dot, double *norm_a, double *norm_b) noexcept;

/// Squared Euclidean norm with every term in double, so it stays finite
/// for any float4 values (what l2_norm and l2_normalize need).
double SparseSquaredNorm(SparseView a) noexcept;

}							// namespace vectordb::simd

#endif							/* VECTORDB_DISTANCE_SPARSE_H */

/*-------------------------------------------------------------------------
 *
 * sparse.cpp
 *		Distances between sparse vectors, by merging their sorted indices.
 *
 * One merge loop serves every metric: it walks both index lists in step
 * and hands each dimension that either operand has to the metric's term,
 * with 0 standing in for the operand that lacks it.  The loop is scalar:
 * the index comparisons are data dependent, and the non-zeros of a
 * SPLADE-style vector number in the hundreds.
 *
 * IDENTIFICATION
 *		src/distance/sparse.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "distance/sparse.h"

#include <cmath>

#include "core/cpp_only.h"

namespace vectordb::simd {

namespace {

/*
 * Calls visit(x, y) for every index in the union of a's and b's, in index
 * order, with the two values there (0 for the one that has none).
 */
template <typename Visit>
inline void
MergeUnion(SparseView a, SparseView b, Visit visit)
{
	int			i = 0;
	int			j = 0;

	while (i < a.nnz && j < b.nnz)
	{
		if (a.indices[i] == b.indices[j])
			visit(a.values[i++], b.values[j++]);
		else if (a.indices[i] < b.indices[j])
			visit(a.values[i++], 0.0f);
		else
			visit(0.0f, b.values[j++]);
	}
	for (; i < a.nnz; i++)
		visit(a.values[i], 0.0f);
	for (; j < b.nnz; j++)
		visit(0.0f, b.values[j]);
}

}								// namespace

double
SparseL2Squared(SparseView a, SparseView b) noexcept
{
	double		sum = 0.0;

	MergeUnion(a, b, [&sum](float x, float y) {
		float		d = x - y;

		sum += d * d;
	});
	return sum;
}

double
SparseInnerProduct(SparseView a, SparseView b) noexcept
{
	double		sum = 0.0;
	int			i = 0;
	int			j = 0;

	/* Only shared indices contribute, so walk the intersection */
	while (i < a.nnz && j < b.nnz)
	{
		if (a.indices[i] == b.indices[j])
			sum += a.values[i++] * b.values[j++];
		else if (a.indices[i] < b.indices[j])
			i++;
		else
			j++;
	}
	return sum;
}

double
SparseL1(SparseView a, SparseView b) noexcept
{
	double		sum = 0.0;

	MergeUnion(a, b, [&sum](float x, float y) { sum += std::fabs(x - y); });
	return sum;
}

void
SparseCosineTerms(SparseView a, SparseView b, double *dot, double *norm_a, double *norm_b) noexcept
{
	double		ab = 0.0;
	double		aa = 0.0;
	double		bb = 0.0;

	MergeUnion(a, b, [&](float x, float y) {
		ab += x * y;
		aa += x * x;
		bb += y * y;
	});
	*dot = ab;
	*norm_a = aa;
	*norm_b = bb;
}

double
SparseSquaredNorm(SparseView a) noexcept
{
	double		sum = 0.0;

	for (int i = 0; i < a.nnz; i++)
		sum += static_cast<double>(a.values[i]) * static_cast<double>(a.values[i]);
	return sum;
}

}							// namespace vectordb::simd

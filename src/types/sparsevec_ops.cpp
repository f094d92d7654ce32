/*-------------------------------------------------------------------------
 *
 * sparsevec_ops.cpp
 *		Distance functions, norms and comparison for the sparsevec type.
 *
 * Distances merge the two sorted index lists (distance/sparse.h), so they
 * cost the operands' non-zeros, not their dimensions, and agree with the
 * same distances between the vectors written out densely.
 *
 * IDENTIFICATION
 *		src/types/sparsevec_ops.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "types/sparsevec.h"

#include <cmath>

#include "distance/distance.h"

namespace simd = vectordb::simd;

/* Raises an error unless a and b have the same number of dimensions */
void
CheckSparseDims(const SparseVector *a, const SparseVector *b)
{
	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different sparsevec dimensions %d and %d", a->dim, b->dim)));
}

/* Fetches two same-sized sparsevec arguments */
#define GET_TWO_SPARSEVECS(a, b) \
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0); \
	SparseVector *b = PG_GETARG_SPARSEVEC_P(1); \
	CheckSparseDims(a, b)

/* Euclidean distance */
VDB_FUNCTION(sparsevec_l2_distance)
{
	GET_TWO_SPARSEVECS(a, b);

	PG_RETURN_FLOAT8(std::sqrt(simd::SparseL2Squared(SparsevecView(a), SparsevecView(b))));
}

/* Squared Euclidean distance: orders like l2_distance without the sqrt */
VDB_FUNCTION(sparsevec_l2_squared_distance)
{
	GET_TWO_SPARSEVECS(a, b);

	PG_RETURN_FLOAT8(simd::SparseL2Squared(SparsevecView(a), SparsevecView(b)));
}

/* Inner product */
VDB_FUNCTION(sparsevec_inner_product)
{
	GET_TWO_SPARSEVECS(a, b);

	PG_RETURN_FLOAT8(simd::SparseInnerProduct(SparsevecView(a), SparsevecView(b)));
}

/* Negative inner product: the <#> operator, smaller means more similar */
VDB_FUNCTION(sparsevec_negative_inner_product)
{
	GET_TWO_SPARSEVECS(a, b);

	PG_RETURN_FLOAT8(-simd::SparseInnerProduct(SparsevecView(a), SparsevecView(b)));
}

/* Cosine distance: NaN when either vector is all zeros */
VDB_FUNCTION(sparsevec_cosine_distance)
{
	double		dot;
	double		norm_a;
	double		norm_b;

	GET_TWO_SPARSEVECS(a, b);
	simd::SparseCosineTerms(SparsevecView(a), SparsevecView(b), &dot, &norm_a, &norm_b);
	PG_RETURN_FLOAT8(simd::CosineDistanceFromTerms(dot, norm_a, norm_b));
}

/* L1 (taxicab) distance */
VDB_FUNCTION(sparsevec_l1_distance)
{
	GET_TWO_SPARSEVECS(a, b);

	PG_RETURN_FLOAT8(simd::SparseL1(SparsevecView(a), SparsevecView(b)));
}

/* Euclidean norm, summed in double so that it is finite for any float4 values */
VDB_FUNCTION(sparsevec_l2_norm)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);

	PG_RETURN_FLOAT8(std::sqrt(simd::SparseSquaredNorm(SparsevecView(a))));
}

/*
 * Scale to unit Euclidean norm; a zero vector stays zero.  A value that
 * becomes zero (a tiny one next to a huge one) is dropped, so the result
 * keeps the no-zeros invariant.
 */
VDB_FUNCTION(sparsevec_l2_normalize)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	const float *values = SPARSEVEC_VALUES(a);
	double		norm = std::sqrt(simd::SparseSquaredNorm(SparsevecView(a)));
	SparseVector *result;
	float	   *result_values;
	int			nnz = 0;

	if (norm == 0)
		PG_RETURN_SPARSEVEC_P(InitSparseVector(a->dim, 0));

	for (int i = 0; i < a->nnz; i++)
		nnz += (float) (values[i] / norm) != 0.0f;

	result = InitSparseVector(a->dim, nnz);
	result_values = SPARSEVEC_VALUES(result);
	nnz = 0;
	for (int i = 0; i < a->nnz; i++)
	{
		float		value = (float) (values[i] / norm);

		if (value != 0.0f)
		{
			result->indices[nnz] = a->indices[i];
			result_values[nnz++] = value;
		}
	}
	PG_RETURN_SPARSEVEC_P(result);
}

/*
 * Orders as the vectors written out densely would order (element by
 * element, then shorter before longer), without writing them out.  The
 * first dimension where the two differ is the first index, in merge order,
 * where only one has a value (which is non-zero, so it differs from the
 * other's zero) or both have different values.  Dimensions at or past the
 * shorter one's end are not compared element-wise.
 */
static int
SparsevecCompare(const SparseVector *a, const SparseVector *b)
{
	const float *ax = SPARSEVEC_VALUES(a);
	const float *bx = SPARSEVEC_VALUES(b);
	int			dim = Min(a->dim, b->dim);
	int			i = 0;
	int			j = 0;

	for (;;)
	{
		/* The next index of each, or dim once none is left below dim */
		int32		ai = i < a->nnz && a->indices[i] < dim ? a->indices[i] : dim;
		int32		bj = j < b->nnz && b->indices[j] < dim ? b->indices[j] : dim;

		if (ai >= dim && bj >= dim)
			break;
		if (ai < bj)
			return ax[i] < 0 ? -1 : 1;	/* a's value against b's zero */
		if (bj < ai)
			return bx[j] < 0 ? 1 : -1;	/* a's zero against b's value */
		if (ax[i] != bx[j])
			return ax[i] < bx[j] ? -1 : 1;
		i++;
		j++;
	}
	return (a->dim > b->dim) - (a->dim < b->dim);
}

/* Defines a boolean comparison operator function from SparsevecCompare */
#define SPARSEVEC_COMPARISON(name, op) \
	VDB_FUNCTION(name) \
	{ \
		SparseVector *a = PG_GETARG_SPARSEVEC_P(0); \
		SparseVector *b = PG_GETARG_SPARSEVEC_P(1); \
		PG_RETURN_BOOL(SparsevecCompare(a, b) op 0); \
	}

SPARSEVEC_COMPARISON(sparsevec_lt, <)
SPARSEVEC_COMPARISON(sparsevec_le, <=)
SPARSEVEC_COMPARISON(sparsevec_eq, ==)
SPARSEVEC_COMPARISON(sparsevec_ne, !=)
SPARSEVEC_COMPARISON(sparsevec_ge, >=)
SPARSEVEC_COMPARISON(sparsevec_gt, >)

/* Btree support: three-way comparison */
VDB_FUNCTION(sparsevec_cmp)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector *b = PG_GETARG_SPARSEVEC_P(1);

	PG_RETURN_INT32(SparsevecCompare(a, b));
}

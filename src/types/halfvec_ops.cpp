/*-------------------------------------------------------------------------
 *
 * halfvec_ops.cpp
 *		Distance functions, arithmetic and comparison for the halfvec type.
 *
 * Distances go to the half kernels chosen at load time
 * (distance/half_distance.h), which widen halves to float as they load
 * them: no converted copy of either argument is made.  Element-wise
 * arithmetic works on the exact float values and rounds each result to a
 * half once (from double, where a sum of two halves is exact), so + - * give
 * the correctly rounded half result; overflow and, for *, total underflow
 * are errors, as for vector.
 *
 * IDENTIFICATION
 *		src/types/halfvec_ops.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "types/halfvec.h"

#include <cmath>

#include "distance/distance.h"
#include "distance/half_distance.h"

extern "C"
{
#include "utils/float.h"
}

namespace core = vectordb::core;
namespace simd = vectordb::simd;

/* Raises an error unless a and b have the same number of dimensions */
void
CheckHalfvecDims(const HalfVector *a, const HalfVector *b)
{
	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different halfvec dimensions %d and %d", a->dim, b->dim)));
}

/* Fetches two same-sized halfvec arguments */
#define GET_TWO_HALFVECS(a, b) \
	HalfVector *a = PG_GETARG_HALFVEC_P(0); \
	HalfVector *b = PG_GETARG_HALFVEC_P(1); \
	CheckHalfvecDims(a, b)

/* Euclidean distance */
VDB_FUNCTION(halfvec_l2_distance)
{
	GET_TWO_HALFVECS(a, b);

	PG_RETURN_FLOAT8(std::sqrt(simd::ActiveHalf().l2_squared(a->x, b->x, a->dim)));
}

/* Squared Euclidean distance: orders like l2_distance without the sqrt */
VDB_FUNCTION(halfvec_l2_squared_distance)
{
	GET_TWO_HALFVECS(a, b);

	PG_RETURN_FLOAT8(simd::ActiveHalf().l2_squared(a->x, b->x, a->dim));
}

/* Inner product */
VDB_FUNCTION(halfvec_inner_product)
{
	GET_TWO_HALFVECS(a, b);

	PG_RETURN_FLOAT8(simd::ActiveHalf().inner_product(a->x, b->x, a->dim));
}

/* Negative inner product: the <#> operator, smaller means more similar */
VDB_FUNCTION(halfvec_negative_inner_product)
{
	GET_TWO_HALFVECS(a, b);

	PG_RETURN_FLOAT8(-simd::ActiveHalf().inner_product(a->x, b->x, a->dim));
}

/* Cosine distance: NaN when either vector is all zeros */
VDB_FUNCTION(halfvec_cosine_distance)
{
	double		dot;
	double		norm_a;
	double		norm_b;

	GET_TWO_HALFVECS(a, b);
	simd::ActiveHalf().cosine_terms(a->x, b->x, a->dim, &dot, &norm_a, &norm_b);
	PG_RETURN_FLOAT8(simd::CosineDistanceFromTerms(dot, norm_a, norm_b));
}

/* L1 (taxicab) distance */
VDB_FUNCTION(halfvec_l1_distance)
{
	GET_TWO_HALFVECS(a, b);

	PG_RETURN_FLOAT8(simd::ActiveHalf().l1(a->x, b->x, a->dim));
}

/* Number of dimensions */
VDB_FUNCTION(halfvec_vector_dims)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);

	PG_RETURN_INT32(a->dim);
}

/*
 * Euclidean norm.  Squares of halves stay below 2^32 and 16000 of them
 * below float's range, so the float-lane kernel cannot overflow here.
 */
static inline double
HalfvecNorm(const HalfVector *a)
{
	return std::sqrt(simd::ActiveHalf().inner_product(a->x, a->x, a->dim));
}

/* Euclidean norm: pgvector names it l2_norm for halfvec */
VDB_FUNCTION(halfvec_l2_norm)
{
	PG_RETURN_FLOAT8(HalfvecNorm(PG_GETARG_HALFVEC_P(0)));
}

/* Scale to unit Euclidean norm; a zero vector stays zero */
VDB_FUNCTION(halfvec_l2_normalize)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *result = InitHalfVector(a->dim);
	double		norm = HalfvecNorm(a);

	/* Quotients lie in [-1, 1]: no overflow; tiny ones may round to zero */
	if (norm > 0)
		for (int i = 0; i < a->dim; i++)
			result->x[i] = core::DoubleToHalf(core::HalfToFloat(a->x[i]) / norm);

	PG_RETURN_HALFVEC_P(result);
}

/*
 * Applies op to the exact values of two same-sized halfvecs and rounds each
 * result to a half once; a result that rounds to infinity is an error.
 */
template <typename Op>
static HalfVector *
ElementWise(const HalfVector *a, const HalfVector *b, Op op)
{
	HalfVector *result = InitHalfVector(a->dim);

	for (int i = 0; i < a->dim; i++)
		result->x[i] = core::DoubleToHalf(op(static_cast<double>(core::HalfToFloat(a->x[i])),
											 static_cast<double>(core::HalfToFloat(b->x[i]))));
	for (int i = 0; i < a->dim; i++)
		if (unlikely(core::HalfIsInf(result->x[i])))
			float_overflow_error();
	return result;
}

/* Element-wise addition */
VDB_FUNCTION(halfvec_add)
{
	GET_TWO_HALFVECS(a, b);

	PG_RETURN_HALFVEC_P(ElementWise(a, b, [](double x, double y) { return x + y; }));
}

/* Element-wise subtraction */
VDB_FUNCTION(halfvec_sub)
{
	GET_TWO_HALFVECS(a, b);

	PG_RETURN_HALFVEC_P(ElementWise(a, b, [](double x, double y) { return x - y; }));
}

/* Element-wise multiplication */
VDB_FUNCTION(halfvec_mul)
{
	GET_TWO_HALFVECS(a, b);
	HalfVector *result = ElementWise(a, b, [](double x, double y) { return x * y; });

	/* A product of non-zero factors that rounds to zero lost everything */
	for (int i = 0; i < a->dim; i++)
		if (unlikely(core::HalfIsZero(result->x[i]) && !core::HalfIsZero(a->x[i]) &&
					 !core::HalfIsZero(b->x[i])))
			float_underflow_error();

	PG_RETURN_HALFVEC_P(result);
}

/* Concatenation */
VDB_FUNCTION(halfvec_concat)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);
	HalfVector *result;

	CheckHalfvecDim(a->dim + b->dim);
	result = InitHalfVector(a->dim + b->dim);
	memcpy(result->x, a->x, sizeof(uint16) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(uint16) * b->dim);

	PG_RETURN_HALFVEC_P(result);
}

/* Elements start .. start + count - 1 (1-based), clipped as subvector(vector) clips */
VDB_FUNCTION(halfvec_subvector)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	int32		start = PG_GETARG_INT32(1);
	int32		count = PG_GETARG_INT32(2);
	int64		end = (int64) start + count;
	HalfVector *result;

	if (count < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("halfvec must have at least 1 dimension")));
	if (start < 1)
		start = 1;
	if (end > a->dim + 1)
		end = a->dim + 1;
	CheckHalfvecDim(end - start);

	result = InitHalfVector(end - start);
	memcpy(result->x, a->x + start - 1, sizeof(uint16) * result->dim);
	PG_RETURN_HALFVEC_P(result);
}

/* Orders element by element by value (-0 equals 0), then shorter before longer */
static int
HalfvecCompare(const HalfVector *a, const HalfVector *b)
{
	int			dim = Min(a->dim, b->dim);

	for (int i = 0; i < dim; i++)
	{
		float		x = core::HalfToFloat(a->x[i]);
		float		y = core::HalfToFloat(b->x[i]);

		if (x < y)
			return -1;
		if (x > y)
			return 1;
	}
	return (a->dim > b->dim) - (a->dim < b->dim);
}

/* Defines a boolean comparison operator function from HalfvecCompare */
#define HALFVEC_COMPARISON(name, op) \
	VDB_FUNCTION(name) \
	{ \
		HalfVector *a = PG_GETARG_HALFVEC_P(0); \
		HalfVector *b = PG_GETARG_HALFVEC_P(1); \
		PG_RETURN_BOOL(HalfvecCompare(a, b) op 0); \
	}

HALFVEC_COMPARISON(halfvec_lt, <)
HALFVEC_COMPARISON(halfvec_le, <=)
HALFVEC_COMPARISON(halfvec_eq, ==)
HALFVEC_COMPARISON(halfvec_ne, !=)
HALFVEC_COMPARISON(halfvec_ge, >=)
HALFVEC_COMPARISON(halfvec_gt, >)

/* Btree support: three-way comparison */
VDB_FUNCTION(halfvec_cmp)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);

	PG_RETURN_INT32(HalfvecCompare(a, b));
}

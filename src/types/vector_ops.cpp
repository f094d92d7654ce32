/*-------------------------------------------------------------------------
 *
 * vector_ops.cpp
 *		Distance functions, arithmetic and comparison for the vector type.
 *
 * Distances go straight to the kernel table chosen at load time
 * (distance/distance.h): one indirect call per pair of vectors, nothing else
 * beyond detoasting and the dimension check.
 *
 * IDENTIFICATION
 *		src/types/vector_ops.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "types/vector.h"

#include <cmath>

#include "distance/distance.h"

extern "C"
{
#include "utils/float.h"
}

namespace simd = vectordb::simd;

/* Raises an error unless a and b have the same number of dimensions */
void
CheckDims(const Vector *a, const Vector *b)
{
	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different vector dimensions %d and %d", a->dim, b->dim)));
}

/* Fetches two same-sized vector arguments */
#define GET_TWO_VECTORS(a, b) \
	Vector	   *a = PG_GETARG_VECTOR_P(0); \
	Vector	   *b = PG_GETARG_VECTOR_P(1); \
	CheckDims(a, b)

/* Euclidean distance */
VDB_FUNCTION(l2_distance)
{
	GET_TWO_VECTORS(a, b);

	PG_RETURN_FLOAT8(std::sqrt(simd::Active().l2_squared(a->x, b->x, a->dim)));
}

/* Squared Euclidean distance: orders like l2_distance without the sqrt */
VDB_FUNCTION(vector_l2_squared_distance)
{
	GET_TWO_VECTORS(a, b);

	PG_RETURN_FLOAT8(simd::Active().l2_squared(a->x, b->x, a->dim));
}

/* Inner product */
VDB_FUNCTION(inner_product)
{
	GET_TWO_VECTORS(a, b);

	PG_RETURN_FLOAT8(simd::Active().inner_product(a->x, b->x, a->dim));
}

/* Negative inner product: the <#> operator, smaller means more similar */
VDB_FUNCTION(vector_negative_inner_product)
{
	GET_TWO_VECTORS(a, b);

	PG_RETURN_FLOAT8(-simd::Active().inner_product(a->x, b->x, a->dim));
}

/* Cosine distance: NaN when either vector is all zeros */
VDB_FUNCTION(cosine_distance)
{
	double		dot;
	double		norm_a;
	double		norm_b;

	GET_TWO_VECTORS(a, b);
	simd::Active().cosine_terms(a->x, b->x, a->dim, &dot, &norm_a, &norm_b);
	PG_RETURN_FLOAT8(simd::CosineDistanceFromTerms(dot, norm_a, norm_b));
}

/* L1 (taxicab) distance */
VDB_FUNCTION(l1_distance)
{
	GET_TWO_VECTORS(a, b);

	PG_RETURN_FLOAT8(simd::Active().l1(a->x, b->x, a->dim));
}

/* Number of dimensions */
VDB_FUNCTION(vector_dims)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);

	PG_RETURN_INT32(a->dim);
}

/* Euclidean norm of a vector */
static inline double
Norm(const Vector *a)
{
	double		squares = simd::Active().inner_product(a->x, a->x, a->dim);

	/* The kernel sums in float; past float's range, sum again in double */
	if (!std::isfinite(squares))
	{
		squares = 0.0;
		for (int i = 0; i < a->dim; i++)
			squares += (double) a->x[i] * (double) a->x[i];
	}
	return std::sqrt(squares);
}

/* Euclidean norm */
VDB_FUNCTION(vector_norm)
{
	PG_RETURN_FLOAT8(Norm(PG_GETARG_VECTOR_P(0)));
}

/* Scale to unit Euclidean norm; a zero vector stays zero */
VDB_FUNCTION(l2_normalize)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *result = InitVector(a->dim);
	double		norm = Norm(a);

	if (norm > 0)
		for (int i = 0; i < a->dim; i++)
			result->x[i] = (float) (a->x[i] / norm);

	PG_RETURN_VECTOR_P(result);
}

/*
 * Applies op element by element to two vectors of the same size.  The
 * result is computed in one loop and checked in a second, so the arithmetic
 * loop has no branch and vectorises.  Overflow to infinity is an error.
 */
template <typename Op>
static Vector *
ElementWise(const Vector *a, const Vector *b, Op op)
{
	Vector	   *result = InitVector(a->dim);

	for (int i = 0; i < a->dim; i++)
		result->x[i] = op(a->x[i], b->x[i]);
	for (int i = 0; i < a->dim; i++)
		if (unlikely(std::isinf(result->x[i])))
			float_overflow_error();
	return result;
}

/* Element-wise addition */
VDB_FUNCTION(vector_add)
{
	GET_TWO_VECTORS(a, b);

	PG_RETURN_VECTOR_P(ElementWise(a, b, [](float x, float y) { return x + y; }));
}

/* Element-wise subtraction */
VDB_FUNCTION(vector_sub)
{
	GET_TWO_VECTORS(a, b);

	PG_RETURN_VECTOR_P(ElementWise(a, b, [](float x, float y) { return x - y; }));
}

/* Element-wise multiplication */
VDB_FUNCTION(vector_mul)
{
	GET_TWO_VECTORS(a, b);
	Vector	   *result = ElementWise(a, b, [](float x, float y) { return x * y; });

	/* A product of non-zero factors that rounds to zero lost everything */
	for (int i = 0; i < a->dim; i++)
		if (unlikely(result->x[i] == 0.0f && a->x[i] != 0.0f && b->x[i] != 0.0f))
			float_underflow_error();

	PG_RETURN_VECTOR_P(result);
}

/* Concatenation */
VDB_FUNCTION(vector_concat)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	Vector	   *result;

	CheckDim(a->dim + b->dim);
	result = InitVector(a->dim + b->dim);
	memcpy(result->x, a->x, sizeof(float) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(float) * b->dim);

	PG_RETURN_VECTOR_P(result);
}

/*
 * Elements start .. start + count - 1 (1-based), clipped to the vector, as
 * substring() clips; an empty result is an error.
 */
VDB_FUNCTION(subvector)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	int32		start = PG_GETARG_INT32(1);
	int32		count = PG_GETARG_INT32(2);
	int64		end = (int64) start + count;
	Vector	   *result;

	if (count < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("vector must have at least 1 dimension")));
	if (start < 1)
		start = 1;
	if (end > a->dim + 1)
		end = a->dim + 1;
	CheckDim(end - start);

	result = InitVector(end - start);
	memcpy(result->x, a->x + start - 1, sizeof(float) * result->dim);
	PG_RETURN_VECTOR_P(result);
}

/* Orders element by element, then shorter before longer */
static int
VectorCompare(const Vector *a, const Vector *b)
{
	int			dim = Min(a->dim, b->dim);

	for (int i = 0; i < dim; i++)
	{
		if (a->x[i] < b->x[i])
			return -1;
		if (a->x[i] > b->x[i])
			return 1;
	}
	return (a->dim > b->dim) - (a->dim < b->dim);
}

/* Defines a boolean comparison operator function from VectorCompare */
#define VECTOR_COMPARISON(name, op) \
	VDB_FUNCTION(name) \
	{ \
		Vector	   *a = PG_GETARG_VECTOR_P(0); \
		Vector	   *b = PG_GETARG_VECTOR_P(1); \
		PG_RETURN_BOOL(VectorCompare(a, b) op 0); \
	}

VECTOR_COMPARISON(vector_lt, <)
VECTOR_COMPARISON(vector_le, <=)
VECTOR_COMPARISON(vector_eq, ==)
VECTOR_COMPARISON(vector_ne, !=)
VECTOR_COMPARISON(vector_ge, >=)
VECTOR_COMPARISON(vector_gt, >)

/* Btree support: three-way comparison */
VDB_FUNCTION(vector_cmp)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);

	PG_RETURN_INT32(VectorCompare(a, b));
}

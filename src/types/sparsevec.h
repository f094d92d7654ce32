/*-------------------------------------------------------------------------
 *
 * sparsevec.h
 *		The sparsevec type: on-disk layout and helpers shared by its functions.
 *
 * The datum is laid out as pgvector's: varlena header, int32 dim, int32 nnz,
 * int32 unused (always zero), nnz int32 indices, then nnz float4 values.
 * Indices are 0-based and strictly increasing, and no value is zero; every
 * function that builds a sparsevec keeps to that, so the others may rely on
 * it (the distance merges and the comparison do).
 *
 * Conversions to and from dense types go through SparsevecFromDense and
 * SparsevecToDense, which take the element conversion as a callable; a new
 * dense type (halfvec) needs only its element conversion and a few lines.
 *
 * IDENTIFICATION
 *		src/types/sparsevec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_SPARSEVEC_H
#define VECTORDB_SPARSEVEC_H

#include "pg/pg_function.h"

#include "core/sparse_codec.h"
#include "distance/sparse.h"
#include "types/type_common.h"

#define SPARSEVEC_MAX_DIM vectordb::core::kSparseMaxDim
#define SPARSEVEC_MAX_NNZ vectordb::core::kSparseMaxNnz

typedef struct SparseVector
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int32		dim;			/* number of dimensions */
	int32		nnz;			/* number of non-zero elements */
	int32		unused;			/* reserved for future use, always zero */
	int32		indices[FLEXIBLE_ARRAY_MEMBER];	/* then float values[nnz] */
} SparseVector;

#define SPARSEVEC_SIZE(_nnz)	(offsetof(SparseVector, indices) + (sizeof(int32) + sizeof(float)) * (_nnz))
#define SPARSEVEC_VALUES(_v)	((float *) ((_v)->indices + (_v)->nnz))
#define DatumGetSparseVector(x)	((SparseVector *) PG_DETOAST_DATUM(x))
#define PG_GETARG_SPARSEVEC_P(n) DatumGetSparseVector(PG_GETARG_DATUM(n))
#define PG_RETURN_SPARSEVEC_P(x) PG_RETURN_POINTER(x)

/* sparsevec.cpp */
SparseVector *InitSparseVector(int dim, int nnz);
void		CheckSparseDim(int64 dim);
void		CheckSparseElement(float value);

/* sparsevec_ops.cpp */
void		CheckSparseDims(const SparseVector *a, const SparseVector *b);

/* The non-zero entries of a, as the distance kernels take them */
static inline vectordb::simd::SparseView
SparsevecView(const SparseVector *a)
{
	return {a->indices, SPARSEVEC_VALUES(a), a->nnz};
}

/*
 * Builds a sparsevec of dim dimensions from a dense value, whose element i
 * is value_at(i) (a float); zeros are dropped, and the result must fit a
 * sparsevec(typmod).  Two passes over the elements: count, then fill.
 */
template <typename ValueAt>
SparseVector *
SparsevecFromDense(int dim, int32 typmod, ValueAt value_at)
{
	SparseVector *result;
	float	   *values;
	int			nnz = 0;

	CheckSparseDim(dim);
	CheckExpectedDim(typmod, dim);
	for (int i = 0; i < dim; i++)
		nnz += value_at(i) != 0.0f;
	/* A dense type has at most 16000 dimensions, so no check on nnz is needed */
	Assert(nnz <= SPARSEVEC_MAX_NNZ);

	result = InitSparseVector(dim, nnz);
	values = SPARSEVEC_VALUES(result);
	nnz = 0;
	for (int i = 0; i < dim; i++)
	{
		float		value = value_at(i);

		if (value != 0.0f)
		{
			result->indices[nnz] = i;
			values[nnz++] = value;
		}
	}
	return result;
}

/*
 * Writes a's non-zero values into a dense value: store(i, x) for each
 * non-zero element, in index order.  The caller zeroes the rest, checks its
 * type's dimension limit and converts x to its element type.
 */
template <typename Store>
void
SparsevecToDense(const SparseVector *a, Store store)
{
	const float *values = SPARSEVEC_VALUES(a);

	for (int i = 0; i < a->nnz; i++)
		store(a->indices[i], values[i]);
}

#endif							/* VECTORDB_SPARSEVEC_H */

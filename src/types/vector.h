/*-------------------------------------------------------------------------
 *
 * vector.h
 *		The vector type: on-disk layout and helpers shared by its functions.
 *
 * The datum is laid out as pgvector's (varlena header, int16 dim, int16
 * unused, dim float4 values), so its binary send/recv form and its
 * expectations match and pgvector's client libraries work unchanged.
 *
 * IDENTIFICATION
 *		src/types/vector.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_VECTOR_H
#define VECTORDB_VECTOR_H

#include "pg/pg_function.h"

#include "core/vector_codec.h"
#include "types/type_common.h"

#define VECTOR_MAX_DIM vectordb::core::kVectorMaxDim

typedef struct Vector
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int16		dim;			/* number of dimensions */
	int16		unused;			/* reserved for future use, always zero */
	float		x[FLEXIBLE_ARRAY_MEMBER];
} Vector;

#define VECTOR_SIZE(_dim)		(offsetof(Vector, x) + sizeof(float) * (_dim))
#define DatumGetVector(x)		((Vector *) PG_DETOAST_DATUM(x))
#define PG_GETARG_VECTOR_P(n)	DatumGetVector(PG_GETARG_DATUM(n))
#define PG_RETURN_VECTOR_P(x)	PG_RETURN_POINTER(x)

/* vector.cpp */
Vector	   *InitVector(int dim);
void		CheckDim(int dim);
void		CheckElement(float value);

/* vector_ops.cpp */
void		CheckDims(const Vector *a, const Vector *b);

#endif							/* VECTORDB_VECTOR_H */

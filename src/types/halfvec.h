/*-------------------------------------------------------------------------
 *
 * halfvec.h
 *		The halfvec type: on-disk layout and helpers shared by its functions.
 *
 * The datum is laid out as pgvector's (varlena header, int16 dim, int16
 * unused, dim IEEE binary16 values as uint16), so its binary send/recv
 * form matches and pgvector's client libraries work unchanged.  Values are
 * widened to float (exactly) for every computation; core/half.h converts.
 *
 * IDENTIFICATION
 *		src/types/halfvec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_HALFVEC_H
#define VECTORDB_HALFVEC_H

#include "pg/pg_function.h"

#include "core/half.h"
#include "core/halfvec_codec.h"

#define HALFVEC_MAX_DIM vectordb::core::kHalfvecMaxDim

typedef struct HalfVector
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int16		dim;			/* number of dimensions */
	int16		unused;			/* reserved for future use, always zero */
	uint16		x[FLEXIBLE_ARRAY_MEMBER];	/* binary16 bit patterns */
} HalfVector;

#define HALFVEC_SIZE(_dim)		(offsetof(HalfVector, x) + sizeof(uint16) * (_dim))
#define DatumGetHalfVector(x)	((HalfVector *) PG_DETOAST_DATUM(x))
#define PG_GETARG_HALFVEC_P(n)	DatumGetHalfVector(PG_GETARG_DATUM(n))
#define PG_RETURN_HALFVEC_P(x)	PG_RETURN_POINTER(x)

/* halfvec.cpp */
HalfVector *InitHalfVector(int dim);
void		CheckHalfvecDim(int dim);
void		CheckHalfvecElement(float value);
uint16		FloatToHalfChecked(float value);

/* halfvec_ops.cpp */
void		CheckHalfvecDims(const HalfVector *a, const HalfVector *b);

#endif							/* VECTORDB_HALFVEC_H */

/*-------------------------------------------------------------------------
 *
 * type_common.h
 *		Checks and error reports that vector, halfvec and sparsevec share.
 *
 * The three types word their errors alike, differing only in the type's
 * name and limits; these helpers take the name and the limit so that each
 * message is written once.  Each type keeps its own thin wrappers
 * (CheckDim, CheckHalfvecDim, ...) for its callers.
 *
 * IDENTIFICATION
 *		src/types/type_common.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_TYPE_COMMON_H
#define VECTORDB_TYPE_COMMON_H

#include "pg/pg_function.h"

#include "core/vector_codec.h"

extern "C"
{
#include "utils/array.h"
}

/* The typmod of type_name(n): one modifier, from 1 to max_dim */
int32		ParseDimensionTypmod(ArrayType *ta, const char *type_name, int max_dim);

/* Raises an error unless dim is from 1 to max_dim */
void		CheckTypeDim(const char *type_name, int64 dim, int max_dim);

/* Raises an error when dim does not match the column's type(n) */
void		CheckExpectedDim(int32 typmod, int dim);

/* Raises an error for NaN and infinities, which none of the types may hold */
void		CheckTypeElement(const char *type_name, float value);

/* Errors of text input; detail may be nullptr */
void		ReportInvalidTextSyntax(const char *type_name, const char *lit, const char *detail);
void		ReportElementOutOfRange(const char *type_name, const char *text, const char *detail);

/* Errors of binary input every type's recv shares */
void		ReportTruncatedMessage(void);
void		ReportUnusedNonZero(int unused);

/*
 * Reports a failed dense parse (ParseVectorText's status) for vector or
 * halfvec: syntax, dimensions, NaN, infinities and out-of-range elements.
 */
void		ReportDenseParseError(const vectordb::core::ParseResult &parsed, const char *lit,
								  const char *type_name, int max_dim,
								  const char *syntax_detail, const char *range_detail);

/*
 * Reports a failed dense binary decode (DecodeVectorBinary's status) for
 * vector or halfvec, whose elements are elem_size bytes each.
 */
void		ReportDenseDecodeError(const vectordb::core::DecodeResult &decoded, int32 typmod,
								   const char *type_name, int max_dim, int elem_size);

/*
 * The elements of a one-dimensional array without nulls (else an error),
 * deconstructed; the caller checks their number and pfrees both arrays.
 */
void		DeconstructVectorArray(ArrayType *array, Datum **elems, bool **nulls, int *nelems);

/*
 * One array element of integer, real, double precision or numeric, as a
 * double; numeric converts through real when numeric_as_float4 (as vector
 * does), else through double precision.  Other element types are an error.
 */
double		ArrayElementToDouble(Datum elem, Oid elemtype, bool numeric_as_float4);

/*
 * avg() and sum() of vector and halfvec share one state, a double
 * precision[] {n, sum_1, ..., sum_dim} (see vector_agg.cpp).
 * AvgStateElements checks its shape and returns its elements and their
 * count; BuildAvgState makes a new one; CheckAvgStateDims raises an error
 * when a value's dimensions differ from the running state's.
 */
double	   *AvgStateElements(ArrayType *statearray, const char *type_name, int *nelems);
ArrayType  *BuildAvgState(double n, const double *sums, int dim);
void		CheckAvgStateDims(int state_dim, int dim);

#endif							/* VECTORDB_TYPE_COMMON_H */

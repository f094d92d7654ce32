/*-------------------------------------------------------------------------
 *
 * vector.cpp
 *		The vector type's I/O, type modifier and casts.
 *
 * Text parsing and printing, and binary decoding and encoding, live in
 * core/vector_codec.cpp, which needs no server; this file turns their status
 * into Postgres errors and datums.
 *
 * IDENTIFICATION
 *		src/types/vector.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "types/vector.h"

#include <cmath>

#include "types/type_common.h"

extern "C"
{
#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
}

namespace core = vectordb::core;

/* Allocates a zeroed vector of dim dimensions */
Vector *
InitVector(int dim)
{
	Size		size = VECTOR_SIZE(dim);
	Vector	   *result = (Vector *) palloc0(size);

	SET_VARSIZE(result, size);
	result->dim = dim;
	return result;
}

/* Raises an error unless dim is a valid number of dimensions */
void
CheckDim(int dim)
{
	CheckTypeDim("vector", dim, VECTOR_MAX_DIM);
}

/* Raises an error for values a vector may not hold */
void
CheckElement(float value)
{
	CheckTypeElement("vector", value);
}

/* Convert textual representation to internal representation */
VDB_FUNCTION(vector_in)
{
	char	   *lit = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	size_t		capacity = Min(core::MaxElementsForLength(strlen(lit)), (size_t) VECTOR_MAX_DIM) + 1;
	float	   *buf = (float *) palloc(sizeof(float) * capacity);
	core::ParseResult parsed = core::ParseVectorText(lit, buf, VECTOR_MAX_DIM);
	Vector	   *result;

	ReportDenseParseError(parsed, lit, "vector", VECTOR_MAX_DIM,
						  "A vector is written as [x1,x2,...] with at least one finite number.", nullptr);
	CheckExpectedDim(typmod, parsed.dim);

	result = InitVector(parsed.dim);
	memcpy(result->x, buf, sizeof(float) * parsed.dim);
	pfree(buf);
	PG_RETURN_VECTOR_P(result);
}

/* Convert internal representation to textual representation */
VDB_FUNCTION(vector_out)
{
	Vector	   *vector = PG_GETARG_VECTOR_P(0);
	char	   *buf = (char *) palloc(core::FormatBufferSize(vector->dim));

	core::FormatVectorText(vector->x, vector->dim, buf);
	PG_FREE_IF_COPY(vector, 0);
	PG_RETURN_CSTRING(buf);
}

/* Convert type modifier */
VDB_FUNCTION(vector_typmod_in)
{
	PG_RETURN_INT32(ParseDimensionTypmod(PG_GETARG_ARRAYTYPE_P(0), "vector", VECTOR_MAX_DIM));
}

/* Convert external binary representation to internal representation */
VDB_FUNCTION(vector_recv)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	size_t		len = buf->len - buf->cursor;

	/*
	 * Sized from the message, not from the client's dim, and capped, so a
	 * lying header cannot make us allocate much; when decoding succeeds the
	 * two agree exactly.
	 */
	int			capacity = (int) Min(core::BinaryElementsForLength(len), (size_t) VECTOR_MAX_DIM);
	Vector	   *result = InitVector(capacity);
	core::DecodeResult decoded = core::DecodeVectorBinary((const unsigned char *) buf->data + buf->cursor,
														  len, result->x, VECTOR_MAX_DIM, typmod);

	ReportDenseDecodeError(decoded, typmod, "vector", VECTOR_MAX_DIM, (int) sizeof(float));
	Assert(decoded.dim == capacity);
	/* The caller checks that the whole message was consumed */
	buf->cursor = buf->len;
	PG_RETURN_VECTOR_P(result);
}

/* Convert internal representation to the external binary representation */
VDB_FUNCTION(vector_send)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	StringInfoData buf;

	/* The same codec as vector_recv, so the fuzzed round trip is the server's */
	pq_begintypsend(&buf);
	enlargeStringInfo(&buf, (int) core::BinarySize(vec->dim));
	buf.len += (int) core::EncodeVectorBinary(vec->x, vec->dim, (unsigned char *) buf.data + buf.len);
	buf.data[buf.len] = '\0';

	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Apply a vector(n) type modifier: used by the length-coercion cast */
VDB_FUNCTION(vector)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	int32		typmod = PG_GETARG_INT32(1);

	CheckExpectedDim(typmod, vec->dim);
	PG_RETURN_VECTOR_P(vec);
}

/* Convert an array of integer, real, double precision or numeric to a vector */
VDB_FUNCTION(array_to_vector)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	Oid			elemtype = ARR_ELEMTYPE(array);
	Vector	   *result;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;

	DeconstructVectorArray(array, &elems, &nulls, &nelems);

	CheckDim(nelems);
	CheckExpectedDim(typmod, nelems);

	result = InitVector(nelems);
	for (int i = 0; i < nelems; i++)
	{
		/* numeric converts through real, so it is rounded once */
		double		value = ArrayElementToDouble(elems[i], elemtype, true);

		result->x[i] = (float) value;
		/* A finite double too large for float4 becomes infinite here */
		if (std::isinf(result->x[i]) && !std::isinf(value))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value out of range: overflow")));
		CheckElement(result->x[i]);
	}

	pfree(elems);
	pfree(nulls);
	PG_RETURN_VECTOR_P(result);
}

/* Builds a one-dimensional array of elemtype from a vector */
static ArrayType *
VectorToArray(const Vector *vec, Oid elemtype)
{
	Datum	   *datums = (Datum *) palloc(sizeof(Datum) * vec->dim);
	ArrayType  *result;

	for (int i = 0; i < vec->dim; i++)
		datums[i] = elemtype == FLOAT4OID ? Float4GetDatum(vec->x[i]) : Float8GetDatum(vec->x[i]);

	if (elemtype == FLOAT4OID)
		result = construct_array(datums, vec->dim, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT);
	else
		result = construct_array(datums, vec->dim, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	pfree(datums);
	return result;
}

/* Convert a vector to real[] */
VDB_FUNCTION(vector_to_float4)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);

	PG_RETURN_POINTER(VectorToArray(vec, FLOAT4OID));
}

/* Convert a vector to double precision[] */
VDB_FUNCTION(vector_to_float8)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);

	PG_RETURN_POINTER(VectorToArray(vec, FLOAT8OID));
}

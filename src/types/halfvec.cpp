/*-------------------------------------------------------------------------
 *
 * halfvec.cpp
 *		The halfvec type's I/O, type modifier, casts and binary_quantize.
 *
 * Text parsing and printing and the binary codec live in
 * core/halfvec_codec.cpp; the conversions in core/half.h.  This file turns
 * their status into Postgres errors and datums.  A value becomes a half by
 * rounding to nearest, ties to even; one that rounds to infinity (|x| >=
 * 65520) is out of range, an error rather than a silent infinity, as
 * pgvector does.
 *
 * IDENTIFICATION
 *		src/types/halfvec.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "types/halfvec.h"

#include <cmath>

#include "distance/half_distance.h"
#include "types/type_common.h"
#include "types/vector.h"

extern "C"
{
#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/varbit.h"
}

namespace core = vectordb::core;

static const char *const kOutOfRangeDetail =
	"Elements are rounded to half precision, whose largest finite value is 65504.";

/* Allocates a zeroed halfvec of dim dimensions */
HalfVector *
InitHalfVector(int dim)
{
	Size		size = HALFVEC_SIZE(dim);
	HalfVector *result = (HalfVector *) palloc0(size);

	SET_VARSIZE(result, size);
	result->dim = dim;
	return result;
}

/* Raises an error unless dim is a valid number of dimensions */
void
CheckHalfvecDim(int dim)
{
	CheckTypeDim("halfvec", dim, HALFVEC_MAX_DIM);
}

/* Raises an error for NaN and infinities, which a halfvec may not hold */
void
CheckHalfvecElement(float value)
{
	CheckTypeElement("halfvec", value);
}

/* Raises the error for a finite value beyond the half range, naming it as text */
static void
ReportOutOfRange(const char *text)
{
	ReportElementOutOfRange("halfvec", text, kOutOfRangeDetail);
}

/* The nearest half to a float; an error for NaN, infinities and overflow */
uint16
FloatToHalfChecked(float value)
{
	uint16		h;

	CheckHalfvecElement(value);
	h = core::FloatToHalf(value);
	if (unlikely(core::HalfIsInf(h)))
	{
		char		text[core::kMaxElementText + 1];

		text[core::FormatFloat4(value, text)] = '\0';
		ReportOutOfRange(text);
	}
	return h;
}

/* Convert textual representation to internal representation */
VDB_FUNCTION(halfvec_in)
{
	char	   *lit = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	size_t		capacity = Min(core::MaxElementsForLength(strlen(lit)), (size_t) HALFVEC_MAX_DIM) + 1;
	float	   *scratch = (float *) palloc(sizeof(float) * capacity);
	uint16	   *buf = (uint16 *) palloc(sizeof(uint16) * capacity);
	core::ParseResult parsed = core::ParseHalfvecText(lit, buf, scratch, HALFVEC_MAX_DIM);
	HalfVector *result;

	ReportDenseParseError(parsed, lit, "halfvec", HALFVEC_MAX_DIM,
						  "A halfvec is written as [x1,x2,...] with at least one finite number.",
						  kOutOfRangeDetail);
	CheckExpectedDim(typmod, parsed.dim);

	result = InitHalfVector(parsed.dim);
	memcpy(result->x, buf, sizeof(uint16) * parsed.dim);
	pfree(buf);
	pfree(scratch);
	PG_RETURN_HALFVEC_P(result);
}

/* Convert internal representation to textual representation */
VDB_FUNCTION(halfvec_out)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	char	   *buf = (char *) palloc(core::FormatBufferSize(vec->dim));

	core::FormatHalfvecText(vec->x, vec->dim, buf);
	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_CSTRING(buf);
}

/* Convert type modifier */
VDB_FUNCTION(halfvec_typmod_in)
{
	PG_RETURN_INT32(ParseDimensionTypmod(PG_GETARG_ARRAYTYPE_P(0), "halfvec", HALFVEC_MAX_DIM));
}

/* Convert external binary representation to internal representation */
VDB_FUNCTION(halfvec_recv)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	size_t		len = buf->len - buf->cursor;

	/* Sized from the message, not from the client's dim, as vector_recv does */
	int			capacity = (int) Min(core::HalfvecBinaryElementsForLength(len), (size_t) HALFVEC_MAX_DIM);
	HalfVector *result = InitHalfVector(capacity);
	core::DecodeResult decoded = core::DecodeHalfvecBinary((const unsigned char *) buf->data + buf->cursor,
														   len, result->x, HALFVEC_MAX_DIM, typmod);

	ReportDenseDecodeError(decoded, typmod, "halfvec", HALFVEC_MAX_DIM, (int) sizeof(uint16));
	Assert(decoded.dim == capacity);
	buf->cursor = buf->len;
	PG_RETURN_HALFVEC_P(result);
}

/* Convert internal representation to the external binary representation */
VDB_FUNCTION(halfvec_send)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	enlargeStringInfo(&buf, (int) core::HalfvecBinarySize(vec->dim));
	buf.len += (int) core::EncodeHalfvecBinary(vec->x, vec->dim, (unsigned char *) buf.data + buf.len);
	buf.data[buf.len] = '\0';

	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Apply a halfvec(n) type modifier: used by the length-coercion cast */
VDB_FUNCTION(halfvec)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);

	CheckExpectedDim(typmod, vec->dim);
	PG_RETURN_HALFVEC_P(vec);
}

/* Convert a halfvec to a vector: exact, every half is a float */
VDB_FUNCTION(halfvec_to_vector)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	Vector	   *result;

	CheckExpectedDim(typmod, vec->dim);
	result = InitVector(vec->dim);
	vectordb::simd::ActiveHalf().to_float(vec->x, result->x, vec->dim);
	PG_RETURN_VECTOR_P(result);
}

/* Convert a vector to a halfvec, rounding each element to the nearest half */
VDB_FUNCTION(vector_to_halfvec)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	HalfVector *result;

	CheckHalfvecDim(vec->dim);
	CheckExpectedDim(typmod, vec->dim);
	result = InitHalfVector(vec->dim);
	for (int i = 0; i < vec->dim; i++)
		result->x[i] = FloatToHalfChecked(vec->x[i]);
	PG_RETURN_HALFVEC_P(result);
}

/* Rounds one array element, already widened to double, to a half */
static uint16
ArrayElementToHalf(double value, Oid elemtype, Datum elem)
{
	uint16		h;

	if (std::isnan(value))
		CheckHalfvecElement(NAN);
	if (std::isinf(value))
		CheckHalfvecElement(INFINITY);

	/* One rounding from double: a real[] element is exact in double */
	h = core::DoubleToHalf(value);
	if (unlikely(core::HalfIsInf(h)))
	{
		Oid			typoutput;
		bool		typisvarlena;

		/* Name the element as its own type prints it */
		getTypeOutputInfo(elemtype, &typoutput, &typisvarlena);
		ReportOutOfRange(OidOutputFunctionCall(typoutput, elem));
	}
	return h;
}

/* Convert an array of integer, real, double precision or numeric to a halfvec */
VDB_FUNCTION(array_to_halfvec)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	Oid			elemtype = ARR_ELEMTYPE(array);
	HalfVector *result;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;

	DeconstructVectorArray(array, &elems, &nulls, &nelems);

	CheckHalfvecDim(nelems);
	CheckExpectedDim(typmod, nelems);

	result = InitHalfVector(nelems);
	for (int i = 0; i < nelems; i++)
	{
		/* numeric converts through double precision: one rounding, to the half */
		double		value = ArrayElementToDouble(elems[i], elemtype, false);

		result->x[i] = ArrayElementToHalf(value, elemtype, elems[i]);
	}

	pfree(elems);
	pfree(nulls);
	PG_RETURN_HALFVEC_P(result);
}

/* Convert a halfvec to real[] */
VDB_FUNCTION(halfvec_to_float4)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	Datum	   *datums = (Datum *) palloc(sizeof(Datum) * vec->dim);
	ArrayType  *result;

	for (int i = 0; i < vec->dim; i++)
		datums[i] = Float4GetDatum(core::HalfToFloat(vec->x[i]));
	result = construct_array(datums, vec->dim, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT);
	pfree(datums);
	PG_RETURN_POINTER(result);
}

/* One bit per element, set where the element is greater than zero */
VDB_FUNCTION(halfvec_binary_quantize)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	VarBit	   *result = (VarBit *) palloc0(VARBITTOTALLEN(vec->dim));
	bits8	   *out = VARBITS(result);

	SET_VARSIZE(result, VARBITTOTALLEN(vec->dim));
	VARBITLEN(result) = vec->dim;
	for (int i = 0; i < vec->dim; i++)
	{
		uint16		h = vec->x[i];

		/* Positive: sign bit clear and not zero (a halfvec holds no NaN) */
		if ((h & core::kHalfSignMask) == 0 && !core::HalfIsZero(h))
			out[i / BITS_PER_BYTE] |= (bits8) (0x80 >> (i % BITS_PER_BYTE));
	}
	PG_RETURN_VARBIT_P(result);
}

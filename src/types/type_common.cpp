/*-------------------------------------------------------------------------
 *
 * type_common.cpp
 *		Checks and error reports that vector, halfvec and sparsevec share.
 *
 * IDENTIFICATION
 *		src/types/type_common.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "types/type_common.h"

#include <cmath>

extern "C"
{
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
}

namespace core = vectordb::core;

/* The typmod of type_name(n): one modifier, from 1 to max_dim */
int32
ParseDimensionTypmod(ArrayType *ta, const char *type_name, int max_dim)
{
	int32	   *tl;
	int			n;

	tl = ArrayGetIntegerTypmods(ta, &n);

	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier"),
				 errdetail("The type %s takes one modifier, its number of dimensions.", type_name)));
	if (*tl < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type %s must be at least 1", type_name)));
	if (*tl > max_dim)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type %s cannot exceed %d", type_name, max_dim)));

	return *tl;
}

/* Raises an error unless dim is from 1 to max_dim */
void
CheckTypeDim(const char *type_name, int64 dim, int max_dim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must have at least 1 dimension", type_name)));
	if (dim > max_dim)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s cannot have more than %d dimensions", type_name, max_dim)));
}

/* Raises an error when dim does not match the column's type(n) */
void
CheckExpectedDim(int32 typmod, int dim)
{
	if (typmod != -1 && typmod != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", typmod, dim)));
}

/* Raises an error for NaN and infinities, which none of the types may hold */
void
CheckTypeElement(const char *type_name, float value)
{
	if (std::isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN not allowed in %s", type_name)));
	if (std::isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("infinite value not allowed in %s", type_name)));
}

/* Raises the error for text that is not a value of type_name */
void
ReportInvalidTextSyntax(const char *type_name, const char *lit, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", type_name, lit),
			 detail ? errdetail("%s", detail) : 0));
}

/* Raises the error for an element, written as text, beyond type_name's range */
void
ReportElementOutOfRange(const char *type_name, const char *text, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("\"%s\" is out of range for type %s", text, type_name),
			 detail ? errdetail("%s", detail) : 0));
}

/* What pq_getmsgint says when the header is cut short */
void
ReportTruncatedMessage(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROTOCOL_VIOLATION),
			 errmsg("insufficient data left in message")));
}

/* Raises the error for a binary header whose unused field is set */
void
ReportUnusedNonZero(int unused)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("expected unused to be 0, not %d", unused)));
}

/* Reports a failed dense parse for vector or halfvec */
void
ReportDenseParseError(const core::ParseResult &parsed, const char *lit, const char *type_name,
					  int max_dim, const char *syntax_detail, const char *range_detail)
{
	switch (parsed.status)
	{
		case core::ParseStatus::kOk:
			break;
		case core::ParseStatus::kSyntax:
			ReportInvalidTextSyntax(type_name, lit, syntax_detail);
			break;
		case core::ParseStatus::kEmpty:
			CheckTypeDim(type_name, 0, max_dim);
			break;
		case core::ParseStatus::kTooManyDims:
			CheckTypeDim(type_name, (int64) max_dim + 1, max_dim);
			break;
		case core::ParseStatus::kNaN:
			CheckTypeElement(type_name, NAN);
			break;
		case core::ParseStatus::kInfinite:
			CheckTypeElement(type_name, INFINITY);
			break;
		case core::ParseStatus::kOutOfRange:
			ReportElementOutOfRange(type_name, pnstrdup(lit + parsed.bad_offset, parsed.bad_length),
									range_detail);
			break;
	}
}

/* Reports a failed dense binary decode for vector or halfvec */
void
ReportDenseDecodeError(const core::DecodeResult &decoded, int32 typmod, const char *type_name,
					   int max_dim, int elem_size)
{
	switch (decoded.status)
	{
		case core::DecodeStatus::kOk:
			break;
		case core::DecodeStatus::kTruncated:
			ReportTruncatedMessage();
			break;
		case core::DecodeStatus::kTooFewDims:
		case core::DecodeStatus::kTooManyDims:
			CheckTypeDim(type_name, decoded.dim, max_dim);
			break;
		case core::DecodeStatus::kDimMismatch:
			CheckExpectedDim(typmod, decoded.dim);
			break;
		case core::DecodeStatus::kUnusedNonZero:
			ReportUnusedNonZero(decoded.unused);
			break;
		case core::DecodeStatus::kLengthMismatch:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("binary %s data has %d bytes, expected %d",
							type_name, (int) decoded.data_len, elem_size * decoded.dim),
					 errdetail("The header gives %d dimensions of %d bytes each.",
							   decoded.dim, elem_size)));
			break;
		case core::DecodeStatus::kNaN:
			CheckTypeElement(type_name, NAN);
			break;
		case core::DecodeStatus::kInfinite:
			CheckTypeElement(type_name, INFINITY);
			break;
	}
}

/* The elements of a one-dimensional array without nulls, deconstructed */
void
DeconstructVectorArray(ArrayType *array, Datum **elems, bool **nulls, int *nelems)
{
	Oid			elemtype = ARR_ELEMTYPE(array);
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("array must be 1-D")));
	if (ARR_HASNULL(array) && array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("array must not contain nulls")));

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(array, elemtype, typlen, typbyval, typalign, elems, nulls, nelems);
}

/* One array element of integer, real, double precision or numeric, as a double */
double
ArrayElementToDouble(Datum elem, Oid elemtype, bool numeric_as_float4)
{
	switch (elemtype)
	{
		case INT4OID:
			return DatumGetInt32(elem);
		case FLOAT4OID:
			return DatumGetFloat4(elem);
		case FLOAT8OID:
			return DatumGetFloat8(elem);
		case NUMERICOID:
			if (numeric_as_float4)
				return DatumGetFloat4(DirectFunctionCall1(numeric_float4, elem));
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8, elem));
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("unsupported array type %s", format_type_be(elemtype))));
	}
	return 0;					/* keep the compiler quiet */
}

/* Checks the avg() state array's shape and returns its elements and their count */
double *
AvgStateElements(ArrayType *statearray, const char *type_name, int *nelems)
{
	if (ARR_NDIM(statearray) != 1 || ARR_DIMS(statearray)[0] < 1 ||
		ARR_HASNULL(statearray) || ARR_ELEMTYPE(statearray) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("avg(%s) state must be a one-dimensional double precision array without nulls",
						type_name)));
	*nelems = ARR_DIMS(statearray)[0];
	return (double *) ARR_DATA_PTR(statearray);
}

/* Builds a new avg() state array from n and the sums */
ArrayType *
BuildAvgState(double n, const double *sums, int dim)
{
	Datum	   *datums = (Datum *) palloc(sizeof(Datum) * (dim + 1));
	ArrayType  *result;

	datums[0] = Float8GetDatum(n);
	for (int i = 0; i < dim; i++)
		datums[i + 1] = Float8GetDatum(sums[i]);
	result = construct_array(datums, dim + 1, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	pfree(datums);
	return result;
}

/* Raises an error when a value's dimensions differ from the running avg() state's */
void
CheckAvgStateDims(int state_dim, int dim)
{
	if (state_dim != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", state_dim, dim)));
}

/*-------------------------------------------------------------------------
 *
 * sparsevec.cpp
 *		The sparsevec type's I/O, type modifier and casts.
 *
 * Text parsing and printing, and binary decoding and encoding, live in
 * core/sparse_codec.cpp, which needs no server; this file turns their status
 * into Postgres errors and datums.
 *
 * IDENTIFICATION
 *		src/types/sparsevec.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "types/sparsevec.h"

#include <cmath>

#include "core/half.h"
#include "types/halfvec.h"
#include "types/vector.h"

extern "C"
{
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
}

namespace core = vectordb::core;

/* Allocates a sparsevec of dim dimensions with room for nnz entries, all zero */
SparseVector *
InitSparseVector(int dim, int nnz)
{
	Size		size = SPARSEVEC_SIZE(nnz);
	SparseVector *result = (SparseVector *) palloc0(size);

	SET_VARSIZE(result, size);
	result->dim = dim;
	result->nnz = nnz;
	return result;
}

/* Raises an error unless dim is a valid number of dimensions */
void
CheckSparseDim(int64 dim)
{
	CheckTypeDim("sparsevec", dim, SPARSEVEC_MAX_DIM);
}

/* Raises an error for values a sparsevec may not hold */
void
CheckSparseElement(float value)
{
	CheckTypeElement("sparsevec", value);
}

/* Raises the error for more non-zero elements than a sparsevec may hold */
static void
ReportTooManyNonZeros(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("sparsevec cannot have more than %d non-zero elements", SPARSEVEC_MAX_NNZ)));
}

/* Raises the error for an index given twice (index is 1-based) */
static void
ReportDuplicate(int64 index)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("sparsevec indices must not contain duplicates"),
			 errdetail("Index " INT64_FORMAT " appears more than once.", index)));
}

/* Raises the error for an index outside 1..dim; index_text is how it was written */
static void
ReportIndexOutOfBounds(const char *index_text, int64 dim, bool too_small)
{
	if (too_small)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec index out of bounds"),
				 errdetail("Index %s is less than 1; indices start at 1.", index_text)));
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("sparsevec index out of bounds"),
			 errdetail("Index %s is greater than the number of dimensions, " INT64_FORMAT ".",
					   index_text, dim)));
}

/* Convert textual representation to internal representation */
VDB_FUNCTION(sparsevec_in)
{
	char	   *lit = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	size_t		capacity = core::SparseEntryCapacity(lit);
	core::SparseEntry *entries;
	core::SparseParseResult parsed;
	SparseVector *result;
	float	   *values;

	/* One entry per ':' in the text: at most 8 bytes for every 4 of input ("1:1,") */
	entries = (core::SparseEntry *) palloc_extended(sizeof(core::SparseEntry) * capacity, MCXT_ALLOC_HUGE);
	parsed = core::ParseSparseText(lit, entries, capacity);

	switch (parsed.status)
	{
		case core::SparseParseStatus::kOk:
			break;
		case core::SparseParseStatus::kSyntax:
			ReportInvalidTextSyntax("sparsevec", lit,
									"A sparsevec is written as {index:value,...}/dimensions, with indices from 1 to the dimensions.");
			break;
		case core::SparseParseStatus::kNaN:
			CheckSparseElement(NAN);
			break;
		case core::SparseParseStatus::kInfinite:
			CheckSparseElement(INFINITY);
			break;
		case core::SparseParseStatus::kOutOfRange:
			ReportElementOutOfRange("sparsevec", pnstrdup(lit + parsed.bad_offset, parsed.bad_length),
									nullptr);
			break;
		case core::SparseParseStatus::kDimTooSmall:
		case core::SparseParseStatus::kDimTooLarge:
			CheckSparseDim(parsed.dim);
			break;
		case core::SparseParseStatus::kIndexTooSmall:
		case core::SparseParseStatus::kIndexTooLarge:
			ReportIndexOutOfBounds(pnstrdup(lit + parsed.bad_offset, parsed.bad_length), parsed.dim,
								   parsed.status == core::SparseParseStatus::kIndexTooSmall);
			break;
		case core::SparseParseStatus::kTooManyNonZeros:
			ReportTooManyNonZeros();
			break;
		case core::SparseParseStatus::kDuplicate:
			ReportDuplicate(parsed.index);
			break;
	}

	CheckExpectedDim(typmod, (int) parsed.dim);

	result = InitSparseVector((int) parsed.dim, parsed.nnz);
	values = SPARSEVEC_VALUES(result);
	for (int i = 0; i < parsed.nnz; i++)
	{
		result->indices[i] = entries[i].index;
		values[i] = entries[i].value;
	}
	pfree(entries);
	PG_RETURN_SPARSEVEC_P(result);
}

/* Convert internal representation to textual representation */
VDB_FUNCTION(sparsevec_out)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	char	   *buf = (char *) palloc(core::FormatSparseBufferSize(a->nnz));

	core::FormatSparseText(a->dim, a->nnz, a->indices, SPARSEVEC_VALUES(a), buf);
	PG_FREE_IF_COPY(a, 0);
	PG_RETURN_CSTRING(buf);
}

/* Convert type modifier */
VDB_FUNCTION(sparsevec_typmod_in)
{
	PG_RETURN_INT32(ParseDimensionTypmod(PG_GETARG_ARRAYTYPE_P(0), "sparsevec", SPARSEVEC_MAX_DIM));
}

/* Convert external binary representation to internal representation */
VDB_FUNCTION(sparsevec_recv)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	size_t		len = buf->len - buf->cursor;

	/*
	 * Sized from the message, not from the client's nnz, and capped, so a
	 * lying header cannot make us allocate much; when decoding succeeds the
	 * two agree exactly.
	 */
	int			capacity = (int) Min(core::SparseBinaryEntriesForLength(len), (size_t) SPARSEVEC_MAX_NNZ);
	int32	   *indices = (int32 *) palloc(sizeof(int32) * Max(capacity, 1));
	float	   *values = (float *) palloc(sizeof(float) * Max(capacity, 1));
	core::SparseDecodeResult decoded = core::DecodeSparseBinary((const unsigned char *) buf->data + buf->cursor,
																len, indices, values, typmod);
	SparseVector *result;

	switch (decoded.status)
	{
		case core::SparseDecodeStatus::kOk:
			break;
		case core::SparseDecodeStatus::kTruncated:
			ReportTruncatedMessage();
			break;
		case core::SparseDecodeStatus::kDimTooSmall:
		case core::SparseDecodeStatus::kDimTooLarge:
			CheckSparseDim(decoded.dim);
			break;
		case core::SparseDecodeStatus::kNnzNegative:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("sparsevec cannot have a negative number of elements")));
			break;
		case core::SparseDecodeStatus::kTooManyNonZeros:
			ReportTooManyNonZeros();
			break;
		case core::SparseDecodeStatus::kNnzExceedsDim:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("sparsevec cannot have more elements than dimensions"),
					 errdetail("The header gives %d non-zero elements for %d dimensions.",
							   decoded.nnz, decoded.dim)));
			break;
		case core::SparseDecodeStatus::kDimMismatch:
			CheckExpectedDim(typmod, decoded.dim);
			break;
		case core::SparseDecodeStatus::kUnusedNonZero:
			ReportUnusedNonZero(decoded.unused);
			break;
		case core::SparseDecodeStatus::kLengthMismatch:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("binary sparsevec data has %d bytes, expected %d",
							(int) decoded.data_len, decoded.nnz * 8),
					 errdetail("The header gives %d non-zero elements of 8 bytes each (index and value).",
							   decoded.nnz)));
			break;
		case core::SparseDecodeStatus::kIndexOutOfRange:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("sparsevec index out of bounds"),
					 errdetail("Binary index " INT64_FORMAT " is outside 0 to %d; the binary form counts from 0.",
							   decoded.index, decoded.dim - 1)));
			break;
		case core::SparseDecodeStatus::kIndexNotAscending:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("sparsevec indices must be in ascending order")));
			break;
		case core::SparseDecodeStatus::kDuplicate:
			/* Reported 1-based, as the text form writes it */
			ReportDuplicate(decoded.index + 1);
			break;
		case core::SparseDecodeStatus::kNaN:
			CheckSparseElement(NAN);
			break;
		case core::SparseDecodeStatus::kInfinite:
			CheckSparseElement(INFINITY);
			break;
		case core::SparseDecodeStatus::kZeroValue:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("binary representation of sparsevec cannot contain zero values")));
			break;
	}

	result = InitSparseVector(decoded.dim, decoded.nnz);
	memcpy(result->indices, indices, sizeof(int32) * decoded.nnz);
	memcpy(SPARSEVEC_VALUES(result), values, sizeof(float) * decoded.nnz);
	pfree(indices);
	pfree(values);
	/* The caller checks that the whole message was consumed */
	buf->cursor = buf->len;
	PG_RETURN_SPARSEVEC_P(result);
}

/* Convert internal representation to the external binary representation */
VDB_FUNCTION(sparsevec_send)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	StringInfoData buf;

	/* The same codec as sparsevec_recv, so the fuzzed round trip is the server's */
	pq_begintypsend(&buf);
	enlargeStringInfo(&buf, (int) core::SparseBinarySize(a->nnz));
	buf.len += (int) core::EncodeSparseBinary(a->dim, a->nnz, a->indices, SPARSEVEC_VALUES(a),
											  (unsigned char *) buf.data + buf.len);
	buf.data[buf.len] = '\0';

	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Apply a sparsevec(n) type modifier: used by the length-coercion cast */
VDB_FUNCTION(sparsevec)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);

	CheckExpectedDim(typmod, a->dim);
	PG_RETURN_SPARSEVEC_P(a);
}

/* Convert a vector to a sparsevec, dropping its zeros */
VDB_FUNCTION(vector_to_sparsevec)
{
	Vector	   *vec = PG_GETARG_VECTOR_P(0);
	int32		typmod = PG_GETARG_INT32(1);

	PG_RETURN_SPARSEVEC_P(SparsevecFromDense(vec->dim, typmod, [vec](int i) { return vec->x[i]; }));
}

/* Convert a sparsevec to a vector, writing out its zeros */
VDB_FUNCTION(sparsevec_to_vector)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	Vector	   *result;

	CheckDim(a->dim);
	CheckExpectedDim(typmod, a->dim);

	result = InitVector(a->dim);
	SparsevecToDense(a, [result](int32 i, float x) { result->x[i] = x; });
	PG_RETURN_VECTOR_P(result);
}

/* Convert a halfvec to a sparsevec, dropping zeros */
VDB_FUNCTION(halfvec_to_sparsevec)
{
	HalfVector *vec = PG_GETARG_HALFVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);

	PG_RETURN_SPARSEVEC_P(SparsevecFromDense(vec->dim, typmod,
											 [vec](int i) { return core::HalfToFloat(vec->x[i]); }));
}

/* Convert a sparsevec to a halfvec, writing out its zeros; each value is
 * rounded to half, and one past half's range is an error */
VDB_FUNCTION(sparsevec_to_halfvec)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	HalfVector *result;

	CheckHalfvecDim(a->dim);
	CheckExpectedDim(typmod, a->dim);

	result = InitHalfVector(a->dim);
	SparsevecToDense(a, [result](int32 i, float x) { result->x[i] = FloatToHalfChecked(x); });
	PG_RETURN_HALFVEC_P(result);
}

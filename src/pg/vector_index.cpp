/*-------------------------------------------------------------------------
 *
 * vector_index.cpp
 *		Operator-class facts shared by the hnsw and ivf access methods.
 *
 * IDENTIFICATION
 *		src/pg/vector_index.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "pg/vector_index.h"

#include <cmath>
#include <cstring>

#include "pg/bit_index.h"
#include "distance/half_distance.h"
#include "types/halfvec.h"
#include "types/sparsevec.h"
#include "types/vector.h"

extern "C"
{
#include "access/genam.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "miscadmin.h"
#include "nodes/pathnodes.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
}

/*
 * The type an operator class indexes, known by its input function's name
 * as the metric is known by its distance function's, so neither a
 * search_path nor a schema-qualified type name matters.
 */
static VectorIndexInput
InputOf(Oid type)
{
	Oid			typinput;
	Oid			typioparam;
	char	   *name;

	getTypeInputInfo(type, &typinput, &typioparam);
	name = get_func_name(typinput);
	if (name != NULL && strcmp(name, "halfvec_in") == 0)
		return VECTOR_INDEX_HALFVEC;
	if (name != NULL && strcmp(name, "sparsevec_in") == 0)
		return VECTOR_INDEX_SPARSEVEC;
	return VECTOR_INDEX_VECTOR;
}

void
VectorIndexGetMetric(Relation index, const char *am, VectorIndexMetric *vm)
{
	Oid			proc = index_getprocid(index, 1, VECTOR_INDEX_DISTANCE_PROC);
	char	   *name = get_func_name(proc);

	if (name && (strcmp(name, "hamming_distance") == 0 || strcmp(name, "jaccard_distance") == 0))
	{
		BitIndexGetMetric(index, am, vm);
		if (strcmp(name, "jaccard_distance") == 0)
			vm->metric = vectordb::simd::Metric::kJaccard;
		return;
	}

	memset(vm, 0, sizeof(*vm));
	if (name && (strcmp(name, "vector_l2_squared_distance") == 0 ||
				 strcmp(name, "halfvec_l2_squared_distance") == 0 ||
				 strcmp(name, "sparsevec_l2_squared_distance") == 0))
	{
		vm->metric = vectordb::simd::Metric::kL2Squared;
		vm->is_l2 = true;
	}
	else if (name && (strcmp(name, "vector_negative_inner_product") == 0 ||
					  strcmp(name, "halfvec_negative_inner_product") == 0 ||
					  strcmp(name, "sparsevec_negative_inner_product") == 0))
		vm->metric = vectordb::simd::Metric::kNegativeInnerProduct;
	else if (name && strcmp(name, "l1_distance") == 0)
		vm->metric = vectordb::simd::Metric::kL1;
	else
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s operator class distance function %s is not supported",
						am, name ? name : "(unknown)")));
	vm->normalize = OidIsValid(index_getprocid(index, 1, VECTOR_INDEX_NORM_PROC));
	vm->is_cosine = vm->normalize;
	vm->dims = TupleDescAttr(index->rd_att, 0)->atttypmod;
	vm->input = InputOf(index->rd_opcintype[0]);
}

vectordb::simd::Storage
VectorIndexStorage(const VectorIndexMetric *vm)
{
	if (vm->is_bit)
		return vectordb::simd::Storage::kBit;
	if (vm->input == VECTOR_INDEX_HALFVEC)
		return vectordb::simd::Storage::kHalf;
	return vectordb::simd::Storage::kFloat;
}

/* Widens a halfvec datum into out (vm->dims floats) */
static void
PrepareHalfvec(const VectorIndexMetric *vm, Datum value, float *out)
{
	HalfVector *v = DatumGetHalfVector(value);

	if (v->dim != vm->dims)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", vm->dims, v->dim)));
	if (VARSIZE_ANY(v) != HALFVEC_SIZE(v->dim))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("halfvec value of %d dimensions has size %zu",
						v->dim, (size_t) VARSIZE_ANY(v))));
	vectordb::simd::ActiveHalf().to_float(v->x, out, vm->dims);
	if ((Pointer) v != DatumGetPointer(value))
		pfree(v);
}

/* A sparsevec datum of the index's dimensions whose entries can be
 * trusted: strictly increasing indices in range, nnz within bounds */
static SparseVector *
CheckedSparsevec(const VectorIndexMetric *vm, Datum value)
{
	SparseVector *v = DatumGetSparseVector(value);

	if (v->dim != vm->dims)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", vm->dims, v->dim)));
	if (v->nnz < 0 || v->nnz > v->dim || v->nnz > SPARSEVEC_MAX_NNZ ||
		VARSIZE_ANY(v) != SPARSEVEC_SIZE(v->nnz))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("sparsevec value with %d non-zero elements has size %zu",
						v->nnz, (size_t) VARSIZE_ANY(v))));
	for (int i = 0; i < v->nnz; i++)
		if (v->indices[i] < 0 || v->indices[i] >= vm->dims ||
			(i > 0 && v->indices[i] <= v->indices[i - 1]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("sparsevec index %d is out of range or out of order for %d dimensions",
							v->indices[i] + 1, vm->dims)));
	return v;
}

/* Writes a sparsevec datum out densely into out (vm->dims floats) */
static void
PrepareSparsevec(const VectorIndexMetric *vm, Datum value, float *out)
{
	SparseVector *v = CheckedSparsevec(vm, value);
	const float *values = SPARSEVEC_VALUES(v);

	memset(out, 0, sizeof(float) * vm->dims);
	for (int i = 0; i < v->nnz; i++)
		out[v->indices[i]] = values[i];
	if ((Pointer) v != DatumGetPointer(value))
		pfree(v);
}

bool
VectorIndexPrepareSparse(const VectorIndexMetric *vm, Datum value, uint32 *out)
{
	SparseVector *v = CheckedSparsevec(vm, value);
	float	   *values;

	vectordb::simd::EncodeSparseRecord(v->indices, SPARSEVEC_VALUES(v), v->nnz, out);
	values = (float *) (out + 1 + v->nnz);
	if ((Pointer) v != DatumGetPointer(value))
		pfree(v);

	if (vm->normalize)
	{
		int			nnz = vectordb::simd::SparseRecordNnz(out[0]);
		double		norm = vectordb::simd::Active().inner_product(values, values, nnz);

		if (norm <= 0.0 || !std::isfinite(norm))
			return false;
		norm = std::sqrt(norm);
		for (int i = 0; i < nnz; i++)
			values[i] = (float) (values[i] / norm);
	}
	return true;
}

/* Copies a vector datum into out (vm->dims floats) */
static void
PrepareVector(const VectorIndexMetric *vm, Datum value, float *out)
{
	Vector	   *v = DatumGetVector(value);

	if (v->dim != vm->dims)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", vm->dims, v->dim)));
	/* the copy below trusts dim: a value whose size disagrees is damaged */
	if (VARSIZE_ANY(v) != VECTOR_SIZE(v->dim))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("vector value of %d dimensions has size %zu",
						v->dim, (size_t) VARSIZE_ANY(v))));
	memcpy(out, v->x, sizeof(float) * vm->dims);
	if ((Pointer) v != DatumGetPointer(value))
		pfree(v);
}

bool
VectorIndexPrepare(const VectorIndexMetric *vm, Datum value, float *out)
{
	if (vm->is_bit)
		return BitIndexPrepare(vm, value, out);
	switch (vm->input)
	{
		case VECTOR_INDEX_VECTOR:
			PrepareVector(vm, value, out);
			break;
		case VECTOR_INDEX_HALFVEC:
			PrepareHalfvec(vm, value, out);
			break;
		case VECTOR_INDEX_SPARSEVEC:
			PrepareSparsevec(vm, value, out);
			break;
	}

	if (vm->normalize)
	{
		double		norm = vectordb::simd::Active().inner_product(out, out, vm->dims);

		if (norm <= 0.0 || !std::isfinite(norm))
			return false;
		norm = std::sqrt(norm);
		for (int i = 0; i < vm->dims; i++)
			out[i] = (float) (out[i] / norm);
	}
	return true;
}

double
VectorIndexReportedDistance(const VectorIndexMetric *vm, double internal)
{
	if (vm->is_l2)
		return std::sqrt(internal);
	if (vm->is_cosine)
		return 1.0 + internal;	/* 1 - dot of normalized vectors */
	return internal;
}

/*
 * The relation extension lock serializes extension, so two backends never
 * get the same new block; it is held only while the page is added.
 */
Buffer
VectorIndexNewBuffer(Relation index, ForkNumber fork)
{
	Buffer		buf;

	LockRelationForExtension(index, ExclusiveLock);
	buf = ReadBufferExtended(index, fork, P_NEW, RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	UnlockRelationForExtension(index, ExclusiveLock);
	return buf;
}

bool
VectorIndexScanMemoryFull(MemoryContext cxt, int multiplier)
{
	return MemoryContextMemAllocated(cxt, true) > (Size) work_mem * 1024 * multiplier;
}

/*
 * The planner passes a cursor's cursor_tuple_fraction (or a subquery's
 * share of its caller's rows) as root->tuple_fraction; 0 means every row.
 */
bool
VectorIndexWantsFirstRows(PlannerInfo *root)
{
	return root->parse->limitCount != NULL || root->tuple_fraction > 0.0;
}

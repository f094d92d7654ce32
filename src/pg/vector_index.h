/*-------------------------------------------------------------------------
 *
 * vector_index.h
 *		What every vectordb index access method needs from its operator
 *		class: the metric, cosine normalization, and the reported distance.
 *
 * Support function 1 of an hnsw or ivf operator class names the distance
 * the index is built on; support function 2 (cosine only) normalizes.
 *
 * IDENTIFICATION
 *		src/pg/vector_index.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_PG_VECTOR_INDEX_H
#define VECTORDB_PG_VECTOR_INDEX_H

#include "pg/pg_function.h"

#include "distance/distance.h"
#include "distance/stored.h"

extern "C"
{
#include "common/relpath.h"
#include "storage/buf.h"
#include "utils/palloc.h"
#include "utils/relcache.h"
}

#define VECTOR_INDEX_DISTANCE_PROC	1
#define VECTOR_INDEX_NORM_PROC		2

/* The type an operator class indexes */
typedef enum VectorIndexInput
{
	VECTOR_INDEX_VECTOR,
	VECTOR_INDEX_HALFVEC,
	VECTOR_INDEX_SPARSEVEC,
} VectorIndexInput;

/* The distance an index is built on, from its operator class */
typedef struct VectorIndexMetric
{
	vectordb::simd::Metric metric;
	bool		normalize;		/* cosine: vectors are stored normalized */
	bool		is_cosine;
	bool		is_l2;			/* reported distance = sqrt(internal) */
	int			dims;			/* the column's declared dimensions */
	bool		is_bit;			/* bit(n) column as 0/1 floats; see bit_index.h */
	VectorIndexInput input;		/* vector, halfvec or sparsevec (bit: is_bit) */
} VectorIndexMetric;

/* Fills *vm from the index's operator class; am names the method in errors */
extern void VectorIndexGetMetric(Relation index, const char *am, VectorIndexMetric *vm);

/* The form an index stores vectors in: the column's own precision (halves
 * for halfvec, bits for bit, floats otherwise), so the index is no wider
 * than the column.  (hnsw stores sparsevec as sparse records.) */
extern vectordb::simd::Storage VectorIndexStorage(const VectorIndexMetric *vm);

/* Copies a vector, halfvec, sparsevec or bit datum into out (dims floats), normalized for
 * cosine; false for a vector the index skips (zero norm under cosine).  A
 * sparsevec is written out densely (ivf's form; hnsw keeps sparse records) */
extern bool VectorIndexPrepare(const VectorIndexMetric *vm, Datum value, float *out);

/* Writes a sparsevec datum as a sparse record (stored.h) into out, which
 * has room for SparseRecordWords(its nnz) words, normalized for cosine;
 * false for a vector the index skips (zero norm under cosine) */
extern bool VectorIndexPrepareSparse(const VectorIndexMetric *vm, Datum value, uint32 *out);

/* The operator's value from the index's internal distance */
extern double VectorIndexReportedDistance(const VectorIndexMetric *vm, double internal);

/* Whether a scan whose memory lives in cxt has used up multiplier x
 * work_mem, past which iterative scans stop looking further */
extern bool VectorIndexScanMemoryFull(MemoryContext cxt, int multiplier);

/* Whether the query being planned wants its first rows rather than all of
 * them: a LIMIT, or a cursor (postgres_fdw reads each shard through one),
 * the only plans an approximate index scan may serve */
typedef struct PlannerInfo PlannerInfo;
extern bool VectorIndexWantsFirstRows(PlannerInfo *root);

/* A new page at the end of fork, pinned and exclusively locked */
extern Buffer VectorIndexNewBuffer(Relation index, ForkNumber fork);

#endif							/* VECTORDB_PG_VECTOR_INDEX_H */

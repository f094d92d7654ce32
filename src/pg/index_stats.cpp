/*-------------------------------------------------------------------------
 *
 * index_stats.cpp
 *		vectordb_index_stats(regclass): the access method's walker for the
 *		structure, and this session's scan counters for the work queries did.
 *
 * IDENTIFICATION
 *		src/pg/index_stats.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "pg/index_stats.h"

#include "pg/index_check.h"
#include "pg/vector_index.h"

extern "C"
{
#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/index.h"
#include "funcapi.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/rel.h"
}

/* What this session's scans of one index did */
typedef struct ScanCounters
{
	Oid			index;			/* hash key */
	int64		scans;
	int64		distances;
	int64		last_distances;
	int64		last_tuples;
} ScanCounters;

static HTAB *scan_counters = NULL;

static ScanCounters *
FindCounters(Oid index, bool create)
{
	bool		found;
	ScanCounters *c;

	if (scan_counters == NULL)
	{
		HASHCTL		ctl;

		if (!create)
			return NULL;
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(ScanCounters);
		ctl.hcxt = TopMemoryContext;
		scan_counters = hash_create("vectordb scan counters", 16, &ctl,
									HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	c = (ScanCounters *) hash_search(scan_counters, &index, create ? HASH_ENTER : HASH_FIND, &found);
	if (create && !found)
	{
		c->scans = c->distances = 0;
		c->last_distances = c->last_tuples = 0;
	}
	return c;
}

void
IndexStatsScanDone(Relation index, int64 distances, int64 tuples)
{
	ScanCounters *c = FindCounters(RelationGetRelid(index), true);

	c->scans++;
	c->distances += distances;
	c->last_distances = distances;
	c->last_tuples = tuples;
}

enum StatsColumn
{
	COL_ACCESS_METHOD,
	COL_DIMENSIONS,
	COL_PAGES,
	COL_ELEMENTS,
	COL_DELETED,
	COL_FREE_SLOTS,
	COL_LEVELS,
	COL_AVG_NEIGHBORS,
	COL_UNREACHABLE,
	COL_LISTS,
	COL_QUANTIZER,
	COL_MIN_LIST,
	COL_AVG_LIST,
	COL_MAX_LIST,
	COL_SCANS,
	COL_DISTANCES,
	COL_LAST_SCAN_DISTANCES,
	COL_LAST_SCAN_TUPLES,
	STATS_COLUMNS
};

static void
SetInt64(Datum *values, bool *nulls, int col, int64 v)
{
	values[col] = Int64GetDatum(v);
	nulls[col] = v < 0;
}

VDB_FUNCTION(vectordb_index_stats)
{
	Oid			relid = PG_GETARG_OID(0);
	TupleDesc	desc;
	Datum		values[STATS_COLUMNS];
	bool		nulls[STATS_COLUMNS];
	IndexStats	stats;
	IndexAm		am;
	Relation	index;
	VectorIndexMetric vm;
	ScanCounters *counters;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning record called in context that cannot accept type record")));
	desc = BlessTupleDesc(desc);
	IndexIntrospectionAccess(relid, "Reading statistics of");

	stats.elements = stats.deleted = stats.free_slots = -1;
	stats.levels = -1;
	stats.avg_neighbors = -1;
	stats.unreachable = -1;
	stats.lists = -1;
	stats.quantizer = NULL;
	stats.min_list = stats.max_list = -1;
	stats.avg_list = -1;

	index = relation_open(relid, AccessShareLock);
	am = IndexIntrospectionAm(index);
	VectorIndexGetMetric(index, am == INDEX_AM_HNSW ? "hnsw" : "ivf", &vm);
	values[COL_PAGES] = Int64GetDatum((int64) RelationGetNumberOfBlocks(index));
	if (am == INDEX_AM_HNSW)
		HnswIndexStats(index, &stats);
	else
		IvfIndexStats(index, &stats);
	relation_close(index, AccessShareLock);

	memset(nulls, 0, sizeof(nulls));
	values[COL_ACCESS_METHOD] = CStringGetTextDatum(am == INDEX_AM_HNSW ? "hnsw" : "ivf");
	values[COL_DIMENSIONS] = Int32GetDatum(vm.dims);
	SetInt64(values, nulls, COL_ELEMENTS, stats.elements);
	SetInt64(values, nulls, COL_DELETED, stats.deleted);
	SetInt64(values, nulls, COL_FREE_SLOTS, stats.free_slots);
	values[COL_LEVELS] = Int32GetDatum(stats.levels);
	nulls[COL_LEVELS] = stats.levels < 0;
	values[COL_AVG_NEIGHBORS] = Float8GetDatum(stats.avg_neighbors);
	nulls[COL_AVG_NEIGHBORS] = stats.avg_neighbors < 0;
	SetInt64(values, nulls, COL_UNREACHABLE, stats.unreachable);
	values[COL_LISTS] = Int32GetDatum(stats.lists);
	nulls[COL_LISTS] = stats.lists < 0;
	nulls[COL_QUANTIZER] = stats.quantizer == NULL;
	if (stats.quantizer != NULL)
		values[COL_QUANTIZER] = CStringGetTextDatum(stats.quantizer);
	SetInt64(values, nulls, COL_MIN_LIST, stats.min_list);
	values[COL_AVG_LIST] = Float8GetDatum(stats.avg_list);
	nulls[COL_AVG_LIST] = stats.avg_list < 0;
	SetInt64(values, nulls, COL_MAX_LIST, stats.max_list);

	counters = FindCounters(relid, false);
	SetInt64(values, nulls, COL_SCANS, counters ? counters->scans : 0);
	SetInt64(values, nulls, COL_DISTANCES, counters ? counters->distances : 0);
	/* before the first scan there is no last one */
	SetInt64(values, nulls, COL_LAST_SCAN_DISTANCES, counters ? counters->last_distances : -1);
	SetInt64(values, nulls, COL_LAST_SCAN_TUPLES, counters ? counters->last_tuples : -1);

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

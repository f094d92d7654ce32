/*-------------------------------------------------------------------------
 *
 * hnsw.cpp
 *		HNSW access method handler: options, GUCs, cost estimates, and what
 *		an index needs to know about its operator class.
 *
 * IDENTIFICATION
 *		src/hnsw/hnsw.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include <cfloat>
#include <cmath>

#include "distance/distance.h"
#include "types/sparsevec.h"
#include "types/vector.h"

extern "C"
{
#include "access/reloptions.h"
#include "catalog/pg_type.h"
#include "commands/progress.h"
#include "commands/vacuum.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/float.h"
#include "utils/selfuncs.h"
}

int			hnsw_ef_search = HNSW_DEFAULT_EF_SEARCH;
int			hnsw_iterative_scan = HNSW_ITERATIVE_STRICT;
int			hnsw_max_scan_tuples = HNSW_DEFAULT_MAX_SCAN_TUPLES;
int			hnsw_scan_mem_multiplier = 1;

static relopt_kind hnsw_relopt_kind;

static const struct config_enum_entry hnsw_iterative_scan_options[] = {
	{"off", HNSW_ITERATIVE_OFF, false},
	{"relaxed_order", HNSW_ITERATIVE_RELAXED, false},
	{"strict_order", HNSW_ITERATIVE_STRICT, false},
	{NULL, 0, false}
};

void
HnswInitGucs(void)
{
	hnsw_relopt_kind = add_reloption_kind();
	add_int_reloption(hnsw_relopt_kind, "m", "Max number of connections per node",
					  HNSW_DEFAULT_M, HNSW_MIN_M, HNSW_MAX_M, AccessExclusiveLock);
	add_int_reloption(hnsw_relopt_kind, "ef_construction",
					  "Size of the dynamic candidate list for construction",
					  HNSW_DEFAULT_EF_CONSTRUCTION, HNSW_MIN_EF_CONSTRUCTION,
					  HNSW_MAX_EF_CONSTRUCTION, AccessExclusiveLock);

	DefineCustomIntVariable("hnsw.ef_search", "Size of the dynamic candidate list for search",
							"Higher values find closer neighbours at the cost of speed.",
							&hnsw_ef_search, HNSW_DEFAULT_EF_SEARCH, 1, HNSW_MAX_EF_SEARCH,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("hnsw.iterative_scan", "Whether index scans continue past ef_search",
							 "strict_order keeps results in distance order; relaxed_order may "
							 "return later matches slightly out of order; off stops after one search.",
							 &hnsw_iterative_scan, HNSW_ITERATIVE_STRICT,
							 hnsw_iterative_scan_options, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("hnsw.max_scan_tuples", "Max number of index elements an iterative scan visits",
							"The scan stops producing rows once it has visited this many elements.",
							&hnsw_max_scan_tuples, HNSW_DEFAULT_MAX_SCAN_TUPLES, 1, INT_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("hnsw.scan_mem_multiplier",
							"Memory an iterative scan may use, as a multiple of work_mem",
							"The scan stops producing rows once its memory reaches this.",
							&hnsw_scan_mem_multiplier, 1, 1, 1000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("hnsw");
}

static bytea *
hnswoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"m", RELOPT_TYPE_INT, offsetof(HnswOptions, m)},
		{"ef_construction", RELOPT_TYPE_INT, offsetof(HnswOptions, ef_construction)},
	};

	return (bytea *) build_reloptions(reloptions, validate, hnsw_relopt_kind,
									  sizeof(HnswOptions), tab, lengthof(tab));
}

int
HnswGetM(Relation index)
{
	HnswOptions *opts = (HnswOptions *) index->rd_options;

	return opts ? opts->m : HNSW_DEFAULT_M;
}

int
HnswGetEfConstruction(Relation index)
{
	HnswOptions *opts = (HnswOptions *) index->rd_options;

	return opts ? opts->ef_construction : HNSW_DEFAULT_EF_CONSTRUCTION;
}

/* Highest level whose node item still fits on one page */
int
HnswMaxLevel(int m)
{
	Size		room = BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - sizeof(ItemIdData) -
		MAXALIGN(sizeof(HnswPageOpaqueData));
	int			level = 0;

	while (level < HNSW_MAX_LEVEL && MAXALIGN(HNSW_NODE_SIZE(m, level + 1)) <= room)
		level++;
	return level;
}

/*
 * The operator class decides the metric: support function 1 is the distance
 * the graph is built on, support function 2 (cosine only) normalizes.
 */
const HnswInfo *
HnswGetInfo(Relation index)
{
	if (index->rd_amcache == NULL)
	{
		HnswInfo   *info = (HnswInfo *) MemoryContextAllocZero(index->rd_indexcxt, sizeof(HnswInfo));
		VectorIndexGetMetric(index, "hnsw", &info->vm);
		info->storage = VectorIndexStorage(&info->vm);
		info->vwords = (int) vectordb::simd::StoredWords(info->storage, Max(info->vm.dims, 0));
		/* sparse records: only the non-zeros, however many dimensions */
		if (info->vm.input == VECTOR_INDEX_SPARSEVEC && !info->vm.is_bit)
		{
			info->storage = vectordb::simd::Storage::kSparse;
			info->vwords = (int) vectordb::simd::SparseRecordWords(SPARSEVEC_MAX_NNZ);
		}
		info->m = HnswGetM(index);
		info->ef_construction = HnswGetEfConstruction(index);
		info->max_level = HnswMaxLevel(info->m);
		index->rd_amcache = info;
	}
	return (const HnswInfo *) index->rd_amcache;
}

/*
 * The index serves only ORDER BY distance; the whole search happens before
 * the first row, so startup cost is the search and each further row is cheap.
 */
static void
hnswcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				 Cost *indexStartupCost, Cost *indexTotalCost,
				 Selectivity *indexSelectivity, double *indexCorrelation,
				 double *indexPages)
{
	GenericCosts costs;
	double		tuples = path->indexinfo->tuples;
	int			m;
	double		words;
	double		visited;
	double		pages;

	/* Without ORDER BY distance, or when every row is wanted (a full sort,
	 * which an approximate scan bounded by hnsw.max_scan_tuples cannot
	 * promise), the index is not a candidate */
	if (path->indexorderbys == NIL || !VectorIndexWantsFirstRows(root))
	{
		*indexStartupCost = get_float8_infinity();
		*indexTotalCost = get_float8_infinity();
		*indexSelectivity = 0;
		*indexCorrelation = 0;
		*indexPages = 0;
		return;
	}

	{
		Relation	index = index_open(path->indexinfo->indexoid, NoLock);

		const HnswInfo *info = HnswGetInfo(index);

		m = info->m;
		words = Max(1, info->vwords);
		/* a sparse record's length varies: the index's words per row */
		if (info->storage == vectordb::simd::Storage::kSparse)
			words = Min(words, Max(3.0, (double) path->indexinfo->pages *
								   HNSW_WORDS_PER_PAGE / Max(tuples, 1.0)));
		index_close(index, NoLock);
	}

	/*
	 * A search expands about ef_search nodes per layer-0 round and computes a
	 * distance for each of their up to 2m neighbours.  Each distance reads
	 * the share of a page its stored vector takes, nearly always from shared
	 * buffers, and costs like words/32 operators (a seq scan's distance is
	 * charged one operator, so this errs towards the seq scan).
	 */
	visited = Min(tuples, (double) hnsw_ef_search * 2 * m * 1.5 + std::log(Max(tuples, 2.0)) * m);
	pages = visited * Min(1.0, words * sizeof(uint32) / BLCKSZ) + visited / (2 * m);

	MemSet(&costs, 0, sizeof(costs));
	costs.numIndexTuples = visited;
	genericcostestimate(root, path, loop_count, &costs);

	*indexStartupCost = pages * seq_page_cost * 0.25 +
		visited * (cpu_index_tuple_cost + cpu_operator_cost * Max(1.0, words / 32.0));
	*indexTotalCost = *indexStartupCost;
	*indexSelectivity = costs.indexSelectivity;
	*indexCorrelation = 0;
	*indexPages = pages;
}

static bool
hnswvalidate(Oid opclassoid)
{
	return true;
}

static char *
hnswbuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return (char *) "initializing";
		case 2:
			return (char *) "loading tuples into the graph";
		case 3:
			return (char *) "writing index pages";
		case 4:
			return (char *) "inserting remaining tuples on disk";
		default:
			return NULL;
	}
}

VDB_FUNCTION(hnswhandler)
{
	IndexAmRoutine *amroutine = makeNode(IndexAmRoutine);

	amroutine->amstrategies = 0;
	amroutine->amsupport = 2;
	amroutine->amoptsprocnum = 0;
	amroutine->amcanorder = false;
	amroutine->amcanorderbyop = true;
	amroutine->amcanbackward = false;
	amroutine->amcanunique = false;
	amroutine->amcanmulticol = false;
	amroutine->amoptionalkey = true;
	amroutine->amsearcharray = false;
	amroutine->amsearchnulls = false;
	amroutine->amstorage = false;
	amroutine->amclusterable = false;
	amroutine->ampredlocks = false;
	amroutine->amcanparallel = false;
	amroutine->amcaninclude = false;
	amroutine->amusemaintenanceworkmem = false;
	amroutine->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	amroutine->amkeytype = InvalidOid;

	amroutine->ambuild = hnswbuild;
	amroutine->ambuildempty = hnswbuildempty;
	amroutine->aminsert = hnswinsert;
	amroutine->ambulkdelete = hnswbulkdelete;
	amroutine->amvacuumcleanup = hnswvacuumcleanup;
	amroutine->amcanreturn = NULL;
	amroutine->amcostestimate = hnswcostestimate;
	amroutine->amoptions = hnswoptions;
	amroutine->amproperty = NULL;
	amroutine->ambuildphasename = hnswbuildphasename;
	amroutine->amvalidate = hnswvalidate;
	amroutine->amadjustmembers = NULL;
	amroutine->ambeginscan = hnswbeginscan;
	amroutine->amrescan = hnswrescan;
	amroutine->amgettuple = hnswgettuple;
	amroutine->amgetbitmap = NULL;
	amroutine->amendscan = hnswendscan;
	amroutine->ammarkpos = NULL;
	amroutine->amrestrpos = NULL;
	amroutine->amestimateparallelscan = NULL;
	amroutine->aminitparallelscan = NULL;
	amroutine->amparallelrescan = NULL;

	PG_RETURN_POINTER(amroutine);
}

/*-------------------------------------------------------------------------
 *
 * ivf.cpp
 *		IVF access method handler: options, GUCs and cost estimates.
 *
 * IDENTIFICATION
 *		src/ivf/ivf.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "ivf/ivf.h"

#include <algorithm>
#include <cmath>

extern "C"
{
#include "access/reloptions.h"
#include "commands/progress.h"
#include "commands/vacuum.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/selfuncs.h"
}

int			ivf_probes = IVF_DEFAULT_PROBES;
int			ivf_iterative_scan = IVF_ITERATIVE_RELAXED;
int			ivf_max_probes = IVF_MAX_LISTS;
int			ivf_rerank = 100;
int			ivf_scan_mem_multiplier = 1;

static relopt_kind ivf_relopt_kind;

static relopt_enum_elt_def ivf_quantizer_options[] = {
	{"flat", (int) vectordb::ivf::Quantizer::kFlat},
	{"sq8", (int) vectordb::ivf::Quantizer::kSq8},
	{"pq", (int) vectordb::ivf::Quantizer::kPq},
	{(const char *) NULL}
};

static const struct config_enum_entry ivf_iterative_scan_options[] = {
	{"off", IVF_ITERATIVE_OFF, false},
	{"relaxed_order", IVF_ITERATIVE_RELAXED, false},
	{NULL, 0, false}
};

void
IvfInitGucs(void)
{
	ivf_relopt_kind = add_reloption_kind();
	add_int_reloption(ivf_relopt_kind, "lists", "Number of inverted lists",
					  IVF_DEFAULT_LISTS, 1, IVF_MAX_LISTS, AccessExclusiveLock);
	add_enum_reloption(ivf_relopt_kind, "quantizer", "How list entries store vectors",
					   ivf_quantizer_options, (int) vectordb::ivf::Quantizer::kFlat,
					   "Valid values are \"flat\", \"sq8\" and \"pq\".", AccessExclusiveLock);
	add_int_reloption(ivf_relopt_kind, "subquantizers",
					  "Number of PQ sub-quantizers (code bytes per vector); 0 picks dims/16",
					  0, 0, IVF_MAX_PQ_M, AccessExclusiveLock);

	DefineCustomIntVariable("ivf.probes", "Number of lists an index scan probes",
							"Higher values find closer neighbours at the cost of speed.",
							&ivf_probes, IVF_DEFAULT_PROBES, 1, IVF_MAX_LISTS,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("ivf.iterative_scan", "Whether index scans probe more lists when rows run out",
							 "relaxed_order probes further lists, up to ivf.max_probes, until the "
							 "query has its rows; off stops after ivf.probes lists.",
							 &ivf_iterative_scan, IVF_ITERATIVE_RELAXED,
							 ivf_iterative_scan_options, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ivf.max_probes", "Max number of lists an iterative scan probes",
							NULL, &ivf_max_probes, IVF_MAX_LISTS, 1, IVF_MAX_LISTS,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ivf.rerank", "Number of quantized candidates re-ranked at a time",
							"sq8 and pq indexes compare this many best approximate candidates "
							"by their exact distance, read from the table, before returning any.",
							&ivf_rerank, 100, 1, 100000, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ivf.scan_mem_multiplier",
							"Memory an iterative scan may use, as a multiple of work_mem",
							"The scan probes no further lists once its candidates take this much.",
							&ivf_scan_mem_multiplier, 1, 1, 1000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("ivf");
}

static bytea *
ivfoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"lists", RELOPT_TYPE_INT, offsetof(IvfOptions, lists)},
		{"quantizer", RELOPT_TYPE_ENUM, offsetof(IvfOptions, quantizer)},
		{"subquantizers", RELOPT_TYPE_INT, offsetof(IvfOptions, subquantizers)},
	};

	return (bytea *) build_reloptions(reloptions, validate, ivf_relopt_kind,
									  sizeof(IvfOptions), tab, lengthof(tab));
}

int
IvfGetLists(Relation index)
{
	IvfOptions *opts = (IvfOptions *) index->rd_options;

	return opts ? opts->lists : IVF_DEFAULT_LISTS;
}

vectordb::ivf::Quantizer
IvfGetQuantizer(Relation index)
{
	IvfOptions *opts = (IvfOptions *) index->rd_options;

	return opts ? (vectordb::ivf::Quantizer) opts->quantizer : vectordb::ivf::Quantizer::kFlat;
}

/* The option, or the divisor of dims nearest below dims/16 (16-float sub-vectors) */
int
IvfGetSubquantizers(Relation index, int dims)
{
	IvfOptions *opts = (IvfOptions *) index->rd_options;
	int			m;

	if (opts && opts->subquantizers > 0)
		return opts->subquantizers;
	m = Max(1, (dims + 15) / 16);
	while (dims % m != 0)
		m--;
	return m;
}

const char *
IvfQuantizerName(vectordb::ivf::Quantizer quantizer)
{
	for (int i = 0; ivf_quantizer_options[i].string_val; i++)
		if (ivf_quantizer_options[i].symbol_val == (int) quantizer)
			return ivf_quantizer_options[i].string_val;
	return "unknown";
}

/*
 * Like hnsw, the index serves only ORDER BY distance with a LIMIT.  The scan
 * measures every centroid, then every entry of ivf.probes lists, before the
 * first row; sq8 and pq also fetch ivf.rerank rows from the table.
 */
static void
ivfcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				Cost *indexStartupCost, Cost *indexTotalCost,
				Selectivity *indexSelectivity, double *indexCorrelation,
				double *indexPages)
{
	GenericCosts costs;
	double		tuples = path->indexinfo->tuples;
	double		index_pages = path->indexinfo->pages;
	int			lists;
	int			dims;
	vectordb::ivf::Quantizer quantizer;
	double		fraction;
	double		entries;
	double		code_cost;
	double		rerank = 0;

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

		lists = IvfGetLists(index);
		quantizer = IvfGetQuantizer(index);
		dims = Max(1, TupleDescAttr(index->rd_att, 0)->atttypmod);
		index_close(index, NoLock);
	}

	fraction = Min(1.0, (double) ivf_probes / lists);
	entries = tuples * fraction;
	/* a flat distance costs like dims/32 operators; codes are cheaper */
	code_cost = cpu_operator_cost * Max(1.0, dims / 32.0);
	if (quantizer != vectordb::ivf::Quantizer::kFlat)
	{
		code_cost /= 4;
		rerank = Min(entries, (double) ivf_rerank);
	}

	MemSet(&costs, 0, sizeof(costs));
	costs.numIndexTuples = entries;
	genericcostestimate(root, path, loop_count, &costs);

	*indexStartupCost = index_pages * fraction * seq_page_cost +
		lists * cpu_operator_cost * Max(1.0, dims / 32.0) +
		entries * (cpu_index_tuple_cost + code_cost) +
		rerank * (random_page_cost * 0.1 + cpu_tuple_cost + cpu_operator_cost * Max(1.0, dims / 32.0));
	*indexTotalCost = *indexStartupCost;
	*indexSelectivity = costs.indexSelectivity;
	*indexCorrelation = 0;
	*indexPages = index_pages * fraction;
}

static bool
ivfvalidate(Oid opclassoid)
{
	return true;
}

static char *
ivfbuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return (char *) "initializing";
		case 2:
			return (char *) "sampling rows";
		case 3:
			return (char *) "training centroids and codebooks";
		case 4:
			return (char *) "assigning and writing entries";
		default:
			return NULL;
	}
}

VDB_FUNCTION(ivfhandler)
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

	amroutine->ambuild = ivfbuild;
	amroutine->ambuildempty = ivfbuildempty;
	amroutine->aminsert = ivfinsert;
	amroutine->ambulkdelete = ivfbulkdelete;
	amroutine->amvacuumcleanup = ivfvacuumcleanup;
	amroutine->amcanreturn = NULL;
	amroutine->amcostestimate = ivfcostestimate;
	amroutine->amoptions = ivfoptions;
	amroutine->amproperty = NULL;
	amroutine->ambuildphasename = ivfbuildphasename;
	amroutine->amvalidate = ivfvalidate;
	amroutine->amadjustmembers = NULL;
	amroutine->ambeginscan = ivfbeginscan;
	amroutine->amrescan = ivfrescan;
	amroutine->amgettuple = ivfgettuple;
	amroutine->amgetbitmap = NULL;
	amroutine->amendscan = ivfendscan;
	amroutine->ammarkpos = NULL;
	amroutine->amrestrpos = NULL;
	amroutine->amestimateparallelscan = NULL;
	amroutine->aminitparallelscan = NULL;
	amroutine->amparallelrescan = NULL;

	PG_RETURN_POINTER(amroutine);
}

/*-------------------------------------------------------------------------
 *
 * ivf_scan.cpp
 *		Index scans: probe the nearest lists, return entries nearest first.
 *
 * The first call measures the query against every centroid and orders the
 * lists.  Each probe reads ivf.probes more lists, page by page under a
 * share lock, and pushes every entry with its distance onto one min-heap,
 * so candidates from all probed lists come out merged in distance order.
 * flat entries hold the vector, so their distance is exact.  sq8 and pq
 * distances are approximate: the scan pops ivf.rerank candidates at a time,
 * measures each against the row's vector read from the table (rows not
 * visible to the scan's snapshot are dropped there), and returns that batch
 * in exact order.  When the heap runs dry and ivf.iterative_scan is on, the
 * next lists are probed, up to ivf.max_probes, so filtered queries still
 * get their LIMIT rows.
 *
 * No pin is held between calls: the scan copies TIDs out of each page.
 * That is safe for MVCC snapshots (see src/ivf/README.md, "Vacuum").
 *
 * IDENTIFICATION
 *		src/ivf/ivf_scan.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "ivf/ivf.h"
#include "pg/index_stats.h"

#include <algorithm>
#include <cmath>

extern "C"
{
#include "access/relscan.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/rel.h"
}

typedef struct IvfCandidate
{
	float		distance;		/* internal distance */
	ItemPointerData tid;
} IvfCandidate;

typedef struct IvfScanOpaqueData
{
	const IvfState *st;
	MemoryContext cxt;			/* everything below; reset by rescan */
	bool		started;
	bool		null_query;		/* ORDER BY NULL: every row, distance NULL */
	bool		unordered;		/* no usable query: every row, unordered */
	float	   *query;
	float	   *scratch;
	vectordb::ivf::QueryTable table;
	float	   *table_space;

	int		   *order;			/* lists, nearest centroid first */
	int			probed;			/* lists of order[] probed so far */

	IvfCandidate *heap;			/* min-heap on distance */
	int			heap_count;
	int			heap_cap;
	IvfCandidate *ready;		/* re-ranked, ascending; returned in order */
	int			ready_cap;
	int			ready_count;
	int			ready_pos;

	/* reading rows for re-ranking */
	IndexFetchTableData *fetch;
	TupleTableSlot *slot;
	EState	   *estate;
	IndexInfo  *index_info;

	/* for vectordb_index_stats: centroid, code and re-rank distances */
	int64		distances;
	int64		returned;
} IvfScanOpaqueData;

typedef IvfScanOpaqueData *IvfScanOpaque;

static bool
CandidateAfter(const IvfCandidate &a, const IvfCandidate &b)
{
	return a.distance > b.distance;
}

static void
HeapPush(IvfScanOpaque so, float distance, ItemPointer tid)
{
	if (so->heap_count == so->heap_cap)
	{
		so->heap_cap *= 2;
		so->heap = (IvfCandidate *) repalloc_huge(so->heap, sizeof(IvfCandidate) * so->heap_cap);
	}
	so->heap[so->heap_count].distance = distance;
	so->heap[so->heap_count].tid = *tid;
	so->heap_count++;
	std::push_heap(so->heap, so->heap + so->heap_count, CandidateAfter);
}

static IvfCandidate
HeapPop(IvfScanOpaque so)
{
	std::pop_heap(so->heap, so->heap + so->heap_count, CandidateAfter);
	return so->heap[--so->heap_count];
}

/* Pushes every entry of one list with its distance to the query */
static void
ProbeList(IndexScanDesc scan, int list)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	const IvfState *st = so->st;
	IvfListData listdata;
	BlockNumber blkno;

	IvfListWalk walk = {list, 0, 0};

	IvfReadList(scan->indexRelation, st, list, &listdata);
	for (blkno = listdata.head; blkno != InvalidBlockNumber;)
	{
		Buffer		buf;
		Page		page;
		OffsetNumber maxoff;

		CHECK_FOR_INTERRUPTS();
		IvfListWalkStep(scan->indexRelation, &walk);
		buf = ReadBuffer(scan->indexRelation, blkno);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		IvfCheckPage(scan->indexRelation, page, blkno, IVF_PAGE_LIST);
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off = OffsetNumberNext(off))
		{
			IvfEntry	entry = IvfGetEntry(scan->indexRelation, st, page, off);
			double		distance = 0.0;

			if (!so->unordered)
			{
				distance = vectordb::ivf::CodeDistance(st->codec, so->table, so->query, entry->code);
				so->distances++;
			}
			HeapPush(so, (float) distance, &entry->heaptid);
		}
		blkno = IvfPageGetOpaque(page)->nextblk;
		UnlockReleaseBuffer(buf);
	}
}

/* Probes up to count more lists; false when none are left */
static bool
ProbeMore(IndexScanDesc scan, int count)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	int			limit = so->st->lists;
	int			start = so->probed;

	if (!so->unordered && so->probed > 0)
	{
		if (ivf_iterative_scan == IVF_ITERATIVE_OFF ||
			VectorIndexScanMemoryFull(so->cxt, ivf_scan_mem_multiplier))
			return false;
		limit = Min(limit, Max(ivf_probes, ivf_max_probes));
	}
	for (; so->probed < limit && so->probed - start < count; so->probed++)
		ProbeList(scan, so->order[so->probed]);
	return so->probed > start;
}

/* Orders the lists by centroid distance, nearest first */
static void
OrderLists(IvfScanOpaque so)
{
	const IvfState *st = so->st;
	const int	dims = st->vm.dims;
	const int	lists = st->lists;
	float	   *distances = (float *) palloc(sizeof(float) * lists);

	so->order = (int *) palloc(sizeof(int) * lists);
	for (int i = 0; i < lists; i++)
	{
		so->order[i] = i;
		distances[i] = so->unordered ? 0.0f :
			(float) vectordb::simd::PartialDistance(st->codec.metric, so->query,
													st->centroids + (Size) i * dims, dims);
	}
	std::stable_sort(so->order, so->order + lists,
					 [distances](int a, int b) { return distances[a] < distances[b]; });
	pfree(distances);
	if (!so->unordered)
		so->distances += lists;
}

/* Exact distance of a candidate from its row; false when the scan's
 * snapshot cannot see the row */
static bool
ExactDistance(IndexScanDesc scan, ItemPointer tid, double *distance)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	const IvfState *st = so->st;
	ItemPointerData t = *tid;
	bool		call_again = false;
	bool		all_dead = false;
	ExprContext *econtext;
	Datum		values[INDEX_MAX_KEYS];
	bool		isnull[INDEX_MAX_KEYS];
	bool		ok = false;

	if (!table_index_fetch_tuple(so->fetch, &t, scan->xs_snapshot, so->slot,
								 &call_again, &all_dead))
		return false;
	econtext = GetPerTupleExprContext(so->estate);
	ResetExprContext(econtext);
	econtext->ecxt_scantuple = so->slot;
	FormIndexDatum(so->index_info, so->slot, so->estate, values, isnull);
	if (!isnull[0] && VectorIndexPrepare(&st->vm, values[0], so->scratch))
	{
		*distance = vectordb::simd::PartialDistance(st->codec.metric, so->query, so->scratch,
													st->vm.dims);
		so->distances++;
		ok = true;
	}
	ExecClearTuple(so->slot);
	return ok;
}

/*
 * Pops the next ivf.rerank candidates and orders them by exact distance.
 * An index whose codebook saw no rows (built on an empty table) has
 * meaningless codes: every candidate is re-ranked.
 */
static void
Rerank(IndexScanDesc scan)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	int			want = so->st->untrained ? so->heap_count : Min(ivf_rerank, so->heap_count);

	if (so->fetch == NULL)
	{
		so->fetch = table_index_fetch_begin(scan->heapRelation);
		so->slot = table_slot_create(scan->heapRelation, NULL);
		so->estate = CreateExecutorState();
		so->index_info = BuildIndexInfo(scan->indexRelation);
	}
	/* ivf.rerank may change between fetches of a cursor */
	if (so->ready == NULL || so->ready_cap < want)
	{
		if (so->ready != NULL)
			pfree(so->ready);
		so->ready_cap = Max(want, 1);
		so->ready = (IvfCandidate *) palloc_extended(sizeof(IvfCandidate) * so->ready_cap,
													 MCXT_ALLOC_HUGE);
	}
	so->ready_count = 0;
	so->ready_pos = 0;
	for (int i = 0; i < want; i++)
	{
		IvfCandidate c = HeapPop(so);
		double		exact;

		CHECK_FOR_INTERRUPTS();
		if (!ExactDistance(scan, &c.tid, &exact))
			continue;
		c.distance = (float) exact;
		so->ready[so->ready_count++] = c;
	}
	std::stable_sort(so->ready, so->ready + so->ready_count,
					 [](const IvfCandidate &a, const IvfCandidate &b) { return a.distance < b.distance; });
}

static void
Start(IndexScanDesc scan)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;

	pgstat_count_index_scan(scan->indexRelation);
	so->heap_cap = 1024;
	so->heap = (IvfCandidate *) palloc(sizeof(IvfCandidate) * so->heap_cap);
	OrderLists(so);
	/* Without a query order means nothing: every list is read, one at a
	 * time, so memory stays within one list's entries */
	ProbeMore(scan, so->unordered ? 1 : ivf_probes);
	so->started = true;
}

IndexScanDesc
ivfbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	IvfScanOpaque so = (IvfScanOpaque) palloc0(sizeof(IvfScanOpaqueData));

	so->st = IvfGetState(index);
	so->cxt = AllocSetContextCreate(CurrentMemoryContext, "ivf scan", ALLOCSET_DEFAULT_SIZES);
	scan->opaque = so;
	scan->xs_orderbyvals = (Datum *) palloc0(sizeof(Datum) * Max(norderbys, 1));
	scan->xs_orderbynulls = (bool *) palloc(sizeof(bool) * Max(norderbys, 1));
	return scan;
}

/* The end of one query: its counts go to vectordb_index_stats */
static void
ReportScan(IndexScanDesc scan)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;

	if (so->started)
		IndexStatsScanDone(scan->indexRelation, so->distances, so->returned);
	so->distances = so->returned = 0;
}

static void
ReleaseFetch(IvfScanOpaque so)
{
	if (so->fetch != NULL)
	{
		table_index_fetch_end(so->fetch);
		ExecDropSingleTupleTableSlot(so->slot);
		FreeExecutorState(so->estate);
		so->fetch = NULL;
	}
}

void
ivfrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	const IvfState *st = so->st;
	MemoryContext old;

	ReportScan(scan);
	ReleaseFetch(so);
	MemoryContextReset(so->cxt);
	so->started = false;
	so->probed = 0;
	so->heap_count = 0;
	so->ready = NULL;
	so->ready_cap = so->ready_count = so->ready_pos = 0;

	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));

	old = MemoryContextSwitchTo(so->cxt);
	so->query = (float *) palloc(sizeof(float) * st->vm.dims);
	so->scratch = (float *) palloc(sizeof(float) * st->vm.dims);
	so->null_query = scan->numberOfOrderBys == 0 ||
		(scan->orderByData[0].sk_flags & SK_ISNULL) != 0;
	so->unordered = so->null_query ||
		!VectorIndexPrepare(&st->vm, scan->orderByData[0].sk_argument, so->query);
	if (!so->unordered)
	{
		so->table_space = (float *) palloc_extended(
			sizeof(float) * Max((Size) 1, vectordb::ivf::QueryTableFloats(st->codec)),
			MCXT_ALLOC_HUGE);
		vectordb::ivf::PrepareQuery(st->codec, so->query, so->table_space, &so->table);
	}
	MemoryContextSwitchTo(old);
}

bool
ivfgettuple(IndexScanDesc scan, ScanDirection dir)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	const IvfState *st = so->st;
	MemoryContext old = MemoryContextSwitchTo(so->cxt);
	bool		exact = so->unordered || st->codec.quantizer == vectordb::ivf::Quantizer::kFlat ||
		scan->heapRelation == NULL;

	if (!so->started)
		Start(scan);

	for (;;)
	{
		IvfCandidate c;

		if (so->ready_pos < so->ready_count)
			c = so->ready[so->ready_pos++];
		else if (so->heap_count > 0 && exact)
			c = HeapPop(so);
		else if (so->heap_count > 0)
		{
			Rerank(scan);
			continue;
		}
		else if (ProbeMore(scan, so->unordered ? 1 : ivf_probes))
			continue;
		else
		{
			MemoryContextSwitchTo(old);
			return false;
		}

		scan->xs_heaptid = c.tid;
		scan->xs_recheck = false;
		scan->xs_recheckorderby = false;
		if (scan->numberOfOrderBys > 0)
		{
			scan->xs_orderbynulls[0] = so->null_query;
			if (so->null_query)
				scan->xs_orderbyvals[0] = (Datum) 0;
			else if (so->unordered)
				scan->xs_orderbyvals[0] = Float8GetDatum(get_float8_nan());
			else
				scan->xs_orderbyvals[0] =
					Float8GetDatum(VectorIndexReportedDistance(&st->vm, c.distance));
		}
		so->returned++;
		MemoryContextSwitchTo(old);
		return true;
	}
}

void
ivfendscan(IndexScanDesc scan)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;

	ReportScan(scan);
	ReleaseFetch(so);
	MemoryContextDelete(so->cxt);
	pfree(so);
	scan->opaque = NULL;
}

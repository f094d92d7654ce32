/*-------------------------------------------------------------------------
 *
 * hnsw_scan.cpp
 *		Index scans: ORDER BY distance, iterative for filtered queries.
 *
 * The first call descends the upper levels greedily, then runs a layer-0
 * round with window ef_search (going on from unvisited nodes if the walk
 * runs out before the window fills) and returns it nearest first.  When
 * the executor wants more (a WHERE clause rejected rows), further rounds go
 * on from the candidates already discovered, until hnsw.max_scan_tuples
 * elements have been visited.  strict_order drops what a later round finds
 * nearer than a row already returned; relaxed_order returns it anyway.
 *
 * Each row is re-checked as it is returned: its node is read under a share
 * lock and its distance recomputed, and the node's page stays pinned until
 * the next call, so VACUUM (which takes a cleanup lock to mark a node
 * deleted) cannot let the heap TID be recycled while the executor uses it.
 *
 * IDENTIFICATION
 *		src/hnsw/hnsw_scan.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"
#include "pg/index_stats.h"

extern "C"
{
#include "access/relscan.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/float.h"
#include "utils/memutils.h"
}

typedef struct HnswScanOpaqueData
{
	const HnswInfo *info;
	MemoryContext cxt;			/* reset on rescan */
	bool		started;
	bool		empty;			/* the index has no entry point */
	bool		valid_query;	/* false: NULL or zero-norm query */
	bool		null_query;
	BlockNumber walk_blk;		/* without a usable query: every live node, */
	OffsetNumber walk_off;		/* in page order */
	uint32	   *query;			/* stored form (HnswPrepareStored) */
	HnswBufferCache buffers;
	HnswSearch	search;
	HnswCandidate *results;		/* this round's window, nearest first */
	int			nresults;
	int			next;
	bool		have_last;
	double		last_distance;	/* of the last row returned */
	Buffer		pinned;			/* node page of the last row returned */
	bool		reseeded;		/* the entry point was offered again */
	BlockNumber seed_blk;		/* where the search for unvisited nodes */
	OffsetNumber seed_off;		/* goes on */
	int64		checked;		/* distances recomputed for returned rows */
	int64		returned;		/* rows returned */
} HnswScanOpaqueData;

typedef HnswScanOpaqueData *HnswScanOpaque;

IndexScanDesc
hnswbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	HnswScanOpaque so = (HnswScanOpaque) palloc0(sizeof(HnswScanOpaqueData));

	so->info = HnswGetInfo(index);
	so->cxt = AllocSetContextCreate(CurrentMemoryContext, "hnsw scan", ALLOCSET_DEFAULT_SIZES);
	so->pinned = InvalidBuffer;
	scan->opaque = so;
	scan->xs_orderbyvals = (Datum *) palloc0(sizeof(Datum) * Max(norderbys, 1));
	scan->xs_orderbynulls = (bool *) palloc(sizeof(bool) * Max(norderbys, 1));
	return scan;
}

static void
ReleaseScanState(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	if (so->started || so->returned > 0)
		IndexStatsScanDone(scan->indexRelation,
						   (so->started && !so->empty ? so->search.distances + 1 : 0) + so->checked,
						   so->returned);
	so->search.distances = 0;
	so->checked = so->returned = 0;
	so->reseeded = false;
	so->seed_blk = 1;
	so->seed_off = FirstOffsetNumber;
	if (BufferIsValid(so->pinned))
	{
		ReleaseBuffer(so->pinned);
		so->pinned = InvalidBuffer;
	}
	HnswBufferCacheRelease(&so->buffers);
	MemSet(&so->buffers, 0, sizeof(so->buffers));
	MemoryContextReset(so->cxt);
	so->started = false;
	so->empty = false;
	so->results = NULL;
	so->nresults = so->next = 0;
	so->have_last = false;
}

void
hnswrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	MemoryContext old;

	ReleaseScanState(scan);
	if (keys && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));

	old = MemoryContextSwitchTo(so->cxt);
	so->null_query = scan->numberOfOrderBys == 0 ||
		(scan->orderByData[0].sk_flags & SK_ISNULL);
	so->query = so->null_query ? NULL :
		HnswPrepareStored(so->info, scan->orderByData[0].sk_argument);
	so->valid_query = so->query != NULL;
	so->walk_blk = 1;
	so->walk_off = FirstOffsetNumber;
	MemoryContextSwitchTo(old);
}

/* Descends to layer 0 and prepares the search there */
static bool
StartSearch(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	HnswMetaPageData meta;
	HnswCandidate current;

	so->started = true;
	HnswReadMeta(scan->indexRelation, &meta);
	if (!ItemPointerIsValid(&meta.entry))
		return false;
	HnswBufferCacheInit(&so->buffers);
	HnswSearchInit(&so->search, scan->indexRelation, so->info, &so->buffers, so->query);
	current.ref.node = meta.entry;
	current.ref.vblk = meta.entry_vblk;
	current.ref.voff = meta.entry_voff;
	current.distance = HnswVectorDistance(scan->indexRelation, so->info, &so->buffers, so->query,
										  current.ref.vblk, current.ref.voff);
	for (int l = meta.entry_level; l > 0; l--)
		HnswSearchGreedy(&so->search, l, &current);
	HnswSearchEnter(&so->search, &current.ref, 0);
	return true;
}

/*
 * A scan that has expanded every node it can reach while its window is not
 * full, or while the executor still wants rows (a filter rejected them),
 * goes on from a node it has not visited: first the entry point, from
 * which VACUUM keeps every node reachable, then, between VACUUMs, any
 * unvisited live node in page order.  Links are directed, and churn can
 * leave a region a search that landed in it cannot leave.  False when
 * every node was visited.
 */
static bool
Reseed(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	Relation	index = scan->indexRelation;
	BlockNumber nblocks;

	if (!so->reseeded)
	{
		HnswMetaPageData meta;

		so->reseeded = true;
		HnswReadMeta(index, &meta);
		if (ItemPointerIsValid(&meta.entry) &&
			!HnswVisitedContains(&so->search.visited, HnswTidKey(&meta.entry)))
		{
			HnswRef		entry;

			entry.node = meta.entry;
			entry.vblk = meta.entry_vblk;
			entry.voff = meta.entry_voff;
			HnswSearchEnter(&so->search, &entry, 0);
			return true;
		}
	}
	nblocks = RelationGetNumberOfBlocks(index);
	for (; so->seed_blk < nblocks; so->seed_blk++, so->seed_off = FirstOffsetNumber)
	{
		Buffer		buf = ReadBuffer(index, so->seed_blk);
		Page		page;
		HnswRef		seed;
		bool		found = false;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (HnswIsNodePage(page))
			for (; !found && so->seed_off <= PageGetMaxOffsetNumber(page); so->seed_off++)
			{
				HnswNode	node = HnswGetNode(index, page, so->seed_off);
				ItemPointerData tid;

				ItemPointerSet(&tid, so->seed_blk, so->seed_off);
				if (node->state != HNSW_NODE_LIVE ||
					HnswVisitedContains(&so->search.visited, HnswTidKey(&tid)))
					continue;
				HnswNodeRef(node, &tid, &seed);
				found = true;
			}
		UnlockReleaseBuffer(buf);
		if (found)
		{
			HnswSearchEnter(&so->search, &seed, 0);
			return true;
		}
	}
	return false;
}

/* Runs a round and takes its window, nearest first; false when none left */
static bool
NextRound(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	HnswSearch *search = &so->search;
	int			n;

	if (so->results != NULL)
	{
		/* A further round: only when iterating, and within the budget */
		if (hnsw_iterative_scan == HNSW_ITERATIVE_OFF ||
			search->distances >= hnsw_max_scan_tuples ||
			VectorIndexScanMemoryFull(so->cxt, hnsw_scan_mem_multiplier))
			return false;
		pfree(so->results);
		so->results = NULL;
		if (search->expand.count == 0 && search->pending.count == 0 && !Reseed(scan))
			return false;
	}
	HnswSearchRound(search, hnsw_ef_search);

	/*
	 * Links are directed: the nodes a walk from where the descent landed
	 * reaches can be fewer than ef_search (a small table, or a cluster few
	 * links lead out of).  The round then goes on from unvisited nodes, in
	 * the same window, so its rows stay in order and a window larger than
	 * the table returns every row.
	 */
	while (search->window.count < hnsw_ef_search && search->expand.count == 0 &&
		   search->distances < hnsw_max_scan_tuples && Reseed(scan))
		HnswSearchRound(search, hnsw_ef_search);
	n = search->window.count;
	so->results = (HnswCandidate *) palloc(sizeof(HnswCandidate) * Max(n, 1));
	for (int i = n - 1; i >= 0; i--)
		so->results[i] = HnswHeapPop(&search->window);
	so->nresults = n;
	so->next = 0;
	return n > 0;
}

/*
 * Re-reads a candidate's node under a share lock, keeping its page pinned:
 * true if it is a live row, with its heap TID and exact distance.
 */
static bool
CheckCandidate(IndexScanDesc scan, const HnswCandidate *c, ItemPointer heaptid, double *distance)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	Buffer		buf = ReadBuffer(scan->indexRelation, ItemPointerGetBlockNumber(&c->ref.node));
	HnswNode	node;
	bool		live;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	node = HnswGetNode(scan->indexRelation, BufferGetPage(buf), ItemPointerGetOffsetNumber(&c->ref.node));
	live = node->state == HNSW_NODE_LIVE;
	if (live)
	{
		*heaptid = node->heaptid;
		so->checked++;
		*distance = HnswVectorDistance(scan->indexRelation, so->info, &so->buffers, so->query,
									   BlockIdGetBlockNumber(&node->vblk), node->voff);
	}
	LockBuffer(buf, BUFFER_LOCK_UNLOCK);
	if (!live)
	{
		ReleaseBuffer(buf);
		return false;
	}
	so->pinned = buf;
	return true;
}

/*
 * A NULL query, or a zero vector under cosine, has no distance to order by
 * (the operator gives NULL or NaN); as a sequential scan would, return
 * every indexed row, in page order.
 */
static bool
WalkNext(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	Relation	index = scan->indexRelation;
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);

	for (; so->walk_blk < nblocks; so->walk_blk++, so->walk_off = FirstOffsetNumber)
	{
		Buffer		buf = ReadBuffer(index, so->walk_blk);
		Page		page;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (HnswIsNodePage(page))
		{
			for (; so->walk_off <= PageGetMaxOffsetNumber(page); so->walk_off++)
			{
				HnswNode	node = HnswGetNode(index, page, so->walk_off);

				if (node->state != HNSW_NODE_LIVE)
					continue;
				scan->xs_heaptid = node->heaptid;
				so->walk_off++;
				LockBuffer(buf, BUFFER_LOCK_UNLOCK);
				so->pinned = buf;	/* as for ordered rows: no TID recycling */
				so->returned++;
				scan->xs_recheck = false;
				scan->xs_recheckorderby = false;
				scan->xs_orderbynulls[0] = so->null_query;
				scan->xs_orderbyvals[0] = so->null_query ? (Datum) 0 : Float8GetDatum(get_float8_nan());
				return true;
			}
		}
		UnlockReleaseBuffer(buf);
	}
	return false;
}

bool
hnswgettuple(IndexScanDesc scan, ScanDirection dir)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	MemoryContext old;
	bool		found = false;

	if (BufferIsValid(so->pinned))
	{
		ReleaseBuffer(so->pinned);
		so->pinned = InvalidBuffer;
	}
	if (!so->valid_query)
		return WalkNext(scan);
	if (so->empty)
		return false;

	old = MemoryContextSwitchTo(so->cxt);
	if (!so->started)
	{
		pgstat_count_index_scan(scan->indexRelation);
		if (!StartSearch(scan))
		{
			so->empty = true;
			MemoryContextSwitchTo(old);
			return false;
		}
	}

	while (!found)
	{
		HnswCandidate c;
		ItemPointerData heaptid;
		double		distance;

		if (so->results == NULL || so->next >= so->nresults)
		{
			if (!NextRound(scan))
				break;
		}
		c = so->results[so->next++];
		CHECK_FOR_INTERRUPTS();
		if (!CheckCandidate(scan, &c, &heaptid, &distance))
			continue;
		if (hnsw_iterative_scan == HNSW_ITERATIVE_STRICT && so->have_last &&
			distance < so->last_distance)
		{
			/* Found by a later round but nearer than a row already returned */
			ReleaseBuffer(so->pinned);
			so->pinned = InvalidBuffer;
			continue;
		}
		so->have_last = true;
		so->last_distance = distance;
		scan->xs_heaptid = heaptid;
		scan->xs_recheck = false;
		scan->xs_recheckorderby = false;
		scan->xs_orderbyvals[0] = Float8GetDatum(VectorIndexReportedDistance(&so->info->vm, distance));
		scan->xs_orderbynulls[0] = false;
		so->returned++;
		found = true;
	}
	MemoryContextSwitchTo(old);
	return found;
}

void
hnswendscan(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	ReleaseScanState(scan);
	MemoryContextDelete(so->cxt);
	pfree(so);
	scan->opaque = NULL;
}

/*-------------------------------------------------------------------------
 *
 * hnsw_vacuum.cpp
 *		VACUUM for hnsw: mark, repair, free.
 *
 * 1. Mark: every node whose heap TID is dead becomes DELETED, under a
 *    cleanup lock on its page (so no scan still holds that row's page pin).
 *    DELETED nodes are still traversed but never returned.
 * 2. Barrier: take the update lock exclusively once, so every insert that
 *    might have chosen a now-deleted node as a neighbor has finished; later
 *    inserts see the marks and never link to them.  Replace the entry point
 *    if it was deleted.
 * 3. Repair: every list that points at a deleted node drops it and takes
 *    the best of the deleted node's own neighbors instead (heuristic); each
 *    node newly linked to is offered the link back.  Then every live node
 *    that a walk from the entry point through level-0 lists no longer
 *    reaches gets a link from its nearest reachable node.
 * 4. Free: after a second barrier, deleted nodes are pushed on the free
 *    list (linked through the heap TID field; their lists stay walkable),
 *    where an insert reuses the node item and its vector space.  A crash
 *    part way through leaves some deleted nodes, whose lists may now point
 *    at freed nodes: repair never takes a replacement from such a list
 *    without checking it is live, and the next VACUUM frees them.
 *
 * Cleanup counts the live nodes; after a VACUUM that deleted nothing it
 * runs step 3's reconnect pass, which counts them on the way.
 *
 * IDENTIFICATION
 *		src/hnsw/hnsw_vacuum.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

extern "C"
{
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
}

typedef struct DeletedSet
{
	HnswVisited keys;			/* TID keys of deleted nodes */
	ItemPointerData *tids;
	int			count;
	int			capacity;
} DeletedSet;

static void
DeletedAdd(DeletedSet *set, ItemPointer tid)
{
	if (!HnswVisitedAdd(&set->keys, HnswTidKey(tid)))
		return;
	if (set->count == set->capacity)
	{
		set->capacity *= 2;
		set->tids = (ItemPointerData *) repalloc_huge(set->tids, sizeof(ItemPointerData) * set->capacity);
	}
	set->tids[set->count++] = *tid;
}

static bool
DeletedContains(const DeletedSet *set, ItemPointer tid)
{
	return HnswVisitedContains(&set->keys, HnswTidKey(tid));
}

/* Phase 1: marks nodes of dead rows; collects all deleted nodes and the
 * highest live node (an entry point candidate) */
static void
MarkDeleted(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			IndexBulkDeleteCallback callback, void *callback_state,
			DeletedSet *deleted, HnswRef *best, int *best_level)
{
	Relation	index = info->index;
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);

	for (BlockNumber blk = 1; blk < nblocks; blk++)
	{
		Buffer		buf;
		Page		page;
		OffsetNumber maxoff;
		GenericXLogState *state = NULL;

		vacuum_delay_point();
		buf = ReadBufferExtended(index, MAIN_FORKNUM, blk, RBM_NORMAL, info->strategy);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (!HnswIsNodePage(page))
		{
			UnlockReleaseBuffer(buf);
			continue;
		}
		LockBuffer(buf, BUFFER_LOCK_UNLOCK);
		LockBufferForCleanup(buf);
		page = BufferGetPage(buf);
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			HnswNode	node = HnswGetNode(index, page, off);
			ItemPointerData tid;

			ItemPointerSet(&tid, blk, off);
			if (node->state == HNSW_NODE_LIVE && callback(&node->heaptid, callback_state))
			{
				if (state == NULL)
				{
					state = GenericXLogStart(index);
					page = GenericXLogRegisterBuffer(state, buf, 0);
					node = HnswGetNode(index, page, off);
				}
				node->state = HNSW_NODE_DELETED;
				stats->tuples_removed++;
			}
			if (node->state == HNSW_NODE_DELETED)
				DeletedAdd(deleted, &tid);
			else if (node->state == HNSW_NODE_LIVE && node->level > *best_level)
			{
				*best_level = node->level;
				HnswNodeRef(node, &tid, best);
			}
		}
		if (state)
			GenericXLogFinish(state);
		UnlockReleaseBuffer(buf);
	}
}

/* Phase 2 (entry point): a deleted entry is replaced by the highest live node */
static void
ReplaceEntry(Relation index, DeletedSet *deleted, const HnswRef *best, int best_level)
{
	Buffer		metabuf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
	HnswMetaPage meta;

	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	meta = HnswPageGetMeta(BufferGetPage(metabuf));
	if (ItemPointerIsValid(&meta->entry) && DeletedContains(deleted, &meta->entry))
	{
		GenericXLogState *state = GenericXLogStart(index);

		meta = HnswPageGetMeta(GenericXLogRegisterBuffer(state, metabuf, 0));
		if (best_level >= 0)
		{
			meta->entry = best->node;
			meta->entry_level = best_level;
			meta->entry_vblk = best->vblk;
			meta->entry_voff = best->voff;
		}
		else
		{
			ItemPointerSetInvalid(&meta->entry);
			meta->entry_level = -1;
			meta->entry_vblk = InvalidBlockNumber;
			meta->entry_voff = 0;
		}
		GenericXLogFinish(state);
	}
	UnlockReleaseBuffer(metabuf);
}

/*
 * Phase 3: repairs one list of target that points at deleted nodes: the
 * deleted nodes' own neighbors are the replacements (heuristic).  Links are
 * repaired both ways: each node target now points at anew, whose list has
 * room, is offered a link back.  Without that, a node whose incoming links all came from deleted
 * nodes stays unreachable, and under steady update and delete churn the
 * graph falls apart into islands a search cannot leave.
 */
static void
RepairList(Relation index, const HnswInfo *info, HnswBufferCache *cache,
		   DeletedSet *deleted, const HnswRef *target, int level,
		   const HnswRef *list, int count)
{
	HnswRef    *second = (HnswRef *) palloc(sizeof(HnswRef) * 2 * info->m);
	HnswCandidate *additions = (HnswCandidate *) palloc(sizeof(HnswCandidate) * 4 * info->m * info->m + 1);
	ItemPointerData *removed = (ItemPointerData *) palloc(sizeof(ItemPointerData) * count);
	int			nadditions = 0;
	int			nremoved = 0;
	int			capacity = 4 * info->m * info->m;
	/* the target's vector as stored: what distances on pages take */
	uint32	   *self = HnswCopyStored(index, info, cache, target->vblk, target->voff);
	HnswRef    *written = (HnswRef *) palloc(sizeof(HnswRef) * 2 * info->m);
	int			nwritten;

	for (int i = 0; i < count; i++)
	{
		int			state;
		int			n;

		if (!DeletedContains(deleted, (ItemPointer) &list[i].node))
			continue;
		removed[nremoved++] = list[i].node;
		n = HnswReadList(index, &list[i], level, second, &state);
		for (int j = 0; j < n && nadditions < capacity; j++)
		{
			/* the list of a node deleted by an interrupted VACUUM can
			 * point at nodes that VACUUM freed, or that rows reused since */
			if (DeletedContains(deleted, &second[j].node) ||
				ItemPointerEquals(&second[j].node, (ItemPointer) &target->node) ||
				!HnswNodeLiveAt(index, &second[j], level))
				continue;
			additions[nadditions].ref = second[j];
			additions[nadditions].distance = HnswVectorDistance(index, info, cache, self,
																second[j].vblk, second[j].voff);
			nadditions++;
		}
	}
	nwritten = HnswUpdateList(index, info, cache, target, level, additions, nadditions,
							  removed, nremoved, written);
	for (int i = 0; i < nwritten; i++)
		for (int j = 0; j < nadditions; j++)
		{
			HnswCandidate back;
			int			state;

			if (!ItemPointerEquals(&written[i].node, &additions[j].ref.node))
				continue;
			/* only into a free slot: a full list would choose again and
			 * could drop other links, losing recall (orphans left over are
			 * relinked after the repair) */
			if (HnswReadList(index, &written[i], level, second, &state) <
				(level == 0 ? 2 * info->m : info->m))
			{
				back.ref = *target;
				back.distance = additions[j].distance;
				HnswUpdateList(index, info, cache, &written[i], level, &back, 1,
							   removed, nremoved, NULL);
			}
			break;
		}
	pfree(written);
	pfree(second);
	pfree(additions);
	pfree(removed);
	pfree(self);
}

static void
RepairGraph(IndexVacuumInfo *vinfo, DeletedSet *deleted)
{
	Relation	index = vinfo->index;
	const HnswInfo *info = HnswGetInfo(index);
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	HnswRef    *list = (HnswRef *) palloc(sizeof(HnswRef) * 2 * info->m);
	HnswBufferCache cache;
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "hnsw repair", ALLOCSET_DEFAULT_SIZES);

	HnswBufferCacheInit(&cache);
	for (BlockNumber blk = 1; blk < nblocks; blk++)
	{
		Buffer		buf;
		Page		page;
		OffsetNumber maxoff;

		vacuum_delay_point();
		buf = ReadBufferExtended(index, MAIN_FORKNUM, blk, RBM_NORMAL, vinfo->strategy);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (!HnswIsNodePage(page))
		{
			UnlockReleaseBuffer(buf);
			continue;
		}
		maxoff = PageGetMaxOffsetNumber(page);
		LockBuffer(buf, BUFFER_LOCK_UNLOCK);

		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			HnswRef		target;
			int			level;
			bool		live;

			LockBuffer(buf, BUFFER_LOCK_SHARE);
			{
				HnswNode	node = HnswGetNode(index, BufferGetPage(buf), off);
				ItemPointerData tid;

				ItemPointerSet(&tid, blk, off);
				live = node->state == HNSW_NODE_LIVE;
				level = node->level;
				HnswNodeRef(node, &tid, &target);
			}
			LockBuffer(buf, BUFFER_LOCK_UNLOCK);
			if (!live)
				continue;

			for (int l = 0; l <= level; l++)
			{
				int			state;
				int			n = HnswReadList(index, &target, l, list, &state);
				bool		needs_repair = false;

				for (int i = 0; i < n && !needs_repair; i++)
					needs_repair = DeletedContains(deleted, &list[i].node);
				if (needs_repair)
				{
					MemoryContext old = MemoryContextSwitchTo(cxt);

					RepairList(index, info, &cache, deleted, &target, l, list, n);
					MemoryContextSwitchTo(old);
					MemoryContextReset(cxt);
				}
			}
		}
		ReleaseBuffer(buf);
		/* Keep the pins bounded on big indexes */
		if ((blk & 255) == 0)
			HnswBufferCacheRelease(&cache);
	}
	HnswBufferCacheRelease(&cache);
	MemoryContextDelete(cxt);
	pfree(list);
}

/*
 * Phase 3b: every live node must be reachable from the entry point through
 * level-0 lists of live nodes, or searches miss it.  Deletes and the
 * heuristic's pruning can cut a node off, or a whole cluster whose links
 * to the rest all went through deleted nodes.  A breadth-first walk from
 * the entry point finds what is cut off; each such node gets a link from
 * its nearest reachable node (a free slot if one of them has one, else in
 * place of a neighbor that other lists also point at, so nobody loses its
 * last incoming link), the link back if its own list has room, and then
 * whatever it reaches counts as reachable too.  Returns how many nodes
 * were relinked; *nlive_out (may be NULL) gets how many nodes are live.
 */
typedef struct LiveNode
{
	uint64		key;			/* HnswTidKey; hash key */
	bool		live;			/* a live node, not only linked to */
	bool		reached;
	int32		indegree;		/* level-0 lists of live nodes pointing here */
} LiveNode;

typedef struct Reachability
{
	Relation	index;
	const HnswInfo *info;
	HTAB	   *nodes;
	HnswRef    *queue;
	int64		queue_cap;
} Reachability;

static LiveNode *
FindLive(Reachability *r, ItemPointer tid, bool create)
{
	uint64		key = HnswTidKey(tid);
	bool		found;
	LiveNode   *n = (LiveNode *) hash_search(r->nodes, &key, create ? HASH_ENTER : HASH_FIND, &found);

	if (create && !found)
	{
		n->live = n->reached = false;
		n->indegree = 0;
	}
	return n;
}

/*
 * Marks everything reachable from start through live nodes' level-0 lists.
 * Upper-level links do not count: a node only they lead to is often missed
 * by searches for it (the pgbench soak, test 016, found 7 of 4,705 rows
 * missing after VACUUM when they counted), and level 0 is where a search
 * spends its window.
 */
static void
Reach(Reachability *r, const HnswRef *start)
{
	HnswRef    *list = (HnswRef *) palloc(sizeof(HnswRef) * 2 * r->info->m);
	int64		head = 0;
	int64		tail = 0;
	LiveNode   *s = FindLive(r, (ItemPointer) &start->node, false);

	if (s == NULL || !s->live || s->reached)
		return;
	s->reached = true;
	r->queue[tail++] = *start;
	while (head < tail)
	{
		int			state;
		int			n = HnswReadList(r->index, &r->queue[head++], 0, list, &state);

		vacuum_delay_point();
		for (int i = 0; i < n; i++)
		{
			LiveNode   *t = FindLive(r, &list[i].node, false);

			if (t == NULL || !t->live || t->reached)
				continue;
			t->reached = true;
			r->queue[tail++] = list[i];
		}
	}
	pfree(list);
}

/* Links reachable node from to orphan, in a free slot or else in place of
 * the neighbor with the most other incoming links; false if neither */
static bool
LinkFrom(Reachability *r, HnswBufferCache *cache, const HnswCandidate *from, const HnswRef *orphan)
{
	const HnswInfo *info = r->info;
	HnswRef    *list = (HnswRef *) palloc(sizeof(HnswRef) * 2 * info->m);
	HnswRef    *written = (HnswRef *) palloc(sizeof(HnswRef) * 2 * info->m);
	HnswCandidate add;
	ItemPointerData victim;
	int			state;
	int			n = HnswReadList(r->index, &from->ref, 0, list, &state);
	int			nremoved = 0;
	LiveNode   *v = NULL;
	bool		linked = false;

	if (n >= 2 * info->m)
	{
		for (int i = 0; i < n; i++)
		{
			LiveNode   *t = FindLive(r, &list[i].node, false);

			if (t != NULL && t->indegree >= 2 && (v == NULL || t->indegree > v->indegree))
			{
				v = t;
				victim = list[i].node;
			}
		}
		if (v == NULL)
			return false;
		nremoved = 1;
	}
	add.ref = *orphan;
	add.distance = from->distance;
	/* one out, one in: the list fits without the heuristic choosing */
	n = HnswUpdateList(r->index, info, cache, &from->ref, 0, &add, 1, &victim, nremoved, written);
	for (int i = 0; i < n; i++)
		linked |= ItemPointerEquals(&written[i].node, (ItemPointer) &orphan->node);
	if (linked && v != NULL)
		v->indegree--;
	pfree(list);
	pfree(written);
	return linked;
}

/*
 * Lists the live nodes (into *live, *nlive of them), counts each node's
 * incoming level-0 links, and marks what a walk from the entry point
 * reaches.  False, with nothing marked, when there is no live node or no
 * live entry point.  Allocates in the current memory context.
 */
static bool
ReachFromEntry(Relation index, BufferAccessStrategy strategy, Reachability *r,
			   HnswRef **live_out, int64 *nlive_out)
{
	const HnswInfo *info = HnswGetInfo(index);
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	HnswMetaPageData meta;
	HASHCTL		ctl;
	HnswRef    *live;
	int64		nlive = 0;
	int64		live_cap = 1024;

	HnswReadMeta(index, &meta);
	ctl.keysize = sizeof(uint64);
	ctl.entrysize = sizeof(LiveNode);
	ctl.hcxt = CurrentMemoryContext;
	r->index = index;
	r->info = info;
	r->nodes = hash_create("hnsw live nodes", 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	live = (HnswRef *) palloc(sizeof(HnswRef) * live_cap);

	/* The live nodes, and how many level-0 lists point at each node */
	for (BlockNumber blk = 1; blk < nblocks; blk++)
	{
		Buffer		buf;
		Page		page;

		vacuum_delay_point();
		buf = ReadBufferExtended(index, MAIN_FORKNUM, blk, RBM_NORMAL, strategy);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (HnswIsNodePage(page))
			for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
			{
				HnswNode	node = HnswGetNode(index, page, off);
				ItemPointerData tid;
				int			slots;
				HnswNeighbor *list;

				if (node->state != HNSW_NODE_LIVE)
					continue;
				ItemPointerSet(&tid, blk, off);
				FindLive(r, &tid, true)->live = true;
				if (nlive == live_cap)
				{
					live_cap *= 2;
					live = (HnswRef *) repalloc_huge(live, sizeof(HnswRef) * live_cap);
				}
				HnswNodeRef(node, &tid, &live[nlive++]);
				list = HnswNodeList(node, info->m, 0, &slots);
				for (int s = 0; s < slots; s++)
				{
					HnswRef		ref;

					if (HnswNeighborIsEmpty(&list[s]))
						continue;
					HnswGetNeighbor(&list[s], &ref);
					FindLive(r, &ref.node, true)->indegree++;
				}
			}
		UnlockReleaseBuffer(buf);
	}
	*live_out = live;
	*nlive_out = nlive;
	/* An entry point that is not live (a VACUUM interrupted before it
	 * replaced it) reaches nothing live: the next VACUUM that deletes rows
	 * replaces it and finishes the job */
	if (nlive == 0 || !ItemPointerIsValid(&meta.entry))
		return false;
	{
		LiveNode   *e = FindLive(r, &meta.entry, false);

		if (e == NULL || !e->live)
			return false;
	}

	r->queue_cap = nlive;
	r->queue = (HnswRef *) palloc_extended(sizeof(HnswRef) * nlive, MCXT_ALLOC_HUGE);
	{
		HnswRef		entry;

		entry.node = meta.entry;
		entry.vblk = meta.entry_vblk;
		entry.voff = meta.entry_voff;
		Reach(r, &entry);
	}
	return true;
}

/*
 * How many live nodes a walk through level-0 lists from the entry point
 * does not reach: none right after a build or a VACUUM that could relink
 * them; inserts since can leave some (vectordb_index_stats reports it).
 */
int64
HnswUnreachable(Relation index)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "hnsw reachability", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Reachability r;
	HnswRef    *live;
	int64		nlive;
	int64		unreached = 0;

	/* without a live entry point nothing is marked, and all count */
	(void) ReachFromEntry(index, NULL, &r, &live, &nlive);
	for (int64 i = 0; i < nlive; i++)
		unreached += !FindLive(&r, &live[i].node, false)->reached;
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return unreached;
}

static int
Reconnect(IndexVacuumInfo *vinfo, int64 *nlive_out)
{
	Relation	index = vinfo->index;
	const HnswInfo *info = HnswGetInfo(index);
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "hnsw reconnect", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Reachability r;
	HnswRef    *live;
	int64		nlive;
	int			relinked = 0;
	HnswBufferCache cache;
	HnswCandidate *near = (HnswCandidate *) palloc(sizeof(HnswCandidate) * (info->ef_construction + 1));
	bool		reached = ReachFromEntry(index, vinfo->strategy, &r, &live, &nlive);

	if (nlive_out != NULL)
		*nlive_out = nlive;
	if (!reached)
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		return 0;
	}

	HnswBufferCacheInit(&cache);
	for (int64 i = 0; i < nlive; i++)
	{
		LiveNode   *u = FindLive(&r, &live[i].node, false);
		int			nnear;
		bool		linked = false;
		uint32	   *stored;

		if (u->reached)
			continue;
		vacuum_delay_point();
		stored = HnswCopyStored(index, info, &cache, live[i].vblk, live[i].voff);
		nnear = HnswFindNeighbors(index, info, &cache, stored, 0, near);
		pfree(stored);
		for (int j = 0; j < nnear && !linked; j++)
		{
			LiveNode   *t = FindLive(&r, &near[j].ref.node, false);

			if (t != NULL && t->reached)
				linked = LinkFrom(&r, &cache, &near[j], &live[i]);
			if (linked)
			{
				/* and back, where the orphan's list has room */
				HnswRef    *list = (HnswRef *) palloc(sizeof(HnswRef) * 2 * info->m);
				int			state;

				if (HnswReadList(index, &live[i], 0, list, &state) < 2 * info->m)
					HnswUpdateList(index, info, &cache, &live[i], 0, &near[j], 1, NULL, 0, NULL);
				pfree(list);
			}
		}
		if (!linked)
			continue;
		u->indegree++;
		relinked++;
		Reach(&r, &live[i]);
		if ((relinked & 255) == 0)
			HnswBufferCacheRelease(&cache);
	}
	HnswBufferCacheRelease(&cache);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return relinked;
}

/* Phase 4: deleted nodes become free, page by page */
static void
FreeDeleted(Relation index, DeletedSet *deleted)
{
	int			i = 0;

	while (i < deleted->count)
	{
		BlockNumber blk = ItemPointerGetBlockNumber(&deleted->tids[i]);
		Buffer		metabuf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
		Buffer		buf;
		GenericXLogState *state;
		HnswMetaPage meta;
		Page		page;

		LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
		buf = ReadBuffer(index, blk);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		state = GenericXLogStart(index);
		meta = HnswPageGetMeta(GenericXLogRegisterBuffer(state, metabuf, 0));
		page = GenericXLogRegisterBuffer(state, buf, 0);
		for (; i < deleted->count && ItemPointerGetBlockNumber(&deleted->tids[i]) == blk; i++)
		{
			HnswNode	node = HnswGetNode(index, page, ItemPointerGetOffsetNumber(&deleted->tids[i]));
			if (node->state != HNSW_NODE_DELETED)
				continue;
			/* The lists stay: a scan that reached this node before it was
			 * freed can still walk through it until an insert reuses it */
			node->state = HNSW_NODE_FREE;
			node->heaptid = meta->free_head;	/* free list link */
			meta->free_head = deleted->tids[i];
		}
		GenericXLogFinish(state);
		UnlockReleaseBuffer(buf);
		UnlockReleaseBuffer(metabuf);
	}
}

IndexBulkDeleteResult *
hnswbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			   IndexBulkDeleteCallback callback, void *callback_state)
{
	Relation	index = info->index;
	DeletedSet	deleted;
	HnswRef		best;
	int			best_level = -1;

	if (stats == NULL)
		stats = (IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));

	HnswVisitedInit(&deleted.keys, 1024);
	deleted.capacity = 1024;
	deleted.count = 0;
	deleted.tids = (ItemPointerData *) palloc(sizeof(ItemPointerData) * deleted.capacity);

	MarkDeleted(info, stats, callback, callback_state, &deleted, &best, &best_level);
	if (deleted.count > 0)
	{
		/* Wait out inserts that may have linked to a node before its mark */
		LockPage(index, HNSW_UPDATE_LOCK, ExclusiveLock);
		UnlockPage(index, HNSW_UPDATE_LOCK, ExclusiveLock);

		ReplaceEntry(index, &deleted, &best, best_level);
		RepairGraph(info, &deleted);
		Reconnect(info, NULL);

		/* Inserts that started from the old entry point finish first */
		LockPage(index, HNSW_UPDATE_LOCK, ExclusiveLock);
		UnlockPage(index, HNSW_UPDATE_LOCK, ExclusiveLock);

		FreeDeleted(index, &deleted);
	}
	stats->num_pages = RelationGetNumberOfBlocks(index);
	return stats;
}

IndexBulkDeleteResult *
hnswvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	Relation	index = info->index;
	BlockNumber nblocks;
	double		live = 0;

	if (info->analyze_only)
		return stats;

	/*
	 * A VACUUM that found nothing to delete did not run the repair, and
	 * inserts since the last one may have left nodes unreachable (every
	 * neighbor's heuristic turned them down, or a later insert's choice
	 * dropped their last incoming link): reconnect them here, so that after
	 * any VACUUM, an insert-only table's autovacuum included, every live
	 * node is reachable from the entry point.  Its pass counts the live
	 * nodes too.
	 */
	if (stats == NULL)
	{
		int64		nlive = 0;

		stats = (IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));
		Reconnect(info, &nlive);
		stats->num_pages = RelationGetNumberOfBlocks(index);
		stats->num_index_tuples = (double) nlive;
		stats->estimated_count = false;
		return stats;
	}

	nblocks = RelationGetNumberOfBlocks(index);
	for (BlockNumber blk = 1; blk < nblocks; blk++)
	{
		Buffer		buf;
		Page		page;

		vacuum_delay_point();
		buf = ReadBufferExtended(index, MAIN_FORKNUM, blk, RBM_NORMAL, info->strategy);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (HnswIsNodePage(page))
			for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
				if (HnswGetNode(index, page, off)->state == HNSW_NODE_LIVE)
					live++;
		UnlockReleaseBuffer(buf);
	}
	stats->num_pages = nblocks;
	stats->num_index_tuples = live;
	stats->estimated_count = false;
	return stats;
}

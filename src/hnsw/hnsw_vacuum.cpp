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
 *    no level-0 list points at any more gets a link from its nearest nodes.
 * 4. Free: after a second barrier, deleted nodes are pushed on the free
 *    list (linked through the heap TID field; their lists stay walkable),
 *    where an insert reuses the node item and its vector space.
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
	float	   *self = (float *) palloc(sizeof(float) * info->vm.dims);
	HnswRef    *written = (HnswRef *) palloc(sizeof(HnswRef) * 2 * info->m);
	int			nwritten;

	HnswLoadVector(index, info, cache, target->vblk, target->voff, self);
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
			if (DeletedContains(deleted, &second[j].node) ||
				ItemPointerEquals(&second[j].node, (ItemPointer) &target->node))
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
 * Phase 3b: a live node that no live node's level-0 list points at any
 * more (its last in-links went to deleted nodes, or the heuristic pruned
 * them) is reachable by no search: it gets a link from its nearest nodes.
 * Returns how many such nodes there were.
 */
static int
RelinkOrphans(IndexVacuumInfo *vinfo)
{
	Relation	index = vinfo->index;
	const HnswInfo *info = HnswGetInfo(index);
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	HnswMetaPageData meta;
	HnswVisited linked;
	HnswRef    *orphans;
	int			norphans = 0;
	int			capacity = 64;
	HnswBufferCache cache;
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "hnsw relink", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);

	HnswReadMeta(index, &meta);
	HnswVisitedInit(&linked, 1024);
	orphans = (HnswRef *) palloc(sizeof(HnswRef) * capacity);

	/* Two passes over the node pages: what is linked to, then who is not */
	for (int pass = 0; pass < 2; pass++)
	{
		for (BlockNumber blk = 1; blk < nblocks; blk++)
		{
			Buffer		buf;
			Page		page;

			vacuum_delay_point();
			buf = ReadBufferExtended(index, MAIN_FORKNUM, blk, RBM_NORMAL, vinfo->strategy);
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
					if (pass == 1)
					{
						if (HnswVisitedContains(&linked, HnswTidKey(&tid)) ||
							ItemPointerEquals(&tid, &meta.entry))
							continue;
						if (norphans == capacity)
						{
							capacity *= 2;
							orphans = (HnswRef *) repalloc_huge(orphans, sizeof(HnswRef) * capacity);
						}
						HnswNodeRef(node, &tid, &orphans[norphans++]);
						continue;
					}
					list = HnswNodeList(node, info->m, 0, &slots);
					for (int s = 0; s < slots; s++)
					{
						HnswRef		ref;

						if (HnswNeighborIsEmpty(&list[s]))
							continue;
						HnswGetNeighbor(&list[s], &ref);
						HnswVisitedAdd(&linked, HnswTidKey(&ref.node));
					}
				}
			UnlockReleaseBuffer(buf);
		}
	}

	HnswBufferCacheInit(&cache);
	for (int i = 0; i < norphans; i++)
	{
		vacuum_delay_point();
		HnswLinkOrphan(index, info, &cache, &orphans[i]);
	}
	HnswBufferCacheRelease(&cache);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return norphans;
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
		RelinkOrphans(info);

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
	if (stats == NULL)
		stats = (IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));

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

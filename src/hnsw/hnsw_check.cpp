/*-------------------------------------------------------------------------
 *
 * hnsw_check.cpp
 *		The hnsw walker of vectordb_index_check(regclass): visits every page
 *		and node and reports each structural problem.
 *
 * IDENTIFICATION
 *		src/hnsw/hnsw_check.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"
#include "pg/index_check.h"

extern "C"
{
#include "miscadmin.h"
#include "utils/rel.h"
}

/* The node at tid if it is a well-formed node item, else NULL (page kept
 * in *buf, share-locked, for the caller to release) */
static HnswNode
FetchNode(Relation index, const HnswInfo *info, ItemPointer tid, BlockNumber nblocks, Buffer *buf)
{
	BlockNumber blk = ItemPointerGetBlockNumberNoCheck(tid);
	OffsetNumber off = ItemPointerGetOffsetNumberNoCheck(tid);
	Page		page;

	*buf = InvalidBuffer;
	if (blk == 0 || blk >= nblocks)
		return NULL;
	*buf = ReadBuffer(index, blk);
	LockBuffer(*buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(*buf);
	if (!HnswNodeIsSane(page, off, info))
		return NULL;
	return (HnswNode) PageGetItem(page, PageGetItemId(page, off));
}

static bool
VectorRefValid(BlockNumber vblk, uint16 voff, const HnswInfo *info, BlockNumber nblocks)
{
	/* a sparse record's length is on its page: reading it checks it */
	int			words = info->storage == vectordb::simd::Storage::kSparse ? 1 : info->vwords;
	int			npages = HnswVectorPages(voff, words);

	return vblk != InvalidBlockNumber && vblk >= 1 && voff < HNSW_WORDS_PER_PAGE &&
		vblk + npages <= nblocks;
}

void
HnswCheckIndex(Relation index, IndexCheck *cs)
{
	const HnswInfo *info = HnswGetInfo(index);
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	HnswMetaPageData meta;
	int64		live = 0;
	int64		free_nodes = 0;

	if (nblocks == 0)
	{
		IndexCheckProblem(cs, "index has no metapage");
		return;
	}
	HnswReadMeta(index, &meta);
	if ((int) meta.dims != info->vm.dims || meta.m != info->m)
		IndexCheckProblem(cs, "metapage says dims %u, m %u; the index definition says %d, %d",
				meta.dims, meta.m, info->vm.dims, info->m);

	for (BlockNumber blk = 1; blk < nblocks; blk++)
	{
		Buffer		buf = ReadBuffer(index, blk);
		Page		page;
		HnswPageOpaque opaque;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		opaque = HnswPageGetOpaque(page);
		if (PageIsNew(page))
		{
			/* an extension interrupted by a crash leaves a zero page; harmless */
			UnlockReleaseBuffer(buf);
			continue;
		}
		if (opaque->page_id != HNSW_MAGIC ||
			(opaque->page_type != HNSW_PAGE_NODE && opaque->page_type != HNSW_PAGE_VECTOR))
		{
			IndexCheckProblem(cs, "block %u: not an hnsw node or vector page", blk);
			UnlockReleaseBuffer(buf);
			continue;
		}
		if (opaque->page_type == HNSW_PAGE_VECTOR)
		{
			UnlockReleaseBuffer(buf);
			continue;
		}

		for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
		{
			HnswNode	node;

			if (!HnswNodeIsSane(page, off, info))
			{
				IndexCheckProblem(cs, "node (%u,%u): bad item", blk, off);
				continue;
			}
			node = (HnswNode) PageGetItem(page, PageGetItemId(page, off));
			if (node->state != HNSW_NODE_LIVE && node->state != HNSW_NODE_DELETED &&
				node->state != HNSW_NODE_FREE)
			{
				IndexCheckProblem(cs, "node (%u,%u): unknown state %u", blk, off, node->state);
				continue;
			}
			if (!VectorRefValid(BlockIdGetBlockNumber(&node->vblk), node->voff, info, nblocks))
				IndexCheckProblem(cs, "node (%u,%u): vector reference (%u,%u) out of range", blk, off,
						BlockIdGetBlockNumber(&node->vblk), node->voff);
			if (node->state == HNSW_NODE_FREE)
			{
				free_nodes++;
				continue;
			}
			if (node->state == HNSW_NODE_LIVE)
			{
				live++;
				if (!IndexCheckHeapTid(cs, &node->heaptid))
					IndexCheckProblem(cs, "node (%u,%u): heap TID (%u,%u) is outside the table", blk, off,
									  ItemPointerGetBlockNumberNoCheck(&node->heaptid),
									  ItemPointerGetOffsetNumberNoCheck(&node->heaptid));
			}

			for (int l = 0; l <= node->level; l++)
			{
				int			slots;
				HnswNeighbor *list = HnswNodeList(node, info->m, l, &slots);

				for (int s = 0; s < slots; s++)
				{
					HnswRef		ref;
					Buffer		nbuf;
					HnswNode	neighbor;

					if (HnswNeighborIsEmpty(&list[s]))
						continue;
					HnswGetNeighbor(&list[s], &ref);
					if (ItemPointerGetBlockNumberNoCheck(&ref.node) == blk &&
						ItemPointerGetOffsetNumberNoCheck(&ref.node) == off)
					{
						IndexCheckProblem(cs, "node (%u,%u) level %d: links to itself", blk, off, l);
						continue;
					}
					/* A neighbor on this page is read under the lock we hold */
					nbuf = InvalidBuffer;
					if (ItemPointerGetBlockNumberNoCheck(&ref.node) != blk)
						neighbor = FetchNode(index, info, &ref.node, nblocks, &nbuf);
					else if (HnswNodeIsSane(page, ItemPointerGetOffsetNumberNoCheck(&ref.node), info))
						neighbor = (HnswNode) PageGetItem(page, PageGetItemId(page, ItemPointerGetOffsetNumberNoCheck(&ref.node)));
					else
						neighbor = NULL;
					if (neighbor == NULL)
						IndexCheckProblem(cs, "node (%u,%u) level %d: neighbor (%u,%u) is not a node",
								blk, off, l, ItemPointerGetBlockNumberNoCheck(&ref.node),
								ItemPointerGetOffsetNumberNoCheck(&ref.node));
					else if (node->state == HNSW_NODE_DELETED)
					{
						/*
						 * A VACUUM interrupted while it freed nodes leaves
						 * deleted nodes whose lists point at freed (or since
						 * reused) ones: deleted nodes' lists are never
						 * repaired, and repair takes only live nodes from
						 * them.  The next VACUUM frees these nodes too.
						 */
					}
					else if (neighbor->state == HNSW_NODE_FREE)
						IndexCheckProblem(cs, "node (%u,%u) level %d: neighbor (%u,%u) is a freed node",
								blk, off, l, ItemPointerGetBlockNumberNoCheck(&ref.node),
								ItemPointerGetOffsetNumberNoCheck(&ref.node));
					else if (BlockIdGetBlockNumber(&neighbor->vblk) != ref.vblk ||
							 neighbor->voff != ref.voff)
						IndexCheckProblem(cs, "node (%u,%u) level %d: neighbor (%u,%u) has a stale vector reference",
								blk, off, l, ItemPointerGetBlockNumberNoCheck(&ref.node),
								ItemPointerGetOffsetNumberNoCheck(&ref.node));
					else if (neighbor->level < l)
						IndexCheckProblem(cs, "node (%u,%u) level %d: neighbor (%u,%u) has only level %u",
								blk, off, l, ItemPointerGetBlockNumberNoCheck(&ref.node),
								ItemPointerGetOffsetNumberNoCheck(&ref.node), neighbor->level);
					if (BufferIsValid(nbuf))
						UnlockReleaseBuffer(nbuf);
				}
			}
		}
		UnlockReleaseBuffer(buf);
	}

	/* The entry point */
	if (ItemPointerIsValid(&meta.entry))
	{
		Buffer		buf;
		HnswNode	entry = FetchNode(index, info, &meta.entry, nblocks, &buf);

		if (entry == NULL)
			IndexCheckProblem(cs, "entry point (%u,%u) is not a node",
					ItemPointerGetBlockNumberNoCheck(&meta.entry),
					ItemPointerGetOffsetNumberNoCheck(&meta.entry));
		else if (entry->state == HNSW_NODE_FREE || entry->level != meta.entry_level ||
				 BlockIdGetBlockNumber(&entry->vblk) != meta.entry_vblk || entry->voff != meta.entry_voff)
			IndexCheckProblem(cs, "entry point (%u,%u) does not match its node",
					ItemPointerGetBlockNumberNoCheck(&meta.entry),
					ItemPointerGetOffsetNumberNoCheck(&meta.entry));
		if (BufferIsValid(buf))
			UnlockReleaseBuffer(buf);
	}
	else if (live > 0)
		IndexCheckProblem(cs, "index has " INT64_FORMAT " live nodes but no entry point", live);

	/* The free list: only free nodes, no cycle */
	{
		ItemPointerData tid = meta.free_head;
		int64		steps = 0;

		while (ItemPointerIsValid(&tid))
		{
			Buffer		buf;
			HnswNode	node = FetchNode(index, info, &tid, nblocks, &buf);
			ItemPointerData next;

			if (node == NULL || node->state != HNSW_NODE_FREE)
			{
				IndexCheckProblem(cs, "free list entry (%u,%u) is not a free node",
						ItemPointerGetBlockNumberNoCheck(&tid), ItemPointerGetOffsetNumberNoCheck(&tid));
				if (BufferIsValid(buf))
					UnlockReleaseBuffer(buf);
				break;
			}
			next = node->heaptid;
			UnlockReleaseBuffer(buf);
			if (++steps > free_nodes)
			{
				IndexCheckProblem(cs, "free list has a cycle");
				break;
			}
			tid = next;
		}
	}
}

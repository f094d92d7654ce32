/*-------------------------------------------------------------------------
 *
 * hnsw_stats.cpp
 *		The hnsw walker of vectordb_index_stats(regclass): node states,
 *		layers, how full the layer-0 neighbor lists are and how many
 *		nodes the entry point does not reach.
 *
 * One pass over the node pages under share locks, like a scan, then the
 * reachability walk VACUUM uses (HnswUnreachable); concurrent inserts may
 * or may not be counted.  Damaged items are skipped here and
 * reported by vectordb_index_check.
 *
 * IDENTIFICATION
 *		src/hnsw/hnsw_stats.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"
#include "pg/index_stats.h"

extern "C"
{
#include "miscadmin.h"
#include "utils/rel.h"
}

void
HnswIndexStats(Relation index, IndexStats *stats)
{
	const HnswInfo *info = HnswGetInfo(index);
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	HnswMetaPageData meta;
	int64		neighbors = 0;

	HnswReadMeta(index, &meta);
	stats->elements = stats->deleted = stats->free_slots = 0;
	stats->levels = ItemPointerIsValid(&meta.entry) ? meta.entry_level + 1 : 0;

	for (BlockNumber blk = 1; blk < nblocks; blk++)
	{
		Buffer		buf = ReadBuffer(index, blk);
		Page		page;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (!HnswIsNodePage(page))
		{
			UnlockReleaseBuffer(buf);
			continue;
		}
		for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
		{
			HnswNode	node;
			HnswNeighbor *list;
			int			slots;

			if (!HnswNodeIsSane(page, off, info))
				continue;
			node = (HnswNode) PageGetItem(page, PageGetItemId(page, off));
			if (node->state == HNSW_NODE_FREE)
			{
				stats->free_slots++;
				continue;
			}
			if (node->state == HNSW_NODE_DELETED)
			{
				stats->deleted++;
				continue;
			}
			if (node->state != HNSW_NODE_LIVE)
				continue;
			stats->elements++;
			list = HnswNodeList(node, info->m, 0, &slots);
			for (int s = 0; s < slots; s++)
				neighbors += !HnswNeighborIsEmpty(&list[s]);
		}
		UnlockReleaseBuffer(buf);
	}
	stats->avg_neighbors = stats->elements > 0 ? (double) neighbors / stats->elements : 0.0;
	stats->unreachable = HnswUnreachable(index);
}

/*-------------------------------------------------------------------------
 *
 * ivf_vacuum.cpp
 *		VACUUM for ivf: remove dead entries, compacting each page in place.
 *
 * Every list page is visited once under an exclusive lock; its dead
 * entries are deleted with PageIndexMultiDelete, which also closes the gap
 * they leave, in one generic WAL record per page.  The list's insert hint
 * then points at the first page with room, so inserts refill freed space
 * before extending the list.  Pages stay in their list: unlinking a page
 * could send a scan that already read the link into another list.  See
 * README.md.
 *
 * IDENTIFICATION
 *		src/ivf/ivf_vacuum.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "ivf/ivf.h"

extern "C"
{
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/indexfsm.h"
#include "utils/rel.h"
}

/* Walks every list; with a callback, deletes the entries it reports dead */
static void
WalkLists(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
		  IndexBulkDeleteCallback callback, void *callback_state)
{
	Relation	index = info->index;
	const IvfState *st = IvfGetState(index);

	for (int list = 0; list < st->lists; list++)
	{
		IvfListData listdata;
		BlockNumber blkno;
		BlockNumber first_room = InvalidBlockNumber;

		IvfListWalk walk = {list, 0, 0};

		IvfReadList(index, st, list, &listdata);
		for (blkno = listdata.head; blkno != InvalidBlockNumber;)
		{
			Buffer		buf;
			Page		page;
			OffsetNumber dead[MaxOffsetNumber];
			int			ndead = 0;
			OffsetNumber maxoff;

			vacuum_delay_point();
			IvfListWalkStep(index, &walk);
			buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL, info->strategy);
			LockBuffer(buf, callback ? BUFFER_LOCK_EXCLUSIVE : BUFFER_LOCK_SHARE);
			page = BufferGetPage(buf);
			IvfCheckPage(index, page, blkno, IVF_PAGE_LIST);
			maxoff = PageGetMaxOffsetNumber(page);
			for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off = OffsetNumberNext(off))
			{
				IvfEntry	entry = IvfGetEntry(index, st, page, off);

				if (callback && callback(&entry->heaptid, callback_state))
					dead[ndead++] = off;
				else
					stats->num_index_tuples++;
			}
			if (ndead > 0)
			{
				GenericXLogState *xlog = GenericXLogStart(index);

				page = GenericXLogRegisterBuffer(xlog, buf, 0);
				PageIndexMultiDelete(page, dead, ndead);
				GenericXLogFinish(xlog);
				stats->tuples_removed += ndead;
			}
			if (first_room == InvalidBlockNumber &&
				PageGetFreeSpace(BufferGetPage(buf)) >= st->entry_size)
				first_room = blkno;
			blkno = IvfPageGetOpaque(BufferGetPage(buf))->nextblk;
			UnlockReleaseBuffer(buf);
		}
		if (callback && first_room != InvalidBlockNumber && first_room != listdata.insert)
			IvfSetInsertHint(index, st, list, first_room, true);
	}
}

IndexBulkDeleteResult *
ivfbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			  IndexBulkDeleteCallback callback, void *callback_state)
{
	if (stats == NULL)
		stats = (IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));
	stats->num_index_tuples = 0;
	WalkLists(info, stats, callback, callback_state);
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	return stats;
}

IndexBulkDeleteResult *
ivfvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	if (info->analyze_only)
		return stats;
	/* Without a bulk delete pass (nothing to delete), count the entries */
	if (stats == NULL)
	{
		stats = (IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));
		WalkLists(info, stats, NULL, NULL);
	}
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	return stats;
}

/*-------------------------------------------------------------------------
 *
 * ivf_stats.cpp
 *		The ivf walker of vectordb_index_stats(regclass): the quantizer and
 *		how evenly the rows spread over the lists.
 *
 * Each list is walked under share locks, one page at a time, like a scan;
 * a list damaged badly enough to stop a scan stops this too (with the same
 * error), and vectordb_index_check says where.
 *
 * IDENTIFICATION
 *		src/ivf/ivf_stats.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "ivf/ivf.h"
#include "pg/index_stats.h"

extern "C"
{
#include "miscadmin.h"
#include "utils/rel.h"
}

/* Entries of one list */
static int64
ListSize(Relation index, const IvfState *state, int list)
{
	IvfListData listdata;
	IvfListWalk walk = {list, 0, 0};
	int64		entries = 0;

	IvfReadList(index, state, list, &listdata);
	for (BlockNumber blkno = listdata.head; blkno != InvalidBlockNumber;)
	{
		Buffer		buf;
		Page		page;

		CHECK_FOR_INTERRUPTS();
		IvfListWalkStep(index, &walk);
		buf = ReadBuffer(index, blkno);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		IvfCheckPage(index, page, blkno, IVF_PAGE_LIST);
		entries += PageGetMaxOffsetNumber(page);
		blkno = IvfPageGetOpaque(page)->nextblk;
		UnlockReleaseBuffer(buf);
	}
	return entries;
}

void
IvfIndexStats(Relation index, IndexStats *stats)
{
	const IvfState *state = IvfGetState(index);

	stats->lists = state->lists;
	stats->quantizer = IvfQuantizerName(state->codec.quantizer);
	stats->elements = 0;
	stats->min_list = stats->max_list = 0;
	for (int list = 0; list < state->lists; list++)
	{
		int64		n = ListSize(index, state, list);

		stats->elements += n;
		stats->min_list = list == 0 ? n : Min(stats->min_list, n);
		stats->max_list = Max(stats->max_list, n);
	}
	stats->avg_list = state->lists > 0 ? (double) stats->elements / state->lists : 0.0;
}

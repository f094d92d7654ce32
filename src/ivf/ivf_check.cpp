/*-------------------------------------------------------------------------
 *
 * ivf_check.cpp
 *		The ivf walker of vectordb_index_check(regclass): the metapage, the
 *		centroid and codebook streams, the directory, and every list's chain
 *		of pages and entries.
 *
 * It reads pages itself rather than through IvfGetState and the scan code,
 * which error out on damage: here damage is what is being looked for.
 *
 * IDENTIFICATION
 *		src/ivf/ivf_check.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "ivf/ivf.h"
#include "pg/index_check.h"

#include <cmath>

extern "C"
{
#include "miscadmin.h"
#include "utils/rel.h"
}

/* Pages a stream of n items, per_page to a page, takes */
static BlockNumber
StreamPages(Size n, Size per_page)
{
	return (BlockNumber) ((n + per_page - 1) / per_page);
}

/* What the walk knows about each block: which part of the index owns it */
typedef struct CheckWalk
{
	Relation	index;
	IndexCheck *check;
	BlockNumber nblocks;
	int		   *owner;			/* per block: -1 free, -2 fixed part, else list */
} CheckWalk;

#define OWNER_NONE	(-1)
#define OWNER_FIXED	(-2)

/* Claims the count blocks from start for a fixed part; false when any is
 * out of range or not of page_type */
static bool
CheckStream(CheckWalk *w, const char *what, BlockNumber start, BlockNumber count,
			uint16 page_type, bool finite_floats, Size nfloats)
{
	Size		done = 0;

	if (start == InvalidBlockNumber || start == 0 || start + count > w->nblocks || start + count < start)
	{
		IndexCheckProblem(w->check, "%s: blocks %u..%u are outside the index (%u blocks)",
						  what, start, start + count - 1, w->nblocks);
		return false;
	}
	for (BlockNumber blk = start; blk < start + count; blk++)
	{
		Buffer		buf = ReadBuffer(w->index, blk);
		Page		page;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (!IvfIsPage(page, page_type))
			IndexCheckProblem(w->check, "%s: block %u is not a %s page", what, blk, what);
		else if (finite_floats)
		{
			const float *x = (const float *) IvfPageData(page);
			Size		n = Min(nfloats - done, (Size) IVF_FLOATS_PER_PAGE);

			for (Size i = 0; i < n; i++)
				if (!std::isfinite(x[i]))
				{
					IndexCheckProblem(w->check, "%s: block %u holds a value that is not finite",
									  what, blk);
					break;
				}
			done += n;
		}
		if (w->owner[blk] != OWNER_NONE)
			IndexCheckProblem(w->check, "%s: block %u also belongs to another part of the index",
							  what, blk);
		w->owner[blk] = OWNER_FIXED;
		UnlockReleaseBuffer(buf);
	}
	return true;
}

/* Walks one list's chain from head; returns its entries */
static int64
CheckList(CheckWalk *w, const IvfMetaPageData *meta, int list, const IvfListData *slot)
{
	Size		entry_size = IVF_ENTRY_SIZE(meta->code_size);
	bool		flat = meta->quantizer == (uint32) vectordb::ivf::Quantizer::kFlat;
	bool		hint_seen = false;
	int64		entries = 0;

	if (slot->head == InvalidBlockNumber)
	{
		if (slot->insert != InvalidBlockNumber)
			IndexCheckProblem(w->check, "list %d: empty but its insert hint is block %u",
							  list, slot->insert);
		return 0;
	}
	for (BlockNumber blk = slot->head; blk != InvalidBlockNumber;)
	{
		Buffer		buf;
		Page		page;
		BlockNumber next;

		CHECK_FOR_INTERRUPTS();
		if (blk >= w->nblocks)
		{
			/* pages appended since the walk began are not checked */
			if (blk >= RelationGetNumberOfBlocks(w->index))
				IndexCheckProblem(w->check, "list %d: link to block %u, past the end of the index",
								  list, blk);
			break;
		}
		if (w->owner[blk] == list)
		{
			IndexCheckProblem(w->check, "list %d: its chain loops back to block %u", list, blk);
			break;
		}
		if (w->owner[blk] != OWNER_NONE)
		{
			IndexCheckProblem(w->check, "list %d: block %u also belongs to another part of the index",
							  list, blk);
			break;
		}
		w->owner[blk] = list;
		hint_seen |= blk == slot->insert;

		buf = ReadBuffer(w->index, blk);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (!IvfIsPage(page, IVF_PAGE_LIST))
		{
			IndexCheckProblem(w->check, "list %d: block %u is not a list page", list, blk);
			UnlockReleaseBuffer(buf);
			break;
		}
		for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
		{
			ItemId		iid = PageGetItemId(page, off);
			IvfEntry	entry;

			if (!ItemIdIsNormal(iid) || ItemIdGetLength(iid) != entry_size ||
				ItemIdGetOffset(iid) < SizeOfPageHeaderData ||
				ItemIdGetOffset(iid) + entry_size > ((PageHeader) page)->pd_special)
			{
				IndexCheckProblem(w->check, "entry (%u,%u): bad item", blk, off);
				continue;
			}
			entry = (IvfEntry) PageGetItem(page, iid);
			entries++;
			if (!IndexCheckHeapTid(w->check, &entry->heaptid))
				IndexCheckProblem(w->check, "entry (%u,%u): heap TID (%u,%u) is outside the table",
								  blk, off, ItemPointerGetBlockNumberNoCheck(&entry->heaptid),
								  ItemPointerGetOffsetNumberNoCheck(&entry->heaptid));
			/* float codes only: halves and bits cannot hold a non-finite value
			 * the index would have accepted */
			if (flat && meta->code_size == meta->dims * sizeof(float))
			{
				const float *x = (const float *) entry->code;

				for (uint32 i = 0; i < meta->dims; i++)
					if (!std::isfinite(x[i]))
					{
						IndexCheckProblem(w->check, "entry (%u,%u): a value is not finite", blk, off);
						break;
					}
			}
		}
		next = IvfPageGetOpaque(page)->nextblk;
		UnlockReleaseBuffer(buf);
		blk = next;
	}
	if (slot->insert != InvalidBlockNumber && !hint_seen)
		IndexCheckProblem(w->check, "list %d: insert hint block %u is not on the list",
						  list, slot->insert);
	return entries;
}

void
IvfCheckIndex(Relation index, IndexCheck *check)
{
	CheckWalk	w;
	IvfMetaPageData meta;
	Buffer		buf;
	Page		page;
	VectorIndexMetric vm;
	Size		codebook_floats;

	w.index = index;
	w.check = check;
	w.nblocks = RelationGetNumberOfBlocks(index);
	if (w.nblocks == 0)
	{
		IndexCheckProblem(check, "index has no metapage");
		return;
	}

	buf = ReadBuffer(index, IVF_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (!IvfIsPage(page, IVF_PAGE_META))
	{
		UnlockReleaseBuffer(buf);
		IndexCheckProblem(check, "block 0 is not an ivf metapage");
		return;
	}
	memcpy(&meta, IvfPageGetMeta(page), sizeof(meta));
	UnlockReleaseBuffer(buf);
	if (!IvfMetaIsSane(&meta))
	{
		IndexCheckProblem(check, "metapage is damaged (magic %08x, version %u, dims %u, lists %u, "
						  "quantizer %u, pq_m %u, code_size %u)",
						  meta.magic, meta.version, meta.dims, meta.lists, meta.quantizer,
						  meta.pq_m, meta.code_size);
		return;
	}
	VectorIndexGetMetric(index, "ivf", &vm);
	if ((int) meta.dims != vm.dims)
		IndexCheckProblem(check, "metapage says dims %u; the index definition says %d",
						  meta.dims, vm.dims);

	w.owner = (int *) palloc(sizeof(int) * w.nblocks);
	for (BlockNumber blk = 0; blk < w.nblocks; blk++)
		w.owner[blk] = OWNER_NONE;
	w.owner[IVF_METAPAGE_BLKNO] = OWNER_FIXED;

	CheckStream(&w, "centroid", meta.centroid_start,
				StreamPages((Size) meta.lists * meta.dims, IVF_FLOATS_PER_PAGE),
				IVF_PAGE_FLOATS, true, (Size) meta.lists * meta.dims);
	codebook_floats = vectordb::ivf::CodebookFloats((vectordb::ivf::Quantizer) meta.quantizer, meta.dims);
	if (codebook_floats > 0)
		CheckStream(&w, "codebook", meta.codebook_start,
					StreamPages(codebook_floats, IVF_FLOATS_PER_PAGE),
					IVF_PAGE_FLOATS, true, codebook_floats);
	if (CheckStream(&w, "directory", meta.directory_start,
					StreamPages(meta.lists, IVF_LISTS_PER_PAGE), IVF_PAGE_DIRECTORY, false, 0))
	{
		for (uint32 list = 0; list < meta.lists; list++)
		{
			BlockNumber blk = meta.directory_start + list / IVF_LISTS_PER_PAGE;
			IvfListData slot;
			bool		valid;

			buf = ReadBuffer(index, blk);
			LockBuffer(buf, BUFFER_LOCK_SHARE);
			page = BufferGetPage(buf);
			valid = IvfIsPage(page, IVF_PAGE_DIRECTORY);
			slot = ((IvfListData *) IvfPageData(page))[list % IVF_LISTS_PER_PAGE];
			UnlockReleaseBuffer(buf);
			if (valid)
				CheckList(&w, &meta, (int) list, &slot);
		}
	}

	/* A list page no list reaches holds entries no scan can find */
	for (BlockNumber blk = 1; blk < w.nblocks; blk++)
	{
		if (w.owner[blk] != OWNER_NONE)
			continue;
		CHECK_FOR_INTERRUPTS();
		buf = ReadBuffer(index, blk);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		/* a zero page is an extension a crash interrupted: harmless */
		if (!PageIsNew(page))
			IndexCheckProblem(check, IvfIsPage(page, IVF_PAGE_LIST) ?
							  "block %u: a list page no list reaches" :
							  "block %u: not a page of any part of the index", blk);
		UnlockReleaseBuffer(buf);
	}
	pfree(w.owner);
}

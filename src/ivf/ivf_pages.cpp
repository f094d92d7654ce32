/*-------------------------------------------------------------------------
 *
 * ivf_pages.cpp
 *		IVF page access: the metapage, float streams, the list directory,
 *		and appending an entry to a list.
 *
 * IDENTIFICATION
 *		src/ivf/ivf_pages.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "ivf/ivf.h"
#include "core/vector_codec.h"

#include <cstring>

extern "C"
{
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"
}

void
IvfInitPage(Page page, uint16 page_type)
{
	IvfPageOpaque opaque;

	PageInit(page, BLCKSZ, sizeof(IvfPageOpaqueData));
	opaque = IvfPageGetOpaque(page);
	opaque->nextblk = InvalidBlockNumber;
	opaque->page_type = page_type;
	opaque->page_id = IVF_PAGE_ID;
	/* Stream and directory pages are one raw area: no hole for WAL to skip */
	if (page_type == IVF_PAGE_FLOATS || page_type == IVF_PAGE_DIRECTORY)
		((PageHeader) page)->pd_lower = ((PageHeader) page)->pd_upper;
}

bool
IvfIsPage(Page page, uint16 page_type)
{
	IvfPageOpaque opaque;

	if (PageIsNew(page) || PageGetSpecialSize(page) != MAXALIGN(sizeof(IvfPageOpaqueData)))
		return false;
	opaque = IvfPageGetOpaque(page);
	return opaque->page_id == IVF_PAGE_ID && opaque->page_type == page_type;
}

/* Errors out unless page is an ivf page of page_type */
void
IvfCheckPage(Relation index, Page page, BlockNumber blkno, uint16 page_type)
{
	if (!IvfIsPage(page, page_type))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" contains unexpected page %u",
						RelationGetRelationName(index), blkno),
				 errhint("Please REINDEX it.")));
}

/*
 * Whether a metapage describes an index this code can read: every size
 * that scans and inserts derive from it is checked here, once, so a damaged
 * metapage is an error rather than an allocation or read of the wrong size.
 */
bool
IvfMetaIsSane(const IvfMetaPageData *meta)
{
	vectordb::ivf::Quantizer quantizer = (vectordb::ivf::Quantizer) meta->quantizer;

	if (meta->magic != IVF_MAGIC || meta->version != IVF_VERSION ||
		meta->dims < 1 || meta->dims > (uint32) vectordb::core::kVectorMaxDim ||
		meta->lists < 1 || meta->lists > IVF_MAX_LISTS)
		return false;
	if (quantizer != vectordb::ivf::Quantizer::kFlat && quantizer != vectordb::ivf::Quantizer::kSq8 &&
		quantizer != vectordb::ivf::Quantizer::kPq)
		return false;
	if (quantizer == vectordb::ivf::Quantizer::kPq &&
		(meta->pq_m < 1 || meta->pq_m > meta->dims || meta->dims % meta->pq_m != 0))
		return false;
	/* flat codes come in each storage's size; the operator class picks one,
	 * which IvfGetState() compares */
	if (quantizer == vectordb::ivf::Quantizer::kFlat)
	{
		if (meta->code_size != vectordb::ivf::CodeSize(quantizer, meta->dims, 0, vectordb::simd::Storage::kFloat) &&
			meta->code_size != vectordb::ivf::CodeSize(quantizer, meta->dims, 0, vectordb::simd::Storage::kHalf) &&
			meta->code_size != vectordb::ivf::CodeSize(quantizer, meta->dims, 0, vectordb::simd::Storage::kBit))
			return false;
	}
	else if (meta->code_size != vectordb::ivf::CodeSize(quantizer, meta->dims, meta->pq_m))
		return false;
	return IVF_ENTRY_SIZE(meta->code_size) <= IVF_MAX_ENTRY_SIZE;
}

void
IvfReadMeta(Relation index, IvfMetaPageData *meta)
{
	Buffer		buf = ReadBuffer(index, IVF_METAPAGE_BLKNO);
	Page		page;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	IvfCheckPage(index, page, IVF_METAPAGE_BLKNO, IVF_PAGE_META);
	memcpy(meta, IvfPageGetMeta(page), sizeof(IvfMetaPageData));
	UnlockReleaseBuffer(buf);

	if (!IvfMetaIsSane(meta))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" is not a valid ivf index", RelationGetRelationName(index)),
				 errhint("Please REINDEX it.")));
}

/*
 * Writes n floats to new consecutive pages of fork and returns the first.
 * Callers build the index in one pass and WAL-log the whole range after.
 */
BlockNumber
IvfWriteFloats(Relation index, ForkNumber fork, const float *data, Size n)
{
	BlockNumber first = InvalidBlockNumber;
	Size		done = 0;

	do
	{
		Buffer		buf = VectorIndexNewBuffer(index, fork);
		Page		page = BufferGetPage(buf);
		Size		chunk = Min(n - done, (Size) IVF_FLOATS_PER_PAGE);

		IvfInitPage(page, IVF_PAGE_FLOATS);
		memcpy(IvfPageData(page), data + done, chunk * sizeof(float));
		if (first == InvalidBlockNumber)
			first = BufferGetBlockNumber(buf);
		else
			Assert(BufferGetBlockNumber(buf) == first + done / IVF_FLOATS_PER_PAGE);
		MarkBufferDirty(buf);
		UnlockReleaseBuffer(buf);
		done += chunk;
	} while (done < n);
	return first;
}

/* Reads n floats of the stream starting at block start */
static void
ReadFloats(Relation index, BlockNumber start, float *out, Size n)
{
	Size		done = 0;
	BlockNumber blkno = start;

	while (done < n)
	{
		Buffer		buf = ReadBuffer(index, blkno);
		Page		page;
		Size		chunk = Min(n - done, (Size) IVF_FLOATS_PER_PAGE);

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		IvfCheckPage(index, page, blkno, IVF_PAGE_FLOATS);
		memcpy(out + done, IvfPageData(page), chunk * sizeof(float));
		UnlockReleaseBuffer(buf);
		done += chunk;
		blkno++;
	}
}

/*
 * Centroids and codebook are read once per relcache entry: they are fixed
 * from CREATE INDEX until the next build, and every build writes a new
 * relfilenode, whose invalidation discards rd_amcache.
 */
const IvfState *
IvfGetState(Relation index)
{
	if (index->rd_amcache == NULL)
	{
		MemoryContext cxt = index->rd_indexcxt;
		IvfMetaPageData meta;
		IvfState   *state;
		Size		codebook_floats;

		IvfReadMeta(index, &meta);
		state = (IvfState *) MemoryContextAllocZero(cxt, sizeof(IvfState));
		VectorIndexGetMetric(index, "ivf", &state->vm);
		if (state->vm.metric == vectordb::simd::Metric::kL1 ||
			state->vm.metric == vectordb::simd::Metric::kJaccard || (int) meta.dims != state->vm.dims ||
			meta.code_size != vectordb::ivf::CodeSize((vectordb::ivf::Quantizer) meta.quantizer, meta.dims,
													  meta.pq_m, VectorIndexStorage(&state->vm)))
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("index \"%s\" does not match its operator class",
							RelationGetRelationName(index))));
		state->lists = meta.lists;
		state->untrained = (meta.flags & IVF_META_UNTRAINED) != 0;
		state->code_size = meta.code_size;
		state->entry_size = IVF_ENTRY_SIZE(meta.code_size);
		state->directory_start = meta.directory_start;
		state->centroids = (float *) MemoryContextAllocHuge(cxt, sizeof(float) * meta.lists * meta.dims);
		ReadFloats(index, meta.centroid_start, state->centroids, (Size) meta.lists * meta.dims);
		codebook_floats = vectordb::ivf::CodebookFloats((vectordb::ivf::Quantizer) meta.quantizer,
														meta.dims);
		if (codebook_floats > 0)
		{
			state->codebook = (float *) MemoryContextAllocHuge(cxt, sizeof(float) * codebook_floats);
			ReadFloats(index, meta.codebook_start, state->codebook, codebook_floats);
		}
		state->codec.quantizer = (vectordb::ivf::Quantizer) meta.quantizer;
		state->codec.metric = state->vm.metric;
		state->codec.storage = VectorIndexStorage(&state->vm);
		state->codec.dims = meta.dims;
		state->codec.pq_m = meta.pq_m;
		state->codec.codebook = state->codebook;
		index->rd_amcache = state;
	}
	return (const IvfState *) index->rd_amcache;
}

static BlockNumber
DirectoryBlock(const IvfState *state, int list)
{
	return state->directory_start + list / IVF_LISTS_PER_PAGE;
}

static IvfListData *
DirectorySlot(Page page, int list)
{
	return (IvfListData *) IvfPageData(page) + list % IVF_LISTS_PER_PAGE;
}

void
IvfReadList(Relation index, const IvfState *state, int list, IvfListData *out)
{
	BlockNumber blkno = DirectoryBlock(state, list);
	Buffer		buf = ReadBuffer(index, blkno);
	Page		page;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	IvfCheckPage(index, page, blkno, IVF_PAGE_DIRECTORY);
	*out = *DirectorySlot(page, list);
	UnlockReleaseBuffer(buf);
}

/*
 * Counts one more page of a list walk.  A chain longer than the relation
 * loops back on itself, which only damage can cause; the relation's size is
 * read again only when the walk outgrows the size last read.
 */
void
IvfListWalkStep(Relation index, IvfListWalk *walk)
{
	if (++walk->pages <= walk->limit)
		return;
	walk->limit = RelationGetNumberOfBlocks(index);
	if (walk->pages > walk->limit)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("list %d of ivf index \"%s\" loops back on itself",
						walk->list, RelationGetRelationName(index)),
				 errhint("Please REINDEX it.")));
}

/* The entry at off of a list page; a damaged item is an error */
IvfEntry
IvfGetEntry(Relation index, const IvfState *state, Page page, OffsetNumber off)
{
	ItemId		iid = PageGetItemId(page, off);

	if (!ItemIdIsNormal(iid) || ItemIdGetLength(iid) != state->entry_size ||
		ItemIdGetOffset(iid) < SizeOfPageHeaderData ||
		ItemIdGetOffset(iid) + state->entry_size > ((PageHeader) page)->pd_special)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("ivf index \"%s\" contains a damaged entry (item %u)",
						RelationGetRelationName(index), off),
				 errhint("Please REINDEX it.")));
	return (IvfEntry) PageGetItem(page, iid);
}

/*
 * One atomic change to up to four pages: a generic WAL record, or plain
 * dirty pages while CREATE INDEX fills the index (it logs every page after).
 */
typedef struct IvfChange
{
	Relation	index;
	bool		wal;
	GenericXLogState *xlog;
	Buffer		buffers[MAX_GENERIC_XLOG_PAGES];
	int			nbuffers;
} IvfChange;

static void
ChangeStart(IvfChange *change, Relation index, bool wal)
{
	change->index = index;
	change->wal = wal;
	change->xlog = wal ? GenericXLogStart(index) : NULL;
	change->nbuffers = 0;
}

static Page
ChangePage(IvfChange *change, Buffer buf, bool fresh)
{
	change->buffers[change->nbuffers++] = buf;
	if (!change->wal)
		return BufferGetPage(buf);
	return GenericXLogRegisterBuffer(change->xlog, buf, fresh ? GENERIC_XLOG_FULL_IMAGE : 0);
}

static void
ChangeFinish(IvfChange *change)
{
	if (change->wal)
		GenericXLogFinish(change->xlog);
	else
		for (int i = 0; i < change->nbuffers; i++)
			MarkBufferDirty(change->buffers[i]);
}

static void
AddEntry(Relation index, Page page, IvfEntry entry, Size size)
{
	if (PageAddItem(page, (Item) entry, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not add an entry to index \"%s\"", RelationGetRelationName(index))));
}

/* Starts the list with a new page holding entry; false when another
 * backend started it first */
static bool
StartList(Relation index, const IvfState *state, int list, IvfEntry entry, bool wal)
{
	Buffer		dirbuf = ReadBuffer(index, DirectoryBlock(state, list));
	IvfListData *slot;
	IvfChange	change;
	Buffer		newbuf;
	Page		newpage;

	LockBuffer(dirbuf, BUFFER_LOCK_EXCLUSIVE);
	if (DirectorySlot(BufferGetPage(dirbuf), list)->head != InvalidBlockNumber)
	{
		UnlockReleaseBuffer(dirbuf);
		return false;
	}
	newbuf = VectorIndexNewBuffer(index, MAIN_FORKNUM);
	ChangeStart(&change, index, wal);
	slot = DirectorySlot(ChangePage(&change, dirbuf, false), list);
	newpage = ChangePage(&change, newbuf, true);
	IvfInitPage(newpage, IVF_PAGE_LIST);
	AddEntry(index, newpage, entry, state->entry_size);
	slot->head = slot->insert = BufferGetBlockNumber(newbuf);
	ChangeFinish(&change);
	UnlockReleaseBuffer(newbuf);
	UnlockReleaseBuffer(dirbuf);
	return true;
}

/* Points the list's insert hint at blkno */
void
IvfSetInsertHint(Relation index, const IvfState *state, int list, BlockNumber blkno, bool wal)
{
	Buffer		dirbuf = ReadBuffer(index, DirectoryBlock(state, list));
	IvfChange	change;

	LockBuffer(dirbuf, BUFFER_LOCK_EXCLUSIVE);
	if (DirectorySlot(BufferGetPage(dirbuf), list)->insert != blkno)
	{
		ChangeStart(&change, index, wal);
		DirectorySlot(ChangePage(&change, dirbuf, false), list)->insert = blkno;
		ChangeFinish(&change);
	}
	UnlockReleaseBuffer(dirbuf);
}

/*
 * Adds an entry to a list: on the first page with room from the list's
 * insert hint on (VACUUM points the hint at the first page it freed room
 * on), else on a new page linked after the true tail.  The true tail is the
 * page with no next page, found by following the chain under each page's
 * exclusive lock, so two backends extending the same list at once link
 * their pages one after the other.  A page is linked in the same WAL record
 * that creates it, so no crash leaves a dangling link.
 */
void
IvfAppendEntry(Relation index, const IvfState *state, int list, IvfEntry entry, bool wal)
{
	IvfListData listdata;
	BlockNumber blkno;

	IvfReadList(index, state, list, &listdata);
	if (listdata.head == InvalidBlockNumber)
	{
		if (StartList(index, state, list, entry, wal))
			return;
		IvfReadList(index, state, list, &listdata);
	}

	blkno = listdata.insert;
	for (IvfListWalk walk = {list, 0, 0};;)
	{
		Buffer		buf;
		Page		page;
		IvfChange	change;
		Buffer		newbuf;
		Page		newpage;
		BlockNumber newblkno;

		IvfListWalkStep(index, &walk);
		buf = ReadBuffer(index, blkno);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		IvfCheckPage(index, page, blkno, IVF_PAGE_LIST);
		if (PageGetFreeSpace(page) >= state->entry_size)
		{
			ChangeStart(&change, index, wal);
			AddEntry(index, ChangePage(&change, buf, false), entry, state->entry_size);
			ChangeFinish(&change);
			UnlockReleaseBuffer(buf);
			/* full pages passed on the way need not be read again */
			if (blkno != listdata.insert)
				IvfSetInsertHint(index, state, list, blkno, wal);
			return;
		}
		if (IvfPageGetOpaque(page)->nextblk != InvalidBlockNumber)
		{
			blkno = IvfPageGetOpaque(page)->nextblk;
			UnlockReleaseBuffer(buf);
			continue;
		}

		ChangeStart(&change, index, wal);
		newbuf = VectorIndexNewBuffer(index, MAIN_FORKNUM);
		newblkno = BufferGetBlockNumber(newbuf);
		page = ChangePage(&change, buf, false);
		newpage = ChangePage(&change, newbuf, true);
		IvfInitPage(newpage, IVF_PAGE_LIST);
		AddEntry(index, newpage, entry, state->entry_size);
		IvfPageGetOpaque(page)->nextblk = newblkno;
		ChangeFinish(&change);
		UnlockReleaseBuffer(newbuf);
		UnlockReleaseBuffer(buf);

		IvfSetInsertHint(index, state, list, newblkno, wal);
		return;
	}
}

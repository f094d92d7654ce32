/*-------------------------------------------------------------------------
 *
 * hnsw_insert.cpp
 *		Inserting one vector into an HNSW index on disk, WAL-logged.
 *
 * An insert searches the graph for its neighbors without locks beyond the
 * short page share locks of hnsw_graph.cpp, then, under the metapage lock,
 * writes its vector and its node (reusing a freed node when vacuum left one),
 * then adds itself to each neighbor's list, one page at a time, and raises
 * the entry point if its level is the highest.  Inserts hold the update lock
 * shared throughout; see README.md for why vacuum needs that.
 *
 * IDENTIFICATION
 *		src/hnsw/hnsw_insert.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include "types/sparsevec.h"

#include <cmath>

extern "C"
{
#include "common/pg_prng.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
}

int
HnswRandomLevel(int m)
{
	double		ml = 1.0 / std::log((double) m);
	double		r = 1.0 - pg_prng_double(&pg_global_prng_state); /* (0, 1] */
	int			level = (int) (-std::log(r) * ml);

	return Min(level, HnswMaxLevel(m));
}

/*
 * Writes a stored vector of words words at (vblk, voff) and the following
 * blocks, at most three pages per WAL record.  fresh: the pages are new and
 * get initialized.
 */
static void
WriteVector(Relation index, Buffer *buffers, int npages, uint16 voff,
			const uint32 *stored, int words, bool fresh)
{
	int			done = 0;

	for (int first = 0; first < npages; first += 3)
	{
		GenericXLogState *state = GenericXLogStart(index);

		for (int i = first; i < Min(npages, first + 3); i++)
		{
			Page		page = GenericXLogRegisterBuffer(state, buffers[i],
														 fresh ? GENERIC_XLOG_FULL_IMAGE : 0);
			int			start = i == 0 ? voff : 0;
			int			n = Min(words - done, (int) HNSW_WORDS_PER_PAGE - start);

			if (fresh)
				HnswInitPage(page, HNSW_PAGE_VECTOR);
			memcpy(HnswPageWords(page) + start, stored + done, sizeof(uint32) * n);
			done += n;
		}
		GenericXLogFinish(state);
	}
}

/*
 * The non-zeros the space of a freed sparse record at (vblk, voff) holds,
 * or -1 when the reference or header is not sane (the space is then left
 * alone).
 */
static int
SparseSpaceCapacity(Relation index, BlockNumber vblk, uint16 voff)
{
	Buffer		buf;
	Page		page;
	int			capacity = -1;

	if (vblk == InvalidBlockNumber || vblk == HNSW_METAPAGE_BLKNO || voff >= HNSW_WORDS_PER_PAGE ||
		vblk >= RelationGetNumberOfBlocks(index))
		return -1;
	buf = ReadBuffer(index, vblk);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (!PageIsNew(page) && HnswPageGetOpaque(page)->page_id == HNSW_MAGIC &&
		HnswPageGetOpaque(page)->page_type == HNSW_PAGE_VECTOR)
	{
		uint32		header = HnswPageWords(page)[voff];

		capacity = vectordb::simd::SparseRecordCapacity(header);
		if (capacity > SPARSEVEC_MAX_NNZ ||
			HnswVectorPages(voff, (int) vectordb::simd::SparseRecordWords(capacity)) > HNSW_MAX_VECTOR_PAGES)
			capacity = -1;
	}
	UnlockReleaseBuffer(buf);
	return capacity;
}

/* Fills a node item for a new node */
static void
FillNode(HnswNode node, const HnswInfo *info, int level, int capacity_level,
		 ItemPointer heap_tid, BlockNumber vblk, uint16 voff,
		 HnswRef **lists, int *counts)
{
	MemSet(node, 0, HNSW_NODE_SIZE(info->m, capacity_level));
	node->state = HNSW_NODE_LIVE;
	node->level = level;
	node->capacity_level = capacity_level;
	node->heaptid = *heap_tid;
	BlockIdSet(&node->vblk, vblk);
	node->voff = voff;
	for (int l = 0; l <= capacity_level; l++)
	{
		int			slots;
		HnswNeighbor *list = HnswNodeList(node, info->m, l, &slots);

		for (int i = 0; i < slots; i++)
			HnswSetNeighbor(&list[i], l <= level && i < counts[l] ? &lists[l][i] : NULL);
	}
}

/*
 * Places the vector and the node, under the metapage lock: a freed node of
 * at least this level is reused, with its vector space when the vector fits
 * there (always, but for a sparse record longer than the one it replaces),
 * else vector and node go at the tails.  Sets *self.  When the index is
 * empty the node becomes the entry point in the same record; returns false
 * if an entry appeared meanwhile (the caller then searches the graph after
 * all).
 */
static bool
PlaceNode(Relation index, const HnswInfo *info, const uint32 *stored,
		  ItemPointer heap_tid, int level, HnswRef **lists, int *counts,
		  bool as_entry, HnswRef *self)
{
	Buffer		metabuf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
	HnswMetaPage meta;
	Buffer		nodebuf = InvalidBuffer;
	bool		reuse = false;
	bool		reuse_space = false;
	bool		new_node_page = false;
	int			words = HnswStoredWords(info, stored);
	Buffer		vbufs[HNSW_MAX_VECTOR_PAGES];
	int			npages;
	BlockNumber vblk = InvalidBlockNumber;
	uint16		voff = 0;
	Size		size = HNSW_NODE_SIZE(info->m, level);
	HnswNode	item;			/* a new node item, built in memory */
	GenericXLogState *state;
	Page		metapage;
	Page		nodepage;
	OffsetNumber offnum;

	vbufs[0] = InvalidBuffer;
	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	meta = HnswPageGetMeta(BufferGetPage(metabuf));
	if (as_entry && ItemPointerIsValid(&meta->entry))
	{
		UnlockReleaseBuffer(metabuf);
		return false;
	}

	/* A freed node of at least this level? */
	if (ItemPointerIsValid(&meta->free_head))
	{
		HnswNode	freed;

		nodebuf = ReadBuffer(index, ItemPointerGetBlockNumber(&meta->free_head));
		LockBuffer(nodebuf, BUFFER_LOCK_EXCLUSIVE);
		freed = HnswGetNode(index, BufferGetPage(nodebuf), ItemPointerGetOffsetNumber(&meta->free_head));
		if (freed->state == HNSW_NODE_FREE && freed->capacity_level >= level)
		{
			reuse = true;
			vblk = BlockIdGetBlockNumber(&freed->vblk);
			voff = freed->voff;
			reuse_space = true;
		}
		else
		{
			UnlockReleaseBuffer(nodebuf);
			nodebuf = InvalidBuffer;
		}
	}

	if (reuse_space && info->storage == vectordb::simd::Storage::kSparse)
	{
		int			capacity = SparseSpaceCapacity(index, vblk, voff);
		int			nnz = vectordb::simd::SparseRecordNnz(stored[0]);

		reuse_space = nnz <= capacity;
		if (reuse_space)
		{
			/* the space keeps its size for the records that come after */
			uint32	   *copy = (uint32 *) palloc(sizeof(uint32) * words);

			memcpy(copy, stored, sizeof(uint32) * words);
			copy[0] = vectordb::simd::SparseRecordHeader(nnz, capacity);
			stored = copy;
		}
	}

	if (reuse_space)
	{
		npages = HnswVectorPages(voff, words);
		for (int i = 0; i < npages; i++)
		{
			vbufs[i] = ReadBuffer(index, vblk + i);
			LockBuffer(vbufs[i], BUFFER_LOCK_EXCLUSIVE);
		}
		WriteVector(index, vbufs, npages, voff, stored, words, false);
		for (int i = 0; i < npages; i++)
			UnlockReleaseBuffer(vbufs[i]);
	}
	else
	{
		bool		fresh;

		if (meta->vec_tail_blk != InvalidBlockNumber &&
			meta->vec_tail_used + words <= HNSW_WORDS_PER_PAGE)
		{
			vblk = meta->vec_tail_blk;
			voff = meta->vec_tail_used;
			npages = 1;
			fresh = false;
			vbufs[0] = ReadBuffer(index, vblk);
			LockBuffer(vbufs[0], BUFFER_LOCK_EXCLUSIVE);
		}
		else
		{
			/* A vector that spans pages needs consecutive new blocks */
			npages = HnswVectorPages(0, words);
			fresh = true;
			voff = 0;
			LockRelationForExtension(index, ExclusiveLock);
			for (int i = 0; i < npages; i++)
			{
				vbufs[i] = ReadBufferExtended(index, MAIN_FORKNUM, P_NEW, RBM_NORMAL, NULL);
				LockBuffer(vbufs[i], BUFFER_LOCK_EXCLUSIVE);
			}
			UnlockRelationForExtension(index, ExclusiveLock);
			vblk = BufferGetBlockNumber(vbufs[0]);
		}
		WriteVector(index, vbufs, npages, voff, stored, words, fresh);

		/* The tail moves in the metapage's record below */
		for (int i = 0; i < npages; i++)
			UnlockReleaseBuffer(vbufs[i]);

		/* Record where the vector tail is now */
		if (fresh || vblk == meta->vec_tail_blk)
		{
			int			words_last = (voff + words) - (npages - 1) * (int) HNSW_WORDS_PER_PAGE;

			state = GenericXLogStart(index);
			metapage = GenericXLogRegisterBuffer(state, metabuf, 0);
			HnswPageGetMeta(metapage)->vec_tail_blk = vblk + npages - 1;
			HnswPageGetMeta(metapage)->vec_tail_used = words_last;
			GenericXLogFinish(state);
		}
	}

	/* Node space: the freed item, the tail node page, or a new one */
	if (!reuse)
	{
		if (meta->node_tail_blk != InvalidBlockNumber)
		{
			nodebuf = ReadBuffer(index, meta->node_tail_blk);
			LockBuffer(nodebuf, BUFFER_LOCK_EXCLUSIVE);
			if (PageGetFreeSpace(BufferGetPage(nodebuf)) < MAXALIGN(size))
			{
				UnlockReleaseBuffer(nodebuf);
				nodebuf = InvalidBuffer;
			}
		}
		if (!BufferIsValid(nodebuf))
		{
			nodebuf = VectorIndexNewBuffer(index, MAIN_FORKNUM);
			new_node_page = true;
		}
	}

	/* The node item, the free list or tail, and maybe the entry point */

	state = GenericXLogStart(index);
	metapage = GenericXLogRegisterBuffer(state, metabuf, 0);
	nodepage = GenericXLogRegisterBuffer(state, nodebuf, new_node_page ? GENERIC_XLOG_FULL_IMAGE : 0);
	meta = HnswPageGetMeta(metapage);
	if (reuse)
	{
		HnswNode	freed;
		int			capacity_level;

		offnum = ItemPointerGetOffsetNumber(&meta->free_head);
		freed = HnswGetNode(index, nodepage, offnum);
		capacity_level = freed->capacity_level;
		meta->free_head = freed->heaptid;
		FillNode(freed, info, level, capacity_level, heap_tid, vblk, voff, lists, counts);
	}
	else
	{
		item = (HnswNode) palloc(size);
		FillNode(item, info, level, level, heap_tid, vblk, voff, lists, counts);
		if (new_node_page)
			HnswInitPage(nodepage, HNSW_PAGE_NODE);
		offnum = PageAddItem(nodepage, (Item) item, size, InvalidOffsetNumber, false, false);
		if (offnum == InvalidOffsetNumber)
			elog(ERROR, "failed to add hnsw node to \"%s\"", RelationGetRelationName(index));
		meta->node_tail_blk = BufferGetBlockNumber(nodebuf);
	}
	meta->nodes++;
	ItemPointerSet(&self->node, BufferGetBlockNumber(nodebuf), offnum);
	self->vblk = vblk;
	self->voff = voff;
	if (as_entry)
	{
		meta->entry = self->node;
		meta->entry_level = level;
		meta->entry_vblk = vblk;
		meta->entry_voff = voff;
	}
	GenericXLogFinish(state);
	UnlockReleaseBuffer(nodebuf);
	UnlockReleaseBuffer(metabuf);
	return true;
}

/* Candidates of the window, nearest first */
static int
WindowSorted(HnswSearch *search, HnswCandidate *out)
{
	int			n = search->window.count;

	for (int i = n - 1; i >= 0; i--)
		out[i] = HnswHeapPop(&search->window);
	return n;
}

/* Optimistic tries of HnswUpdateList before it chooses under the lock */
#define HNSW_UPDATE_ATTEMPTS	10

/*
 * Rewrites one level's list of node target: drops the removed TIDs, adds
 * the additions, and when more remain than fit, keeps the heuristic's
 * choice.  Optimistic: the list is read and the choice made without an
 * exclusive lock, then written only if the list did not change meanwhile
 * (the last attempt holds the lock throughout).
 * Returns how many refs it wrote to written (room for 2m; may be NULL): the
 * list as written, or nothing when it left the list alone.
 */
int
HnswUpdateList(Relation index, const HnswInfo *info, HnswBufferCache *cache,
			   const HnswRef *target, int level, const HnswCandidate *additions,
			   int nadditions, const ItemPointerData *removed, int nremoved,
			   HnswRef *written)
{
	int			nwritten = 0;

	BlockNumber blk = ItemPointerGetBlockNumber(&target->node);
	OffsetNumber off = ItemPointerGetOffsetNumber(&target->node);
	int			slots = level == 0 ? 2 * info->m : info->m;
	HnswNeighbor *before = (HnswNeighbor *) palloc(sizeof(HnswNeighbor) * slots);
	HnswCandidate *cands = (HnswCandidate *) palloc(sizeof(HnswCandidate) * (slots + nadditions));
	HnswRef    *chosen = (HnswRef *) palloc(sizeof(HnswRef) * slots);
	uint32	  **vectors = (uint32 **) palloc0(sizeof(uint32 *) * (slots + nadditions));

	for (int attempt = 0;; attempt++)
	{
		Buffer		buf = ReadBuffer(index, blk);
		HnswNode	node;
		HnswNeighbor *list;
		int			n;
		int			ncands = 0;
		int			nchosen = 0;
		bool		changed = false;

		/*
		 * A list many inserts link back to can change under every
		 * optimistic attempt; the last one keeps the page locked while it
		 * chooses (it reads only vector pages meanwhile), so the update
		 * always lands.  VACUUM's repair depends on it: a list it failed to
		 * repair would keep pointing at a node about to be freed.
		 */
		bool		locked = attempt == HNSW_UPDATE_ATTEMPTS - 1;

		LockBuffer(buf, locked ? BUFFER_LOCK_EXCLUSIVE : BUFFER_LOCK_SHARE);
		node = HnswGetNode(index, BufferGetPage(buf), off);
		if (node->state != HNSW_NODE_LIVE || node->level < level)
		{
			UnlockReleaseBuffer(buf);
			break;
		}
		list = HnswNodeList(node, info->m, level, &n);
		memcpy(before, list, sizeof(HnswNeighbor) * slots);
		if (!locked)
			LockBuffer(buf, BUFFER_LOCK_UNLOCK);

		/* Current neighbors minus the removed, then the additions */
		for (int i = 0; i < slots; i++)
		{
			bool		drop = HnswNeighborIsEmpty(&before[i]);

			for (int j = 0; !drop && j < nremoved; j++)
				drop = ItemPointerEquals(&before[i].node, (ItemPointer) &removed[j]);
			if (drop)
			{
				changed |= !HnswNeighborIsEmpty(&before[i]);
				continue;
			}
			HnswGetNeighbor(&before[i], &cands[ncands].ref);
			cands[ncands++].distance = -1;	/* not known yet */
		}
		for (int j = 0; j < nadditions; j++)
		{
			bool		dup = ItemPointerEquals((ItemPointer) &additions[j].ref.node, (ItemPointer) &target->node);

			for (int i = 0; !dup && i < ncands; i++)
				dup = ItemPointerEquals(&cands[i].ref.node, (ItemPointer) &additions[j].ref.node);
			if (!dup)
			{
				cands[ncands++] = additions[j];
				changed = true;
			}
		}
		if (!changed)
		{
			if (locked)
				LockBuffer(buf, BUFFER_LOCK_UNLOCK);
			ReleaseBuffer(buf);
			break;
		}

		if (ncands <= slots)
		{
			for (int i = 0; i < ncands; i++)
				chosen[nchosen++] = cands[i].ref;
		}
		else
		{
			bool	   *selected = (bool *) palloc(sizeof(bool) * ncands);

			/* Too many: distances from the target, then the heuristic */
			uint32	   *self = HnswCopyStored(index, info, cache, target->vblk, target->voff);

			for (int i = 0; i < ncands; i++)
			{
				vectors[i] = HnswCopyStored(index, info, cache, cands[i].ref.vblk, cands[i].ref.voff);
				cands[i].distance = HnswStoredDistance(info, self, vectors[i]);
			}
			/* Sort candidates (and their vectors) by distance: insertion sort */
			for (int i = 1; i < ncands; i++)
				for (int j = i; j > 0 && cands[j].distance < cands[j - 1].distance; j--)
				{
					HnswCandidate tmp = cands[j];
					uint32	   *v = vectors[j];

					cands[j] = cands[j - 1];
					cands[j - 1] = tmp;
					vectors[j] = vectors[j - 1];
					vectors[j - 1] = v;
				}
			HnswSelectNeighbors(info, cands, ncands, vectors, slots, selected);
			for (int i = 0; i < ncands; i++)
				if (selected[i])
					chosen[nchosen++] = cands[i].ref;
			for (int i = 0; i < ncands; i++)
			{
				pfree(vectors[i]);
				vectors[i] = NULL;
			}
			pfree(self);
			pfree(selected);
		}

		/* Write if the list is still what we read */
		if (!locked)
			LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		node = HnswGetNode(index, BufferGetPage(buf), off);
		list = HnswNodeList(node, info->m, level, &n);
		if (node->state == HNSW_NODE_LIVE && memcmp(list, before, sizeof(HnswNeighbor) * slots) == 0)
		{
			GenericXLogState *state = GenericXLogStart(index);
			Page		page = GenericXLogRegisterBuffer(state, buf, 0);

			node = HnswGetNode(index, page, off);
			list = HnswNodeList(node, info->m, level, &n);
			for (int i = 0; i < slots; i++)
				HnswSetNeighbor(&list[i], i < nchosen ? &chosen[i] : NULL);
			GenericXLogFinish(state);
			UnlockReleaseBuffer(buf);
			if (written != NULL)
				memcpy(written, chosen, sizeof(HnswRef) * nchosen);
			nwritten = nchosen;
			break;
		}
		UnlockReleaseBuffer(buf);
		CHECK_FOR_INTERRUPTS();
	}
	pfree(before);
	pfree(cands);
	pfree(chosen);
	pfree(vectors);
	return nwritten;
}

/* Nearest-first candidates of one level, with deleted nodes dropped and
 * copies of their vectors (palloc'd) in vectors; returns how many */
static int
LevelCandidates(HnswSearch *search, HnswCandidate *window, int nwindow,
				HnswCandidate *out, uint32 **vectors)
{
	int			n = 0;

	for (int i = 0; i < nwindow; i++)
	{
		if (!HnswNodeLiveAt(search->index, &window[i].ref, search->level))
			continue;
		vectors[n] = HnswCopyStored(search->index, search->info, search->buffers,
									window[i].ref.vblk, window[i].ref.voff);
		out[n++] = window[i];
	}
	return n;
}

/* Greedy descent from the entry point down to level: *current ends at the
 * nearest node found on the level above it */
static void
Descend(HnswSearch *search, const HnswMetaPageData *meta, int level, HnswCandidate *current)
{
	current->ref.node = meta->entry;
	current->ref.vblk = meta->entry_vblk;
	current->ref.voff = meta->entry_voff;
	current->distance = HnswVectorDistance(search->index, search->info, search->buffers,
										   search->query, current->ref.vblk, current->ref.voff);
	for (int l = meta->entry_level; l > level; l--)
		HnswSearchGreedy(search, l, current);
}

/*
 * The nearest live nodes to vector at level, as an insert would find them:
 * greedy descent from the entry point, then a search of ef_construction.
 * out has room for ef_construction + 1; returns how many, nearest first.
 */
int
HnswFindNeighbors(Relation index, const HnswInfo *info, HnswBufferCache *cache,
				  const uint32 *stored, int level, HnswCandidate *out)
{
	HnswMetaPageData meta;
	HnswSearch	search;
	HnswCandidate current;
	HnswCandidate *window;
	int			nwindow;
	int			n = 0;

	HnswReadMeta(index, &meta);
	if (!ItemPointerIsValid(&meta.entry) || meta.entry_level < level)
		return 0;
	window = (HnswCandidate *) palloc(sizeof(HnswCandidate) * (info->ef_construction + 1));
	HnswSearchInit(&search, index, info, cache, stored);
	Descend(&search, &meta, level, &current);
	HnswSearchEnter(&search, &current.ref, level);
	HnswSearchRound(&search, info->ef_construction);
	nwindow = WindowSorted(&search, window);
	for (int i = 0; i < nwindow; i++)
		if (HnswNodeLiveAt(index, &window[i].ref, level))
			out[n++] = window[i];
	pfree(window);
	return n;
}

/*
 * Gives node, which no level-0 list points at any more, an incoming link:
 * its nearest nodes whose lists have a free slot are offered a link to it,
 * nearest first, until one takes it.  Only free slots: a full list would
 * choose again by the heuristic and could drop other links, orphaning
 * their nodes in turn.  Returns whether a list took it.
 */
bool
HnswLinkOrphan(Relation index, const HnswInfo *info, HnswBufferCache *cache, const HnswRef *node)
{
	uint32	   *stored = HnswCopyStored(index, info, cache, node->vblk, node->voff);
	HnswCandidate *near = (HnswCandidate *) palloc(sizeof(HnswCandidate) * (info->ef_construction + 1));
	HnswRef    *written = (HnswRef *) palloc(sizeof(HnswRef) * 2 * info->m);
	int			nnear;
	bool		linked = false;

	nnear = HnswFindNeighbors(index, info, cache, stored, 0, near);
	for (int i = 0; i < nnear && !linked; i++)
	{
		HnswCandidate me;
		int			n;
		int			state;

		if (ItemPointerEquals(&near[i].ref.node, (ItemPointer) &node->node))
			continue;
		n = HnswReadList(index, &near[i].ref, 0, written, &state);
		if (n >= 2 * info->m)
			continue;
		me.ref = *node;
		me.distance = near[i].distance;
		n = HnswUpdateList(index, info, cache, &near[i].ref, 0, &me, 1, NULL, 0, written);
		for (int j = 0; j < n; j++)
			linked |= ItemPointerEquals(&written[j].node, (ItemPointer) &node->node);
	}
	pfree(stored);
	pfree(near);
	pfree(written);
	return linked;
}

void
HnswInsertVector(Relation index, const HnswInfo *info, const uint32 *stored,
				 ItemPointer heap_tid, HnswBufferCache *cache)
{
	HnswMetaPageData meta;
	int			level = HnswRandomLevel(info->m);
	int			efc = info->ef_construction;
	HnswRef    *lists[HNSW_MAX_LEVEL + 1];
	HnswCandidate *chosen[HNSW_MAX_LEVEL + 1];
	int			counts[HNSW_MAX_LEVEL + 1];
	HnswRef		self;
	HnswCandidate *window = (HnswCandidate *) palloc(sizeof(HnswCandidate) * (efc + 1));
	HnswCandidate *cands = (HnswCandidate *) palloc(sizeof(HnswCandidate) * (efc + 1));
	uint32	  **vectors = (uint32 **) palloc(sizeof(uint32 *) * (efc + 1));
	bool	   *selected = (bool *) palloc(sizeof(bool) * (efc + 1));
	HnswSearch	search;
	HnswCandidate current;
	int			nwindow;
	int			top;
	bool		linked = false;

	MemSet(counts, 0, sizeof(counts));
	HnswReadMeta(index, &meta);
	if (!ItemPointerIsValid(&meta.entry))
	{
		if (PlaceNode(index, info, stored, heap_tid, level, lists, counts, true, &self))
			return;
		HnswReadMeta(index, &meta);
	}

	/* Greedy descent to the node's own level */
	HnswSearchInit(&search, index, info, cache, stored);
	Descend(&search, &meta, level, &current);

	/* On each level from there down: the ef_construction nearest, then the
	 * heuristic's pick of them as neighbors */
	window[0] = current;
	nwindow = 1;
	top = Min(level, (int) meta.entry_level);
	for (int l = top; l >= 0; l--)
	{
		int			max_neighbors = l == 0 ? 2 * info->m : info->m;
		int			ncands;

		HnswSearchInit(&search, index, info, cache, stored);
		for (int i = 0; i < nwindow; i++)
			HnswSearchEnter(&search, &window[i].ref, l);
		HnswSearchRound(&search, efc);
		nwindow = WindowSorted(&search, window);

		ncands = LevelCandidates(&search, window, nwindow, cands, vectors);
		HnswSelectNeighbors(info, cands, ncands, vectors, max_neighbors, selected);
		for (int i = 0; i < ncands; i++)
			pfree(vectors[i]);
		lists[l] = (HnswRef *) palloc(sizeof(HnswRef) * max_neighbors);
		chosen[l] = (HnswCandidate *) palloc(sizeof(HnswCandidate) * max_neighbors);
		for (int i = 0; i < ncands; i++)
			if (selected[i])
			{
				chosen[l][counts[l]] = cands[i];
				lists[l][counts[l]++] = cands[i].ref;
			}
	}

	PlaceNode(index, info, stored, heap_tid, level, lists, counts, false, &self);

	/* Link back from each neighbor */
	for (int l = top; l >= 0; l--)
		for (int i = 0; i < counts[l]; i++)
		{
			HnswCandidate me;
			HnswRef		written[2 * HNSW_MAX_M];
			int			n;

			me.ref = self;
			me.distance = chosen[l][i].distance;
			n = HnswUpdateList(index, info, cache, &chosen[l][i].ref, l, &me, 1, NULL, 0, written);
			for (int j = 0; l == 0 && j < n; j++)
				linked |= ItemPointerEquals(&written[j].node, &self.node);
		}

	/*
	 * Every neighbor's heuristic may have turned the new node down, leaving
	 * it unreachable: then a nearby list with a free slot takes it.
	 */
	if (counts[0] > 0 && !linked)
		HnswLinkOrphan(index, info, cache, &self);

	/* The highest node becomes the entry point */
	if (level > meta.entry_level)
	{
		Buffer		metabuf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
		HnswMetaPage m;

		LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
		m = HnswPageGetMeta(BufferGetPage(metabuf));
		if (level > m->entry_level)
		{
			GenericXLogState *state = GenericXLogStart(index);

			m = HnswPageGetMeta(GenericXLogRegisterBuffer(state, metabuf, 0));
			m->entry = self.node;
			m->entry_level = level;
			m->entry_vblk = self.vblk;
			m->entry_voff = self.voff;
			GenericXLogFinish(state);
		}
		UnlockReleaseBuffer(metabuf);
	}
}

bool
hnswinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
		   Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
		   IndexInfo *indexInfo)
{
	const HnswInfo *info;
	MemoryContext cxt;
	MemoryContext old;
	uint32	   *stored;
	HnswBufferCache cache;

	if (isnull[0])
		return false;
	info = HnswGetInfo(index);
	cxt = AllocSetContextCreate(CurrentMemoryContext, "hnsw insert", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	stored = HnswPrepareStored(info, values[0]);
	if (stored != NULL)
	{
		LockPage(index, HNSW_UPDATE_LOCK, ShareLock);
		HnswBufferCacheInit(&cache);
		HnswInsertVector(index, info, stored, heap_tid, &cache);
		HnswBufferCacheRelease(&cache);
		UnlockPage(index, HNSW_UPDATE_LOCK, ShareLock);
	}

	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return false;
}

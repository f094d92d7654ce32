/*-------------------------------------------------------------------------
 *
 * hnsw_graph.cpp
 *		The graph as it lives in index pages: vector distances, neighbor
 *		lists, and the layer search that insert, scan and vacuum share.
 *
 * Locking: a node page is share-locked only while a list is copied out of
 * it; the pages of one vector are share-locked together, in block order,
 * while its distance is computed, so a vector is never read half-written.
 * Code here calls functions that can ereport, so it keeps only trivially
 * destructible state (palloc'd arrays in plain structs).
 *
 * IDENTIFICATION
 *		src/hnsw/hnsw_graph.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include "types/sparsevec.h"

extern "C"
{
#include "miscadmin.h"
#include "utils/memutils.h"
}

static inline uint32
HashKey(uint64 key)
{
	return (uint32) ((key * UINT64CONST(0x9E3779B97F4A7C15)) >> 32);
}

void
HnswBufferCacheInit(HnswBufferCache *cache)
{
	cache->cxt = CurrentMemoryContext;
	cache->gather = NULL;
	cache->scatter = NULL;
	cache->scattered = NULL;
	cache->mask = 255;
	cache->count = 0;
	cache->blocks = (BlockNumber *) palloc(sizeof(BlockNumber) * (cache->mask + 1));
	cache->buffers = (Buffer *) palloc(sizeof(Buffer) * (cache->mask + 1));
	for (uint32 i = 0; i <= cache->mask; i++)
		cache->blocks[i] = InvalidBlockNumber;
}

void
HnswBufferCacheRelease(HnswBufferCache *cache)
{
	if (cache->blocks == NULL)
		return;
	for (uint32 i = 0; i <= cache->mask; i++)
		if (cache->blocks[i] != InvalidBlockNumber)
		{
			ReleaseBuffer(cache->buffers[i]);
			cache->blocks[i] = InvalidBlockNumber;
		}
	cache->count = 0;
}

static void
BufferCacheInsert(HnswBufferCache *cache, BlockNumber blk, Buffer buf)
{
	uint32		i = HashKey(blk) & cache->mask;

	while (cache->blocks[i] != InvalidBlockNumber)
		i = (i + 1) & cache->mask;
	cache->blocks[i] = blk;
	cache->buffers[i] = buf;
	cache->count++;
}

/* A pinned buffer for a vector page, pinned once per cache */
static Buffer
BufferCacheGet(Relation index, HnswBufferCache *cache, BlockNumber blk)
{
	uint32		i = HashKey(blk) & cache->mask;
	Buffer		buf;

	while (cache->blocks[i] != InvalidBlockNumber)
	{
		if (cache->blocks[i] == blk)
			return cache->buffers[i];
		i = (i + 1) & cache->mask;
	}

	if (cache->count * 2 >= cache->mask)
	{
		BlockNumber *old_blocks = cache->blocks;
		Buffer	   *old_buffers = cache->buffers;
		uint32		old_mask = cache->mask;

		cache->mask = old_mask * 2 + 1;
		cache->count = 0;
		cache->blocks = (BlockNumber *) MemoryContextAlloc(cache->cxt, sizeof(BlockNumber) * (cache->mask + 1));
		cache->buffers = (Buffer *) MemoryContextAlloc(cache->cxt, sizeof(Buffer) * (cache->mask + 1));
		for (uint32 j = 0; j <= cache->mask; j++)
			cache->blocks[j] = InvalidBlockNumber;
		for (uint32 j = 0; j <= old_mask; j++)
			if (old_blocks[j] != InvalidBlockNumber)
				BufferCacheInsert(cache, old_blocks[j], old_buffers[j]);
		pfree(old_blocks);
		pfree(old_buffers);
	}

	buf = ReadBuffer(index, blk);
	BufferCacheInsert(cache, blk, buf);
	return buf;
}

/* The pages a stored vector of words words starting at word voff spans */
int
HnswVectorPages(uint16 voff, int words)
{
	return (voff + words + HNSW_WORDS_PER_PAGE - 1) / HNSW_WORDS_PER_PAGE;
}

/* Words the stored vector takes: fixed, or a sparse record's own count */
int
HnswStoredWords(const HnswInfo *info, const uint32 *stored)
{
	if (info->storage == vectordb::simd::Storage::kSparse)
		return (int) vectordb::simd::SparseRecordWords(vectordb::simd::SparseRecordNnz(stored[0]));
	return info->vwords;
}

/* A column value in the index's stored form, palloc'd: what pages hold and
 * what HnswVectorDistance measures against; NULL for a value the index
 * skips (zero norm under cosine) */
uint32 *
HnswPrepareStored(const HnswInfo *info, Datum value)
{
	uint32	   *words;
	float	   *vector;
	bool		keep;

	if (info->storage == vectordb::simd::Storage::kSparse)
	{
		/* room for this row's non-zeros only; the detoasted value is
		 * handed on, and checked there before anything is written */
		SparseVector *v = DatumGetSparseVector(value);

		words = (uint32 *) palloc(sizeof(uint32) *
								  vectordb::simd::SparseRecordWords(Min(Max(v->nnz, 0), SPARSEVEC_MAX_NNZ)));
		keep = VectorIndexPrepareSparse(&info->vm, PointerGetDatum(v), words);
		if ((Pointer) v != DatumGetPointer(value))
			pfree(v);
		if (keep)
			return words;
		pfree(words);
		return NULL;
	}
	words = (uint32 *) palloc(sizeof(uint32) * Max(info->vwords, 1));
	vector = (float *) palloc(sizeof(float) * Max(info->vm.dims, 1));
	keep = VectorIndexPrepare(&info->vm, value, vector);
	if (keep)
		vectordb::simd::EncodeStored(info->storage, vector, info->vm.dims, words);
	pfree(vector);
	if (keep)
		return words;
	pfree(words);
	return NULL;
}

/* The distance between two vectors in stored form */
double
HnswStoredDistance(const HnswInfo *info, const uint32 *a, const uint32 *b)
{
	vectordb::simd::StoredDistance distance;

	if (info->storage == vectordb::simd::Storage::kSparse)
		return vectordb::simd::SparseRecordDistance(info->vm.metric, a, b);
	vectordb::simd::AccumulateStored(info->storage, info->vm.metric, a, b, info->vwords, &distance);
	return vectordb::simd::FinishStored(info->vm.metric, distance);
}

static void
InvalidVectorReference(Relation index, BlockNumber vblk, uint16 voff)
{
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("hnsw index \"%s\" has an invalid vector reference (%u,%u)",
					RelationGetRelationName(index), vblk, voff),
			 errhint("Please REINDEX it.")));
}

static void
LockVectorPage(Relation index, HnswBufferCache *cache, BlockNumber blk,
			   BlockNumber vblk, uint16 voff, Buffer *buffer)
{
	Page		page;

	*buffer = BufferCacheGet(index, cache, blk);
	LockBuffer(*buffer, BUFFER_LOCK_SHARE);
	page = BufferGetPage(*buffer);
	if (PageIsNew(page) || HnswPageGetOpaque(page)->page_id != HNSW_MAGIC ||
		HnswPageGetOpaque(page)->page_type != HNSW_PAGE_VECTOR)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("hnsw index \"%s\" has a vector reference (%u,%u) to a page that holds no vectors",
						RelationGetRelationName(index), vblk, voff),
				 errhint("Please REINDEX it.")));
}

/*
 * Share-locks the pages of the vector at (vblk, voff), in block order;
 * returns how many and sets *words to its length.  A sparse record's
 * length is in its first word, read once the first page is locked.
 */
static int
LockVector(Relation index, const HnswInfo *info, HnswBufferCache *cache,
		   BlockNumber vblk, uint16 voff, Buffer *buffers, int *words)
{
	int			npages;

	if (vblk == InvalidBlockNumber || voff >= HNSW_WORDS_PER_PAGE)
		InvalidVectorReference(index, vblk, voff);
	LockVectorPage(index, cache, vblk, vblk, voff, &buffers[0]);
	*words = info->vwords;
	if (info->storage == vectordb::simd::Storage::kSparse)
	{
		uint32		header = HnswPageWords(BufferGetPage(buffers[0]))[voff];
		int			nnz = vectordb::simd::SparseRecordNnz(header);

		if (nnz > SPARSEVEC_MAX_NNZ || nnz > vectordb::simd::SparseRecordCapacity(header))
		{
			LockBuffer(buffers[0], BUFFER_LOCK_UNLOCK);
			InvalidVectorReference(index, vblk, voff);
		}
		*words = (int) vectordb::simd::SparseRecordWords(nnz);
	}
	npages = HnswVectorPages(voff, *words);
	if (npages > HNSW_MAX_VECTOR_PAGES)
	{
		LockBuffer(buffers[0], BUFFER_LOCK_UNLOCK);
		InvalidVectorReference(index, vblk, voff);
	}
	for (int i = 1; i < npages; i++)
		LockVectorPage(index, cache, vblk + i, vblk, voff, &buffers[i]);
	return npages;
}

/* Copies the locked vector's words into out and unlocks its pages */
static void
GatherVector(Buffer *buffers, int npages, uint16 voff, int words, uint32 *out)
{
	int			done = 0;

	for (int i = 0; i < npages; i++)
	{
		int			start = i == 0 ? voff : 0;
		int			n = Min(words - done, (int) HNSW_WORDS_PER_PAGE - start);

		memcpy(out + done, HnswPageWords(BufferGetPage(buffers[i])) + start, sizeof(uint32) * n);
		done += n;
	}
	for (int i = 0; i < npages; i++)
		LockBuffer(buffers[i], BUFFER_LOCK_UNLOCK);
}

/* Queries of up to this many dimensions are written out for inner products */
#define HNSW_SCATTER_MAX_DIMS	(1 << 20)

/*
 * The sparse query written out in full (dims floats, kept in the cache), or
 * NULL when the metric is not the inner product (cosine included) or the
 * dimensions are too many.  The record it was made from is kept and
 * compared, so a different query is never measured against a stale one; a
 * new query clears only the previous one's entries.  Indices are checked:
 * the query may be a copy of a damaged record.
 */
static const float *
ScatteredQuery(const HnswInfo *info, HnswBufferCache *cache, const uint32 *query)
{
	int			words = HnswStoredWords(info, query);
	int			nnz = vectordb::simd::SparseRecordNnz(query[0]);
	int			old;
	const int32 *old_indices;
	const int32 *indices = (const int32 *) (query + 1);
	const float *values = (const float *) (query + 1 + nnz);

	if (info->vm.metric != vectordb::simd::Metric::kNegativeInnerProduct ||
		info->vm.dims > HNSW_SCATTER_MAX_DIMS)
		return NULL;
	if (cache->scatter == NULL)
	{
		cache->scatter = (float *) MemoryContextAllocZero(cache->cxt, sizeof(float) * info->vm.dims);
		cache->scattered = (uint32 *) MemoryContextAlloc(cache->cxt, sizeof(uint32) * info->vwords);
		cache->scattered[0] = vectordb::simd::SparseRecordHeader(0, 0);
	}
	else if (HnswStoredWords(info, cache->scattered) == words &&
			 memcmp(cache->scattered + 1, query + 1, sizeof(uint32) * (words - 1)) == 0)
		return cache->scatter;

	old = vectordb::simd::SparseRecordNnz(cache->scattered[0]);
	old_indices = (const int32 *) (cache->scattered + 1);
	for (int i = 0; i < old; i++)
		if (old_indices[i] >= 0 && old_indices[i] < info->vm.dims)
			cache->scatter[old_indices[i]] = 0.0f;
	for (int i = 0; i < nnz; i++)
		if (indices[i] >= 0 && indices[i] < info->vm.dims)
			cache->scatter[indices[i]] = values[i];
	memcpy(cache->scattered, query, sizeof(uint32) * words);
	return cache->scatter;
}

/* The distance of a sparse query to a record */
static double
SparseDistance(const HnswInfo *info, HnswBufferCache *cache, const uint32 *query,
			   const uint32 *record)
{
	const float *dense = ScatteredQuery(info, cache, query);

	if (dense != NULL)
		return -vectordb::simd::SparseRecordDotDense(dense, info->vm.dims, record);
	return vectordb::simd::SparseRecordDistance(info->vm.metric, query, record);
}

double
HnswVectorDistance(Relation index, const HnswInfo *info, HnswBufferCache *cache,
				   const uint32 *query, BlockNumber vblk, uint16 voff)
{
	Buffer		buffers[HNSW_MAX_VECTOR_PAGES];
	int			words;
	int			npages = LockVector(index, info, cache, vblk, voff, buffers, &words);
	int			done = 0;
	vectordb::simd::StoredDistance distance;

	if (info->storage == vectordb::simd::Storage::kSparse)
	{
		/* a merge needs the whole record: in place when on one page */
		const uint32 *record = HnswPageWords(BufferGetPage(buffers[0])) + voff;
		double		d;

		if (npages > 1)
		{
			if (cache->gather == NULL)
				cache->gather = (uint32 *) MemoryContextAlloc(cache->cxt, sizeof(uint32) * info->vwords);
			GatherVector(buffers, npages, voff, words, cache->gather);
			return SparseDistance(info, cache, query, cache->gather);
		}
		d = SparseDistance(info, cache, query, record);
		LockBuffer(buffers[0], BUFFER_LOCK_UNLOCK);
		return d;
	}
	for (int i = 0; i < npages; i++)
	{
		int			start = i == 0 ? voff : 0;
		int			n = Min(words - done, (int) HNSW_WORDS_PER_PAGE - start);

		vectordb::simd::AccumulateStored(info->storage, info->vm.metric, query + done,
										 HnswPageWords(BufferGetPage(buffers[i])) + start, n,
										 &distance);
		done += n;
	}
	for (int i = 0; i < npages; i++)
		LockBuffer(buffers[i], BUFFER_LOCK_UNLOCK);
	return vectordb::simd::FinishStored(info->vm.metric, distance);
}

/* A palloc'd copy of the stored vector at (vblk, voff) */
uint32 *
HnswCopyStored(Relation index, const HnswInfo *info, HnswBufferCache *cache,
			   BlockNumber vblk, uint16 voff)
{
	Buffer		buffers[HNSW_MAX_VECTOR_PAGES];
	int			words;
	int			npages = LockVector(index, info, cache, vblk, voff, buffers, &words);
	uint32	   *out = (uint32 *) palloc(sizeof(uint32) * Max(words, 1));

	GatherVector(buffers, npages, voff, words, out);
	return out;
}

/*
 * Whether the node ref points at is live and has the given level, read
 * under a short share lock.  A ref copied from a deleted node's list may be
 * stale: after a VACUUM interrupted between freeing pages, its target can be
 * free, or already reused by another row at a lower level.
 */
bool
HnswNodeLiveAt(Relation index, const HnswRef *ref, int level)
{
	Buffer		buf = ReadBuffer(index, ItemPointerGetBlockNumber(&ref->node));
	HnswNode	node;
	bool		live;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	node = HnswGetNode(index, BufferGetPage(buf), ItemPointerGetOffsetNumber(&ref->node));
	live = node->state == HNSW_NODE_LIVE && node->level >= level;
	UnlockReleaseBuffer(buf);
	return live;
}

/*
 * Copies the non-empty neighbors of a node at a level into out (room for 2m
 * refs).  *state gets the node's state.  A node below that level has none.
 */
int
HnswReadList(Relation index, const HnswRef *ref, int level, HnswRef *out, int *state)
{
	BlockNumber blk = ItemPointerGetBlockNumber(&ref->node);
	OffsetNumber off = ItemPointerGetOffsetNumber(&ref->node);
	Buffer		buf = ReadBuffer(index, blk);
	Page		page;
	HnswNode	node;
	int			count = 0;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (!HnswIsNodePage(page) ||
		off > PageGetMaxOffsetNumber(page))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("hnsw index \"%s\" has an invalid node reference (%u,%u)",
						RelationGetRelationName(index), blk, off)));
	node = HnswGetNode(index, page, off);
	*state = node->state;
	if (node->level >= level)
	{
		int			slots;
		HnswNeighbor *list = HnswNodeList(node, HnswGetInfo(index)->m, level, &slots);

		for (int i = 0; i < slots; i++)
			if (!HnswNeighborIsEmpty(&list[i]))
				HnswGetNeighbor(&list[i], &out[count++]);
	}
	UnlockReleaseBuffer(buf);
	return count;
}

/* Heap of candidates; ties broken by node TID so results are deterministic */
static inline bool
Before(const HnswHeap *heap, const HnswCandidate *a, const HnswCandidate *b)
{
	if (a->distance != b->distance)
		return heap->max_heap ? a->distance > b->distance : a->distance < b->distance;
	return heap->max_heap ? HnswTidKey((ItemPointer) &a->ref.node) > HnswTidKey((ItemPointer) &b->ref.node)
		: HnswTidKey((ItemPointer) &a->ref.node) < HnswTidKey((ItemPointer) &b->ref.node);
}

void
HnswHeapInit(HnswHeap *heap, bool max_heap, int capacity)
{
	heap->capacity = Max(capacity, 16);
	heap->items = (HnswCandidate *) palloc(sizeof(HnswCandidate) * heap->capacity);
	heap->count = 0;
	heap->max_heap = max_heap;
}

void
HnswHeapPush(HnswHeap *heap, const HnswCandidate *c)
{
	int			i;

	if (heap->count == heap->capacity)
	{
		heap->capacity *= 2;
		heap->items = (HnswCandidate *) repalloc_huge(heap->items, sizeof(HnswCandidate) * heap->capacity);
	}
	i = heap->count++;
	while (i > 0)
	{
		int			parent = (i - 1) / 2;

		if (!Before(heap, c, &heap->items[parent]))
			break;
		heap->items[i] = heap->items[parent];
		i = parent;
	}
	heap->items[i] = *c;
}

HnswCandidate
HnswHeapPop(HnswHeap *heap)
{
	HnswCandidate top = heap->items[0];
	HnswCandidate last = heap->items[--heap->count];
	int			i = 0;

	for (;;)
	{
		int			child = 2 * i + 1;

		if (child >= heap->count)
			break;
		if (child + 1 < heap->count && Before(heap, &heap->items[child + 1], &heap->items[child]))
			child++;
		if (!Before(heap, &heap->items[child], &last))
			break;
		heap->items[i] = heap->items[child];
		i = child;
	}
	if (heap->count > 0)
		heap->items[i] = last;
	return top;
}

void
HnswVisitedInit(HnswVisited *set, int capacity)
{
	uint32		size = 1024;

	while (size < (uint32) capacity * 2)
		size *= 2;
	set->keys = (uint64 *) palloc0(sizeof(uint64) * size);
	set->mask = size - 1;
	set->count = 0;
}

/* Adds key; false if it was already there */
bool
HnswVisitedAdd(HnswVisited *set, uint64 key)
{
	uint32		i;

	if (set->count * 2 >= set->mask)
	{
		uint64	   *old = set->keys;
		uint32		old_size = set->mask + 1;

		set->keys = (uint64 *) palloc_extended(sizeof(uint64) * old_size * 2, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		set->mask = old_size * 2 - 1;
		for (uint32 j = 0; j < old_size; j++)
			if (old[j] != 0)
			{
				i = HashKey(old[j]) & set->mask;
				while (set->keys[i] != 0)
					i = (i + 1) & set->mask;
				set->keys[i] = old[j];
			}
		pfree(old);
	}
	i = HashKey(key) & set->mask;
	while (set->keys[i] != 0)
	{
		if (set->keys[i] == key)
			return false;
		i = (i + 1) & set->mask;
	}
	set->keys[i] = key;
	set->count++;
	return true;
}

bool
HnswVisitedContains(const HnswVisited *set, uint64 key)
{
	uint32		i = HashKey(key) & set->mask;

	while (set->keys[i] != 0)
	{
		if (set->keys[i] == key)
			return true;
		i = (i + 1) & set->mask;
	}
	return false;
}

void
HnswSearchInit(HnswSearch *search, Relation index, const HnswInfo *info,
			   HnswBufferCache *cache, const uint32 *query)
{
	MemSet(search, 0, sizeof(HnswSearch));
	search->index = index;
	search->info = info;
	search->query = query;
	search->buffers = cache;
	HnswVisitedInit(&search->visited, 512);
	HnswHeapInit(&search->expand, false, 256);
	HnswHeapInit(&search->window, true, 64);
	HnswHeapInit(&search->pending, false, 256);
}

/* Starts (or restarts) a search at a level from one entry node */
void
HnswSearchEnter(HnswSearch *search, const HnswRef *entry, int level)
{
	HnswCandidate c;

	search->level = level;
	if (!HnswVisitedAdd(&search->visited, HnswTidKey((ItemPointer) &entry->node)))
		return;
	c.ref = *entry;
	c.distance = HnswVectorDistance(search->index, search->info, search->buffers,
									search->query, entry->vblk, entry->voff);
	search->distances++;
	HnswHeapPush(&search->expand, &c);
	HnswHeapPush(&search->window, &c);
}

/* Greedy descent at one upper level: moves current to its nearest neighbor
 * until none is nearer */
void
HnswSearchGreedy(HnswSearch *search, int level, HnswCandidate *current)
{
	HnswRef    *refs = (HnswRef *) palloc(sizeof(HnswRef) * 2 * search->info->m);
	bool		moved = true;

	while (moved)
	{
		int			state;
		int			n = HnswReadList(search->index, &current->ref, level, refs, &state);

		moved = false;
		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < n; i++)
		{
			double		d = HnswVectorDistance(search->index, search->info, search->buffers,
											   search->query, refs[i].vblk, refs[i].voff);

			search->distances++;
			if (d < current->distance)
			{
				current->distance = d;
				current->ref = refs[i];
				moved = true;
			}
		}
	}
	pfree(refs);
}

/*
 * One round of the layer search with window ef.  The window starts from the
 * best pending candidates of earlier rounds; nodes are expanded nearest
 * first until the nearest unexpanded one is farther than the window's
 * farthest.  Everything discovered and not in the window goes to pending,
 * so a later round can go on from there (iterative scans).
 */
void
HnswSearchRound(HnswSearch *search, int ef)
{
	HnswRef    *refs = (HnswRef *) palloc(sizeof(HnswRef) * 2 * search->info->m);

	while (search->window.count < ef && search->pending.count > 0)
	{
		HnswCandidate c = HnswHeapPop(&search->pending);

		HnswHeapPush(&search->window, &c);
	}

	while (search->expand.count > 0)
	{
		HnswCandidate c = search->expand.items[0];
		int			state;
		int			n;

		if (search->window.count >= ef && c.distance > search->window.items[0].distance)
			break;
		HnswHeapPop(&search->expand);
		CHECK_FOR_INTERRUPTS();

		n = HnswReadList(search->index, &c.ref, search->level, refs, &state);
		for (int i = 0; i < n; i++)
		{
			HnswCandidate nc;

			if (!HnswVisitedAdd(&search->visited, HnswTidKey(&refs[i].node)))
				continue;
			nc.ref = refs[i];
			nc.distance = HnswVectorDistance(search->index, search->info, search->buffers,
											 search->query, refs[i].vblk, refs[i].voff);
			search->distances++;
			HnswHeapPush(&search->expand, &nc);
			if (search->window.count < ef || nc.distance < search->window.items[0].distance)
			{
				HnswHeapPush(&search->window, &nc);
				if (search->window.count > ef)
				{
					HnswCandidate far = HnswHeapPop(&search->window);

					HnswHeapPush(&search->pending, &far);
				}
			}
			else
				HnswHeapPush(&search->pending, &nc);
		}
	}
	pfree(refs);
}

/* Whether two stored vectors are the same (a sparse record's header also
 * holds the size of the space it was read from, which does not count) */
static bool
SameVector(const HnswInfo *info, const uint32 *a, const uint32 *b)
{
	int			words = HnswStoredWords(info, a);
	int			skip = info->storage == vectordb::simd::Storage::kSparse ? 1 : 0;

	return HnswStoredWords(info, b) == words &&
		memcmp(a + skip, b + skip, sizeof(uint32) * (words - skip)) == 0;
}

/*
 * The neighbor-selection heuristic: walking candidates nearest first, keep
 * one only if it is nearer to the new node than to every one kept so far,
 * which keeps links pointing in diverse directions.  candidates are sorted
 * by ascending distance; vectors[i] is candidate i's stored vector.
 */
int
HnswSelectNeighbors(const HnswInfo *info, const HnswCandidate *candidates,
					int ncandidates, uint32 *const *vectors, int max_neighbors,
					bool *selected)
{
	int		   *kept = (int *) palloc(sizeof(int) * Max(max_neighbors, 1));
	int			nkept = 0;

	for (int i = 0; i < ncandidates; i++)
	{
		bool		good = nkept < max_neighbors;

		selected[i] = false;
		for (int j = 0; good && j < nkept; j++)
		{
			const uint32 *other = vectors[kept[j]];
			double		d = HnswStoredDistance(info, vectors[i], other);

			/* An exact copy of a vector already kept adds no direction, and
			 * keeping copies lets many identical vectors fill each other's
			 * lists into a group the search cannot leave */
			if (d < candidates[i].distance || SameVector(info, vectors[i], other))
				good = false;
		}
		if (good)
		{
			selected[i] = true;
			kept[nkept++] = i;
		}
	}
	pfree(kept);
	return nkept;
}

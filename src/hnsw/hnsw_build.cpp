/*-------------------------------------------------------------------------
 *
 * hnsw_build.cpp
 *		CREATE INDEX for hnsw: the graph is built in memory by hnswlib on
 *		signal-blocked threads while the backend scans the heap, then written
 *		to pages once and WAL-logged in bulk.
 *
 * Memory: the graph takes at most maintenance_work_mem.  When the table has
 * more rows than fit, the graph built so far is written out and the rest are
 * inserted on disk one by one, as aminsert would: slower, still correct.
 * A sparsevec graph holds pointers to sparse records the builder keeps, so
 * their sizes count against the same budget.
 *
 * The backend thread polls for interrupts while the workers run; on a
 * cancel it stops them and only then lets CHECK_FOR_INTERRUPTS raise the
 * error, after which a memory-context reset callback frees the graph.
 *
 * IDENTIFICATION
 *		src/hnsw/hnsw_build.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

#include "types/vector.h"

extern "C"
{
#include "access/tableam.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/smgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"
}

#define HNSW_PHASE_LOAD			2
#define HNSW_PHASE_WRITE		3
#define HNSW_PHASE_ON_DISK		4

/* Owned C++ state, freed by a memory context reset callback even on error */
typedef struct HnswGraphOwner
{
	vectordb::hnsw::GraphBuilder *graph;
	MemoryContextCallback callback;
} HnswGraphOwner;

typedef struct HnswBuildState
{
	Relation	heap;
	Relation	index;
	const HnswInfo *info;
	HnswGraphOwner *owner;
	Size		capacity;		/* elements the graph may hold */
	int			threads;

	ItemPointerData *tids;		/* heap TID of each graph label */
	float	   *batch;			/* vectors read but not yet in the graph */
	int			batch_size;
	int			batch_count;
	Size		in_graph;		/* labels added to the graph */

	/* sparse records: the batch packed back to back, and memory use */
	bool		sparse;
	uint32	   *record;			/* the row being added */
	uint32	   *records;
	Size		batch_words;
	Size		batch_words_max;
	Size		kept_bytes;		/* records the graph keeps */
	Size		budget;
	Size		per_element;

	bool		on_disk;		/* graph written; insert the rest on disk */
	HnswBufferCache cache;
	MemoryContext tmpcxt;

	double		heap_tuples;
	double		index_tuples;
} HnswBuildState;

static void
FreeGraph(void *arg)
{
	HnswGraphOwner *owner = (HnswGraphOwner *) arg;

	vectordb::hnsw::GraphDestroy(owner->graph);
	owner->graph = nullptr;
}

/* Words of the first n sparse records packed back to back */
static Size
RecordsWords(const uint32 *records, Size n)
{
	Size		words = 0;

	for (Size i = 0; i < n; i++)
		words += vectordb::simd::SparseRecordWords(vectordb::simd::SparseRecordNnz(records[words]));
	return words;
}

/* Adds the batch to the graph on the worker threads */
static void
FlushBatch(HnswBuildState *state)
{
	Size		done = 0;
	const int64 base = (int64) state->in_graph;

	while (done < (Size) state->batch_count)
	{
		std::size_t completed = 0;
		const char *error;
		auto		poll = [base, done](std::size_t added) {
			pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, base + done + added);
			return !(QueryCancelPending || ProcDiePending);
		};

		if (state->sparse)
			error = vectordb::hnsw::GraphAddSparse(
				state->owner->graph, state->records + RecordsWords(state->records, done),
				state->batch_count - done, state->in_graph, state->threads, poll, &completed);
		else
			error = vectordb::hnsw::GraphAdd(
				state->owner->graph, state->batch + done * state->info->vm.dims,
				state->batch_count - done, state->in_graph, state->threads, poll, &completed);
		done += completed;
		state->in_graph += completed;
		if (error != nullptr)
		{
			if (strcmp(error, "canceled") != 0)
				ereport(ERROR,
						(errcode(strcmp(error, "out of memory") == 0 ?
								 ERRCODE_OUT_OF_MEMORY : ERRCODE_INTERNAL_ERROR),
						 errmsg("could not build hnsw graph: %s", error)));
			/* Raises the cancel; if it does not, go on with the rest */
			CHECK_FOR_INTERRUPTS();
		}
	}
	state->batch_count = 0;
	state->kept_bytes += sizeof(uint32) * state->batch_words;
	state->batch_words = 0;
}

/* Writes the in-memory graph to pages: metapage, vector stream, nodes */
static void
WriteGraph(HnswBuildState *state)
{
	using namespace vectordb::hnsw;
	Relation	index = state->index;
	const HnswInfo *info = state->info;
	GraphBuilder *graph = state->owner->graph;
	Size		n = GraphCount(graph);
	int			m = info->m;
	int			max_level = HnswMaxLevel(m);
	const Size	wpp = HNSW_WORDS_PER_PAGE;
	Size	   *vpos = (Size *) palloc_extended(sizeof(Size) * (n + 1), MCXT_ALLOC_HUGE);
	Size		total_words;
	BlockNumber vector_pages;
	uint32	   *stored = (uint32 *) palloc(sizeof(uint32) * Max(info->vwords, 1));
	BlockNumber first_node_page;
	const Size	room = BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - MAXALIGN(sizeof(HnswPageOpaqueData));
	ItemPointerData *node_tids = (ItemPointerData *) palloc_extended(sizeof(ItemPointerData) * Max(n, 1),
																	 MCXT_ALLOC_HUGE);
	HnswNode	item = (HnswNode) palloc(HNSW_NODE_SIZE(m, max_level));
	Buffer		buf = InvalidBuffer;
	Page		page = NULL;
	BlockNumber last_node_page = InvalidBlockNumber;
	Buffer		metabuf;
	HnswMetaPage meta;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PHASE_WRITE);

	/* Where each vector goes in the stream: vpos[i] words from its start */
	vpos[0] = 0;
	for (Size i = 0; i < n; i++)
		vpos[i + 1] = vpos[i] + (state->sparse ?
								 vectordb::simd::SparseRecordWords(
									 vectordb::simd::SparseRecordNnz(GraphSparseRecord(graph, i)[0])) :
								 (Size) info->vwords);
	total_words = vpos[n];
	vector_pages = (BlockNumber) ((total_words + wpp - 1) / wpp);
	first_node_page = 1 + vector_pages;

	/* The neighbour heuristic can prune a node's every incoming link; such
	 * a node gets one now, so a search from the entry point can reach it */
	{
		Size		relinked = GraphConnect(graph);

		if (relinked > 0)
			elog(DEBUG1, "hnsw build linked %zu unreachable nodes of \"%s\"",
				 relinked, RelationGetRelationName(index));
	}

	/* Where each node will go: items packed in order after the vectors */
	{
		BlockNumber blk = first_node_page;
		Size		free_space = room;
		OffsetNumber off = FirstOffsetNumber;

		for (Size i = 0; i < n; i++)
		{
			Size		need = MAXALIGN(HNSW_NODE_SIZE(m, Min(GraphLevel(graph, i), max_level))) + sizeof(ItemIdData);

			if (need > free_space)
			{
				blk++;
				free_space = room;
				off = FirstOffsetNumber;
			}
			ItemPointerSet(&node_tids[i], blk, off++);
			free_space -= need;
		}
	}

	/* The vector stream in the stored form, one page after the other */
	for (Size i = 0, pos = 0; i < n; i++)
	{
		int			done = 0;
		int			vwords = (int) (vpos[i + 1] - vpos[i]);
		const uint32 *words = stored;

		if (state->sparse)
			words = GraphSparseRecord(graph, i);
		else
			vectordb::simd::EncodeStored(info->storage, GraphVector(graph, i), info->vm.dims, stored);
		while (done < vwords)
		{
			Size		in_page = pos % wpp;
			int			piece = (int) Min((Size) (vwords - done), wpp - in_page);

			if (in_page == 0)
			{
				if (BufferIsValid(buf))
				{
					MarkBufferDirty(buf);
					UnlockReleaseBuffer(buf);
				}
				buf = VectorIndexNewBuffer(index, MAIN_FORKNUM);
				page = BufferGetPage(buf);
				HnswInitPage(page, HNSW_PAGE_VECTOR);
			}
			memcpy(HnswPageWords(page) + in_page, words + done, sizeof(uint32) * piece);
			done += piece;
			pos += piece;
		}
		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	if (BufferIsValid(buf))
	{
		MarkBufferDirty(buf);
		UnlockReleaseBuffer(buf);
		buf = InvalidBuffer;
	}

	/* The nodes, their neighbors translated to TIDs and vector positions */
	for (Size i = 0; i < n; i++)
	{
		int			level = Min(GraphLevel(graph, i), max_level);
		Size		size = HNSW_NODE_SIZE(m, level);
		OffsetNumber off;

		if (!BufferIsValid(buf) || BufferGetBlockNumber(buf) != ItemPointerGetBlockNumber(&node_tids[i]))
		{
			if (BufferIsValid(buf))
			{
				MarkBufferDirty(buf);
				UnlockReleaseBuffer(buf);
			}
			buf = VectorIndexNewBuffer(index, MAIN_FORKNUM);
			if (BufferGetBlockNumber(buf) != ItemPointerGetBlockNumber(&node_tids[i]))
				elog(ERROR, "hnsw build: unexpected block %u", BufferGetBlockNumber(buf));
			page = BufferGetPage(buf);
			HnswInitPage(page, HNSW_PAGE_NODE);
			last_node_page = BufferGetBlockNumber(buf);
		}

		MemSet(item, 0, size);
		item->state = HNSW_NODE_LIVE;
		item->level = level;
		item->capacity_level = level;
		item->heaptid = state->tids[GraphLabel(graph, i)];
		BlockIdSet(&item->vblk, 1 + (BlockNumber) (vpos[i] / wpp));
		item->voff = (uint16) (vpos[i] % wpp);
		for (int l = 0; l <= level; l++)
		{
			int			slots;
			HnswNeighbor *list = HnswNodeList(item, m, l, &slots);
			const std::uint32_t *neighbors;
			Size		count = GraphNeighbors(graph, i, l, &neighbors);

			for (int s = 0; s < slots; s++)
			{
				HnswRef		ref;

				if ((Size) s >= count)
				{
					HnswSetNeighbor(&list[s], NULL);
					continue;
				}
				ref.node = node_tids[neighbors[s]];
				ref.vblk = 1 + (BlockNumber) (vpos[neighbors[s]] / wpp);
				ref.voff = (uint16) (vpos[neighbors[s]] % wpp);
				HnswSetNeighbor(&list[s], &ref);
			}
		}
		off = PageAddItem(page, (Item) item, size, InvalidOffsetNumber, false, false);
		if (off != ItemPointerGetOffsetNumber(&node_tids[i]))
			elog(ERROR, "hnsw build: node placed at offset %u, expected %u", off,
				 ItemPointerGetOffsetNumber(&node_tids[i]));
		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	if (BufferIsValid(buf))
	{
		MarkBufferDirty(buf);
		UnlockReleaseBuffer(buf);
	}

	/* The metapage says where everything is */
	metabuf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
	LockBuffer(metabuf, BUFFER_LOCK_EXCLUSIVE);
	meta = HnswPageGetMeta(BufferGetPage(metabuf));
	if (n > 0)
	{
		long		entry = GraphEntryPoint(graph);

		meta->entry = node_tids[entry];
		meta->entry_level = Min(GraphLevel(graph, entry), max_level);
		meta->entry_vblk = 1 + (BlockNumber) (vpos[entry] / wpp);
		meta->entry_voff = (uint16) (vpos[entry] % wpp);
		meta->vec_tail_blk = vector_pages;
		meta->vec_tail_used = (uint32) (total_words - (Size) (vector_pages - 1) * wpp);
		meta->node_tail_blk = last_node_page;
		meta->nodes = n;
	}
	MarkBufferDirty(metabuf);
	UnlockReleaseBuffer(metabuf);

	if (RelationNeedsWAL(index))
		log_newpage_range(index, MAIN_FORKNUM, 0, RelationGetNumberOfBlocks(index), true);

	pfree(node_tids);
	pfree(item);
	pfree(stored);
	pfree(vpos);
	FreeGraph(state->owner);
}

/* Whether the graph has no room for one more row of words words */
static bool
GraphIsFull(HnswBuildState *state, Size words)
{
	Size		elements = state->in_graph + state->batch_count;

	if (elements >= state->capacity)
		return true;
	return state->sparse &&
		(elements + 1) * state->per_element + state->kept_bytes +
		sizeof(uint32) * (state->batch_words + words) > state->budget;
}

/* The graph is written; the rest of the table is inserted on disk */
static void
InsertOnDisk(HnswBuildState *state, Datum value, ItemPointer tid)
{
	MemoryContext old = MemoryContextSwitchTo(state->tmpcxt);
	const uint32 *stored = state->sparse ? state->record : HnswPrepareStored(state->info, value);

	if (stored != NULL)
	{
		HnswInsertVector(state->index, state->info, stored, tid, &state->cache);
		state->index_tuples++;
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, (int64) state->index_tuples);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(state->tmpcxt);
}

static void
BuildCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			  bool tupleIsAlive, void *arg)
{
	HnswBuildState *state = (HnswBuildState *) arg;
	Size		words = 0;

	state->heap_tuples++;
	if (isnull[0])
		return;
	if (state->sparse)
	{
		if (!VectorIndexPrepareSparse(&state->info->vm, values[0], state->record))
			return;
		words = vectordb::simd::SparseRecordWords(vectordb::simd::SparseRecordNnz(state->record[0]));
	}

	if (!state->on_disk && GraphIsFull(state, words))
	{
		FlushBatch(state);
		WriteGraph(state);
		state->on_disk = true;
		pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PHASE_ON_DISK);
		ereport(NOTICE,
				(errcode(ERRCODE_WARNING),
				 errmsg("hnsw graph no longer fits into maintenance_work_mem after " INT64_FORMAT " tuples",
						(int64) state->in_graph),
				 errdetail("Building will take significantly more time."),
				 errhint("Increase maintenance_work_mem to speed up builds.")));
	}

	if (state->on_disk)
	{
		InsertOnDisk(state, values[0], tid);
		return;
	}

	if (state->sparse)
	{
		if (state->batch_words + words > state->batch_words_max)
			FlushBatch(state);
		memcpy(state->records + state->batch_words, state->record, sizeof(uint32) * words);
		state->batch_words += words;
	}
	else if (!VectorIndexPrepare(&state->info->vm, values[0],
								 state->batch + (Size) state->batch_count * state->info->vm.dims))
		return;
	state->tids[state->in_graph + state->batch_count] = *tid;
	state->batch_count++;
	state->index_tuples++;
	if (state->batch_count == state->batch_size)
		FlushBatch(state);
}

static void
CheckIndexable(Relation index, const HnswInfo *info)
{
	if (info->vm.dims < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column does not have dimensions"),
				 errhint("Declare the column as vector(n).")));
	if (info->vm.dims > VECTOR_MAX_DIM && info->storage != vectordb::simd::Storage::kSparse)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("column cannot have more than %d dimensions for hnsw index", VECTOR_MAX_DIM)));
	if (info->ef_construction < 2 * info->m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ef_construction must be greater than or equal to 2 * m"),
				 errdetail("m is %d and ef_construction is %d.", info->m, info->ef_construction)));
}

IndexBuildResult *
hnswbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	const HnswInfo *info = HnswGetInfo(index);
	IndexBuildResult *result;
	HnswBuildState state;
	MemoryContext buildcxt;
	MemoryContext old;
	Buffer		metabuf;
	Size		budget;
	Size		per_element;
	double		max_rows;
	const char *error = nullptr;

	CheckIndexable(index, info);
	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));

	buildcxt = AllocSetContextCreate(CurrentMemoryContext, "hnsw build", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(buildcxt);

	MemSet(&state, 0, sizeof(state));
	state.heap = heap;
	state.index = index;
	state.info = info;
	state.threads = max_parallel_maintenance_workers + 1;
	state.tmpcxt = AllocSetContextCreate(buildcxt, "hnsw build insert", ALLOCSET_DEFAULT_SIZES);
	state.sparse = info->storage == vectordb::simd::Storage::kSparse;
	HnswBufferCacheInit(&state.cache);

	/* Batches of up to 16 MB between the heap scan and the workers */
	budget = (Size) maintenance_work_mem * 1024;
	if (state.sparse)
	{
		state.batch_size = 4096;
		state.batch_words_max = Max((Size) info->vwords, (16 * 1024 * 1024) / sizeof(uint32));
		state.records = (uint32 *) palloc_extended(sizeof(uint32) * state.batch_words_max, MCXT_ALLOC_HUGE);
		state.record = (uint32 *) palloc(sizeof(uint32) * info->vwords);
		budget -= Min(budget / 2, sizeof(uint32) * state.batch_words_max);
		per_element = vectordb::hnsw::GraphBytesPerElement(0, info->m) + sizeof(ItemPointerData);
	}
	else
	{
		state.batch_size = (int) Max(64, Min(4096, (16 * 1024 * 1024) / ((Size) info->vm.dims * sizeof(float))));
		state.batch = (float *) palloc_extended(sizeof(float) * info->vm.dims * (Size) state.batch_size,
												MCXT_ALLOC_HUGE);
		budget -= Min(budget / 2, sizeof(float) * info->vm.dims * (Size) state.batch_size);
		per_element = vectordb::hnsw::GraphBytesPerElement(info->vm.dims, info->m) + sizeof(ItemPointerData);
	}
	state.budget = budget;
	state.per_element = per_element;

	/* The graph's share of maintenance_work_mem, and no more rows than the
	 * heap can hold */
	max_rows = (double) RelationGetNumberOfBlocks(heap) * MaxHeapTuplesPerPage + 1;
	state.capacity = (Size) Max(1.0, Min((double) (budget / per_element), max_rows));
	state.tids = (ItemPointerData *) palloc_extended(sizeof(ItemPointerData) * state.capacity,
													 MCXT_ALLOC_HUGE);

	state.owner = (HnswGraphOwner *) palloc0(sizeof(HnswGraphOwner));
	state.owner->callback.func = FreeGraph;
	state.owner->callback.arg = state.owner;
	MemoryContextRegisterResetCallback(buildcxt, &state.owner->callback);
	state.owner->graph = vectordb::hnsw::GraphCreate(state.sparse ? 0 : info->vm.dims, info->vm.metric, info->m,
													 info->ef_construction, state.capacity, &error);
	if (state.owner->graph == nullptr)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not create hnsw graph: %s", error)));

	/* The metapage is block 0 */
	metabuf = VectorIndexNewBuffer(index, MAIN_FORKNUM);
	HnswInitMetaPage(BufferGetPage(metabuf), info->vm.dims, info->m, info->ef_construction);
	MarkBufferDirty(metabuf);
	UnlockReleaseBuffer(metabuf);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PHASE_LOAD);
	if (heap->rd_rel->reltuples > 0)
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, (int64) heap->rd_rel->reltuples);
	table_index_build_scan(heap, index, indexInfo, true, true, BuildCallback, &state, NULL);

	if (!state.on_disk)
	{
		FlushBatch(&state);
		WriteGraph(&state);
	}
	HnswBufferCacheRelease(&state.cache);

	MemoryContextSwitchTo(old);
	result = (IndexBuildResult *) palloc(sizeof(IndexBuildResult));
	result->heap_tuples = state.heap_tuples;
	result->index_tuples = state.index_tuples;
	MemoryContextDelete(buildcxt);
	return result;
}

/* The init fork of an unlogged index: an empty metapage */
void
hnswbuildempty(Relation index)
{
	const HnswInfo *info = HnswGetInfo(index);
	Page		page = (Page) palloc(BLCKSZ);

	HnswInitMetaPage(page, info->vm.dims, info->m, info->ef_construction);
	PageSetChecksumInplace(page, HNSW_METAPAGE_BLKNO);
	smgrwrite(RelationGetSmgr(index), INIT_FORKNUM, HNSW_METAPAGE_BLKNO, (char *) page, true);
	log_newpage(&(RelationGetSmgr(index))->smgr_rnode.node, INIT_FORKNUM,
				HNSW_METAPAGE_BLKNO, page, true);
	smgrimmedsync(RelationGetSmgr(index), INIT_FORKNUM);
	pfree(page);
}

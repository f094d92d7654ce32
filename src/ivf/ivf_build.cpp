/*-------------------------------------------------------------------------
 *
 * ivf_build.cpp
 *		CREATE INDEX for ivf: sample, train, then assign and write.
 *
 * Three steps, each visible in pg_stat_progress_create_index:
 *	1. One heap scan keeps a uniform reservoir sample of the rows, at most
 *	   max(50 * lists, 10000) of them and at most three quarters of
 *	   maintenance_work_mem.  While all rows fit in what maintenance_work_mem
 *	   leaves, the scan keeps them too, so step 3 needs no second scan.
 *	2. FAISS trains the centroids by k-means on the sample (spherical for
 *	   inner product and cosine), and the sq8 ranges or pq codebooks on the
 *	   same sample.  The metapage, centroids, codebook and an empty list
 *	   directory are written.
 *	3. The kept rows, or a second heap scan, feed batches to BLAS, which finds each row's
 *	   nearest centroid (and for pq its codes) on worker threads, and the
 *	   entries are appended to their lists.
 * Pages are written without WAL and logged in bulk with log_newpage_range
 * at the end, like other index builds.
 *
 * IDENTIFICATION
 *		src/ivf/ivf_build.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "ivf/ivf.h"

#include <cmath>
#include <cstring>

#include "ivf/ivf_engine.h"
#include "types/vector.h"

extern "C"
{
#include "access/tableam.h"
#include "access/xloginsert.h"
#include "commands/progress.h"
#include "common/pg_prng.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "portability/instr_time.h"
#include "utils/memutils.h"
#include "utils/rel.h"
}

#define IVF_PHASE_SAMPLE		2
#define IVF_PHASE_TRAIN			3
#define IVF_PHASE_ASSIGN		4

/* Rows per batch handed to BLAS for assignment */
#define IVF_BATCH_ROWS			4096
/* Sample size: FAISS warns below 39 points per centroid; 50 per list is
 * what pgvector samples too.  The floor keeps pq codebooks (256 centroids
 * per sub-quantizer) well trained on small list counts. */
#define IVF_SAMPLE_PER_LIST		50
#define IVF_MIN_SAMPLE			10000
#define IVF_SEED				42

/* Up to batch_cap rows: prepared vectors and their heap TIDs */
typedef struct IvfBatch
{
	float	   *vectors;
	ItemPointerData *tids;
	int			count;
} IvfBatch;

typedef struct IvfBuildState
{
	Relation	heap;
	Relation	index;
	IvfState	st;				/* not cached: the index is being written */
	vectordb::ivf::Quantizer quantizer;
	int			lists;			/* the option */
	int			threads;
	float	   *scratch;

	/* step 1 */
	float	   *sample;
	int64		sample_cap;
	int64		sample_count;
	int64		rows_seen;
	pg_prng_state rng;

	/* rows kept by step 1 while they fit in keep_budget bytes */
	List	   *kept;			/* IvfBatch *, in heap order */
	bool		keeping;
	Size		keep_budget;
	Size		kept_bytes;

	/* step 3 */
	IvfBatch	batch;			/* the second scan's batch */
	int			batch_cap;
	int32	   *assignment;
	uint8	   *codes;
	IvfEntry	entry;

	double		heap_tuples;
	double		index_tuples;
} IvfBuildState;

/* DEBUG1 line with the seconds since *start, which restarts the clock */
static void
LogPhase(instr_time *start, const char *what)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, *start);
	elog(DEBUG1, "ivf build: %s in %.3f s", what, INSTR_TIME_GET_DOUBLE(now));
	INSTR_TIME_SET_CURRENT(*start);
}

static bool
KeepGoing()
{
	return !(QueryCancelPending || ProcDiePending);
}

/* Raises the engine's error; a cancel is raised by CHECK_FOR_INTERRUPTS */
static void
CheckEngine(const char *error, const char *what)
{
	if (error == nullptr)
		return;
	if (strcmp(error, "canceled") == 0)
		CHECK_FOR_INTERRUPTS();
	ereport(ERROR,
			(errcode(strcmp(error, "out of memory") == 0 ?
					 ERRCODE_OUT_OF_MEMORY : ERRCODE_INTERNAL_ERROR),
			 errmsg("could not %s for ivf index: %s", what, error)));
}

static void
CheckIndexable(Relation index, const VectorIndexMetric *vm, vectordb::ivf::Quantizer quantizer,
			   int pq_m)
{
	Size		entry_size;

	if (vm->dims < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column does not have dimensions"),
				 errhint("Declare the column as vector(n).")));
	if (vm->metric == vectordb::simd::Metric::kL1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ivf indexes do not support L1 distance")));
	if (vm->metric == vectordb::simd::Metric::kJaccard)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ivf indexes do not support Jaccard distance"),
				 errhint("Use an hnsw index with bit_jaccard_ops.")));
	if (quantizer != vectordb::ivf::Quantizer::kPq &&
		((IvfOptions *) index->rd_options) != NULL &&
		((IvfOptions *) index->rd_options)->subquantizers != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("subquantizers applies only to quantizer = pq")));
	if (quantizer == vectordb::ivf::Quantizer::kPq && (pq_m > vm->dims || vm->dims % pq_m != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("subquantizers must divide the number of dimensions"),
				 errdetail("The column has %d dimensions and subquantizers is %d.", vm->dims, pq_m)));

	entry_size = IVF_ENTRY_SIZE(vectordb::ivf::CodeSize(quantizer, vm->dims, pq_m, VectorIndexStorage(vm)));
	if (entry_size > IVF_MAX_ENTRY_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("column cannot have more than %d dimensions for an ivf index with quantizer = %s",
						(int) (quantizer == vectordb::ivf::Quantizer::kFlat ?
							   (IVF_MAX_ENTRY_SIZE - offsetof(IvfEntryData, code)) / sizeof(uint32) *
							   vectordb::simd::DimsPerWord(VectorIndexStorage(vm)) :
							   IVF_MAX_ENTRY_SIZE - offsetof(IvfEntryData, code)),
						IvfQuantizerName(quantizer)),
				 errhint("Use quantizer = sq8 (up to %d dimensions) or quantizer = pq.",
						 (int) (IVF_MAX_ENTRY_SIZE - offsetof(IvfEntryData, code)))));
}

static IvfBatch *
NewBatch(IvfBuildState *state)
{
	IvfBatch   *batch = (IvfBatch *) palloc(sizeof(IvfBatch));

	batch->vectors = (float *) palloc_extended(sizeof(float) * state->st.vm.dims * state->batch_cap,
											   MCXT_ALLOC_HUGE);
	batch->tids = (ItemPointerData *) palloc(sizeof(ItemPointerData) * state->batch_cap);
	batch->count = 0;
	return batch;
}

/* Keeps the prepared row in state->scratch; gives up on keeping (and
 * frees what was kept) once the rows outgrow the budget */
static void
KeepRow(IvfBuildState *state, ItemPointer tid)
{
	const int	dims = state->st.vm.dims;
	IvfBatch   *batch = state->kept ? (IvfBatch *) llast(state->kept) : NULL;

	if (batch == NULL || batch->count == state->batch_cap)
	{
		state->kept_bytes += (sizeof(float) * dims + sizeof(ItemPointerData)) * state->batch_cap;
		if (state->kept_bytes > state->keep_budget)
		{
			ListCell   *lc;

			foreach(lc, state->kept)
			{
				pfree(((IvfBatch *) lfirst(lc))->vectors);
				pfree(((IvfBatch *) lfirst(lc))->tids);
			}
			list_free_deep(state->kept);
			state->kept = NIL;
			state->keeping = false;
			return;
		}
		batch = NewBatch(state);
		state->kept = lappend(state->kept, batch);
	}
	memcpy(batch->vectors + (Size) batch->count * dims, state->scratch, sizeof(float) * dims);
	batch->tids[batch->count++] = *tid;
}

/* Step 1: reservoir sampling (Algorithm R), seeded so builds repeat */
static void
SampleCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			   bool tupleIsAlive, void *arg)
{
	IvfBuildState *state = (IvfBuildState *) arg;
	const int	dims = state->st.vm.dims;
	int64		slot;

	state->heap_tuples++;
	if (isnull[0] || !VectorIndexPrepare(&state->st.vm, values[0], state->scratch))
		return;
	state->rows_seen++;
	if (state->keeping)
		KeepRow(state, tid);
	if (state->sample_count < state->sample_cap)
		slot = state->sample_count++;
	else
	{
		slot = (int64) pg_prng_uint64_range(&state->rng, 0, state->rows_seen - 1);
		if (slot >= state->sample_cap)
			return;
	}
	memcpy(state->sample + slot * dims, state->scratch, sizeof(float) * dims);
}

/*
 * Step 2.  With fewer sample rows than lists, every row is its own
 * centroid; with fewer than 256, pq sub-quantizers reuse the rows' own
 * sub-vectors.  Either way the index is exact for the rows it has, and a
 * NOTICE suggests REINDEX once the table is loaded.
 */
static void
Train(IvfBuildState *state)
{
	const int	dims = state->st.vm.dims;
	const int64 n = state->sample_count;
	const bool	spherical = state->st.vm.metric == vectordb::simd::Metric::kNegativeInnerProduct;
	Size		codebook_floats = vectordb::ivf::CodebookFloats(state->quantizer, dims);

	state->st.lists = (int) Max((int64) 1, Min((int64) state->lists, n));
	state->st.centroids = (float *) palloc_extended(sizeof(float) * dims * (Size) state->st.lists,
													MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	if (n < state->lists)
	{
		memcpy(state->st.centroids, state->sample, sizeof(float) * dims * n);
		ereport(NOTICE,
				(errcode(ERRCODE_WARNING),
				 errmsg("ivf index created with little data"),
				 errdetail("The table has " INT64_FORMAT " rows for %d lists, so the index has %d lists.",
						   state->rows_seen, state->lists, state->st.lists),
				 errhint("REINDEX the index once the table is loaded.")));
	}
	else
		CheckEngine(vectordb::ivf::TrainCentroids(state->sample, n, dims, state->st.lists,
												  spherical, state->threads, KeepGoing,
												  state->st.centroids),
					"train centroids");

	if (codebook_floats == 0)
		return;
	state->st.untrained = (n == 0);
	state->st.codebook = (float *) palloc_extended(sizeof(float) * codebook_floats,
												   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	if (state->quantizer == vectordb::ivf::Quantizer::kSq8)
	{
		if (n > 0)
			CheckEngine(vectordb::ivf::TrainSq8(state->sample, n, dims, state->st.codebook),
						"train the scalar quantizer");
	}
	else if (n >= (int64) vectordb::ivf::kPqCentroids)
		CheckEngine(vectordb::ivf::TrainPq(state->sample, n, dims, state->st.codec.pq_m,
										   state->threads, KeepGoing, state->st.codebook),
					"train the product quantizer");
	else if (n > 0)
	{
		const Size	dsub = dims / state->st.codec.pq_m;

		for (Size j = 0; j < state->st.codec.pq_m; j++)
			for (Size c = 0; c < vectordb::ivf::kPqCentroids; c++)
				memcpy(state->st.codebook + (j * vectordb::ivf::kPqCentroids + c) * dsub,
					   state->sample + (c % n) * dims + j * dsub, sizeof(float) * dsub);
	}
}

/* Step 2, on disk: metapage, centroids, codebook, empty directory */
static void
WriteStructure(Relation index, ForkNumber fork, IvfState *st)
{
	const int	dims = st->vm.dims;
	Buffer		metabuf = VectorIndexNewBuffer(index, fork);
	Page		metapage = BufferGetPage(metabuf);
	IvfMetaPage meta;
	Size		codebook_floats = vectordb::ivf::CodebookFloats(st->codec.quantizer, dims);
	int			directory_pages = (st->lists + IVF_LISTS_PER_PAGE - 1) / IVF_LISTS_PER_PAGE;
	BlockNumber centroid_start;
	BlockNumber codebook_start = InvalidBlockNumber;

	Assert(BufferGetBlockNumber(metabuf) == IVF_METAPAGE_BLKNO);
	centroid_start = IvfWriteFloats(index, fork, st->centroids, (Size) st->lists * dims);
	if (codebook_floats > 0)
		codebook_start = IvfWriteFloats(index, fork, st->codebook, codebook_floats);

	for (int i = 0; i < directory_pages; i++)
	{
		Buffer		buf = VectorIndexNewBuffer(index, fork);
		Page		page = BufferGetPage(buf);
		IvfListData *slots = (IvfListData *) IvfPageData(page);

		IvfInitPage(page, IVF_PAGE_DIRECTORY);
		for (Size j = 0; j < IVF_LISTS_PER_PAGE; j++)
			slots[j].head = slots[j].insert = InvalidBlockNumber;
		if (i == 0)
			st->directory_start = BufferGetBlockNumber(buf);
		MarkBufferDirty(buf);
		UnlockReleaseBuffer(buf);
	}

	IvfInitPage(metapage, IVF_PAGE_META);
	meta = IvfPageGetMeta(metapage);
	MemSet(meta, 0, sizeof(IvfMetaPageData));
	meta->magic = IVF_MAGIC;
	meta->version = IVF_VERSION;
	meta->dims = dims;
	meta->lists = st->lists;
	meta->quantizer = (uint32) st->codec.quantizer;
	meta->pq_m = st->codec.quantizer == vectordb::ivf::Quantizer::kPq ? st->codec.pq_m : 0;
	meta->code_size = st->code_size;
	meta->centroid_start = centroid_start;
	meta->codebook_start = codebook_start;
	meta->directory_start = st->directory_start;
	if (st->untrained)
		meta->flags |= IVF_META_UNTRAINED;
	((PageHeader) metapage)->pd_lower = ((char *) meta + sizeof(IvfMetaPageData)) - (char *) metapage;
	MarkBufferDirty(metabuf);
	UnlockReleaseBuffer(metabuf);
}

/* Appends a page filled in local memory; nothing else extends the index
 * during the build, so it lands on blkno */
static void
WriteBulkPage(Relation index, Page page, BlockNumber blkno)
{
	Buffer		buf = VectorIndexNewBuffer(index, MAIN_FORKNUM);

	if (BufferGetBlockNumber(buf) != blkno)
		elog(ERROR, "ivf build expected block %u, got %u", blkno, BufferGetBlockNumber(buf));
	memcpy(BufferGetPage(buf), page, BLCKSZ);
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);
}

/* Step 3: the nearest list of each row of a batch, and for pq its code,
 * on the workers */
static void
AssignBatch(IvfBuildState *state, const IvfBatch *batch, int32 *assignment, uint8 *codes)
{
	IvfState   *st = &state->st;

	CheckEngine(vectordb::ivf::AssignLists(st->centroids, st->lists, st->vm.dims,
										   st->vm.metric != vectordb::simd::Metric::kL2Squared,
										   batch->vectors, batch->count, state->threads,
										   KeepGoing, assignment),
				"assign rows to lists");
	if (st->codec.quantizer == vectordb::ivf::Quantizer::kPq)
		CheckEngine(vectordb::ivf::EncodePq(st->codebook, st->vm.dims, st->codec.pq_m,
											batch->vectors, batch->count, state->threads,
											KeepGoing, codes),
					"encode rows");
}

/* Fills state->entry for row r of a batch; pq_code: its code from AssignBatch */
static void
FillEntry(IvfBuildState *state, const IvfBatch *batch, int r, const uint8 *pq_code)
{
	IvfState   *st = &state->st;

	state->entry->heaptid = batch->tids[r];
	if (st->codec.quantizer == vectordb::ivf::Quantizer::kPq)
		memcpy(state->entry->code, pq_code, st->code_size);
	else
		vectordb::ivf::Encode(st->codec, batch->vectors + (Size) r * st->vm.dims,
							  state->entry->code);
}

/* Step 3 through the insert path, for a batch of the second heap scan */
static void
FlushBatch(IvfBuildState *state, IvfBatch *batch)
{
	IvfState   *st = &state->st;
	const int	n = batch->count;

	if (n == 0)
		return;
	AssignBatch(state, batch, state->assignment, state->codes);
	for (int i = 0; i < n; i++)
	{
		FillEntry(state, batch, i, state->codes ? state->codes + (Size) i * st->code_size : NULL);
		IvfAppendEntry(state->index, st, state->assignment[i], state->entry, false);
		if (i % 256 == 0)
			CHECK_FOR_INTERRUPTS();
	}
	state->index_tuples += n;
	batch->count = 0;
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, (int64) state->index_tuples);
}

/*
 * Step 3 when step 1 kept every row: all rows are assigned first, then each
 * list is written as one run of consecutive pages, with no directory or
 * tail lookups per row.  Lists come out contiguous, so a probe reads its
 * pages in block order.  The directory is filled last.
 */
static void
WriteKeptRows(IvfBuildState *state)
{
	IvfState   *st = &state->st;
	Relation	index = state->index;
	const bool	pq = st->codec.quantizer == vectordb::ivf::Quantizer::kPq;
	int			nbatches = list_length(state->kept);
	IvfBatch  **batches = (IvfBatch **) palloc(sizeof(IvfBatch *) * Max(nbatches, 1));
	int64		n = 0;
	int32	   *assignment;
	uint8	   *codes = NULL;
	int64	   *starts;
	int64	   *order;
	BlockNumber blkno = RelationGetNumberOfBlocks(index);
	IvfListData *directory = (IvfListData *) palloc(sizeof(IvfListData) * st->lists);
	PGAlignedBlock block;
	Page		page = (Page) block.data;
	ListCell   *lc;
	int			b = 0;

	foreach(lc, state->kept)
	{
		batches[b] = (IvfBatch *) lfirst(lc);
		n += batches[b++]->count;
	}
	assignment = (int32 *) palloc_extended(sizeof(int32) * Max(n, 1), MCXT_ALLOC_HUGE);
	if (pq)
		codes = (uint8 *) palloc_extended((Size) st->code_size * Max(n, 1), MCXT_ALLOC_HUGE);
	for (int64 done = 0, i = 0; i < nbatches; done += batches[i++]->count)
		AssignBatch(state, batches[i], assignment + done,
					pq ? codes + done * st->code_size : NULL);

	/* Counting sort of the rows by list, heap order kept within a list */
	starts = (int64 *) palloc0(sizeof(int64) * (st->lists + 1));
	order = (int64 *) palloc_extended(sizeof(int64) * Max(n, 1), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < n; i++)
		starts[assignment[i] + 1]++;
	for (int list = 0; list < st->lists; list++)
		starts[list + 1] += starts[list];
	{
		int64	   *next = (int64 *) palloc(sizeof(int64) * st->lists);

		memcpy(next, starts, sizeof(int64) * st->lists);
		for (int64 i = 0; i < n; i++)
			order[next[assignment[i]]++] = i;
		pfree(next);
	}

	for (int list = 0; list < st->lists; list++)
	{
		directory[list].head = directory[list].insert = InvalidBlockNumber;
		if (starts[list] == starts[list + 1])
			continue;
		directory[list].head = blkno;
		IvfInitPage(page, IVF_PAGE_LIST);
		for (int64 k = starts[list]; k < starts[list + 1]; k++)
		{
			const int64 row = order[k];
			const IvfBatch *batch = batches[row / state->batch_cap];
			const int	r = (int) (row % state->batch_cap);

			FillEntry(state, batch, r, pq ? codes + row * st->code_size : NULL);
			if (PageGetFreeSpace(page) < st->entry_size)
			{
				IvfPageGetOpaque(page)->nextblk = blkno + 1;
				WriteBulkPage(index, page, blkno++);
				IvfInitPage(page, IVF_PAGE_LIST);
			}
			if (PageAddItem(page, (Item) state->entry, st->entry_size, InvalidOffsetNumber,
							false, false) == InvalidOffsetNumber)
				elog(ERROR, "could not add an entry to a new ivf list page");
			state->index_tuples++;
			if ((int64) state->index_tuples % 1024 == 0)
			{
				CHECK_FOR_INTERRUPTS();
				pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, (int64) state->index_tuples);
			}
		}
		directory[list].insert = blkno;
		WriteBulkPage(index, page, blkno++);
	}

	for (int list = 0; list < st->lists; list += IVF_LISTS_PER_PAGE)
	{
		Buffer		buf = ReadBuffer(index, st->directory_start + list / IVF_LISTS_PER_PAGE);
		int			count = Min((int) IVF_LISTS_PER_PAGE, st->lists - list);

		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		memcpy(IvfPageData(BufferGetPage(buf)), directory + list, sizeof(IvfListData) * count);
		MarkBufferDirty(buf);
		UnlockReleaseBuffer(buf);
	}
}

static void
AssignCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			   bool tupleIsAlive, void *arg)
{
	IvfBuildState *state = (IvfBuildState *) arg;
	IvfBatch   *batch = &state->batch;

	if (isnull[0] ||
		!VectorIndexPrepare(&state->st.vm, values[0],
							batch->vectors + (Size) batch->count * state->st.vm.dims))
		return;
	batch->tids[batch->count++] = *tid;
	if (batch->count == state->batch_cap)
		FlushBatch(state, batch);
}

/* What every build needs before touching the heap */
static void
InitBuildState(IvfBuildState *state, Relation heap, Relation index)
{
	IvfState   *st = &state->st;

	MemSet(state, 0, sizeof(*state));
	state->heap = heap;
	state->index = index;
	state->threads = max_parallel_maintenance_workers + 1;
	state->lists = IvfGetLists(index);
	state->quantizer = IvfGetQuantizer(index);
	VectorIndexGetMetric(index, "ivf", &st->vm);
	st->codec.quantizer = state->quantizer;
	st->codec.metric = st->vm.metric;
	st->codec.dims = Max(st->vm.dims, 0);
	st->codec.storage = VectorIndexStorage(&st->vm);
	st->codec.pq_m = state->quantizer == vectordb::ivf::Quantizer::kPq ?
		IvfGetSubquantizers(index, Max(st->vm.dims, 1)) : 0;
	CheckIndexable(index, &st->vm, state->quantizer, (int) st->codec.pq_m);
	st->code_size = (int) vectordb::ivf::CodeSize(state->quantizer, st->vm.dims, st->codec.pq_m,
												  st->codec.storage);
	st->entry_size = IVF_ENTRY_SIZE(st->code_size);
	state->scratch = (float *) palloc(sizeof(float) * st->vm.dims);
}

IndexBuildResult *
ivfbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IvfBuildState state;
	IvfState   *st = &state.st;
	IndexBuildResult *result;
	MemoryContext buildcxt;
	MemoryContext old;
	Size		row_bytes;
	int64		budget_rows;
	instr_time	start;

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));

	buildcxt = AllocSetContextCreate(CurrentMemoryContext, "ivf build", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(buildcxt);
	InitBuildState(&state, heap, index);
	row_bytes = sizeof(float) * st->vm.dims;

	/* Step 1 */
	budget_rows = (int64) ((Size) maintenance_work_mem * 1024 / 4 * 3 / row_bytes);
	if (budget_rows < state.lists)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("maintenance_work_mem is too small to train %d lists of %d dimensions",
						state.lists, st->vm.dims),
				 errhint("Increase maintenance_work_mem to at least %d kB, or use fewer lists.",
						 (int) (((Size) state.lists * row_bytes * 4 / 3) / 1024 + 1))));
	state.sample_cap = Min(budget_rows, Max((int64) IVF_SAMPLE_PER_LIST * state.lists,
											(int64) IVF_MIN_SAMPLE));
	state.sample = (float *) palloc_extended(row_bytes * state.sample_cap, MCXT_ALLOC_HUGE);
	state.batch_cap = (int) Max((Size) 16, Min((Size) IVF_BATCH_ROWS, (16 * 1024 * 1024) / row_bytes));
	state.keeping = true;
	state.keep_budget = (Size) maintenance_work_mem * 1024 - row_bytes * state.sample_cap;
	pg_prng_seed(&state.rng, IVF_SEED);
	INSTR_TIME_SET_CURRENT(start);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, IVF_PHASE_SAMPLE);
	table_index_build_scan(heap, index, indexInfo, true, true, SampleCallback, &state, NULL);

	/* Step 2 */
	LogPhase(&start, psprintf("sampled " INT64_FORMAT " of " INT64_FORMAT " rows%s",
							  state.sample_count, state.rows_seen,
							  state.keeping ? " (all kept)" : ""));
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, IVF_PHASE_TRAIN);
	Train(&state);
	st->codec.codebook = st->codebook;
	pfree(state.sample);
	state.sample = NULL;
	WriteStructure(index, MAIN_FORKNUM, st);

	/* Step 3 */
	LogPhase(&start, psprintf("trained %d lists", st->lists));
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, IVF_PHASE_ASSIGN);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, state.rows_seen);
	state.assignment = (int32 *) palloc(sizeof(int32) * state.batch_cap);
	if (state.quantizer == vectordb::ivf::Quantizer::kPq)
		state.codes = (uint8 *) palloc((Size) st->code_size * state.batch_cap);
	state.entry = (IvfEntry) palloc0(st->entry_size);
	if (state.keeping)
		WriteKeptRows(&state);
	else
	{
		IvfBatch   *batch = NewBatch(&state);

		state.batch = *batch;
		table_index_build_scan(heap, index, indexInfo, true, true, AssignCallback, &state, NULL);
		FlushBatch(&state, &state.batch);
	}

	LogPhase(&start, psprintf("assigned and wrote %.0f entries", state.index_tuples));
	if (RelationNeedsWAL(index))
		log_newpage_range(index, MAIN_FORKNUM, 0, RelationGetNumberOfBlocks(index), true);
	LogPhase(&start, psprintf("logged %u pages", RelationGetNumberOfBlocks(index)));

	MemoryContextSwitchTo(old);
	result = (IndexBuildResult *) palloc(sizeof(IndexBuildResult));
	result->heap_tuples = state.heap_tuples;
	result->index_tuples = state.index_tuples;
	MemoryContextDelete(buildcxt);
	return result;
}

/* The init fork of an unlogged index: what a build of no rows writes */
void
ivfbuildempty(Relation index)
{
	IvfBuildState state;
	MemoryContext buildcxt;
	MemoryContext old;

	buildcxt = AllocSetContextCreate(CurrentMemoryContext, "ivf build", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(buildcxt);
	InitBuildState(&state, NULL, index);
	state.st.lists = 1;
	state.st.untrained = state.quantizer != vectordb::ivf::Quantizer::kFlat;
	state.st.centroids = (float *) palloc0(sizeof(float) * state.st.vm.dims);
	state.st.codebook = (float *) palloc_extended(
		sizeof(float) * Max((Size) 1, vectordb::ivf::CodebookFloats(state.quantizer, state.st.vm.dims)),
		MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	WriteStructure(index, INIT_FORKNUM, &state.st);
	log_newpage_range(index, INIT_FORKNUM, 0,
					  RelationGetNumberOfBlocksInFork(index, INIT_FORKNUM), true);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(buildcxt);
}

/*-------------------------------------------------------------------------
 *
 * hnsw.h
 *		HNSW index access method: page layout and the functions its phase
 *		files share.  See src/hnsw/README.md for the layout, WAL, locking and
 *		vacuum invariants.
 *
 * IDENTIFICATION
 *		src/hnsw/hnsw.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_HNSW_H
#define VECTORDB_HNSW_H

#include "pg/pg_function.h"

#include "distance/stored.h"
#include "hnsw/hnsw_engine.h"
#include "pg/vector_index.h"

extern "C"
{
#include "access/amapi.h"
#include "access/generic_xlog.h"
#include "access/itup.h"
#include "nodes/pathnodes.h"
#include "storage/bufmgr.h"
#include "storage/bufpage.h"
#include "storage/itemptr.h"
#include "utils/relcache.h"
}

/* Options */
#define HNSW_DEFAULT_M			16
#define HNSW_MIN_M				2
#define HNSW_MAX_M				100
#define HNSW_DEFAULT_EF_CONSTRUCTION	64
#define HNSW_MIN_EF_CONSTRUCTION	4
#define HNSW_MAX_EF_CONSTRUCTION	1000
#define HNSW_DEFAULT_EF_SEARCH	40
#define HNSW_MAX_EF_SEARCH		1000
#define HNSW_DEFAULT_MAX_SCAN_TUPLES	20000

/* Support functions of the operator classes */

/* Page types, in the special space of every page */
#define HNSW_PAGE_META			1
#define HNSW_PAGE_NODE			2
#define HNSW_PAGE_VECTOR		3

#define HNSW_METAPAGE_BLKNO		0
#define HNSW_MAGIC				0x68534E57	/* "WNSh" */
#define HNSW_VERSION			3

/* Heavyweight lock tag (a page lock on block 0) that inserts hold shared
 * and vacuum takes exclusive once, as a barrier; see README.md */
#define HNSW_UPDATE_LOCK		0

/* Node states */
#define HNSW_NODE_LIVE			1
#define HNSW_NODE_DELETED		2	/* heap tuple dead; still traversable */
#define HNSW_NODE_FREE			3	/* unlinked; on the free list for reuse,
										 * heaptid links to the next free node */

/* Highest level a node may have, whatever m */
#define HNSW_MAX_LEVEL			30

typedef struct HnswPageOpaqueData
{
	uint16		page_type;
	uint16		unused;
	uint32		page_id;		/* HNSW_MAGIC, to recognise our pages */
} HnswPageOpaqueData;

typedef HnswPageOpaqueData *HnswPageOpaque;

#define HnswPageGetOpaque(page) ((HnswPageOpaque) PageGetSpecialPointer(page))

/* Vector pages hold a raw stream of 4-byte words: a vector (StoredWords():
 * a float, two halves or 32 bits a word; for sparsevec a sparse record of
 * its non-zeros, see stored.h) starts at (block, word offset) and continues
 * on the following blocks when it does not fit */
#define HNSW_VECTOR_DATA_OFFSET	MAXALIGN(SizeOfPageHeaderData)
#define HNSW_WORDS_PER_PAGE \
	((BLCKSZ - HNSW_VECTOR_DATA_OFFSET - MAXALIGN(sizeof(HnswPageOpaqueData))) / sizeof(uint32))
/* The most pages one vector can span: a sparse record of 16,000 non-zeros
 * (32,001 words) over 2040-word pages; 16,000 floats take at most 9 */
#define HNSW_MAX_VECTOR_PAGES	17
#define HnswPageWords(page)	((uint32 *) ((char *) (page) + HNSW_VECTOR_DATA_OFFSET))

typedef struct HnswMetaPageData
{
	uint32		magic;
	uint32		version;
	uint32		dims;
	uint16		m;
	uint16		ef_construction;
	/* entry point: node TID, its vector and its level; invalid when empty */
	ItemPointerData entry;
	int16		entry_level;
	BlockNumber entry_vblk;
	uint16		entry_voff;
	/* where the next vector and node go */
	BlockNumber vec_tail_blk;	/* InvalidBlockNumber before the first */
	uint32		vec_tail_used;	/* words used on vec_tail_blk */
	BlockNumber node_tail_blk;	/* InvalidBlockNumber before the first */
	/* head of the free node list (FREE nodes, linked through heaptid) */
	ItemPointerData free_head;
	uint64		nodes;			/* nodes ever created (live, deleted or free) */
} HnswMetaPageData;

typedef HnswMetaPageData *HnswMetaPage;

#define HnswPageGetMeta(page)	((HnswMetaPage) PageGetContents(page))

/* A neighbor reference: the node's TID and where its vector starts, so a
 * distance needs only the vector pages and not the node's own page.  12
 * bytes, 2-byte aligned. */
typedef struct HnswNeighbor
{
	ItemPointerData node;		/* block InvalidBlockNumber = empty slot */
	BlockIdData vblk;
	uint16		voff;
} HnswNeighbor;

/* A node: one item on a node page.  Neighbor lists follow the header: 2m
 * slots for level 0, then m slots for each level 1..capacity_level. */
typedef struct HnswNodeData
{
	uint8		state;			/* HNSW_NODE_* */
	uint8		level;
	uint8		capacity_level; /* levels this item has room for (>= level) */
	uint8		unused;
	ItemPointerData heaptid;
	BlockIdData vblk;			/* where the node's vector starts */
	uint16		voff;
	uint16		unused2;
	HnswNeighbor neighbors[FLEXIBLE_ARRAY_MEMBER];
} HnswNodeData;

typedef HnswNodeData *HnswNode;

#define HNSW_NODE_SIZE(m, capacity_level) \
	(offsetof(HnswNodeData, neighbors) + sizeof(HnswNeighbor) * (2 * (m) + (capacity_level) * (m)))

/* The option values of an index */
typedef struct HnswOptions
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int			m;
	int			ef_construction;
} HnswOptions;

/* What an index needs to compute distances, cached in rd_amcache */
typedef struct HnswInfo
{
	VectorIndexMetric vm;		/* metric, normalization, dimensions */
	vectordb::simd::Storage storage;	/* float, half, bit or sparse: from the column type */
	int			vwords;			/* words a stored vector takes; sparse: at most */
	int			m;
	int			ef_construction;
	int			max_level;		/* HnswMaxLevel(m) */
} HnswInfo;

/* In-memory form of a neighbor reference, and a candidate with distance */
typedef struct HnswRef
{
	ItemPointerData node;
	BlockNumber vblk;
	uint16		voff;
} HnswRef;

typedef struct HnswCandidate
{
	double		distance;
	HnswRef		ref;
} HnswCandidate;

/* A growable binary heap of candidates, palloc'd (trivially destructible) */
typedef struct HnswHeap
{
	HnswCandidate *items;
	int			count;
	int			capacity;
	bool		max_heap;		/* top is the farthest, else the nearest */
} HnswHeap;

/* A set of visited node TIDs: open addressing over palloc'd memory */
typedef struct HnswVisited
{
	uint64	   *keys;			/* 0 = empty */
	uint32		mask;
	uint32		count;
} HnswVisited;

/* Pins on vector pages kept for the life of a scan or an insert, so each
 * distance costs a lock and not a shared buffer lookup */
typedef struct HnswBufferCache
{
	MemoryContext cxt;			/* where the table lives, whatever is current */
	uint32	   *gather;			/* a sparse record split between pages, copied */
	float	   *scatter;		/* inner product: the sparse query written out */
	uint32	   *scattered;		/* ... and that query as a record */
	BlockNumber *blocks;
	Buffer	   *buffers;
	uint32		mask;
	uint32		count;
} HnswBufferCache;

/* A layer search in progress: candidates to expand, a window of the best
 * ef not yet returned, and those discovered but outside the window */
typedef struct HnswSearch
{
	Relation	index;
	const HnswInfo *info;
	const uint32 *query;		/* stored form: HnswPrepareStored() */
	HnswBufferCache *buffers;
	HnswVisited visited;
	HnswHeap	expand;			/* min-heap: discovered, not yet expanded */
	HnswHeap	window;			/* max-heap, at most ef: the best not yet returned */
	HnswHeap	pending;		/* min-heap: discovered, not in the window */
	int			level;
	int64		distances;		/* distance computations so far */
} HnswSearch;

/* hnsw.cpp */
extern int	hnsw_ef_search;
extern int	hnsw_iterative_scan;
extern int	hnsw_max_scan_tuples;
extern int	hnsw_scan_mem_multiplier;

#define HNSW_ITERATIVE_OFF		0
#define HNSW_ITERATIVE_RELAXED	1
#define HNSW_ITERATIVE_STRICT	2

void		HnswInitGucs(void);
const HnswInfo *HnswGetInfo(Relation index);
int			HnswGetM(Relation index);
int			HnswGetEfConstruction(Relation index);
int			HnswMaxLevel(int m);

/* hnsw_pages.cpp: page and item access */
void		HnswInitPage(Page page, uint16 page_type);
void		HnswInitMetaPage(Page page, int dims, int m, int ef_construction);
bool		HnswIsNodePage(Page page);
bool		HnswNodeIsSane(Page page, OffsetNumber offnum, const HnswInfo *info);
HnswNode	HnswGetNode(Relation index, Page page, OffsetNumber offnum);
HnswNeighbor *HnswNodeList(HnswNode node, int m, int level, int *slots);
void		HnswSetNeighbor(HnswNeighbor *slot, const HnswRef *ref);
void		HnswGetNeighbor(const HnswNeighbor *slot, HnswRef *ref);
bool		HnswNeighborIsEmpty(const HnswNeighbor *slot);
void		HnswNodeRef(HnswNode node, ItemPointer tid, HnswRef *ref);
uint64		HnswTidKey(ItemPointer tid);
void		HnswReadMeta(Relation index, HnswMetaPageData *meta);

/* hnsw_graph.cpp: the on-disk graph, shared by insert, scan and vacuum */
void		HnswBufferCacheInit(HnswBufferCache *cache);
void		HnswBufferCacheRelease(HnswBufferCache *cache);
int			HnswVectorPages(uint16 voff, int words);
uint32	   *HnswPrepareStored(const HnswInfo *info, Datum value);
int			HnswStoredWords(const HnswInfo *info, const uint32 *stored);
double		HnswStoredDistance(const HnswInfo *info, const uint32 *a, const uint32 *b);
double		HnswVectorDistance(Relation index, const HnswInfo *info,
							   HnswBufferCache *cache, const uint32 *query,
							   BlockNumber vblk, uint16 voff);
uint32	   *HnswCopyStored(Relation index, const HnswInfo *info,
						   HnswBufferCache *cache, BlockNumber vblk, uint16 voff);
bool		HnswNodeLiveAt(Relation index, const HnswRef *ref, int level);
int			HnswReadList(Relation index, const HnswRef *node, int level,
						 HnswRef *out, int *state);
void		HnswHeapInit(HnswHeap *heap, bool max_heap, int capacity);
void		HnswHeapPush(HnswHeap *heap, const HnswCandidate *c);
HnswCandidate HnswHeapPop(HnswHeap *heap);
void		HnswVisitedInit(HnswVisited *set, int capacity);
bool		HnswVisitedAdd(HnswVisited *set, uint64 key);
bool		HnswVisitedContains(const HnswVisited *set, uint64 key);
void		HnswSearchInit(HnswSearch *search, Relation index, const HnswInfo *info,
						   HnswBufferCache *cache, const uint32 *query);
void		HnswSearchEnter(HnswSearch *search, const HnswRef *entry, int level);
void		HnswSearchGreedy(HnswSearch *search, int level, HnswCandidate *current);
void		HnswSearchRound(HnswSearch *search, int ef);
int			HnswSelectNeighbors(const HnswInfo *info, const HnswCandidate *candidates,
								int ncandidates, uint32 *const *vectors, int max_neighbors,
								bool *selected);

/* hnsw_insert.cpp */
bool		hnswinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
					   Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
					   IndexInfo *indexInfo);
void		HnswInsertVector(Relation index, const HnswInfo *info, const uint32 *stored,
							 ItemPointer heap_tid, HnswBufferCache *cache);
int			HnswRandomLevel(int m);
int			HnswFindNeighbors(Relation index, const HnswInfo *info, HnswBufferCache *cache,
							  const uint32 *stored, int level, HnswCandidate *out);
bool		HnswLinkOrphan(Relation index, const HnswInfo *info, HnswBufferCache *cache,
						   const HnswRef *node);
int			HnswUpdateList(Relation index, const HnswInfo *info, HnswBufferCache *cache,
						   const HnswRef *target, int level,
						   const HnswCandidate *additions, int nadditions,
						   const ItemPointerData *removed, int nremoved,
						   HnswRef *written);

/* hnsw_build.cpp */
IndexBuildResult *hnswbuild(Relation heap, Relation index, IndexInfo *indexInfo);
void		hnswbuildempty(Relation index);

/* hnsw_scan.cpp */
IndexScanDesc hnswbeginscan(Relation index, int nkeys, int norderbys);
void		hnswrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
bool		hnswgettuple(IndexScanDesc scan, ScanDirection dir);
void		hnswendscan(IndexScanDesc scan);

/* hnsw_vacuum.cpp */
IndexBulkDeleteResult *hnswbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
									  IndexBulkDeleteCallback callback, void *callback_state);
IndexBulkDeleteResult *hnswvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats);
int64		HnswUnreachable(Relation index);

#endif							/* VECTORDB_HNSW_H */

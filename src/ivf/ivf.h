/*-------------------------------------------------------------------------
 *
 * ivf.h
 *		IVF index access method: page layout and the functions its phase
 *		files share.  See src/ivf/README.md for the layout, WAL, locking and
 *		vacuum invariants.
 *
 * IDENTIFICATION
 *		src/ivf/ivf.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_IVF_H
#define VECTORDB_IVF_H

#include "pg/pg_function.h"

#include "ivf/ivf_codec.h"
#include "pg/vector_index.h"

extern "C"
{
#include "access/amapi.h"
#include "access/generic_xlog.h"
#include "nodes/pathnodes.h"
#include "storage/bufmgr.h"
#include "storage/bufpage.h"
#include "storage/itemptr.h"
#include "utils/relcache.h"
}

/* Options */
#define IVF_DEFAULT_LISTS		100
#define IVF_MAX_LISTS			32768
#define IVF_DEFAULT_PROBES		1
#define IVF_MAX_PQ_M			8000	/* fits one entry on a page */

/* Page types, in the special space of every page */
#define IVF_PAGE_META			1
#define IVF_PAGE_FLOATS			2	/* centroid or codebook stream */
#define IVF_PAGE_DIRECTORY		3
#define IVF_PAGE_LIST			4

#define IVF_METAPAGE_BLKNO		0
#define IVF_MAGIC				0x31465649	/* "IVF1" */
#define IVF_VERSION				1
#define IVF_PAGE_ID				0xFF91

typedef struct IvfPageOpaqueData
{
	BlockNumber nextblk;		/* list pages: the next page of the list */
	uint16		page_type;
	uint16		page_id;		/* IVF_PAGE_ID, to recognise our pages */
} IvfPageOpaqueData;

typedef IvfPageOpaqueData *IvfPageOpaque;

#define IvfPageGetOpaque(page) ((IvfPageOpaque) PageGetSpecialPointer(page))

/* Usable bytes of a page after header and special space */
#define IVF_PAGE_DATA_OFFSET	MAXALIGN(SizeOfPageHeaderData)
#define IVF_PAGE_DATA_SIZE \
	(BLCKSZ - IVF_PAGE_DATA_OFFSET - MAXALIGN(sizeof(IvfPageOpaqueData)))
#define IvfPageData(page)		((char *) (page) + IVF_PAGE_DATA_OFFSET)

/* Float-stream pages: consecutive blocks, a raw float array across them */
#define IVF_FLOATS_PER_PAGE		(IVF_PAGE_DATA_SIZE / sizeof(float))

typedef struct IvfMetaPageData
{
	uint32		magic;
	uint32		version;
	uint32		dims;
	uint32		lists;			/* centroids trained (<= the lists option) */
	uint32		quantizer;		/* vectordb::ivf::Quantizer */
	uint32		pq_m;			/* pq sub-quantizers, else 0 */
	uint32		code_size;		/* bytes of one code */
	BlockNumber centroid_start; /* lists x dims floats */
	BlockNumber codebook_start; /* sq8/pq codebook floats; invalid for flat */
	BlockNumber directory_start;	/* lists IvfListData entries */
	uint32		flags;			/* IVF_META_* */
} IvfMetaPageData;

/* The build saw no rows: sq8/pq codes carry no information */
#define IVF_META_UNTRAINED		0x0001

typedef IvfMetaPageData *IvfMetaPage;

#define IvfPageGetMeta(page)	((IvfMetaPage) PageGetContents(page))

/* One list in the directory: its first page, and where inserts start
 * looking for room (a hint; see README.md) */
typedef struct IvfListData
{
	BlockNumber head;			/* InvalidBlockNumber while the list is empty */
	BlockNumber insert;
} IvfListData;

#define IVF_LISTS_PER_PAGE		(IVF_PAGE_DATA_SIZE / sizeof(IvfListData))

/* A list entry: one item on a list page, the heap TID then the code.  The
 * code starts 8-byte aligned, so flat vectors are aligned floats. */
typedef struct IvfEntryData
{
	ItemPointerData heaptid;
	uint16		unused;
	uint8		code[FLEXIBLE_ARRAY_MEMBER];
} IvfEntryData;

typedef IvfEntryData *IvfEntry;

#define IVF_ENTRY_SIZE(code_size)	MAXALIGN(offsetof(IvfEntryData, code) + (code_size))
/* Largest entry a list page holds */
#define IVF_MAX_ENTRY_SIZE \
	MAXALIGN_DOWN(IVF_PAGE_DATA_SIZE - sizeof(ItemIdData))

/* The option values of an index */
typedef struct IvfOptions
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int			lists;
	int			quantizer;
	int			subquantizers;	/* 0: chosen from dims */
} IvfOptions;

/* Everything a scan or insert needs, cached in rd_amcache: the meta page,
 * and the centroids and codebook read once (they change only with a new
 * relfilenode, which resets the cache) */
typedef struct IvfState
{
	VectorIndexMetric vm;
	vectordb::ivf::Codec codec;	/* codebook points into this struct's memory */
	int			lists;
	bool		untrained;		/* IVF_META_UNTRAINED */
	int			code_size;
	Size		entry_size;
	BlockNumber directory_start;
	float	   *centroids;		/* lists x dims */
	float	   *codebook;
} IvfState;

/* ivf.cpp */
extern int	ivf_probes;
extern int	ivf_iterative_scan;
extern int	ivf_max_probes;
extern int	ivf_rerank;
extern int	ivf_scan_mem_multiplier;

#define IVF_ITERATIVE_OFF		0
#define IVF_ITERATIVE_RELAXED	1

void		IvfInitGucs(void);
int			IvfGetLists(Relation index);
vectordb::ivf::Quantizer IvfGetQuantizer(Relation index);
int			IvfGetSubquantizers(Relation index, int dims);
const char *IvfQuantizerName(vectordb::ivf::Quantizer quantizer);

/* A walk along one list's chain of pages (see IvfListWalkStep) */
typedef struct IvfListWalk
{
	int			list;
	BlockNumber pages;			/* visited so far */
	BlockNumber limit;			/* the relation's size when last read */
} IvfListWalk;

/* ivf_pages.cpp */
void		IvfInitPage(Page page, uint16 page_type);
bool		IvfIsPage(Page page, uint16 page_type);
void		IvfCheckPage(Relation index, Page page, BlockNumber blkno, uint16 page_type);
Buffer		IvfNewBuffer(Relation index, ForkNumber fork);
bool		IvfMetaIsSane(const IvfMetaPageData *meta);
void		IvfReadMeta(Relation index, IvfMetaPageData *meta);
const IvfState *IvfGetState(Relation index);
void		IvfReadList(Relation index, const IvfState *state, int list, IvfListData *out);
void		IvfAppendEntry(Relation index, const IvfState *state, int list,
						   IvfEntry entry, bool wal);
void		IvfSetInsertHint(Relation index, const IvfState *state, int list,
							 BlockNumber blkno, bool wal);
void		IvfListWalkStep(Relation index, IvfListWalk *walk);
IvfEntry	IvfGetEntry(Relation index, const IvfState *state, Page page, OffsetNumber off);
BlockNumber IvfWriteFloats(Relation index, ForkNumber fork, const float *data, Size n);

/* ivf_build.cpp */
IndexBuildResult *ivfbuild(Relation heap, Relation index, IndexInfo *indexInfo);
void		ivfbuildempty(Relation index);

/* ivf_insert.cpp */
bool		ivfinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
					  Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
					  IndexInfo *indexInfo);

/* ivf_scan.cpp */
IndexScanDesc ivfbeginscan(Relation index, int nkeys, int norderbys);
void		ivfrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
bool		ivfgettuple(IndexScanDesc scan, ScanDirection dir);
void		ivfendscan(IndexScanDesc scan);

/* ivf_vacuum.cpp */
IndexBulkDeleteResult *ivfbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
									 IndexBulkDeleteCallback callback, void *callback_state);
IndexBulkDeleteResult *ivfvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats);

#endif							/* VECTORDB_IVF_H */

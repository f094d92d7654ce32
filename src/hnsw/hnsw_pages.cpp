/*-------------------------------------------------------------------------
 *
 * hnsw_pages.cpp
 *		HNSW page and item layout: metapage, node items, neighbor slots.
 *
 * IDENTIFICATION
 *		src/hnsw/hnsw_pages.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

extern "C"
{
#include "storage/lmgr.h"
}

void
HnswInitPage(Page page, uint16 page_type)
{
	HnswPageOpaque opaque;

	PageInit(page, BLCKSZ, sizeof(HnswPageOpaqueData));
	opaque = HnswPageGetOpaque(page);
	opaque->page_type = page_type;
	opaque->unused = 0;
	opaque->page_id = HNSW_MAGIC;
	/* A vector page is one raw float area: no hole for WAL to skip */
	if (page_type == HNSW_PAGE_VECTOR)
		((PageHeader) page)->pd_lower = ((PageHeader) page)->pd_upper;
}

void
HnswInitMetaPage(Page page, int dims, int m, int ef_construction)
{
	HnswMetaPage meta;

	HnswInitPage(page, HNSW_PAGE_META);
	meta = HnswPageGetMeta(page);
	MemSet(meta, 0, sizeof(HnswMetaPageData));
	meta->magic = HNSW_MAGIC;
	meta->version = HNSW_VERSION;
	meta->dims = dims;
	meta->m = m;
	meta->ef_construction = ef_construction;
	ItemPointerSetInvalid(&meta->entry);
	meta->entry_level = -1;
	meta->entry_vblk = InvalidBlockNumber;
	meta->vec_tail_blk = InvalidBlockNumber;
	meta->node_tail_blk = InvalidBlockNumber;
	ItemPointerSetInvalid(&meta->free_head);
	((PageHeader) page)->pd_lower = ((char *) meta + sizeof(HnswMetaPageData)) - (char *) page;
}

/* An initialized node page of an hnsw index */
bool
HnswIsNodePage(Page page)
{
	return !PageIsNew(page) && HnswPageGetOpaque(page)->page_id == HNSW_MAGIC &&
		HnswPageGetOpaque(page)->page_type == HNSW_PAGE_NODE;
}

/*
 * Whether item offnum of page is a node of this index's shape: a normal
 * item wholly inside the page's data area, with levels its size has room
 * for.  Every reader goes through this before following a node's lists, so
 * a damaged page cannot send a read outside the page.
 */
bool
HnswNodeIsSane(Page page, OffsetNumber offnum, const HnswInfo *info)
{
	ItemId		iid;
	Size		start;
	Size		len;
	HnswNode	node;

	if (!HnswIsNodePage(page) ||
		offnum < FirstOffsetNumber || offnum > PageGetMaxOffsetNumber(page))
		return false;
	iid = PageGetItemId(page, offnum);
	start = ItemIdGetOffset(iid);
	len = ItemIdGetLength(iid);
	if (!ItemIdIsNormal(iid) || start < SizeOfPageHeaderData ||
		start + len > ((PageHeader) page)->pd_special || len < HNSW_NODE_SIZE(info->m, 0))
		return false;
	node = (HnswNode) PageGetItem(page, iid);
	return node->capacity_level <= info->max_level && node->level <= node->capacity_level &&
		len == HNSW_NODE_SIZE(info->m, node->capacity_level);
}

/* The node at offnum; a damaged one is an error */
HnswNode
HnswGetNode(Relation index, Page page, OffsetNumber offnum)
{
	if (!HnswNodeIsSane(page, offnum, HnswGetInfo(index)))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("hnsw index \"%s\" contains a damaged node (item %u)",
						RelationGetRelationName(index), offnum),
				 errhint("Please REINDEX it.")));
	return (HnswNode) PageGetItem(page, PageGetItemId(page, offnum));
}

/* The slots of one level's neighbor list */
HnswNeighbor *
HnswNodeList(HnswNode node, int m, int level, int *slots)
{
	if (level == 0)
	{
		*slots = 2 * m;
		return node->neighbors;
	}
	*slots = m;
	return node->neighbors + 2 * m + (level - 1) * m;
}

void
HnswSetNeighbor(HnswNeighbor *slot, const HnswRef *ref)
{
	if (ref == NULL)
	{
		ItemPointerSetInvalid(&slot->node);
		BlockIdSet(&slot->vblk, InvalidBlockNumber);
		slot->voff = 0;
		return;
	}
	slot->node = ref->node;
	BlockIdSet(&slot->vblk, ref->vblk);
	slot->voff = ref->voff;
}

void
HnswGetNeighbor(const HnswNeighbor *slot, HnswRef *ref)
{
	ref->node = slot->node;
	ref->vblk = BlockIdGetBlockNumber(&slot->vblk);
	ref->voff = slot->voff;
}

bool
HnswNeighborIsEmpty(const HnswNeighbor *slot)
{
	return !ItemPointerIsValid(&slot->node);
}

void
HnswNodeRef(HnswNode node, ItemPointer tid, HnswRef *ref)
{
	ref->node = *tid;
	ref->vblk = BlockIdGetBlockNumber(&node->vblk);
	ref->voff = node->voff;
}

uint64
HnswTidKey(ItemPointer tid)
{
	return ((uint64) ItemPointerGetBlockNumberNoCheck(tid) << 16) |
		ItemPointerGetOffsetNumberNoCheck(tid);
}

void
HnswReadMeta(Relation index, HnswMetaPageData *out)
{
	Buffer		buf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
	Page		page;
	HnswMetaPage meta;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	meta = HnswPageGetMeta(page);
	if (HnswPageGetOpaque(page)->page_id != HNSW_MAGIC || meta->magic != HNSW_MAGIC)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" is not an hnsw index", RelationGetRelationName(index))));
	if (meta->version != HNSW_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("hnsw index \"%s\" has version %u, expected %u",
						RelationGetRelationName(index), meta->version, HNSW_VERSION),
				 errhint("REINDEX the index.")));
	*out = *meta;
	UnlockReleaseBuffer(buf);
}


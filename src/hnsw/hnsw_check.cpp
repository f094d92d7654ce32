/*-------------------------------------------------------------------------
 *
 * hnsw_check.cpp
 *		vectordb_index_check(regclass) for hnsw: walks every page and node
 *		and reports each structural problem as one row of text.
 *
 * IDENTIFICATION
 *		src/hnsw/hnsw_check.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "hnsw/hnsw.h"

extern "C"
{
#include "access/relation.h"
#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

typedef struct CheckState
{
	Tuplestorestate *store;
	TupleDesc	desc;
	int			problems;
} CheckState;

static void Problem(CheckState *cs, const char *fmt,...) pg_attribute_printf(2, 3);

static void
Problem(CheckState *cs, const char *fmt,...)
{
	char		buf[512];
	va_list		args;
	Datum		value;
	bool		isnull = false;

	/* Enough to see what is wrong; a broken index could report millions */
	if (++cs->problems > 1000)
		return;
	va_start(args, fmt);
	vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	value = CStringGetTextDatum(buf);
	tuplestore_putvalues(cs->store, cs->desc, &value, &isnull);
}

/* The node at tid if it is a well-formed node item, else NULL (page kept
 * in *buf, share-locked, for the caller to release) */
static HnswNode
FetchNode(Relation index, ItemPointer tid, BlockNumber nblocks, Buffer *buf)
{
	BlockNumber blk = ItemPointerGetBlockNumberNoCheck(tid);
	OffsetNumber off = ItemPointerGetOffsetNumberNoCheck(tid);
	Page		page;

	*buf = InvalidBuffer;
	if (blk == 0 || blk >= nblocks)
		return NULL;
	*buf = ReadBuffer(index, blk);
	LockBuffer(*buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(*buf);
	if (!HnswIsNodePage(page) ||
		off < FirstOffsetNumber || off > PageGetMaxOffsetNumber(page))
		return NULL;
	return HnswGetNode(page, off);
}

static bool
VectorRefValid(BlockNumber vblk, uint16 voff, int dims, BlockNumber nblocks)
{
	int			npages = (voff + dims + HNSW_FLOATS_PER_PAGE - 1) / HNSW_FLOATS_PER_PAGE;

	return vblk != InvalidBlockNumber && vblk >= 1 && voff < HNSW_FLOATS_PER_PAGE &&
		vblk + npages <= nblocks;
}

static void
CheckHnsw(Relation index, CheckState *cs)
{
	const HnswInfo *info = HnswGetInfo(index);
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	HnswMetaPageData meta;
	int			max_level = HnswMaxLevel(info->m);
	int64		live = 0;
	int64		free_nodes = 0;

	if (nblocks == 0)
	{
		Problem(cs, "index has no metapage");
		return;
	}
	HnswReadMeta(index, &meta);
	if ((int) meta.dims != info->vm.dims || meta.m != info->m)
		Problem(cs, "metapage says dims %u, m %u; the index definition says %d, %d",
				meta.dims, meta.m, info->vm.dims, info->m);

	for (BlockNumber blk = 1; blk < nblocks; blk++)
	{
		Buffer		buf = ReadBuffer(index, blk);
		Page		page;
		HnswPageOpaque opaque;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		opaque = HnswPageGetOpaque(page);
		if (PageIsNew(page))
		{
			/* an extension interrupted by a crash leaves a zero page; harmless */
			UnlockReleaseBuffer(buf);
			continue;
		}
		if (opaque->page_id != HNSW_MAGIC ||
			(opaque->page_type != HNSW_PAGE_NODE && opaque->page_type != HNSW_PAGE_VECTOR))
		{
			Problem(cs, "block %u: not an hnsw node or vector page", blk);
			UnlockReleaseBuffer(buf);
			continue;
		}
		if (opaque->page_type == HNSW_PAGE_VECTOR)
		{
			UnlockReleaseBuffer(buf);
			continue;
		}

		for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
		{
			ItemId		iid = PageGetItemId(page, off);
			HnswNode	node = HnswGetNode(page, off);

			if (!ItemIdIsNormal(iid) ||
				ItemIdGetLength(iid) < HNSW_NODE_SIZE(info->m, 0))
			{
				Problem(cs, "node (%u,%u): bad item", blk, off);
				continue;
			}
			if (node->state != HNSW_NODE_LIVE && node->state != HNSW_NODE_DELETED &&
				node->state != HNSW_NODE_FREE)
			{
				Problem(cs, "node (%u,%u): unknown state %u", blk, off, node->state);
				continue;
			}
			if (node->capacity_level > max_level || node->level > node->capacity_level ||
				ItemIdGetLength(iid) != HNSW_NODE_SIZE(info->m, node->capacity_level))
			{
				Problem(cs, "node (%u,%u): level %u does not fit its item", blk, off, node->level);
				continue;
			}
			if (!VectorRefValid(BlockIdGetBlockNumber(&node->vblk), node->voff, info->vm.dims, nblocks))
				Problem(cs, "node (%u,%u): vector reference (%u,%u) out of range", blk, off,
						BlockIdGetBlockNumber(&node->vblk), node->voff);
			if (node->state == HNSW_NODE_FREE)
			{
				free_nodes++;
				continue;
			}
			if (node->state == HNSW_NODE_LIVE)
			{
				live++;
				if (!ItemPointerIsValid(&node->heaptid))
					Problem(cs, "node (%u,%u): live node without a heap TID", blk, off);
			}

			for (int l = 0; l <= node->level; l++)
			{
				int			slots;
				HnswNeighbor *list = HnswNodeList(node, info->m, l, &slots);

				for (int s = 0; s < slots; s++)
				{
					HnswRef		ref;
					Buffer		nbuf;
					HnswNode	neighbor;

					if (HnswNeighborIsEmpty(&list[s]))
						continue;
					HnswGetNeighbor(&list[s], &ref);
					if (ItemPointerGetBlockNumberNoCheck(&ref.node) == blk &&
						ItemPointerGetOffsetNumberNoCheck(&ref.node) == off)
					{
						Problem(cs, "node (%u,%u) level %d: links to itself", blk, off, l);
						continue;
					}
					/* A neighbor on this page is read under the lock we hold */
					nbuf = InvalidBuffer;
					if (ItemPointerGetBlockNumberNoCheck(&ref.node) != blk)
						neighbor = FetchNode(index, &ref.node, nblocks, &nbuf);
					else if (ItemPointerGetOffsetNumberNoCheck(&ref.node) <= PageGetMaxOffsetNumber(page))
						neighbor = HnswGetNode(page, ItemPointerGetOffsetNumberNoCheck(&ref.node));
					else
						neighbor = NULL;
					if (neighbor == NULL)
						Problem(cs, "node (%u,%u) level %d: neighbor (%u,%u) is not a node",
								blk, off, l, ItemPointerGetBlockNumberNoCheck(&ref.node),
								ItemPointerGetOffsetNumberNoCheck(&ref.node));
					else if (neighbor->state == HNSW_NODE_FREE)
						Problem(cs, "node (%u,%u) level %d: neighbor (%u,%u) is a freed node",
								blk, off, l, ItemPointerGetBlockNumberNoCheck(&ref.node),
								ItemPointerGetOffsetNumberNoCheck(&ref.node));
					else if (BlockIdGetBlockNumber(&neighbor->vblk) != ref.vblk ||
							 neighbor->voff != ref.voff)
						Problem(cs, "node (%u,%u) level %d: neighbor (%u,%u) has a stale vector reference",
								blk, off, l, ItemPointerGetBlockNumberNoCheck(&ref.node),
								ItemPointerGetOffsetNumberNoCheck(&ref.node));
					else if (neighbor->level < l)
						Problem(cs, "node (%u,%u) level %d: neighbor (%u,%u) has only level %u",
								blk, off, l, ItemPointerGetBlockNumberNoCheck(&ref.node),
								ItemPointerGetOffsetNumberNoCheck(&ref.node), neighbor->level);
					if (BufferIsValid(nbuf))
						UnlockReleaseBuffer(nbuf);
				}
			}
		}
		UnlockReleaseBuffer(buf);
	}

	/* The entry point */
	if (ItemPointerIsValid(&meta.entry))
	{
		Buffer		buf;
		HnswNode	entry = FetchNode(index, &meta.entry, nblocks, &buf);

		if (entry == NULL)
			Problem(cs, "entry point (%u,%u) is not a node",
					ItemPointerGetBlockNumberNoCheck(&meta.entry),
					ItemPointerGetOffsetNumberNoCheck(&meta.entry));
		else if (entry->state == HNSW_NODE_FREE || entry->level != meta.entry_level ||
				 BlockIdGetBlockNumber(&entry->vblk) != meta.entry_vblk || entry->voff != meta.entry_voff)
			Problem(cs, "entry point (%u,%u) does not match its node",
					ItemPointerGetBlockNumberNoCheck(&meta.entry),
					ItemPointerGetOffsetNumberNoCheck(&meta.entry));
		if (BufferIsValid(buf))
			UnlockReleaseBuffer(buf);
	}
	else if (live > 0)
		Problem(cs, "index has " INT64_FORMAT " live nodes but no entry point", live);

	/* The free list: only free nodes, no cycle */
	{
		ItemPointerData tid = meta.free_head;
		int64		steps = 0;

		while (ItemPointerIsValid(&tid))
		{
			Buffer		buf;
			HnswNode	node = FetchNode(index, &tid, nblocks, &buf);
			ItemPointerData next;

			if (node == NULL || node->state != HNSW_NODE_FREE)
			{
				Problem(cs, "free list entry (%u,%u) is not a free node",
						ItemPointerGetBlockNumberNoCheck(&tid), ItemPointerGetOffsetNumberNoCheck(&tid));
				if (BufferIsValid(buf))
					UnlockReleaseBuffer(buf);
				break;
			}
			next = node->heaptid;
			UnlockReleaseBuffer(buf);
			if (++steps > free_nodes)
			{
				Problem(cs, "free list has a cycle");
				break;
			}
			tid = next;
		}
	}
}

VDB_FUNCTION(vectordb_index_check)
{
	Oid			relid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CheckState	cs;
	Relation	index;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	cs.store = rsinfo->setResult;
	cs.desc = rsinfo->setDesc;
	cs.problems = 0;

	index = relation_open(relid, AccessShareLock);
	if (index->rd_rel->relkind != RELKIND_INDEX)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an index", RelationGetRelationName(index))));
	if (index->rd_rel->relam != get_index_am_oid("hnsw", true))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("\"%s\" is not an hnsw index", RelationGetRelationName(index))));
	CheckHnsw(index, &cs);
	relation_close(index, AccessShareLock);
	if (cs.problems > 1000)
		ereport(NOTICE,
				(errmsg("%d problems found; only the first 1000 are listed", cs.problems)));
	PG_RETURN_NULL();
}

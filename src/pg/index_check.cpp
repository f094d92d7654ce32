/*-------------------------------------------------------------------------
 *
 * index_check.cpp
 *		vectordb_index_check(regclass): privilege checks, dispatch to the
 *		access method's walker, and the result rows.
 *
 * IDENTIFICATION
 *		src/pg/index_check.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "pg/index_check.h"

#include <cstdarg>
#include <cstdio>

extern "C"
{
#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"
}

/* Enough to see what is wrong; a broken index could report millions */
#define INDEX_CHECK_MAX_ROWS	1000

struct IndexCheck
{
	Tuplestorestate *store;
	TupleDesc	desc;
	int			problems;
	Relation	heap;
	BlockNumber heap_blocks;	/* the table's size when last read */
};

void
IndexCheckProblem(IndexCheck *check, const char *fmt,...)
{
	char		buf[512];
	va_list		args;
	Datum		value;
	bool		isnull = false;

	if (++check->problems > INDEX_CHECK_MAX_ROWS)
		return;
	va_start(args, fmt);
	vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	value = CStringGetTextDatum(buf);
	tuplestore_putvalues(check->store, check->desc, &value, &isnull);
}

/*
 * Whether tid can address a row of the index's table: a block the table
 * has and an offset a heap page can hold.  The size is read again only for
 * a block past the last size read, since rows are inserted concurrently.
 */
bool
IndexCheckHeapTid(IndexCheck *check, ItemPointer tid)
{
	BlockNumber blk = ItemPointerGetBlockNumberNoCheck(tid);
	OffsetNumber off = ItemPointerGetOffsetNumberNoCheck(tid);

	if (off < FirstOffsetNumber || off > MaxHeapTuplesPerPage)
		return false;
	if (blk >= check->heap_blocks)
		check->heap_blocks = RelationGetNumberOfBlocks(check->heap);
	return blk < check->heap_blocks;
}

/*
 * The introspection functions read the index, which holds the indexed
 * values (or, for the statistics, how many rows there are): only those who
 * may read the table may run them.  The privilege is checked before any
 * lock is taken, so a caller without it cannot block others.
 */
void
IndexIntrospectionAccess(Oid relid, const char *what)
{
	Oid			heapoid;

	if (get_rel_relkind(relid) != RELKIND_INDEX)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an index", get_rel_name(relid))));
	heapoid = IndexGetRelation(relid, true);
	if (!OidIsValid(heapoid))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an index", get_rel_name(relid))));
	if (pg_class_aclcheck(heapoid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s", get_rel_name(heapoid)),
				 errdetail("%s index \"%s\" requires SELECT on its table.",
						   what, get_rel_name(relid))));
}

/* Which of vectordb's access methods index belongs to; an error for others */
IndexAm
IndexIntrospectionAm(Relation index)
{
	Oid			am = index->rd_rel->relam;

	if (am == get_index_am_oid("hnsw", true))
		return INDEX_AM_HNSW;
	if (am == get_index_am_oid("ivf", true))
		return INDEX_AM_IVF;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("\"%s\" is not an hnsw or ivf index", RelationGetRelationName(index))));
	pg_unreachable();
}

VDB_FUNCTION(vectordb_index_check)
{
	Oid			relid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	IndexCheck	check;
	Relation	index;

	IndexIntrospectionAccess(relid, "Checking");

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	check.store = rsinfo->setResult;
	check.desc = rsinfo->setDesc;
	check.problems = 0;

	check.heap = relation_open(IndexGetRelation(relid, false), AccessShareLock);
	check.heap_blocks = 0;
	index = relation_open(relid, AccessShareLock);
	if (IndexIntrospectionAm(index) == INDEX_AM_HNSW)
		HnswCheckIndex(index, &check);
	else
		IvfCheckIndex(index, &check);
	relation_close(index, AccessShareLock);
	relation_close(check.heap, AccessShareLock);

	if (check.problems > INDEX_CHECK_MAX_ROWS)
		ereport(NOTICE,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("%d problems found; only the first %d are listed",
						check.problems, INDEX_CHECK_MAX_ROWS)));
	PG_RETURN_NULL();
}

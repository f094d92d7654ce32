/*-------------------------------------------------------------------------
 *
 * index_check.h
 *		vectordb_index_check(regclass): the SQL function, shared by both
 *		access methods, that walks an index and lists structural problems;
 *		and the access checks every introspection function makes.
 *
 * Each access method supplies a walker that calls IndexCheckProblem once per
 * problem it finds; the walker must never error out on a damaged page, since
 * reporting damage is its purpose.
 *
 * IDENTIFICATION
 *		src/pg/index_check.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_PG_INDEX_CHECK_H
#define VECTORDB_PG_INDEX_CHECK_H

#include "pg/pg_function.h"

extern "C"
{
#include "storage/itemptr.h"
#include "utils/relcache.h"
}

/* Errors unless relid is an index whose table the user may SELECT from;
 * what names the action in the message ("Checking") */
extern void IndexIntrospectionAccess(Oid relid, const char *what);

typedef enum IndexAm
{
	INDEX_AM_HNSW,
	INDEX_AM_IVF
} IndexAm;

/* Errors unless index is an hnsw or ivf index */
extern IndexAm IndexIntrospectionAm(Relation index);

/* Rows collected so far; opaque to the walkers */
typedef struct IndexCheck IndexCheck;

extern void IndexCheckProblem(IndexCheck *check, const char *fmt,...) pg_attribute_printf(2, 3);
extern bool IndexCheckHeapTid(IndexCheck *check, ItemPointer tid);

/* The walkers, one per access method */
extern void HnswCheckIndex(Relation index, IndexCheck *check);
extern void IvfCheckIndex(Relation index, IndexCheck *check);

#endif							/* VECTORDB_PG_INDEX_CHECK_H */

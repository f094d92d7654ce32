/*-------------------------------------------------------------------------
 *
 * index_stats.h
 *		vectordb_index_stats(regclass): what a person tuning an index wants
 *		to know about it, shared by both access methods, and the per-session
 *		counters of the work each index scan did.
 *
 * Each access method supplies a walker that fills the fields it knows;
 * the others stay at their "unknown" value and come out as NULL.  Scans
 * report their distance count when they end or restart (a rescan is a new
 * query); the counters live in the backend, so they describe this
 * session's queries only.
 *
 * IDENTIFICATION
 *		src/pg/index_stats.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_PG_INDEX_STATS_H
#define VECTORDB_PG_INDEX_STATS_H

#include "pg/pg_function.h"

extern "C"
{
#include "utils/relcache.h"
}

/* -1 (or NULL for text) means "does not apply to this access method" */
typedef struct IndexStats
{
	int64		elements;		/* rows the index holds */
	int64		deleted;		/* hnsw: nodes of dead rows awaiting VACUUM */
	int64		free_slots;		/* hnsw: node slots VACUUM freed for reuse */
	int			levels;			/* hnsw: layers of the graph */
	double		avg_neighbors;	/* hnsw: filled layer-0 slots per live node */
	int64		unreachable;	/* hnsw: live nodes a level-0 walk from the
								 * entry point does not reach */
	int			lists;			/* ivf */
	const char *quantizer;		/* ivf */
	int64		min_list;		/* ivf: entries in the smallest list */
	double		avg_list;
	int64		max_list;
} IndexStats;

/* The walkers, one per access method */
extern void HnswIndexStats(Relation index, IndexStats *stats);
extern void IvfIndexStats(Relation index, IndexStats *stats);

/* A scan of index ends or restarts having computed distances distances
 * and returned tuples rows */
extern void IndexStatsScanDone(Relation index, int64 distances, int64 tuples);

#endif							/* VECTORDB_PG_INDEX_STATS_H */

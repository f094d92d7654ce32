/*-------------------------------------------------------------------------
 *
 * pg_function.h
 *		Postgres headers as seen from C++, and fmgr entry-point declaration.
 *
 * Postgres-side files include this first instead of postgres.h directly.
 * Postgres' headers are C; wrapping them in extern "C" gives every backend
 * symbol C linkage.  VDB_FUNCTION declares an SQL-callable function with C
 * linkage and its V1 info record, so the definition that follows it is found
 * by the backend's dlsym.
 *
 * IDENTIFICATION
 *		src/pg/pg_function.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_PG_FUNCTION_H
#define VECTORDB_PG_FUNCTION_H

extern "C"
{
#include "postgres.h"

#include "fmgr.h"
}

#define VDB_FUNCTION(name) \
	extern "C" { PG_FUNCTION_INFO_V1(name); } \
	extern "C" Datum name(PG_FUNCTION_ARGS)

#endif							/* VECTORDB_PG_FUNCTION_H */

/*-------------------------------------------------------------------------
 *
 * cpp_only.h
 *		Compile-time guard for engine files that must not see Postgres.
 *
 * Files in src/distance/ and src/core/ are unit tested, fuzzed and
 * benchmarked without a server, so they include this header first.  Postgres
 * headers define POSTGRES_H; if one slipped in, the build stops here.
 *
 * IDENTIFICATION
 *		src/core/cpp_only.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_CPP_ONLY_H
#define VECTORDB_CPP_ONLY_H

#if defined(POSTGRES_H)
static_assert(false, "no Postgres header may be included in an engine file");
#endif

#endif							/* VECTORDB_CPP_ONLY_H */

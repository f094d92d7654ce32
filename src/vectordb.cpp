/*-------------------------------------------------------------------------
 *
 * vectordb.cpp
 *		Module entry: PG_MODULE_MAGIC, _PG_init and module-wide functions.
 *
 * IDENTIFICATION
 *		src/vectordb.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "pg/pg_function.h"

#include "distance/distance.h"
#include "hnsw/hnsw.h"
#include "ivf/ivf.h"

extern "C"
{
#include "utils/builtins.h"

PG_MODULE_MAGIC;

void		_PG_init(void);
}

/* Module load: choose the distance kernels for this CPU, once; define the
 * index options and GUCs */
void
_PG_init(void)
{
	vectordb::simd::Init();
	HnswInitGucs();
	IvfInitGucs();
}

/* Name of the instruction set the distance kernels use: scalar, avx2, avx512 */
VDB_FUNCTION(vectordb_simd_level)
{
	PG_RETURN_TEXT_P(cstring_to_text(vectordb::simd::Active().name));
}

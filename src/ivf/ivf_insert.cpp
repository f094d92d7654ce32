/*-------------------------------------------------------------------------
 *
 * ivf_insert.cpp
 *		INSERT into an ivf index: encode, then append to the nearest list.
 *
 * IDENTIFICATION
 *		src/ivf/ivf_insert.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "ivf/ivf.h"

bool
ivfinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
		  Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
		  IndexInfo *indexInfo)
{
	const IvfState *st;
	float	   *vector;
	IvfEntry	entry;
	int			list;

	/* NULLs are not indexed, as in a build */
	if (isnull[0])
		return false;

	st = IvfGetState(index);
	vector = (float *) palloc(sizeof(float) * st->vm.dims);
	if (VectorIndexPrepare(&st->vm, values[0], vector))
	{
		list = (int) vectordb::ivf::NearestCentroid(st->codec.metric, st->centroids, st->lists,
													st->vm.dims, vector);
		entry = (IvfEntry) palloc0(st->entry_size);
		entry->heaptid = *heap_tid;
		vectordb::ivf::Encode(st->codec, vector, entry->code);
		IvfAppendEntry(index, st, list, entry, true);
		pfree(entry);
	}
	pfree(vector);
	return false;
}

/*-------------------------------------------------------------------------
 *
 * bit_index.h
 *		bit columns in the float-based index access methods.
 *
 * hnsw and ivf take vectors as floats.  A bit(n) value is given to them as
 * n floats, 1.0 for each set bit and 0.0 for each clear one: between two
 * such vectors the squared Euclidean distance is exactly the Hamming
 * distance, so an operator class whose distance function is
 * hamming_distance is indexed with the L2-squared metric, and one on
 * jaccard_distance with kJaccard (from the dot product and the two counts
 * of ones).  The internal distance is reported as is.  hnsw stores the
 * bits themselves (Storage::kBit, src/distance/stored.h) and measures them
 * with popcounts; ivf keeps the floats.
 *
 * IDENTIFICATION
 *		src/pg/bit_index.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_PG_BIT_INDEX_H
#define VECTORDB_PG_BIT_INDEX_H

#include "pg/vector_index.h"

/* Fills *vm for a Hamming operator class (the caller switches Jaccard's
 * metric); checks the column is bit(n) */
extern void BitIndexGetMetric(Relation index, const char *am, VectorIndexMetric *vm);

/* Expands a bit datum of vm->dims bits into out (vm->dims floats of 0 or 1) */
extern bool BitIndexPrepare(const VectorIndexMetric *vm, Datum value, float *out);

#endif							/* VECTORDB_PG_BIT_INDEX_H */

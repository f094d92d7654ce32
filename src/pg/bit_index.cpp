/*-------------------------------------------------------------------------
 *
 * bit_index.cpp
 *		bit(n) columns and expressions as 0/1 float vectors for hnsw.
 *
 * See bit_index.h for why the squared Euclidean distance of the expansion
 * is the Hamming distance.  Every sum involved is a count of at most 16000
 * ones, exact in the float32 lanes of the kernels, so index distances equal
 * hamming_distance() exactly and ties order as the seq scan's do.
 *
 * IDENTIFICATION
 *		src/pg/bit_index.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "pg/bit_index.h"

#include "core/bit_codec.h"

extern "C"
{
#include "catalog/pg_type.h"
#include "utils/rel.h"
#include "utils/varbit.h"
}

void
BitIndexGetMetric(Relation index, const char *am, VectorIndexMetric *vm)
{
	Form_pg_attribute attr = TupleDescAttr(index->rd_att, 0);

	/* a varbit value may be of any length up to its typmod; the graph needs one */
	if (attr->atttypid != BITOID)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("type not supported for %s index", am),
				 errhint("Index an expression cast to bit(n), as in ((column::bit(1536)) bit_hamming_ops).")));
	if (attr->atttypmod < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column does not have dimensions"),
				 errhint("Cast the expression to bit(n), as in ((binary_quantize(embedding)::bit(1536)) bit_hamming_ops).")));

	memset(vm, 0, sizeof(*vm));
	vm->metric = vectordb::simd::Metric::kL2Squared;
	vm->is_bit = true;
	vm->dims = attr->atttypmod;
}

bool
BitIndexPrepare(const VectorIndexMetric *vm, Datum value, float *out)
{
	VarBit	   *v = DatumGetVarBitP(value);

	if (VARBITLEN(v) != vm->dims)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different bit lengths %d and %d", vm->dims, VARBITLEN(v))));
	/* the expansion below trusts the length: a value whose size disagrees is damaged */
	if (VARSIZE_ANY(v) != (Size) VARBITTOTALLEN(VARBITLEN(v)))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("bit value of %d bits has size %zu",
						VARBITLEN(v), (size_t) VARSIZE_ANY(v))));
	vectordb::core::BitsToFloats(VARBITS(v), vm->dims, out);
	if ((Pointer) v != DatumGetPointer(value))
		pfree(v);
	return true;
}

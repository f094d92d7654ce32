/*-------------------------------------------------------------------------
 *
 * bit.cpp
 *		Hamming and Jaccard distance on Postgres' bit type, and binary
 *		quantization of vectors into it.
 *
 * vectordb adds no bit type of its own: the functions take the built-in
 * bit(n) (varbit values are accepted too, both being the same VarBit
 * datum), whose unused bits in the last byte Postgres keeps zero, so the
 * popcount kernels (distance/bit_distance.h) may count whole bytes.
 *
 * IDENTIFICATION
 *		src/types/bit.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "types/bit.h"

#include "core/bit_codec.h"
#include "distance/bit_distance.h"
#include "types/vector.h"

namespace simd = vectordb::simd;

/* A zeroed bit string of the given length */
VarBit *
InitBitVector(int bits)
{
	Size		size = VARBITTOTALLEN(bits);
	VarBit	   *result = (VarBit *) palloc0(size);

	SET_VARSIZE(result, size);
	VARBITLEN(result) = bits;
	return result;
}

/* Raises an error unless a and b have the same number of bits */
void
CheckBitLengths(const VarBit *a, const VarBit *b)
{
	if (VARBITLEN(a) != VARBITLEN(b))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different bit lengths %d and %d", VARBITLEN(a), VARBITLEN(b))));
}

/* Fetches two bit arguments of the same length */
#define GET_TWO_BITS(a, b) \
	VarBit	   *a = PG_GETARG_VARBIT_P(0); \
	VarBit	   *b = PG_GETARG_VARBIT_P(1); \
	CheckBitLengths(a, b)

/* Number of positions at which the bits differ */
VDB_FUNCTION(hamming_distance)
{
	GET_TWO_BITS(a, b);

	PG_RETURN_FLOAT8((double) simd::BitActive().hamming(VARBITS(a), VARBITS(b), VARBITBYTES(a)));
}

/* 1 - |a AND b| / |a OR b|, counting set bits; 1 when no set bit is shared */
VDB_FUNCTION(jaccard_distance)
{
	GET_TWO_BITS(a, b);

	PG_RETURN_FLOAT8(simd::JaccardDistanceFromCounts(
		simd::BitActive().jaccard_counts(VARBITS(a), VARBITS(b), VARBITBYTES(a))));
}

/* One bit per element: 1 where the element is greater than zero */
VDB_FUNCTION(binary_quantize)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	VarBit	   *result = InitBitVector(a->dim);

	vectordb::core::BinaryQuantize(a->x, a->dim, VARBITS(result));
	PG_RETURN_VARBIT_P(result);
}

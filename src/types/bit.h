/*-------------------------------------------------------------------------
 *
 * bit.h
 *		Helpers for Postgres' built-in bit and varbit types, shared by the
 *		bit distance functions and the quantizers that return bit.
 *
 * IDENTIFICATION
 *		src/types/bit.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef VECTORDB_BIT_H
#define VECTORDB_BIT_H

#include "pg/pg_function.h"

extern "C"
{
#include "utils/varbit.h"
}

/* bit.cpp */
VarBit	   *InitBitVector(int bits);
void		CheckBitLengths(const VarBit *a, const VarBit *b);

#endif							/* VECTORDB_BIT_H */

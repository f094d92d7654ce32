/*-------------------------------------------------------------------------
 *
 * halfvec_agg.cpp
 *		avg(halfvec) and sum(halfvec): transition and final functions.
 *
 * The state is avg(vector)'s, a double precision[] {n, sum_1, ..., sum_dim}
 * (see vector_agg.cpp), so vector_combine combines parallel workers' states
 * for halfvec too.  Sums in double are exact for a long while (a half has 11
 * significant bits), so both aggregates round once, in the final function;
 * pgvector sums halfvecs in half precision, rounding at every row.
 *
 * IDENTIFICATION
 *		src/types/halfvec_agg.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "types/halfvec.h"

#include <cmath>

#include "types/type_common.h"

extern "C"
{
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/float.h"
}

namespace core = vectordb::core;

/* Transition function: adds one halfvec to the running sums */
VDB_FUNCTION(halfvec_accum)
{
	ArrayType  *statearray = PG_GETARG_ARRAYTYPE_P(0);
	HalfVector *vec = PG_GETARG_HALFVEC_P(1);
	int			nelems;
	double	   *state = AvgStateElements(statearray, "halfvec", &nelems);
	double	   *sums;
	ArrayType  *result;

	if (state[0] != 0)
		CheckAvgStateDims(nelems - 1, vec->dim);

	/* Called as an aggregate, the state is the aggregate's: update it in place */
	if (state[0] != 0 && AggCheckCallContext(fcinfo, NULL))
	{
		state[0] += 1;
		for (int i = 0; i < vec->dim; i++)
			state[i + 1] += core::HalfToFloat(vec->x[i]);
		PG_RETURN_ARRAYTYPE_P(statearray);
	}

	/* The initial state is {0}; the first halfvec fixes the dimensions */
	sums = (double *) palloc(sizeof(double) * vec->dim);
	for (int i = 0; i < vec->dim; i++)
		sums[i] = (state[0] != 0 ? state[i + 1] : 0.0) + core::HalfToFloat(vec->x[i]);
	result = BuildAvgState(state[0] + 1, sums, vec->dim);
	pfree(sums);
	PG_RETURN_ARRAYTYPE_P(result);
}

/* Converts state sums (divided by n for the mean) to a halfvec, or NULL for an empty state */
static Datum
StateToHalfvec(FunctionCallInfo fcinfo, bool mean)
{
	ArrayType  *statearray = PG_GETARG_ARRAYTYPE_P(0);
	int			nelems;
	double	   *state = AvgStateElements(statearray, "halfvec", &nelems);
	double		n = state[0];
	HalfVector *result;

	if (n == 0)
		PG_RETURN_NULL();

	CheckHalfvecDim(nelems - 1);
	result = InitHalfVector(nelems - 1);
	for (int i = 0; i < result->dim; i++)
	{
		double		value = mean ? state[i + 1] / n : state[i + 1];

		/* a state array passed in by hand may hold NaN or infinities */
		if (std::isnan(value) || std::isinf(value))
			CheckHalfvecElement((float) value);
		result->x[i] = core::DoubleToHalf(value);
		if (unlikely(core::HalfIsInf(result->x[i])))
			float_overflow_error();
	}

	PG_RETURN_HALFVEC_P(result);
}

/* avg(halfvec) final function: the mean, or NULL when there were no rows */
VDB_FUNCTION(halfvec_avg)
{
	return StateToHalfvec(fcinfo, true);
}

/* sum(halfvec) final function: the sum, or NULL when there were no rows */
VDB_FUNCTION(halfvec_sum)
{
	return StateToHalfvec(fcinfo, false);
}

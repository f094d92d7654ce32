/*-------------------------------------------------------------------------
 *
 * vector_agg.cpp
 *		avg(vector) and sum(vector): transition, combine and final functions.
 *
 * Both share one state, a double precision[] {n, sum_1, ..., sum_dim}: sums
 * keep double precision over many rows (a float4 running sum would drift and
 * make serial and parallel plans disagree), parallel workers' states combine
 * by addition, and a plain SQL state type needs no serialization functions.
 *
 * IDENTIFICATION
 *		src/types/vector_agg.cpp
 *
 *-------------------------------------------------------------------------
 */
#include "types/vector.h"

#include <cmath>

#include "types/type_common.h"

extern "C"
{
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/float.h"
}

/* Transition function: adds one vector to the running sums */
VDB_FUNCTION(vector_accum)
{
	ArrayType  *statearray = PG_GETARG_ARRAYTYPE_P(0);
	Vector	   *vec = PG_GETARG_VECTOR_P(1);
	int			nelems;
	double	   *state = AvgStateElements(statearray, "vector", &nelems);
	double	   *sums;
	ArrayType  *result;

	if (state[0] != 0)
		CheckAvgStateDims(nelems - 1, vec->dim);

	/*
	 * Called as an aggregate, the state belongs to the aggregate's memory
	 * context and may be updated in place: no new array per row.
	 */
	if (state[0] != 0 && AggCheckCallContext(fcinfo, NULL))
	{
		state[0] += 1;
		for (int i = 0; i < vec->dim; i++)
			state[i + 1] += vec->x[i];
		PG_RETURN_ARRAYTYPE_P(statearray);
	}

	/* The initial state is {0}; the first vector fixes the dimensions */
	sums = (double *) palloc0(sizeof(double) * vec->dim);
	if (state[0] != 0)
		memcpy(sums, state + 1, sizeof(double) * vec->dim);
	for (int i = 0; i < vec->dim; i++)
		sums[i] += vec->x[i];

	result = BuildAvgState(state[0] + 1, sums, vec->dim);
	pfree(sums);
	PG_RETURN_ARRAYTYPE_P(result);
}

/* Combine function: adds two partial states from parallel workers */
VDB_FUNCTION(vector_combine)
{
	ArrayType  *array1 = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *array2 = PG_GETARG_ARRAYTYPE_P(1);
	int			n1;
	int			n2;
	double	   *state1 = AvgStateElements(array1, "vector", &n1);
	double	   *state2 = AvgStateElements(array2, "vector", &n2);
	double	   *sums;
	ArrayType  *result;

	if (state1[0] == 0)
		PG_RETURN_ARRAYTYPE_P(array2);
	if (state2[0] == 0)
		PG_RETURN_ARRAYTYPE_P(array1);
	CheckAvgStateDims(n1 - 1, n2 - 1);

	sums = (double *) palloc(sizeof(double) * (n1 - 1));
	for (int i = 0; i < n1 - 1; i++)
		sums[i] = state1[i + 1] + state2[i + 1];

	result = BuildAvgState(state1[0] + state2[0], sums, n1 - 1);
	pfree(sums);
	PG_RETURN_ARRAYTYPE_P(result);
}

/* Converts state sums divided by n to a vector, or NULL for an empty state */
static Datum
StateToVector(FunctionCallInfo fcinfo, bool mean)
{
	ArrayType  *statearray = PG_GETARG_ARRAYTYPE_P(0);
	int			nelems;
	double	   *state = AvgStateElements(statearray, "vector", &nelems);
	double		n = state[0];
	Vector	   *result;

	if (n == 0)
		PG_RETURN_NULL();

	CheckDim(nelems - 1);
	result = InitVector(nelems - 1);
	for (int i = 0; i < result->dim; i++)
	{
		result->x[i] = (float) (mean ? state[i + 1] / n : state[i + 1]);
		if (unlikely(std::isinf(result->x[i])))
			float_overflow_error();
		/* a state array passed in by hand may hold NaN */
		CheckElement(result->x[i]);
	}

	PG_RETURN_VECTOR_P(result);
}

/* avg(vector) final function: the mean vector, or NULL when there were no rows */
VDB_FUNCTION(vector_avg)
{
	return StateToVector(fcinfo, true);
}

/* sum(vector) final function: the sum vector, or NULL when there were no rows */
VDB_FUNCTION(vector_sum)
{
	return StateToVector(fcinfo, false);
}

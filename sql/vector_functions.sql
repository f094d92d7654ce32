-- Distance functions and operators, arithmetic, norms and subvector

-- distances
SELECT l2_distance('[0,0]'::vector, '[3,4]'), '[0,0]'::vector <-> '[3,4]';
SELECT vector_l2_squared_distance('[0,0]', '[3,4]');
SELECT inner_product('[1,2]'::vector, '[3,4]'), '[1,2]'::vector <#> '[3,4]';
SELECT cosine_distance('[1,2]'::vector, '[2,4]'), '[1,2]'::vector <=> '[2,4]';
SELECT cosine_distance('[1,1]'::vector, '[-1,-1]'), cosine_distance('[1,0]'::vector, '[0,1]');
SELECT l1_distance('[0,0]'::vector, '[3,-4]'), '[0,0]'::vector <+> '[3,-4]';

-- cosine distance with a zero vector is NaN, as in pgvector
SELECT cosine_distance('[0,0]'::vector, '[1,2]'), '[0,0]'::vector <=> '[0,0]';

-- no overflow: sums are accumulated in double
SELECT l2_distance('[-3.4028235e38]'::vector, '[3.4028235e38]');
SELECT inner_product('[3.4028235e38]'::vector, '[3.4028235e38]');
SELECT l1_distance('[-3.4028235e38]'::vector, '[3.4028235e38]');

-- odd lengths and 16000 dimensions agree with a double-precision computation
SELECT n, abs(l2_distance(a, b) - sqrt(l2)) / sqrt(l2) < 1e-6 AS l2_ok,
	   abs(inner_product(a, b) - ip) / abs(ip) < 1e-6 AS ip_ok,
	   abs(l1_distance(a, b) - l1) / l1 < 1e-6 AS l1_ok,
	   abs(cosine_distance(a, b) - (1 - ip / sqrt(na * nb))) < 1e-6 AS cos_ok
FROM (SELECT n, array_agg(x ORDER BY i)::vector AS a, array_agg(y ORDER BY i)::vector AS b,
			 sum((x::float8 - y::float8) ^ 2) AS l2, sum(x::float8 * y::float8) AS ip,
			 sum(abs(x::float8 - y::float8)) AS l1, sum(x::float8 ^ 2) AS na, sum(y::float8 ^ 2) AS nb
	  FROM (SELECT n, i, (sin(i * 1.3) + 1.5)::real AS x, (cos(i * 0.7) + 1.1)::real AS y
			FROM unnest(ARRAY[1, 7, 8, 9, 15, 16, 17, 31, 33, 784, 16000]) n, generate_series(1, n) i) s
	  GROUP BY n) t
ORDER BY n;

-- dimension mismatch
SELECT '[1,2]'::vector <-> '[1,2,3]';
SELECT '[1,2]'::vector <#> '[1,2,3]';
SELECT '[1,2]'::vector <=> '[1,2,3]';
SELECT '[1,2]'::vector <+> '[1,2,3]';
SELECT '[1,2]'::vector + '[1,2,3]';
SELECT '[1,2]'::vector - '[1,2,3]';
SELECT '[1,2]'::vector * '[1,2,3]';

-- strictness: NULL in, NULL out
SELECT l2_distance(NULL::vector, '[1]') IS NULL, '[1]'::vector <-> NULL IS NULL;

-- element-wise arithmetic
SELECT '[1,2,3]'::vector + '[4,5,6]';
SELECT '[1,2,3]'::vector - '[4,5,6]';
SELECT '[1,2,3]'::vector * '[4,5,6]';
SELECT '[3e38]'::vector + '[3e38]';
SELECT '[-3e38]'::vector - '[3e38]';
SELECT '[3e38]'::vector * '[10]';
SELECT '[1e-30]'::vector * '[1e-30]';

-- concatenation
SELECT '[1,2]'::vector || '[3]';
SELECT vector_dims(array_fill(1, ARRAY[8000])::vector || array_fill(1, ARRAY[8000])::vector);
SELECT array_fill(1, ARRAY[8000])::vector || array_fill(1, ARRAY[8001])::vector;

-- dims, norm, normalize
SELECT vector_dims('[1,2,3]'::vector);
SELECT vector_norm('[3,4]'), vector_norm('[0,0]');
SELECT l2_normalize('[3,4]'::vector), l2_normalize('[0,0]'::vector), l2_normalize('[-2]'::vector);
SELECT abs(vector_norm(l2_normalize(array_fill(7, ARRAY[16000])::vector)) - 1) < 1e-6;

-- subvector: 1-based start and a count, clipped to the vector
SELECT subvector('[1,2,3,4,5]'::vector, 2, 3);
SELECT subvector('[1,2,3,4,5]'::vector, 4, 10);
SELECT subvector('[1,2,3,4,5]'::vector, -1, 3);
SELECT subvector('[1,2,3,4,5]'::vector, 1, 0);
SELECT subvector('[1,2,3,4,5]'::vector, 6, 1);
SELECT subvector('[1,2,3,4,5]'::vector, 2147483647, 2147483647);
SELECT subvector('[1,2,3,4,5]'::vector, -2147483648, 2147483647);

-- kernels in use on this server
SELECT vectordb_simd_level() IN ('scalar', 'avx2', 'avx512');

-- norms past float4's range of squares are computed in double
SELECT vector_norm('[3e38,3e38]'), l2_normalize('[3e38,3e38]'::vector);
-- the aggregates' support functions called by hand with bad states
SELECT vector_sum('{1,nan}');
SELECT vector_avg('{1,inf}');
SELECT vector_avg('{{1,2},{3,4}}');
SELECT vector_accum('{1,1,1}', '[1,2,3]');

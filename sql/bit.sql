-- Hamming and Jaccard distance on Postgres' bit type, binary quantization

-- Hamming distance: positions at which the bits differ
SELECT hamming_distance(B'111', B'111');
SELECT hamming_distance(B'111', B'110');
SELECT hamming_distance(B'111', B'100');
SELECT hamming_distance(B'111', B'000');
SELECT B'101' <~> B'010' AS all_differ, B'1100' <~> B'1010' AS two, B'1010' <~> B'1100' AS commuted;
SELECT pg_typeof(B'1' <~> B'0');

-- past one 64-bit word and one 512-bit block, with a partial last byte
SELECT repeat('10', 300)::bit(600) <~> repeat('01', 300)::bit(600) AS all_600;
SELECT (repeat('0', 999) || '1')::bit(1000) <~> repeat('0', 1000)::bit(1000) AS last_bit_only;
SELECT ('1' || repeat('0', 999))::bit(1000) <~> repeat('0', 1000)::bit(1000) AS first_bit_only;
SELECT repeat('1', 513)::bit(513) <~> repeat('0', 513)::bit(513) AS all_513;
SELECT repeat('1100', 250)::bit(1000) <~> repeat('1010', 250)::bit(1000) AS half_of_1000;

-- Jaccard distance: 1 - (set in both) / (set in either)
SELECT jaccard_distance(B'1111', B'1111');
SELECT jaccard_distance(B'1111', B'1110');
SELECT jaccard_distance(B'1111', B'1100');
SELECT jaccard_distance(B'1111', B'1000');
SELECT jaccard_distance(B'1100', B'1000');
SELECT B'110' <%> B'011' AS one_of_three, B'011' <%> B'110' AS commuted, B'111' <%> B'011' AS one_third;
SELECT repeat('1', 600)::bit(600) <%> repeat('10', 300)::bit(600) AS half_of_600;
SELECT pg_typeof(B'1' <%> B'1');

-- no set bit in common gives 1, as in pgvector: disjoint, one side zero, both zero
SELECT jaccard_distance(B'1111', B'0000');
SELECT B'1010' <%> B'0101' AS disjoint, B'0000' <%> B'0000' AS both_zero;
SELECT repeat('0', 1000)::bit(1000) <%> repeat('0', 1000)::bit(1000) AS both_zero_1000;

-- empty bit strings
SELECT B'' <~> B'' AS hamming_empty, B'' <%> B'' AS jaccard_empty;

-- varbit values work too, since varbit converts to bit implicitly
SELECT B'1101'::varbit <~> B'0111'::varbit AS varbit_hamming, B'1101'::varbit(10) <%> B'0111' AS varbit_jaccard;

-- NULL in, NULL out
SELECT hamming_distance(NULL, B'1') IS NULL AS hamming_null, (B'1' <%> NULL) IS NULL AS jaccard_null;

-- different lengths are an error, SQLSTATE 22000 (data_exception)
SELECT hamming_distance(B'111', B'00');
SELECT B'1111' <%> B'000';
SELECT B'1'::varbit <~> B'11'::varbit;
SELECT B'' <~> B'0';
\set VERBOSITY sqlstate
SELECT B'111' <~> B'00';
\set VERBOSITY default

-- binary_quantize: bit i is 1 where element i > 0
SELECT binary_quantize('[1,-2,0,3]'::vector);
SELECT binary_quantize('[1,-2,0,3,-0,0.5,1e-30,-1e-30,7]'::vector);
SELECT binary_quantize('[-1,-1,-1,-1,-1,-1,-1,-1]'::vector) AS all_negative, binary_quantize('[1,2,3,4,5,6,7,8,9]'::vector) AS all_positive;
SELECT pg_typeof(binary_quantize('[1]'::vector)), bit_length(binary_quantize('[1,2,3]'::vector));
SELECT bit_length(binary_quantize(array_fill(1, ARRAY[1536])::vector)) AS bits,
	binary_quantize(array_fill(1, ARRAY[1536])::vector) <~> repeat('0', 1536)::bit(1536) AS ones;
SELECT binary_quantize('[1,-1,1]'::vector)::bit(3) <~> binary_quantize('[1,1,-1]'::vector) AS quantized_hamming;
SELECT binary_quantize(NULL::vector) IS NULL AS quantize_null;

-- the re-rank pattern: candidates by Hamming distance between quantized
-- vectors, then the exact L2 distance over those candidates only
CREATE TABLE items (id integer PRIMARY KEY, embedding vector(3));
-- ids 1..20 share the query's signs (+,-,+), ids 21..40 differ in one sign
INSERT INTO items SELECT i, ARRAY[0.1 * i, -0.1 * i, 0.1 * i]::vector FROM generate_series(1, 20) i;
INSERT INTO items SELECT i, ARRAY[1, -2, -0.01 * (i - 20)]::vector FROM generate_series(21, 40) i;

-- the first stage keeps exactly the twenty rows with Hamming distance 0
SELECT binary_quantize(embedding)::bit(3) <~> binary_quantize('[1,-2,3]'::vector) AS hamming, count(*)
FROM items GROUP BY 1 ORDER BY 1;

SELECT id, round((embedding <-> '[1,-2,3]')::numeric, 4) AS distance FROM (
	SELECT * FROM items ORDER BY binary_quantize(embedding)::bit(3) <~> binary_quantize('[1,-2,3]'::vector) LIMIT 20
) candidates ORDER BY embedding <-> '[1,-2,3]' LIMIT 10;

-- here the re-ranked answer is the exact top 10
SELECT count(*) AS missed FROM (
	(SELECT id FROM items ORDER BY embedding <-> '[1,-2,3]' LIMIT 10)
	EXCEPT
	(SELECT id FROM (
		SELECT * FROM items ORDER BY binary_quantize(embedding)::bit(3) <~> binary_quantize('[1,-2,3]'::vector) LIMIT 20
	) candidates ORDER BY embedding <-> '[1,-2,3]' LIMIT 10)
) missing;

DROP TABLE items;

-- hnsw over bit(n) with bit_hamming_ops: a bit column, and the
-- binary_quantize expression index behind the quantize + re-rank pattern
SET client_min_messages = warning;
-- enable_seqscan = off makes plans cost enough to be JIT-compiled, slowly
SET jit = off;
SET enable_seqscan = off;

-- a bit(3) column
CREATE TABLE t (val bit(3));
INSERT INTO t (val) VALUES (B'000'), (B'100'), (B'111'), (NULL);
CREATE INDEX ON t USING hnsw (val bit_hamming_ops);
INSERT INTO t (val) VALUES (B'110');
EXPLAIN (COSTS OFF) SELECT * FROM t ORDER BY val <~> B'111' LIMIT 5;
SELECT val, val <~> B'111' AS hamming FROM t ORDER BY val <~> B'111' LIMIT 5;
-- a NULL query: every indexed row, in some order
SELECT count(*) FROM (SELECT * FROM t ORDER BY val <~> (SELECT NULL::bit) LIMIT 10) s;
-- a query of another length is an error, as it is for a seq scan
SELECT * FROM t ORDER BY val <~> B'11' LIMIT 5;
SELECT * FROM vectordb_index_check('t_val_idx');
SELECT dimensions, elements FROM vectordb_index_stats('t_val_idx');
DROP TABLE t;

-- what the operator class refuses: varbit columns (their values may have
-- any length), expressions without a length, more bits than hnsw takes
CREATE TABLE t (val varbit(3), e vector(3));
CREATE INDEX ON t USING hnsw (val bit_hamming_ops);
CREATE INDEX ON t USING hnsw (binary_quantize(e) bit_hamming_ops);
CREATE INDEX ON t USING hnsw ((binary_quantize(e)::bit(16001)) bit_hamming_ops);
-- each of which is indexable once cast to bit(n)
CREATE INDEX ON t USING hnsw ((val::bit(3)) bit_hamming_ops);
CREATE INDEX ON t USING hnsw ((binary_quantize(e)::bit(3)) bit_hamming_ops);
DROP TABLE t;

-- the re-rank pattern through an index on the quantized expression: ids
-- 1..20 share the query's signs (+,-,+), ids 21..40 differ in one sign
CREATE TABLE items (id integer PRIMARY KEY, embedding vector(3));
INSERT INTO items SELECT i, ARRAY[0.1 * i, -0.1 * i, 0.1 * i]::vector FROM generate_series(1, 20) i;
INSERT INTO items SELECT i, ARRAY[1, -2, -0.01 * (i - 20)]::vector FROM generate_series(21, 40) i;
CREATE INDEX items_bq ON items USING hnsw ((binary_quantize(embedding)::bit(3)) bit_hamming_ops);

EXPLAIN (COSTS OFF) SELECT id FROM (
	SELECT * FROM items ORDER BY binary_quantize(embedding)::bit(3) <~> binary_quantize('[1,-2,3]'::vector) LIMIT 20
) candidates ORDER BY embedding <-> '[1,-2,3]' LIMIT 10;

-- the index's twenty candidates are the twenty rows at Hamming distance 0
SELECT count(*) AS candidates, max(binary_quantize(embedding)::bit(3) <~> binary_quantize('[1,-2,3]'::vector)) AS farthest FROM (
	SELECT * FROM items ORDER BY binary_quantize(embedding)::bit(3) <~> binary_quantize('[1,-2,3]'::vector) LIMIT 20
) candidates;

SELECT id, round((embedding <-> '[1,-2,3]')::numeric, 4) AS distance FROM (
	SELECT * FROM items ORDER BY binary_quantize(embedding)::bit(3) <~> binary_quantize('[1,-2,3]'::vector) LIMIT 20
) candidates ORDER BY embedding <-> '[1,-2,3]' LIMIT 10;

-- rows inserted after the build are found: one now matches the query's signs
INSERT INTO items VALUES (41, '[1,-2,2.9]');
SELECT id, round((embedding <-> '[1,-2,3]')::numeric, 4) AS distance FROM (
	SELECT * FROM items ORDER BY binary_quantize(embedding)::bit(3) <~> binary_quantize('[1,-2,3]'::vector) LIMIT 21
) candidates ORDER BY embedding <-> '[1,-2,3]' LIMIT 3;
SELECT * FROM vectordb_index_check('items_bq');
DROP TABLE items;

-- 64-bit codes of 300 rows: with ef_search above the row count the search
-- covers the graph, so the distances the index returns, in order, are the
-- exact ones (ids may differ where distances tie)
CREATE TABLE items (id integer PRIMARY KEY, embedding vector(64));
INSERT INTO items
SELECT i, ARRAY(SELECT sin(i * 0.7 + j * 1.3) + cos(i * j * 0.11) FROM generate_series(1, 64) j)::vector
FROM generate_series(1, 300) i;
CREATE INDEX items_bq ON items USING hnsw ((binary_quantize(embedding)::bit(64)) bit_hamming_ops);
SET hnsw.ef_search = 400;
CREATE TABLE queries (qid integer, q vector(64));
INSERT INTO queries
SELECT k, ARRAY(SELECT cos(k * 2.3 + j * 0.9) FROM generate_series(1, 64) j)::vector
FROM generate_series(1, 5) k;

SELECT qid,
	(SELECT array_agg(d) FROM (
		SELECT binary_quantize(embedding)::bit(64) <~> binary_quantize(q) AS d FROM items
		ORDER BY binary_quantize(embedding)::bit(64) <~> binary_quantize(q) LIMIT 50) s)
	= (SELECT array_agg(d ORDER BY d) FROM (
		SELECT hamming_distance(binary_quantize(embedding)::bit(64), binary_quantize(q)) AS d FROM items
		ORDER BY 1 LIMIT 50) e) AS exact
FROM queries ORDER BY qid;
-- and they agree with hamming_distance() row by row; both queries scan the index
EXPLAIN (COSTS OFF) SELECT count(*) FROM queries, LATERAL (
	SELECT embedding, binary_quantize(embedding)::bit(64) <~> binary_quantize(q) AS d FROM items
	ORDER BY binary_quantize(embedding)::bit(64) <~> binary_quantize(q) LIMIT 50) s;
SELECT count(*) AS rows, bool_and(d = hamming_distance(binary_quantize(embedding)::bit(64), binary_quantize(q))) AS same
FROM queries, LATERAL (
	SELECT embedding, binary_quantize(embedding)::bit(64) <~> binary_quantize(q) AS d FROM items
	ORDER BY binary_quantize(embedding)::bit(64) <~> binary_quantize(q) LIMIT 50) s;
SELECT * FROM vectordb_index_check('items_bq');
DROP TABLE items, queries;

-- bit_jaccard_ops over 300 rows of bit(1024) (32 words each), 3% to 27%
-- ones, so Jaccard and Hamming order differently: an exhaustive search
-- returns the exact Jaccard distances in order, each equal to
-- jaccard_distance(); the index keeps one bit per bit
CREATE TABLE sets (id integer PRIMARY KEY, s bit(1024));
INSERT INTO sets
SELECT i, (SELECT string_agg(CASE WHEN abs(hashint4(i * 2048 + j)) % 100 < 3 + i % 25 THEN '1' ELSE '0' END, '' ORDER BY j)
		   FROM generate_series(1, 1024) j)::bit(1024)
FROM generate_series(1, 300) i;
INSERT INTO sets VALUES (301, repeat('0', 1024)::bit(1024));	-- shares nothing: distance 1
CREATE INDEX sets_jaccard ON sets USING hnsw (s bit_jaccard_ops);
EXPLAIN (COSTS OFF) SELECT id FROM sets ORDER BY s <%> (SELECT s FROM sets WHERE id = 5) LIMIT 5;
SELECT k,
	(SELECT array_agg(d) FROM (SELECT s <%> (SELECT s FROM sets WHERE id = k) AS d FROM sets
		ORDER BY s <%> (SELECT s FROM sets WHERE id = k) LIMIT 40) i)
	= (SELECT array_agg(d ORDER BY d) FROM (SELECT jaccard_distance(s, (SELECT s FROM sets WHERE id = k)) AS d
		FROM sets ORDER BY 1 LIMIT 40) e) AS exact
FROM generate_series(1, 5) k;
-- the Hamming order of the same query is another one
SELECT (SELECT array_agg(id) FROM (SELECT id FROM sets ORDER BY s <%> (SELECT s FROM sets WHERE id = 2), id LIMIT 10) j)
	IS DISTINCT FROM (SELECT array_agg(id) FROM (SELECT id FROM sets ORDER BY hamming_distance(s, (SELECT s FROM sets WHERE id = 2)), id LIMIT 10) h)
	AS orders_differ;
-- rows inserted after the build are found
INSERT INTO sets SELECT 302, s FROM sets WHERE id = 3;
SELECT array_agg(id ORDER BY id) AS nearest_two FROM (
	SELECT id FROM sets ORDER BY s <%> (SELECT s FROM sets WHERE id = 3) LIMIT 2) s;
-- 301 rows of 1024 bits: 32 bytes a vector, so a few pages of vectors
-- next to the node pages (as floats they would be 150 pages)
SELECT pg_relation_size('sets_jaccard') / 8192 < 40 AS compact;
SELECT * FROM vectordb_index_check('sets_jaccard');
-- ivf has no Jaccard operator class
CREATE INDEX ON sets USING ivf (s bit_jaccard_ops);
DROP TABLE sets;

-- ivf over bit(n): the same expansion; probing every list is exact
CREATE TABLE bits (id int, b bit(64));
INSERT INTO bits
SELECT i, binary_quantize(ARRAY(SELECT sin(i * 0.7 + j * 1.3) + cos(i * j * 0.11) FROM generate_series(1, 64) j)::vector)::bit(64)
FROM generate_series(1, 300) i;
CREATE INDEX bits_ivf ON bits USING ivf (b bit_hamming_ops) WITH (lists = 8);
SET enable_seqscan = off;
SET ivf.probes = 8;
EXPLAIN (COSTS OFF) SELECT id FROM bits ORDER BY b <~> (SELECT b FROM bits WHERE id = 1) LIMIT 5;
SELECT (SELECT array_agg(d) FROM (SELECT b <~> (SELECT b FROM bits WHERE id = 7) AS d FROM bits
		ORDER BY b <~> (SELECT b FROM bits WHERE id = 7) LIMIT 30) i)
	= (SELECT array_agg(d ORDER BY d) FROM (SELECT hamming_distance(b, (SELECT b FROM bits WHERE id = 7)) AS d
		FROM bits ORDER BY 1 LIMIT 30) e) AS exact;
SELECT * FROM vectordb_index_check('bits_ivf');
RESET ivf.probes;
RESET enable_seqscan;
DROP TABLE bits;

-- Comparison operators, the btree operator class, aggregates

SELECT '[1,2,3]'::vector < '[1,2,4]', '[1,2,3]'::vector <= '[1,2,3]',
	   '[1,2,3]'::vector = '[1,2,3]', '[1,2,3]'::vector <> '[1,2]',
	   '[1,2,3]'::vector >= '[1,2]', '[2]'::vector > '[1,9]';
SELECT '[0]'::vector = '[-0]';

-- ORDER BY, DISTINCT, GROUP BY, UNIQUE use the btree operator class
CREATE TABLE items (id int, v vector);
INSERT INTO items VALUES (1, '[1,2]'), (2, '[1,1]'), (3, '[1,2,0]'), (4, '[1,2]'), (5, '[0.5]'), (6, NULL);
SELECT v FROM items ORDER BY v;
SELECT v FROM items ORDER BY v DESC NULLS LAST;
SELECT DISTINCT v FROM items ORDER BY v;
SELECT v, count(*) FROM items GROUP BY v ORDER BY v;
SELECT vector_cmp('[1,2]', '[1,3]'), vector_cmp('[1,2]', '[1,2]'), vector_cmp('[1,2,0]', '[1,2]');
CREATE UNIQUE INDEX items_v_key ON items (v);
DELETE FROM items WHERE id = 4;
CREATE UNIQUE INDEX items_v_key ON items (v);
INSERT INTO items VALUES (7, '[1,1]');
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE v = '[1,2]';
SELECT id FROM items WHERE v = '[1,2]';
SELECT id FROM items WHERE v > '[1,1]' ORDER BY v;
RESET enable_seqscan;
DROP TABLE items;

-- sum and avg
CREATE TABLE agg (v vector(3));
SELECT sum(v), avg(v) FROM agg;
INSERT INTO agg VALUES ('[1,2,3]'), ('[3,4,5]'), (NULL);
SELECT sum(v), avg(v) FROM agg;
SELECT avg(v) FROM (VALUES ('[1,2]'::vector), ('[1,2,3]')) t(v);
SELECT sum(v) FROM (VALUES ('[1,2]'::vector), ('[1,2,3]')) t(v);
SELECT avg(v) FROM (VALUES ('[3e38]'::vector), ('[3e38]')) t(v);
SELECT sum(v) FROM (VALUES ('[3e38]'::vector), ('[3e38]')) t(v);

-- sums are kept in double precision: exact here, where a float4 running sum
-- would lose both 1s (16777216 + 1 rounds back to 16777216 in float4)
SELECT sum(v) FROM (VALUES ('[16777216]'::vector), ('[1]'), ('[1]')) t(v);

-- the same answer from a parallel plan, whose partial states are combined
INSERT INTO agg SELECT ARRAY[i, i % 7, -i]::vector FROM generate_series(1, 100000) i;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v) FROM agg;
SELECT avg(v), sum(v) FROM agg;
RESET ALL;
SELECT avg(v), sum(v) FROM agg;
DROP TABLE agg;

-- every function is labelled strict, immutable and parallel safe where true
SELECT p.proname, p.provolatile, p.proparallel, p.proisstrict
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
JOIN pg_extension e ON d.refobjid = e.oid AND e.extname = 'vectordb'
WHERE NOT (p.provolatile = 'i' AND p.proparallel = 's' AND p.proisstrict) AND p.prokind = 'f'
ORDER BY 1;

-- IVF access method: catalog entries, options and their bounds, errors,
-- exact answers when every list is probed, DML, plans, GUCs
SET client_min_messages = warning;
SET jit = off;

CREATE FUNCTION sqlstate_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- the access method and its operator classes, one ORDER BY operator each
SELECT amname, amtype FROM pg_am WHERE amname = 'ivf';
SELECT c.opcname, c.opcdefault, o.amopstrategy, o.amopopr::regoperator, o.amoppurpose
FROM pg_opclass c
JOIN pg_am a ON a.oid = c.opcmethod AND a.amname = 'ivf'
JOIN pg_amop o ON o.amopfamily = c.opcfamily
ORDER BY 1, 3;
SELECT c.opcname FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
WHERE a.amname = 'ivf' AND NOT amvalidate(c.oid);

-- 400 rows in 4 dimensions; id % 4 picks a cluster, so lists matter
CREATE TABLE t (id int, v vector(4), u vector, cat int);
INSERT INTO t
SELECT i, ARRAY[(i % 4) * 10 + sin(i), (i % 4) * -5 + cos(i), sin(i * 0.7), cos(i * 1.3)], ARRAY[i], i % 10
FROM generate_series(1, 400) i;

-- options: lists 1..32768, quantizer flat|sq8|pq, subquantizers for pq only
SELECT query, sqlstate_of(query) FROM (VALUES
	('CREATE INDEX ON t USING ivf (v) WITH (lists = 0)'),
	('CREATE INDEX ON t USING ivf (v) WITH (lists = 32769)'),
	('CREATE INDEX ON t USING ivf (v) WITH (lists = ''many'')'),
	('CREATE INDEX ON t USING ivf (v) WITH (quantizer = ''sq4'')'),
	('CREATE INDEX ON t USING ivf (v) WITH (m = 16)'),
	('CREATE INDEX ON t USING ivf (v) WITH (subquantizers = 2)'),
	('CREATE INDEX ON t USING ivf (v) WITH (quantizer = sq8, subquantizers = 2)'),
	('CREATE INDEX ON t USING ivf (v) WITH (quantizer = pq, subquantizers = 3)'),
	('CREATE INDEX ON t USING ivf (v) WITH (quantizer = pq, subquantizers = 8)'),
	('CREATE INDEX ON t USING ivf (v) WITH (quantizer = pq, subquantizers = -1)'),
	('CREATE INDEX ON t USING ivf (u)'),
	('CREATE INDEX ON t USING ivf (v vector_l1_ops)'),
	('CREATE INDEX ON t USING ivf (v, u)'),
	('CREATE UNIQUE INDEX ON t USING ivf (v)'),
	('CREATE INDEX ON t USING ivf (v) INCLUDE (id)')
) t(query);
SELECT count(*) AS leftover_indexes FROM pg_indexes WHERE tablename = 't';

-- the most dimensions each quantizer stores on a page
CREATE TABLE wide (v2036 vector(2036), v2037 vector(2037), v8144 vector(8144), v8145 vector(8145), v16000 vector(16000));
SELECT query, sqlstate_of(query) FROM (VALUES
	('CREATE INDEX ON wide USING ivf (v2036)'),
	('CREATE INDEX ON wide USING ivf (v2037)'),
	('CREATE INDEX ON wide USING ivf (v8144) WITH (quantizer = sq8)'),
	('CREATE INDEX ON wide USING ivf (v8145) WITH (quantizer = sq8)'),
	('CREATE INDEX ON wide USING ivf (v16000) WITH (quantizer = pq)')
) t(query);
DROP TABLE wide;

-- GUC bounds
SELECT query, sqlstate_of(query) FROM (VALUES
	('SET ivf.probes = 0'),
	('SET ivf.probes = 32769'),
	('SET ivf.max_probes = 0'),
	('SET ivf.rerank = 0'),
	('SET ivf.iterative_scan = strict_order'),
	('SET ivf.iterative_scan = relaxed_order'),
	('SET ivf.nonexistent = 1')
) t(query);
RESET ivf.iterative_scan;
SHOW ivf.probes;
SHOW ivf.iterative_scan;
SHOW ivf.max_probes;
SHOW ivf.rerank;

-- With every list probed, each quantizer and operator class returns the
-- exact top 10 in exact order (sq8 and pq by re-ranking from the table)
CREATE FUNCTION exact_ids(op text, q vector) RETURNS int[] LANGUAGE plpgsql AS $$
DECLARE r int[];
BEGIN
	SET LOCAL enable_indexscan = off;
	EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM t ORDER BY v %s $1, id LIMIT 10) s', op)
		INTO r USING q;
	RETURN r;
END
$$;
CREATE FUNCTION index_ids(op text, q vector) RETURNS int[] LANGUAGE plpgsql AS $$
DECLARE r int[];
BEGIN
	SET LOCAL enable_seqscan = off;
	EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM t ORDER BY v %s $1 LIMIT 10) s', op)
		INTO r USING q;
	RETURN r;
END
$$;
SET ivf.probes = 10;
-- 4-dimensional pq codes (one sub-quantizer) are coarse: re-rank deeper
SET ivf.rerank = 200;
DO $$
DECLARE
	opc text;
	op text;
	quant text;
	q vector;
	mismatches int;
BEGIN
	FOR opc, op IN VALUES ('vector_l2_ops', '<->'), ('vector_ip_ops', '<#>'), ('vector_cosine_ops', '<=>') LOOP
		FOREACH quant IN ARRAY ARRAY['flat', 'sq8', 'pq'] LOOP
			EXECUTE format('CREATE INDEX t_idx ON t USING ivf (v %s) WITH (lists = 10, quantizer = %s)', opc, quant);
			mismatches := 0;
			FOR i IN 1..20 LOOP
				q := ARRAY[i % 4 * 10 + 0.5, -3 + i * 0.1, sin(i), 0.25]::vector;
				IF exact_ids(op, q) IS DISTINCT FROM index_ids(op, q) THEN
					mismatches := mismatches + 1;
				END IF;
			END LOOP;
			RAISE WARNING '% %: % of 20 queries differ from the exact answer', opc, quant, mismatches;
			DROP INDEX t_idx;
		END LOOP;
	END LOOP;
END
$$;

RESET ivf.rerank;

-- the index hands out distances equal to the operator's
CREATE INDEX t_sq8 ON t USING ivf (v) WITH (lists = 10, quantizer = sq8);
SET enable_seqscan = off;
SELECT id, round((v <-> '[10, -5, 0, 1]')::numeric, 6) AS d
FROM t ORDER BY v <-> '[10, -5, 0, 1]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <-> '[10, -5, 0, 1]' LIMIT 5;
-- without LIMIT, or without ORDER BY distance, the index is not used
EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <-> '[10, -5, 0, 1]';
EXPLAIN (COSTS OFF) SELECT id FROM t WHERE v = '[1,1,1,1]';
-- a cursor wants its first rows, like a LIMIT (postgres_fdw reads shards
-- through cursors): the index serves it
BEGIN;
EXPLAIN (COSTS OFF) DECLARE c CURSOR FOR SELECT id FROM t ORDER BY v <-> '[10, -5, 0, 1]';
DECLARE c CURSOR FOR SELECT id FROM t ORDER BY v <-> '[10, -5, 0, 1]';
FETCH 3 FROM c;
COMMIT;

-- filtered: iterative probing keeps going until LIMIT rows are found
SET ivf.probes = 1;
SELECT count(*) FROM (SELECT id FROM t WHERE cat = 3 ORDER BY v <-> '[10, -5, 0, 1]' LIMIT 30) s;
SET ivf.iterative_scan = off;
SELECT count(*) < 30 AS fewer FROM (SELECT id FROM t WHERE cat = 3 ORDER BY v <-> '[10, -5, 0, 1]' LIMIT 30) s;
SET ivf.iterative_scan = relaxed_order;
SET ivf.max_probes = 2;
SELECT count(*) < 30 AS fewer FROM (SELECT id FROM t WHERE cat = 3 ORDER BY v <-> '[10, -5, 0, 1]' LIMIT 30) s;
RESET ivf.max_probes;

-- a NULL query returns every row, with a NULL distance
SELECT count(*), count(d) FROM (SELECT v <-> NULL AS d FROM t ORDER BY v <-> NULL LIMIT 1000) s;

-- NULLs are not indexed; inserts after the build are found; deleted rows
-- are gone after VACUUM
INSERT INTO t VALUES (1001, NULL, NULL, 0), (1002, '[100, 100, 100, 100]', NULL, 0);
SET ivf.probes = 10;
SELECT id FROM t ORDER BY v <-> '[100, 100, 100, 100]' LIMIT 1;
DELETE FROM t WHERE id = 1002 OR id % 2 = 0;
VACUUM t;
SELECT count(*) FILTER (WHERE id % 2 = 0) AS even, count(*) AS total
FROM (SELECT id FROM t ORDER BY v <-> '[100, 100, 100, 100]' LIMIT 1000) s;
DROP INDEX t_sq8;

-- cosine: a zero query vector has no direction; every row, distance NaN
CREATE INDEX t_cos ON t USING ivf (v vector_cosine_ops) WITH (lists = 4);
SELECT count(*), bool_and(d = 'NaN') FROM (SELECT v <=> '[0,0,0,0]' AS d FROM t ORDER BY v <=> '[0,0,0,0]' LIMIT 1000) s;
DROP INDEX t_cos;

-- little data: as many lists as rows, and still exact
CREATE TABLE small (id int, v vector(2));
INSERT INTO small VALUES (1, '[1,1]'), (2, '[2,2]');
SET client_min_messages = notice;
CREATE INDEX small_idx ON small USING ivf (v) WITH (lists = 100, quantizer = pq);
SET client_min_messages = warning;
INSERT INTO small SELECT i, ARRAY[i, i] FROM generate_series(3, 50) i;
SELECT array_agg(id) FROM (SELECT id FROM small ORDER BY v <-> '[20.2, 20.2]' LIMIT 3) s;
-- an empty table, then rows
TRUNCATE small;
INSERT INTO small SELECT i, ARRAY[-i, i] FROM generate_series(1, 20) i;
SELECT array_agg(id) FROM (SELECT id FROM small ORDER BY v <-> '[-7.2, 7.2]' LIMIT 3) s;

-- wrong dimensions are an error on insert and on query
SELECT sqlstate_of('INSERT INTO small VALUES (0, ''[1,2,3]'')');
SELECT sqlstate_of('SELECT id FROM small ORDER BY v <-> ''[1,2,3]'' LIMIT 1');

-- REINDEX, CONCURRENTLY, unlogged and partitioned tables
REINDEX INDEX small_idx;
REINDEX INDEX CONCURRENTLY small_idx;
SELECT array_agg(id) FROM (SELECT id FROM small ORDER BY v <-> '[-7.2, 7.2]' LIMIT 3) s;
CREATE UNLOGGED TABLE ul (id int, v vector(2));
INSERT INTO ul SELECT i, ARRAY[i, 0] FROM generate_series(1, 100) i;
CREATE INDEX ON ul USING ivf (v) WITH (lists = 5, quantizer = sq8);
SELECT array_agg(id) FROM (SELECT id FROM ul ORDER BY v <-> '[42.2, 0]' LIMIT 3) s;
CREATE TABLE parts (id int, v vector(2)) PARTITION BY RANGE (id);
CREATE TABLE parts_1 PARTITION OF parts FOR VALUES FROM (0) TO (50);
CREATE TABLE parts_2 PARTITION OF parts FOR VALUES FROM (50) TO (100);
INSERT INTO parts SELECT i, ARRAY[i, i] FROM generate_series(0, 99) i;
CREATE INDEX ON parts USING ivf (v) WITH (lists = 3);
SELECT array_agg(id) FROM (SELECT id FROM parts ORDER BY v <-> '[49.6, 49.6]' LIMIT 3) s;

RESET enable_seqscan;
DROP TABLE t, small, ul, parts;
DROP FUNCTION exact_ids, index_ids, sqlstate_of;

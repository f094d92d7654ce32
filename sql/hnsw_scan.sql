-- HNSW index scans.  On tables this small, with hnsw.ef_search at least the
-- number of rows, a search visits the whole graph, so each answer must be
-- exactly the one a sequential scan gives: results are compared with the
-- same ORDER BY through the distance functions, which no index matches.
SET client_min_messages = warning;
-- enable_seqscan = off makes plans cost enough to be JIT-compiled, slowly
SET jit = off;

CREATE FUNCTION sqlstate_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- 100 rows now (more arrive after the build); no two distances tie for
-- any of the queries below, so every order is deterministic
CREATE TABLE items (id int PRIMARY KEY, cat int, v vector(3));
INSERT INTO items
SELECT i, i % 10, ARRAY[sin(i * 0.37) * 10, cos(i * 1.13) * 10, sin(i * 2.71 + 1) * 10]
FROM generate_series(1, 100) i;
CREATE TABLE queries (qid int, q vector(3));
INSERT INTO queries VALUES
	(1, '[1.1,2.3,3.7]'), (2, '[-5.31,0.77,4.93]'), (3, '[9.7,-8.9,0.53]'), (4, '[0.13,0.17,-8.9]');

-- index order and exact order for every query and operator; the index scan
-- may only skip rows its operator class does not index (NULL everywhere,
-- zero vectors for cosine)
CREATE FUNCTION check_exact(tab regclass, lim int DEFAULT 1000)
RETURNS TABLE (op text, qid int, n int, exact bool) LANGUAGE plpgsql AS $$
DECLARE
	o record;
	qr record;
	got int[];
	want int[];
BEGIN
	FOR o IN SELECT * FROM (VALUES ('<->', 'l2_distance', 'true'),
								   ('<#>', '-inner_product', 'true'),
								   ('<=>', 'cosine_distance', 'vector_norm(v) > 0'),
								   ('<+>', 'l1_distance', 'true')) x(opr, fn, indexed)
	LOOP
		FOR qr IN SELECT * FROM queries ORDER BY 1 LOOP
			EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM %s ORDER BY v %s %L LIMIT %s) s',
						   tab, o.opr, qr.q, lim) INTO got;
			EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM %s WHERE v IS NOT NULL AND %s ORDER BY %s(v, %L) LIMIT %s) s',
						   tab, o.indexed, o.fn, qr.q, lim) INTO want;
			op := o.opr;
			qid := qr.qid;
			n := coalesce(cardinality(got), 0);
			exact := got IS NOT DISTINCT FROM want;
			RETURN NEXT;
		END LOOP;
	END LOOP;
END
$$;

-- one index per operator class, each with its own options.  A build links
-- every node into the graph, but later inserts' neighbour pruning can take
-- a node's last incoming edge (until VACUUM reconnects it), more often the
-- smaller m is, and more so for inner product, which is not a metric:
-- hence no m below 8 here, and defaults for inner product.
CREATE INDEX items_l2 ON items USING hnsw (v vector_l2_ops);
CREATE INDEX items_ip ON items USING hnsw (v vector_ip_ops) WITH (m = 16, ef_construction = 64);
CREATE INDEX items_cosine ON items USING hnsw (v vector_cosine_ops) WITH (m = 8, ef_construction = 24);
CREATE INDEX items_l1 ON items USING hnsw (v vector_l1_ops) WITH (m = 32, ef_construction = 200);

SET enable_seqscan = off;
SET hnsw.ef_search = 200;

-- each operator picks its own index
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[1,2,3]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <#> '[1,2,3]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <=> '[1,2,3]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <+> '[1,2,3]' LIMIT 5;
-- a parameter as the query vector, from a subquery and in a join
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> (SELECT q FROM queries WHERE qid = 1) LIMIT 5;
EXPLAIN (COSTS OFF) SELECT qid, s.id FROM queries, LATERAL (SELECT id FROM items ORDER BY v <-> q LIMIT 1) s;

-- the nearest rows, and the distances the operators give for them
SELECT id, round((v <-> '[1.1,2.3,3.7]')::numeric, 4) AS dist FROM items ORDER BY v <-> '[1.1,2.3,3.7]' LIMIT 5;
SELECT id, round((v <#> '[1.1,2.3,3.7]')::numeric, 4) AS dist FROM items ORDER BY v <#> '[1.1,2.3,3.7]' LIMIT 5;
SELECT id, round((v <=> '[1.1,2.3,3.7]')::numeric, 4) AS dist FROM items ORDER BY v <=> '[1.1,2.3,3.7]' LIMIT 5;
SELECT id, round((v <+> '[1.1,2.3,3.7]')::numeric, 4) AS dist FROM items ORDER BY v <+> '[1.1,2.3,3.7]' LIMIT 5;
SELECT id, v <-> '[1.1,2.3,3.7]' = l2_distance(v, '[1.1,2.3,3.7]') AS same
FROM items ORDER BY v <-> '[1.1,2.3,3.7]' LIMIT 3;
SELECT qid, s.id FROM queries, LATERAL (SELECT id FROM items ORDER BY v <-> q LIMIT 1) s ORDER BY qid;
-- every row, in exact order, for each operator class
SELECT * FROM check_exact('items');
SELECT * FROM check_exact('items', 7);

-- rows inserted after the build, a zero vector and a NULL among them
INSERT INTO items VALUES (101, 1, '[0,0,0]'), (102, 2, NULL);
INSERT INTO items
SELECT i, i % 10, ARRAY[sin(i * 0.37) * 10, cos(i * 1.13) * 10, sin(i * 2.71 + 1) * 10]
FROM generate_series(103, 150) i;
SELECT * FROM check_exact('items');
-- the zero vector is found by L2 distance but not by cosine distance
SELECT id FROM items ORDER BY v <-> '[0.01,0,0]' LIMIT 1;
SELECT count(*) FROM (SELECT id FROM items ORDER BY v <=> '[0.01,0,0]' LIMIT 1000) s
WHERE id = 101;
-- a NULL or zero query vector: every indexed row comes back, in some order
SELECT count(*) FROM (SELECT id FROM items ORDER BY v <-> (SELECT NULL::vector) LIMIT 1000) s;
SELECT count(*) FROM (SELECT id FROM items ORDER BY v <#> (SELECT NULL::vector) LIMIT 1000) s;
SELECT count(*) FROM (SELECT id FROM items ORDER BY v <=> (SELECT NULL::vector) LIMIT 1000) s;
SELECT count(*) FROM (SELECT id FROM items ORDER BY v <=> '[0,0,0]' LIMIT 1000) s;
SELECT count(*) FROM (SELECT id FROM items ORDER BY v <+> (SELECT NULL::vector) LIMIT 1000) s;
-- a query vector of the wrong dimension
SELECT query, sqlstate_of(query) FROM (VALUES
	('SELECT id FROM items ORDER BY v <-> ''[1,2]'' LIMIT 5'),
	('SELECT id FROM items ORDER BY v <=> ''[1,2,3,4]'' LIMIT 5')
) t(query);

-- filters: the scan keeps going until LIMIT rows pass the filter
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE cat = 3 ORDER BY v <-> '[1,2,3]' LIMIT 5;
SELECT id FROM items WHERE cat = 3 ORDER BY v <-> '[1.1,2.3,3.7]' LIMIT 5;
SELECT array_agg(id) = (SELECT array_agg(id) FROM (SELECT id FROM items WHERE cat = 3
						ORDER BY l2_distance(v, '[1.1,2.3,3.7]') LIMIT 5) e) AS exact
FROM (SELECT id FROM items WHERE cat = 3 ORDER BY v <-> '[1.1,2.3,3.7]' LIMIT 5) s;
SELECT count(*) FROM (SELECT id FROM items WHERE cat = 7 AND id > 140 ORDER BY v <=> '[1,1,1]' LIMIT 10) s;

-- updates and deletes: the index never returns a row version that is not visible
UPDATE items SET v = '[9.9,-9.9,9.9]' WHERE id = 5;
SELECT id FROM items ORDER BY v <-> '[9.8,-9.8,9.8]' LIMIT 2;
DELETE FROM items WHERE id % 3 = 0;
SELECT count(*), count(*) FILTER (WHERE id % 3 = 0) AS deleted
FROM (SELECT id FROM items ORDER BY v <-> '[1.1,2.3,3.7]' LIMIT 1000) s;
SELECT * FROM check_exact('items');
-- VACUUM removes the dead rows from the graph; the rest stay reachable
VACUUM items;
SELECT * FROM check_exact('items');
SELECT * FROM vectordb_index_check('items_l2');
SELECT * FROM vectordb_index_check('items_ip');
SELECT * FROM vectordb_index_check('items_cosine');
SELECT * FROM vectordb_index_check('items_l1');
-- space freed by VACUUM is reused by new rows, which are found
INSERT INTO items
SELECT i, i % 10, ARRAY[sin(i * 0.37) * 10, cos(i * 1.13) * 10, sin(i * 2.71 + 1) * 10]
FROM generate_series(151, 200) i WHERE i % 3 <> 0;
SELECT * FROM check_exact('items');
SELECT * FROM vectordb_index_check('items_l2');

-- delete everything: the graph loses its entry point; then rebuild it by inserts
DELETE FROM items;
VACUUM items;
SELECT count(*) FROM (SELECT id FROM items ORDER BY v <-> '[1,2,3]' LIMIT 10) s;
SELECT * FROM vectordb_index_check('items_l2');
INSERT INTO items
SELECT i, i % 10, ARRAY[sin(i * 0.37) * 10, cos(i * 1.13) * 10, sin(i * 2.71 + 1) * 10]
FROM generate_series(1, 60) i;
SELECT * FROM check_exact('items');
SELECT * FROM vectordb_index_check('items_l2');
SELECT * FROM vectordb_index_check('items_cosine');

-- TRUNCATE empties the index; REINDEX and CREATE INDEX CONCURRENTLY rebuild it
TRUNCATE items;
SELECT count(*) FROM (SELECT id FROM items ORDER BY v <-> '[1,2,3]' LIMIT 10) s;
INSERT INTO items
SELECT i, i % 10, ARRAY[sin(i * 0.37) * 10, cos(i * 1.13) * 10, sin(i * 2.71 + 1) * 10]
FROM generate_series(1, 100) i;
SELECT * FROM check_exact('items');
REINDEX INDEX items_l2;
REINDEX INDEX CONCURRENTLY items_ip;
DROP INDEX items_cosine;
CREATE INDEX CONCURRENTLY items_cosine ON items USING hnsw (v vector_cosine_ops);
SELECT * FROM check_exact('items');
SELECT * FROM vectordb_index_check('items_ip');
SELECT * FROM vectordb_index_check('items_cosine');

-- a partial index serves queries whose WHERE implies its predicate
CREATE INDEX items_partial ON items USING hnsw (v vector_l2_ops) WHERE cat = 4;
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE cat = 4 ORDER BY v <-> '[1,2,3]' LIMIT 5;
SELECT array_agg(id) = (SELECT array_agg(id) FROM (SELECT id FROM items WHERE cat = 4
						ORDER BY l2_distance(v, '[1,2,3]')) e) AS exact
FROM (SELECT id FROM items WHERE cat = 4 ORDER BY v <-> '[1,2,3]' LIMIT 100) s;
DROP INDEX items_partial;

RESET enable_seqscan;
RESET hnsw.ef_search;

-- iterative scans and their bounds, on 10000 points on a line: the row at
-- distance i from '[0,0]' has id i
CREATE TABLE line (id int, v vector(2));
INSERT INTO line SELECT i, ARRAY[i, 0] FROM generate_series(1, 10000) i;
CREATE INDEX line_v ON line USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32);
ANALYZE line;

-- on a big table the planner uses the index only for ORDER BY distance with
-- a LIMIT, or in a cursor, which wants its first rows (postgres_fdw reads
-- shards through cursors)
EXPLAIN (COSTS OFF) SELECT id FROM line ORDER BY v <-> '[0,0]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM line ORDER BY v <-> '[0,0]';
BEGIN;
EXPLAIN (COSTS OFF) DECLARE c CURSOR FOR SELECT id FROM line ORDER BY v <-> '[0,0]';
DECLARE c CURSOR FOR SELECT id FROM line ORDER BY v <-> '[0,0]';
FETCH 3 FROM c;
COMMIT;
EXPLAIN (COSTS OFF) SELECT id FROM line WHERE v = '[5,0]';
EXPLAIN (COSTS OFF) SELECT id FROM line ORDER BY v <-> '[0,0]' DESC LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM line ORDER BY l2_distance(v, '[0,0]') LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM line ORDER BY v <=> '[1,0]' LIMIT 5;
SELECT id FROM line ORDER BY v <-> '[0,0]' LIMIT 5;
SELECT id FROM line ORDER BY v <-> '[5000.4,0]' LIMIT 5;
-- an index scan stops after hnsw.max_scan_tuples, so a query that wants
-- every row must not be planned on the index
SET hnsw.max_scan_tuples = 100;
SELECT count(*) FROM (SELECT id FROM line ORDER BY v <-> '[0,0]') s;
RESET hnsw.max_scan_tuples;

SET enable_seqscan = off;
SET hnsw.ef_search = 10;
SHOW hnsw.iterative_scan;
-- without iterative scan, only hnsw.ef_search candidates are looked at
SET hnsw.iterative_scan = off;
SELECT count(*) <= 10 AS bounded FROM (SELECT id FROM line ORDER BY v <-> '[0,0]' LIMIT 100) s;
SELECT count(*) < 5 AS fewer FROM (SELECT id FROM line WHERE id % 100 = 0 ORDER BY v <-> '[0,0]' LIMIT 5) s;
-- strict order: LIMIT rows that pass the filter, in distance order
SET hnsw.iterative_scan = strict_order;
SELECT id FROM line WHERE id % 100 = 0 ORDER BY v <-> '[0,0]' LIMIT 5;
SELECT count(*) FROM (SELECT id FROM line ORDER BY v <-> '[0,0]' LIMIT 100) s;
-- relaxed order: LIMIT rows that pass the filter, perhaps slightly out of order
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*), bool_and(id % 100 = 0) AS filtered, max(id) <= 1000 AS near
FROM (SELECT id FROM line WHERE id % 100 = 0 ORDER BY v <-> '[0,0]' LIMIT 5) s;
SELECT id FROM (SELECT id FROM line WHERE id % 100 = 0 ORDER BY v <-> '[0,0]' LIMIT 3) s ORDER BY id;
-- a filter no row passes: the scan ends, empty
SET hnsw.iterative_scan = strict_order;
SELECT count(*) FROM (SELECT id FROM line WHERE id < 0 ORDER BY v <-> '[0,0]' LIMIT 5) s;
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*) FROM (SELECT id FROM line WHERE id < 0 ORDER BY v <-> '[0,0]' LIMIT 5) s;
-- hnsw.max_scan_tuples bounds how far an iterative scan goes
SET hnsw.iterative_scan = strict_order;
SET hnsw.max_scan_tuples = 100;
SELECT count(*) < 5 AS stopped FROM (SELECT id FROM line WHERE id > 5000 ORDER BY v <-> '[0,0]' LIMIT 5) s;
RESET hnsw.max_scan_tuples;
SELECT id FROM line WHERE id > 5000 ORDER BY v <-> '[0,0]' LIMIT 5;
RESET hnsw.iterative_scan;
RESET hnsw.ef_search;
SELECT * FROM vectordb_index_check('line_v');
DROP TABLE line;

SET hnsw.ef_search = 200;

-- more dimensions than pgvector's 2000: 3000 and 16000
CREATE TABLE wide (id int, v vector(3000));
INSERT INTO wide SELECT i, (SELECT array_agg(sin(i * 0.7 + j * 0.013) ORDER BY j) FROM generate_series(1, 3000) j)
FROM generate_series(1, 20) i;
CREATE INDEX wide_v ON wide USING hnsw (v vector_l2_ops);
CREATE INDEX wide_cos ON wide USING hnsw (v vector_cosine_ops);
EXPLAIN (COSTS OFF) SELECT id FROM wide ORDER BY v <-> (SELECT v FROM wide WHERE id = 3) LIMIT 5;
SELECT id FROM wide ORDER BY v <-> (SELECT v FROM wide WHERE id = 3) LIMIT 5;
SELECT array_agg(id) = (SELECT array_agg(id ORDER BY l2_distance(v, (SELECT v FROM wide WHERE id = 3))) FROM wide) AS exact
FROM (SELECT id FROM wide ORDER BY v <-> (SELECT v FROM wide WHERE id = 3) LIMIT 100) s;
SELECT array_agg(id) = (SELECT array_agg(id ORDER BY cosine_distance(v, (SELECT v FROM wide WHERE id = 11))) FROM wide) AS exact
FROM (SELECT id FROM wide ORDER BY v <=> (SELECT v FROM wide WHERE id = 11) LIMIT 100) s;
INSERT INTO wide SELECT i, (SELECT array_agg(sin(i * 0.7 + j * 0.013) ORDER BY j) FROM generate_series(1, 3000) j)
FROM generate_series(21, 25) i;
SELECT id FROM wide ORDER BY v <-> (SELECT v FROM wide WHERE id = 24) LIMIT 3;
SELECT * FROM vectordb_index_check('wide_v');
DROP TABLE wide;

CREATE TABLE widest (id int, v vector(16000));
INSERT INTO widest SELECT i, (SELECT array_agg(sin(i * 0.7 + j * 0.013) ORDER BY j) FROM generate_series(1, 16000) j)
FROM generate_series(1, 8) i;
CREATE INDEX widest_v ON widest USING hnsw (v vector_l2_ops);
INSERT INTO widest SELECT i, (SELECT array_agg(sin(i * 0.7 + j * 0.013) ORDER BY j) FROM generate_series(1, 16000) j)
FROM generate_series(9, 10) i;
EXPLAIN (COSTS OFF) SELECT id FROM widest ORDER BY v <-> (SELECT v FROM widest WHERE id = 3) LIMIT 5;
SELECT id FROM widest ORDER BY v <-> (SELECT v FROM widest WHERE id = 3) LIMIT 5;
SELECT array_agg(id) = (SELECT array_agg(id ORDER BY l2_distance(v, (SELECT v FROM widest WHERE id = 9))) FROM widest) AS exact
FROM (SELECT id FROM widest ORDER BY v <-> (SELECT v FROM widest WHERE id = 9) LIMIT 100) s;
DELETE FROM widest WHERE id IN (3, 4);
VACUUM widest;
SELECT id FROM widest ORDER BY v <-> (SELECT v FROM widest WHERE id = 5) LIMIT 5;
SELECT * FROM vectordb_index_check('widest_v');
DROP TABLE widest;

-- unlogged tables get unlogged indexes
CREATE UNLOGGED TABLE items_unlogged (id int, v vector(3));
INSERT INTO items_unlogged
SELECT i, ARRAY[sin(i * 0.37) * 10, cos(i * 1.13) * 10, sin(i * 2.71 + 1) * 10]
FROM generate_series(1, 100) i;
CREATE INDEX items_unlogged_v ON items_unlogged USING hnsw (v vector_l2_ops);
SELECT relpersistence FROM pg_class WHERE relname = 'items_unlogged_v';
-- the init fork, copied over the index after a crash, holds an empty index
SELECT (pg_stat_file(pg_relation_filepath('items_unlogged_v') || '_init')).size
	   % current_setting('block_size')::int = 0 AS whole_pages,
	   (pg_stat_file(pg_relation_filepath('items_unlogged_v') || '_init')).size > 0 AS has_metapage;
EXPLAIN (COSTS OFF) SELECT id FROM items_unlogged ORDER BY v <-> '[1,2,3]' LIMIT 5;
SELECT id FROM items_unlogged ORDER BY v <-> '[1.1,2.3,3.7]' LIMIT 5;
INSERT INTO items_unlogged VALUES (101, '[1.1,2.3,3.7]');
SELECT id FROM items_unlogged ORDER BY v <-> '[1.1,2.3,3.7]' LIMIT 5;
SELECT * FROM vectordb_index_check('items_unlogged_v');
DROP TABLE items_unlogged;

-- partitioned tables: an index on the parent makes one on each partition,
-- and the per-partition scans are merged in distance order
CREATE TABLE items_part (id int, v vector(3)) PARTITION BY RANGE (id);
CREATE TABLE items_part_1 PARTITION OF items_part FOR VALUES FROM (1) TO (51);
CREATE TABLE items_part_2 PARTITION OF items_part FOR VALUES FROM (51) TO (101);
INSERT INTO items_part
SELECT i, ARRAY[sin(i * 0.37) * 10, cos(i * 1.13) * 10, sin(i * 2.71 + 1) * 10]
FROM generate_series(1, 100) i;
CREATE INDEX items_part_v ON items_part USING hnsw (v vector_l2_ops) WITH (m = 8);
SELECT c.relname, c.reloptions FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'items_part_v'::regclass ORDER BY 1;
CREATE TABLE items_part_3 PARTITION OF items_part FOR VALUES FROM (101) TO (201);
INSERT INTO items_part
SELECT i, ARRAY[sin(i * 0.37) * 10, cos(i * 1.13) * 10, sin(i * 2.71 + 1) * 10]
FROM generate_series(101, 150) i;
SELECT count(*) FROM pg_inherits WHERE inhparent = 'items_part_v'::regclass;
EXPLAIN (COSTS OFF) SELECT id FROM items_part ORDER BY v <-> '[1,2,3]' LIMIT 5;
SELECT id FROM items_part ORDER BY v <-> '[1.1,2.3,3.7]' LIMIT 5;
SELECT array_agg(id) = (SELECT array_agg(id ORDER BY l2_distance(v, '[1.1,2.3,3.7]')) FROM items_part) AS exact
FROM (SELECT id FROM items_part ORDER BY v <-> '[1.1,2.3,3.7]' LIMIT 1000) s;
SELECT c.relname, x.* FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid,
	LATERAL vectordb_index_check(c.oid) x
WHERE i.inhparent = 'items_part_v'::regclass;
DROP TABLE items_part;

RESET hnsw.ef_search;
RESET enable_seqscan;
DROP TABLE items, queries;
DROP FUNCTION check_exact(regclass, int);
DROP FUNCTION sqlstate_of(text);

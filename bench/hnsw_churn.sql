-- bench/hnsw_churn.sql: hnsw under extreme UPDATE/DELETE + VACUUM churn.
-- 4000 rows, then 60 rounds of (insert 200, update 300 vectors, delete 200,
-- VACUUM): about 30 turnovers of the table.  Prints (a) rows no longer
-- found by their own vector, (b) how many rows an unbounded iterative scan
-- returns from 30 starting vectors, (c) a filtered top-10; then the same
-- after REINDEX.  Run: psql -X -d scratch -f bench/hnsw_churn.sql (about 30 s).
CREATE EXTENSION IF NOT EXISTS vectordb;
SELECT setseed(0.1);
CREATE TABLE centers AS
  SELECT c, array_agg(random() * 2 - 1 ORDER BY i) AS mu
  FROM generate_series(1, 40) c, generate_series(1, 8) i GROUP BY c;
-- a point of a random cluster in an 8-d subspace, lifted to 32-d, plus noise
CREATE FUNCTION rv() RETURNS vector LANGUAGE sql VOLATILE AS $$
  SELECT array_agg(mu[1 + j % 8] * 0.7 + mu[1 + (j * 3) % 8] * 0.5 + (random() - 0.5) * 0.3
                   ORDER BY j)::vector(32)
  FROM (SELECT mu FROM centers ORDER BY random() LIMIT 1) m, generate_series(0, 31) j
$$;
CREATE TABLE r (id serial PRIMARY KEY, v vector(32));
INSERT INTO r (v) SELECT rv() FROM generate_series(1, 4000);
CREATE INDEX r_v ON r USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64);
SELECT s FROM generate_series(1, 60) i,
  unnest(ARRAY['INSERT INTO r (v) SELECT rv() FROM generate_series(1, 200)',
               'UPDATE r SET v = rv() WHERE id IN (SELECT id FROM r ORDER BY random() LIMIT 300)',
               'DELETE FROM r WHERE id IN (SELECT id FROM r ORDER BY random() LIMIT 200)',
               'VACUUM r']) WITH ORDINALITY u(s, o)
ORDER BY i, o \gexec
SELECT * FROM vectordb_index_check('r_v');   -- no rows: the check sees nothing wrong
SET enable_seqscan = off;
SET hnsw.ef_search = 1000;
SET hnsw.iterative_scan = relaxed_order;
SET hnsw.max_scan_tuples = 2147483647;
SET hnsw.scan_mem_multiplier = 1000;
-- (a) rows whose own vector does not find them
SELECT count(*) AS live, count(*) FILTER (WHERE NOT found) AS not_found_by_own_vector
FROM (SELECT r.id, (SELECT x.id FROM r x ORDER BY x.v <-> r.v LIMIT 1) = r.id AS found FROM r) s;
-- (b) an unbounded scan from the vectors of 30 rows: should return all 4000 each time
CREATE TEMP TABLE full_scan AS
  SELECT q.id, (SELECT count(*) FROM (SELECT x.id FROM r x ORDER BY x.v <-> q.v LIMIT 1000000) s) AS returned
  FROM (SELECT id, v FROM r ORDER BY id LIMIT 30) q;
SELECT min(returned), max(returned) FROM full_scan;
-- (c) a filtered top-10 from the worst of those vectors returns fewer than 10 rows
SELECT (SELECT count(*) FROM r WHERE id % 50 = 0) AS matching,
       (SELECT count(*) FROM (SELECT id FROM r WHERE id % 50 = 0
          ORDER BY v <-> (SELECT v FROM r WHERE id = (SELECT id FROM full_scan ORDER BY returned LIMIT 1))
          LIMIT 10) s) AS returned;
-- the same rows after REINDEX: (a) 0, (b) 4000, (c) 10
REINDEX INDEX r_v;
SELECT count(*) FILTER (WHERE NOT found) AS not_found_by_own_vector
FROM (SELECT r.id, (SELECT x.id FROM r x ORDER BY x.v <-> r.v LIMIT 1) = r.id AS found FROM r) s;
SELECT min(returned), max(returned) FROM (
  SELECT (SELECT count(*) FROM (SELECT x.id FROM r x ORDER BY x.v <-> q.v LIMIT 1000000) s) AS returned
  FROM (SELECT id, v FROM r ORDER BY id LIMIT 30) q) t;
SELECT count(*) AS returned FROM (SELECT id FROM r WHERE id % 50 = 0
  ORDER BY v <-> (SELECT v FROM r WHERE id = (SELECT id FROM full_scan ORDER BY returned LIMIT 1)) LIMIT 10) s;

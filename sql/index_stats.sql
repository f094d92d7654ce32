-- vectordb_index_stats(regclass): the shape of hnsw and ivf indexes, and
-- the distances this session's scans of them computed
SET client_min_messages = warning;
SET jit = off;
SET enable_seqscan = off;

CREATE TABLE st (id int, v vector(4), cat int);
INSERT INTO st
SELECT i, ARRAY[(i % 4) * 10 + sin(i), (i % 4) * -5 + cos(i), sin(i * 0.7), cos(i * 1.3)], i % 10
FROM generate_series(1, 1000) i;
CREATE INDEX st_hnsw ON st USING hnsw (v vector_l2_ops) WITH (m = 8);
CREATE INDEX st_ivf ON st USING ivf (v vector_l2_ops) WITH (lists = 10, quantizer = sq8);

-- before any scan: the structure, and no last scan.  hnsw levels are
-- random, so only their range is shown.
SELECT access_method, dimensions, pages > 1 AS has_pages, elements, deleted, free_slots,
	levels BETWEEN 1 AND 10 AS levels_ok, avg_neighbors BETWEEN 1 AND 16 AS neighbors_ok, unreachable,
	lists, quantizer, scans, distances, last_scan_distances, last_scan_tuples
FROM vectordb_index_stats('st_hnsw');
SELECT access_method, dimensions, elements, deleted, levels, avg_neighbors, unreachable, lists, quantizer,
	min_list >= 0 AND min_list <= avg_list AND avg_list <= max_list AS spread_ok, avg_list,
	scans, last_scan_distances
FROM vectordb_index_stats('st_ivf');

-- one kNN query through each: the stats tell how many distances it took
SET ivf.probes = 2;
SELECT count(*) FROM (SELECT id FROM st ORDER BY v <-> '[10,-5,0,1]' LIMIT 10) s;
SELECT scans, last_scan_tuples, last_scan_distances BETWEEN 10 AND 1000 AS distances_ok,
	distances = last_scan_distances AS total_ok
FROM vectordb_index_stats('st_hnsw');
-- ivf with sq8: 10 centroids, then every entry of 2 lists, then the re-rank
DROP INDEX st_hnsw;
SELECT count(*) FROM (SELECT id FROM st ORDER BY v <-> '[10,-5,0,1]' LIMIT 10) s;
SELECT scans, last_scan_tuples,
	last_scan_distances > 10 + 2 * min_list AND last_scan_distances <= 10 + 2 * max_list + current_setting('ivf.rerank')::int AS distances_ok
FROM vectordb_index_stats('st_ivf');
-- a rescan is a new query: a nested loop over three queries counts three
SELECT count(*) FROM (VALUES ('[0,0,0,0]'::vector), ('[10,-5,0,0]'), ('[20,-10,0,0]')) q(v),
	LATERAL (SELECT id FROM st ORDER BY st.v <-> q.v LIMIT 5) s;
SELECT scans FROM vectordb_index_stats('st_ivf');

-- deletes: hnsw nodes of dead rows are freed by VACUUM; ivf entries removed
CREATE INDEX st_hnsw ON st USING hnsw (v vector_l2_ops) WITH (m = 8);
DELETE FROM st WHERE id <= 100;
VACUUM st;
SELECT elements, deleted, free_slots, unreachable FROM vectordb_index_stats('st_hnsw');
SELECT elements FROM vectordb_index_stats('st_ivf');

-- an empty index
CREATE TABLE st_empty (v vector(3));
CREATE INDEX st_empty_hnsw ON st_empty USING hnsw (v);
CREATE INDEX st_empty_ivf ON st_empty USING ivf (v) WITH (lists = 4);
SELECT access_method, elements, levels, avg_neighbors, unreachable FROM vectordb_index_stats('st_empty_hnsw');
SELECT access_method, elements, lists, min_list, avg_list, max_list FROM vectordb_index_stats('st_empty_ivf');

-- errors
CREATE INDEX st_btree ON st (id);
SELECT * FROM vectordb_index_stats('st');
SELECT * FROM vectordb_index_stats('st_btree');
SELECT * FROM vectordb_index_stats(NULL);
CREATE ROLE st_reader;
GRANT SELECT ON st_empty TO st_reader;
SET ROLE st_reader;
SELECT * FROM vectordb_index_stats('st_hnsw');
SELECT elements FROM vectordb_index_stats('st_empty_hnsw');
RESET ROLE;

DROP TABLE st, st_empty;
DROP ROLE st_reader;

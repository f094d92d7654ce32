-- test/soak/knn.sql (pgbench, 016_soak.pl): 10 nearest neighbours of a pool
-- vector through the hnsw index of th and the ivf index of tv at the default
-- settings, each answer checked by soak_check_knn (10 distinct rows; hnsw
-- in distance order)
\set p random(1, 8000)
SET enable_seqscan = off;
SELECT soak_check_knn('hnsw knn', array_agg(id), array_agg(d), 10, true)
FROM (SELECT id, v <-> (SELECT v FROM pool WHERE pid = :p) AS d FROM th ORDER BY d LIMIT 10) s;
SELECT soak_check_knn('ivf knn', array_agg(id), array_agg(d), 10, false)
FROM (SELECT id, v <-> (SELECT v FROM pool WHERE pid = :p) AS d FROM tv ORDER BY d LIMIT 10) s;

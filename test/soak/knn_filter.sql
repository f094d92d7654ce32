-- test/soak/knn_filter.sql (pgbench, 016_soak.pl): 10 nearest neighbours in
-- one category (a tenth of the rows) through iterative index scans, which
-- must keep reading until 10 rows pass the filter; checked as in knn.sql
\set p random(1, 8000)
\set c random(0, 9)
SET enable_seqscan = off;
SET hnsw.iterative_scan = strict_order;
SET ivf.iterative_scan = relaxed_order;
SELECT soak_check_knn('hnsw filtered knn', array_agg(id), array_agg(d), 10, true)
FROM (SELECT id, v <-> (SELECT v FROM pool WHERE pid = :p) AS d FROM th WHERE cat = :c ORDER BY d LIMIT 10) s;
SELECT soak_check_knn('ivf filtered knn', array_agg(id), array_agg(d), 10, false)
FROM (SELECT id, v <-> (SELECT v FROM pool WHERE pid = :p) AS d FROM tv WHERE cat = :c ORDER BY d LIMIT 10) s;

-- test/soak/delete.sql (pgbench, 016_soak.pl): deletes a random live row of
-- th (hnsw) and one of tv (ivf), each in its own transaction; insert.sql at
-- the same weight keeps the tables at about their initial size
SELECT last_value AS hmax FROM th_id_seq \gset
SELECT last_value AS vmax FROM tv_id_seq \gset
\set rh random(1, :hmax)
\set rv random(1, :vmax)
DELETE FROM th WHERE id = (SELECT id FROM th WHERE id >= :rh ORDER BY id LIMIT 1);
DELETE FROM tv WHERE id = (SELECT id FROM tv WHERE id >= :rv ORDER BY id LIMIT 1);

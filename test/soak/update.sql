-- test/soak/update.sql (pgbench, 016_soak.pl): gives a random live row of
-- th (hnsw) and one of tv (ivf) a new vector, each in its own transaction;
-- a row deleted meanwhile makes the UPDATE change nothing, not fail
\set p random(1, 8000)
SELECT last_value AS hmax FROM th_id_seq \gset
SELECT last_value AS vmax FROM tv_id_seq \gset
\set rh random(1, :hmax)
\set rv random(1, :vmax)
UPDATE th SET v = soak_vec(:p) WHERE id = (SELECT id FROM th WHERE id >= :rh ORDER BY id LIMIT 1);
UPDATE tv SET v = soak_vec(:p) WHERE id = (SELECT id FROM tv WHERE id >= :rv ORDER BY id LIMIT 1);

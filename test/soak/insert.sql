-- test/soak/insert.sql (pgbench, 016_soak.pl): one new row in each of th
-- (hnsw) and tv (ivf), each in its own transaction
\set p random(1, 8000)
\set c random(0, 9)
INSERT INTO th (cat, v) VALUES (:c, soak_vec(:p));
INSERT INTO tv (cat, v) VALUES (:c, soak_vec(:p));

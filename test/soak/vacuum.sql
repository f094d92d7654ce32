-- test/soak/vacuum.sql (pgbench -c 1, 016_soak.pl): VACUUM of both tables
-- every two seconds, beside the other scripts; the ivf and hnsw vacuum
-- passes then run while rows are inserted, updated, deleted and queried
VACUUM th;
VACUUM tv;
\sleep 2 s

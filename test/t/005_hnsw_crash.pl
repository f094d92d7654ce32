# hnsw crash recovery (wal_level = replica).  (1) Right after the build,
# three sessions insert rows in autocommit batches and the server is stopped
# in immediate mode (no shutdown checkpoint) while they run: after recovery
# (which replays the build and the inserts) every row whose INSERT the client
# saw commit (the ledger) is in the table and found through the index by its
# own vector at hnsw.ef_search = 1000, and vectordb_index_check is clean.
# (2) The same for a crash in the middle of VACUUM's index pass.  (3) A crash
# in the middle of CREATE INDEX leaves no index, and the build then succeeds.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);
use VectordbTap;

my $n       = 12000;
my $base    = 6000;
my $writers = 3;
# wal_level = replica: with minimal, a CREATE INDEX skips WAL and is synced
# at commit instead, so recovery would never replay the build's records
my $node = vdb_node('crash', conf => "wal_level = replica\nmax_wal_senders = 2\n");
my $data    = gen_clustered(n => $n, nq => 50, seed => 5);
create_vector_table($node, 's');
load_rows($node, 's', $data->{base}, $data->{cat}, 1);
create_queries($node, $data->{queries});
create_vector_table($node, 't');
$node->safe_psql('postgres', <<"EOS");
INSERT INTO t SELECT * FROM s WHERE id <= $base;
CHECKPOINT;
CREATE INDEX t_v ON t USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64);
EOS
# no checkpoint after the build: recovery replays the build's WAL too

# --- (1) crash during inserts
my $dir = PostgreSQL::Test::Utils::tempdir('sessions');
my @h;
for my $w (0 .. $writers - 1)
{
	open my $fh, '>', "$dir/w$w.sql" or die $!;
	my @ids = grep { $_ % $writers == $w } $base + 1 .. $n;
	while (my @batch = splice(@ids, 0, 5))
	{
		print $fh 'INSERT INTO t SELECT * FROM s WHERE id IN ('
		  . join(',', @batch)
		  . ") RETURNING id;\n";
	}
	close $fh;
	push @h, start_psql_file($node, "$dir/w$w.sql", "$dir/w$w.out");
}
my $t0 = time;
my $count;
do
{
	sleep 0.1;
	$count = $node->safe_psql('postgres', 'SELECT count(*) FROM t');
} while ($count < $base + 900 && time - $t0 < 60);
$node->stop('immediate', fail_ok => 1);
$_->finish for @h;

my @ledger;
for my $w (0 .. $writers - 1)
{
	push @ledger, grep { /^\d+$/ } split /\n/, slurp_file("$dir/w$w.out");
}
note sprintf('crash after %.1f s with %d rows in the table; %d inserts acknowledged to clients',
	time - $t0, $count, scalar(@ledger));
cmp_ok(scalar(@ledger), '>', 0, 'some inserts committed before the crash');
cmp_ok(scalar(@ledger), '<', $n - $base, 'the crash came while inserts were running');

$node->start;
my $found = $node->safe_psql('postgres',
	'SELECT count(*) FROM t WHERE id = ANY(ARRAY[' . join(',', @ledger) . '])');
is($found, scalar(@ledger), 'every acknowledged insert survived the crash');
index_check_clean($node, 't_v', 'check is clean after crash recovery');
my ($missed, $checked) = self_lookup_misses($node, 't', "r.id > $base");
note "$checked rows inserted before the crash survived";
is_deeply($missed, [], 'every row inserted before the crash is found through the index');
($missed, $checked) = self_lookup_misses($node, 't', "r.id <= $base AND r.id % 20 = 0");
is_deeply($missed, [], "each of $checked sampled built rows is found through the index");

# the index keeps working after recovery
$node->safe_psql('postgres',
	"INSERT INTO t SELECT * FROM s WHERE id > $base AND id NOT IN (SELECT id FROM t)");
is($node->safe_psql('postgres', 'SELECT count(*) FROM t'), $n, 'inserts after recovery');
index_check_clean($node, 't_v', 'check is clean after inserting the rest');
my $r = recall(knn($node), knn($node, exact => 1));
note sprintf('recall@10 %.4f after crash recovery and inserts', $r);
cmp_ok($r, '>=', 0.95, 'recall@10 >= 0.95 after crash recovery and inserts');

# --- (2) crash during VACUUM's index pass
$node->safe_psql('postgres', 'CHECKPOINT; DELETE FROM t WHERE id % 3 = 0;');
open my $vfh, '>', "$dir/vacuum.sql" or die $!;
print $vfh "VACUUM (VERBOSE) t;\nSELECT 'vacuum done';\n";
close $vfh;
my $vh = start_psql_file($node, "$dir/vacuum.sql", "$dir/vacuum.out");
# wait (server-side, without client round trips) until VACUUM is in its
# index pass, or has come and gone
$node->safe_psql('postgres', <<'EOS');
DO $$
DECLARE
  seen boolean := false;
BEGIN
  FOR i IN 1 .. 10000 LOOP
    PERFORM pg_stat_clear_snapshot();
    IF EXISTS (SELECT 1 FROM pg_stat_progress_vacuum
               WHERE phase = 'vacuuming indexes') THEN
      RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_stat_activity
               WHERE query LIKE 'VACUUM (VERBOSE) t%' AND state = 'active') THEN
      seen := true;
    ELSIF seen THEN
      RETURN;
    END IF;
    PERFORM pg_sleep(0.001);
  END LOOP;
END $$;
EOS
sleep 0.05;
$node->stop('immediate', fail_ok => 1);
$vh->finish;
my $vacuum_done = slurp_file("$dir/vacuum.out") =~ /vacuum done/;
note $vacuum_done
  ? 'VACUUM had finished before the crash (the index pass was too quick to catch)'
  : 'crashed during VACUUM';
ok(!$vacuum_done, 'the crash came while VACUUM was running');

$node->start;
index_check_clean($node, 't_v', 'check is clean after a crash during VACUUM');
($missed, $checked) = self_lookup_misses($node, 't', 'r.id % 15 = 1');
is_deeply($missed, [], "each of $checked sampled live rows is found after the VACUUM crash");
$node->safe_psql('postgres', 'VACUUM t');
index_check_clean($node, 't_v', 'check is clean after VACUUM completes');
($missed, $checked) = self_lookup_misses($node, 't', 'r.id % 15 = 1');
is_deeply($missed, [], "each of $checked sampled live rows is found after VACUUM");
my $approx = knn($node);
is( $node->safe_psql(
		'postgres',
		'SELECT count(*) FROM unnest(ARRAY['
		  . join(',', map { @$_ } values %$approx)
		  . ']::int[]) i WHERE i % 3 = 0'),
	'0',
	'deleted rows are not returned');
$r = recall($approx, knn($node, exact => 1));
note sprintf('recall@10 %.4f after the VACUUM crash', $r);
cmp_ok($r, '>=', 0.95, 'recall@10 >= 0.95 after the VACUUM crash');

# --- (3) crash during CREATE INDEX
open my $cfh, '>', "$dir/build.sql" or die $!;
print $cfh "CREATE INDEX s_v ON s USING hnsw (v vector_l2_ops) WITH (m = 32, ef_construction = 200);\n";
close $cfh;
my $bh = start_psql_file($node, "$dir/build.sql", "$dir/build.out");
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX s_v%'");
sleep 0.5;
$node->stop('immediate', fail_ok => 1);
$bh->finish;
$node->start;
note(($bh->result(0) == 0)
	? 'CREATE INDEX had finished before the crash'
	: 'crashed during CREATE INDEX');
isnt($bh->result(0), 0, 'the crash came while CREATE INDEX was running');
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_class WHERE relname = 's_v'"),
	'0', 'a crash during CREATE INDEX leaves no index');
$node->safe_psql('postgres',
	'CREATE INDEX s_v ON s USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64)');
index_check_clean($node, 's_v', 'the build succeeds after the crash');
index_check_clean($node, 't_v', 'the other index is still clean');

server_log_clean($node);
stop_ok($node);
done_testing();

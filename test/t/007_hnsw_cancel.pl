# hnsw build cancellation: CREATE INDEX on a table whose build takes
# seconds, interrupted by statement_timeout = 300ms (with build threads, single
# threaded, and in the on-disk phase of a build that outgrew
# maintenance_work_mem) or by pg_cancel_backend from another session, fails
# promptly with the cancel error, leaves no index behind, and the same session
# then builds an index normally.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);
use VectordbTap;

my $node = vdb_node('cancel');
# uniform random vectors have no structure, so the graph is slow to build
$node->safe_psql('postgres', <<'EOS');
SELECT setseed(0.7);
CREATE TABLE t (id int, v vector(128));
INSERT INTO t
SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 128) WHERE i > 0)::vector
FROM generate_series(1, 30000) i;
CREATE TABLE small AS SELECT * FROM t WHERE id <= 1000;
ANALYZE;
EOS

my $create =
  'CREATE INDEX t_v_cancel ON t USING hnsw (v vector_l2_ops) WITH (m = 32, ef_construction = 200)';

sub no_index_left
{
	my ($label) = @_;
	is( $node->safe_psql(
			'postgres',
			"SELECT count(*) FROM pg_class WHERE relname LIKE 't_v_cancel%'"),
		'0',
		"$label: no index is left behind");
	return;
}

for my $case (
	[ 'with a build thread', 'SET max_parallel_maintenance_workers = 1;' ],
	[ 'single-threaded',     'SET max_parallel_maintenance_workers = 0;' ],
	[
		'on-disk phase (maintenance_work_mem = 1MB)',
		"SET maintenance_work_mem = '1MB';"
	])
{
	my ($label, $settings) = @$case;
	my $t0 = time;
	my ($ret, $out, $err) = $node->psql(
		'postgres', <<"EOS", on_error_stop => 0);
$settings
SET statement_timeout = '300ms';
$create;
RESET statement_timeout;
CREATE INDEX small_v ON small USING hnsw (v vector_l2_ops);
SELECT count(*) FROM (SELECT id FROM small ORDER BY v <-> (SELECT v FROM small WHERE id = 1) LIMIT 5) x;
DROP INDEX small_v;
EOS
	my $secs = time - $t0;
	note sprintf('%s: statement_timeout cancelled the build, session done in %.2f s',
		$label, $secs);
	like($err, qr/canceling statement due to statement timeout/,
		"$label: CREATE INDEX fails with the timeout error");
	cmp_ok($secs, '<', 3, "$label: the cancel is prompt");
	is($out, '5', "$label: the same session builds and uses another index afterwards");
	no_index_left($label);
}

# pg_cancel_backend from another session
my $dir = PostgreSQL::Test::Utils::tempdir('cancel');
open my $fh, '>', "$dir/build.sql" or die $!;
print $fh "$create;\n";
close $fh;
my $h = start_psql_file($node, "$dir/build.sql", "$dir/build.out");
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX t_v_cancel%'");
sleep 0.5;
my $t0 = time;
$node->safe_psql('postgres',
	"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX t_v_cancel%'");
$h->finish;
my $secs = time - $t0;
note sprintf('pg_cancel_backend: the build ended %.2f s after the cancel', $secs);
like(slurp_file("$dir/build.out.err"), qr/canceling statement due to user request/,
	'pg_cancel_backend: CREATE INDEX fails with the cancel error');
cmp_ok($secs, '<', 3, 'pg_cancel_backend: the cancel is prompt');
no_index_left('pg_cancel_backend');

# pg_terminate_backend during the build: the backend exits, the server stays up
$h = start_psql_file($node, "$dir/build.sql", "$dir/build2.out");
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX t_v_cancel%'");
sleep 0.5;
$t0 = time;
$node->safe_psql('postgres',
	"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX t_v_cancel%'");
$h->finish;
$secs = time - $t0;
cmp_ok($secs, '<', 3, 'pg_terminate_backend: the build ends promptly');
no_index_left('pg_terminate_backend');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server is still up');

server_log_clean($node);
stop_ok($node);
done_testing();

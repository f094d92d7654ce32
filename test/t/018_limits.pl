# Resource limits: peak backend memory per operation stays within the
# setting that governs it, settings have upper bounds, and long operations
# stop within a second of a cancel.
#
# Memory is the growth of the backend's peak resident set (VmHWM in
# /proc/self/status, read by the backend itself with pg_read_file) from a
# warmed-up session to the end of one operation.  Shared buffers touched
# count as resident too, so the node runs with shared_buffers = 16MB, and the
# allowance is the governing setting plus 64MB (shared buffers, code pages of
# FAISS and OpenBLAS faulted in, thread stacks).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);
use VectordbTap;

my $slack_mb = 64;
my $node = vdb_node('limits', conf => "shared_buffers = 16MB\n");
$node->safe_psql('postgres', <<'EOS');
SELECT setseed(0.3);
CREATE TABLE t (id int PRIMARY KEY, cat int, v vector(128));
INSERT INTO t
SELECT i, i % 100, (SELECT array_agg(random()) FROM generate_series(1, 128) WHERE i > 0)::vector
FROM generate_series(1, 30000) i;
CREATE TABLE q AS SELECT id AS qid, v FROM t WHERE id % 300 = 0;
ANALYZE;
EOS

# peak_growth_mb(SETTINGS, SQL): runs SQL in a fresh session after SETTINGS
# and a warm-up; returns (peak RSS growth in MB, psql exit code, stderr)
sub peak_growth_mb
{
	my ($settings, $sql) = @_;
	my $status = "SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\\s+(\\d+) kB'))[1]::int";
	my ($ret, $out, $err) = $node->psql('postgres', <<"EOS");
$settings
SELECT '[1,2]'::vector <-> '[3,4]';
$status;
$sql;
$status;
EOS
	my @lines = split /\n/, $out;
	return (undef, $ret, $err) if $ret != 0;
	return (($lines[-1] - $lines[1]) / 1024, $ret, $err);
}

my %peak;
sub measure
{
	my ($label, $limit_mb, $settings, $sql) = @_;
	my ($mb, $ret, $err) = peak_growth_mb($settings, $sql);
	is($ret, 0, "$label: succeeds") or diag($err);
	$peak{$label} = $mb;
	note sprintf('%s: peak RSS grew %.1f MB (limit %d MB + %d MB allowance)',
		$label, $mb // -1, $limit_mb, $slack_mb);
	cmp_ok($mb // 1e9, '<=', $limit_mb + $slack_mb,
		"$label: peak memory within the setting");
	return;
}

# builds: maintenance_work_mem bounds the graph, the k-means sample and the
# rows kept for writing lists
for my $mem (16, 256)
{
	my $s = "SET maintenance_work_mem = '${mem}MB'; SET max_parallel_maintenance_workers = 1; SET client_min_messages = warning;";
	measure("hnsw build, maintenance_work_mem ${mem}MB", $mem, $s,
		'CREATE INDEX t_hnsw ON t USING hnsw (v) WITH (m = 16, ef_construction = 40)');
	$node->safe_psql('postgres', 'DROP INDEX t_hnsw') if $mem == 16;
	for my $quantizer ('flat', 'pq')
	{
		measure("ivf $quantizer build, maintenance_work_mem ${mem}MB", $mem, $s,
			"CREATE INDEX t_ivf_$quantizer ON t USING ivf (v) WITH (lists = 100, quantizer = $quantizer)");
		$node->safe_psql('postgres', "DROP INDEX t_ivf_$quantizer")
		  if $mem == 16 || $quantizer eq 'pq';
	}
}
index_check_clean($node, 't_hnsw');
index_check_clean($node, 't_ivf_flat');

# scans: 100 queries each, through one index (the other is dropped in a
# transaction rolled back after); iterative scans whose filter matches
# nothing go on until their memory reaches work_mem x scan_mem_multiplier
my $batch = 'SELECT count(*) FROM q, LATERAL (SELECT id FROM t ORDER BY v <-> q.v LIMIT 10) s';
my $filtered = 'SELECT count(*) FROM q, LATERAL (SELECT id FROM t WHERE cat = -1 ORDER BY v <-> q.v LIMIT 10) s';
my %only = (hnsw => 'BEGIN; DROP INDEX t_ivf_flat;', ivf => 'BEGIN; DROP INDEX t_hnsw;');
measure('hnsw scans, ef_search 1000', 4,
	"SET work_mem = '4MB'; SET enable_seqscan = off; SET hnsw.ef_search = 1000;",
	"$only{hnsw} $batch; ROLLBACK");
measure('ivf scans, all 100 lists probed', 4,
	"SET work_mem = '4MB'; SET enable_seqscan = off; SET ivf.probes = 100;",
	"$only{ivf} $batch; ROLLBACK");
for my $wm (1, 64)
{
	measure("hnsw iterative scans, no row passes the filter, work_mem ${wm}MB", $wm,
		"SET work_mem = '${wm}MB'; SET enable_seqscan = off; SET hnsw.iterative_scan = relaxed_order; "
		  . 'SET hnsw.max_scan_tuples = 2147483647;',
		"$only{hnsw} $filtered; ROLLBACK");
	measure("ivf iterative scans, no row passes the filter, work_mem ${wm}MB", $wm,
		"SET work_mem = '${wm}MB'; SET enable_seqscan = off; SET ivf.iterative_scan = relaxed_order;",
		"$only{ivf} $filtered; ROLLBACK");
}

# settings with an upper bound: a value past it is refused
for my $case (
	[ 'SET hnsw.ef_search = 1001' ],
	[ 'SET hnsw.scan_mem_multiplier = 1001' ],
	[ 'SET ivf.probes = 32769' ],
	[ 'SET ivf.max_probes = 32769' ],
	[ 'SET ivf.rerank = 100001' ],
	[ 'SET ivf.scan_mem_multiplier = 1001' ],
	[ 'CREATE INDEX ON t USING hnsw (v) WITH (m = 101)' ],
	[ 'CREATE INDEX ON t USING hnsw (v) WITH (ef_construction = 1001)' ],
	[ 'CREATE INDEX ON t USING ivf (v) WITH (lists = 32769)' ],
	[ 'CREATE INDEX ON t USING ivf (v) WITH (quantizer = pq, subquantizers = 8001)' ])
{
	my ($sql) = @$case;
	# loaded first: before the library loads, SET only makes a placeholder
	my ($ret, $out, $err) = $node->psql('postgres', "LOAD 'vectordb'; $sql");
	like($err, qr/ERROR:  .*(outside the valid range|out of bounds|must be)/, "refused: $sql");
}

# cancels: statement_timeout and pg_cancel_backend stop a long build or a
# long query of index scans within a second.  The builds are sized to take
# several seconds here.
my $dir = PostgreSQL::Test::Utils::tempdir('limits');
my $mem = "SET maintenance_work_mem = '256MB';";
my $hnsw_scan = 'SET enable_seqscan = off; SET hnsw.ef_search = 1000; SET hnsw.iterative_scan = relaxed_order; '
  . "SET hnsw.max_scan_tuples = 2147483647; SET hnsw.scan_mem_multiplier = 1000; $only{hnsw}";
my $ivf_scan = "SET enable_seqscan = off; SET ivf.probes = 100; $only{ivf}";
# [label, settings, the long statement]; the scans' LIMIT names g so that
# the planner cannot run each query's scan once and join the series after
my @long = (
	[ 'hnsw build', $mem, 'CREATE INDEX t_slow ON t USING hnsw (v) WITH (m = 48, ef_construction = 400)' ],
	[ 'ivf build (k-means)', $mem, 'CREATE INDEX t_slow ON t USING ivf (v) WITH (lists = 3000)' ],
	[ 'ivf pq build', $mem, 'CREATE INDEX t_slow ON t USING ivf (v) WITH (lists = 1000, quantizer = pq, subquantizers = 64)' ],
	[ 'hnsw scans', $hnsw_scan, 'SELECT count(*) FROM generate_series(1, 50) g, q, LATERAL (SELECT id FROM t WHERE cat = -1 ORDER BY v <-> q.v LIMIT 10 + 0 * g) s' ],
	[ 'ivf scans', $ivf_scan, 'SELECT count(*) FROM generate_series(1, 200) g, q, LATERAL (SELECT id FROM t ORDER BY v <-> q.v LIMIT 10 + 0 * g) s' ]);
for my $case (@long)
{
	my ($label, $settings, $statement) = @$case;
	# the marker finds the statement in pg_stat_activity
	$statement = "/* vdb_long */ $statement";
	my $t0 = time;
	my ($ret, $out, $err) = $node->psql('postgres', "$settings SET statement_timeout = '1s'; $statement");
	my $secs = time - $t0;
	note sprintf('%s: statement_timeout 1 s ended it after %.2f s', $label, $secs);
	like($err, qr/canceling statement due to statement timeout/, "$label: statement_timeout stops it");
	cmp_ok($secs, '<', 2, "$label: within a second of the timeout");

	open my $fh, '>', "$dir/long.sql" or die $!;
	print $fh "$settings $statement;\n";
	close $fh;
	my $h = start_psql_file($node, "$dir/long.sql", "$dir/long.out");
	my $running = "FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query LIKE '/* vdb_long */%'";
	$node->poll_query_until('postgres', "SELECT count(*) = 1 $running");
	sleep 0.5;
	$t0 = time;
	$node->safe_psql('postgres', "SELECT pg_cancel_backend(pid) $running");
	eval { $h->finish; };
	$secs = time - $t0;
	note sprintf('%s: pg_cancel_backend ended it after %.2f s', $label, $secs);
	like(slurp_file("$dir/long.out.err"), qr/canceling statement due to user request/,
		"$label: pg_cancel_backend stops it");
	cmp_ok($secs, '<', 1, "$label: within a second of the cancel");
}
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_class WHERE relname = 't_slow'"),
	'0', 'no cancelled index is left behind');

note 'peak RSS growth (MB): '
  . join(', ', map { sprintf('%s %.1f', $_, $peak{$_} // -1) } sort keys %peak);
server_log_clean($node);
stop_ok($node);
done_testing();

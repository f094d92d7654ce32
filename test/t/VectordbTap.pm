# test/t/VectordbTap.pm: helpers shared by the hnsw TAP tests.
#
# Every test file starts its own throwaway cluster (PostgreSQL::Test::Cluster
# puts it under $TESTDIR/tmp_check and stops it when the script ends, even on
# failure), loads a small deterministic data set and compares index answers
# with exact answers that the same server computes by a sequential scan.

package VectordbTap;

use strict;
use warnings;

use Exporter 'import';
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

our @EXPORT = qw(
  vdb_node gen_clustered write_copy_file load_rows create_vector_table
  create_queries knn recall explain_plan index_check_clean index_size self_lookup_misses
  start_psql_file server_log_clean stop_ok
);

# PostgreSQL 15's teardown (run when a test script exits) stops each node
# in immediate mode and calls BAIL_OUT if that fails, which is what happens
# when the server has crashed (restart_after_crash = off): prove would then
# skip every remaining test file.  Report the failure in this file only, as
# PostgreSQL 16 does.
{
	no warnings 'redefine';
	*PostgreSQL::Test::Cluster::teardown_node = sub {
		my ($self) = @_;
		$self->stop('immediate', fail_ok => 1);
		return;
	};
}

# vdb_node(NAME, allows_streaming => 0|1, conf => "extra lines"):
# a started node with the extension created in database postgres
sub vdb_node
{
	my ($name, %p) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(allows_streaming => $p{allows_streaming} // 0);
	# Later lines win: these override the small settings init writes for
	# streaming nodes.  Statements with 128-d literals are not logged.
	$node->append_conf('postgresql.conf', <<'EOC' . ($p{conf} // ''));
shared_buffers = 128MB
max_connections = 30
maintenance_work_mem = 64MB
max_parallel_maintenance_workers = 1
max_wal_size = 1GB
autovacuum = off
log_statement = none
log_min_duration_statement = -1
# enable_seqscan = off makes plans look expensive enough to JIT-compile
jit = off
EOC
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION vectordb');
	my $am = $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_am WHERE amname = 'hnsw'");
	die "the installed vectordb has no hnsw access method\n" unless $am eq '1';
	return $node;
}

sub _gauss
{
	my $u = 1 - rand();
	my $v = rand();
	return sqrt(-2 * log($u)) * cos(6.283185307179586 * $v);
}

# gen_clustered(n => N, nq => NQ, d => 128, clusters => 50, latent => 16,
#               ncat => 100, seed => S)
# A seeded gaussian mixture in a LATENT-dimensional space, lifted to D
# dimensions by a fixed sparse linear map plus a little noise: low intrinsic
# dimension like real embeddings.  Returns { base => [text vectors],
# cat => [category per base row, uniform in 0..ncat-1, independent of the
# cluster], queries => [text vectors from the same mixture] }.
sub gen_clustered
{
	my (%p) = @_;
	my $n        = $p{n};
	my $nq       = $p{nq} // 0;
	my $d        = $p{d} // 128;
	my $clusters = $p{clusters} // 50;
	my $latent   = $p{latent} // 16;
	my $ncat     = $p{ncat} // 100;
	srand($p{seed} // 1);

	# each output dimension mixes three latent coordinates
	my @map = map {
		[
			int(rand($latent)), int(rand($latent)),
			int(rand($latent)), _gauss() / 1.7,
			_gauss() / 1.7,     _gauss() / 1.7
		]
	} 1 .. $d;
	my @mu = map {
		[ map { _gauss() } 1 .. $latent ]
	} 1 .. $clusters;
	my @sigma = map { 0.1 + 0.4 * rand() } 1 .. $clusters;

	my (@base, @cat, @queries);
	for my $i (1 .. $n + $nq)
	{
		my $c  = int(rand($clusters));
		my $m  = $mu[$c];
		my $s  = $sigma[$c];
		my @z  = map { $m->[$_] + $s * _gauss() } 0 .. $latent - 1;
		my $vec = '['
		  . join(',',
			map {
				sprintf '%.4f',
				  $z[ $_->[0] ] * $_->[3] + $z[ $_->[1] ] * $_->[4] +
				  $z[ $_->[2] ] * $_->[5] + 0.07 * (rand() - 0.5)
			} @map)
		  . ']';
		my $category = int(rand($ncat));
		if ($i <= $n)
		{
			push @base, $vec;
			push @cat,  $category;
		}
		else
		{
			push @queries, $vec;
		}
	}
	return { base => \@base, cat => \@cat, queries => \@queries };
}

# write_copy_file(VECTORS, CATS or undef, FIRST_ID, FROM, TO): a COPY text
# file of rows (id, cat, v) for VECTORS[FROM..TO] with ids FIRST_ID..;
# returns its path (a temporary directory the server can read, since the
# tests run as the server's user)
sub write_copy_file
{
	my ($vecs, $cats, $first_id, $from, $to) = @_;
	$from //= 0;
	$to   //= $#$vecs;
	my $dir  = PostgreSQL::Test::Utils::tempdir('copy');
	my $path = "$dir/rows.copy";
	open my $fh, '>', $path or die "cannot write $path: $!";
	my $id = $first_id // 1;
	for my $i ($from .. $to)
	{
		print $fh $id++, "\t", ($cats ? $cats->[$i] : '\N'), "\t",
		  $vecs->[$i], "\n";
	}
	close $fh or die "cannot write $path: $!";
	return $path;
}

# create_vector_table(NODE, NAME, d => 128, unlogged => 0, pk => 1)
sub create_vector_table
{
	my ($node, $name, %p) = @_;
	my $d  = $p{d} // 128;
	my $ul = $p{unlogged} ? 'UNLOGGED ' : '';
	my $pk = ($p{pk} // 1) ? ' PRIMARY KEY' : '';
	$node->safe_psql('postgres',
		"CREATE ${ul}TABLE $name (id int$pk, cat int, v vector($d))");
	return;
}

# load_rows(NODE, TABLE, VECTORS, CATS, FIRST_ID, FROM, TO): COPY the rows
# into TABLE, whose columns are (id, cat, v) or (qid, cat, v)
sub load_rows
{
	my ($node, $table, @rest) = @_;
	my $path = write_copy_file(@rest);
	$node->safe_psql('postgres',
		"COPY $table FROM '$path'; ANALYZE $table;");
	return;
}

# create_queries(NODE, VECTORS, CATS or undef, NAME = 'q', d => 128): the
# query table (qid, cat, v) knn reads
sub create_queries
{
	my ($node, $vecs, $cats, $name, %p) = @_;
	$name //= 'q';
	my $d = $p{d} // 128;
	$node->safe_psql('postgres',
		"CREATE TABLE $name (qid int, cat int, v vector($d))");
	load_rows($node, $name, $vecs, $cats, 1);
	return;
}

# knn(NODE, table => 't', queries => 'q', op => '<->', k => 10,
#     where => 'predicate on t and q', exact => 0|1, settings => 'SET ...;')
# One statement answers every query of the query table (qid, cat, v) with a
# correlated subquery.  exact => 1 forbids index scans, so the server
# computes the true neighbours by a sequential scan; otherwise sequential
# scans are disabled so the subquery goes through the index.
# Returns { qid => [ids in the order returned] }.
sub knn
{
	my ($node, %p) = @_;
	my $sql = _knn_sql(%p);
	my $out = $node->safe_psql($p{db} // 'postgres', $sql);
	my %res;
	for my $line (split /\n/, $out)
	{
		my ($qid, $arr) = split /\|/, $line, 2;
		$arr =~ s/[{}]//g;
		$res{$qid} = [ grep { length } split /,/, $arr ];
	}
	return \%res;
}

sub _knn_sql
{
	my (%p) = @_;
	my $table = $p{table}   // 't';
	my $qtab  = $p{queries} // 'q';
	my $op    = $p{op}      // '<->';
	my $k     = $p{k}       // 10;
	my $where = defined $p{where} ? "WHERE $p{where}" : '';
	my $set =
	  $p{exact}
	  ? "SET enable_indexscan = off; SET enable_bitmapscan = off; SET max_parallel_workers_per_gather = 0;\n"
	  : "SET enable_seqscan = off;\n";
	$set .= ($p{settings} // '') . "\n";
	my $explain = $p{explain} ? 'EXPLAIN (COSTS OFF) ' : '';
	return "$set${explain}SELECT q.qid, ARRAY(SELECT t.id FROM $table t $where "
	  . "ORDER BY t.v $op q.v LIMIT $k) FROM $qtab q ORDER BY q.qid";
}

# explain_plan(NODE, same arguments as knn): the plan knn would run
sub explain_plan
{
	my ($node, %p) = @_;
	return $node->safe_psql($p{db} // 'postgres',
		_knn_sql(%p, explain => 1));
}

# recall(APPROX, EXACT): mean over queries of |approx ∩ exact| / |exact|
# (queries whose exact answer is empty are skipped)
sub recall
{
	my ($approx, $exact) = @_;
	my ($sum, $n) = (0, 0);
	for my $qid (keys %$exact)
	{
		my %truth = map { $_ => 1 } @{ $exact->{$qid} };
		my $want = scalar(keys %truth) or next;
		my $hit = grep { $truth{$_} } @{ $approx->{$qid} // [] };
		$sum += $hit / $want;
		$n++;
	}
	return $n ? $sum / $n : 0;
}

# index_check_clean(NODE, INDEX, NAME): vectordb_index_check returns no row
sub index_check_clean
{
	my ($node, $index, $name, %p) = @_;
	my $out = $node->safe_psql($p{db} // 'postgres',
		"SELECT * FROM vectordb_index_check('$index'::regclass)");
	my $ok = is($out, '', $name // "vectordb_index_check($index) finds no problem");
	diag("vectordb_index_check($index):\n$out") if !$ok;
	return $ok;
}

sub index_size
{
	my ($node, $index) = @_;
	return $node->safe_psql('postgres',
		"SELECT pg_relation_size('$index'::regclass)");
}

# self_lookup_misses(NODE, TABLE, ID_CONDITION, settings => 'SET ...;'):
# ids of rows (matching ID_CONDITION on alias r) whose own vector, looked up
# through the index, does not return the row itself as the nearest neighbour.
# Returns (arrayref of missed ids, number of rows checked).
sub self_lookup_misses
{
	my ($node, $table, $cond, %p) = @_;
	my $settings = $p{settings} // 'SET hnsw.ef_search = 1000;';
	my $sql = <<"EOS";
SET enable_seqscan = off;
$settings
SELECT count(*),
       coalesce(string_agg(r.id::text, ',' ORDER BY r.id)
                FILTER (WHERE nn IS DISTINCT FROM r.id), '')
FROM $table r,
     LATERAL (SELECT x.id AS nn FROM $table x ORDER BY x.v <-> r.v LIMIT 1) l
WHERE $cond
EOS
	my $out = $node->safe_psql('postgres', $sql);
	my ($n, $missed) = split /\|/, $out, 2;
	return ([ grep { length } split /,/, ($missed // '') ], $n);
}

# start_psql_file(NODE, SQLFILE, OUTFILE): psql running SQLFILE in the
# background (autocommit, stops at the first error); its stdout goes to
# OUTFILE and its stderr to OUTFILE.err.  Returns the IPC::Run harness.
sub start_psql_file
{
	my ($node, $sqlfile, $outfile) = @_;
	local %ENV = $node->_get_env();
	my @cmd = (
		$node->installed_command('psql'), '-XAtq', '-v', 'ON_ERROR_STOP=1',
		'-d', $node->connstr('postgres'), '-f', $sqlfile);
	return IPC::Run::start(\@cmd, '<', \undef, '>', $outfile, '2>',
		"$outfile.err");
}

# stop_ok(NODE): a fast shutdown that succeeds (a failure, e.g. after a
# crash, is a failed test rather than a BAIL_OUT)
sub stop_ok
{
	my ($node) = @_;
	return ok($node->stop('fast', fail_ok => 1),
		'server ' . $node->name . ' shuts down cleanly');
}

# server_log_clean(NODE): the server log shows no crash, assertion failure
# or PANIC
sub server_log_clean
{
	my ($node) = @_;
	my $log = slurp_file($node->logfile);
	my @bad = grep { /PANIC|TRAP:|terminated by signal|was terminated by exception/ }
	  split /\n/, $log;
	my $ok = is(scalar(@bad), 0,
		'server log of ' . $node->name . ' shows no crash or PANIC');
	diag(join("\n", @bad[ 0 .. ($#bad < 9 ? $#bad : 9) ])) if !$ok;
	return $ok;
}

# --- helpers of the soak and crash-loop tests (016, 017)

use Cwd ();

push @EXPORT, qw(
  self_match_misses pgbench_start pgbench_summary
  wait_for_orphans restart_after_kill9
);

# self_match_misses(NODE, TABLE, ID_CONDITION, settings => 'SET ...;',
#                   k => 10): like self_lookup_misses, but exact duplicates
# may come first: a row counts as found when the index returns it at
# distance 0, or returns K rows at distance 0 (more copies than K).
# Returns (arrayref of missed ids, number of rows checked).
sub self_match_misses
{
	my ($node, $table, $cond, %p) = @_;
	my $settings = $p{settings} // 'SET hnsw.ef_search = 1000;';
	my $k = $p{k} // 10;
	my $sql = <<"EOS";
SET enable_seqscan = off;
$settings
SELECT count(*),
       coalesce(string_agg(r.id::text, ',' ORDER BY r.id) FILTER (WHERE NOT found), '')
FROM $table r,
     LATERAL (SELECT coalesce(bool_or(s.id = r.id), false) OR count(*) = $k AS found
              FROM (SELECT x.id, x.v <-> r.v AS d FROM $table x ORDER BY d LIMIT $k) s
              WHERE s.d = 0) l
WHERE $cond
EOS
	my $out = $node->safe_psql($p{db} // 'postgres', $sql);
	my ($n, $missed) = split /\|/, $out, 2;
	return ([ grep { length } split /,/, ($missed // '') ], $n);
}

# pgbench_start(NODE, OUTFILE, ARGS...): pgbench ARGS against database
# postgres of NODE in the background; stdout goes to OUTFILE and stderr to
# OUTFILE.err.  Returns the IPC::Run harness.
sub pgbench_start
{
	my ($node, $outfile, @args) = @_;
	local %ENV = $node->_get_env();
	my @cmd = ($node->installed_command('pgbench'), @args,
		$node->connstr('postgres'));
	return IPC::Run::start(\@cmd, '<', \undef, '>', $outfile, '2>',
		"$outfile.err");
}

# pgbench_summary(STDOUT, STDERR): what a pgbench run reports:
# { processed, failed, aborted (clients that stopped on an error),
#   errors => [the error lines], scripts => [ { file, tx, failed } ] }
sub pgbench_summary
{
	my ($out, $err) = @_;
	my %s = (processed => 0, failed => 0, scripts => []);
	$s{processed} = $1 if $out =~ /^number of transactions actually processed: (\d+)/m;
	$s{failed}    = $1 if $out =~ /^number of failed transactions: (\d+)/m;
	while ($out =~ /^SQL script \d+: (\S+)\n(.*?)(?=^SQL script |\z)/msg)
	{
		my ($file, $body) = ($1, $2);
		my %sc = (file => $file, tx => 0, failed => 0);
		$sc{tx}     = $1 if $body =~ /^ - (\d+) transactions/m;
		$sc{failed} = $1 if $body =~ /^ - number of failed transactions: (\d+)/m;
		push @{ $s{scripts} }, \%sc;
	}
	$s{errors}  = [ grep { /error|abort|FATAL|PANIC/i } split /\n/, $err ];
	$s{aborted} = () = $err =~ /^pgbench: error: client \d+ .*aborted/mg;
	$s{aborted} += 1 if $out =~ /Run was aborted/ && !$s{aborted};
	return \%s;
}

# wait_for_orphans(NODE, POSTMASTER_PID, TIMEOUT = 60): after kill -9 of
# the postmaster, waits until it has been reaped and every process still
# working in NODE's data directory (backends and auxiliary processes, which
# stay until they notice) has exited; returns whether none is left
sub wait_for_orphans
{
	my ($node, $pm, $timeout) = @_;
	my $dir = Cwd::realpath($node->data_dir);
	my $t0  = time;
	while (1)
	{
		my @left = grep {
			my $cwd = readlink("/proc/$_/cwd");
			defined $cwd && $cwd eq $dir
		} map { m{^/proc/(\d+)$} ? $1 : () } glob('/proc/[0-9]*');
		# a killed postmaster stays a zombie until reaped, and the next
		# postmaster takes a live PID in postmaster.pid for a running server
		push @left, $pm if $pm && kill(0, $pm);
		return 1 if !@left;
		return 0 if time - $t0 > ($timeout // 60);
		Time::HiRes::sleep(0.1);
	}
}

# restart_after_kill9(NODE): kill -9 of the postmaster, then a start once
# it and its orphaned processes are gone.  Returns the seconds until the
# server accepted connections again.
sub restart_after_kill9
{
	my ($node) = @_;
	my $t0 = time;
	my ($pm) = split /\n/, slurp_file($node->data_dir . '/postmaster.pid');
	$node->kill9;
	wait_for_orphans($node, $pm)
	  or die 'processes of ' . $node->name . " did not exit after kill -9\n";
	# the shared memory segment can outlive the last process by a moment
	for my $try (1 .. 10)
	{
		return time - $t0 if $node->start(fail_ok => $try < 10);
		Time::HiRes::sleep(1);
	}
	return;
}

1;

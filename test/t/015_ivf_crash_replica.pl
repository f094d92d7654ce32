# ivf crash recovery and streaming replication (wal_level = replica).
# (1) Indexes (flat, sq8) built with no checkpoint after them, then inserts,
# deletes and VACUUM, then an immediate stop: after recovery the answers are
# the same as before the crash, a scan of every list returns each row once
# and each row finds itself.  (2) A crash while three sessions insert: every
# insert acknowledged to a client is in the table and found through the
# index.  (3) A standby made from a base backup taken before the indexes
# exist receives the builds (flat, sq8, pq), inserts, deletes and VACUUM by
# WAL only and gives the same answers as the primary after each step; once
# promoted it takes inserts, and an UNLOGGED table's index comes up empty
# and usable (a flat index: see 014 for sq8).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);
use VectordbTap;

my $d    = 64;
my $n    = 10000;
my $data = gen_clustered(n => $n, nq => 50, d => $d, seed => 15);

# every row an index scan of all lists returns: "rows|distinct ids"
sub scan_all
{
	my ($node, $table, $lists) = @_;
	return $node->safe_psql('postgres', <<"EOS");
SET enable_seqscan = off; SET ivf.probes = $lists;
SELECT count(*) || '|' || count(DISTINCT id) FROM
  (SELECT id FROM $table ORDER BY v <-> (SELECT v FROM q WHERE qid = 1) LIMIT 1000000) s
EOS
}

sub count_rows
{
	my ($node, $table) = @_;
	my $c = $node->safe_psql('postgres', "SELECT count(*) FROM $table");
	return "$c|$c";
}

# --- (1) crash after build, inserts, deletes and VACUUM
# wal_level = replica: with minimal, a CREATE INDEX skips WAL and is synced
# at commit instead, so recovery would never replay the build's records
my $node = vdb_node('ivf_crash', conf => "wal_level = replica\nmax_wal_senders = 2\n");
create_vector_table($node, 's', d => $d);
load_rows($node, 's', $data->{base}, $data->{cat}, 1);
create_queries($node, $data->{queries}, undef, 'q', d => $d);
for my $q ('flat', 'sq8')
{
	create_vector_table($node, "t_$q", d => $d);
	$node->safe_psql('postgres', "INSERT INTO t_$q SELECT * FROM s WHERE id <= 6000");
}
$node->safe_psql('postgres', 'CHECKPOINT');
for my $q ('flat', 'sq8')
{
	$node->safe_psql('postgres', <<"EOS");
CREATE INDEX t_${q}_v ON t_$q USING ivf (v vector_l2_ops) WITH (lists = 50, quantizer = $q);
INSERT INTO t_$q SELECT * FROM s WHERE id > 6000 AND id <= 8000;
DELETE FROM t_$q WHERE id % 10 = 0;
VACUUM t_$q;
INSERT INTO t_$q SELECT id + 100000, cat, v FROM s WHERE id % 10 = 0 AND id % 20 = 0 AND id <= 8000;
EOS
}
my %before;
for my $q ('flat', 'sq8')
{
	for my $p (1, 50)
	{
		$before{$q}{$p} = knn($node, table => "t_$q", settings => "SET ivf.probes = $p;");
	}
}
$node->stop('immediate', fail_ok => 1);
$node->start;
for my $q ('flat', 'sq8')
{
	my $t = "t_$q";
	is($node->safe_psql('postgres', "SELECT count(*) FROM $t"), 7600, "$q: every row survived the crash");
	for my $p (1, 50)
	{
		is_deeply(knn($node, table => $t, settings => "SET ivf.probes = $p;"),
			$before{$q}{$p}, "$q: answers at probes $p are the same after crash recovery");
	}
	is(scan_all($node, $t, 50), count_rows($node, $t),
		"$q: after recovery a scan of every list returns each row once");
	my ($missed, $checked) = self_lookup_misses($node, $t, 'true',
		settings => 'SET ivf.probes = 50;');
	is_deeply($missed, [], "$q: each of $checked rows finds itself at probes = lists after recovery");
	my $approx = $before{$q}{50};
	is(scalar(grep { $_ < 100000 && $_ % 10 == 0 } map { @$_ } values %$approx),
		0, "$q: no deleted row is returned");
}
is_deeply(knn($node, table => 't_flat', settings => 'SET ivf.probes = 50;'),
	knn($node, table => 't_flat', exact => 1),
	'flat: probes = lists gives the exact answers after recovery');

# --- (2) crash while three sessions insert into t_flat
my $dir = PostgreSQL::Test::Utils::tempdir('sessions');
my @h;
for my $w (0 .. 2)
{
	open my $fh, '>', "$dir/w$w.sql" or die $!;
	my @ids = grep { $_ % 3 == $w } 8001 .. $n;
	# paced, so the inserts are still running when the crash comes
	print $fh "INSERT INTO t_flat SELECT * FROM s WHERE id = $_ RETURNING id; SELECT pg_sleep(0.002);\n"
	  for @ids;
	close $fh;
	push @h, start_psql_file($node, "$dir/w$w.sql", "$dir/w$w.out");
}
my $t0 = time;
my $count;
do
{
	sleep 0.05;
	$count = $node->safe_psql('postgres', 'SELECT count(*) FROM t_flat WHERE id > 8000 AND id < 100000');
} while ($count < 300 && time - $t0 < 60);
$node->stop('immediate', fail_ok => 1);
$_->finish for @h;
my @ledger;
push @ledger, grep { /^\d+$/ } split /\n/, slurp_file("$dir/w$_.out") for 0 .. 2;
note sprintf('crash after %.1f s with %d new rows seen; %d inserts acknowledged to clients',
	time - $t0, $count, scalar(@ledger));
cmp_ok(scalar(@ledger), '>', 0, 'some inserts committed before the crash');
cmp_ok(scalar(@ledger), '<', $n - 8000, 'the crash came while inserts were running');
$node->start;
is( $node->safe_psql('postgres',
		'SELECT count(*) FROM t_flat WHERE id = ANY(ARRAY[' . join(',', @ledger) . '])'),
	scalar(@ledger),
	'every acknowledged insert survived the crash');
is(scan_all($node, 't_flat', 50), count_rows($node, 't_flat'),
	'after the crash during inserts a scan of every list returns each row once');
my ($missed, $checked) = self_lookup_misses($node, 't_flat', 'r.id > 8000 AND r.id < 100000',
	settings => 'SET ivf.probes = 1;');
note "$checked rows inserted before the crash survived";
is_deeply($missed, [], 'every row inserted before the crash finds itself at probes = 1');
$node->safe_psql('postgres',
	'INSERT INTO t_flat SELECT * FROM s WHERE id > 8000 AND id NOT IN (SELECT id FROM t_flat)');
is(scan_all($node, 't_flat', 50), count_rows($node, 't_flat'),
	'inserts after recovery: a scan of every list returns each row once');
is_deeply(knn($node, table => 't_flat', settings => 'SET ivf.probes = 50;'),
	knn($node, table => 't_flat', exact => 1),
	'flat: probes = lists gives the exact answers after the second recovery');
server_log_clean($node);
stop_ok($node);

# --- (3) streaming replica
my $primary = vdb_node('ivf_primary', allows_streaming => 1);
create_vector_table($primary, 's', d => $d);
load_rows($primary, 's', $data->{base}, $data->{cat}, 1);
create_queries($primary, $data->{queries}, undef, 'q', d => $d);
my @quantizers = ('flat', 'sq8', 'pq');
for my $q (@quantizers)
{
	create_vector_table($primary, "t_$q", d => $d);
	$primary->safe_psql('postgres', "INSERT INTO t_$q SELECT * FROM s WHERE id <= 6000");
}
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('ivf_standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

sub same_answers
{
	my ($what) = @_;
	$primary->wait_for_catchup($standby);
	for my $q (@quantizers)
	{
		for my $case ([ 'probes 1', '' ], [ 'probes 10', 'SET ivf.probes = 10;' ],
			[ 'filtered', '', 't.cat < 5' ])
		{
			my ($label, $settings, $where) = @$case;
			my %args = (table => "t_$q", settings => $settings,
				defined $where ? (where => $where) : ());
			my $p = knn($primary, %args);
			my $s = knn($standby, %args);
			is_deeply($s, $p, "$what: $q $label answers are identical on the standby");
		}
	}
	return;
}

for my $q (@quantizers)
{
	$primary->safe_psql('postgres',
		"CREATE INDEX t_${q}_v ON t_$q USING ivf (v vector_l2_ops) WITH (lists = 50, quantizer = $q)");
}
create_vector_table($primary, 'u', d => $d, unlogged => 1);
$primary->safe_psql('postgres', <<'EOS');
INSERT INTO u SELECT * FROM s WHERE id <= 1000;
CREATE INDEX u_v ON u USING ivf (v vector_l2_ops) WITH (lists = 10);
EOS
$primary->wait_for_catchup($standby);
like(explain_plan($standby, table => 't_flat'), qr/Index Scan using t_flat_v on t_flat/,
	'the standby uses the index');
same_answers('after the builds');
for my $q (@quantizers)
{
	my $r = recall(knn($standby, table => "t_$q", settings => 'SET ivf.probes = 10;'),
		knn($standby, table => "t_$q", exact => 1));
	note sprintf('standby, %s: recall@10 %.4f at probes 10', $q, $r);
	cmp_ok($r, '>=', $q eq 'pq' ? 0.9 : 0.95, "$q: the standby's recall\@10 at probes 10");
}

for my $q (@quantizers)
{
	$primary->safe_psql('postgres', "INSERT INTO t_$q SELECT * FROM s WHERE id > 6000");
}
same_answers('after inserts');

for my $q (@quantizers)
{
	$primary->safe_psql('postgres', "DELETE FROM t_$q WHERE id % 4 = 0");
	$primary->safe_psql('postgres', "VACUUM t_$q");
}
same_answers('after DELETE and VACUUM');
for my $q (@quantizers)
{
	my $approx = knn($standby, table => "t_$q", settings => 'SET ivf.probes = 50;');
	is(scalar(grep { $_ % 4 == 0 } map { @$_ } values %$approx),
		0, "$q: the standby returns no deleted row");
	is(scan_all($standby, "t_$q", 50), count_rows($standby, "t_$q"),
		"$q: on the standby a scan of every list returns each live row once");
}

for my $q (@quantizers)
{
	$primary->safe_psql('postgres',
		"INSERT INTO t_$q SELECT id + 100000, cat, v FROM s WHERE id % 8 = 0");
}
same_answers('after inserts into vacuumed space');

# the promoted standby takes inserts into the index
$standby->promote;
$standby->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()');
for my $q (@quantizers)
{
	$standby->safe_psql('postgres',
		"INSERT INTO t_$q SELECT id + 200000, cat, v FROM s WHERE id % 8 = 4");
	is(scan_all($standby, "t_$q", 50), count_rows($standby, "t_$q"),
		"$q: after inserts on the promoted standby a scan of every list returns each row once");
	($missed, $checked) = self_lookup_misses($standby, "t_$q", 'r.id > 200000',
		settings => 'SET ivf.probes = 3;');
	is_deeply($missed, [], "$q: each of $checked rows inserted on the promoted standby finds itself");
}

# the unlogged table comes up empty on the promoted standby, with an index
# made from its init fork
is($standby->safe_psql('postgres', 'SELECT count(*) FROM u'), '0',
	'the unlogged table is empty on the promoted standby');
my $none = knn($standby, table => 'u');
is(scalar(grep { @{ $none->{$_} } } keys %$none), 0, 'its index returns nothing');
$standby->safe_psql('postgres', 'INSERT INTO u SELECT * FROM s WHERE id <= 2000; ANALYZE u');
is(scan_all($standby, 'u', 10), '2000|2000', 'the refilled unlogged index returns each row once');
is_deeply(knn($standby, table => 'u'), knn($standby, table => 'u', exact => 1),
	'the refilled unlogged index (one list since the reset) answers exactly');

server_log_clean($primary);
server_log_clean($standby);
stop_ok($standby);
stop_ok($primary);
done_testing();

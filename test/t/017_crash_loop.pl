# Crash loop (issue 5, item 4).  A primary with a streaming standby holds th
# (hnsw index) and tv (ivf index, pq codes re-ranked), 32-d clustered rows,
# and a ledger.  Every writer statement changes rows (insert, update of the
# vector, delete; some change both tables) and writes one ledger row per
# changed row -- (table, op, id, md5 of the row) -- in the same statement, so
# in the same transaction, and prints the ledger seqs it committed: what a
# writer printed was acknowledged to it.  VDB_CRASH_ROUNDS times (default 5;
# bench/soak.sh runs 100): three writers, a kNN reader and a VACUUM loop run,
# the postmaster gets kill -9 at a random moment (VDB_CRASH_SEED, printed),
# the orphaned backends exit, the server restarts, and then every
# acknowledged transaction is in the ledger, at most one unacknowledged
# transaction per writer committed, the tables hold exactly what the ledger
# says (no row missing, changed or resurrected), vectordb_index_check is
# clean on both indexes, recall@10 >= 0.95 on 40 queries for each, and the
# rows changed in the round find themselves through their index (see the
# hnsw allowance below; every row does after a final VACUUM).  No client sees
# an error other than the lost connection.  At the end the standby, which
# followed through every crash, has the same rows, the same answers and
# clean index checks.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);
use VectordbTap;

my $rounds  = $ENV{VDB_CRASH_ROUNDS} || 5;
my $seed    = $ENV{VDB_CRASH_SEED};
$seed = (int(time * 1000) ^ $$) % 1000000 if ($seed // '') eq '';
my $soak    = "$FindBin::RealBin/../soak";
my $d       = 32;
my $pool    = 8000;    # vectors new and updated rows are drawn from
my $n       = 3000;    # rows per table at the start
my $lists   = 40;
my $writers = 3;
my $stmts   = 20000;   # statements per writer and round (the crash cuts them)
my $hnsw_settings = '';                      # defaults: ef_search 40
my $ivf_settings  = 'SET ivf.probes = 8;';

my $primary = vdb_node('crash_primary', allows_streaming => 1);
my $data = gen_clustered(n => $pool, nq => 40, d => $d, latent => 8,
	clusters => 40, ncat => 10, seed => 17);
note "VDB_CRASH_SEED=$seed, $rounds rounds";
srand($seed);

$primary->safe_psql('postgres', slurp_file("$soak/setup.sql"));
load_rows($primary, 'pool', $data->{base}, $data->{cat}, 1);
create_queries($primary, $data->{queries}, undef, 'q', d => $d);
$primary->safe_psql('postgres', <<"EOS");
CREATE TABLE ledger (seq bigserial PRIMARY KEY, xact xid8 NOT NULL DEFAULT pg_current_xact_id(),
  tbl text NOT NULL, op "char" NOT NULL, id int NOT NULL, rowmd5 text);
INSERT INTO th SELECT * FROM pool WHERE pid <= $n;
INSERT INTO tv SELECT * FROM pool WHERE pid <= $n;
SELECT setval('th_id_seq', $n), setval('tv_id_seq', $n);
INSERT INTO ledger (tbl, op, id, rowmd5)
  SELECT 'th', 'i', id, md5(cat || ' ' || v::text) FROM th
  UNION ALL SELECT 'tv', 'i', id, md5(cat || ' ' || v::text) FROM tv;
EOS

# the standby starts before the indexes exist: it gets the builds by WAL too
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('crash_standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

$primary->safe_psql('postgres', <<"EOS");
CREATE INDEX th_v ON th USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64);
CREATE INDEX tv_v ON tv USING ivf (v vector_l2_ops) WITH (lists = $lists, quantizer = pq, subquantizers = 8);
ANALYZE th; ANALYZE tv;
EOS

# --- the load: psql files, one statement per transaction

# a random live row of T (the first id at or after a random point)
sub pick_row
{
	my ($t) = @_;
	my $f = sprintf '%.4f', rand();
	return "(SELECT id FROM $t WHERE id >= ($f * (SELECT last_value FROM ${t}_id_seq))::int "
	  . 'ORDER BY id LIMIT 1)';
}

sub new_vec { return 'soak_vec(' . (1 + int(rand($pool))) . ')' }

# one change of table T as a CTE body returning (id, cat, v), and its op
sub change
{
	my ($t) = @_;
	my $r = rand();
	if ($r < 0.25)
	{
		my $k = rand() < 0.7 ? 1 : 3;
		my $values = join ', ', map { '(' . int(rand(10)) . ', ' . new_vec() . ')' } 1 .. $k;
		return ("INSERT INTO $t (cat, v) VALUES $values RETURNING id, cat, v", 'i');
	}
	elsif ($r < 0.6)
	{
		return ("UPDATE $t SET v = " . new_vec() . ' WHERE id = ' . pick_row($t)
			  . ' RETURNING id, cat, v', 'u');
	}
	return ("DELETE FROM $t WHERE id = " . pick_row($t) . ' RETURNING id, cat, v', 'd');
}

# one writer statement: one change (or, one time in six, one change in each
# table) and its ledger rows, returning their seqs once committed
sub writer_statement
{
	my @tables = rand() < 1 / 6 ? ('th', 'tv') : (rand() < 0.5 ? 'th' : 'tv');
	my (@ctes, @selects);
	for my $i (0 .. $#tables)
	{
		my ($sql, $op) = change($tables[$i]);
		push @ctes, "c$i AS ($sql)";
		my $md5 = $op eq 'd' ? 'NULL' : "md5(cat || ' ' || v::text)";
		push @selects, "SELECT '$tables[$i]', '$op', id, $md5 FROM c$i";
	}
	return 'WITH ' . join(', ', @ctes)
	  . ' INSERT INTO ledger (tbl, op, id, rowmd5) '
	  . join(' UNION ALL ', @selects) . " RETURNING seq;\n";
}

# a filtered kNN query on either index, its answer checked by the server
sub reader_statement
{
	my ($t, $ordered) = rand() < 0.5 ? ('th', 'true') : ('tv', 'false');
	my $p = 1 + int(rand($pool));
	my $c = int(rand(10));
	return "SELECT soak_check_knn('$t filtered knn', array_agg(id), array_agg(d), 10, $ordered) "
	  . "FROM (SELECT id, v <-> (SELECT v FROM pool WHERE pid = $p) AS d FROM $t "
	  . "WHERE cat = $c ORDER BY d LIMIT 10) s;\n";
}

sub write_file
{
	my ($path, @lines) = @_;
	open my $fh, '>', $path or die "cannot write $path: $!";
	print $fh @lines;
	close $fh or die "cannot write $path: $!";
	return;
}

my $dir = PostgreSQL::Test::Utils::tempdir('crash');
write_file("$dir/vacuum.sql",
	map { "VACUUM th;\nVACUUM tv;\nSELECT pg_sleep(0.3);\n" } 1 .. 2000);

sub max_seq
{
	return $primary->safe_psql('postgres', 'SELECT coalesce(max(seq), 0) FROM ledger');
}

# the table rows that differ from what the ledger says, by kind, and the
# rows compared: "missing|unexpected|changed|rows"
sub ledger_diff
{
	return $primary->safe_psql('postgres', <<'EOS');
WITH last AS (
  SELECT DISTINCT ON (tbl, id) tbl, id, op, rowmd5 FROM ledger ORDER BY tbl, id, seq DESC),
cur AS (
  SELECT 'th' AS tbl, id, md5(cat || ' ' || v::text) AS rowmd5 FROM th
  UNION ALL SELECT 'tv', id, md5(cat || ' ' || v::text) FROM tv)
SELECT count(*) FILTER (WHERE cur.id IS NULL AND l.op <> 'd') || '|' ||
       count(*) FILTER (WHERE cur.id IS NOT NULL AND (l.id IS NULL OR l.op = 'd')) || '|' ||
       count(*) FILTER (WHERE cur.id IS NOT NULL AND l.op <> 'd' AND cur.rowmd5 <> l.rowmd5) || '|' ||
       count(cur.id)
FROM last l FULL JOIN cur ON l.tbl = cur.tbl AND l.id = cur.id
EOS
}

# --- the rounds
my ($acked_total, $survived) = (0, 0);
for my $round (1 .. $rounds)
{
	my $start = max_seq();
	my @h;
	for my $w (1 .. $writers)
	{
		write_file("$dir/w$w.sql", map { writer_statement() } 1 .. $stmts);
		push @h, start_psql_file($primary, "$dir/w$w.sql", "$dir/w$w.out");
	}
	write_file("$dir/reader.sql",
		"SET enable_seqscan = off;\nSET hnsw.iterative_scan = strict_order;\n",
		map { reader_statement() } 1 .. 3000);
	my $reader = start_psql_file($primary, "$dir/reader.sql", "$dir/reader.out");
	my $vacuum = start_psql_file($primary, "$dir/vacuum.sql", "$dir/vacuum.out");

	# kill -9 at a random moment once the writers are committing
	my $t0 = time;
	sleep 0.05 while max_seq() < $start + 30 && time - $t0 < 60;
	my $delay = 0.3 + rand(5);
	sleep $delay;
	my $before = max_seq();
	my $down = restart_after_kill9($primary);
	$_->finish for @h, $reader, $vacuum;

	# what the clients saw
	my (@acked, @client_errors);
	for my $w (1 .. $writers)
	{
		push @acked, grep { /^\d+$/ } split /\n/, slurp_file("$dir/w$w.out");
	}
	for my $c ((map { "w$_" } 1 .. $writers), 'reader', 'vacuum')
	{
		push @client_errors, map { "$c: $_" } grep { /ERROR:/ } split /\n/,
		  slurp_file("$dir/$c.out.err");
	}
	my $cut = grep { $_->full_result(0) != 0 } @h;
	note sprintf('round %d: kill -9 %.1f s after the first commits (ledger at seq %d), '
		  . 'up again %.1f s later; %d ledger rows acknowledged',
		$round, $delay, $before, $down, scalar(@acked));
	is($cut, $writers, "round $round: the crash cut off every writer");
	is(scalar(@client_errors), 0, "round $round: no client saw an error other than the lost connection")
	  or diag(join("\n", @client_errors[ 0 .. ($#client_errors < 9 ? $#client_errors : 9) ]));

	# durability: acknowledged commits survived; nothing else is in the tables
	my $acked_list = join(',', @acked) || '0';
	my ($found, $unacked) = split /\|/, $primary->safe_psql('postgres', <<"EOS");
SELECT (SELECT count(*) FROM ledger WHERE seq = ANY('{$acked_list}'::bigint[])) || '|' ||
       (SELECT count(DISTINCT xact) FROM ledger WHERE seq > $start AND seq <> ALL('{$acked_list}'::bigint[]))
EOS
	is($found, scalar(@acked), "round $round: every acknowledged ledger row survived the crash");
	cmp_ok($unacked, '<=', $writers,
		"round $round: at most one unacknowledged transaction per writer committed ($unacked)");
	my ($missing, $unexpected, $changed, $rows) = split /\|/, ledger_diff();
	note "round $round: $rows rows compared with the ledger, $unacked committed transactions unacknowledged";
	is("$missing|$unexpected|$changed", '0|0|0',
		"round $round: the tables hold what the ledger says (missing|unexpected|changed)");
	$acked_total += @acked;

	# the indexes after recovery
	my $ok = index_check_clean($primary, 'th_v', "round $round: vectordb_index_check(th_v) is clean");
	$ok &= index_check_clean($primary, 'tv_v', "round $round: vectordb_index_check(tv_v) is clean");
	for my $case ([ 'th', $hnsw_settings ], [ 'tv', $ivf_settings ])
	{
		my ($t, $settings) = @$case;
		my $r = recall(knn($primary, table => $t, settings => $settings),
			knn($primary, table => $t, exact => 1));
		note sprintf('round %d: %s recall@10 %.4f', $round, $t, $r);
		$ok &= cmp_ok($r, '>=', 0.95, "round $round: $t recall\@10 >= 0.95");
	}
	# Rows changed in the round find themselves: every one through ivf
	# with all lists probed; through hnsw all but at most 0.5%, since a
	# graph node whose neighbors all pruned their links to it (later
	# inserts' heuristic) is unreachable until VACUUM reconnects it, which the
	# final check after a VACUUM asserts for every row
	for my $case ([ 'th', 'SET hnsw.ef_search = 1000;', 0.005 ],
		[ 'tv', "SET ivf.probes = $lists;", 0 ])
	{
		my ($t, $settings, $share) = @$case;
		my ($missed, $checked) = self_match_misses($primary, $t,
			"r.id IN (SELECT l.id FROM ledger l WHERE l.tbl = '$t' AND l.seq > $start)",
			settings => $settings);
		note sprintf('round %d: %d of %d %s rows changed in the round find themselves',
			$round, $checked - @$missed, $checked, $t);
		$ok &= $share == 0
		  ? is_deeply($missed, [],
			"round $round: each of the $checked $t rows changed in the round finds itself")
		  : cmp_ok(scalar(@$missed), '<=', $share * $checked,
			"round $round: all but at most ${\($share * 100)}% of the $checked $t rows changed in the round find themselves");
	}
	$survived++ if $ok;
}
note "$survived of $rounds rounds survived with clean checks; $acked_total ledger rows acknowledged in all";

# --- the standby followed through all of it
$primary->wait_for_catchup($standby);
for my $t ('th', 'tv', 'ledger')
{
	my $key = $t eq 'ledger' ? 'seq' : 'id';
	my $sql = "SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, ',' ORDER BY $key), '')) FROM $t t";
	my $p = $primary->safe_psql('postgres', $sql);
	is($standby->safe_psql('postgres', $sql), $p, "the standby's $t is the primary's ($p)");
}
for my $case ([ 'th', $hnsw_settings ], [ 'tv', $ivf_settings ])
{
	my ($t, $settings) = @$case;
	is_deeply(knn($standby, table => $t, settings => $settings),
		knn($primary, table => $t, settings => $settings),
		"the standby's $t index gives the primary's answers");
}
index_check_clean($standby, 'th_v', 'vectordb_index_check(th_v) is clean on the standby');
index_check_clean($standby, 'tv_v', 'vectordb_index_check(tv_v) is clean on the standby');

# every live row finds itself on the primary at the end, after a VACUUM:
# a row whose neighbors' lists all pruned their link to it since it was
# inserted is unreachable until VACUUM's reconnect pass gives it one
$primary->safe_psql('postgres', 'VACUUM th; VACUUM tv');
# (a VACUUM with few dead rows skips the index pass: its cleanup reconnects)
note 'hnsw: nodes a level-0 walk from the entry point misses after the final VACUUM: '
  . $primary->safe_psql('postgres', "SELECT unreachable FROM vectordb_index_stats('th_v')");
for my $case ([ 'th', 'hnsw', 'SET hnsw.ef_search = 1000;' ],
	[ 'tv', 'ivf', "SET ivf.probes = $lists;" ])
{
	my ($t, $am, $settings) = @$case;
	my ($missed, $checked) = self_match_misses($primary, $t, 'true', settings => $settings);
	note sprintf('%s: %d of %d rows find themselves at the end', $am, $checked - @$missed, $checked);
	is_deeply($missed, [], "$am: each of the $checked rows finds itself at the end");
}

server_log_clean($primary);
server_log_clean($standby);
stop_ok($standby);
stop_ok($primary);
done_testing();

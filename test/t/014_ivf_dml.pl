# ivf and data changes after CREATE INDEX.  (1) Rows inserted after the
# build are appended to their nearest list: each finds itself at
# ivf.probes = 1 (flat, sq8, pq).  (2) Four sessions insert concurrently,
# into a one-list index built on an empty table and into a 50-list index,
# while a fifth queries: afterwards a scan of every list returns each row
# exactly once and each row finds itself.  (3) DELETE + VACUUM: deleted rows
# never come back, VACUUM counts the live entries, and re-inserting as many
# rows reuses the freed space (the index grows by at most 10%); then
# inserts, deletes, VACUUM and queries at once; CREATE INDEX CONCURRENTLY and
# REINDEX CONCURRENTLY while rows are inserted.  (4) Little
# data: a build on an empty or a 10-row table says so in a NOTICE, has as
# many lists as rows, and answers exactly after inserts; sq8 and pq indexes
# built empty (or emptied by TRUNCATE) answer well once filled.  (5) UNLOGGED
# tables keep their rows and answers over a clean restart; after a crash they
# come back empty with an index that works once refilled.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use VectordbTap;

my $d    = 64;
my $n    = 8000;
my $nq   = 50;
my $node = vdb_node('ivf_dml');
my $data = gen_clustered(n => $n, nq => $nq, d => $d, seed => 14);
create_vector_table($node, 's', d => $d);
load_rows($node, 's', $data->{base}, $data->{cat}, 1);
create_queries($node, $data->{queries}, undef, 'q', d => $d);

# every row an index scan of all lists returns: (rows, distinct ids)
sub scan_all
{
	my ($table, $lists) = @_;
	return $node->safe_psql('postgres', <<"EOS");
SET enable_seqscan = off; SET ivf.probes = $lists;
SELECT count(*) || '|' || count(DISTINCT id) FROM
  (SELECT id FROM $table ORDER BY v <-> (SELECT v FROM q WHERE qid = 1) LIMIT 1000000) s
EOS
}

sub count_rows
{
	my ($table) = @_;
	my $c = $node->safe_psql('postgres', "SELECT count(*) FROM $table");
	return "$c|$c";
}

# --- (1) inserts after the build
create_vector_table($node, 't', d => $d);
$node->safe_psql('postgres', 'INSERT INTO t SELECT * FROM s WHERE id <= 4000');
for my $with ('quantizer = flat', 'quantizer = sq8', 'quantizer = pq')
{
	$node->safe_psql('postgres', <<"EOS");
DELETE FROM t WHERE id > 4000;
CREATE INDEX t_v ON t USING ivf (v vector_l2_ops) WITH (lists = 40, $with);
INSERT INTO t SELECT * FROM s WHERE id > 4000 AND id <= 5000;
EOS
	my ($missed, $checked) = self_lookup_misses($node, 't', 'r.id > 4000',
		settings => 'SET ivf.probes = 1;');
	is($checked, 1000, "$with: 1000 rows inserted after the build");
	is_deeply($missed, [], "$with: every inserted row finds itself at probes = 1");
	is(scan_all('t', 40), count_rows('t'), "$with: a scan of every list returns each row once");
	$node->safe_psql('postgres', 'DROP INDEX t_v');
}
$node->safe_psql('postgres', 'DROP TABLE t');

# --- (2) concurrent inserts
my $dir = PostgreSQL::Test::Utils::tempdir('sessions');
open my $rfh, '>', "$dir/reader.sql" or die $!;
print $rfh "SET enable_seqscan = off;\n";
for my $i (1 .. 200)
{
	my $qid = 1 + $i % $nq;
	print $rfh
	  "SELECT count(*) FROM (SELECT id FROM ct ORDER BY v <-> (SELECT v FROM q WHERE qid = $qid) LIMIT 10) x;\n";
}
close $rfh;

# name, rows in the table at build time, lists
for my $case ([ 'empty', 0, 20 ], [ 'built', 2000, 50 ])
{
	my ($name, $built, $lists) = @$case;
	create_vector_table($node, 'ct', d => $d);
	$node->safe_psql('postgres', <<"EOS");
INSERT INTO ct SELECT * FROM s WHERE id <= $built;
CREATE INDEX ct_v ON ct USING ivf (v vector_l2_ops) WITH (lists = $lists);
EOS
	my $index_lists = $built == 0 ? 1 : $lists;
	my @h;
	for my $w (0 .. 3)
	{
		open my $fh, '>', "$dir/$name$w.sql" or die $!;
		for (my $a = $built + 1; $a <= $n; $a += 4)
		{
			my $b = $a + 3;
			print $fh
			  "INSERT INTO ct SELECT * FROM s WHERE id BETWEEN $a AND $b AND id % 4 = $w;\n";
		}
		close $fh;
		push @h, [ "writer$w", start_psql_file($node, "$dir/$name$w.sql", "$dir/$name$w.out") ];
	}
	push @h, [ 'reader', start_psql_file($node, "$dir/reader.sql", "$dir/$name.reader.out") ];
	my $t0 = time;
	for my $s (@h)
	{
		my ($who, $h) = @$s;
		$h->finish;
		is($h->result(0), 0, "$name: $who session succeeded")
		  or diag(slurp_file(
			"$dir/" . ($who eq 'reader' ? "$name.reader" : $name . substr($who, -1)) . '.out.err'));
	}
	note sprintf('%s: %d rows inserted by 4 sessions in %.1f s', $name, $n - $built, time - $t0);
	my @counts = split /\n/, slurp_file("$dir/$name.reader.out");
	is(scalar(@counts), 200, "$name: the reader ran its 200 queries");
	# a table that starts empty has fewer than 10 rows for a while
	is(scalar(grep { $_ == 10 } @counts), 200,
		"$name: every query during the inserts returned 10 rows")
	  if $built >= 10;
	is($node->safe_psql('postgres', 'SELECT count(*) FROM ct'), $n, "$name: every row is in the table");
	is(scan_all('ct', $index_lists), "$n|$n",
		"$name: a scan of every list returns each of the $n rows once");
	my ($missed, $checked) = self_lookup_misses($node, 'ct', "r.id > $built",
		settings => "SET ivf.probes = $index_lists;");
	is_deeply($missed, [], "$name: each of $checked inserted rows finds itself at probes = lists");
	($missed, $checked) = self_lookup_misses($node, 'ct', "r.id > $built AND r.id % 7 = 0",
		settings => 'SET ivf.probes = 1;');
	is_deeply($missed, [], "$name: each of $checked sampled inserted rows finds itself at probes = 1");
	next if $name eq 'empty';

	# --- (3) DELETE + VACUUM on the 50-list index
	my $size0 = index_size($node, 'ct_v');
	$node->safe_psql('postgres', 'DELETE FROM ct WHERE id % 10 < 3');
	my $live = $node->safe_psql('postgres', 'SELECT count(*) FROM ct');
	my ($ret, $out, $err) = $node->psql('postgres', 'VACUUM (VERBOSE) ct');
	is($ret, 0, 'VACUUM succeeds');
	is($node->safe_psql('postgres', "SELECT reltuples::bigint FROM pg_class WHERE relname = 'ct_v'"),
		$live, 'VACUUM counts the live entries of the index (pg_class.reltuples)');
	is(scan_all('ct', $lists), "$live|$live",
		'after VACUUM a scan of every list returns each live row once');
	my $approx = knn($node, table => 'ct', settings => 'SET ivf.probes = 5;');
	is(scalar(grep { $_ % 10 < 3 } map { @$_ } values %$approx),
		0, 'no deleted row is returned');
	my $r = recall($approx, knn($node, table => 'ct', exact => 1));
	note sprintf('recall@10 %.4f at probes 5 after DELETE and VACUUM', $r);
	cmp_ok($r, '>=', 0.95, 'recall@10 >= 0.95 at probes 5 after DELETE and VACUUM');

	# the same vectors come back under new ids
	$node->safe_psql('postgres',
		'INSERT INTO ct SELECT id + 100000, cat, v FROM s WHERE id % 10 < 3');
	my $size1 = index_size($node, 'ct_v');
	note sprintf('index: %d kB after inserts, %d kB after deleting 30%%, vacuuming and re-inserting as many',
		$size0 / 1024, $size1 / 1024);
	cmp_ok($size1, '<=', 1.10 * $size0,
		're-inserting as many rows as VACUUM removed grows the index by at most 10%');
	is(scan_all('ct', $lists), "$n|$n", 'after re-inserting a scan of every list returns each row once');
	($missed, $checked) = self_lookup_misses($node, 'ct', 'r.id > 100000',
		settings => 'SET ivf.probes = 1;');
	is_deeply($missed, [], "each of $checked re-inserted rows finds itself at probes = 1");

	# delete everything, vacuum, refill
	$node->safe_psql('postgres', 'DELETE FROM ct; VACUUM ct;');
	is(scan_all('ct', $lists), '0|0', 'an emptied index returns nothing');
	$node->safe_psql('postgres', 'INSERT INTO ct SELECT * FROM s');
	my $size2 = index_size($node, 'ct_v');
	note sprintf('index: %d kB after deleting every row, vacuuming and refilling', $size2 / 1024);
	cmp_ok($size2, '<=', 1.10 * $size1,
		'refilling an emptied and vacuumed index grows it by at most 10%');
	is(scan_all('ct', $lists), "$n|$n", 'after refilling a scan of every list returns each row once');

	# inserts, deletes, VACUUM and queries at once: the rows with id % 5 = 2
	# are deleted while copies of them come in under new ids
	open my $ifh, '>', "$dir/ins.sql" or die $!;
	for (my $a = 1; $a <= $n; $a += 20)
	{
		my $b = $a + 19;
		print $ifh "INSERT INTO ct SELECT id + 300000, cat, v FROM s WHERE id BETWEEN $a AND $b AND id % 5 = 2;\n";
	}
	close $ifh;
	open my $dfh, '>', "$dir/del.sql" or die $!;
	for (my $a = 1; $a <= $n; $a += 50)
	{
		my $b = $a + 49;
		print $dfh "DELETE FROM ct WHERE id BETWEEN $a AND $b AND id % 5 = 2;\n";
	}
	close $dfh;
	open my $vfh, '>', "$dir/vac.sql" or die $!;
	print $vfh "SELECT pg_sleep(0.1);\nVACUUM ct;\n" x 3;
	close $vfh;
	my @mixed;
	for my $who ('ins', 'del', 'vac', 'reader')
	{
		push @mixed, [ $who, start_psql_file($node, "$dir/$who.sql", "$dir/$who.mixed.out") ];
	}
	for my $s (@mixed)
	{
		my ($who, $h) = @$s;
		$h->finish;
		is($h->result(0), 0, "mixed: $who session succeeded")
		  or diag(slurp_file("$dir/$who.mixed.out.err"));
	}
	is(scalar(grep { $_ == 10 } split /\n/, slurp_file("$dir/reader.mixed.out")), 200,
		'mixed: every query returned 10 rows');
	$node->safe_psql('postgres', 'VACUUM ct');
	my $rows = $node->safe_psql('postgres', 'SELECT count(*) FROM ct');
	# as many rows inserted as deleted
	is($rows, $n, 'mixed: the table has the expected rows');
	is(scan_all('ct', $lists), "$rows|$rows", 'mixed: a scan of every list returns each row once');
	$approx = knn($node, table => 'ct', settings => 'SET ivf.probes = 5;');
	is(scalar(grep { $_ < 300000 && $_ % 5 == 2 } map { @$_ } values %$approx),
		0, 'mixed: no deleted row is returned');
	($missed, $checked) = self_lookup_misses($node, 'ct', 'r.id > 300000',
		settings => 'SET ivf.probes = 1;');
	is_deeply($missed, [], "mixed: each of $checked rows inserted alongside VACUUM finds itself");
}
continue
{
	$node->safe_psql('postgres', 'DROP TABLE ct');
}

# CREATE INDEX CONCURRENTLY and REINDEX CONCURRENTLY while rows come in
create_vector_table($node, 'ci', d => $d);
$node->safe_psql('postgres', 'INSERT INTO ci SELECT * FROM s WHERE id <= 4000');
open my $cfh, '>', "$dir/cic.sql" or die $!;
print $cfh "INSERT INTO ci SELECT * FROM s WHERE id = $_;\n" for 4001 .. $n;
close $cfh;
my $ch = start_psql_file($node, "$dir/cic.sql", "$dir/cic.out");
my $started = $node->safe_psql('postgres', 'SELECT count(*) FROM ci');
$node->safe_psql('postgres',
	'CREATE INDEX CONCURRENTLY ci_v ON ci USING ivf (v vector_l2_ops) WITH (lists = 40, quantizer = sq8)');
my $during = $node->safe_psql('postgres', 'SELECT count(*) FROM ci');
$ch->finish;
note "CREATE INDEX CONCURRENTLY started with $started and finished with $during of $n rows in the table";
is($ch->result(0), 0, 'the insert session during CREATE INDEX CONCURRENTLY succeeded')
  or diag(slurp_file("$dir/cic.out.err"));
is($node->safe_psql('postgres',
	"SELECT indisvalid FROM pg_index WHERE indexrelid = 'ci_v'::regclass"),
	't', 'the concurrently built index is valid');
is(scan_all('ci', 40), "$n|$n", 'the concurrently built index holds each row once');
my ($cmissed, $cchecked) = self_lookup_misses($node, 'ci', 'r.id > 4000',
	settings => 'SET ivf.probes = 40;');
is_deeply($cmissed, [], "each of $cchecked rows inserted around CREATE INDEX CONCURRENTLY finds itself");
$node->safe_psql('postgres', 'REINDEX INDEX CONCURRENTLY ci_v');
is(scan_all('ci', 40), "$n|$n", 'after REINDEX CONCURRENTLY the index holds each row once');
$node->safe_psql('postgres', 'DROP TABLE ci');

# --- (4) little data
create_vector_table($node, 'e', d => $d);
my ($ret, $out, $err) = $node->psql('postgres',
	'CREATE INDEX e_v ON e USING ivf (v vector_l2_ops) WITH (lists = 20)');
is($ret, 0, 'an ivf index can be built on an empty table');
like($err, qr/NOTICE:  ivf index created with little data/, 'with a NOTICE about little data');
like($err, qr/0 rows for 20 lists, so the index has 1 lists/, 'the NOTICE gives the lists the index has');
$node->safe_psql('postgres', 'INSERT INTO e SELECT * FROM s WHERE id <= 3000; ANALYZE e');
is_deeply(knn($node, table => 'e'), knn($node, table => 'e', exact => 1),
	'the one-list index built empty answers exactly after inserts');

create_vector_table($node, 'few', d => $d);
$node->safe_psql('postgres', 'INSERT INTO few SELECT * FROM s WHERE id <= 10');
($ret, $out, $err) = $node->psql('postgres',
	'CREATE INDEX few_v ON few USING ivf (v vector_l2_ops) WITH (lists = 20)');
like($err, qr/10 rows for 20 lists, so the index has 10 lists/,
	'a 10-row table gets a 10-list index and a NOTICE');
my ($missed, $checked) = self_lookup_misses($node, 'few', 'true',
	settings => 'SET ivf.probes = 1;');
is_deeply($missed, [], 'each of the 10 rows is its own list and finds itself at probes = 1');
$node->safe_psql('postgres', 'INSERT INTO few SELECT * FROM s WHERE id > 10 AND id <= 3000; ANALYZE few');
is_deeply(knn($node, table => 'few', settings => 'SET ivf.probes = 10;'),
	knn($node, table => 'few', exact => 1),
	'the 10-list index answers exactly at probes = 10 after inserts');
is(scan_all('few', 20), '3000|3000', 'probes above the lists the index has is fine');

# TRUNCATE empties the index and it is refilled
$node->safe_psql('postgres', 'TRUNCATE few; INSERT INTO few SELECT * FROM s WHERE id > 5000; ANALYZE few');
is_deeply(knn($node, table => 'few'), knn($node, table => 'few', exact => 1),
	'after TRUNCATE and refilling the flat index answers exactly');

# sq8 and pq indexes built with no rows have no trained quantizer; once
# filled they should still find neighbours (re-ranking reads the table)
for my $with ('quantizer = sq8', 'quantizer = pq')
{
	$node->safe_psql('postgres', <<"EOS");
TRUNCATE e;
DROP INDEX e_v;
CREATE INDEX e_v ON e USING ivf (v vector_l2_ops) WITH (lists = 20, $with);
INSERT INTO e SELECT * FROM s WHERE id <= 3000;
ANALYZE e;
EOS
	my $r = recall(knn($node, table => 'e'), knn($node, table => 'e', exact => 1));
	note sprintf('%s built on an empty table, then filled: recall@10 %.4f', $with, $r);
	cmp_ok($r, '>=', 0.9, "$with built on an empty table: recall\@10 >= 0.9 once filled");
}
# ... and the same after TRUNCATE of a table whose sq8 index was trained
$node->safe_psql('postgres', <<'EOS');
TRUNCATE e;
INSERT INTO e SELECT * FROM s WHERE id <= 3000;
DROP INDEX e_v;
CREATE INDEX e_v ON e USING ivf (v vector_l2_ops) WITH (lists = 20, quantizer = sq8);
EOS
my $r = recall(knn($node, table => 'e', settings => 'SET ivf.probes = 5;'),
	knn($node, table => 'e', exact => 1));
note sprintf('sq8 trained on 3000 rows: recall@10 %.4f at probes 5', $r);
cmp_ok($r, '>=', 0.9, 'sq8 trained on 3000 rows: recall@10 >= 0.9 at probes 5');
$node->safe_psql('postgres', 'TRUNCATE e; INSERT INTO e SELECT * FROM s WHERE id <= 3000; ANALYZE e');
$r = recall(knn($node, table => 'e', settings => 'SET ivf.probes = 5;'),
	knn($node, table => 'e', exact => 1));
note sprintf('sq8 after TRUNCATE and refilling: recall@10 %.4f', $r);
cmp_ok($r, '>=', 0.9, 'sq8 after TRUNCATE and refilling: recall@10 >= 0.9');

# --- (5) UNLOGGED tables
for my $q ('flat', 'sq8')
{
	create_vector_table($node, "u_$q", d => $d, unlogged => 1);
	$node->safe_psql('postgres', <<"EOS");
INSERT INTO u_$q SELECT * FROM s WHERE id <= 3000;
CREATE INDEX u_${q}_v ON u_$q USING ivf (v vector_l2_ops) WITH (lists = 20, quantizer = $q);
INSERT INTO u_$q SELECT * FROM s WHERE id > 3000 AND id <= 4000;
ANALYZE u_$q;
EOS
}
$node->safe_psql('postgres', <<'EOS');
CREATE INDEX s_v ON s USING ivf (v vector_l2_ops) WITH (lists = 40);
EOS
my %before = map { $_ => knn($node, table => $_, settings => 'SET ivf.probes = 3;') }
  ('u_flat', 'u_sq8', 's');
for my $u ('u_flat', 'u_sq8')
{
	$r = recall($before{$u}, knn($node, table => $u, exact => 1));
	cmp_ok($r, '>=', 0.95, "$u: recall\@10 >= 0.95 at probes 3 before any restart");
}

$node->restart;
for my $u ('u_flat', 'u_sq8')
{
	is($node->safe_psql('postgres', "SELECT count(*) FROM $u"), '4000',
		"$u: a clean restart keeps the unlogged rows");
	is_deeply(knn($node, table => $u, settings => 'SET ivf.probes = 3;'),
		$before{$u}, "$u: answers are unchanged by a clean restart");
}

$node->stop('immediate', fail_ok => 1);
$node->start;
for my $u ('u_flat', 'u_sq8')
{
	is($node->safe_psql('postgres', "SELECT count(*) FROM $u"), '0',
		"$u: the unlogged table is empty after a crash");
	like(explain_plan($node, table => $u), qr/Index Scan using ${u}_v on $u/,
		"$u: queries on the reset table use its index");
	my $none = knn($node, table => $u);
	is(scalar(grep { @{ $none->{$_} } } keys %$none), 0, "$u: the reset index returns nothing");
	$node->safe_psql('postgres', "INSERT INTO $u SELECT * FROM s WHERE id <= 4000; ANALYZE $u");
	$r = recall(knn($node, table => $u), knn($node, table => $u, exact => 1));
	note sprintf('%s: recall@10 %.4f after refilling the reset index', $u, $r);
	cmp_ok($r, '>=', 0.9, "$u: recall\@10 >= 0.9 after refilling the reset index");
	is(scan_all($u, 20), '4000|4000', "$u: a scan of every list returns each refilled row once");
}
is_deeply(knn($node, table => 's', settings => 'SET ivf.probes = 3;'),
	$before{s}, 'the logged table answers as before the crash');

server_log_clean($node);
stop_ok($node);
done_testing();

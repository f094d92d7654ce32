# hnsw inserts after build: the index is built on 8,000 rows, then four
# sessions insert the other 8,000 concurrently (small autocommit batches)
# while a fifth runs kNN queries; afterwards recall@10 >= 0.95 against exact
# answers, every sampled inserted row is reachable, and vectordb_index_check
# is clean.  A second phase runs inserts, deletes, VACUUM and queries at once
# and checks the same; a third builds the index with CREATE INDEX
# CONCURRENTLY and REINDEX CONCURRENTLY while rows are inserted and queried.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use VectordbTap;

my $n       = 16000;
my $half    = $n / 2;
my $writers = 4;
my $node    = vdb_node('concurrent');
my $extra   = 4000;    # rows for the second phase
my $data    = gen_clustered(n => $n + $extra, nq => 100, seed => 3);
create_vector_table($node, 's');
load_rows($node, 's', $data->{base}, $data->{cat}, 1);
create_queries($node, $data->{queries});
create_vector_table($node, 't');
$node->safe_psql('postgres', <<"EOS");
INSERT INTO t SELECT * FROM s WHERE id <= $half;
CREATE INDEX t_v ON t USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64);
EOS
index_check_clean($node, 't_v', 'check is clean after the build on half the rows');

my $dir = PostgreSQL::Test::Utils::tempdir('sessions');
my @sessions;
for my $w (0 .. $writers - 1)
{
	open my $fh, '>', "$dir/writer$w.sql" or die $!;
	for (my $a = $half + 1; $a <= $n; $a += 100)
	{
		my $b = $a + 99;
		print $fh
		  "INSERT INTO t SELECT * FROM s WHERE id BETWEEN $a AND $b AND id % $writers = $w;\n";
	}
	close $fh;
}
open my $rfh, '>', "$dir/reader.sql" or die $!;
print $rfh "SET enable_seqscan = off;\n";
for my $i (1 .. 300)
{
	my $qid = 1 + $i % 100;
	print $rfh
	  "SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> (SELECT v FROM q WHERE qid = $qid) LIMIT 10) x;\n";
}
close $rfh;

my $t0 = time;
for my $name ((map { "writer$_" } 0 .. $writers - 1), 'reader')
{
	push @sessions,
	  [ $name, start_psql_file($node, "$dir/$name.sql", "$dir/$name.out") ];
}
for my $s (@sessions)
{
	my ($name, $h) = @$s;
	$h->finish;
	is($h->result(0), 0, "$name session succeeded")
	  or diag(slurp_file("$dir/$name.out.err"));
}
note sprintf('%d rows inserted by %d sessions in %.1f s',
	$n - $half, $writers, time - $t0);
my @counts = split /\n/, slurp_file("$dir/reader.out");
is(scalar(grep { $_ == 10 } @counts), 300,
	'every query during the inserts returned 10 rows');

is($node->safe_psql('postgres', "SELECT count(*) FROM t"), $n, 'all rows are in the table');
index_check_clean($node, 't_v', 'check is clean after the concurrent inserts');

my $r = recall(knn($node), knn($node, exact => 1));
note sprintf('recall@10 %.4f after concurrent inserts', $r);
cmp_ok($r, '>=', 0.95, 'recall@10 >= 0.95 after concurrent inserts');

my ($missed, $checked) =
  self_lookup_misses($node, 't', "r.id > $half AND r.id % 20 = 0");
is_deeply($missed, [], "each of $checked sampled inserted rows finds itself through the index");

# Phase 2: two sessions insert 4,000 more rows while a third deletes a third
# of the built rows in batches, a fourth runs VACUUM three times and a fifth
# queries
my @phase2;
for my $w (0 .. 1)
{
	open my $fh, '>', "$dir/ins$w.sql" or die $!;
	for (my $a = $n + 1; $a <= $n + $extra; $a += 50)
	{
		my $b = $a + 49;
		print $fh
		  "INSERT INTO t SELECT * FROM s WHERE id BETWEEN $a AND $b AND id % 2 = $w;\n";
	}
	close $fh;
}
open my $dfh, '>', "$dir/del.sql" or die $!;
for (my $a = 1; $a <= $half; $a += 150)
{
	my $b = $a + 149 < $half ? $a + 149 : $half;
	print $dfh "DELETE FROM t WHERE id BETWEEN $a AND $b AND id % 3 = 0;\n";
}
close $dfh;
open my $vfh, '>', "$dir/vac.sql" or die $!;
print $vfh "SELECT pg_sleep(0.2);\nVACUUM t;\n" x 3;
close $vfh;
$t0 = time;
for my $name ('ins0', 'ins1', 'del', 'vac', 'reader')
{
	push @phase2,
	  [ $name, start_psql_file($node, "$dir/$name.sql", "$dir/$name.2.out") ];
}
for my $s (@phase2)
{
	my ($name, $h) = @$s;
	$h->finish;
	is($h->result(0), 0, "phase 2: $name session succeeded")
	  or diag(slurp_file("$dir/$name.2.out.err"));
}
note sprintf('phase 2 (inserts, deletes, VACUUM, queries at once): %.1f s', time - $t0);
@counts = split /\n/, slurp_file("$dir/reader.2.out");
is(scalar(grep { $_ == 10 } @counts), 300,
	'phase 2: every query returned 10 rows');
my $deleted = int($half / 3);
is($node->safe_psql('postgres', 'SELECT count(*) FROM t'),
	$n + $extra - $deleted, 'phase 2: the table has the expected rows');
index_check_clean($node, 't_v', 'check is clean after phase 2');
$node->safe_psql('postgres', 'VACUUM t');
index_check_clean($node, 't_v', 'check is clean after a final VACUUM');
my $approx = knn($node);
$r = recall($approx, knn($node, exact => 1));
note sprintf('recall@10 %.4f after phase 2', $r);
cmp_ok($r, '>=', 0.95, 'recall@10 >= 0.95 after phase 2');
is(scalar(grep { $_ <= $half && $_ % 3 == 0 } map { @$_ } values %$approx),
	0, 'no deleted row is returned');
($missed, $checked) =
  self_lookup_misses($node, 't', "r.id % 25 = 1");
is_deeply($missed, [], "phase 2: each of $checked sampled rows finds itself through the index");

# Phase 3: CREATE INDEX CONCURRENTLY and REINDEX CONCURRENTLY while a
# session re-inserts the deleted vectors under new ids (and, for the
# REINDEX, another queries): rows inserted during the build are indexed
open my $rifh, '>', "$dir/reins.sql" or die $!;
for (my $a = 1; $a <= $half; $a += 60)
{
	my $b = $a + 59;
	print $rifh "INSERT INTO t SELECT id + 1000000, cat, v FROM s "
	  . "WHERE id BETWEEN $a AND $b AND id <= $half AND id % 3 = 0;\n";
}
close $rifh;
my $rh = start_psql_file($node, "$dir/reins.sql", "$dir/reins.out");
$t0 = time;
$node->safe_psql('postgres',
	'CREATE INDEX CONCURRENTLY t_v2 ON t USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64)'
);
note sprintf('CREATE INDEX CONCURRENTLY: %.1f s', time - $t0);
$rh->finish;
is($rh->result(0), 0, 'phase 3: the re-insert session succeeded')
  or diag(slurp_file("$dir/reins.out.err"));
is($node->safe_psql('postgres',
	"SELECT indisvalid FROM pg_index WHERE indexrelid = 't_v2'::regclass"),
	't', 'the concurrently built index is valid');
$node->safe_psql('postgres', 'DROP INDEX t_v');
is($node->safe_psql('postgres', 'SELECT count(*) FROM t'), $n + $extra, 'phase 3: every row is back');
index_check_clean($node, 't_v2', 'check is clean on the concurrently built index');
$r = recall(knn($node), knn($node, exact => 1));
note sprintf('recall@10 %.4f with the concurrently built index', $r);
cmp_ok($r, '>=', 0.95, 'recall@10 >= 0.95 with the concurrently built index');
($missed, $checked) = self_lookup_misses($node, 't', 'r.id > 1000000 AND r.id % 5 = 0');
is_deeply($missed, [], "each of $checked sampled rows inserted during CREATE INDEX CONCURRENTLY finds itself");

$rh = start_psql_file($node, "$dir/reader.sql", "$dir/reader.3.out");
$node->safe_psql('postgres', 'REINDEX INDEX CONCURRENTLY t_v2');
$rh->finish;
is($rh->result(0), 0, 'queries during REINDEX CONCURRENTLY succeeded')
  or diag(slurp_file("$dir/reader.3.out.err"));
@counts = split /\n/, slurp_file("$dir/reader.3.out");
is(scalar(grep { $_ == 10 } @counts), 300,
	'every query during REINDEX CONCURRENTLY returned 10 rows');
index_check_clean($node, 't_v2', 'check is clean after REINDEX CONCURRENTLY');
$r = recall(knn($node), knn($node, exact => 1));
cmp_ok($r, '>=', 0.95, 'recall@10 >= 0.95 after REINDEX CONCURRENTLY');

server_log_clean($node);
stop_ok($node);
done_testing();

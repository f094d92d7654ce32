# hnsw inserts after build: the index is built on 8,000 rows, then four
# sessions insert the other 8,000 concurrently (small autocommit batches)
# while a fifth runs kNN queries; afterwards recall@10 >= 0.95 against exact
# answers, every inserted row is reachable, and vectordb_index_check is clean.
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
my $data    = gen_clustered(n => $n, nq => 100, seed => 3);
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

is($node->safe_psql('postgres', 'SELECT count(*) FROM t'), $n, 'all rows are in the table');
index_check_clean($node, 't_v', 'check is clean after the concurrent inserts');

my $r = recall(knn($node), knn($node, exact => 1));
note sprintf('recall@10 %.4f after concurrent inserts', $r);
cmp_ok($r, '>=', 0.95, 'recall@10 >= 0.95 after concurrent inserts');

my ($missed, $checked) =
  self_lookup_misses($node, 't', "r.id > $half AND r.id % 20 = 0");
is_deeply($missed, [], "each of $checked sampled inserted rows finds itself through the index");

server_log_clean($node);
stop_ok($node);
done_testing();

# hnsw with many identical vectors (the same text embedded twice, the
# embedding of an empty document...).  200 copies of one row's vector in the
# build and 200 copies of the data's centroid inserted afterwards: a LIMIT as
# large as the number of copies returns every copy (all at distance 0), the
# other rows keep their recall and stay reachable (each finds itself through
# the index at ef_search = 1000, as they all do without the copies), and
# after deleting half the copies and VACUUM the rest are still found.
# pgvector keeps identical vectors in one graph element, so copies cost its
# graph nothing.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VectordbTap;

my $n     = 5000;
my $ncopy = 200;
my $node  = vdb_node('duplicates');
my $data  = gen_clustered(n => $n, nq => 50, seed => 11);
create_vector_table($node, 't');
load_rows($node, 't', $data->{base}, $data->{cat}, 1);
create_queries($node, $data->{queries});
# control: the same rows without copies
$node->safe_psql('postgres',
	'CREATE INDEX t_v ON t USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64)');
my $r0 = recall(knn($node), knn($node, exact => 1));
my ($missed0, $checked0) = self_lookup_misses($node, 't', 'r.id % 10 = 3');
note sprintf('control without copies: recall@10 %.4f, %d of %d sampled rows do not find themselves',
	$r0, scalar(@$missed0), $checked0);
$node->safe_psql('postgres', 'DROP INDEX t_v');

# copies of row 1's vector before the build, of the centroid after it
$node->safe_psql('postgres', <<"EOS");
INSERT INTO t SELECT 100000 + g, cat, v FROM t, generate_series(1, $ncopy) g WHERE id = 1;
CREATE INDEX t_v ON t USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64);
EOS
my $exact_before = knn($node, exact => 1);
my $r_before = recall(knn($node), $exact_before);
note sprintf('recall@10 %.4f with %d copies of one vector in the build', $r_before, $ncopy);
$node->safe_psql('postgres', <<"EOS");
INSERT INTO t SELECT 200000 + g, 0, c.v
FROM (SELECT avg(v) AS v FROM t WHERE id <= $n) c, generate_series(1, $ncopy) g;
EOS
index_check_clean($node, 't_v');

# how many of the rows with row ID's vector (itself and its copies) come
# back at distance 0 under LIMIT (number of such rows)
sub copies_found
{
	my ($id, $want, $settings) = @_;
	my $out = $node->safe_psql('postgres', <<"EOS");
SET enable_seqscan = off;
$settings
SELECT count(*) FILTER (WHERE d = 0)
FROM (SELECT t.v <-> r.v AS d FROM t, (SELECT v FROM t WHERE id = $id) r
      ORDER BY t.v <-> r.v LIMIT $want) x;
EOS
	return $out;
}

for my $case ([ 'built', 1, $ncopy + 1 ], [ 'inserted', 200001, $ncopy ])
{
	my ($label, $id, $want) = @$case;
	for my $mode ('strict_order', 'relaxed_order')
	{
		my $found = copies_found($id, $want, "SET hnsw.iterative_scan = $mode;");
		note sprintf('%s copies, %s: %d of %d found at distance 0',
			$label, $mode, $found, $want);
		is($found, $want, "$label copies, $mode: every copy is returned");
	}
}

my $r_after = recall(knn($node), knn($node, exact => 1));
note sprintf('recall@10 %.4f after inserting %d copies of the centroid', $r_after, $ncopy);
cmp_ok($r_before, '>=', 0.95, 'recall@10 >= 0.95 with copies in the build');
cmp_ok($r_after,  '>=', 0.95, 'recall@10 >= 0.95 after inserting copies');
my ($missed, $checked) = self_lookup_misses($node, 't', 'r.id <= 5000 AND r.id % 10 = 3');
note sprintf('%d of %d sampled rows do not find themselves', scalar(@$missed), $checked);
is_deeply($missed, [], "each of $checked sampled other rows finds itself through the index");

$node->safe_psql('postgres',
	'DELETE FROM t WHERE id > 100000 AND id % 2 = 0; VACUUM t;');
index_check_clean($node, 't_v', 'check is clean after deleting half the copies');
for my $case ([ 'built', 1, $ncopy / 2 + 1 ], [ 'inserted', 200001, $ncopy / 2 ])
{
	my ($label, $id, $want) = @$case;
	is(copies_found($id, $want, 'SET hnsw.iterative_scan = relaxed_order;'),
		$want, "$label copies: every remaining copy is found after VACUUM");
}

server_log_clean($node);
stop_ok($node);
done_testing();

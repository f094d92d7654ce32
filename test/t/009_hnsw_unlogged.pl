# hnsw on UNLOGGED tables: after an immediate stop (crash) the table comes
# back empty and its index (one built over rows, one built on an empty table)
# comes back as a valid empty index that takes inserts and answers queries;
# a logged table's index beside it is untouched.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VectordbTap;

my $node = vdb_node('unlogged');
my $data = gen_clustered(n => 4000, nq => 50, seed => 9);
create_vector_table($node, 's');
load_rows($node, 's', $data->{base}, $data->{cat}, 1);
create_queries($node, $data->{queries});
create_vector_table($node, 'u',     unlogged => 1);
create_vector_table($node, 'empty', unlogged => 1);
$node->safe_psql('postgres', <<'EOS');
INSERT INTO u SELECT * FROM s WHERE id <= 2000;
CREATE INDEX u_v ON u USING hnsw (v vector_l2_ops);
CREATE INDEX empty_v ON empty USING hnsw (v vector_l2_ops);
CREATE INDEX s_v ON s USING hnsw (v vector_l2_ops);
INSERT INTO u SELECT * FROM s WHERE id > 2000 AND id <= 3000;
INSERT INTO empty SELECT * FROM s WHERE id <= 500;
EOS
my $r = recall(knn($node, table => 'u'), knn($node, table => 'u', exact => 1));
cmp_ok($r, '>=', 0.95, 'unlogged table: recall@10 >= 0.95 before the crash');
my $s_before = knn($node, table => 's');

$node->stop('immediate', fail_ok => 1);
$node->start;

is($node->safe_psql('postgres', 'SELECT count(*) FROM u'), '0', 'the unlogged table is empty after the crash');
is($node->safe_psql('postgres', 'SELECT count(*) FROM empty'), '0', 'so is the one indexed while empty');
for my $idx ('u_v', 'empty_v')
{
	index_check_clean($node, $idx, "$idx: check is clean on the reset index");
}
like(explain_plan($node, table => 'u'), qr/Index Scan using u_v on u/, 'queries on the reset table use its index');
my $none = knn($node, table => 'u');
is(scalar(grep { @{ $none->{$_} } } keys %$none), 0, 'the reset index returns nothing');

$node->safe_psql('postgres', <<'EOS');
INSERT INTO u SELECT * FROM s WHERE id > 1000;
INSERT INTO empty SELECT * FROM s WHERE id <= 2000;
EOS
for my $t ('u', 'empty')
{
	$r = recall(knn($node, table => $t), knn($node, table => $t, exact => 1));
	note sprintf('%s: recall@10 %.4f after refilling', $t, $r);
	cmp_ok($r, '>=', 0.95, "$t: recall\@10 >= 0.95 after refilling the reset index");
	index_check_clean($node, "${t}_v", "${t}_v: check is clean after refilling");
	my ($missed, $checked) = self_lookup_misses($node, $t, 'r.id % 10 = 0');
	is_deeply($missed, [], "$t: each of $checked sampled rows finds itself");
}

is_deeply(knn($node, table => 's'), $s_before, 'the logged table answers as before the crash');
index_check_clean($node, 's_v', 'the logged table\'s index is clean');

# a clean restart keeps unlogged data
$node->restart;
is($node->safe_psql('postgres', 'SELECT count(*) FROM u'), '3000', 'a clean restart keeps the unlogged rows');
index_check_clean($node, 'u_v', 'u_v: check is clean after a clean restart');

server_log_clean($node);
stop_ok($node);
done_testing();

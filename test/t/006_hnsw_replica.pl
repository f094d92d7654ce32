# hnsw on a streaming replica.  The standby is made from a base backup taken
# before the index exists, so the build, later inserts, deletes and VACUUM
# all reach it through WAL only.  After each step and wait_for_catchup, the
# same kNN queries return the same ids in the same order on both servers.
# A sparsevec(30522) index goes through the same steps.  Then the standby is
# promoted: it takes inserts, and its UNLOGGED tables come up empty with
# working indexes (their init forks too came by WAL only).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VectordbTap;

my $n       = 10000;
my $primary = vdb_node('primary', allows_streaming => 1);
my $data    = gen_clustered(n => $n, nq => 50, seed => 6);
create_vector_table($primary, 's');
load_rows($primary, 's', $data->{base}, $data->{cat}, 1);
create_queries($primary, $data->{queries});
create_vector_table($primary, 't');
$primary->safe_psql('postgres', 'INSERT INTO t SELECT * FROM s WHERE id <= 6000');

$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

sub same_answers
{
	my ($what) = @_;
	$primary->wait_for_catchup($standby);
	for my $case ([ 'ef_search 40', '' ], [ 'ef_search 200', 'SET hnsw.ef_search = 200;' ],
		[ 'filtered', '', 't.cat < 5' ])
	{
		my ($label, $settings, $where) = @$case;
		my %args = (settings => $settings, defined $where ? (where => $where) : ());
		my $p = knn($primary, %args);
		my $s = knn($standby, %args);
		is_deeply($s, $p, "$what: $label answers are identical on the standby");
	}
	return;
}

$primary->safe_psql('postgres',
	'CREATE INDEX t_v ON t USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64)'
);
# UNLOGGED tables: only their indexes' init forks reach the standby, by WAL
create_vector_table($primary, 'u',     unlogged => 1);
create_vector_table($primary, 'uempty', unlogged => 1);
$primary->safe_psql('postgres', <<'EOS');
INSERT INTO u SELECT * FROM s WHERE id <= 1000;
CREATE INDEX u_v ON u USING hnsw (v vector_l2_ops);
CREATE INDEX uempty_v ON uempty USING hnsw (v vector_l2_ops);
EOS
$primary->wait_for_catchup($standby);
like(explain_plan($standby), qr/Index Scan using t_v on t/, 'the standby uses the index');
same_answers('after the build');
my $r = recall(knn($standby), knn($standby, exact => 1));
note sprintf('standby recall@10 %.4f after the build', $r);
cmp_ok($r, '>=', 0.95, 'recall@10 >= 0.95 on the standby');

$primary->safe_psql('postgres', 'INSERT INTO t SELECT * FROM s WHERE id > 6000');
same_answers('after inserts');

$primary->safe_psql('postgres', 'DELETE FROM t WHERE id % 4 = 0');
$primary->safe_psql('postgres', 'VACUUM t');
same_answers('after delete and VACUUM');
my $approx = knn($standby);
is( $standby->safe_psql(
		'postgres',
		'SELECT count(*) FROM unnest(ARRAY['
		  . join(',', map { @$_ } values %$approx)
		  . ']::int[]) i WHERE i % 4 = 0'),
	'0',
	'the standby returns no deleted row');

$primary->safe_psql('postgres',
	'INSERT INTO t SELECT * FROM s WHERE id % 4 = 0 AND id % 8 = 0');
same_answers('after inserts into vacuumed space');

index_check_clean($primary, 't_v', 'check is clean on the primary');
index_check_clean($standby, 't_v', 'check is clean on the standby');

# sparsevec(30522): sparse records of 30 to 1,410 non-zeros (the longer
# ones span two or three pages) reach the standby through the build's
# pages, inserts' vector records and reuse of freed space after VACUUM
sub sparse_rows
{
	my ($table, $from, $to, $nnz) = @_;
	return "INSERT INTO $table SELECT i, ('{' || string_agg(((i % 20) * 1500 + (i * 7 + k * 11) % 1499 + 1)"
	  . " || ':' || round((1.5 + sin(i * k))::numeric, 3), ',') || '}/30522')::sparsevec"
	  . " FROM generate_series($from, $to) i, LATERAL generate_series(1, $nnz) k GROUP BY i";
}

sub same_sparse_answers
{
	my ($what) = @_;
	my $sql = 'SET enable_seqscan = off; SELECT string_agg(ids, \';\' ORDER BY qid) FROM (SELECT qid, '
	  . '(SELECT string_agg(id::text, \',\') FROM (SELECT id FROM sp ORDER BY v <-> q.v LIMIT 10) a) ids FROM spq q) x';
	$primary->wait_for_catchup($standby);
	my $p = $primary->safe_psql('postgres', $sql);
	like($p, qr/^(\d+(,\d+){9};){19}\d+(,\d+){9}$/, "sparsevec $what: 10 rows for each of 20 queries");
	is($standby->safe_psql('postgres', $sql), $p, "sparsevec $what: answers are identical on the standby");
	return;
}

$primary->safe_psql('postgres', join(";\n",
	'CREATE TABLE sp (id int, v sparsevec(30522))',
	'CREATE TABLE spq (qid int, v sparsevec(30522))',
	sparse_rows('sp', 1, 1500, '30 + (i % 7) * 230'),
	sparse_rows('spq', 5001, 5020, '20'),
	'CREATE INDEX sp_v ON sp USING hnsw (v sparsevec_l2_ops)'));
same_sparse_answers('after the build');
$primary->safe_psql('postgres', sparse_rows('sp', 1501, 2500, '30 + (i % 7) * 230'));
same_sparse_answers('after inserts');
$primary->safe_psql('postgres', 'DELETE FROM sp WHERE id % 3 = 0; VACUUM sp');
$primary->safe_psql('postgres', sparse_rows('sp', 2501, 3000, '30 + (i % 5) * 300'));
same_sparse_answers('after delete, VACUUM and inserts into freed space');
like($primary->safe_psql('postgres', 'SET enable_seqscan = off; EXPLAIN SELECT id FROM sp ORDER BY v <-> (SELECT v FROM spq LIMIT 1) LIMIT 10'),
	qr/Index Scan using sp_v/, 'the sparsevec query uses the index');
index_check_clean($primary, 'sp_v', 'sparsevec: check is clean on the primary');
index_check_clean($standby, 'sp_v', 'sparsevec: check is clean on the standby');

# the promoted standby accepts writes into the index
$standby->promote;
$standby->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()');
$standby->safe_psql('postgres',
	'INSERT INTO t SELECT * FROM s WHERE id % 8 = 4');
is($standby->safe_psql('postgres', 'SELECT count(*) FROM t'), $n, 'the promoted standby has every row');
index_check_clean($standby, 't_v', 'check is clean on the promoted standby');
$r = recall(knn($standby), knn($standby, exact => 1));
note sprintf('promoted standby recall@10 %.4f', $r);
cmp_ok($r, '>=', 0.95, 'recall@10 >= 0.95 on the promoted standby');

# the unlogged tables come up empty on the promoted standby, with indexes
# made from their init forks
for my $u ('u', 'uempty')
{
	is($standby->safe_psql('postgres', "SELECT count(*) FROM $u"), '0',
		"unlogged $u is empty on the promoted standby");
	index_check_clean($standby, "${u}_v", "${u}_v: check is clean on the promoted standby");
	$standby->safe_psql('postgres', "INSERT INTO $u SELECT * FROM s WHERE id <= 3000");
	$r = recall(knn($standby, table => $u), knn($standby, table => $u, exact => 1));
	note sprintf('%s on the promoted standby: recall@10 %.4f', $u, $r);
	cmp_ok($r, '>=', 0.95, "$u: recall\@10 >= 0.95 on the promoted standby");
	index_check_clean($standby, "${u}_v", "${u}_v: check is clean after inserts");
}

server_log_clean($primary);
server_log_clean($standby);
stop_ok($standby);
stop_ok($primary);
done_testing();

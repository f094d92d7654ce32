# hnsw recall: 20,000 clustered 128-d vectors, 100 queries; recall@10 of
# the index at the default hnsw.ef_search against exact answers from a
# sequential scan, for each operator class; ordering, ef_search, LIMIT above
# ef_search, NULL vectors, 16000-dimension vectors and argument checks.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use VectordbTap;

my $node = vdb_node('recall');
my $data = gen_clustered(n => 20000, nq => 100, seed => 1);
create_vector_table($node, 't');
load_rows($node, 't', $data->{base}, $data->{cat}, 1);
create_queries($node, $data->{queries});

# opclass, operator, minimum recall@10 at ef_search = 40
my @cases = (
	[ 'vector_l2_ops',     '<->', 0.95 ],
	[ 'vector_cosine_ops', '<=>', 0.95 ],
	[ 'vector_ip_ops',     '<#>', 0.90 ],
	[ 'vector_l1_ops',     '<+>', 0.90 ]);

for my $case (@cases)
{
	my ($opclass, $op, $min) = @$case;
	my $idx = "t_v_$opclass";
	my $t0  = time;
	$node->safe_psql('postgres',
		"CREATE INDEX $idx ON t USING hnsw (v $opclass) WITH (m = 16, ef_construction = 64)"
	);
	note sprintf('%s: build %.2f s, %d kB', $opclass, time - $t0,
		index_size($node, $idx) / 1024);
	like(explain_plan($node, op => $op),
		qr/Index Scan using $idx on t/, "$opclass: kNN query uses the index");

	my $exact  = knn($node, op => $op, exact => 1);
	my $approx = knn($node, op => $op);
	my $r      = recall($approx, $exact);
	note sprintf('%s: recall@10 %.4f at ef_search 40', $opclass, $r);
	cmp_ok($r, '>=', $min, "$opclass: recall\@10 >= $min at default ef_search");
	is(scalar(grep { @{ $approx->{$_} } == 10 } keys %$approx),
		100, "$opclass: every query returns 10 rows");
	index_check_clean($node, $idx);

	if ($opclass eq 'vector_l2_ops')
	{
		# recall rises with ef_search
		my %by_ef;
		for my $ef (10, 100, 400)
		{
			$by_ef{$ef} = recall(
				knn($node, op => $op, settings => "SET hnsw.ef_search = $ef;"),
				$exact);
			note sprintf('l2: recall@10 %.4f at ef_search %d', $by_ef{$ef}, $ef);
		}
		cmp_ok($by_ef{100}, '>=', $r - 0.005,
			'l2: recall at ef_search 100 is not below ef_search 40');
		cmp_ok($by_ef{400}, '>=', 0.99, 'l2: recall@10 >= 0.99 at ef_search 400');
		# hnswlib itself reaches about 0.94 on this data at ef = 10 (builds with
		# threads vary: 0.92-0.95 seen)
		cmp_ok($by_ef{10}, '>=', 0.88, 'l2: recall@10 >= 0.88 at ef_search 10');

		# one query by literal: distances come back in ascending order
		my $q   = $data->{queries}[0];
		my $out = $node->safe_psql('postgres', <<"EOS");
SET enable_seqscan = off;
SELECT v <-> '$q' FROM t ORDER BY v <-> '$q' LIMIT 50;
EOS
		my @d = split /\n/, $out;
		is(scalar(@d), 50, 'l2: literal query returns 50 rows');
		is_deeply([ sort { $a <=> $b } @d ], \@d,
			'l2: distances are returned in ascending order');

		# LIMIT above ef_search: the default strict_order iterative scan
		# keeps going
		my $exact100  = knn($node, op => $op, k => 100, exact => 1);
		my $approx100 = knn($node, op => $op, k => 100);
		is(scalar(grep { @{ $approx100->{$_} } == 100 } keys %$approx100),
			100, 'l2: LIMIT 100 at ef_search 40 returns 100 rows per query');
		my $r100 = recall($approx100, $exact100);
		note sprintf('l2: recall@100 %.4f at ef_search 40 (iterative scan)',
			$r100);
		cmp_ok($r100, '>=', 0.9, 'l2: recall@100 >= 0.9 with the iterative scan');
		my $off = knn(
			$node,
			op       => $op,
			k        => 100,
			settings => 'SET hnsw.iterative_scan = off;');
		my $n_off = 0;
		$n_off += @{ $off->{$_} } for keys %$off;
		note sprintf(
			'l2: LIMIT 100 with hnsw.iterative_scan = off returns %.1f rows per query on average',
			$n_off / 100);
		cmp_ok($n_off / 100, '>=', 40,
			'l2: iterative_scan = off still returns at least ef_search rows');
	}
	else
	{
		$node->safe_psql('postgres', "DROP INDEX $idx");
	}
}

# NULL vectors are not indexed and never returned
$node->safe_psql('postgres',
	'INSERT INTO t SELECT 100000 + g, 0, NULL FROM generate_series(1, 5) g');
my $withnull = knn($node, op => '<->', k => 20);
is(scalar(grep { $_ > 100000 } map { @$_ } values %$withnull),
	0, 'rows with a NULL vector are not returned');
index_check_clean($node, 't_v_vector_l2_ops', 'check is clean after NULL inserts');

# Arguments: GUC bounds (checked once the library is loaded; before that
# Postgres keeps any value as a placeholder), columns without dimensions,
# 16000 dimensions
my ($ret, $out, $err) =
  $node->psql('postgres', "LOAD 'vectordb'; SET hnsw.ef_search = 0");
isnt($ret, 0, 'hnsw.ef_search = 0 is rejected');
($ret, $out, $err) =
  $node->psql('postgres', "LOAD 'vectordb'; SET hnsw.ef_search = 1001");
isnt($ret, 0, 'hnsw.ef_search = 1001 is rejected');
($ret, $out, $err) =
  $node->psql('postgres', "LOAD 'vectordb'; SET hnsw.iterative_scan = sideways");
isnt($ret, 0, 'hnsw.iterative_scan rejects an unknown value');
is( $node->safe_psql(
		'postgres',
		"LOAD 'vectordb'; SHOW hnsw.ef_search; SHOW hnsw.iterative_scan; SHOW hnsw.max_scan_tuples"
	),
	"40\nstrict_order\n20000",
	'GUC defaults');
($ret, $out, $err) = $node->psql('postgres',
	"SET enable_seqscan = off; SELECT id FROM t ORDER BY v <-> '[1,2,3]' LIMIT 1");
isnt($ret, 0, 'a query vector of the wrong dimension is an error');
like($err, qr/dimension/, 'the error mentions dimensions');
($ret, $out, $err) = $node->psql('postgres',
	'CREATE TABLE nodim (v vector); CREATE INDEX ON nodim USING hnsw (v vector_l2_ops)');
isnt($ret, 0, 'an hnsw index needs a column with dimensions');
like($err, qr/dimension/, 'the error mentions dimensions');

$node->safe_psql(
	'postgres', <<'EOS');
SELECT setseed(0.5);
CREATE TABLE big (id int, v vector(16000));
INSERT INTO big
SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 16000) WHERE i > 0)::vector
FROM generate_series(1, 30) i;
CREATE INDEX big_v ON big USING hnsw (v vector_l2_ops);
EOS
my ($missed, $n) = self_lookup_misses($node, 'big', 'true');
is($n, 30, '16000-d: all rows checked');
is_deeply($missed, [], '16000-d: every row finds itself through the index');
index_check_clean($node, 'big_v');

server_log_clean($node);
stop_ok($node);
done_testing();

# ivf recall: 20,000 clustered 64-d vectors, 100 queries; recall@10 of the
# index against exact answers from a sequential scan.  With lists = 100 and
# ivf.probes = 10: flat, sq8 and pq (16 sub-quantizers) for l2, flat and sq8
# for cosine and inner product.  Recall rises with probes for flat, and
# probes = lists makes flat exact (same ids, same order).  ivf.rerank helps
# pq.  Distances come back in ascending order.  The planner uses the index
# for ORDER BY ... LIMIT only.  NULL and (under cosine) zero vectors, GUC and
# option checks, dimension limits, and a scan whose ivf.rerank is raised
# between fetches of a cursor.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use VectordbTap;

my $d     = 64;
my $nq    = 100;
my $lists = 100;
my $node  = vdb_node('ivf_recall');
my $data  = gen_clustered(n => 20000, nq => $nq, d => $d, seed => 12);
create_vector_table($node, 't', d => $d);
load_rows($node, 't', $data->{base}, $data->{cat}, 1);
create_queries($node, $data->{queries}, undef, 'q', d => $d);

# returns the index's name after building it
sub build
{
	my ($opclass, $quantizer, $extra) = @_;
	my $idx = "t_v_${quantizer}_$opclass";
	my $with = "lists = $lists, quantizer = $quantizer" . ($extra ? ", $extra" : '');
	my $t0 = time;
	$node->safe_psql('postgres',
		"CREATE INDEX $idx ON t USING ivf (v $opclass) WITH ($with)");
	note sprintf('%s (%s): build %.2f s, %d kB', $opclass, $with, time - $t0,
		index_size($node, $idx) / 1024);
	return $idx;
}

sub rows_per_query
{
	my ($res) = @_;
	return scalar(grep { @{ $res->{$_} } == 10 } keys %$res);
}

my %exact = (
	'<->' => knn($node, op => '<->', exact => 1),
	'<=>' => knn($node, op => '<=>', exact => 1),
	'<#>' => knn($node, op => '<#>', exact => 1));

# opclass, operator, quantizer, extra options, minimum recall@10 at probes 10
my @cases = (
	[ 'vector_l2_ops',     '<->', 'flat', '',                  0.95 ],
	[ 'vector_l2_ops',     '<->', 'sq8',  '',                  0.95 ],
	[ 'vector_l2_ops',     '<->', 'pq',   'subquantizers = 16', 0.95 ],
	[ 'vector_cosine_ops', '<=>', 'flat', '',                  0.95 ],
	[ 'vector_cosine_ops', '<=>', 'sq8',  '',                  0.95 ],
	[ 'vector_ip_ops',     '<#>', 'flat', '',                  0.95 ],
	[ 'vector_ip_ops',     '<#>', 'sq8',  '',                  0.95 ]);

my $probes10 = 'SET ivf.probes = 10;';
for my $case (@cases)
{
	my ($opclass, $op, $quantizer, $extra, $min) = @$case;
	my $idx  = build($opclass, $quantizer, $extra);
	my $name = "$opclass $quantizer";
	like(explain_plan($node, op => $op, settings => $probes10),
		qr/Index Scan using $idx on t/, "$name: kNN query uses the index");
	my $t0     = time;
	my $approx = knn($node, op => $op, settings => $probes10);
	my $r      = recall($approx, $exact{$op});
	note sprintf('%s: recall@10 %.4f at probes 10 (%.1f ms per query)',
		$name, $r, 1000 * (time - $t0) / $nq);
	cmp_ok($r, '>=', $min, "$name: recall\@10 >= $min at probes 10 of $lists lists");
	is(rows_per_query($approx), $nq, "$name: every query returns 10 rows");

	if ($quantizer eq 'flat')
	{
		# recall never falls as probes rise: a flat scan's candidates are
		# the union of the nearest lists, measured exactly
		my @probes = (1, 2, 5, 10, 20, $lists);
		my %by;
		for my $p (@probes)
		{
			$by{$p} = knn($node, op => $op, settings => "SET ivf.probes = $p;");
			note sprintf('%s: recall@10 %.4f at probes %d',
				$name, recall($by{$p}, $exact{$op}), $p);
		}
		my @bad = grep {
			recall($by{ $probes[$_] }, $exact{$op}) <
			  recall($by{ $probes[ $_ - 1 ] }, $exact{$op}) - 1e-9
		} 1 .. $#probes;
		is_deeply([ map { $probes[$_] } @bad ], [],
			"$name: recall does not fall as probes rise (@probes)");
		cmp_ok(recall($by{1}, $exact{$op}), '<', recall($by{10}, $exact{$op}),
			"$name: probes 10 finds more than probes 1");
		is_deeply($by{$lists}, $exact{$op},
			"$name: probes = lists returns exactly the sequential scan's answers, in order");

		# one query by literal: distances come back in ascending order
		my $qv  = $data->{queries}[0];
		my $out = $node->safe_psql('postgres', <<"EOS");
SET enable_seqscan = off; $probes10
SELECT v $op '$qv' FROM t ORDER BY v $op '$qv' LIMIT 50;
EOS
		my @dist = split /\n/, $out;
		is(scalar(@dist), 50, "$name: literal query returns 50 rows");
		is_deeply([ sort { $a <=> $b } @dist ], \@dist,
			"$name: distances are returned in ascending order");
	}
	elsif ($opclass eq 'vector_l2_ops')
	{
		# the first ivf.rerank candidates come back in exact order
		my $qv  = $data->{queries}[1];
		my $out = $node->safe_psql('postgres', <<"EOS");
SET enable_seqscan = off; $probes10
SELECT v <-> '$qv' FROM t ORDER BY v <-> '$qv' LIMIT 50;
EOS
		my @dist = split /\n/, $out;
		is(scalar(@dist), 50, "$name: literal query returns 50 rows");
		is_deeply([ sort { $a <=> $b } @dist ], \@dist,
			"$name: the first 50 rows (within one re-rank batch) are in ascending order");
		my $all = recall(knn($node, settings => "SET ivf.probes = $lists;"),
			$exact{'<->'});
		note sprintf('%s: recall@10 %.4f at probes = lists', $name, $all);
		my $min_all = $quantizer eq 'sq8' ? 0.99 : 0.95;
		cmp_ok($all, '>=', $min_all, "$name: recall\@10 >= $min_all at probes = lists");
	}
	$node->safe_psql('postgres', "DROP INDEX $idx");
}

# pq with the default sub-quantizers (dims/16 = 4 bytes a vector) leans on
# re-ranking: a larger ivf.rerank finds more (never less: the first batch
# then holds the smaller batch's candidates)
my $pq = build('vector_l2_ops', 'pq');
my %pq_r;
for my $rr (100, 1000)
{
	$pq_r{$rr} = recall(knn($node, settings => "$probes10 SET ivf.rerank = $rr;"),
		$exact{'<->'});
	note sprintf('pq, default subquantizers: recall@10 %.4f at probes 10, rerank %d',
		$pq_r{$rr}, $rr);
}
cmp_ok($pq_r{1000}, '>=', $pq_r{100}, 'pq: ivf.rerank = 1000 finds no less than 100');
cmp_ok($pq_r{1000}, '>=', 0.95, 'pq, default subquantizers: recall@10 >= 0.95 at ivf.rerank = 1000');
$node->safe_psql('postgres', "DROP INDEX $pq");

# The planner: index for ORDER BY ... LIMIT, not for ORDER BY alone
my $flat = build('vector_l2_ops', 'flat');
my $qv   = $data->{queries}[2];
my $plan = $node->safe_psql('postgres',
	"SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <-> '$qv' LIMIT 5");
like($plan, qr/Index Scan using $flat on t/, 'ORDER BY distance LIMIT uses the index');
$plan = $node->safe_psql('postgres',
	"SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <-> '$qv'");
unlike($plan, qr/Index Scan using $flat/, 'ORDER BY distance without LIMIT does not use the index');
$plan = $node->safe_psql('postgres',
	"SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <=> '$qv' LIMIT 5");
unlike($plan, qr/Index Scan using $flat/, 'an l2 index does not serve a cosine ORDER BY');

# NULL vectors are not indexed; the zero vector is under l2
$node->safe_psql('postgres', <<"EOS");
INSERT INTO t SELECT 100000 + g, 0, NULL FROM generate_series(1, 5) g;
INSERT INTO t VALUES (200000, 0, array_fill(0, ARRAY[$d])::vector);
EOS
my $withnull = knn($node, k => 20, settings => "SET ivf.probes = $lists;");
is(scalar(grep { $_ > 100000 && $_ < 200000 } map { @$_ } values %$withnull),
	0, 'rows with a NULL vector are not returned');
is( $node->safe_psql(
		'postgres',
		"SET enable_seqscan = off; SELECT id FROM t ORDER BY v <-> array_fill(0, ARRAY[$d])::vector LIMIT 1"
	),
	'200000',
	'l2: the zero vector is indexed and found');
is( $node->safe_psql(
		'postgres',
		"SET enable_seqscan = off; SET ivf.probes = $lists; SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> '$qv' LIMIT 100000) s"
	),
	'20001',
	'probes = lists with a large LIMIT returns every non-NULL row once');
$node->safe_psql('postgres', "DROP INDEX $flat");
my $cos = build('vector_cosine_ops', 'flat');
my $cos_ids = $node->safe_psql('postgres',
	"SET enable_seqscan = off; SET ivf.probes = $lists; SELECT count(*), count(*) FILTER (WHERE id >= 100000) FROM (SELECT id FROM t ORDER BY v <=> '$qv' LIMIT 100000) s"
);
is($cos_ids, '20000|0', 'cosine: neither NULL nor zero vectors are indexed');
$node->safe_psql('postgres', "DROP INDEX $cos; DELETE FROM t WHERE id >= 100000");

# GUCs and options
my ($ret, $out, $err);
for my $bad ('ivf.probes = 0', 'ivf.probes = 32769', 'ivf.max_probes = 0',
	'ivf.rerank = 0', 'ivf.iterative_scan = strict_order')
{
	($ret, $out, $err) = $node->psql('postgres', "LOAD 'vectordb'; SET $bad");
	isnt($ret, 0, "SET $bad is rejected");
}
is( $node->safe_psql(
		'postgres',
		"LOAD 'vectordb'; SHOW ivf.probes; SHOW ivf.iterative_scan; SHOW ivf.max_probes; SHOW ivf.rerank"
	),
	"1\nrelaxed_order\n32768\n100",
	'GUC defaults');
for my $bad ([ 'lists = 0', qr/out of bounds/ ],
	[ 'lists = 32769',                     qr/out of bounds/ ],
	[ 'quantizer = lvq',                   qr/flat.*sq8.*pq/ ],
	[ 'quantizer = pq, subquantizers = 7', qr/divide/ ],
	[ 'quantizer = sq8, subquantizers = 8', qr/only to quantizer = pq/ ])
{
	($ret, $out, $err) = $node->psql('postgres',
		"CREATE INDEX bad ON t USING ivf (v vector_l2_ops) WITH ($bad->[0])");
	isnt($ret, 0, "WITH ($bad->[0]) is rejected");
	like($err, $bad->[1], "WITH ($bad->[0]): the error says why");
}
($ret, $out, $err) = $node->psql('postgres',
	'CREATE INDEX bad ON t USING ivf (v vector_l1_ops)');
isnt($ret, 0, 'ivf has no L1 operator class');
($ret, $out, $err) = $node->psql('postgres',
	'CREATE TABLE nodim (v vector); CREATE INDEX ON nodim USING ivf (v vector_l2_ops)');
isnt($ret, 0, 'an ivf index needs a column with dimensions');
like($err, qr/dimension/, 'the error mentions dimensions');

# dimension limits (what fits on a list page): flat up to 2036, sq8 up to
# 8144, pq beyond
$node->safe_psql('postgres', <<'EOS');
CREATE TABLE d2036 (id int, v vector(2036));
CREATE TABLE d2037 (id int, v vector(2037));
CREATE TABLE d8144 (id int, v vector(8144));
CREATE TABLE d8145 (id int, v vector(8145));
CREATE TABLE d16000 (id int, v vector(16000));
SELECT setseed(0.25);
INSERT INTO d2037 SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 2037) WHERE i > 0)::vector FROM generate_series(1, 40) i;
INSERT INTO d8144 SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8144) WHERE i > 0)::vector FROM generate_series(1, 30) i;
INSERT INTO d16000 SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 16000) WHERE i > 0)::vector FROM generate_series(1, 30) i;
EOS
$node->safe_psql('postgres',
	'CREATE INDEX ON d2036 USING ivf (v vector_l2_ops) WITH (lists = 4)');
ok(1, 'flat accepts 2036 dimensions');
($ret, $out, $err) = $node->psql('postgres',
	'CREATE INDEX ON d2037 USING ivf (v vector_l2_ops) WITH (lists = 4)');
isnt($ret, 0, 'flat rejects 2037 dimensions');
like($err, qr/more than 2036 dimensions/, 'the error gives the flat limit');
($ret, $out, $err) = $node->psql('postgres',
	'CREATE INDEX ON d8145 USING ivf (v vector_l2_ops) WITH (lists = 4, quantizer = sq8)');
isnt($ret, 0, 'sq8 rejects 8145 dimensions');
like($err, qr/more than 8144 dimensions/, 'the error gives the sq8 limit');
for my $case ([ 'd2037', 'quantizer = sq8' ], [ 'd8144', 'quantizer = sq8' ],
	[ 'd16000', 'quantizer = pq' ], [ 'd16000', 'quantizer = pq, subquantizers = 16' ])
{
	my ($tab, $with) = @$case;
	$node->safe_psql('postgres',
		"CREATE INDEX ${tab}_v ON $tab USING ivf (v vector_l2_ops) WITH (lists = 4, $with)");
	my ($missed, $n) = self_lookup_misses($node, $tab, 'true',
		settings => 'SET ivf.probes = 4;');
	cmp_ok($n, '>', 0, "$tab ($with): rows checked");
	is_deeply($missed, [], "$tab ($with): every row finds itself through the index");
	$node->safe_psql('postgres', "DROP INDEX ${tab}_v");
}

# A cursor over an sq8 scan, with ivf.rerank raised between fetches: the
# next re-rank batch must not outgrow what the first one allocated
my $sq8 = build('vector_l2_ops', 'sq8');
($ret, $out, $err) = $node->psql('postgres', <<"EOS");
SET enable_seqscan = off; SET ivf.probes = $lists; SET ivf.rerank = 10;
BEGIN;
DECLARE c CURSOR FOR SELECT id FROM t ORDER BY v <-> '$qv' LIMIT 20000;
FETCH 1 FROM c;
SET ivf.rerank = 20000;
MOVE FORWARD ALL IN c;
COMMIT;
SELECT 'still here';
EOS
is($ret, 0, 'raising ivf.rerank in the middle of a scan does not break it');
like($out, qr/still here/, 'the session survives raising ivf.rerank mid-scan');

server_log_clean($node);
stop_ok($node);
done_testing();

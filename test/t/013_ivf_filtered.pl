# ivf with WHERE filters: 15,000 clustered 64-d vectors in 20 categories
# (5% each, independent of the clusters), lists = 100.  With the default
# ivf.iterative_scan = relaxed_order a filtered ORDER BY ... LIMIT 10
# returns 10 rows, all matching, with high recall against the exact filtered
# answer (flat and sq8); iterative_scan = off stops after ivf.probes lists
# and may return fewer; ivf.max_probes bounds how far the scan goes; a
# filter matching a handful of rows finds them all, one matching nothing
# returns nothing; a partial index serves its subset.
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
my $nq    = 50;
my $lists = 100;
my $node  = vdb_node('ivf_filtered');
my $data  = gen_clustered(n => 15000, nq => $nq, d => $d, ncat => 20, seed => 13);
create_vector_table($node, 't', d => $d);
load_rows($node, 't', $data->{base}, $data->{cat}, 1);
# query i asks for category 3*i mod 20
create_queries($node, $data->{queries}, [ map { (3 * $_) % 20 } 1 .. $nq ],
	'q', d => $d);

sub total_rows
{
	my ($res) = @_;
	my $n = 0;
	$n += @{ $res->{$_} } for keys %$res;
	return $n;
}

sub full_queries
{
	my ($res, $k) = @_;
	return scalar(grep { @{ $res->{$_} } == ($k // 10) } keys %$res);
}

# number of returned ids whose row does not satisfy the query's filter
sub wrong_rows
{
	my ($res, $cond) = @_;
	my @pairs = map {
		my $qid = $_;
		map { "($qid,$_)" } @{ $res->{$qid} }
	} keys %$res;
	return 0 unless @pairs;
	return $node->safe_psql('postgres',
		'SELECT count(*) FROM (VALUES ' . join(',', @pairs) . ') r(qid, id) '
		  . "JOIN q ON q.qid = r.qid JOIN t ON t.id = r.id WHERE NOT ($cond)");
}

my %filter = (where => 't.cat = q.cat');
my $exact  = knn($node, %filter, exact => 1);
is(full_queries($exact), $nq, 'every category has at least 10 rows');

for my $quantizer ('flat', 'sq8')
{
	$node->safe_psql('postgres',
		"CREATE INDEX t_v ON t USING ivf (v vector_l2_ops) WITH (lists = $lists, quantizer = $quantizer)"
	);
	my $plan = explain_plan($node, %filter);
	like($plan, qr/Index Scan using t_v on t/, "$quantizer: filtered kNN uses the index");
	like($plan, qr/Filter: \(cat = q\.cat\)/, "$quantizer: the category is a filter on the index scan");

	for my $probes (1, 10)
	{
		my $t0     = time;
		my $approx = knn($node, %filter, settings => "SET ivf.probes = $probes;");
		my $secs   = time - $t0;
		my $r      = recall($approx, $exact);
		note sprintf('%s, relaxed_order, probes %d: 5%% filter recall@10 %.4f, %.1f ms per query',
			$quantizer, $probes, $r, 1000 * $secs / $nq);
		is(full_queries($approx), $nq,
			"$quantizer, probes $probes: every 5%-filtered query returns 10 rows");
		is(wrong_rows($approx, 't.cat = q.cat'), '0',
			"$quantizer, probes $probes: every returned row matches the filter");
		my $min = $probes == 1 ? 0.7 : 0.95;
		cmp_ok($r, '>=', $min, "$quantizer, probes $probes: 5%-filtered recall\@10 >= $min");
	}

	# iterative_scan = off: only the nearest list, about 150 rows of which
	# about 7 match
	my $off = knn($node, %filter,
		settings => 'SET ivf.probes = 1; SET ivf.iterative_scan = off;');
	note sprintf('%s, iterative_scan = off, probes 1: %.2f rows per query (recall %.4f)',
		$quantizer, total_rows($off) / $nq, recall($off, $exact));
	cmp_ok(full_queries($off), '<', $nq,
		"$quantizer: with iterative_scan = off some queries return fewer than 10 rows");
	cmp_ok(total_rows($off), '>', 0, "$quantizer: iterative_scan = off still returns rows");
	is(wrong_rows($off, 't.cat = q.cat'), '0',
		"$quantizer: iterative_scan = off returns only matching rows");
	is_deeply(
		knn($node, %filter, settings => 'SET ivf.probes = 1; SET ivf.max_probes = 1;'),
		$off, "$quantizer: relaxed_order with max_probes = 1 answers as iterative_scan = off");

	$node->safe_psql('postgres', 'DROP INDEX t_v');
}

$node->safe_psql('postgres',
	"CREATE INDEX t_v ON t USING ivf (v vector_l2_ops) WITH (lists = $lists)");

# A 25% filter at probes 10
my %wide = (where => 't.cat < 5');
my $rw = recall(knn($node, %wide, settings => 'SET ivf.probes = 10;'),
	knn($node, %wide, exact => 1));
note sprintf('25%% filter recall@10 %.4f at probes 10', $rw);
cmp_ok($rw, '>=', 0.95, '25%-filtered recall@10 >= 0.95 at probes 10');

# A filter matching a few rows per query (about 12 in 15,000): relaxed_order
# probes list after list and finds every one of them; ivf.max_probes = 5
# stops early with fewer
my %rare = (where => 't.cat = q.cat AND t.id % 83 = 0');
my $rare_exact = knn($node, %rare, exact => 1, k => 1000);
my $rare_n     = total_rows($rare_exact);
my %sorted_exact =
  map { $_ => [ sort { $a <=> $b } @{ $rare_exact->{$_} } ] } keys %$rare_exact;
my $t0   = time;
my $all  = knn($node, %rare, k => 1000);
note sprintf('rare filter (%d rows over %d queries): %.1f ms per query',
	$rare_n, $nq, 1000 * (time - $t0) / $nq);
is_deeply({ map { $_ => [ sort { $a <=> $b } @{ $all->{$_} } ] } keys %$all },
	\%sorted_exact, 'relaxed_order: a rare filter returns every matching row');
my $capped = knn($node, %rare, k => 1000, settings => 'SET ivf.max_probes = 5;');
note sprintf('ivf.max_probes = 5: the rare filter returns %d of %d rows',
	total_rows($capped), $rare_n);
cmp_ok(total_rows($capped), '<', $rare_n, 'ivf.max_probes = 5 stops the scan early');
cmp_ok(total_rows($capped), '>', 0, 'ivf.max_probes = 5 still returns rows');
is(wrong_rows($capped, 't.cat = q.cat AND t.id % 83 = 0'), '0',
	'ivf.max_probes = 5 returns only matching rows');
my $capped10 = knn($node, %rare, k => 1000, settings => 'SET ivf.max_probes = 10;');
cmp_ok(total_rows($capped10), '>=', total_rows($capped),
	'ivf.max_probes = 10 returns at least what 5 does');
# probes above max_probes: the scan still reads probes lists
my $p20 = knn($node, %rare, k => 1000,
	settings => 'SET ivf.probes = 20; SET ivf.max_probes = 5;');
cmp_ok(total_rows($p20), '>=', total_rows($capped10),
	'ivf.probes = 20 with max_probes = 5 reads 20 lists');

my $qv = $data->{queries}[0];
$t0 = time;
is( $node->safe_psql(
		'postgres', <<"EOS"),
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM t WHERE cat = 1000 ORDER BY v <-> '$qv' LIMIT 10) s;
EOS
	'0',
	'a filter matching nothing returns no row');
note sprintf('filter matching nothing (all %d lists probed): %.2f s', $lists, time - $t0);

# A partial index for one category answers that category's queries
$node->safe_psql('postgres', 'DROP INDEX t_v');
$node->safe_psql('postgres',
	'CREATE INDEX t_v_cat7 ON t USING ivf (v vector_l2_ops) WITH (lists = 20) WHERE cat = 7');
my %cat7 = (where => 't.cat = 7');
like(explain_plan($node, %cat7), qr/Index Scan using t_v_cat7 on t/,
	'a query for cat = 7 uses the partial index');
my $rp = recall(knn($node, %cat7, settings => 'SET ivf.probes = 5;'),
	knn($node, %cat7, exact => 1));
note sprintf('partial index: recall@10 %.4f at probes 5', $rp);
cmp_ok($rp, '>=', 0.95, 'partial index: recall@10 >= 0.95 at probes 5 of 20');
is( $node->safe_psql(
		'postgres',
		"SET enable_seqscan = off; SET ivf.probes = 20; SELECT count(*) FROM (SELECT id FROM t WHERE cat = 7 ORDER BY v <-> '$qv' LIMIT 100000) s"
	),
	$node->safe_psql('postgres', 'SELECT count(*) FROM t WHERE cat = 7'),
	'the partial index holds every row of its category');

server_log_clean($node);
stop_ok($node);
done_testing();

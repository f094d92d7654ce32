# Recall of the operator classes over halfvec, sparsevec and bit, against
# exact answers from sequential scans:
#  - Fashion-MNIST (20,000 train images, 100 test images) as halfvec(784):
#    hnsw halfvec_l2_ops, _cosine_ops and _l1_ops at the default
#    hnsw.ef_search, recall@10 >= 0.95;
#    ivf halfvec_l2_ops with 100 lists probing 10, recall@10 >= 0.95
#  - a generated sparse set (topic clusters, 30 non-zeros of 2,000
#    dimensions): hnsw sparsevec_l2_ops and _l1_ops >= 0.95
#  - a generated SPLADE-shaped set (sparsevec(30522): documents of 60 to
#    150 non-zeros drawn mostly from one of 40 topic vocabularies, short
#    queries): hnsw sparsevec_ip_ops and _cosine_ops >= 0.95 at
#    hnsw.ef_search 100, each index a few bytes per non-zero
#  - binary quantization and exact re-rank (pgvector's documented query: an
#    index on binary_quantize(v)::bit(n), the outer query ordering by the
#    exact distance) on ../shared/data/clustered (20,000 x 128, mean-centred,
#    so signs carry information):
#    recall@10 >= 0.90 through hnsw and through ivf; on Fashion-MNIST, whose
#    pixels are all >= 0, the figure is printed without a threshold.
#  - generated sets as bit(1024) (topic clusters): hnsw bit_jaccard_ops,
#    recall@10 >= 0.95 at the default hnsw.ef_search, ties counted
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use VectordbTap;

my $node = vdb_node('types_recall');
# made from ../shared/data by vdb_tap (scripts/lib.sh) before prove starts
my $data_dir = "$FindBin::RealBin/../../tmp/data";

# true when tmp/data holds NAME's base and query files
sub have_dataset
{
	my ($name) = @_;
	return -r "$data_dir/$name.base.fvecs" && -r "$data_dir/$name.query.fvecs";
}

# build INDEX with SQL, noting its time and size
sub build
{
	my ($idx, $sql) = @_;
	my $t0 = time;
	$node->safe_psql('postgres', "SET maintenance_work_mem = '512MB'; $sql");
	note sprintf('%s: build %.2f s, %d kB', $idx, time - $t0, index_size($node, $idx) / 1024);
	return;
}

# load_fvecs(NAME, DIMS, TYPE, BASE_ROWS): tables t (id, cat, v TYPE) and
# q (qid, cat, v TYPE) from the first BASE_ROWS base vectors and the first
# 100 queries of tmp/data/NAME.*.fvecs
sub load_fvecs
{
	my ($name, $dims, $type, $nbase) = @_;
	my $copy_dir = PostgreSQL::Test::Utils::tempdir('fvecs');
	system('/usr/bin/python3', '-c', <<'EOS', "$data_dir/$name", $dims, $nbase, $copy_dir) == 0
import sys, numpy as np
src, d, nbase, dst = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
for part, n, table in (("base", nbase, "t"), ("query", 100, "q")):
    a = np.fromfile(f"{src}.{part}.fvecs", np.int32).reshape(-1, d + 1)[:n, 1:].view(np.float32)
    with open(f"{dst}/{table}.copy", "w") as f:
        for i, v in enumerate(a, 1):
            f.write(f"{i}\t\\N\t[{','.join(repr(float(x)) for x in v)}]\n")
EOS
	  or BAIL_OUT("could not write COPY files of $name");
	$node->safe_psql('postgres', <<"EOS");
CREATE TABLE t (id int PRIMARY KEY, cat int, v $type($dims));
CREATE TABLE q (qid int, cat int, v $type($dims));
COPY t FROM '$copy_dir/t.copy';
COPY q FROM '$copy_dir/q.copy';
ANALYZE t;
EOS
	return;
}

# tables t and q of TYPE from the text values in BASE and QUERIES
sub load_generated
{
	my ($type, $base, $queries) = @_;
	$node->safe_psql('postgres', "CREATE TABLE t (id int PRIMARY KEY, cat int, v $type)");
	load_rows($node, 't', $base, undef, 1);
	$node->safe_psql('postgres', "CREATE TABLE q (qid int, cat int, v $type)");
	load_rows($node, 'q', $queries, undef, 1);
	return;
}

# an hnsw index on t.v with OPCLASS: the kNN plan uses it, recall@10 of
# OP >= 0.95 at hnsw.ef_search EF (default 40) for the queries of table
# QUERIES (default q), and the index checks clean; returns the index's size
# in bytes
sub hnsw_opclass_recall
{
	my ($data, $opclass, $op, %opt) = @_;
	my $ef = $opt{ef} // 40;
	my @q = (op => $op, queries => $opt{queries} // 'q');
	build("t_$opclass", "CREATE INDEX t_$opclass ON t USING hnsw (v $opclass)");
	like(explain_plan($node, @q), qr/Index Scan using t_$opclass on t/,
		"$data $opclass: kNN uses the index");
	my $exact = knn($node, @q, exact => 1);
	my $r = recall(knn($node, @q, settings => "SET hnsw.ef_search = $ef;"), $exact);
	my $size = $node->safe_psql('postgres', "SELECT pg_relation_size('t_$opclass')");
	note sprintf('%s %s: recall@10 %.4f at ef_search %d%s, index %.1f MiB', $data, $opclass, $r, $ef,
		$ef == 40 ? '' : sprintf(' (%.4f at 40)', recall(knn($node, @q), $exact)), $size / 1048576);
	cmp_ok($r, '>=', 0.95, "$data $opclass: recall\@10 >= 0.95 at ef_search $ef");
	index_check_clean($node, "t_$opclass");
	$node->safe_psql('postgres', "DROP INDEX t_$opclass");
	return $size;
}

# --- Fashion-MNIST as halfvec
SKIP:
{
	skip 'no tmp/data/fashion-mnist-784-euclidean (made from ../shared/data)', 11
	  unless have_dataset('fashion-mnist-784-euclidean');
	load_fvecs('fashion-mnist-784-euclidean', 784, 'halfvec', 20000);
	my $exact = knn($node, exact => 1);

	build('t_hnsw', 'CREATE INDEX t_hnsw ON t USING hnsw (v halfvec_l2_ops)');
	like(explain_plan($node), qr/Index Scan using t_hnsw on t/, 'halfvec hnsw: kNN uses the index');
	my $r = recall(knn($node), $exact);
	note sprintf('Fashion-MNIST halfvec hnsw: recall@10 %.4f at ef_search 40', $r);
	cmp_ok($r, '>=', 0.95, 'Fashion-MNIST halfvec: hnsw recall@10 >= 0.95 at the default ef_search');
	index_check_clean($node, 't_hnsw');
	$node->safe_psql('postgres', 'DROP INDEX t_hnsw');

	# cosine stores the normalized vector rounded to half; l1 the halves
	hnsw_opclass_recall('Fashion-MNIST', @$_) for [ 'halfvec_cosine_ops', '<=>' ], [ 'halfvec_l1_ops', '<+>' ];

	build('t_ivf', 'CREATE INDEX t_ivf ON t USING ivf (v halfvec_l2_ops) WITH (lists = 100)');
	$r = recall(knn($node, settings => 'SET ivf.probes = 10;'), $exact);
	note sprintf('Fashion-MNIST halfvec ivf: recall@10 %.4f at 10 of 100 lists', $r);
	cmp_ok($r, '>=', 0.95, 'Fashion-MNIST halfvec: ivf recall@10 >= 0.95 probing 10 of 100 lists');
	$node->safe_psql('postgres', 'DROP INDEX t_ivf');

	# binary quantization of pixels >= 0: a figure, no threshold
	build('t_bq', 'CREATE INDEX t_bq ON t USING hnsw ((binary_quantize(v)::bit(784)) bit_hamming_ops)');
	$r = recall(bq_rerank(784, 'SET hnsw.ef_search = 100;'), $exact);
	note sprintf('Fashion-MNIST binary quantize + re-rank of 100 candidates: recall@10 %.4f', $r);
	ok($r > 0, 'Fashion-MNIST: binary quantize + re-rank finds neighbours');
	$node->safe_psql('postgres', 'DROP TABLE t, q');
}

# the binary-quantize + exact re-rank query of pgvector's documentation:
# { qid => [ids] }, the 100 nearest by Hamming distance re-ranked by L2
sub bq_rerank
{
	my ($bits, $settings) = @_;
	my $out = $node->safe_psql('postgres', <<"EOS");
SET enable_seqscan = off;
$settings
SELECT q.qid, ARRAY(
  SELECT id FROM (
    SELECT t.id, t.v FROM t
    ORDER BY binary_quantize(t.v)::bit($bits) <~> binary_quantize(q.v) LIMIT 100) c
  ORDER BY c.v <-> q.v LIMIT 10)
FROM q ORDER BY q.qid
EOS
	my %res;
	for my $line (split /\n/, $out)
	{
		my ($qid, $arr) = split /\|/, $line, 2;
		$arr =~ s/[{}]//g;
		$res{$qid} = [ split /,/, $arr ];
	}
	return \%res;
}

# --- binary quantization + re-rank on ../shared/data/clustered (centres
# N(0, 1): about half the coordinates are positive)
SKIP:
{
	skip 'no tmp/data/clustered-20000-128-euclidean (made from ../shared/data)', 5
	  unless have_dataset('clustered-20000-128-euclidean');
	load_fvecs('clustered-20000-128-euclidean', 128, 'vector', 20000);
	my $exact = knn($node, exact => 1);

	build('t_bq', 'CREATE INDEX t_bq ON t USING hnsw ((binary_quantize(v)::bit(128)) bit_hamming_ops)');
	like($node->safe_psql('postgres', 'SET enable_seqscan = off; EXPLAIN (COSTS OFF) '
			. 'SELECT id FROM t ORDER BY binary_quantize(v)::bit(128) <~> '
			. '(SELECT binary_quantize(v) FROM q WHERE qid = 1) LIMIT 5'),
		qr/Index Scan using t_bq on t/, 'bit hnsw: the quantized kNN uses the expression index');
	my $r = recall(bq_rerank(128, 'SET hnsw.ef_search = 100;'), $exact);
	note sprintf('clustered binary quantize (hnsw) + re-rank of 100: recall@10 %.4f', $r);
	cmp_ok($r, '>=', 0.90, 'clustered: hnsw binary quantize + re-rank recall@10 >= 0.90');
	index_check_clean($node, 't_bq');
	$node->safe_psql('postgres', 'DROP INDEX t_bq');

	build('t_bqivf', 'CREATE INDEX t_bqivf ON t USING ivf ((binary_quantize(v)::bit(128)) bit_hamming_ops) WITH (lists = 100)');
	$r = recall(bq_rerank(128, 'SET ivf.probes = 10;'), $exact);
	note sprintf('clustered binary quantize (ivf, 10 of 100 lists) + re-rank of 100: recall@10 %.4f', $r);
	cmp_ok($r, '>=', 0.90, 'clustered: ivf binary quantize + re-rank recall@10 >= 0.90');
	index_check_clean($node, 't_bqivf');
	$node->safe_psql('postgres', 'DROP TABLE t, q');
}

# COUNT topics, each SIZE distinct positions of FIRST .. FIRST + RANGE - 1,
# sorted (so the data does not depend on Perl's hash order)
sub topics
{
	my ($count, $size, $first, $range) = @_;
	return map {
		my %s;
		$s{ $first + int(rand($range)) } = 1 while keys %s < $size;
		[ sort { $a <=> $b } keys %s ]
	} 1 .. $count;
}

# The text of a sparsevec(DIMS): OWN entries of one of TOPICS valued LOW
# to LOW + WIDTH, then OTHER anywhere valued up to NOISE
sub topic_sparsevec
{
	my ($topics, $dims, $own, $low, $width, $other, $noise) = @_;
	my $t = $topics->[ int(rand(@$topics)) ];
	my %e;
	$e{ $t->[ int(rand(@$t)) ] } = sprintf('%.3f', $low + $width * rand()) while keys %e < $own;
	$e{ 1 + int(rand($dims)) } //= sprintf('%.3f', $noise * rand()) for 1 .. $other;
	return '{' . join(',', map { "$_:$e{$_}" } sort { $a <=> $b } keys %e) . "}/$dims";
}

# --- sparse vectors under L2 and L1: 40 topics of 60 dimensions each out
# of 2,000; a row takes 24 non-zeros from its topic and 6 from anywhere
{
	srand(5);
	my @topics = topics(40, 60, 1, 2000);
	my $sparse = sub { topic_sparsevec(\@topics, 2000, 24, 0.5, 1, 6, 0.2) };
	load_generated('sparsevec(2000)', [ map { $sparse->() } 1 .. 10000 ], [ map { $sparse->() } 1 .. 100 ]);
	hnsw_opclass_recall('sparse', @$_) for [ 'sparsevec_l2_ops', '<->' ], [ 'sparsevec_l1_ops', '<+>' ];
	$node->safe_psql('postgres', 'DROP TABLE t, q');
}

# --- SPLADE-shaped sparse vectors over BERT's 30,522-term vocabulary, as
# search uses them (inner product, cosine): 40 topics of 400 terms; a
# document takes 50 to 120 terms of its topic and 10 to 30 anywhere, a
# query 8 to 20 of a topic and 2 anywhere.  Written out densely a row would
# be 122 kB; the index keeps only the non-zeros.  (By L2 or L1 distance a
# short query's nearest are mostly the documents of smallest norm, which
# hnsw finds less well, as it does on the same rows as vector(16000).)
{
	srand(5);
	my @topics = topics(40, 400, 1, 30522);
	my $sparse = sub { topic_sparsevec(\@topics, 30522, $_[0], 0.5, 2, $_[1], 0.3) };
	load_generated(
		'sparsevec(30522)',
		[ map { $sparse->(50 + int(rand(71)), 10 + int(rand(21))) } 1 .. 10000 ],
		[ map { $sparse->(8 + int(rand(13)), 2) } 1 .. 100 ]);
	my $nnz = $node->safe_psql('postgres',
		"SELECT sum(array_length(regexp_split_to_array(v::text, ','), 1)) FROM t");
	for ([ 'sparsevec_ip_ops', '<#>' ], [ 'sparsevec_cosine_ops', '<=>' ])
	{
		my ($opclass, $op) = @$_;
		my $size = hnsw_opclass_recall('SPLADE-shaped', $opclass, $op, ef => 100);
		# a non-zero is 8 bytes; the rest is the graph (about 400 bytes a row)
		note sprintf('%s: %.1f bytes per non-zero (%d non-zeros in 10,000 rows)',
			$opclass, $size / $nnz, $nnz);
		cmp_ok($size, '<', 8 * $nnz + 10000 * 1024, "SPLADE-shaped $opclass: the index keeps only the non-zeros");
	}
	$node->safe_psql('postgres', 'DROP TABLE t, q');
}

# --- sets as bit(1024) under Jaccard distance: 40 topics of 200 positions;
# a row takes 40 to 80 of its topic's and 5 to 20 anywhere.  Jaccard
# distances are ratios of small counts and tie often, so an answer counts
# as right when it is no farther than the exact 10th (tie-aware recall).
{
	srand(9);
	my $bits   = 1024;
	my @topics = topics(40, 200, 0, $bits);
	my $set    = sub {
		my $t = $topics[ int(rand(@topics)) ];
		my @b = (0) x $bits;
		$b[ $t->[ int(rand(@$t)) ] ] = 1 for 1 .. 40 + int(rand(41));
		$b[ int(rand($bits)) ] = 1 for 1 .. 5 + int(rand(16));
		return join('', @b);
	};
	load_generated("bit($bits)", [ map { $set->() } 1 .. 10000 ], [ map { $set->() } 1 .. 100 ]);

	build('t_jaccard', 'CREATE INDEX t_jaccard ON t USING hnsw (v bit_jaccard_ops)');
	like(explain_plan($node, op => '<%>'), qr/Index Scan using t_jaccard on t/,
		'bit_jaccard_ops: kNN uses the index');
	my $r = $node->safe_psql('postgres', <<'EOS');
SET enable_indexscan = off; SET enable_bitmapscan = off; SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE tenth AS SELECT q.qid, (SELECT max(d) FROM (
	SELECT t.v <%> q.v AS d FROM t ORDER BY t.v <%> q.v LIMIT 10) e) AS d FROM q;
RESET enable_indexscan; SET enable_seqscan = off;
SELECT round(avg(hits) / 10, 4) FROM q JOIN tenth USING (qid), LATERAL (
	SELECT count(*) FILTER (WHERE i.d <= tenth.d) AS hits FROM (
		SELECT t.v <%> q.v AS d FROM t ORDER BY t.v <%> q.v LIMIT 10) i) h;
EOS
	note sprintf('sets bit_jaccard_ops: recall@10 %.4f at ef_search 40 (ties count)', $r);
	cmp_ok($r, '>=', 0.95, 'sets bit_jaccard_ops: recall@10 >= 0.95 at the default ef_search');
	index_check_clean($node, 't_jaccard');
	$node->safe_psql('postgres', 'DROP TABLE t, q');
}

server_log_clean($node);
stop_ok($node);
done_testing();

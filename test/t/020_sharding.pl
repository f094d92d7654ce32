# Sharding with Postgres' own partitioning and postgres_fdw: a coordinator
# whose table items is PARTITION BY HASH (id) over three foreign tables, one
# per shard cluster on this machine (loopback TCP).  Each shard holds its
# partition's rows with its own vectordb index: hnsw on two shards, ivf on
# the third.  Rows are loaded through the coordinator (COPY routes each row
# to its shard); the same rows also go into a plain local table whose
# sequential scan gives the exact answers.
#
# Two query shapes, both checked against the exact answers for 50 queries,
# with and without WHERE cat = 3:
#  - the parent table: ORDER BY embedding <-> q LIMIT 10 on items, what an
#    application writes.  The ORDER BY (and the WHERE) reach every shard
#    (only with the server option extensions 'vectordb'); PostgreSQL 15
#    does not push the LIMIT through a partitioned parent, but postgres_fdw
#    reads each shard through a cursor, which vectordb's indexes serve like
#    a LIMIT, fetch_size rows at a time: every shard answers through its
#    index (auto_explain on the shards shows the plans they ran) and the
#    coordinator's Merge Append reads about k rows from each.
#  - one LIMIT per shard: a UNION ALL of the foreign partitions, each with
#    its own ORDER BY ... LIMIT 10 (written out, and as the function
#    items_knn).  The LIMIT reaches every shard and, with async_capable,
#    all shards work at once (Async Foreign Scan).
# The coordinator's connections set hnsw.ef_search = 200 and ivf.probes =
# lists on the shards (the libpq option "options" of each foreign server),
# which make the shards' indexes exact on 2,000 rows, so the merged top-10
# must equal the exact top-10, ids in order.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use VectordbTap;

my $d       = 32;
my $n       = 6000;
my $nq      = 50;
my $k       = 10;
my $nshards = 3;
my $lists   = 20;

my $data = gen_clustered(n => $n, nq => $nq, d => $d, ncat => 10, seed => 20);

my @shards;
for my $i (0 .. $nshards - 1)
{
	my $shard = vdb_node("shard$i", conf => "listen_addresses = '127.0.0.1'\n");
	$shard->safe_psql('postgres',
		"CREATE TABLE items (id int PRIMARY KEY, cat int, embedding vector($d))");
	push @shards, $shard;
}

# the search settings the coordinator's connections set on every shard
my $remote_gucs = "-c hnsw.ef_search=200 -c ivf.probes=$lists";
my $coord = vdb_node('coordinator');
my $user  = $coord->safe_psql('postgres', 'SELECT current_user');
my $setup = "CREATE EXTENSION postgres_fdw;\n";
for my $i (0 .. $nshards - 1)
{
	my $port = $shards[$i]->port;
	$setup .= <<"EOS";
CREATE SERVER shard$i FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host '127.0.0.1', port '$port', dbname 'postgres',
           extensions 'vectordb', fetch_size '$k', async_capable 'true',
           options '$remote_gucs');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard$i OPTIONS (user '$user');
EOS
}
$setup .= "CREATE TABLE items (id int, cat int, embedding vector($d)) PARTITION BY HASH (id);\n";
$setup .= "CREATE FOREIGN TABLE items_p$_ PARTITION OF items "
  . "FOR VALUES WITH (MODULUS $nshards, REMAINDER $_) SERVER shard$_ OPTIONS (table_name 'items');\n"
  for 0 .. $nshards - 1;
# the single-node copy of the same rows, no index: exact answers
$setup .= "CREATE TABLE items_local (id int PRIMARY KEY, cat int, embedding vector($d));\n";
# one ORDER BY ... LIMIT per partition, merged here
$setup .= <<'EOS';
CREATE FUNCTION items_knn(q vector, k int)
RETURNS TABLE (id int, distance float8) LANGUAGE plpgsql STABLE AS $f$
BEGIN
  RETURN QUERY EXECUTE (
    SELECT format('WITH s AS MATERIALIZED (%s) SELECT id, d FROM s ORDER BY d LIMIT $2',
                  string_agg(format('(SELECT id, embedding <-> $1 AS d FROM %s ORDER BY embedding <-> $1 LIMIT $2)',
                                    inhrelid::regclass), ' UNION ALL '))
    FROM pg_inherits WHERE inhparent = 'items'::regclass)
  USING q, k;
END
$f$;
EOS
$coord->safe_psql('postgres', $setup);

my $t0   = time;
my $copy = write_copy_file($data->{base}, $data->{cat}, 1);
$coord->safe_psql('postgres',
	"COPY items FROM '$copy'; COPY items_local FROM '$copy'; ANALYZE items_local;");
note sprintf('COPY of %d rows through the coordinator: %.1f s', $n, time - $t0);

# every shard holds exactly its hash partition's rows
my $total = 0;
for my $i (0 .. $nshards - 1)
{
	my $want = $coord->safe_psql('postgres',
		"SELECT count(*) FROM items_local WHERE satisfies_hash_partition('items'::regclass, $nshards, $i, id)");
	my $have = $shards[$i]->safe_psql('postgres', 'SELECT count(*) FROM items');
	is($have, $want, "shard$i holds the $want rows of hash partition $i");
	$total += $have;
}
is($total, $n, "the shards hold all $n rows");

$t0 = time;
for my $i (0 .. $nshards - 1)
{
	my $index = $i == $nshards - 1
	  ? "CREATE INDEX items_ivf ON items USING ivf (embedding vector_l2_ops) WITH (lists = $lists)"
	  : 'CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)';
	$shards[$i]->safe_psql('postgres', "$index; ANALYZE items;");
}
$coord->safe_psql('postgres', 'ANALYZE items');
note sprintf('shard indexes built in %.1f s', time - $t0);

my @queries = @{ $data->{queries} };
my %where   = (all => '', filtered => 'WHERE cat = 3');
my %shape   = (
	# the parent table: what an application writes
	parent => sub {
		my ($q, $w) = @_;
		return "SELECT id FROM items $w ORDER BY embedding <-> '$q' LIMIT $k";
	},
	# one LIMIT per partition, merged by the coordinator
	per_shard => sub {
		my ($q, $w) = @_;
		my $union = join ' UNION ALL ',
		  map { "(SELECT id, embedding <-> '$q' AS d FROM items_p$_ $w ORDER BY embedding <-> '$q' LIMIT $k)" }
		  0 .. $nshards - 1;
		return "WITH s AS MATERIALIZED ($union) SELECT id FROM s ORDER BY d LIMIT $k";
	},
	function => sub {
		my ($q, $w) = @_;
		return "SELECT id FROM items_knn('$q', $k)";
	},
	exact => sub {
		my ($q, $w) = @_;
		return "SELECT id FROM items_local $w ORDER BY embedding <-> '$q' LIMIT $k";
	});

# answers(SHAPE, WHERE): { query number => [ids in order] }, every query in
# one session (the coordinator keeps its shard connections)
sub answers
{
	my ($shape, $w) = @_;
	my $sql = join '',
	  map { "SELECT '#$_';\n" . $shape{$shape}->($queries[$_], $w) . ";\n" }
	  0 .. $#queries;
	my %res;
	my $cur;
	for my $line (split /\n/, $coord->safe_psql('postgres', $sql))
	{
		if ($line =~ /^#(\d+)$/) { $cur = $1; $res{$cur} = []; }
		else                     { push @{ $res{$cur} }, $line; }
	}
	return \%res;
}

# shard_plans(SQL): runs SQL on the coordinator with auto_explain loaded on
# the shard connections it opens (changed server options drop the cached
# connections; the change is rolled back) and returns, per shard, the
# plans its server log shows
sub shard_plans
{
	my ($sql) = @_;
	my @offsets = map { -s $_->logfile } @shards;
	my $opts = "'$remote_gucs -c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=0'";
	$coord->safe_psql('postgres',
		"BEGIN;\n"
		  . join('', map { "ALTER SERVER shard$_ OPTIONS (SET options $opts);\n" } 0 .. $nshards - 1)
		  . "$sql;\nROLLBACK;");
	return [ map { slurp_file($shards[$_]->logfile, $offsets[$_]) } 0 .. $nshards - 1 ];
}

# plans with the 32-d literals shortened, for notes
sub short
{
	my ($text) = @_;
	$text =~ s/'\[[-0-9.,]+\]'/'[...]'/g;
	return $text;
}

my $remote_order = qr/ORDER BY \(embedding OPERATOR\(public\.<->\) '\[[-0-9.,]+\]'\) ASC NULLS LAST/;
my $q0 = $queries[0];

for my $w (sort keys %where)
{
	my $cond = $where{$w};
	my $wsql = $cond ? ' WHERE \(\(cat = 3\)\)' : '';

	# the parent table: ORDER BY and WHERE pushed to each shard
	my $plan = $coord->safe_psql('postgres',
		'EXPLAIN (VERBOSE, COSTS OFF) ' . $shape{parent}->($q0, $cond));
	note "$w, parent table:\n" . short($plan);
	for my $i (0 .. $nshards - 1)
	{
		like($plan,
			qr/Foreign Scan on public\.items_p$i items_\d+\n.*\n\s+Remote SQL: SELECT id, embedding FROM public\.items$wsql $remote_order/,
			"$w, parent table: shard$i gets the ORDER BY" . ($cond ? ' and the WHERE' : ''));
	}
	if (!$cond)
	{
		# without the extensions option, postgres_fdw ships no vectordb
		# operator: that shard's rows all come back to be sorted here
		my $plain = $coord->safe_psql('postgres',
			"BEGIN; ALTER SERVER shard0 OPTIONS (DROP extensions);\n"
			  . 'EXPLAIN (VERBOSE, COSTS OFF) ' . $shape{parent}->($q0, '') . ";\nROLLBACK;");
		note "all, parent table, shard0 without extensions 'vectordb':\n" . short($plain);
		like($plain, qr/Foreign Scan on public\.items_p0 items_\d+\n.*\n\s+Remote SQL: SELECT id, embedding FROM public\.items\n/,
			"without extensions 'vectordb', shard0 gets no ORDER BY");
	}
	my $pushed_limit = () = $plan =~ /Remote SQL: .* LIMIT /g;
	note "$w, parent table: LIMIT reaches $pushed_limit of $nshards shards";
	my $plans = shard_plans($shape{parent}->($q0, $cond));
	for my $i (0 .. $nshards - 1)
	{
		my $idx = $i == $nshards - 1 ? 'items_ivf' : 'items_hnsw';
		note "$w, parent table, shard$i ran:\n"
		  . short(join("\n", $plans->[$i] =~ /^\t(?!Query Text|\s*SELECT)(.*)$/mg));
		# with the filter, a shard's 200 matching rows may sort cheaper than
		# its index scans (the planner's call, by cost)
		like($plans->[$i], qr/CURSOR FOR\n\tSELECT [^\n]* ASC NULLS LAST\n\tIndex Scan using $idx on items /,
			"$w, parent table: shard$i answers the cursor through its index $idx")
		  unless $cond;
	}

	# one LIMIT per shard: ORDER BY, WHERE and LIMIT pushed, shards scanned
	# concurrently, each through its index
	$plan = $coord->safe_psql('postgres',
		'EXPLAIN (VERBOSE, COSTS OFF) ' . $shape{per_shard}->($q0, $cond));
	note "$w, one LIMIT per shard:\n" . short($plan);
	for my $i (0 .. $nshards - 1)
	{
		like($plan,
			qr/Async Foreign Scan on public\.items_p$i\n.*\n\s+Remote SQL: SELECT id, embedding FROM public\.items$wsql $remote_order LIMIT $k\b/,
			"$w, one LIMIT per shard: shard$i gets ORDER BY ... LIMIT $k in an async scan");
	}
	for my $s ('per_shard', $cond ? () : 'function')
	{
		my $plans = shard_plans($shape{$s}->($q0, $cond));
		for my $i (0 .. $nshards - 1)
		{
			my $idx = $i == $nshards - 1 ? 'items_ivf' : 'items_hnsw';
			like($plans->[$i],
				qr/LIMIT ${k}::bigint\n\tLimit .*\n\t  ->  Index Scan using $idx on items /,
				"$w, $s: shard$i answers through its index $idx");
		}
	}

	# merged answers equal the single-node exact answers
	my $exact = answers('exact', $cond);
	is(scalar(grep { @{ $exact->{$_} } == $k } keys %$exact),
		$nq, "$w: every exact answer has $k rows");
	for my $s ('parent', 'per_shard', $cond ? () : 'function')
	{
		my $t   = time;
		my $got = answers($s, $cond);
		note sprintf('%s, %s: %.1f ms per query', $w, $s, 1000 * (time - $t) / $nq);
		is_deeply($got, $exact, "$w, $s: merged top-$k equals the exact top-$k for all $nq queries");
	}
}

server_log_clean($_) for $coord, @shards;
stop_ok($_) for $coord, @shards;
done_testing();

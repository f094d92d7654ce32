# hnsw build with a maintenance_work_mem far below the graph's size
# (1MB for 5,000 128-d vectors, several MB of graph): the build finishes by
# inserting the rest on disk, and the index has the recall of an in-memory
# build and a clean vectordb_index_check, with and without build threads.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use VectordbTap;

my $node = vdb_node('smallmem');
my $data = gen_clustered(n => 5000, nq => 100, seed => 8);
create_vector_table($node, 't');
load_rows($node, 't', $data->{base}, $data->{cat}, 1);
create_queries($node, $data->{queries});
my $exact = knn($node, exact => 1);

my %recall;
for my $case (
	[ 'in memory',                '64MB', 1 ],
	[ '1MB, one build thread',    '1MB',  1 ],
	[ '1MB, single-threaded',     '1MB',  0 ])
{
	my ($label, $mem, $workers) = @$case;
	my $t0 = time;
	my ($ret, $out, $err) = $node->psql('postgres', <<"EOS");
SET maintenance_work_mem = '$mem';
SET max_parallel_maintenance_workers = $workers;
SET client_min_messages = notice;
CREATE INDEX t_v ON t USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64);
EOS
	my $secs = time - $t0;
	is($ret, 0, "$label: the build succeeds") or diag($err);
	chomp $err;
	note sprintf('%s: build %.2f s, %d kB%s', $label, $secs,
		index_size($node, 't_v') / 1024, $err ne '' ? " ($err)" : '');
	$recall{$label} = recall(knn($node), $exact);
	note sprintf('%s: recall@10 %.4f', $label, $recall{$label});
	cmp_ok($recall{$label}, '>=', 0.95, "$label: recall\@10 >= 0.95");
	cmp_ok($recall{$label}, '>=', ($recall{'in memory'} // 0) - 0.02,
		"$label: recall within 0.02 of the in-memory build");
	index_check_clean($node, 't_v', "$label: check is clean");
	my ($missed, $checked) = self_lookup_misses($node, 't', 'r.id % 10 = 0');
	is_deeply($missed, [], "$label: each of $checked sampled rows finds itself");
	$node->safe_psql('postgres', 'DROP INDEX t_v');
}

server_log_clean($node);
stop_ok($node);
done_testing();

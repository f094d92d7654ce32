# vectordb_index_check itself, and reading damaged indexes: every other test
# trusts the check's empty answer, so check that it finds damage.  With the
# server stopped, part of an index page is overwritten with a pattern (page
# header and special space kept, so Postgres' own page check passes and the
# damage reaches vectordb's code).  For an hnsw and an ivf index (flat and
# pq), each kind of page is damaged in turn, then every page at once: the
# check must report problems (or fail with an error) where the damage is
# structural, and neither the check nor an index scan nor an insert may
# crash the server: they either work or stop with an error.  The original
# file is put back after each case.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VectordbTap;

my $node = vdb_node('check');
my $data = gen_clustered(n => 3000, nq => 10, seed => 10);
create_vector_table($node, 't');
load_rows($node, 't', $data->{base}, $data->{cat}, 1);
my $query = $data->{queries}[0];
my $bs = $node->safe_psql('postgres', 'SHOW block_size');

sub read_file
{
	open my $fh, '<:raw', $_[0] or die "cannot read $_[0]: $!";
	local $/;
	my $bytes = <$fh>;
	return $bytes;
}

sub write_file
{
	open my $fh, '>:raw', $_[0] or die "cannot write $_[0]: $!";
	print $fh $_[1];
	close $fh or die "cannot write $_[0]: $!";
	return;
}

# overwrite the second half of a page short of its special space, where
# node and list pages keep their items, or with HEAD the first 256 bytes
# after the page header, where the metapage's fields and the ivf directory
# sit
sub damage
{
	my ($bytes, $blk, $head) = @_;
	my $special = unpack('S', substr($bytes, $blk * $bs + 16, 2));
	my $from = $bs / 2;
	my $len  = $special - $from;
	($from, $len) = (24, 256) if $head;
	$len = 0 if $len < 0;
	substr($bytes, $blk * $bs + $from, $len) =
	  pack('C*', map { ($_ * 37 + 11 + $blk) % 256 } 1 .. $len);
	return $bytes;
}

# damage_cases(INDEX, TYPE_OFFSET, CASES): runs the check, a scan and an
# insert on damaged copies of INDEX's file.  TYPE_OFFSET is where the page
# type (uint16) sits in the special space; CASES lists [label, page type,
# which page of that type ('first', 'middle', 'last'), must the check report]
sub damage_cases
{
	my ($index, $type_offset, @cases) = @_;
	my $path = $node->data_dir . '/'
	  . $node->safe_psql('postgres', "SELECT pg_relation_filepath('$index')");
	my $nblocks = $node->safe_psql('postgres',
		"SELECT pg_relation_size('$index') / current_setting('block_size')::int");
	my $am = $node->safe_psql('postgres',
		"SELECT amname FROM pg_class JOIN pg_am ON relam = pg_am.oid WHERE relname = '$index'");
	my $settings = $am eq 'hnsw' ? 'SET hnsw.ef_search = 100;' : 'SET ivf.probes = 10;';
	$node->stop;
	my $original = read_file($path);

	# page types from each page's special space; pd_special is the uint16
	# at byte 16 of the page header
	my %pages_of;
	for my $blk (0 .. $nblocks - 1)
	{
		my $special = unpack('S', substr($original, $blk * $bs + 16, 2));
		my $type = unpack('S', substr($original, $blk * $bs + $special + $type_offset, 2));
		push @{ $pages_of{$type} }, $blk;
	}
	note "$index: $nblocks pages, by type: "
	  . join(', ', map { "$_ => " . scalar(@{ $pages_of{$_} }) } sort keys %pages_of);

	my $run = sub {
		my ($label, $must_report, $head, @blocks) = @_;
		my $bytes = $original;
		$bytes = damage($bytes, $_, $head || $_ == 0) for @blocks;
		write_file($path, $bytes);
		$node->start;
		my ($ret, $out, $err) = $node->psql('postgres',
			"SELECT * FROM vectordb_index_check('$index')");
		my @rows = grep { length } split /\n/, $out;
		note sprintf('%s, damaged %s: %s', $index, $label,
			$ret == 0
			? scalar(@rows) . ' problem(s)' . (@rows ? ", first: $rows[0]" : '')
			: "error: $err");
		# a scan and an insert on the damaged index: rows or an error
		my ($sret, $sout, $serr) = $node->psql('postgres',
			"SET enable_seqscan = off; $settings
			 SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> '$query' LIMIT 10) s");
		note "  scan: " . ($sret == 0 ? "$sout rows" : "error: $serr");
		my ($iret, $iout, $ierr) = $node->psql('postgres',
			"BEGIN; INSERT INTO t (id, cat, v) VALUES (-1, 0, '$query'); ROLLBACK");
		note "  insert: " . ($iret == 0 ? 'done' : "error: $ierr");
		my $alive = $node->psql('postgres', 'SELECT 1') == 0;
		$node->stop('fast', fail_ok => 1);
		write_file($path, $original);
		ok($alive, "$index, damaged $label: check, scan and insert do not crash the server");
		ok($ret != 0 || @rows > 0, "$index, damaged $label: the check reports problems")
		  if $must_report;
	};

	for my $case (@cases)
	{
		my ($label, $type, $which, $must_report, $head) = @$case;
		my @pages = @{ $pages_of{$type} // [] };
		next unless @pages;
		my $blk = $which eq 'first' ? $pages[0]
		  : $which eq 'last' ? $pages[-1] : $pages[ $#pages / 2 ];
		$run->("$label (block $blk of $nblocks)", $must_report, $head, $blk);
	}
	$run->('every page', 1, 0, 1 .. $nblocks - 1);

	$node->start;
	index_check_clean($node, $index, "$index: check is clean once the file is restored");
	return;
}

# hnsw: page types 1 meta, 2 node, 3 vector (uint16 page_type first in the
# special space).  The floats of a vector page cannot be judged.
$node->safe_psql('postgres', 'CREATE INDEX t_hnsw ON t USING hnsw (v vector_l2_ops)');
index_check_clean($node, 't_hnsw', 'check is clean on the intact hnsw index');
damage_cases('t_hnsw', 0,
	[ 'metapage',          1, 'first',  1 ],
	[ 'first node page',   2, 'first',  1 ],
	[ 'middle node page',  2, 'middle', 1 ],
	[ 'last node page',    2, 'last',   1 ],
	[ 'first vector page', 3, 'first',  0 ]);
$node->safe_psql('postgres', 'DROP INDEX t_hnsw');

# ivf: page types 1 meta, 2 float stream, 3 directory, 4 list (after the
# uint32 next-page link in the special space).  Damaged centroid or
# codebook floats that are still finite cannot be judged.
for my $options ('lists = 20', 'lists = 20, quantizer = pq')
{
	$node->safe_psql('postgres', "CREATE INDEX t_ivf ON t USING ivf (v) WITH ($options)");
	index_check_clean($node, 't_ivf', "check is clean on the intact ivf index ($options)");
	damage_cases('t_ivf', 4,
		[ 'metapage',           1, 'first',  1 ],
		[ 'first stream page',  2, 'first',  0 ],
		[ 'directory page',     3, 'first',  1, 1 ],
		[ 'first list page',    4, 'first',  1 ],
		[ 'middle list page',   4, 'middle', 1 ],
		[ 'last list page',     4, 'last',   1 ]);
	$node->safe_psql('postgres', 'DROP INDEX t_ivf');
}

# the damaged cases crashed nothing; a clean server log besides
server_log_clean($node);
stop_ok($node);
done_testing();

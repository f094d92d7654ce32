# vectordb_index_check itself: every other test trusts its empty answer, so
# check that it finds damage.  With the server stopped, the item half of
# index pages is overwritten (page headers and special space kept): the check
# must report problems (or fail with an error) for a damaged metapage, a
# damaged node page (first, middle, last) and an index with every page
# damaged, and must never crash the server (nor for a damaged vector page,
# whose floats it cannot judge).  The
# original file is put back after each case.
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
$node->safe_psql('postgres', 'CREATE INDEX t_v ON t USING hnsw (v vector_l2_ops)');
index_check_clean($node, 't_v', 'check is clean on the intact index');

my $path = $node->data_dir . '/'
  . $node->safe_psql('postgres', "SELECT pg_relation_filepath('t_v')");
my $nblocks = $node->safe_psql('postgres',
	"SELECT pg_relation_size('t_v') / current_setting('block_size')::int");
my $bs = $node->safe_psql('postgres', 'SHOW block_size');
$node->stop;

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

my $original = read_file($path);

# page types from each page's special space (HnswPageOpaqueData: uint16
# page_type first; 1 meta, 2 node, 3 vector); pd_special is the uint16 at
# byte 16 of the page header
my (%type_of, %pages_of);
for my $blk (0 .. $nblocks - 1)
{
	my $special = unpack('S', substr($original, $blk * $bs + 16, 2));
	my $type = unpack('S', substr($original, $blk * $bs + $special, 2));
	$type_of{$blk} = $type;
	push @{ $pages_of{$type} }, $blk;
}
my @node_pages   = @{ $pages_of{2} // [] };
my @vector_pages = @{ $pages_of{3} // [] };
note sprintf('%d pages: %d node pages, %d vector pages',
	$nblocks, scalar(@node_pages), scalar(@vector_pages));
cmp_ok(scalar(@node_pages), '>=', 3, 'the index has node pages');

# overwrite the second half of a page short of its special space, where
# node pages keep their items, or the metapage's fields (page header and
# special space kept)
sub damage
{
	my ($bytes, $blk) = @_;
	my $special = unpack('S', substr($bytes, $blk * $bs + 16, 2));
	my $from = $bs / 2;
	my $len  = $special - $from;
	# the metapage's fields sit right after the page header
	($from, $len) = (24, 64) if $blk == 0;
	$len = 0 if $len < 0;
	substr($bytes, $blk * $bs + $from, $len) =
	  pack('C*', map { ($_ * 37 + 11 + $blk) % 256 } 1 .. $len);
	return $bytes;
}

# run the check on a damaged copy; returns (psql exit code, rows, stderr,
# whether the server survived)
sub check_damaged
{
	my (@blocks) = @_;
	my $bytes = $original;
	$bytes = damage($bytes, $_) for @blocks;
	write_file($path, $bytes);
	$node->start;
	my ($ret, $out, $err) = $node->psql('postgres',
		"SELECT * FROM vectordb_index_check('t_v')");
	my $alive = $node->psql('postgres', 'SELECT 1') == 0;
	$node->stop('fast', fail_ok => 1);
	write_file($path, $original);
	return ($ret, $out, $err, $alive);
}

for my $case (
	[ 'metapage',          0,                           1 ],
	[ 'first node page',   $node_pages[0],              1 ],
	[ 'middle node page',  $node_pages[ $#node_pages / 2 ], 1 ],
	[ 'last node page',    $node_pages[-1],             1 ],
	[ 'first vector page', $vector_pages[0],            0 ])
{
	my ($label, $blk, $must_report) = @$case;
	next unless defined $blk;
	my ($ret, $out, $err, $alive) = check_damaged($blk);
	my @rows = grep { length } split /\n/, $out;
	note sprintf('damaged %s (block %d of %d): %s', $label, $blk, $nblocks,
		$ret == 0
		? scalar(@rows) . ' problem(s)' . (@rows ? ", first: $rows[0]" : '')
		: "error: $err");
	ok($alive, "damaged $label: the check does not crash the server");
	ok($ret != 0 || @rows > 0, "damaged $label: the check reports problems")
	  if $must_report;
}

my ($ret, $out, $err, $alive) = check_damaged(1 .. $nblocks - 1);
my @rows = grep { length } split /\n/, $out;
note sprintf('every page damaged: %s',
	$ret == 0 ? scalar(@rows) . ' problem(s)' : "error: $err");
ok($alive, 'every page damaged: the check does not crash the server');
ok($ret != 0 || @rows > 0, 'every page damaged: the check reports problems');

$node->start;
index_check_clean($node, 't_v', 'check is clean once the file is restored');
# the damaged cases crashed nothing; a clean server log besides
server_log_clean($node);
stop_ok($node);
done_testing();

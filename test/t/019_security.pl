# Security: the extension script cannot be captured through search_path, the
# functions carry the right labels, and a non-superuser can use the trusted
# extension but cannot reach what is not theirs.
#
# The attacker, mallory, may create objects in schema public (granted for
# the test) and in her own schema, and plants decoys there before the
# superuser runs CREATE EXTENSION with both schemas on search_path.  A decoy
# that were ever called would write to mallory.calls.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VectordbTap;

my $node = vdb_node('security');
$node->safe_psql('postgres', 'DROP EXTENSION vectordb');
$node->safe_psql('postgres', <<'EOS');
CREATE ROLE mallory LOGIN;
CREATE ROLE alice LOGIN;
CREATE SCHEMA mallory AUTHORIZATION mallory;
GRANT CREATE ON SCHEMA public TO mallory;
EOS

# Decoys: functions and operators the script's names could resolve to if
# the script looked them up through the caller's search_path, each
# recording its call.  (Selectivity estimators take internal arguments,
# which only C functions, hence only superusers, can declare.)
my $decoys = <<'EOS';
CREATE TABLE mallory.calls (what text);
GRANT INSERT, SELECT ON mallory.calls TO PUBLIC;
CREATE FUNCTION mallory.note(what text) RETURNS void LANGUAGE sql
	AS $$ INSERT INTO mallory.calls VALUES (what) $$;
CREATE FUNCTION public.float8(real) RETURNS float8
	LANGUAGE sql AS $$ SELECT mallory.note('float8'); SELECT 0::float8 $$;
CREATE FUNCTION public.btfloat4cmp(real, real) RETURNS integer
	LANGUAGE sql AS $$ SELECT mallory.note('btfloat4cmp'); SELECT 0 $$;
CREATE FUNCTION mallory.sqrt(float8) RETURNS float8
	LANGUAGE sql AS $$ SELECT mallory.note('sqrt'); SELECT 1::float8 $$;
CREATE FUNCTION mallory.array_length(anyarray, integer) RETURNS integer
	LANGUAGE sql AS $$ SELECT mallory.note('array_length'); SELECT 1 $$;
CREATE FUNCTION mallory.int_eq(integer, integer) RETURNS boolean
	LANGUAGE sql AS $$ SELECT mallory.note('='); SELECT true $$;
CREATE OPERATOR mallory.= (LEFTARG = integer, RIGHTARG = integer, PROCEDURE = mallory.int_eq);
EOS
$node->safe_psql('postgres', "SET ROLE mallory; $decoys");

# A decoy with the exact signature of one of the script's functions makes
# CREATE EXTENSION fail: never replaced, never used
$node->safe_psql('postgres', <<'EOS');
SET ROLE mallory;
CREATE FUNCTION public.vector_avg(double precision[]) RETURNS double precision[]
	LANGUAGE sql AS $$ SELECT mallory.note('vector_avg'); SELECT $1 $$;
EOS
my ($ret, $out, $err) = $node->psql('postgres',
	'SET search_path = mallory, public; CREATE EXTENSION vectordb SCHEMA public');
isnt($ret, 0, 'a pre-existing function of the same signature stops CREATE EXTENSION');
like($err, qr/function "vector_avg" already exists/, '... with a clear error');
$node->safe_psql('postgres', 'DROP FUNCTION public.vector_avg(double precision[])');

$node->safe_psql('postgres',
	'SET search_path = mallory, public; CREATE EXTENSION vectordb SCHEMA public');

# Everything the extension defines, exercised with the attacker's schema
# first on the path
$node->safe_psql('postgres', <<'EOS');
SET search_path = mallory, public;
CREATE TABLE items (id int, v vector(3));
INSERT INTO items SELECT i, ARRAY[i, i % 7, 1]::real[]::vector FROM generate_series(1, 2000) i;
INSERT INTO items VALUES (0, ARRAY[1,2,3]::int[]), (-1, ARRAY[1,2,3]::float8[]), (-2, ARRAY[1,2,3]::numeric[]);
ANALYZE items;
CREATE INDEX ON items USING hnsw (v vector_l2_ops);
CREATE INDEX ON items USING hnsw (v vector_cosine_ops);
CREATE INDEX ON items USING ivf (v vector_ip_ops) WITH (lists = 10);
CREATE INDEX ON items USING btree (v);
SELECT avg(v), sum(v) FROM items;
SELECT count(*) FROM items WHERE v < '[5,5,5]' AND v = v AND v <> '[1,1,1]' AND v >= '[0,0,0]';
SELECT v <-> '[1,1,1]', v <#> '[1,1,1]', v <=> '[1,1,1]', v <+> '[1,1,1]',
	v + v, v - v, v * v, v || v, vector_dims(v), vector_norm(v), l2_normalize(v),
	subvector(v, 1, 2), v::real[], v::float8[], v::vector(3)
FROM items LIMIT 3;
SET enable_seqscan = off;
SELECT id FROM items ORDER BY v <-> '[3,3,1]' LIMIT 5;
SELECT id FROM items ORDER BY v <=> '[3,3,1]' LIMIT 5;
SELECT id FROM items ORDER BY v <#> '[3,3,1]' LIMIT 5;
SELECT * FROM vectordb_index_check('items_v_idx');
EOS
is($node->safe_psql('postgres', 'SELECT count(*) FROM mallory.calls'), '0',
	'no decoy was ever called');

# Every function the extension's objects call is the extension's own or
# pg_catalog's: nothing resolved to another schema
my $foreign = $node->safe_psql('postgres', <<'EOS');
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'vectordb'),
members AS (
	SELECT classid, objid FROM pg_depend, ext
	WHERE refclassid = 'pg_extension'::regclass AND refobjid = ext.oid AND deptype = 'e'),
called AS (
	SELECT oprcode AS f FROM pg_operator WHERE oid IN (SELECT objid FROM members)
	UNION SELECT oprrest FROM pg_operator WHERE oid IN (SELECT objid FROM members)
	UNION SELECT oprjoin FROM pg_operator WHERE oid IN (SELECT objid FROM members)
	UNION SELECT castfunc FROM pg_cast WHERE oid IN (SELECT objid FROM members)
	UNION SELECT aggtransfn FROM pg_aggregate WHERE aggfnoid IN (SELECT objid FROM members)
	UNION SELECT aggfinalfn FROM pg_aggregate WHERE aggfnoid IN (SELECT objid FROM members)
	UNION SELECT aggcombinefn FROM pg_aggregate WHERE aggfnoid IN (SELECT objid FROM members)
	UNION SELECT amproc FROM pg_amproc WHERE amprocfamily IN
		(SELECT opcfamily FROM pg_opclass WHERE oid IN (SELECT objid FROM members))
	UNION SELECT typinput FROM pg_type WHERE oid IN (SELECT objid FROM members)
	UNION SELECT typoutput FROM pg_type WHERE oid IN (SELECT objid FROM members)
	UNION SELECT typreceive FROM pg_type WHERE oid IN (SELECT objid FROM members)
	UNION SELECT typsend FROM pg_type WHERE oid IN (SELECT objid FROM members)
	UNION SELECT typmodin FROM pg_type WHERE oid IN (SELECT objid FROM members))
SELECT string_agg(f::regprocedure::text, ', ')
FROM called c JOIN pg_proc p ON p.oid = c.f
WHERE c.f <> 0
  AND p.pronamespace <> 'pg_catalog'::regnamespace
  AND NOT EXISTS (SELECT 1 FROM members m WHERE m.classid = 'pg_proc'::regclass AND m.objid = c.f)
EOS
is($foreign, '', 'operators, casts, aggregates, opclasses and the type call only their own or pg_catalog functions');

# Labels: C functions are strict except the AM handlers (internal argument),
# none is SECURITY DEFINER, only vectordb_index_check and
# vectordb_index_stats are volatile (and parallel restricted, as amcheck's
# functions are: the stats also read this backend's scan counters), vectordb_simd_level is
# stable (it depends on the CPU), everything else is immutable and parallel
# safe
my $labels = $node->safe_psql('postgres', <<'EOS');
SELECT string_agg(format('%s:%s%s%s%s', p.proname, p.provolatile, p.proparallel,
		CASE WHEN p.proisstrict THEN 'strict' ELSE '' END,
		CASE WHEN p.prosecdef THEN ' SECDEF' ELSE '' END), ' ' ORDER BY p.proname)
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
JOIN pg_extension e ON d.refobjid = e.oid AND e.extname = 'vectordb'
WHERE p.prokind = 'f'
  AND NOT (p.provolatile = 'i' AND p.proparallel = 's' AND p.proisstrict AND NOT p.prosecdef)
EOS
is($labels,
	'hnswhandler:vu ivfhandler:vu vectordb_index_check:vrstrict vectordb_index_stats:vrstrict '
	  . 'vectordb_simd_level:ssstrict',
	'only the handlers, the check, the stats and vectordb_simd_level differ from IMMUTABLE STRICT PARALLEL SAFE');

# A non-superuser: the extension is trusted, so a database owner installs it
($ret, $out, $err) = $node->psql('postgres', <<'EOS');
CREATE DATABASE alicedb OWNER alice;
EOS
is($ret, 0, 'database for alice');
my $as_alice = sub {
	my ($sql, $db) = @_;
	return $node->psql($db // 'alicedb', "SET ROLE alice; $sql");
};
($ret, $out, $err) = $as_alice->('CREATE EXTENSION vectordb');
is($ret, 0, 'alice, a database owner but not a superuser, can create the trusted extension')
  or diag($err);
($ret, $out, $err) = $as_alice->(<<'EOS');
CREATE TABLE mine (id int, v vector(2));
INSERT INTO mine SELECT i, ARRAY[i, i]::real[]::vector FROM generate_series(1, 100) i;
CREATE INDEX ON mine USING hnsw (v);
CREATE INDEX ON mine USING ivf (v) WITH (lists = 4);
SET hnsw.ef_search = 100;
SELECT count(*) FROM vectordb_index_check('mine_v_idx');
SELECT id FROM mine ORDER BY v <-> '[3,3]' LIMIT 1;
EOS
is($ret, 0, 'alice builds, checks and queries indexes on her table') or diag($err);
like($out, qr/^0\n3$/, '... with the expected answers');

for my $case (
	[ 'CREATE OR REPLACE FUNCTION vector_norm(vector) RETURNS float8 LANGUAGE sql AS $$ SELECT 0::float8 $$',
		qr/must be owner of function vector_norm/, 'cannot replace an extension function' ],
	[ "CREATE FUNCTION my_norm(vector) RETURNS float8 AS '\$libdir/vectordb', 'vector_norm' LANGUAGE C",
		qr/permission denied for language c/, 'cannot bind the library\'s symbols to new functions' ],
	[ 'ALTER OPERATOR FAMILY vector_l2_ops USING hnsw ADD FUNCTION 1 (vector, vector) l1_distance(vector, vector)',
		qr/must be (owner|superuser)/, 'cannot alter an operator family' ],
	[ "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'mine_v_idx'::regclass",
		qr/permission denied/, 'cannot touch the catalogs' ])
{
	my ($sql, $error, $label) = @$case;
	($ret, $out, $err) = $as_alice->($sql);
	like($err, $error, "alice $label");
}

# Someone else's table: no index check without SELECT on it
$node->safe_psql('alicedb', <<'EOS');
CREATE TABLE secret (id int, v vector(2));
INSERT INTO secret VALUES (1, '[1,2]');
CREATE INDEX secret_v ON secret USING hnsw (v);
EOS
($ret, $out, $err) = $as_alice->("SELECT * FROM vectordb_index_check('secret_v')");
like($err, qr/permission denied for table secret/, 'alice cannot check an index on a table she may not read');
($ret, $out, $err) = $as_alice->("SELECT * FROM vectordb_index_stats('secret_v')");
like($err, qr/permission denied for table secret/, '... nor read its statistics');
($ret, $out, $err) = $as_alice->("SET enable_seqscan = off; SELECT id FROM secret ORDER BY v <-> '[1,2]' LIMIT 1");
like($err, qr/permission denied for table secret/, 'nor read its rows through the index');
$node->safe_psql('alicedb', 'GRANT SELECT ON secret TO alice');
($ret, $out, $err) = $as_alice->("SELECT count(*) FROM vectordb_index_check('secret_v')");
is($out, '0', 'with SELECT granted she can');

is($node->safe_psql('postgres', 'SELECT count(*) FROM mallory.calls'), '0',
	'still no decoy was called');
server_log_clean($node);
stop_ok($node);
done_testing();

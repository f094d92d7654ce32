-- halfvec: text and binary I/O, type modifiers, casts, every function and
-- operator, btree ordering, aggregates, and index scans for each hnsw and
-- ivf operator class
SET client_min_messages = warning;
SET jit = off;

CREATE FUNCTION sqlstate_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- text form: as vector's; each element rounds to the nearest half (ties to
-- even) and prints as that half's float4 value
SELECT '[1,2,3]'::halfvec;
SELECT ' [ 1 , -2.5 ,3e2 ] '::halfvec;
SELECT '[0.1, 0.2, 3.14159, 1000.7, -0, 1e-8, 6e-8, 65504, 65519]'::halfvec;
SELECT '[2049, 2051, 4097, 1.00048828125, 1.00146484375]'::halfvec;	-- ties go to even
SELECT '[0.00006103515625, 0.000060975551605224609375, 5.9604644775390625e-8]'::halfvec;	-- smallest normal, largest and smallest subnormal
SELECT '[1,2,3]'::halfvec::text = '[1,2,3]';

-- printed halves read back bit-identical: text, real[] and vector round trips
SELECT count(*) AS mismatches
FROM (SELECT ('[' || array_to_string(a, ',') || ']')::halfvec AS v
	  FROM (SELECT array_agg((random() * 2 - 1) * 10 ^ (random() * 11 - 7))::real[] AS a
			FROM generate_series(1, 2000) i GROUP BY i % 10) s) t
WHERE v::text::halfvec <> v OR v::real[]::halfvec <> v OR v::vector::halfvec <> v
	OR v::text <> v::vector::text;

-- malformed text, NaN, infinities and values beyond the half range
SELECT query, sqlstate_of(query) FROM (VALUES
	('SELECT ''[1,2''::halfvec'),
	('SELECT ''[1,,2]''::halfvec'),
	('SELECT ''[]''::halfvec'),
	('SELECT ''1,2''::halfvec'),
	('SELECT ''[1,2]x''::halfvec'),
	('SELECT ''[abc]''::halfvec'),
	('SELECT ''[1 2]''::halfvec'),
	('SELECT ''''::halfvec'),
	('SELECT ''[NaN]''::halfvec'),
	('SELECT ''[1,Infinity]''::halfvec'),
	('SELECT ''[-inf]''::halfvec'),
	('SELECT ''[1, 70000]''::halfvec'),
	('SELECT ''[-70000]''::halfvec'),
	('SELECT ''[65520]''::halfvec'),
	('SELECT ''[ 1e39 ]''::halfvec')
) t(query);

-- dimension limits
SELECT vector_dims(array_fill(1, ARRAY[16000])::halfvec);
SELECT vector_dims(('[' || repeat('0,', 15999) || '0]')::halfvec);
SELECT query, sqlstate_of(query) FROM (VALUES
	('SELECT array_fill(1, ARRAY[16001])::halfvec'),
	('SELECT (''['' || repeat(''1,'', 16000) || ''1]'')::halfvec')
) t(query);

-- type modifiers, enforced on cast, insert and update
SELECT '[1,2,3]'::halfvec(3);
CREATE TABLE t (v halfvec(3));
INSERT INTO t VALUES ('[1,2,3]'), (NULL);
SELECT query, sqlstate_of(query) FROM (VALUES
	('SELECT ''[1,2]''::halfvec(3)'),
	('SELECT ''[1,2,3]''::halfvec(0)'),
	('SELECT ''[1,2,3]''::halfvec(16001)'),
	('SELECT ''[1,2,3]''::halfvec(3, 2)'),
	('SELECT ''[1,2]''::halfvec::halfvec(3)'),
	('INSERT INTO t VALUES (''[1,2]'')'),
	('INSERT INTO t VALUES (''[1,2,3,4]''::halfvec)'),
	('INSERT INTO t VALUES (''[1,2]''::vector)'),
	('INSERT INTO t VALUES (ARRAY[1,2])'),
	('UPDATE t SET v = ''[1,2]'' WHERE v IS NOT NULL')
) t(query);
SELECT * FROM t ORDER BY v;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'v';
DROP TABLE t;

-- binary send/recv: pgvector's layout (int16 dim, int16 unused, big-endian
-- binary16 values), reached through a binary COPY as clients reach it
CREATE TEMP TABLE recv_target (v halfvec);
CREATE FUNCTION halfvec_recv_test(payload bytea) RETURNS halfvec LANGUAGE plpgsql AS $$
DECLARE
	copy_data bytea := '\x5047434f50590aff0d0a00'::bytea	-- PGCOPY signature
		|| '\x0000000000000000'::bytea						-- flags, header extension
		|| '\x0001'::bytea || int4send(length(payload)) || payload
		|| '\xffff'::bytea;									-- trailer
	octal text := '';
	b int;
	result halfvec;
BEGIN
	FOR i IN 0 .. length(copy_data) - 1 LOOP
		b := get_byte(copy_data, i);
		octal := octal || '\' || (b >> 6) || ((b >> 3) & 7) || (b & 7);
	END LOOP;
	TRUNCATE recv_target;
	EXECUTE format('COPY recv_target FROM PROGRAM %L WITH (FORMAT binary)', 'printf ''' || octal || '''');
	SELECT v INTO result FROM recv_target;
	RETURN result;
END
$$;
SELECT halfvec_send('[1,-2,0.5,65504,6e-8]');
SELECT halfvec_recv_test(halfvec_send('[1,-2,0.5,65504,6e-8]'));
SELECT halfvec_recv_test('\x000200003c00c000');
SELECT payload, sqlstate_of(format('SELECT halfvec_recv_test(%L::bytea)', payload)) FROM (VALUES
	('\x0000'),						-- short buffer
	('\x00020000'),					-- 2 dimensions, no data
	('\x000100003c00ff'),			-- a trailing byte
	('\x000100003f800000'),			-- a float4 payload, not a half
	('\x000000003c00'),				-- 0 dimensions
	('\x000100013c00'),				-- unused is not 0
	('\x3e810000'),					-- 16001 dimensions
	('\xffff0000'),					-- -1 dimensions
	('\x000100007e00'),				-- NaN
	('\x00020000fc003c00')			-- -Infinity
) t(payload);

-- casts from arrays: each element rounded once to the nearest half
SELECT ARRAY[1,2,3]::halfvec;
SELECT ARRAY[1.5,2.25,-3,0.1]::real[]::halfvec;
SELECT ARRAY[1.5,2.25,-3,0.1]::double precision[]::halfvec;
SELECT ARRAY[1.5,2.25,-3,0.1]::numeric[]::halfvec;
SELECT ARRAY[1,2,3]::halfvec(3);
-- 1 + 2^-11 + 2^-40 lies just above a tie: rounded once it goes up, where a
-- detour through real would lose the 2^-40 and round the tie to even
SELECT ARRAY[1.000488281250000909]::double precision[]::halfvec,
	   ARRAY[1.000488281250000909]::double precision[]::real[]::halfvec;
SELECT query, sqlstate_of(query) FROM (VALUES
	('SELECT ARRAY[1,2,3]::halfvec(2)'),
	('SELECT ''{}''::real[]::halfvec'),
	('SELECT ARRAY[[1,2],[3,4]]::halfvec'),
	('SELECT ARRAY[1,NULL,3]::halfvec'),
	('SELECT ARRAY[70000]::halfvec'),
	('SELECT ARRAY[''NaN'']::real[]::halfvec'),
	('SELECT ARRAY[1e5]::real[]::halfvec'),
	('SELECT ARRAY[''Infinity'']::double precision[]::halfvec'),
	('SELECT ARRAY[-1e300]::double precision[]::halfvec'),
	('SELECT ARRAY[65520.5]::numeric[]::halfvec'),
	('SELECT ARRAY[''NaN'']::numeric[]::halfvec'),
	('SELECT ARRAY[''2020-01-01'']::date[]::halfvec')
) t(query);

-- casts between halfvec, vector and real[]
SELECT '[1,2.5,0.1]'::vector::halfvec, '[1,2.5,0.1]'::vector::halfvec(3);
SELECT '[1,2.5,0.1]'::halfvec::vector, '[1,2.5,0.1]'::halfvec::vector(3);
SELECT '[1,2.5,-3]'::halfvec::real[];
SELECT query, sqlstate_of(query) FROM (VALUES
	('SELECT ''[1,70000]''::vector::halfvec'),
	('SELECT ''[1,2]''::vector::halfvec(3)'),
	('SELECT ''[1,2]''::halfvec::vector(3)')
) t(query);
-- which casts apply where, as in pgvector: vector -> halfvec is implicit,
-- halfvec -> vector and halfvec -> real[] on assignment
SELECT castsource::regtype, casttarget::regtype, castcontext, castmethod
FROM pg_cast WHERE castsource = 'halfvec'::regtype OR casttarget = 'halfvec'::regtype
ORDER BY castsource::regtype::text, casttarget::regtype::text;
SELECT l2_distance('[0,0]'::vector, '[3,4]'::halfvec);	-- the vector becomes a halfvec
CREATE TABLE both_types (v vector(2), h halfvec(2), a real[]);
INSERT INTO both_types VALUES ('[1,2]'::halfvec, '[0.1,3]'::vector, '[0.1,3]'::halfvec);
SELECT * FROM both_types;
DROP TABLE both_types;

-- distance functions and their operators; the half values are exact floats
SELECT l2_distance('[0,0]'::halfvec, '[3,4]'), '[0,0]'::halfvec <-> '[3,4]';
SELECT inner_product('[1,2]'::halfvec, '[3,4]'), '[1,2]'::halfvec <#> '[3,4]';
SELECT cosine_distance('[1,2]'::halfvec, '[2,4]'), '[1,2]'::halfvec <=> '[-1,-2]', '[1,0]'::halfvec <=> '[0,1]';
SELECT cosine_distance('[0,0]'::halfvec, '[1,2]');
SELECT l1_distance('[0,0]'::halfvec, '[3,-4]'), '[0,0]'::halfvec <+> '[3,-4]';
SELECT '[0.1]'::halfvec <-> '[0]', '[0.1]'::vector <-> '[0]';	-- 0.1 rounded to a half, and as real
-- long vectors go through the SIMD kernels: same answers as vector's on the same values
SELECT abs((h1 <-> h2) - (h1::vector <-> h2::vector)) < 1e-9 * (h1 <-> h2) AS l2,
	   abs((h1 <#> h2) - (h1::vector <#> h2::vector)) < 1e-9 * abs(h1 <#> h2) AS ip,
	   abs((h1 <=> h2) - (h1::vector <=> h2::vector)) < 1e-9 AS cosine,
	   abs((h1 <+> h2) - (h1::vector <+> h2::vector)) < 1e-9 * (h1 <+> h2) AS l1
FROM (SELECT array_agg(sin(i))::halfvec AS h1, array_agg(cos(i * 0.3) * 100)::halfvec AS h2
	  FROM generate_series(1, 1531) i) s;
SELECT query, sqlstate_of(query) FROM (VALUES
	('SELECT ''[1,2]''::halfvec <-> ''[1,2,3]'''),
	('SELECT ''[1,2]''::halfvec <#> ''[1,2,3]'''),
	('SELECT ''[1,2]''::halfvec <=> ''[1,2,3]'''),
	('SELECT ''[1,2]''::halfvec <+> ''[1,2,3]'''),
	('SELECT ''[1,2]''::halfvec + ''[1,2,3]''')
) t(query);

-- vector_dims, l2_norm, l2_normalize, subvector, binary_quantize
SELECT vector_dims('[1,2,3]'::halfvec);
SELECT l2_norm('[3,4]'::halfvec), l2_norm('[0,0]'::halfvec), l2_norm(array_fill(65504, ARRAY[16000])::halfvec);
SELECT l2_normalize('[3,4]'::halfvec), l2_normalize('[0,0]'::halfvec), l2_normalize('[65504,1e-7]'::halfvec);
SELECT subvector('[1,2,3,4,5]'::halfvec, 2, 3), subvector('[1,2,3,4,5]'::halfvec, -1, 3),
	   subvector('[1,2,3,4,5]'::halfvec, 4, 10);
SELECT query, sqlstate_of(query) FROM (VALUES
	('SELECT subvector(''[1,2,3]''::halfvec, 1, 0)'),
	('SELECT subvector(''[1,2,3]''::halfvec, 4, 1)'),
	('SELECT subvector(''[1,2,3]''::halfvec, -5, 3)')
) t(query);
SELECT binary_quantize('[1,-2,0,3,1e-7,-0,0.5,-0.001,7]'::halfvec);
SELECT binary_quantize('[1]'::halfvec), pg_typeof(binary_quantize('[1]'::halfvec)),
	   length(binary_quantize(array_fill(1, ARRAY[16000])::halfvec));

-- element-wise arithmetic: exact operands, one rounding to a half per result
SELECT '[1,2,3]'::halfvec + '[4,5,6]', '[1,2,3]'::halfvec - '[4,5,6]', '[1,2,3]'::halfvec * '[4,5,6]';
SELECT '[2048]'::halfvec + '[1]', '[2048]'::halfvec + '[1.001]', '[0.1]'::halfvec * '[0.1]';	-- a tie to even, then just past it
SELECT '[1,2]'::halfvec || '[3]';
SELECT query, sqlstate_of(query) FROM (VALUES
	('SELECT ''[60000]''::halfvec + ''[6000]'''),
	('SELECT ''[-60000]''::halfvec - ''[6000]'''),
	('SELECT ''[300]''::halfvec * ''[300]'''),
	('SELECT ''[0.0001]''::halfvec * ''[0.0001]'''),
	('SELECT array_fill(1, ARRAY[8000])::halfvec || array_fill(1, ARRAY[8001])::halfvec')
) t(query);
SELECT '[0.0001]'::halfvec * '[0]', '[0]'::halfvec * '[-0.0001]';

-- comparison operators and the btree operator class
SELECT '[1,2,3]'::halfvec < '[1,2,4]', '[1,2,3]'::halfvec <= '[1,2,3]',
	   '[1,2,3]'::halfvec = '[1,2,3]', '[1,2,3]'::halfvec <> '[1,2]',
	   '[1,2,3]'::halfvec >= '[1,2]', '[2]'::halfvec > '[1,9]';
SELECT '[0]'::halfvec = '[-0]', '[0.1]'::halfvec = '[0.09997]', '[0.1]'::halfvec = '[0.1001]';
SELECT halfvec_cmp('[1,2]', '[1,3]'), halfvec_cmp('[1,2]', '[1,2]'), halfvec_cmp('[1,2,0]', '[1,2]'),
	   halfvec_cmp('[-1]', '[-0.5]');
CREATE TABLE items (id int, v halfvec);
INSERT INTO items VALUES (1, '[1,2]'), (2, '[1,1]'), (3, '[1,2,0]'), (4, '[1,2.0001]'), (5, '[0.5]'),
	(6, NULL), (7, '[-1,5]'), (8, '[-0.5]');
SELECT id, v FROM items ORDER BY v, id;
SELECT id, v FROM items ORDER BY v DESC NULLS LAST, id;
SELECT DISTINCT v FROM items ORDER BY v;
SELECT v, count(*) FROM items GROUP BY v ORDER BY v;
SELECT sqlstate_of('CREATE UNIQUE INDEX items_v_key ON items (v)');	-- 1 and 4 hold the same half
DELETE FROM items WHERE id = 4;
CREATE UNIQUE INDEX items_v_key ON items (v);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE v = '[1,2]';
SELECT id FROM items WHERE v = '[1,2]';
SELECT id FROM items WHERE v > '[0.5]' ORDER BY v;
RESET enable_seqscan;
DROP TABLE items;

-- avg and sum: double-precision running sums, one rounding at the end
CREATE TABLE agg (v halfvec(3));
SELECT sum(v), avg(v) FROM agg;
INSERT INTO agg VALUES ('[1,2,3]'), ('[3,4,5.5]'), (NULL);
SELECT sum(v), avg(v), pg_typeof(sum(v)), pg_typeof(avg(v)) FROM agg;
-- 2048 + 1 + 1: each 1 alone would round away in half precision, the sum keeps both
SELECT sum(v) FROM (VALUES ('[2048]'::halfvec), ('[1]'), ('[1]')) t(v);
SELECT avg(v) FROM (VALUES ('[60000]'::halfvec), ('[60000]')) t(v);
SELECT query, sqlstate_of(query) FROM (VALUES
	('SELECT sum(v) FROM (VALUES (''[60000]''::halfvec), (''[60000]'')) t(v)'),
	('SELECT avg(v) FROM (VALUES (''[1,2]''::halfvec), (''[1,2,3]'')) t(v)'),
	('SELECT halfvec_avg(''{1,NaN}'')'),
	('SELECT halfvec_sum(''{1,1e300}'')'),
	('SELECT halfvec_accum(''{{1}}'', ''[1]'')')
) t(query);
-- the same answer from a parallel plan, whose partial states vector_combine adds
INSERT INTO agg SELECT ARRAY[i % 100, i % 7, -(i % 13)]::halfvec FROM generate_series(1, 100000) i;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT avg(v) FROM agg;
SELECT avg(v) FROM agg;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT avg(v) FROM agg;
DROP TABLE agg;

-- storage: inline like vector; a halfvec takes 2 bytes per element
SELECT typstorage, typlen FROM pg_type WHERE typname = 'halfvec';
SELECT pg_column_size('[1,2,3,4]'::halfvec), pg_column_size('[1,2,3,4]'::vector);

-- Index scans.  Each operator class, built over 300 rows of halfvec(8), must
-- return the exact top 10 in exact order when the search is exhaustive
-- (hnsw.ef_search = 400, every ivf list probed).  Both store halves, and
-- for cosine the normalized vector rounded to half (as pgvector does), so
-- there two neighbours closer than that rounding (about 1e-4 in distance)
-- may trade places: the answer must be the exact top 10 as a set.
SELECT c.opcname, a.amname, o.amopopr::regoperator, p.amproc::regprocedure
FROM pg_opclass c
JOIN pg_am a ON a.oid = c.opcmethod
JOIN pg_amop o ON o.amopfamily = c.opcfamily
JOIN pg_amproc p ON p.amprocfamily = c.opcfamily
WHERE c.opcintype = 'halfvec'::regtype
ORDER BY 2, 1, p.amprocnum;

CREATE TABLE hv (id int PRIMARY KEY, v halfvec(8));
INSERT INTO hv SELECT i, ARRAY[sin(i), cos(i * 1.7), sin(i * 0.3) * 2, cos(i * 0.11),
	(i % 5) - 2, sin(i * 2.9) * 0.5, cos(i * 0.05) * 3, (i % 3) * 0.25]::halfvec
FROM generate_series(1, 300) i;
CREATE TABLE hv_queries (qid int, q halfvec(8));
INSERT INTO hv_queries SELECT j, ARRAY[cos(j), sin(j), j % 3 - 1, 0.5, j % 5 - 2, 0, sin(j) * 3, 0.25]::halfvec
FROM generate_series(1, 10) j;
-- the data has no ties among any query's nearest 11, so the exact order is unique
SELECT op, count(*) AS tied_neighbours FROM (
	SELECT op, qid, d, rank() OVER (PARTITION BY op, qid ORDER BY d) AS r, count(*) OVER (PARTITION BY op, qid, d) AS c
	FROM (SELECT op, qid, CASE op WHEN '<->' THEN v <-> q WHEN '<#>' THEN v <#> q
								  WHEN '<=>' THEN v <=> q ELSE v <+> q END AS d
		  FROM hv, hv_queries, unnest(ARRAY['<->', '<#>', '<=>', '<+>']) op) s) s
WHERE r <= 11 AND c > 1 GROUP BY op ORDER BY op;

-- the index's answer and the exact one; a function's SET clause lasts for its call
CREATE FUNCTION hv_index_top(op text, q halfvec) RETURNS int[] LANGUAGE plpgsql
SET enable_seqscan = off AS $$
DECLARE r int[];
BEGIN
	EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM hv ORDER BY v %s $1 LIMIT 10) s', op)
		INTO r USING q;
	RETURN r;
END
$$;
CREATE FUNCTION hv_exact_top(op text, q halfvec) RETURNS int[] LANGUAGE plpgsql
SET enable_indexscan = off AS $$
DECLARE r int[];
BEGIN
	EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM hv ORDER BY v %s $1 LIMIT 10) s', op)
		INTO r USING q;
	RETURN r;
END
$$;
-- the plan line that scans hv
CREATE FUNCTION hv_scan_plan(op text) RETURNS text LANGUAGE plpgsql
SET enable_seqscan = off AS $$
DECLARE line text;
BEGIN
	FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT id FROM hv ORDER BY v %s ''[1,2,3,4,5,6,7,8]'' LIMIT 10', op) LOOP
		IF line LIKE '%Scan%' THEN
			RETURN btrim(line);
		END IF;
	END LOOP;
	RETURN NULL;
END
$$;
SET hnsw.ef_search = 400;
SET ivf.probes = 10;
DO $$
DECLARE
	am text;
	opc text;
	op text;
	mismatches int;
BEGIN
	FOR am, opc, op IN VALUES ('hnsw', 'halfvec_l2_ops', '<->'), ('hnsw', 'halfvec_ip_ops', '<#>'),
		('hnsw', 'halfvec_cosine_ops', '<=>'), ('hnsw', 'halfvec_l1_ops', '<+>'),
		('ivf', 'halfvec_l2_ops', '<->'), ('ivf', 'halfvec_ip_ops', '<#>'),
		('ivf', 'halfvec_cosine_ops', '<=>') LOOP
		EXECUTE format('CREATE INDEX hv_idx ON hv USING %s (v %s)%s', am, opc,
					   CASE am WHEN 'ivf' THEN ' WITH (lists = 10)' ELSE '' END);
		IF opc = 'halfvec_cosine_ops' THEN
			SELECT count(*) INTO mismatches FROM hv_queries
			WHERE ARRAY(SELECT unnest(hv_index_top(op, q)) ORDER BY 1)
				IS DISTINCT FROM ARRAY(SELECT unnest(hv_exact_top(op, q)) ORDER BY 1);
		ELSE
			SELECT count(*) INTO mismatches FROM hv_queries
			WHERE hv_index_top(op, q) IS DISTINCT FROM hv_exact_top(op, q);
		END IF;
		RAISE WARNING '% %: "%", % check problems, % of 10 queries differ from the exact answer',
			am, opc, hv_scan_plan(op), (SELECT count(*) FROM vectordb_index_check('hv_idx')), mismatches;
		DROP INDEX hv_idx;
	END LOOP;
END
$$;

-- rows inserted after the build are found, and the distances the index
-- hands out are the operator's
CREATE INDEX hv_hnsw ON hv USING hnsw (v halfvec_l2_ops);
CREATE INDEX hv_ivf ON hv USING ivf (v halfvec_cosine_ops) WITH (lists = 4);
INSERT INTO hv VALUES (1001, '[1,2,3,4,5,6,7,8]'), (1002, '[2,4,6,8,10,12,14,16]');
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hv ORDER BY v <-> '[1,2,3,4,5,6,7,8.001]' LIMIT 3;
SELECT id, v <-> '[1,2,3,4,5,6,7,8.001]' AS d FROM hv ORDER BY v <-> '[1,2,3,4,5,6,7,8.001]' LIMIT 3;
EXPLAIN (COSTS OFF) SELECT id FROM hv ORDER BY v <=> '[1,2,3,4,5,6,7,8]' LIMIT 2;
SELECT id, round((v <=> '[1,2,3,4,5,6,7,8]')::numeric, 6) AS d FROM hv ORDER BY v <=> '[1,2,3,4,5,6,7,8]' LIMIT 2;
SELECT sqlstate_of('SELECT id FROM hv ORDER BY v <-> ''[1,2]'' LIMIT 3');
RESET enable_seqscan;
SELECT * FROM vectordb_index_check('hv_hnsw');
SELECT * FROM vectordb_index_check('hv_ivf');
DROP TABLE hv, hv_queries;

-- An expression index over a vector column, queried with the same expression
CREATE TABLE items (id int, embedding vector(3));
INSERT INTO items SELECT i, ARRAY[sin(i) * 10, cos(i * 0.7) * 10, sin(i * 1.9) * 10] FROM generate_series(1, 500) i;
CREATE INDEX ON items USING hnsw ((embedding::halfvec(3)) halfvec_l2_ops);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY embedding::halfvec(3) <-> '[1,2,3]'::halfvec(3) LIMIT 10;
CREATE TEMP TABLE from_index AS
	SELECT array_agg(id) AS ids FROM (SELECT id FROM items ORDER BY embedding::halfvec(3) <-> '[1,2,3]'::halfvec(3) LIMIT 10) s;
RESET enable_seqscan;
SET enable_indexscan = off;
SELECT ids = (SELECT array_agg(id) FROM (SELECT id FROM items ORDER BY embedding::halfvec(3) <-> '[1,2,3]'::halfvec(3) LIMIT 10) s) AS exact
FROM from_index;
RESET enable_indexscan;
DROP TABLE items, from_index;

-- dimension limits of the indexes: hnsw takes up to 16000 dimensions; a
-- column without dimensions cannot be indexed
CREATE TABLE wide (v16000 halfvec(16000), v halfvec);
CREATE INDEX ON wide USING hnsw (v16000 halfvec_l2_ops);
INSERT INTO wide SELECT array_fill(i, ARRAY[16000])::halfvec FROM generate_series(1, 3) i;
SET enable_seqscan = off;
SELECT vector_dims(v16000), v16000 <-> array_fill(2.4, ARRAY[16000])::halfvec AS d
FROM wide ORDER BY v16000 <-> array_fill(2.4, ARRAY[16000])::halfvec LIMIT 2;
RESET enable_seqscan;
SELECT query, sqlstate_of(query) FROM (VALUES
	('CREATE INDEX ON wide USING hnsw (v halfvec_l2_ops)'),
	('CREATE INDEX ON wide USING ivf (v halfvec_l2_ops)'),
	('CREATE INDEX ON wide USING ivf (v16000 halfvec_l2_ops)'),
	('CREATE INDEX ON wide USING hnsw (v16000 vector_l2_ops)')
) t(query);
DROP TABLE wide;

RESET hnsw.ef_search;
RESET ivf.probes;
DROP FUNCTION hv_index_top, hv_exact_top, hv_scan_plan, halfvec_recv_test, sqlstate_of;

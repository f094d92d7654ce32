-- The sparsevec type: text and binary forms, errors, type modifiers, casts,
-- distances (checked against the same vectors as vector), norms, ordering
SET client_min_messages = warning;

-- text form: 1-based indices, whitespace anywhere between tokens
SELECT '{1:1.5,3:2}/5'::sparsevec;
SELECT ' { 1 : 1.5 ,	3 : -3.5e2 } / 5 '::sparsevec;
SELECT '{}/1'::sparsevec, '{ }/1000000000'::sparsevec, '{1000000000:1}/1000000000'::sparsevec;
SELECT '{1:1.5e-45,2:3.4028235e38,3:0.1,4:100000,5:1000000,6:0.0001,7:0.00001}/7'::sparsevec;

-- after input, indices are strictly increasing and zeros are gone
SELECT '{5:5,1:1,3:0,2:-0,4:4}/5'::sparsevec;
SELECT '{3:0,1:0}/3'::sparsevec;
-- a value that underflows float4 reads as 0, as it does for vector, and is dropped
SELECT '{1:1e-46,2:1}/2'::sparsevec, '[1e-46,1]'::vector::sparsevec;

-- every entry reads back bit-identical after a text round trip
SELECT setseed(0.25);
CREATE TEMP TABLE rand AS
SELECT i, ('{' || string_agg(d || ':' || ((random() * 2 - 1) * 10 ^ (random() * 60 - 30))::real, ',' ORDER BY random()) || '}/1000')::sparsevec AS s
FROM generate_series(1, 20) i, generate_series(1, 1000, 7) d GROUP BY i;
SELECT count(*) AS mismatches FROM rand WHERE s::text::sparsevec <> s OR s::text <> s::text::sparsevec::text;
SELECT count(*) AS mismatches FROM rand WHERE s::vector::sparsevec <> s OR s::vector::text::vector::sparsevec <> s;

-- Each bad input raises an error with its SQLSTATE and message
CREATE FUNCTION sparsevec_error(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- malformed text
SELECT lit, sparsevec_error(format('SELECT %L::sparsevec', lit)) FROM (VALUES
	(''), ('{'), ('{}'), ('{}/'), ('{}/1a'), ('{1:1}'), ('{:}/1'), ('{,}/1'),
	('{1,}/1'), ('{:1}/1'), ('{1:}/1'), ('{1a:1}/1'), ('{1:1a}/1'), ('{1:1,}/1'),
	('{1:1 2:2}/2'), ('{1.5:1}/2'), ('{1:1}/2.5'), ('[1,2]'), ('{1:hello,2:1}/2')
) t(lit);

-- NaN, infinities, values beyond float4
SELECT lit, sparsevec_error(format('SELECT %L::sparsevec', lit)) FROM (VALUES
	('{1:NaN,2:1}/2'), ('{1:Infinity}/2'), ('{2:-inf}/2'), ('{1:4e38}/2'), ('{1:1,2:-4e38}/2')
) t(lit);

-- dimensions out of range, indices out of range (< 1 or > dim), duplicates
SELECT lit, sparsevec_error(format('SELECT %L::sparsevec', lit)) FROM (VALUES
	('{}/0'), ('{}/-1'), ('{}/1000000001'), ('{}/2147483648'), ('{}/-9223372036854775809'),
	('{0:1}/1'), ('{-1:1}/3'), ('{2:1}/1'), ('{2147483648:1}/5'), ('{-2147483649:1}/5'),
	('{0:0}/1'), ('{1:1,1:1}/2'), ('{1:1,2:1,1:2}/2'), ('{2:0,2:5}/2')
) t(lit);

-- the detail names the offending index
SELECT '{3:1,7:1}/5'::sparsevec;
SELECT '{3:1,0:1}/5'::sparsevec;
SELECT '{4:1,2:1,4:3}/5'::sparsevec;
SELECT '{1:1'::sparsevec;

-- at most 16000 non-zero elements; zeros do not count
SELECT (SELECT count(*) FROM regexp_matches(s::text, ':', 'g')) AS nnz
FROM (SELECT ('{' || string_agg(i || ':1', ',') || '}/100000')::sparsevec AS s FROM generate_series(1, 16000) i) t;
SELECT sparsevec_error(format('SELECT %L::sparsevec',
	(SELECT '{' || string_agg(i || ':1', ',') || '}/100000' FROM generate_series(1, 16001) i)));
SELECT ('{' || string_agg(i || ':' || (i > 16000)::int, ',') || '}/100000')::sparsevec
FROM generate_series(1, 16001) i;

-- type modifiers, enforced on cast, insert and update
SELECT '{1:1}/3'::sparsevec(3);
CREATE TABLE t (s sparsevec(3));
INSERT INTO t VALUES ('{1:1,3:2}/3'), (NULL);
SELECT query, sparsevec_error(query) FROM (VALUES
	('SELECT ''{}/3''::sparsevec(2)'),
	('SELECT ''{}/3''::sparsevec(0)'),
	('SELECT ''{}/3''::sparsevec(1000000001)'),
	('SELECT ''{}/3''::sparsevec(3, 2)'),
	('INSERT INTO t VALUES (''{1:1}/2'')'),
	('INSERT INTO t VALUES (''{1:1}/4''::sparsevec)'),
	('INSERT INTO t VALUES (''[1,2]''::vector)'),
	('UPDATE t SET s = ''{}/2'' WHERE s IS NOT NULL')
) t(query);
SELECT '{}/1000000000'::sparsevec(1000000000);
SELECT * FROM t ORDER BY s;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 's';
DROP TABLE t;

-- binary send/recv: pgvector's layout (int32 dim, nnz, unused, 0-based
-- indices, float4 values), network byte order.  sparsevec_recv is reached
-- the way clients reach it, through a binary COPY built from payload.
CREATE TEMP TABLE recv_target (s sparsevec);
CREATE TEMP TABLE recv_target5 (s sparsevec(5));
CREATE FUNCTION sparsevec_recv_test(payload bytea, target regclass = 'recv_target') RETURNS sparsevec
LANGUAGE plpgsql AS $$
DECLARE
	copy_data bytea := '\x5047434f50590aff0d0a00'::bytea	-- PGCOPY signature
		|| '\x0000000000000000'::bytea						-- flags, header extension
		|| '\x0001'::bytea || int4send(length(payload)) || payload
		|| '\xffff'::bytea;									-- trailer
	octal text := '';
	b int;
	result sparsevec;
BEGIN
	FOR i IN 0 .. length(copy_data) - 1 LOOP
		b := get_byte(copy_data, i);
		octal := octal || '\' || (b >> 6) || ((b >> 3) & 7) || (b & 7);
	END LOOP;
	EXECUTE format('TRUNCATE %s', target);
	EXECUTE format('COPY %s FROM PROGRAM %L WITH (FORMAT binary)', target, 'printf ''' || octal || '''');
	EXECUTE format('SELECT s FROM %s', target) INTO result;
	RETURN result;
END
$$;
SELECT sparsevec_send('{1:1.5,3:-2}/5');
SELECT sparsevec_send('{}/1000000000');
SELECT sparsevec_recv_test(sparsevec_send('{1:1.5,3:-2}/5'));
SELECT sparsevec_recv_test(sparsevec_send('{1:1.5,3:-2}/5'), 'recv_target5');
SELECT sparsevec_recv_test(sparsevec_send('{}/1000000000'));
SELECT count(*) AS mismatches FROM rand WHERE sparsevec_recv_test(sparsevec_send(s)) <> s;
SELECT payload, sparsevec_error(format('SELECT sparsevec_recv_test(%L::bytea)', payload)) FROM (VALUES
	('\x0000000500000001'),									-- short header
	('\x000000000000000000000000'),							-- 0 dimensions
	('\x3b9aca010000000000000000'),							-- 1000000001 dimensions
	('\x00000005ffffffff00000000'),							-- -1 elements
	('\x000186a000003e8100000000'),							-- 16001 elements
	('\x00000001000000020000000000000000000000013f8000003f800000'),	-- 2 elements, 1 dimension
	('\x000000050000000100000007000000003f800000'),			-- unused is 7
	('\x0000000500000002000000000000000000000001'),			-- no values
	('\x000000050000000100000000000000003f800000ff'),		-- a trailing byte
	('\x000000050000000100000000000000053f800000'),			-- index 5 of 0..4
	('\x000000050000000100000000800000003f800000'),			-- index -2147483648
	('\x00000005000000020000000000000003000000013f8000003f800000'),	-- indices 3, 1
	('\x00000005000000020000000000000001000000013f8000003f800000'),	-- indices 1, 1
	('\x000000050000000100000000000000007fc00000'),			-- NaN
	('\x00000005000000010000000000000000ff800000'),			-- -Infinity
	('\x0000000500000001000000000000000000000000'),			-- a stored zero
	('\x0000000500000001000000000000000080000000')			-- a stored -0
) t(payload);
SELECT sparsevec_error($$SELECT sparsevec_recv_test('\x000000040000000100000000000000003f800000', 'recv_target5')$$);

-- casts: vector to sparsevec (implicit) drops zeros, -0 included;
-- sparsevec to vector (assignment) writes them out
SELECT '[0,1.5,0,3.5,0]'::vector::sparsevec, '[0,-0,1,0]'::vector::sparsevec, '[0,0]'::vector::sparsevec;
SELECT '[0,1.5,0,3.5,0]'::vector::sparsevec(5);
SELECT '{2:1.5,4:3.5}/5'::sparsevec::vector, '{}/3'::sparsevec::vector(3);
SELECT query, sparsevec_error(query) FROM (VALUES
	('SELECT ''[0,1.5,0,3.5,0]''::vector::sparsevec(4)'),
	('SELECT ''{2:1.5,4:3.5}/5''::sparsevec::vector(4)'),
	('SELECT ''{}/16001''::sparsevec::vector'),
	('SELECT ''{1:1}/2''::sparsevec + ''[1,2]''::vector')
) t(query);
-- halfvec the same way (implicit to sparsevec, assignment back); values
-- round to the nearest half, and one past its range is an error
SELECT '[0,1.5,0,3.5,0]'::halfvec::sparsevec, '[0,-0,1,0]'::halfvec::sparsevec(4);
SELECT '{2:1.5,4:3.5}/5'::sparsevec::halfvec, '{1:0.1,2:65504}/3'::sparsevec::halfvec(3);
SELECT query, sparsevec_error(query) FROM (VALUES
	('SELECT ''{1:70000}/2''::sparsevec::halfvec'),
	('SELECT ''{}/16001''::sparsevec::halfvec'),
	('SELECT ''{1:1}/3''::sparsevec::halfvec(2)'),
	('SELECT ''[1,2]''::halfvec::sparsevec(3)')
) t(query);
-- a halfvec argument next to a sparsevec one picks the sparsevec function
SELECT '[3,0]'::halfvec <-> '{2:4}/2'::sparsevec;
SELECT castsource::regtype, casttarget::regtype, castcontext
FROM pg_cast WHERE castsource = 'sparsevec'::regtype OR casttarget = 'sparsevec'::regtype ORDER BY 1, 2;
CREATE TABLE conv (id int, s sparsevec(4), v vector(4));
INSERT INTO conv VALUES (1, '[1,0,0,2]'::vector, '{2:3}/4'::sparsevec);
SELECT * FROM conv;
DROP TABLE conv;
-- with vector implicitly a sparsevec, mixed arguments pick the sparsevec functions
SELECT l2_distance('[3,0]'::vector, '{2:4}/2'::sparsevec), '[3,0]'::vector <#> '{1:4}/2'::sparsevec;

-- distances on small exact cases
SELECT l2_distance('{}/2'::sparsevec, '{1:3,2:4}/2'), l2_distance('{1:3}/2'::sparsevec, '{2:4}/2'),
	   '{2:4}/2'::sparsevec <-> '{1:3}/2';
SELECT inner_product('{1:1,2:2}/2'::sparsevec, '{1:2,2:4}/2'), inner_product('{1:1,3:3}/4'::sparsevec, '{2:2,4:4}/4'),
	   inner_product('{1:1,3:3,5:5}/5'::sparsevec, '{2:4,3:6,4:8}/5'), '{1:1,2:2}/2'::sparsevec <#> '{1:3,2:4}/2';
SELECT cosine_distance('{1:1,2:2}/2'::sparsevec, '{1:2,2:4}/2'), cosine_distance('{1:1}/2'::sparsevec, '{2:2}/2'),
	   cosine_distance('{1:1,2:1}/2'::sparsevec, '{1:-1,2:-1}/2'), '{1:1,2:2}/2'::sparsevec <=> '{1:2,2:4}/2';
SELECT l1_distance('{}/2'::sparsevec, '{1:3,2:4}/2'), l1_distance('{1:1,3:3,5:5,7:7}/8'::sparsevec, '{2:2,4:4,6:6,8:8}/8'),
	   '{1:1,3:3,5:5,7:7,9:9}/9'::sparsevec <+> '{2:2,4:4,6:6,8:8}/9';
-- a zero vector has no direction; terms past float4's range overflow, as vector's kernels do
SELECT cosine_distance('{1:1,2:2}/2'::sparsevec, '{}/2'), cosine_distance('{}/1'::sparsevec, '{}/1');
SELECT inner_product('{1:3e38}/1'::sparsevec, '{1:3e38}/1'), l1_distance('{1:3e38}/1'::sparsevec, '{1:-3e38}/1'),
	   cosine_distance('{1:3e38}/1'::sparsevec, '{1:3e38}/1');
SELECT sparsevec_error(q) FROM (VALUES
	('SELECT ''{1:1,2:2}/2''::sparsevec <-> ''{1:3}/1'''),
	('SELECT inner_product(''{1:1}/2''::sparsevec, ''{1:3}/3'')'),
	('SELECT cosine_distance(''{1:1}/2''::sparsevec, ''{1:3}/3'')'),
	('SELECT ''{1:1}/2''::sparsevec <+> ''{1:3}/3''')
) t(q);

-- every distance equals the one between the same vectors as vector, to
-- float precision; dims from 3 to 16000, densities from empty to full
SELECT setseed(0.5);
CREATE TEMP TABLE pairs AS
SELECT n, dim, density, a::vector AS va, b::vector AS vb FROM (
	SELECT n, dim, density,
		   array_agg(CASE WHEN random() < density THEN (random() * 2 - 1)::real ELSE 0 END ORDER BY d) AS a,
		   array_agg(CASE WHEN random() < density THEN (random() * 20 - 10)::real ELSE 0 END ORDER BY d) AS b
	FROM (VALUES (3), (100), (1536), (16000)) dims(dim),
		 (VALUES (0.0), (0.01), (0.3), (1.0)) densities(density),
		 generate_series(1, 5) n, LATERAL generate_series(1, dim) d
	GROUP BY n, dim, density) s;
SELECT count(*) AS pairs,
	count(*) FILTER (WHERE NOT abs((va::sparsevec <-> vb::sparsevec) - (va <-> vb)) <= 1e-6 * (vector_norm(va) + vector_norm(vb))) AS l2_off,
	count(*) FILTER (WHERE NOT abs(inner_product(va::sparsevec, vb::sparsevec) - inner_product(va, vb)) <= 1e-6 * vector_norm(va) * vector_norm(vb)) AS ip_off,
	count(*) FILTER (WHERE NOT abs((va::sparsevec <#> vb::sparsevec) - (va <#> vb)) <= 1e-6 * vector_norm(va) * vector_norm(vb)) AS nip_off,
	count(*) FILTER (WHERE NOT ((va::sparsevec <=> vb::sparsevec) = (va <=> vb) OR abs((va::sparsevec <=> vb::sparsevec) - (va <=> vb)) <= 1e-6)) AS cos_off,
	count(*) FILTER (WHERE NOT abs((va::sparsevec <+> vb::sparsevec) - (va <+> vb)) <= 1e-6 * (va <+> vb)) AS l1_off,
	count(*) FILTER (WHERE NOT abs(l2_norm(va::sparsevec) - vector_norm(va)) <= 1e-6 * vector_norm(va)) AS norm_off,
	count(*) FILTER (WHERE NOT l2_distance(l2_normalize(va::sparsevec)::vector, l2_normalize(va)) <= 1e-6) AS normalize_off,
	count(*) FILTER (WHERE (va <=> vb) = 'NaN') AS zero_vectors
FROM pairs;
-- with small integers every distance is exact, so equal outright
SELECT count(*) AS unequal FROM (
	SELECT ARRAY(SELECT (random() * 4)::int - 2 FROM generate_series(1, 50))::vector AS va,
		   ARRAY(SELECT (random() * 4)::int - 2 FROM generate_series(1, 50))::vector AS vb
	FROM generate_series(1, 200)) s
WHERE (va::sparsevec <-> vb::sparsevec) <> (va <-> vb) OR (va::sparsevec <#> vb::sparsevec) <> (va <#> vb)
   OR (va::sparsevec <+> vb::sparsevec) <> (va <+> vb) OR l2_norm(va::sparsevec) <> vector_norm(va);

-- norms
SELECT l2_norm('{1:3,2:4}/2'::sparsevec), l2_norm('{2:1}/2'::sparsevec), l2_norm('{}/2'::sparsevec),
	   l2_norm('{1:3e37,2:4e37}/2'::sparsevec)::real;
SELECT l2_normalize('{1:3,2:4}/2'::sparsevec), l2_normalize('{2:0.1}/2'::sparsevec), l2_normalize('{}/2'::sparsevec);
-- a value that becomes 0 next to a huge one is dropped, like an input zero
SELECT l2_normalize('{1:3e38,2:1e-37}/2'::sparsevec), l2_normalize('{2:3e37,4:3e-37,6:4e37,8:4e-37}/9'::sparsevec);

-- comparison: as the vectors written out densely compare (element by
-- element, then fewer dimensions first); btree operator class
SELECT '{1:1,2:2,3:3}/3'::sparsevec < '{1:1,2:2,3:3}/3', '{1:1,2:2,3:3}/3'::sparsevec <= '{1:1,2:2}/2',
	   '{1:1,2:2,3:3}/3'::sparsevec = '{1:1,2:2,3:3}/3', '{1:1,2:2,3:3}/3'::sparsevec <> '{1:1,2:2}/2',
	   '{1:1,2:2,3:3}/3'::sparsevec >= '{1:1,2:2}/2', '{1:1,2:2,3:3}/3'::sparsevec > '{1:1,2:2}/2';
SELECT sparsevec_cmp('{1:1,2:2,3:3}/3', '{1:1,2:2,3:3}/3'), sparsevec_cmp('{1:1,2:2,3:3}/3', '{}/3'),
	   sparsevec_cmp('{}/3', '{1:1,2:2,3:3}/3'), sparsevec_cmp('{1:1,2:2}/2', '{1:1,2:2,3:3}/3'),
	   sparsevec_cmp('{1:1,2:2}/2', '{1:2,2:3,3:4}/3'), sparsevec_cmp('{1:2,2:3}/2', '{1:1,2:2,3:3}/3'),
	   sparsevec_cmp('{2:-1}/3', '{}/3'), sparsevec_cmp('{3:5}/3', '{3:5}/4'), sparsevec_cmp('{3:5}/3', '{4:5}/4');
CREATE TABLE items (id int, s sparsevec);
INSERT INTO items VALUES (1, '{1:1,2:2}/2'), (2, '{1:1,2:1}/2'), (3, '{1:1,2:2}/3'), (4, '{1:1,2:2}/2'),
	(5, '{1:0.5}/1'), (6, NULL), (7, '{2:-1}/2'), (8, '{}/2'), (9, '{2:1}/2'), (10, '{1:1,3:-1}/3');
SELECT id, s FROM items ORDER BY s, id;
SELECT s, count(*) FROM items GROUP BY s ORDER BY s DESC NULLS LAST;
-- the same order as their dense form
SELECT array_agg(id ORDER BY s, id) = array_agg(id ORDER BY s::vector, id) AS same_order FROM items;
SELECT array_agg(i ORDER BY s, i) = array_agg(i ORDER BY s::vector, i) AS same_order FROM rand;
CREATE UNIQUE INDEX items_s_key ON items (s);
DELETE FROM items WHERE id = 4;
CREATE UNIQUE INDEX items_s_key ON items (s);
INSERT INTO items VALUES (11, '{1:1,2:1}/2');
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE s = '{1:1,2:2}/2';
SELECT id FROM items WHERE s = '{1:1,2:2}/2';
SELECT id FROM items WHERE s > '{1:1}/2' ORDER BY s;
RESET enable_seqscan;
DROP TABLE items;

-- storage: inline (main), as for vector; the largest value still round-trips
SELECT typstorage, typalign FROM pg_type WHERE typname = 'sparsevec';
CREATE TABLE big (s sparsevec);
INSERT INTO big SELECT ('{' || string_agg((i * 1000 + n) || ':' || i * 0.5, ',') || '}/1000000000')::sparsevec
FROM generate_series(1, 16000) i, generate_series(1, 2) n GROUP BY n;
SELECT count(*), sum(l2_norm(s))::numeric(20, 3) FROM big WHERE s::text::sparsevec = s;
DROP TABLE big;

-- hnsw over sparsevec(n): every operator class, answers in exact order on
-- a table small enough for hnsw.ef_search to cover it
CREATE TABLE items (id int, s sparsevec(50));
INSERT INTO items
SELECT i, ('{' || string_agg(((i * 7 + k * 13) % 50 + 1) || ':' || round(sin(i * k)::numeric, 3), ',') || '}/50')::sparsevec
FROM generate_series(1, 200) i, generate_series(1, 5) k GROUP BY i;
INSERT INTO items VALUES (201, '{}/50'), (202, NULL);
CREATE INDEX items_l2 ON items USING hnsw (s sparsevec_l2_ops);
CREATE INDEX items_ip ON items USING hnsw (s sparsevec_ip_ops);
CREATE INDEX items_cos ON items USING hnsw (s sparsevec_cosine_ops);
CREATE INDEX items_l1 ON items USING hnsw (s sparsevec_l1_ops);
SET enable_seqscan = off;
SET hnsw.ef_search = 400;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY s <-> '{1:1,7:2}/50' LIMIT 5;
-- the index's first 20 distances are the exact first 20 (ids may differ
-- where distances tie)
SELECT (SELECT array_agg(d) FROM (SELECT s <-> '{1:1,7:2,33:-1.5}/50' AS d FROM items
		ORDER BY s <-> '{1:1,7:2,33:-1.5}/50' LIMIT 20) i)
	= (SELECT array_agg(d ORDER BY d) FROM (SELECT l2_distance(s, '{1:1,7:2,33:-1.5}/50') AS d FROM items
		WHERE s IS NOT NULL ORDER BY 1 LIMIT 20) e) AS l2_exact;
SELECT (SELECT array_agg(d) FROM (SELECT s <#> '{1:1,7:2,33:-1.5}/50' AS d FROM items
		ORDER BY s <#> '{1:1,7:2,33:-1.5}/50' LIMIT 20) i)
	= (SELECT array_agg(d ORDER BY d) FROM (SELECT -inner_product(s, '{1:1,7:2,33:-1.5}/50') AS d FROM items
		WHERE s IS NOT NULL ORDER BY 1 LIMIT 20) e) AS ip_exact;
SELECT (SELECT array_agg(d) FROM (SELECT s <=> '{1:1,7:2,33:-1.5}/50' AS d FROM items
		ORDER BY s <=> '{1:1,7:2,33:-1.5}/50' LIMIT 20) i)
	= (SELECT array_agg(d ORDER BY d) FROM (SELECT cosine_distance(s, '{1:1,7:2,33:-1.5}/50') AS d FROM items
		WHERE l2_norm(s) > 0 ORDER BY 1 LIMIT 20) e) AS cosine_exact;
SELECT (SELECT array_agg(d) FROM (SELECT s <+> '{1:1,7:2,33:-1.5}/50' AS d FROM items
		ORDER BY s <+> '{1:1,7:2,33:-1.5}/50' LIMIT 20) i)
	= (SELECT array_agg(d ORDER BY d) FROM (SELECT l1_distance(s, '{1:1,7:2,33:-1.5}/50') AS d FROM items
		WHERE s IS NOT NULL ORDER BY 1 LIMIT 20) e) AS l1_exact;
-- the empty vector is found by L2 distance, never by cosine distance
SELECT id FROM items ORDER BY s <-> '{}/50' LIMIT 1;
SELECT count(*) FILTER (WHERE id = 201) FROM (SELECT id FROM items ORDER BY s <=> '{1:1}/50' LIMIT 500) c;
-- a query of the wrong dimension
SELECT id FROM items ORDER BY s <-> '{1:1}/49' LIMIT 1;
SELECT * FROM vectordb_index_check('items_l2');
DROP TABLE items;

-- SPLADE-sized vectors: hnsw keeps only the non-zeros, so 30,522
-- dimensions index, and rows of 3,000 and 16,000 non-zeros span pages.
-- topic_row(seed, nnz, width) takes nnz of the first width (at most 1,500,
-- not a multiple of 11) dimensions of one of 20 topics; spread_row(seed,
-- nnz) spreads nnz over all the dimensions.
CREATE FUNCTION topic_row(seed int, nnz int, width int = 60) RETURNS sparsevec LANGUAGE sql AS $$
	SELECT ('{' || string_agg(((seed % 20) * 1500 + (seed * 7 + k * 11) % width + 1) || ':' ||
							  round((1.5 + sin(seed * k))::numeric, 3), ',') || '}/30522')::sparsevec
	FROM generate_series(1, nnz) k $$;
CREATE FUNCTION spread_row(seed int, nnz int) RETURNS sparsevec LANGUAGE sql AS $$
	SELECT ('{' || string_agg((((seed * 7919 + k * 13163) % 30522) + 1) || ':' ||
							  round((1.5 + sin(seed * k))::numeric, 3), ',') || '}/30522')::sparsevec
	FROM generate_series(1, nnz) k $$;
CREATE TABLE wide (id int, s sparsevec(30522));
INSERT INTO wide SELECT i, topic_row(i, 30) FROM generate_series(1, 300) i;
INSERT INTO wide VALUES (301, spread_row(301, 3000)), (302, spread_row(302, 3000)),
	(303, spread_row(303, 16000));
CREATE INDEX wide_l2 ON wide USING hnsw (s sparsevec_l2_ops);
CREATE INDEX wide_cos ON wide USING hnsw (s sparsevec_cosine_ops);
-- inserted after the build
INSERT INTO wide SELECT i, topic_row(i, 5 + i % 40) FROM generate_series(304, 400) i;
INSERT INTO wide VALUES (401, spread_row(401, 2500));
-- freed nodes are reused: a record fits the space of the one it replaces
-- or goes at the end (row 450's 3,000 non-zeros do not fit a 30's space)
DELETE FROM wide WHERE id <= 60 OR id = 301;
VACUUM wide;
INSERT INTO wide SELECT i, topic_row(i, 20) FROM generate_series(430, 449) i;
INSERT INTO wide VALUES (450, spread_row(450, 3000));
-- exact answers, the large rows among them, in exact order
CREATE FUNCTION wide_exact(q sparsevec, op text) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE
	by_index float8[];
	exact float8[];
BEGIN
	SET LOCAL enable_seqscan = off;
	EXECUTE format('SELECT array_agg(d) FROM (SELECT s %s $1 AS d FROM wide ORDER BY s %s $1 LIMIT 20) i', op, op)
		INTO by_index USING q;
	SET LOCAL enable_seqscan = on;
	SET LOCAL enable_indexscan = off;
	EXECUTE format('SELECT array_agg(d ORDER BY d) FROM (SELECT s %s $1 AS d FROM wide ORDER BY 1 LIMIT 20) e', op)
		INTO exact USING q;
	RETURN by_index = exact;
END $$;
SELECT wide_exact(topic_row(1000, 40), '<->') AS l2, wide_exact(topic_row(1000, 40), '<=>') AS cosine,
	wide_exact(topic_row(1013, 25), '<->') AS l2_topic13, wide_exact(spread_row(302, 3000), '<->') AS l2_large,
	wide_exact(spread_row(303, 16000), '<=>') AS cosine_largest, wide_exact(spread_row(450, 3000), '<->') AS l2_moved;
-- A scan to the end returns every row once: when the walk from where it
-- landed runs out, it goes on from unvisited nodes, in a later round
-- (relaxed order) or to fill its window (a window larger than the table).
-- Inserts can leave a node no list points at until the next VACUUM, even
-- one with nothing to delete, reconnects it.
CREATE FUNCTION wide_scanned(q sparsevec, iterative text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	SET LOCAL enable_seqscan = off;
	SET LOCAL hnsw.max_scan_tuples = 100000;
	PERFORM set_config('hnsw.iterative_scan', iterative, true);
	PERFORM set_config('hnsw.ef_search', CASE iterative WHEN 'off' THEN '1000' ELSE '40' END, true);
	EXECUTE 'SELECT CASE WHEN count(*) = count(DISTINCT id) THEN count(*) END
		FROM (SELECT id FROM wide ORDER BY s <-> $1 LIMIT 1000) i' INTO n USING q;
	RETURN n;
END $$;
SELECT wide_scanned(topic_row(1000, 40), 'relaxed_order') = (SELECT count(*) FROM wide) AS every_row_once,
	wide_scanned(topic_row(1000, 40), 'off') = (SELECT count(*) FROM wide) AS window_fills;
VACUUM wide;
SELECT unreachable FROM vectordb_index_stats('wide_l2');
SELECT unreachable FROM vectordb_index_stats('wide_cos');
-- a fraction of what 30,522 floats a row would take (444 rows: 53 MB)
SELECT pg_relation_size('wide_l2') < 2 * 1024 * 1024 AS l2_small,
	pg_relation_size('wide_cos') < 2 * 1024 * 1024 AS cosine_small;
SELECT * FROM vectordb_index_check('wide_l2');
SELECT * FROM vectordb_index_check('wide_cos');
-- a build with too little memory for the graph inserts the rest on disk
INSERT INTO wide SELECT i, topic_row(i, 600, 1499) FROM generate_series(500, 699) i;
SET maintenance_work_mem = '1MB';
SET client_min_messages = notice;
REINDEX INDEX wide_l2;
SET client_min_messages = warning;
RESET maintenance_work_mem;
SELECT wide_exact(topic_row(1000, 40), '<->') AS l2_after_reindex,
	wide_scanned(topic_row(1000, 40), 'relaxed_order') = (SELECT count(*) FROM wide) AS every_row_once;
VACUUM wide;
SELECT unreachable FROM vectordb_index_stats('wide_l2');
SELECT * FROM vectordb_index_check('wide_l2');
DROP TABLE wide;
DROP FUNCTION wide_exact(sparsevec, text);
DROP FUNCTION wide_scanned(sparsevec, text);
DROP FUNCTION topic_row(int, int, int);
DROP FUNCTION spread_row(int, int);
RESET hnsw.ef_search;
RESET enable_seqscan;

DROP FUNCTION sparsevec_recv_test(bytea, regclass);
DROP FUNCTION sparsevec_error(text);

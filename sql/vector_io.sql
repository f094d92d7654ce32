-- Text input and output, type modifiers, binary send/recv and casts
SET client_min_messages = warning;

-- text form: whitespace, exponents, shortest round-trip output as float4 prints
SELECT '[1,2,3]'::vector;
SELECT ' [ 1 , -2.5 ,3e2 ] '::vector;
SELECT '[1.5e-45, 3.4028235e38, -0, 0.1, 100000, 1000000, 0.0001, 0.00001]'::vector;
SELECT '[1,2,3]'::vector::text = '[1,2,3]';

-- every element reads back bit-identical after a text round trip
SELECT count(*) AS mismatches
FROM (SELECT ('[' || array_to_string(a, ',') || ']')::vector AS v, a
	  FROM (SELECT array_agg((random() * 2 - 1) * 10 ^ (random() * 60 - 30))::real[] AS a
			FROM generate_series(1, 1000) i GROUP BY i % 10) s) t
WHERE v::text::vector <> v OR v::real[] <> a;

-- Each bad input raises an error with its SQLSTATE and message
CREATE FUNCTION sqlstate_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- malformed text
SELECT query, sqlstate_of(query) FROM (VALUES
	('SELECT ''[1,2''::vector'),
	('SELECT ''[1,,2]''::vector'),
	('SELECT ''[]''::vector'),
	('SELECT ''1,2''::vector'),
	('SELECT ''[1,2]x''::vector'),
	('SELECT ''[abc]''::vector'),
	('SELECT ''[1 2]''::vector'),
	('SELECT ''[,1]''::vector'),
	('SELECT ''[1,]''::vector'),
	('SELECT ''''::vector'),
	('SELECT ''[''::vector'),
	('SELECT ''[NaN]''::vector'),
	('SELECT ''[1,Infinity]''::vector'),
	('SELECT ''[-inf]''::vector'),
	('SELECT ''[1e39]''::vector'),
	('SELECT ''[-1e39]''::vector'),
	('SELECT ''[1e-46]''::vector')
) t(query);


-- dimension limits
SELECT vector_dims(array_fill(1, ARRAY[16000])::vector);
SELECT vector_dims(('[' || repeat('0,', 15999) || '0]')::vector);
SELECT query, sqlstate_of(query) FROM (VALUES
	('SELECT array_fill(1, ARRAY[16001])::vector'),
	('SELECT (''['' || repeat(''1,'', 16000) || ''1]'')::vector')
) t(query);

-- type modifiers, enforced on cast, insert and update
SELECT '[1,2,3]'::vector(3);
CREATE TABLE t (v vector(3));
INSERT INTO t VALUES ('[1,2,3]'), (NULL);
SELECT query, sqlstate_of(query) FROM (VALUES
	('SELECT ''[1,2]''::vector(3)'),
	('SELECT ''[1,2,3]''::vector(0)'),
	('SELECT ''[1,2,3]''::vector(16001)'),
	('SELECT ''[1,2,3]''::vector(3, 2)'),
	('INSERT INTO t VALUES (''[1,2]'')'),
	('INSERT INTO t VALUES (''[1,2,3,4]''::vector)'),
	('INSERT INTO t VALUES (ARRAY[1,2])'),
	('UPDATE t SET v = ''[1,2]'' WHERE v IS NOT NULL')
) t(query);
SELECT * FROM t ORDER BY v;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'v';
DROP TABLE t;

-- binary send/recv: pgvector's layout, network byte order.  vector_recv is
-- reached the way clients reach it, through a binary COPY built from payload.
CREATE TEMP TABLE recv_target (v vector);
CREATE FUNCTION vector_recv_test(payload bytea) RETURNS vector LANGUAGE plpgsql AS $$
DECLARE
	copy_data bytea := '\x5047434f50590aff0d0a00'::bytea	-- PGCOPY signature
		|| '\x0000000000000000'::bytea						-- flags, header extension
		|| '\x0001'::bytea || int4send(length(payload)) || payload
		|| '\xffff'::bytea;									-- trailer
	octal text := '';
	b int;
	result vector;
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
SELECT vector_send('[1,-2,0.5]');
SELECT vector_recv_test(vector_send('[1,-2,0.5]'));
SELECT payload, sqlstate_of(format('SELECT vector_recv_test(%L::bytea)', payload)) FROM (VALUES
	('\x0000'),						-- short buffer
	('\x00020000'),					-- 2 dimensions, no data
	('\x000100003f800000ff'),		-- a trailing byte
	('\x000000003f800000'),			-- 0 dimensions
	('\x000100013f800000'),			-- unused is not 0
	('\x3e810000'),					-- 16001 dimensions
	('\xffff0000'),					-- -1 dimensions
	('\x000100007fc00000'),			-- NaN
	('\x000100007f800000')			-- Infinity
) t(payload);

-- casts from arrays
SELECT ARRAY[1,2,3]::vector;
SELECT ARRAY[1.5,2.25,-3]::real[]::vector;
SELECT ARRAY[1.5,2.25,-3]::double precision[]::vector;
SELECT ARRAY[1.5,2.25,-3]::numeric[]::vector;
SELECT ARRAY[1,2,3]::vector(3);
SELECT query, sqlstate_of(query) FROM (VALUES
	('SELECT ARRAY[1,2,3]::vector(2)'),
	('SELECT ''{}''::real[]::vector'),
	('SELECT ARRAY[[1,2],[3,4]]::vector'),
	('SELECT ARRAY[1,NULL,3]::vector'),
	('SELECT ARRAY[''NaN'']::real[]::vector'),
	('SELECT ARRAY[''Infinity'']::double precision[]::vector'),
	('SELECT ARRAY[1e300]::double precision[]::vector'),
	('SELECT ARRAY[1e39]::numeric[]::vector'),
	('SELECT ARRAY[''NaN'']::numeric[]::vector')
) t(query);

-- casts to arrays
SELECT '[1,2.5,-3]'::vector::real[];
SELECT '[1,2.5,0.1]'::vector::double precision[];
SELECT array_length('[1,2,3]'::vector::real[], 1);

-- storage: inline (main) by default; vectors too big for a page still go out of line
SELECT typstorage FROM pg_type WHERE typname = 'vector';
CREATE TABLE big (v vector);
CREATE TABLE big_source AS SELECT ARRAY(SELECT random() * i FROM generate_series(1, 16000))::real[] AS a
	FROM generate_series(1, 3) i;
INSERT INTO big SELECT a FROM big_source;
SELECT count(*) AS identical FROM big JOIN big_source ON v::real[] = a;
SELECT sum(pg_relation_size(reltoastrelid)) > 0 AS toasted FROM pg_class WHERE relname = 'big';
DROP TABLE big, big_source;

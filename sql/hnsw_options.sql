-- HNSW access method: catalog entries, index options and their bounds,
-- unsupported index shapes, GUCs
SET client_min_messages = warning;
-- enable_seqscan = off makes plans cost enough to be JIT-compiled, slowly
SET jit = off;

CREATE FUNCTION sqlstate_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- the access method and its operator classes, one ORDER BY operator each
SELECT amname, amtype FROM pg_am WHERE amname = 'hnsw';
SELECT c.opcname, c.opcintype::regtype, o.amopstrategy, o.amopopr::regoperator, o.amoppurpose
FROM pg_opclass c
JOIN pg_am a ON a.oid = c.opcmethod AND a.amname = 'hnsw'
JOIN pg_amop o ON o.amopfamily = c.opcfamily
ORDER BY 1, 3;
SELECT c.opcname FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
WHERE a.amname = 'hnsw' AND NOT amvalidate(c.oid);
SELECT pg_indexam_has_property(oid, 'can_order') AS can_order,
	   pg_indexam_has_property(oid, 'can_unique') AS can_unique,
	   pg_indexam_has_property(oid, 'can_multi_col') AS can_multi_col,
	   pg_indexam_has_property(oid, 'can_exclude') AS can_exclude,
	   pg_indexam_has_property(oid, 'can_include') AS can_include
FROM pg_am WHERE amname = 'hnsw';

CREATE TABLE t (id int, v vector(3), u vector);
INSERT INTO t SELECT i, ARRAY[i, i % 7, -i], ARRAY[i] FROM generate_series(1, 20) i;

-- options: m 2..100 (default 16), ef_construction 4..1000 (default 64),
-- and ef_construction >= 2 * m
SELECT query, sqlstate_of(query) FROM (VALUES
	('CREATE INDEX ON t USING hnsw (v vector_l2_ops) WITH (m = 1)'),
	('CREATE INDEX ON t USING hnsw (v vector_l2_ops) WITH (m = 101)'),
	('CREATE INDEX ON t USING hnsw (v vector_l2_ops) WITH (m = -16)'),
	('CREATE INDEX ON t USING hnsw (v vector_l2_ops) WITH (ef_construction = 3)'),
	('CREATE INDEX ON t USING hnsw (v vector_l2_ops) WITH (ef_construction = 1001)'),
	('CREATE INDEX ON t USING hnsw (v vector_l2_ops) WITH (m = ''abc'')'),
	('CREATE INDEX ON t USING hnsw (v vector_l2_ops) WITH (lists = 10)'),
	('CREATE INDEX ON t USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 31)'),
	('CREATE INDEX ON t USING hnsw (v vector_l2_ops) WITH (m = 33)'),
	('CREATE INDEX ON t USING hnsw (v vector_l2_ops) WITH (m = 100, ef_construction = 199)')
) t(query);

-- no index is left behind by the failures above
SELECT count(*) FROM pg_index WHERE indrelid = 't'::regclass;

-- the smallest and largest settings build; reloptions are kept as given
CREATE INDEX t_default ON t USING hnsw (v vector_l2_ops);
CREATE INDEX t_min ON t USING hnsw (v vector_l2_ops) WITH (m = 2, ef_construction = 4);
CREATE INDEX t_max ON t USING hnsw (v vector_l2_ops) WITH (m = 100, ef_construction = 1000);
CREATE INDEX t_edge ON t USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 32);
CREATE INDEX t_ip ON t USING hnsw (v vector_ip_ops) WITH (ef_construction = 100);
CREATE INDEX t_cosine ON t USING hnsw (v vector_cosine_ops) WITH (m = 8);
CREATE INDEX t_l1 ON t USING hnsw (v vector_l1_ops) WITH (m = 4, ef_construction = 8);
CREATE INDEX t_partial ON t USING hnsw (v vector_l2_ops) WHERE id > 10;
CREATE INDEX t_opclass_default ON t USING hnsw (v);
SELECT c.relname, a.amname, c.reloptions, (SELECT opcname FROM pg_opclass WHERE oid = i.indclass[0]) AS opclass
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
WHERE i.indrelid = 't'::regclass ORDER BY c.relname;
SELECT c.relname, x.*
FROM pg_class c, LATERAL vectordb_index_check(c.oid) x
WHERE c.relname LIKE 't\_%' AND c.relkind = 'i';

-- changing options of an existing index is checked against the same bounds
SELECT query, sqlstate_of(query) FROM (VALUES
	('ALTER INDEX t_default SET (m = 1)'),
	('ALTER INDEX t_default SET (ef_construction = 1001)'),
	('ALTER INDEX t_default SET (lists = 3)')
) t(query);
SELECT reloptions FROM pg_class WHERE relname = 't_default';

-- index shapes the access method does not support, and columns it cannot index
SELECT query, sqlstate_of(query) FROM (VALUES
	('CREATE INDEX ON t USING hnsw (u vector_l2_ops)'),
	('CREATE INDEX ON t USING hnsw (u vector_cosine_ops)'),
	('CREATE INDEX ON t USING hnsw ((v::vector) vector_l2_ops)'),
	('CREATE INDEX ON t USING hnsw (v vector_l2_ops, id)'),
	('CREATE INDEX ON t USING hnsw (v vector_l2_ops) INCLUDE (id)'),
	('CREATE UNIQUE INDEX ON t USING hnsw (v vector_l2_ops)'),
	('CREATE INDEX ON t USING hnsw (id int4_ops)'),
	('CREATE INDEX ON t USING hnsw (v vector_l2_ops DESC)'),
	('ALTER TABLE t ADD EXCLUDE USING hnsw (v WITH <->)')
) t(query);
-- an expression with a declared dimension is indexable
CREATE INDEX t_expr ON t USING hnsw ((v::vector(3)) vector_l2_ops);
DROP INDEX t_expr;

-- vectordb_index_check wants an index of vectordb's
SELECT query, sqlstate_of(query) FROM (VALUES
	('SELECT vectordb_index_check(''t'')'),
	('CREATE INDEX t_btree ON t (id)'),
	('SELECT vectordb_index_check(''t_btree'')')
) t(query);

-- an index on an empty table; then rows arrive
CREATE TABLE e (id int, v vector(2));
CREATE INDEX e_v ON e USING hnsw (v vector_l2_ops);
SET enable_seqscan = off;
SELECT * FROM e ORDER BY v <-> '[0,0]' LIMIT 3;
INSERT INTO e VALUES (1, '[1,1]'), (2, NULL), (3, '[0,1]');
SELECT * FROM e ORDER BY v <-> '[0,0]' LIMIT 3;
SELECT * FROM vectordb_index_check('e_v');
RESET enable_seqscan;
DROP TABLE e;

-- the size of an index relation is whole pages, and it has a metapage
SELECT pg_relation_size('t_default') > 0 AS has_pages,
	   pg_relation_size('t_default') % current_setting('block_size')::int AS remainder;

DROP TABLE t;

-- GUCs: defaults, bounds, and the reserved prefix
SHOW hnsw.ef_search;
SHOW hnsw.iterative_scan;
SHOW hnsw.max_scan_tuples;
SELECT name, setting, vartype, context, min_val, max_val, enumvals, boot_val
FROM pg_settings WHERE name LIKE 'hnsw.%' ORDER BY name;
SELECT query, sqlstate_of(query) FROM (VALUES
	('SET hnsw.ef_search = 0'),
	('SET hnsw.ef_search = 1001'),
	('SET hnsw.ef_search = ''many'''),
	('SET hnsw.iterative_scan = on'),
	('SET hnsw.iterative_scan = relaxed'),
	('SET hnsw.max_scan_tuples = 0'),
	('SET hnsw.max_scan_tuples = -1'),
	('SET hnsw.no_such_setting = 1')
) t(query);
SELECT query, sqlstate_of(query), current_setting(split_part(split_part(query, ' ', 2), ' ', 1)) FROM (VALUES
	('SET hnsw.ef_search = 1'),
	('SET hnsw.ef_search = 1000'),
	('SET hnsw.iterative_scan = off'),
	('SET hnsw.iterative_scan = relaxed_order'),
	('SET hnsw.iterative_scan = strict_order'),
	('SET hnsw.max_scan_tuples = 1'),
	('SET hnsw.max_scan_tuples = 2147483647')
) t(query);
RESET hnsw.ef_search;
RESET hnsw.iterative_scan;
RESET hnsw.max_scan_tuples;
SHOW hnsw.ef_search;

DROP FUNCTION sqlstate_of(text);

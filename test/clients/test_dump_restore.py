"""pg_dump / pg_restore of tables with vector columns.

A dump writes vectors in text form (COPY) and re-reads them with vector_in, so
this checks that vector_out prints every float32 exactly enough to round-trip,
and that typmods, the extension and a btree index on a vector column come back.
"""
import os
import struct
import subprocess

import numpy as np
import psycopg
import pytest

PG_BIN = "/usr/lib/postgresql/15/bin"
MAX_DIM = 16000
EDGE = [1e-45, -1e-45, 0.0, -0.0, 3.4028235e38, -3.4028235e38, 1.17549435e-38, -1.5, 0.1]

rng = np.random.default_rng(7)


def random_bits_f32(dim):
    """Random finite float32 bit patterns (all exponents, subnormals, -0)."""
    a = rng.integers(0, 2**32, size=dim, dtype=np.uint64).astype(np.uint32).view(np.float32)
    return np.where(np.isfinite(a), a, np.float32(2.5)).astype(np.float32)


def vtext(a):
    """Text literal that parses to exactly the float32 values of a."""
    return "[" + ",".join(np.format_float_scientific(np.float32(x), unique=True) for x in a) + "]"


def send_bytes(a):
    """What vector_send must return for a: pgvector's big-endian layout."""
    a = np.asarray(a, dtype=np.float32)
    return struct.pack(">hh", a.shape[0], 0) + a.astype(">f4").tobytes()


def pg_env():
    # run as the current OS user, but log in as postgres on the test cluster
    return dict(os.environ, PGUSER="postgres")


def run(*args):
    subprocess.run(args, check=True, env=pg_env(), capture_output=True, text=True)


@pytest.fixture
def source(make_db):
    """A database holding vector data of every awkward kind, plus the expected
    rows (id -> (v, v3, vbig) float32 arrays or None)."""
    name = make_db()
    rows = {
        1: (EDGE, [1e-45, -0.0, 3.4028235e38], None),
        2: (None, None, None),
        3: ([7.0], [1.17549435e-38, -1.17549435e-38, 0.0], random_bits_f32(MAX_DIM)),
        4: (random_bits_f32(784), [1, 2, 3], np.full(MAX_DIM, -3.4028235e38)),
        5: (random_bits_f32(MAX_DIM), [-1.5, 2.25, 1e-45], None),
    }
    for i in range(6, 206):
        rows[i] = (random_bits_f32(int(rng.integers(1, 64))), random_bits_f32(3), None)
    rows = {k: tuple(None if x is None else np.asarray(x, dtype=np.float32) for x in r)
            for k, r in rows.items()}

    with psycopg.connect(dbname=name, autocommit=True) as conn:
        conn.execute("""
            CREATE TABLE items (
                id   int PRIMARY KEY,
                v    vector,
                v3   vector(3),
                vbig vector(16000))""")
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO items VALUES (%s, %s::vector, %s::vector(3), %s::vector(16000))",
                [(k, *(None if x is None else vtext(x) for x in r)) for k, r in rows.items()])
        conn.execute("CREATE INDEX items_v3_btree ON items USING btree (v3)")
        conn.execute("ANALYZE items")
    return name, rows


def snapshot(dbname):
    """Everything a restore must preserve, in comparable form."""
    with psycopg.connect(dbname=dbname) as conn:
        data = conn.execute("""
            SELECT id, v::text, v3::text, vbig::text,
                   vector_send(v), vector_send(v3), vector_send(vbig)
            FROM items ORDER BY id""").fetchall()
        types = conn.execute("""
            SELECT attname, format_type(atttypid, atttypmod)
            FROM pg_attribute
            WHERE attrelid = 'items'::regclass AND attnum > 0 AND NOT attisdropped
            ORDER BY attnum""").fetchall()
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'items'"
            " ORDER BY indexname").fetchall()
        ext = conn.execute("SELECT extname FROM pg_extension WHERE extname = 'vectordb'").fetchall()
    return data, types, indexes, ext


def check_source(snap, rows):
    """The source itself holds exactly the values inserted (else comparing the
    restore against it would prove nothing)."""
    data, types, indexes, ext = snap
    assert [r[0] for r in data] == sorted(rows)
    for row in data:
        want = rows[row[0]]
        for got_bytes, w in zip(row[4:], want):
            assert (got_bytes is None) == (w is None)
            if w is not None:
                assert bytes(got_bytes) == send_bytes(w)
    assert types == [("id", "integer"), ("v", "vector"), ("v3", "vector(3)"),
                     ("vbig", "vector(16000)")]
    assert ("items_v3_btree",
            "CREATE INDEX items_v3_btree ON public.items USING btree (v3)") in indexes
    assert ext == [("vectordb",)]


def check_index_used(dbname, rows):
    """The restored btree answers an equality lookup through an index scan."""
    key = rows[1][1]
    with psycopg.connect(dbname=dbname) as conn:
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET enable_bitmapscan = off")
        plan = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT id FROM items WHERE v3 = %s::vector", (vtext(key),)))
        assert "items_v3_btree" in plan, plan
        ids = conn.execute("SELECT id FROM items WHERE v3 = %s::vector", (vtext(key),)).fetchall()
        assert ids == [(1,)]
        valid = conn.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_v3_btree'::regclass").fetchone()
        assert valid == (True,)


@pytest.mark.parametrize("fmt", ["custom", "plain"])
def test_dump_restore(source, make_db, tmp_path, fmt):
    src, rows = source
    before = snapshot(src)
    check_source(before, rows)

    dst = make_db(extension=False)  # the dump itself carries CREATE EXTENSION
    if fmt == "custom":
        dump = tmp_path / "items.dump"
        run(f"{PG_BIN}/pg_dump", "-Fc", "-d", src, "-f", str(dump))
        run(f"{PG_BIN}/pg_restore", "--exit-on-error", "-d", dst, str(dump))
    else:
        dump = tmp_path / "items.sql"
        run(f"{PG_BIN}/pg_dump", "-Fp", "-d", src, "-f", str(dump))
        assert "CREATE EXTENSION IF NOT EXISTS vectordb" in dump.read_text()
        run(f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dst, "-f", str(dump))

    after = snapshot(dst)
    assert after[0] == before[0]  # every row: text form and vector_send bytes
    assert after[1:] == before[1:]  # typmods, index definition, extension
    check_index_used(dst, rows)

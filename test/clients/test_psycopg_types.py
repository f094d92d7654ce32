"""psycopg 3 with halfvec, sparsevec and bit, in text and binary, as
pgvector-python's HalfVector, SparseVector and Bit adapters send them.

pgvector-python is not in Debian's archive, so these adapters write its wire
layouts by hand:
  halfvec    int16 dim, int16 unused, dim x binary16          (big-endian)
  sparsevec  int32 dim, int32 nnz, int32 unused, nnz x int32 0-based
             indices, nnz x float4 values                      (big-endian)
  bit        Postgres' own: int32 length in bits, then the bytes
"""
import struct

import numpy as np
import pytest
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format

rng = np.random.default_rng(20261122)


class HalfVector(np.ndarray):
    """A float16 array sent as halfvec."""


class SparseVector:
    def __init__(self, dim, indices, values):
        self.dim, self.indices, self.values = dim, list(indices), list(values)

    @classmethod
    def from_dense(cls, a):
        idx = [i for i, x in enumerate(a) if x != 0]
        return cls(len(a), idx, [float(a[i]) for i in idx])

    def to_dense(self):
        a = np.zeros(self.dim, dtype=np.float32)
        a[self.indices] = self.values
        return a

    def __eq__(self, other):
        return (self.dim, self.indices, list(np.float32(self.values))) == \
            (other.dim, other.indices, list(np.float32(other.values)))


def half_dumper(oid, fmt):
    class D(Dumper):
        format = fmt

        def dump(self, obj):
            a = np.asarray(obj, dtype=np.float16)
            if fmt == Format.TEXT:
                return ("[" + ",".join(repr(float(x)) for x in a) + "]").encode()
            return struct.pack(">hh", a.shape[0], 0) + a.astype(">f2").tobytes()
    D.oid = oid
    return D


class HalfLoader(Loader):
    format = Format.BINARY

    def load(self, data):
        dim, unused = struct.unpack_from(">hh", data)
        assert unused == 0 and len(data) == 4 + 2 * dim
        return np.frombuffer(data, dtype=">f2", count=dim, offset=4).astype(np.float16)


def sparse_dumper(oid, fmt):
    class D(Dumper):
        format = fmt

        def dump(self, v):
            if fmt == Format.TEXT:
                body = ",".join(f"{i + 1}:{x!r}" for i, x in zip(v.indices, v.values))
                return f"{{{body}}}/{v.dim}".encode()
            n = len(v.indices)
            return (struct.pack(">iii", v.dim, n, 0) + struct.pack(f">{n}i", *v.indices)
                    + struct.pack(f">{n}f", *v.values))
    D.oid = oid
    return D


class SparseLoader(Loader):
    format = Format.BINARY

    def load(self, data):
        dim, nnz, unused = struct.unpack_from(">iii", data)
        assert unused == 0 and len(data) == 12 + 8 * nnz
        idx = struct.unpack_from(f">{nnz}i", data, 12)
        vals = struct.unpack_from(f">{nnz}f", data, 12 + 4 * nnz)
        return SparseVector(dim, idx, vals)


@pytest.fixture(params=[Format.TEXT, Format.BINARY], ids=["text", "binary"])
def tconn(conn, request):
    """conn with halfvec and sparsevec adapters sending request.param"""
    oids = dict(conn.execute(
        "SELECT typname, oid FROM pg_type WHERE typname IN ('halfvec', 'sparsevec')").fetchall())
    conn.adapters.register_dumper(HalfVector, half_dumper(oids["halfvec"], request.param))
    conn.adapters.register_dumper(SparseVector, sparse_dumper(oids["sparsevec"], request.param))
    conn.adapters.register_loader(oids["halfvec"], HalfLoader)
    conn.adapters.register_loader(oids["sparsevec"], SparseLoader)
    return conn


def test_halfvec_round_trip_and_knn(tconn):
    vectors = [rng.standard_normal(32).astype(np.float16) for _ in range(60)]
    tconn.execute("CREATE TABLE h (id int, embedding halfvec(32))")
    with tconn.cursor() as cur:
        cur.executemany("INSERT INTO h VALUES (%s, %s)",
                        [(i, v.view(HalfVector)) for i, v in enumerate(vectors)])
    got = tconn.cursor(binary=True).execute("SELECT embedding FROM h ORDER BY id").fetchall()
    for (g,), v in zip(got, vectors):
        assert g.tobytes() == v.tobytes()
    text = tconn.execute("SELECT embedding::text FROM h WHERE id = 0").fetchone()[0]
    assert np.array_equal(np.array(text[1:-1].split(","), dtype=np.float32), vectors[0].astype(np.float32))

    tconn.execute("CREATE INDEX ON h USING hnsw (embedding halfvec_l2_ops)")
    tconn.execute("SET enable_seqscan = off")
    q = vectors[5]
    ids = [r[0] for r in tconn.execute(
        "SELECT id FROM h ORDER BY embedding <-> %s LIMIT 5", [q.view(HalfVector)])]
    d = [np.linalg.norm(v.astype(np.float64) - q.astype(np.float64)) for v in vectors]
    assert ids == list(np.argsort(d, kind="stable")[:5])


def test_sparsevec_round_trip_and_knn(tconn):
    dense = [np.where(rng.random(20) < 0.2, rng.standard_normal(20), 0).astype(np.float32)
             for _ in range(40)]
    tconn.execute("CREATE TABLE s (id int, embedding sparsevec(20))")
    with tconn.cursor() as cur:
        cur.executemany("INSERT INTO s VALUES (%s, %s)",
                        [(i, SparseVector.from_dense(v)) for i, v in enumerate(dense)])
    got = tconn.cursor(binary=True).execute("SELECT embedding FROM s ORDER BY id").fetchall()
    for (g,), v in zip(got, dense):
        assert g == SparseVector.from_dense(v)
    q = SparseVector.from_dense(dense[7])
    rows = tconn.execute(
        "SELECT id, embedding <-> %s FROM s ORDER BY embedding <-> %s, id LIMIT 3", [q, q]).fetchall()
    d = [np.linalg.norm(v.astype(np.float64) - dense[7]) for v in dense]
    assert [r[0] for r in rows] == list(np.argsort(d, kind="stable")[:3])
    assert rows[0][1] == 0


def test_bit_text_and_binary(conn):
    # Postgres' bit type: psycopg sends str as text; the binary form is
    # int32 bit length then the bits, most significant first
    row = conn.execute("SELECT %s::bit(10) <~> %s::bit(10), binary_quantize(%s::vector)::text",
                       ["1011000011", "0011000001", "[1,-1,0.5,0,2]"]).fetchone()
    assert row == (2, "10101")
    hexed = conn.execute("SELECT encode(bit_send(binary_quantize('[1,-1,0.5,0,2,3,-4,5,6]'::vector)), 'hex')").fetchone()[0]
    # bits 1 0 1 0 1 1 0 1 | 1: 0xad, 0x80
    assert hexed == struct.pack(">i", 9).hex() + "ad80"

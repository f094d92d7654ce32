"""psycopg 3 talking to vectordb in the binary wire format, as pgvector-python does.

pgvector-python registers a Dumper/Loader pair with format=BINARY for the
`vector` OID; a drop-in replacement must accept and produce exactly that
layout: int16 dim, int16 unused (0), dim x float4, all big-endian.
"""
import struct

import numpy as np
import psycopg
import pytest
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.types import TypeInfo

MAX_DIM = 16000
F32_MAX = 3.4028235e38
F32_MIN_NORMAL = 1.17549435e-38
F32_MIN_SUBNORMAL = 1e-45
EDGE_VALUES = [0.0, -0.0, F32_MIN_SUBNORMAL, -F32_MIN_SUBNORMAL, F32_MIN_NORMAL,
               F32_MAX, -F32_MAX, -1.5, 1.0, 0.1]

rng = np.random.default_rng(20240601)


# --- adapters --------------------------------------------------------------

class VectorBinaryDumper(Dumper):
    """numpy 1-d array -> pgvector binary layout.  `oid` is set per connection."""
    format = Format.BINARY

    def dump(self, obj):
        a = np.asarray(obj, dtype=np.float32)
        if a.ndim != 1:
            raise ValueError("a vector is a 1-d array")
        return struct.pack(">hh", a.shape[0], 0) + a.astype(">f4").tobytes()


class VectorBinaryLoader(Loader):
    """pgvector binary layout -> numpy float32 array, checking the framing."""
    format = Format.BINARY

    def load(self, data):
        dim, unused = struct.unpack_from(">hh", data)
        assert unused == 0, f"server sent unused={unused}"
        assert len(data) == 4 + 4 * dim, f"{len(data)} bytes for dim {dim}"
        return np.frombuffer(data, dtype=">f4", count=dim, offset=4).astype(np.float32)


class RawVector(bytes):
    """Bytes sent verbatim as a binary `vector` parameter (malformed-input tests)."""


class RawVectorDumper(Dumper):
    format = Format.BINARY

    def dump(self, obj):
        return bytes(obj)


def register_vector(conn):
    """Registers the adapters on conn for the vector OID found in pg_type."""
    oid, array_oid = conn.execute(
        "SELECT t.oid, t.typarray FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
        " WHERE t.typname = 'vector' AND n.nspname = 'public'").fetchone()
    # lets COPY's set_types() find "vector" by name
    TypeInfo("vector", oid, array_oid).register(conn)
    # The last dumper registered for an OID is the one COPY's set_types() uses,
    # so the raw one goes first.
    conn.adapters.register_dumper(RawVector, type("RawDumper", (RawVectorDumper,), {"oid": oid}))
    conn.adapters.register_dumper(np.ndarray, type("Dumper", (VectorBinaryDumper,), {"oid": oid}))
    conn.adapters.register_loader(oid, VectorBinaryLoader)
    return oid


@pytest.fixture
def vconn(conn):
    register_vector(conn)
    return conn


# --- helpers ---------------------------------------------------------------

def f32(values):
    return np.asarray(values, dtype=np.float32)


def random_f32(dim, scale=1.0):
    return (rng.standard_normal(dim) * scale).astype(np.float32)


def random_bits_f32(dim):
    """Random finite float32 bit patterns: covers every exponent, subnormals, -0."""
    bits = rng.integers(0, 2**32, size=dim, dtype=np.uint64).astype(np.uint32)
    a = bits.view(np.float32)
    return np.where(np.isfinite(a), a, np.float32(1.25)).astype(np.float32)


def wire(values, dim=None, unused=0):
    """Hand-made binary payload; dim defaults to len(values)."""
    a = f32(values)
    n = a.shape[0] if dim is None else dim
    return RawVector(struct.pack(">hh", n, unused) + a.astype(">f4").tobytes())


def assert_bits_equal(got, want):
    assert got.dtype == np.float32 and got.shape == want.shape
    assert got.tobytes() == want.astype(np.float32).tobytes()


# --- round trips -----------------------------------------------------------

def test_binary_round_trip_many_vectors(vconn):
    """Binary in, binary out: every float32 bit pattern survives, -0 included."""
    vectors = [f32([7.0]), f32([-0.0]), f32([F32_MIN_SUBNORMAL]), f32([1, 2, 3]),
               f32(EDGE_VALUES), f32(EDGE_VALUES * 1600)]
    for dim in (1, 3, 784, MAX_DIM):
        vectors += [random_f32(dim), random_bits_f32(dim)]
    vectors += [random_f32(int(d)) for d in rng.integers(1, 300, size=150)]
    vectors.append(np.full(MAX_DIM, F32_MAX, dtype=np.float32))

    vconn.execute("CREATE TABLE items (id int PRIMARY KEY, v vector)")
    with vconn.cursor() as cur:
        cur.executemany("INSERT INTO items VALUES (%s, %b)", list(enumerate(vectors)))
        rows = cur.execute("SELECT id, v FROM items ORDER BY id", binary=True).fetchall()

    assert [r[0] for r in rows] == list(range(len(vectors)))
    for (_, got), want in zip(rows, vectors):
        assert_bits_equal(got, want)


def test_binary_copy_round_trip(vconn):
    """COPY ... (FORMAT BINARY) uses vector_recv/vector_send too."""
    vectors = [random_bits_f32(int(d)) for d in (1, 3, 784, MAX_DIM)] + [f32(EDGE_VALUES)]
    vconn.execute("CREATE TABLE items (id int, v vector)")
    with vconn.cursor() as cur:
        with cur.copy("COPY items (id, v) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "vector"])
            for i, v in enumerate(vectors):
                copy.write_row((i, v))
        with cur.copy("COPY (SELECT v FROM items ORDER BY id) TO STDOUT (FORMAT BINARY)") as copy:
            copy.set_types(["vector"])
            got = [row[0] for row in copy.rows()]
    assert len(got) == len(vectors)
    for g, w in zip(got, vectors):
        assert_bits_equal(g, w)


def test_binary_result_of_text_input(vconn):
    """Text literal in, binary out: the parser rounds to the nearest float32."""
    cases = {
        "[1,2,3]": [1, 2, 3],
        "[-0]": [-0.0],
        "[0.1, -1.5 ,2e3]": [0.1, -1.5, 2000.0],
        "[1e-45,3.4028235e+38,-3.4028235e38,1.17549435e-38]":
            [F32_MIN_SUBNORMAL, F32_MAX, -F32_MAX, F32_MIN_NORMAL],
    }
    for text, values in cases.items():
        got = vconn.execute("SELECT %s::vector", (text,), binary=True).fetchone()[0]
        assert_bits_equal(got, f32(values))

    # shortest round-trip decimal of random float32 values parses back exactly
    want = random_bits_f32(784)
    text = "[" + ",".join(repr(float(x)) if x == 0 else np.format_float_scientific(x, unique=True)
                          for x in want) + "]"
    got = vconn.execute("SELECT %s::vector", (text,), binary=True).fetchone()[0]
    assert_bits_equal(got, want)


def test_text_output_of_binary_input(vconn):
    """Binary in, text out: shortest round-trip decimals, formatted like float4out."""
    got = vconn.execute("SELECT %b::text", (f32(EDGE_VALUES),)).fetchone()[0]
    assert got == ("[0,-0,1e-45,-1e-45,1.1754944e-38,3.4028235e+38,-3.4028235e+38,"
                   "-1.5,1,0.1]")
    assert vconn.execute("SELECT %b::text", (f32([1, 2.5, -3]),)).fetchone()[0] == "[1,2.5,-3]"

    # Random values: the printed shortest decimals read back to the same bits.
    want = np.concatenate([random_bits_f32(2000), random_f32(500, 1e6)])
    text = vconn.execute("SELECT %b::text", (want,)).fetchone()[0]
    assert text.startswith("[") and text.endswith("]")
    assert_bits_equal(f32([float(s) for s in text[1:-1].split(",")]), want)


def test_text_output_matches_float4out(vconn):
    """pgvector prints elements with Postgres' float4out digits; a drop-in must too.

    Postgres' Ryu (src/common/f2s.c) runs with acceptBounds = false, so it never
    emits a decimal lying exactly halfway between two floats; std::to_chars
    alone would, so the codec steps past such boundaries.
    """
    assert vconn.execute("SELECT %b::text", (f32([64311768.0]),)).fetchone()[0] == "[6.4311768e+07]"
    want = np.concatenate([random_bits_f32(2000), random_f32(500, 1e6)])
    text, ref = vconn.execute(
        "SELECT %b::text, '[' || array_to_string(%s::float8[]::real[], ',') || ']'",
        (want, [float(x) for x in want])).fetchone()
    assert text == ref


# --- distances -------------------------------------------------------------

@pytest.mark.parametrize("dim", [1, 3, 784, MAX_DIM])
def test_distances_match_numpy(vconn, dim):
    """Server kernels (float32 SIMD) agree with float64 numpy to 1e-5 relative.

    The tolerance is relative to the sum of magnitudes being accumulated
    (for <#> and <=> the result itself may cancel to near zero).
    """
    for _ in range(5):
        a, b = random_f32(dim), random_f32(dim, 3.0)
        l2, nip, cos, l1 = vconn.execute(
            "SELECT %b <-> %b, %b <#> %b, %b <=> %b, %b <+> %b", (a, b) * 4).fetchone()
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        na, nb = np.linalg.norm(a64), np.linalg.norm(b64)
        assert l2 == pytest.approx(np.linalg.norm(a64 - b64), rel=1e-5)
        assert l1 == pytest.approx(np.abs(a64 - b64).sum(), rel=1e-5)
        assert nip == pytest.approx(-(a64 @ b64), rel=1e-5, abs=1e-5 * np.abs(a64 * b64).sum())
        assert cos == pytest.approx(1 - (a64 @ b64) / (na * nb), rel=1e-5, abs=1e-5)

    # identical vectors: zero L2/L1/cosine distance
    a = random_f32(dim)
    l2, l1, cos = vconn.execute("SELECT %b <-> %b, %b <+> %b, %b <=> %b", (a, a) * 3).fetchone()
    assert l2 == 0 and l1 == 0
    assert cos == pytest.approx(0, abs=1e-6)


# --- malformed binary input ------------------------------------------------

MALFORMED = {
    # fewer bytes than the int16 header: pq_getmsgint runs off the message
    "1_byte": (RawVector(b"\x00"), "08P01"),
    "3_bytes": (RawVector(b"\x00\x01\x00"), "08P01"),
    "unused_nonzero": (wire([1, 2, 3], unused=1), "22P03"),
    "unused_negative": (wire([1], unused=-1), "22P03"),
    "dim_0": (wire([]), "22000"),
    "dim_negative": (wire([1], dim=-1), "22000"),
    "dim_16001": (wire(np.ones(MAX_DIM + 1)), "54000"),
    "dim_32767": (wire([1], dim=32767), "54000"),
    "nan": (wire([1, float("nan"), 3]), "22000"),
    "infinity": (wire([float("inf"), 0]), "22000"),
    "dim_exceeds_data": (wire([1, 2], dim=3), "22P03"),
    "dim_below_data": (wire([1, 2, 3], dim=2), "22P03"),
    "header_only": (RawVector(struct.pack(">hh", 2, 0)), "22P03"),
    "partial_float": (RawVector(struct.pack(">hhf", 2, 0, 1.0) + b"\x00\x00"), "22P03"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_binary_rejected(vconn, case):
    payload, sqlstate = MALFORMED[case]
    with pytest.raises(psycopg.Error) as err:
        vconn.execute("SELECT %b", (payload,))
    assert err.value.sqlstate == sqlstate, str(err.value)
    # an ERROR, not a FATAL: the session is still usable
    assert vconn.execute("SELECT 1").fetchone() == (1,)


def test_well_formed_raw_payload_accepted(vconn):
    """Control for the malformed cases: the same raw path takes a good buffer."""
    got = vconn.execute("SELECT %b::text", (wire([1, -0.0, 2.5]),)).fetchone()[0]
    assert got == "[1,-0,2.5]"


# --- type modifier ---------------------------------------------------------

def test_typmod_enforced(vconn):
    vconn.execute("CREATE TABLE t (v vector(4))")
    vconn.execute("INSERT INTO t VALUES (%b)", (f32([1, 2, 3, 4]),))
    for bad in (f32([1, 2, 3]), f32([1, 2, 3, 4, 5])):
        with pytest.raises(psycopg.Error) as err:
            vconn.execute("INSERT INTO t VALUES (%b)", (bad,))
        assert err.value.sqlstate == "22000", str(err.value)
    with pytest.raises(psycopg.Error) as err:
        vconn.execute("INSERT INTO t VALUES ('[1,2,3]')")
    assert err.value.sqlstate == "22000"
    rows = vconn.execute("SELECT v FROM t", binary=True).fetchall()
    assert len(rows) == 1
    assert_bits_equal(rows[0][0], f32([1, 2, 3, 4]))

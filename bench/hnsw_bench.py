"""HNSW benchmark, vectordb side: build time, index size, recall@10 and QPS.

Loads PREFIX.base.fvecs into items (id int PRIMARY KEY, embedding vector(D))
with binary COPY, times CREATE INDEX ... USING hnsw (m, ef_construction) with
maintenance_work_mem = 2GB and THREADS - 1 parallel maintenance workers, then
for each hnsw.ef_search answers NQ queries one at a time from one client with
a prepared statement (binary vector parameter):

    SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10

and reports recall@10 against PREFIX.gt.ivecs, QPS and p50/p99 client-side
latency.  The sweep measures the index: where the planner would rather scan
the table (large ef_search on a small table) the row is taken with
enable_seqscan = off and marked "forced".  Two more rows: "roundtrip", a
prepared SELECT 1 (the floor under every query), and "exact", a few queries
with index scans off (sequential scan, parallel workers allowed).  Prints a
table and writes the rows as TSV (the columns of bench/hnswlib_bench, and
table_mib: the table's size, for bench/plot.sh).

    hnsw_bench.py PREFIX [--m 16] [--ef-construction 64] [--threads 2]
                  [--ef-search 10,20,...] [--nq 1000] [--exact-nq 20] [--tsv FILE]
                  [--type vector|halfvec|sparsevec|bq]
    hnsw_bench.py --compare HNSWLIB.tsv VECTORDB.tsv

--type halfvec stores the column as halfvec(D) (the index opclass
halfvec_l2_ops, the query vector cast to halfvec), --type sparsevec as
sparsevec(D) (sparsevec_l2_ops: the index keeps the non-zeros, e.g. the
inked pixels of Fashion-MNIST, and merges them); --type bq indexes
binary_quantize(embedding)::bit(D) with bit_hamming_ops and answers with
pgvector's re-rank query, the ef_search nearest by Hamming distance
re-ordered by exact L2:

    SELECT id FROM (SELECT id, embedding FROM items
                    ORDER BY binary_quantize(embedding)::bit(D) <~> binary_quantize($1)
                    LIMIT ef_search) c
    ORDER BY embedding <-> $1 LIMIT 10

The second form prints both runs side by side and the summary.  Connects
with the usual PGHOST/PGPORT/PGUSER; bench/hnsw_bench.sh starts a throwaway
cluster and runs both sides.  Run with Debian's /usr/bin/python3.  Nothing
here is pass/fail.
"""
import argparse
import csv
import itertools
import os
import struct
import sys
import time

import numpy as np
import psycopg
from psycopg import pq

sys.dont_write_bytecode = True

TOP_K = 10
COLUMNS = ["system", "m", "ef_construction", "threads", "build_s", "index_mib",
           "ef_search", "nq", "recall", "qps", "p50_ms", "p99_ms", "plan", "table_mib"]
QUERY = "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10"
INDEX = "items_embedding_idx"


def index_sql(kind, dim, m, ef_construction):
    """CREATE INDEX for a --type."""
    key = {"vector": "embedding vector_l2_ops",
           "halfvec": "embedding halfvec_l2_ops",
           "sparsevec": "embedding sparsevec_l2_ops",
           "bq": f"(binary_quantize(embedding)::bit({dim})) bit_hamming_ops"}[kind]
    return (f"CREATE INDEX {INDEX} ON items USING hnsw ({key}) "
            f"WITH (m = {m}, ef_construction = {ef_construction})")


def query_sql(kind, dim, ef):
    """The top-10 query of a --type at hnsw.ef_search = ef."""
    if kind in ("halfvec", "sparsevec"):
        return f"SELECT id FROM items ORDER BY embedding <-> $1::{kind}({dim}) LIMIT 10"
    if kind == "bq":
        return ("SELECT id FROM (SELECT id, embedding FROM items "
                f"ORDER BY binary_quantize(embedding)::bit({dim}) <~> binary_quantize($1) LIMIT {ef}) c "
                "ORDER BY embedding <-> $1 LIMIT 10")
    return QUERY


def read_vecs(path, dtype):
    """Rows of an fvecs (float32) / ivecs (int32) file as an n x dim array."""
    raw = np.fromfile(path, dtype=np.int32)
    dim = int(raw[0])
    return raw.reshape(-1, dim + 1)[:, 1:].view(dtype).copy()


def copy_binary(conn, base, batch=10000):
    """COPYs (id, embedding) rows in binary form, ids numbered from 0.  Each
    row is int16 field count, then per field int32 length and the value in
    network byte order; a vector is int16 dim, int16 unused, dim float4."""
    n, dim = base.shape
    row = np.dtype([("nfields", ">i2"), ("id_len", ">i4"), ("id", ">i4"),
                    ("vec_len", ">i4"), ("dim", ">i2"), ("unused", ">i2"),
                    ("vec", ">f4", (dim,))])
    with conn.cursor() as cur, cur.copy("COPY items (id, embedding) FROM STDIN (FORMAT binary)") as copy:
        copy.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
        for start in range(0, n, batch):
            rows = np.zeros(min(batch, n - start), dtype=row)
            rows["nfields"] = 2
            rows["id_len"] = 4
            rows["id"] = np.arange(start, start + len(rows))
            rows["vec_len"] = 4 + 4 * dim
            rows["dim"] = dim
            rows["vec"] = base[start:start + len(rows)]
            copy.write(rows.tobytes())
        copy.write(struct.pack(">h", -1))


def vector_binary(q):
    """pgvector's binary form of one float32 row."""
    return struct.pack(">hh", len(q), 0) + q.astype(">f4").tobytes()


def vector_text(q):
    """Text form of one float32 row; repr of its double reads back exactly."""
    return "[" + ",".join(map(repr, q.tolist())) + "]"


class Prepared:
    """A server-side prepared statement with at most one vector parameter,
    run through libpq directly (binary parameter, text results) so the client
    adds as little as possible to each round trip.  Prepared afresh for every
    setting: a cached plan does not follow later SETs."""

    _names = itertools.count()

    def __init__(self, conn, query=QUERY, param_type="vector"):
        self.conn = conn
        self.name = f"bench{next(self._names)}"
        self.nparams = 1 if "$1" in query else 0
        oid = conn.execute(f"SELECT '{param_type}'::regtype::oid").fetchone()[0]
        self.check(conn.pgconn.prepare(self.name.encode(), query.encode(), [oid] * self.nparams))

    @staticmethod
    def check(res):
        if res.status not in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
            raise RuntimeError(res.error_message.decode(errors="replace"))
        return res

    def run(self, param):
        """Values of the first column (the ids of the 10 nearest rows)."""
        params = [param] * self.nparams
        res = self.check(self.conn.pgconn.exec_prepared(self.name.encode(), params, [1] * self.nparams))
        return [res.get_value(i, 0) for i in range(res.ntuples)]

    def plan(self, q):
        """The plan this statement runs for query vector q, on one line."""
        rows = self.conn.execute(f"EXPLAIN EXECUTE {self.name}('{vector_text(q)}')").fetchall()
        return " ".join(r[0].strip() for r in rows)

    def close(self):
        self.conn.execute(f"DEALLOCATE {self.name}")


def uses_index(plan):
    return f"Index Scan using {INDEX}" in plan


def index_statement(conn, q, setting, query=QUERY):
    """A Prepared top-10 statement that scans INDEX, and "index", or "forced"
    where the planner would rather scan the table at the current settings
    (enable_seqscan is then left off; the caller resets it).  q is a query
    vector to EXPLAIN; setting names the setting in the error message."""
    conn.execute("RESET enable_seqscan")
    stmt = Prepared(conn, query)
    if uses_index(stmt.plan(q)):
        return stmt, "index"
    # The planner prefers another plan at this setting: measure the index anyway
    stmt.close()
    conn.execute("SET enable_seqscan = off")
    stmt = Prepared(conn, query)
    if not uses_index(stmt.plan(q)):
        raise RuntimeError(f"no index scan at {setting}: {stmt.plan(q)}")
    return stmt, "forced"


def quantile(sorted_ms, q):
    """Nearest-rank quantile, as bench/hnswlib_bench computes it."""
    rank = min(max(int(q * len(sorted_ms) + 0.999999), 1), len(sorted_ms))
    return sorted_ms[rank - 1]


def sweep(stmt, params, gt=None):
    """Runs every query once (the i-th against gt row i when gt is given);
    returns recall@10, QPS, p50 and p99 ms."""
    for p in params[:10]:                       # warm-up, not timed
        stmt.run(p)
    ms, hits = [], 0
    start = time.perf_counter()
    for i, p in enumerate(params):
        t0 = time.perf_counter()
        ids = stmt.run(p)
        ms.append((time.perf_counter() - t0) * 1000)
        if gt is not None:
            hits += len(set(map(int, ids)) & set(gt[i, :TOP_K].tolist()))
    total = time.perf_counter() - start
    ms.sort()
    return hits / (len(params) * TOP_K), len(params) / total, quantile(ms, 0.5), quantile(ms, 0.99)


def print_notice(diag):
    """Server notices (a build running out of memory, say), less DROP's chatter."""
    if not diag.message_primary.endswith("does not exist, skipping"):
        print(f"  server: {diag.severity}: {diag.message_primary}", file=sys.stderr)


def load_table(conn, base):
    """Creates items and fills it with binary COPY, then VACUUM ANALYZE;
    returns the table's size in MiB (pg_table_size: heap, TOAST, FSM, VM)."""
    n, dim = base.shape
    conn.execute("DROP TABLE IF EXISTS items")
    conn.execute("CREATE EXTENSION IF NOT EXISTS vectordb")
    conn.execute(f"CREATE TABLE items (id int PRIMARY KEY, embedding vector({dim}))")
    t0 = time.perf_counter()
    copy_binary(conn, base)
    load_s = time.perf_counter() - t0
    conn.execute("VACUUM ANALYZE items")
    table_mib = conn.execute("SELECT pg_table_size('items')").fetchone()[0] / 2**20
    print(f"vectordb: loaded in {load_s:.1f} s, table {table_mib:.1f} MiB", file=sys.stderr)
    return table_mib


def load_and_build(conn, base, args):
    """Creates and fills items, builds the index; returns (build s, index
    MiB, table MiB)."""
    table_mib = load_table(conn, base)
    if args.type in ("halfvec", "sparsevec"):
        conn.execute(f"ALTER TABLE items ALTER COLUMN embedding TYPE {args.type}({base.shape[1]})")
        conn.execute("VACUUM ANALYZE items")
        table_mib = conn.execute("SELECT pg_table_size('items')").fetchone()[0] / 2**20
        print(f"vectordb: as {args.type}, table {table_mib:.1f} MiB", file=sys.stderr)
    conn.execute("SET maintenance_work_mem = '2GB'")
    conn.execute(f"SET max_parallel_maintenance_workers = {args.threads - 1}")
    t0 = time.perf_counter()
    conn.execute(index_sql(args.type, base.shape[1], args.m, args.ef_construction))
    build_s = time.perf_counter() - t0
    index_mib = conn.execute(f"SELECT pg_relation_size('{INDEX}')").fetchone()[0] / 2**20
    print(f"vectordb: built in {build_s:.2f} s, {index_mib:.1f} MiB", file=sys.stderr)

    # The index and the heap in shared buffers, as hnswlib has them in memory
    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
    conn.execute(f"SELECT pg_prewarm('{INDEX}'), pg_prewarm('items')")
    return build_s, index_mib, table_mib


def run(args):
    base = read_vecs(args.prefix + ".base.fvecs", np.float32)
    queries = read_vecs(args.prefix + ".query.fvecs", np.float32)
    gt = read_vecs(args.prefix + ".gt.ivecs", np.int32)
    nq = min(args.nq, len(queries), len(gt))
    n, dim = base.shape
    name = os.path.basename(args.prefix)
    print(f"vectordb: {name}, {n} x {dim}, {nq} queries; m={args.m} "
          f"ef_construction={args.ef_construction}, {args.threads} threads", file=sys.stderr)

    rows = []
    params = [vector_binary(q) for q in queries[:nq]]
    with psycopg.connect(dbname="postgres", autocommit=True) as conn:
        conn.add_notice_handler(print_notice)
        build_s, index_mib, table_mib = load_and_build(conn, base, args)
        system = "vectordb" if args.type == "vector" else f"vectordb-{args.type}"
        common = [system, args.m, args.ef_construction, args.threads, f"{build_s:.3f}", f"{index_mib:.1f}"]

        for ef in args.ef_search:
            conn.execute(f"SET hnsw.ef_search = {ef}")
            stmt, plan = index_statement(conn, queries[0], f"ef_search={ef}", query_sql(args.type, dim, ef))
            recall, qps, p50, p99 = sweep(stmt, params, gt)
            stmt.close()
            rows.append(common + [ef, nq, f"{recall:.4f}", f"{qps:.0f}", f"{p50:.3f}", f"{p99:.3f}", plan])
            print(f"  ef_search={ef}: recall {recall:.4f}, {qps:.0f} QPS, p50 {p50:.3f} ms"
                  + ("  (planner prefers a seq scan here; index forced)" if plan == "forced" else ""),
                  file=sys.stderr)
        conn.execute("RESET enable_seqscan")

        # The floor under every row: a prepared SELECT 1 through the same path
        stmt = Prepared(conn, "SELECT 1")
        trips = min(nq, 200)
        _, qps, p50, p99 = sweep(stmt, [None] * trips)
        stmt.close()
        rows.append(common + ["roundtrip", trips, "", f"{qps:.0f}", f"{p50:.3f}", f"{p99:.3f}", "SELECT 1"])

        conn.execute("SET enable_indexscan = off")
        # exact answers of the table's own column (for bq: the vectors, not the bits)
        stmt = Prepared(conn, query_sql("vector" if args.type == "bq" else args.type, dim, TOP_K))
        if uses_index(stmt.plan(queries[0])):
            raise RuntimeError(f"the exact query uses the index: {stmt.plan(queries[0])}")
        exact_nq = min(args.exact_nq, nq)
        recall, qps, p50, p99 = sweep(stmt, params[:exact_nq], gt)
        stmt.close()
        workers = conn.execute("SHOW max_parallel_workers_per_gather").fetchone()[0]
        rows.append(common + ["exact", exact_nq, f"{recall:.4f}", f"{qps:.1f}", f"{p50:.3f}", f"{p99:.3f}",
                              f"seq scan, {workers} workers"])
        level = conn.execute("SELECT vectordb_simd_level()").fetchone()[0]

    rows = [dict(zip(COLUMNS, map(str, r + [f"{table_mib:.1f}"]))) for r in rows]
    print_table(f"vectordb: {name}, {n} x {dim}, {nq} queries, kernels {level}", rows)
    if args.tsv:
        write_tsv(args.tsv, rows)


def write_tsv(path, rows, columns=COLUMNS):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, columns, delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def fmt_recall(r, width):
    """Recall, or a dash for the round-trip row, which has none."""
    return f"{float(r['recall']):{width}.4f}" if r["recall"] else f"{'-':>{width}}"


def fmt_plan(r):
    return "" if r.get("plan") in (None, "-", "index") else f"  {r['plan']}"


def print_table(title, rows):
    print(title)
    r = rows[0]
    print(f"build {float(r['build_s']):.2f} s with {r['threads']} threads "
          f"(m={r['m']}, ef_construction={r['ef_construction']}), index {float(r['index_mib']):.1f} MiB")
    print(f"{'ef_search':>9} {'recall@10':>9} {'QPS':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for r in rows:
        print(f"{r['ef_search']:>9} {fmt_recall(r, 9)} {float(r['qps']):8.0f} "
              f"{float(r['p50_ms']):8.3f} {float(r['p99_ms']):8.3f}{fmt_plan(r)}")


def at_recall(rows, target, key="ef_search"):
    """QPS at recall `target`: interpolated linearly between the two settings
    (of column `key`, ef_search by default) around it, or the first
    setting's QPS when that one is already above it (a smaller setting would
    be faster still); None when no setting reaches it.  Also the first
    setting that reaches it, as (setting, recall, QPS)."""
    pts = [(float(r["recall"]), float(r["qps"]), r[key]) for r in rows if r[key].isdigit()]
    for i, (rec, qps, ef) in enumerate(pts):
        if rec >= target:
            if i == 0 or pts[i - 1][0] >= rec:
                return qps, (ef, rec, qps)
            r0, q0, _ = pts[i - 1]
            return q0 + (qps - q0) * (target - r0) / (rec - r0), (ef, rec, qps)
    return None, None


def compare(hnswlib_tsv, vectordb_tsv, target=0.95):
    """Prints both runs side by side and the summary."""
    a, b = read_tsv(hnswlib_tsv), read_tsv(vectordb_tsv)
    blank = f"{'':>7} {'':>8} {'':>8} {'':>8}"
    cell = lambda r: (f"{fmt_recall(r, 7)} {float(r['qps']):8.0f} {float(r['p50_ms']):8.3f} "
                      f"{float(r['p99_ms']):8.3f}") if r else blank
    print(f"{'':>9}   {'hnswlib (in-process)':^35}   {'vectordb (SQL, one client)':^35}")
    print(f"{'ef_search':>9}   {'recall':>7} {'QPS':>8} {'p50 ms':>8} {'p99 ms':>8}   "
          f"{'recall':>7} {'QPS':>8} {'p50 ms':>8} {'p99 ms':>8}")
    in_a = {r["ef_search"]: r for r in a}
    in_b = {r["ef_search"]: r for r in b}
    for ef in [r["ef_search"] for r in a] + [r["ef_search"] for r in b if r["ef_search"] not in in_a]:
        rb = in_b.get(ef)
        label = f"exact({rb['nq']})" if ef == "exact" else ef
        print(f"{label:>9}   {cell(in_a.get(ef))}   {cell(rb)}{fmt_plan(rb) if rb else ''}")

    ha, hb = a[0], b[0]
    ba, bb = float(ha["build_s"]), float(hb["build_s"])
    ma, mb = float(ha["index_mib"]), float(hb["index_mib"])
    print(f"\nsummary (m={hb['m']}, ef_construction={hb['ef_construction']}, {hb['threads']} build threads, "
          f"{hb['nq']} queries)")
    print(f"  build:      hnswlib {ba:.2f} s, vectordb {bb:.2f} s: vectordb/hnswlib = {bb / ba:.2f}x")
    print(f"  index size: hnswlib {ma:.1f} MiB (in memory), vectordb {mb:.1f} MiB (on disk): "
          f"vectordb/hnswlib = {mb / ma:.2f}x")
    qa, fa = at_recall(a, target)
    qb, fb = at_recall(b, target)
    for name, rows, q, f in (("hnswlib", a, qa, fa), ("vectordb", b, qb, fb)):
        head = f"  QPS at recall@10 {target}, {name + ':':<9}"
        if q is None:
            print(f"{head} not reached")
        elif f[0] == rows[0]["ef_search"]:
            print(f"{head} {q:.0f} at ef_search={f[0]}, the smallest tried, already at recall {f[1]:.4f}")
        else:
            print(f"{head} {q:.0f} interpolated (first ef_search reaching it: {f[0]}, "
                  f"recall {f[1]:.4f}, {f[2]:.0f} QPS)")
    if qa and qb:
        print(f"  QPS at recall@10 {target}, vectordb/hnswlib = {qb / qa:.2f}")
    if "roundtrip" in in_b:
        print(f"  client round trip floor (prepared SELECT 1): p50 {float(in_b['roundtrip']['p50_ms']):.3f} ms")
    if "exact" in in_b:
        e = in_b["exact"]
        print(f"  exact ({e['plan']}): p50 {float(e['p50_ms']):.1f} ms over {e['nq']} queries, "
              f"recall {float(e['recall']):.4f}")
    forced = [r["ef_search"] for r in b if r.get("plan") == "forced"]
    if forced:
        print(f"  forced: at ef_search {', '.join(forced)} the planner prefers a seq scan; "
              f"those rows ran with enable_seqscan = off")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--compare":
        if len(sys.argv) != 4:
            sys.exit("usage: hnsw_bench.py --compare HNSWLIB.tsv VECTORDB.tsv")
        compare(sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser(description="vectordb HNSW benchmark")
    ap.add_argument("prefix", help="dataset path without .base.fvecs")
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2, help="build threads (parallel workers + leader)")
    ap.add_argument("--ef-search", type=lambda s: [int(x) for x in s.split(",")],
                    default=[10, 20, 40, 80, 160, 320])
    ap.add_argument("--nq", type=int, default=1000)
    ap.add_argument("--exact-nq", type=int, default=20)
    ap.add_argument("--tsv", help="also write the rows here")
    ap.add_argument("--type", choices=["vector", "halfvec", "sparsevec", "bq"], default="vector",
                    help="column and index: vector, halfvec, sparsevec, or binary quantization + re-rank")
    run(ap.parse_args())


if __name__ == "__main__":
    main()

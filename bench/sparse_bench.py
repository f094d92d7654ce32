"""Sparse-vector benchmark: hnsw over sparsevec(30522), SPLADE-shaped data.

Generates (seeded) N documents over BERT's 30,522-term vocabulary, each 50
to 120 terms of one of 100 topic vocabularies (400 terms each) plus 10 to
30 terms anywhere, and NQ short queries (8 to 20 topic terms plus 2
anywhere); loads them into items (id int, embedding sparsevec(30522)),
times CREATE INDEX ... USING hnsw (embedding sparsevec_ip_ops) (or
_cosine_ops with --metric cosine) with THREADS - 1 parallel maintenance
workers, and for each hnsw.ef_search answers the queries one at a time from
one client with a prepared statement (binary sparsevec parameter):

    SELECT id FROM items ORDER BY embedding <#> $1 LIMIT 10   (<=> for cosine)

reporting recall@10 against exact answers (a sequential scan of the same
query, the first EXACT_NQ queries), QPS and p50/p99 latency next to the
exact scan's own.  The same rows written out as vector(30522) could not be
indexed (16,000 dimensions at most; pgvector: 2,000) and would take 122 kB
each; pgvector's hnsw takes at most 1,000 non-zeros a row.

    sparse_bench.py [--n 100000] [--nq 1000] [--exact-nq 200] [--m 16]
                    [--ef-construction 64] [--threads 2] [--ef-search 10,20,...]
                    [--metric ip|cosine]

Connects with PGHOST/PGPORT/PGUSER (bench/sparse_bench.sh starts a
throwaway cluster).  Run with Debian's /usr/bin/python3.  Nothing here is
pass/fail.
"""
import argparse
import struct
import sys
import time

import numpy as np
import psycopg

from hnsw_bench import Prepared, print_notice, sweep

sys.dont_write_bytecode = True

DIMS = 30522
INDEX = "items_embedding_idx"
METRICS = {"ip": ("sparsevec_ip_ops", "<#>"), "cosine": ("sparsevec_cosine_ops", "<=>")}


def make_rows(rng, topics, count, own, other):
    """count sparse rows as (sorted 0-based indices, float32 values)."""
    rows = []
    for _ in range(count):
        topic = topics[rng.integers(len(topics))]
        idx = set(rng.choice(topic, size=rng.integers(*own), replace=False).tolist())
        idx.update(rng.integers(0, DIMS, size=rng.integers(*other)).tolist())
        idx = np.array(sorted(idx), dtype=np.int32)
        val = np.where(np.isin(idx, topic), 0.5 + 2 * rng.random(len(idx)),
                       0.3 * rng.random(len(idx))).astype(np.float32)
        rows.append((idx, np.maximum(val, np.float32(0.001))))
    return rows


def sparse_text(row):
    idx, val = row
    return "{" + ",".join(f"{i + 1}:{v!r}" for i, v in zip(idx.tolist(), val.tolist())) + f"}}/{DIMS}"


def sparse_binary(row):
    """pgvector's binary sparsevec: dim, nnz, unused, indices, values."""
    idx, val = row
    return (struct.pack(">iii", DIMS, len(idx), 0) + idx.astype(">i4").tobytes()
            + val.astype(">f4").tobytes())


def main():
    ap = argparse.ArgumentParser(description="vectordb sparsevec HNSW benchmark")
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--nq", type=int, default=1000)
    ap.add_argument("--exact-nq", type=int, default=200)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ef-search", type=lambda s: [int(x) for x in s.split(",")],
                    default=[10, 20, 40, 80, 160, 320])
    ap.add_argument("--metric", choices=sorted(METRICS), default="ip")
    args = ap.parse_args()
    opclass, op = METRICS[args.metric]
    query = f"SELECT id FROM items ORDER BY embedding {op} $1 LIMIT 10"

    rng = np.random.default_rng(8)
    topics = [rng.choice(DIMS, size=400, replace=False) for _ in range(100)]
    docs = make_rows(rng, topics, args.n, (50, 121), (10, 31))
    queries = make_rows(rng, topics, args.nq, (8, 21), (2, 3))
    nnz = sum(len(d[0]) for d in docs)
    print(f"sparse: {args.n} documents, {nnz / args.n:.1f} non-zeros each on average, "
          f"{args.nq} queries", file=sys.stderr)

    with psycopg.connect(dbname="postgres", autocommit=True) as conn:
        conn.add_notice_handler(print_notice)
        conn.execute("CREATE EXTENSION IF NOT EXISTS vectordb")
        conn.execute("DROP TABLE IF EXISTS items")
        conn.execute(f"CREATE TABLE items (id int PRIMARY KEY, embedding sparsevec({DIMS}))")
        t0 = time.perf_counter()
        with conn.cursor().copy("COPY items FROM STDIN") as copy:
            for i, d in enumerate(docs):
                copy.write_row((i, sparse_text(d)))
        conn.execute("VACUUM ANALYZE items")
        table_mib = conn.execute("SELECT pg_table_size('items')").fetchone()[0] / 2**20
        print(f"loaded in {time.perf_counter() - t0:.1f} s, table {table_mib:.1f} MiB", file=sys.stderr)

        conn.execute("SET maintenance_work_mem = '2GB'")
        conn.execute(f"SET max_parallel_maintenance_workers = {args.threads - 1}")
        t0 = time.perf_counter()
        conn.execute(f"CREATE INDEX {INDEX} ON items USING hnsw (embedding {opclass}) "
                     f"WITH (m = {args.m}, ef_construction = {args.ef_construction})")
        build_s = time.perf_counter() - t0
        index_mib = conn.execute(f"SELECT pg_relation_size('{INDEX}')").fetchone()[0] / 2**20
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        conn.execute(f"SELECT pg_prewarm('{INDEX}'), pg_prewarm('items')")

        params = [sparse_binary(q) for q in queries]
        exact_nq = min(args.exact_nq, args.nq)
        conn.execute("SET enable_indexscan = off")
        stmt = Prepared(conn, query, "sparsevec")
        t0 = time.perf_counter()
        gt = np.array([[int(x) for x in stmt.run(p)] for p in params[:exact_nq]])
        exact_s = (time.perf_counter() - t0) / exact_nq
        stmt.close()
        conn.execute("RESET enable_indexscan")

        print(f"\nsparsevec({DIMS}) x {args.n}, {nnz / args.n:.1f} non-zeros a row, {args.metric}, "
              f"m={args.m} ef_construction={args.ef_construction}, {args.threads} build threads")
        print(f"build {build_s:.1f} s, index {index_mib:.1f} MiB ({index_mib * 2**20 / nnz:.1f} bytes "
              f"per non-zero), table {table_mib:.1f} MiB")
        print(f"{'ef_search':>9} {'recall':>8} {'QPS':>8} {'p50 ms':>8} {'p99 ms':>8}")
        conn.execute("SET enable_seqscan = off")
        for ef in args.ef_search:
            conn.execute(f"SET hnsw.ef_search = {ef}")
            stmt = Prepared(conn, query, "sparsevec")
            recall, _, _, _ = sweep(stmt, params[:exact_nq], gt)
            _, qps, p50, p99 = sweep(stmt, params)
            stmt.close()
            print(f"{ef:>9} {recall:>8.4f} {qps:>8.0f} {p50:>8.3f} {p99:>8.3f}")
        print(f"{'exact':>9} {1.0:>8.4f} {1 / exact_s:>8.1f} {exact_s * 1000:>8.1f}"
              f"  (seq scan, first {exact_nq} queries)")


if __name__ == "__main__":
    main()

"""Exact-search benchmark: seq scan ORDER BY image <-> q LIMIT 10 on Fashion-MNIST.

Loads the 60,000 training images into one table per storage strategy of the
vector column (external: pgvector's choice, every row detoasted from the TOAST
table; main: kept inline in the heap page when it fits, compressed if that
helps), then times top-10 queries for test images with and without parallel
workers, next to an in-process numpy brute force over the same data.

Run with bench/exact_search.sh, which starts a throwaway cluster.  Prints a
table; nothing here is pass/fail.
"""
import os
import statistics
import sys
import time

import numpy as np
import psycopg

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "scripts"))
import fashion_mnist as fm  # noqa: E402

QUERIES = int(os.environ.get("VDB_BENCH_QUERIES", "30"))
# (storage, compression) of the vector column; pglz is Postgres' default
VARIANTS = [("external", "pglz"), ("main", "pglz"), ("main", "lz4"), ("extended", "lz4")]
DATASET = os.environ.get("VDB_BENCH_DATA", "fashion-mnist")


def time_queries(conn, table, queries, workers):
    """Median and p90 client-side latency (ms) of top-10 seq-scan queries."""
    conn.execute(f"SET max_parallel_workers_per_gather = {workers}")
    sql = f"SELECT id FROM {table} ORDER BY image <-> %s::vector LIMIT 10"
    texts = [fm.vector_text(q) for q in queries]
    conn.execute(sql, (texts[0],), prepare=True)  # warm the cache and the plan
    times = []
    for t in texts:
        t0 = time.perf_counter()
        conn.execute(sql, (t,), prepare=True).fetchall()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), sorted(times)[int(len(times) * 0.9) - 1]


def load_data():
    """Fashion-MNIST, or with VDB_BENCH_DATA=dense seeded gaussian vectors of the
    same shape, which stand for model embeddings: no zeros, nothing to compress."""
    train, labels = fm.load_split("train")
    test, _ = fm.load_split("t10k")
    if DATASET == "dense":
        rng = np.random.default_rng(42)
        train = rng.standard_normal(train.shape, dtype=np.float32)
        test = rng.standard_normal((QUERIES, 784), dtype=np.float32)
    return train, labels, test[:QUERIES]


def main():
    train, labels, queries = load_data()

    print(f"{DATASET}: {len(train)} x 784, {QUERIES} queries, top-10 by L2, exact\n")
    print(f"{'method':<42} {'load s':>7} {'size MB':>8} {'median ms':>10} {'p90 ms':>8}")

    with psycopg.connect(dbname="postgres", autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vectordb")
        level = conn.execute("SELECT vectordb_simd_level()").fetchone()[0]
        for storage, compression in VARIANTS:
            table = f"items_{storage}_{compression}"
            conn.execute(f"DROP TABLE IF EXISTS {table}")
            conn.execute(f"CREATE TABLE {table} (id int, label int, image vector(784) COMPRESSION {compression})")
            conn.execute(f"ALTER TABLE {table} ALTER COLUMN image SET STORAGE {storage}")
            t0 = time.perf_counter()
            fm.copy_into(conn, table, train, labels)
            load_s = time.perf_counter() - t0
            conn.execute(f"VACUUM ANALYZE {table}")
            size_mb = conn.execute(f"SELECT pg_total_relation_size('{table}')").fetchone()[0] / 1e6
            for workers in (0, 2):
                med, p90 = time_queries(conn, table, queries, workers)
                name = f"seq scan, {storage}/{compression}, {workers} workers"
                print(f"{name:<42} {load_s:7.1f} {size_mb:8.1f} {med:10.1f} {p90:8.1f}")

    # In-process reference: the same brute force with numpy (BLAS for the dot products)
    norms = (train.astype(np.float32) ** 2).sum(axis=1)
    times = []
    for q in queries:
        t0 = time.perf_counter()
        d = norms - 2 * train @ q
        np.argpartition(d, 10)[:10]
        times.append((time.perf_counter() - t0) * 1000)
    print(f"{'numpy brute force (in-process, BLAS)':<42} {'':>7} {'':>8} "
          f"{statistics.median(times):10.1f} {sorted(times)[int(len(times) * 0.9) - 1]:8.1f}")
    print(f"\ndistance kernels: {level}")


if __name__ == "__main__":
    main()

"""The main job: exact image search over Fashion-MNIST in PostgreSQL.

Loads the 60,000 training images as vector(784) rows with their class labels,
then for a few test images prints the 10 nearest training images by L2
distance, with and without a WHERE label = ... filter, and how long each
query took.  Every answer is checked against a brute-force numpy search.
Connection settings come from PGHOST / PGPORT / PGUSER.
"""
import os
import sys
import time

import numpy as np
import psycopg

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import fashion_mnist as fm  # noqa: E402

QUERY_IMAGES = [0, 1, 42]
SEARCH = """SELECT id, label, image <-> %(q)s::vector AS distance
            FROM fashion_mnist {where}
            ORDER BY image <-> %(q)s::vector LIMIT 10"""


def thumbnail(pixels):
    """A 14x7 character sketch of a 28x28 image, so results can be eyeballed."""
    shades = " .:-=+*#%@"
    img = pixels.reshape(28, 28)
    rows = []
    for y in range(0, 28, 4):
        block = img[y:y + 4].reshape(4, 14, 2).mean(axis=(0, 2))
        rows.append("".join(shades[min(9, int(v / 256 * 10))] for v in block))
    return rows


def run_search(cur, query, label=None):
    """Runs one top-10 search; returns its rows and the round-trip time (ms)."""
    where = "WHERE label = %(label)s" if label is not None else ""
    params = {"q": fm.vector_text(query), "label": label}
    t0 = time.perf_counter()
    cur.execute(SEARCH.format(where=where), params)
    rows = cur.fetchall()
    return rows, (time.perf_counter() - t0) * 1000


def check(rows, train, labels, query, label=None):
    """Asserts the database's answer equals a brute-force numpy search."""
    d = np.sqrt(((train.astype(np.float64) - query) ** 2).sum(axis=1))
    if label is not None:
        d[labels != label] = np.inf
    expected = np.sort(d)[:10]
    got = np.array([r[2] for r in rows])
    if not np.allclose(got, expected, rtol=1e-6):
        sys.exit(f"MISMATCH: database distances {got} != numpy {expected}")


def main():
    train, train_labels = fm.load_split("train")
    test, test_labels = fm.load_split("t10k")

    with psycopg.connect(dbname="postgres", autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vectordb")
        conn.execute("DROP TABLE IF EXISTS fashion_mnist")
        # Pixel vectors are mostly zeros: lz4 keeps them small and cheap to
        # decompress (README.md, "Storage")
        conn.execute("CREATE TABLE fashion_mnist (id int PRIMARY KEY, label int NOT NULL, "
                     "image vector(784) COMPRESSION lz4 NOT NULL)")
        t0 = time.perf_counter()
        fm.copy_into(conn, "fashion_mnist", train, train_labels)
        conn.execute("VACUUM ANALYZE fashion_mnist")
        size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('fashion_mnist'))").fetchone()[0]
        level = conn.execute("SELECT vectordb_simd_level()").fetchone()[0]
        print(f"loaded {len(train)} Fashion-MNIST training images as vector(784) "
              f"in {time.perf_counter() - t0:.1f} s ({size}); distance kernels: {level}\n")

        cur = conn.cursor()
        for qi in QUERY_IMAGES:
            query, qlabel = test[qi], int(test_labels[qi])
            print(f"query: test image {qi}, a {fm.LABELS[qlabel]}")
            for line in thumbnail(query):
                print("   " + line)
            for label in (None, qlabel):
                rows, ms = run_search(cur, query, label)
                check(rows, train, train_labels, query, label)
                how = "exact search" if label is None else f"exact search WHERE label = {label} ({fm.LABELS[label]})"
                print(f"  {how}: 10 nearest in {ms:.1f} ms")
                for rank, (rid, rlabel, dist) in enumerate(rows, 1):
                    print(f"    {rank:2}. image {rid:5}  {fm.LABELS[rlabel]:<12} distance {dist:8.1f}")
            print()
        print("every result matched a brute-force numpy search")


if __name__ == "__main__":
    main()

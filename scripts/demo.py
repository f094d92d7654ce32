"""The main job: image search over Fashion-MNIST in PostgreSQL with vectordb.

1. Loads the 60,000 training images of Debian's dataset-fashion-mnist as
   vector(784) rows with their class labels (table fashion_mnist), and the
   ten class names (table labels).
2. Builds an HNSW index on the images, showing the build's progress as
   PostgreSQL reports it in pg_stat_progress_create_index.
3. For a few test images runs three searches through the index: the 10
   nearest images, the 10 nearest of the query's own class
   (WHERE label = ...), and the 10 nearest joined to labels for their class
   names.  Prints each answer, its round-trip time and its recall@10 against
   an exact search, and checks the exact search the database does without
   the index against a brute-force numpy search.
4. Prints recall@10 and latency over 100 test images at a few
   hnsw.ef_search settings, next to the exact search's latency.
5. Draws the answers as a PNG contact sheet, tmp/demo/contact_sheet.png.

Exits non-zero when recall@10 at the default ef_search is below MIN_RECALL,
when a filtered search returns fewer than 10 rows or a row of another
class, or when an exact answer differs from numpy's.  Connection settings
come from PGHOST / PGPORT / PGUSER.  Run with Debian's /usr/bin/python3.
"""
import os
import sys
import threading
import time

import numpy as np
import psycopg

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import contact_sheet  # noqa: E402
import fashion_mnist as fm  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
SHEET = os.path.join(ROOT, "tmp", "demo", "contact_sheet.png")

QUERY_IMAGES = [0, 2, 4, 18, 42]    # test images: ankle boot, trouser, shirt, bag, dress
SUMMARY_IMAGES = range(0, 10000, 100)   # 100 test images, every class
SUMMARY_EF_SEARCH = [10, 40, 100]
EXACT_TIMED = 20                    # of those, how many also run without the index
DEFAULT_EF_SEARCH = 40
MIN_RECALL = 0.9
TOP_K = 10

INDEX = "fashion_mnist_image_idx"
CREATE_INDEX = (f"CREATE INDEX {INDEX} ON fashion_mnist "
                "USING hnsw (image vector_l2_ops) WITH (m = 16, ef_construction = 64)")
# The three searches.  The vector is one parameter, used twice: once for the
# distance shown, once for the ORDER BY the index answers.
KNN = """SELECT id, label, image <-> %(q)s::vector AS distance
         FROM fashion_mnist
         ORDER BY image <-> %(q)s::vector LIMIT 10"""
FILTERED = """SELECT id, label, image <-> %(q)s::vector AS distance
              FROM fashion_mnist WHERE label = %(label)s::int
              ORDER BY image <-> %(q)s::vector LIMIT 10"""
JOIN = """SELECT f.id, l.name, f.image <-> %(q)s::vector AS distance
          FROM fashion_mnist f JOIN labels l ON l.label = f.label
          ORDER BY f.image <-> %(q)s::vector LIMIT 10"""

problems = []                       # failed checks, reported at the end


def fail(message):
    print(f"  FAILED: {message}")
    problems.append(message)


# -- loading ------------------------------------------------------------------

def load(conn, train, train_labels):
    """Creates and fills labels and fashion_mnist (COPY), then VACUUM ANALYZE."""
    conn.execute("CREATE EXTENSION IF NOT EXISTS vectordb")
    conn.execute("DROP TABLE IF EXISTS fashion_mnist, labels")
    conn.execute("CREATE TABLE labels (label int PRIMARY KEY, name text NOT NULL)")
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO labels VALUES (%s, %s)", list(enumerate(fm.LABELS)))
    # Pixel vectors are mostly zeros: lz4 keeps them small and cheap to
    # decompress (README.md, "Storage")
    conn.execute("CREATE TABLE fashion_mnist (id int PRIMARY KEY, label int NOT NULL, "
                 "image vector(784) COMPRESSION lz4 NOT NULL)")
    t0 = time.perf_counter()
    fm.copy_into(conn, "fashion_mnist", train, train_labels)
    conn.execute("VACUUM ANALYZE fashion_mnist, labels")
    size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('fashion_mnist'))").fetchone()[0]
    level = conn.execute("SELECT vectordb_simd_level()").fetchone()[0]
    print(f"loaded {len(train):,} Fashion-MNIST training images as vector(784) in "
          f"{time.perf_counter() - t0:.1f} s ({size}), and the 10 class names into labels; "
          f"distance kernels: {level}")


# -- building the index, with progress ------------------------------------------

class Progress:
    """The build's progress on one line.  On a terminal the line is rewritten
    in place at every poll; elsewhere (a log file, a pipe) a new line is
    printed only when the phase changes or the percentage passes another
    multiple of 10, so a log stays short."""

    def __init__(self):
        self.tty = sys.stdout.isatty()
        self.shown = None           # (phase, tens of percent) last printed
        self.width = 0

    def update(self, phase, done, total, elapsed):
        # Percentages only for the phases that count tuples: loading them
        # into the in-memory graph, or inserting them on disk when the graph
        # outgrew maintenance_work_mem.  Writing the pages has no count.
        pct = 100 * done / total if total and "tuples" in phase else None
        text = f"  {phase}"
        if pct is not None:
            text += f"  {pct:3.0f}%  ({done:,} of {total:,})"
        text += f"  {elapsed:5.1f} s"
        if self.tty:
            sys.stdout.write("\r" + text.ljust(self.width))
            sys.stdout.flush()
            self.width = max(self.width, len(text))
            return
        key = (phase, None if pct is None else int(pct // 10))
        if key != self.shown:
            print(text)
            self.shown = key

    def finish(self):
        if self.tty and self.width:
            sys.stdout.write("\r" + " " * self.width + "\r")


def build_index(conn, monitor):
    """Runs CREATE INDEX on conn in a thread while this thread polls the
    build's row of pg_stat_progress_create_index on monitor every 0.5 s."""
    conn.execute("SET maintenance_work_mem = '1GB'")       # the whole graph fits in memory
    conn.execute("SET max_parallel_maintenance_workers = 1")  # 2 build threads
    pid = conn.info.backend_pid
    outcome = {}

    def create():
        try:
            conn.execute(CREATE_INDEX)
        except Exception as e:              # noqa: BLE001 - re-raised below
            outcome["error"] = e

    print(f"{CREATE_INDEX};  (maintenance_work_mem = 1GB, 2 build threads)")
    progress = Progress()
    builder = threading.Thread(target=create, daemon=True)
    t0 = time.perf_counter()
    builder.start()
    try:
        while builder.is_alive():
            builder.join(0.5)
            row = monitor.execute(
                "SELECT phase, tuples_done, tuples_total FROM pg_stat_progress_create_index "
                "WHERE pid = %s", (pid,)).fetchone()
            if row is not None and builder.is_alive():
                progress.update(row[0], row[1], row[2], time.perf_counter() - t0)
    except KeyboardInterrupt:
        conn.cancel()                       # ends the build within a second
        builder.join()
        raise
    finally:
        progress.finish()
    if "error" in outcome:
        raise outcome["error"]
    build_s = time.perf_counter() - t0

    size = conn.execute(f"SELECT pg_size_pretty(pg_relation_size('{INDEX}'))").fetchone()[0]
    print(f"index built in {build_s:.1f} s: {size}", end="")
    shape = index_stats(conn, "elements, levels, avg_neighbors")
    if shape is not None:
        print(f", {shape[0]:,} images in a graph of {shape[1]} levels, "
              f"{shape[2]:.1f} neighbours per image on the bottom level on average", end="")
    print()


def index_stats(conn, columns):
    """Columns of vectordb_index_stats(INDEX), or None in an installation
    that predates that function."""
    if not hasattr(index_stats, "present"):
        index_stats.present = conn.execute(
            "SELECT to_regprocedure('vectordb_index_stats(regclass)') IS NOT NULL").fetchone()[0]
    if not index_stats.present:
        return None
    return conn.execute(f"SELECT {columns} FROM vectordb_index_stats('{INDEX}')").fetchone()


# -- searching ----------------------------------------------------------------

class Exact:
    """Brute-force L2 search in numpy, the reference every answer is checked
    against.  Pixels are integers, so float64 sums are exact."""

    def __init__(self, train, labels):
        self.train = train.astype(np.float64)
        self.norms = (self.train ** 2).sum(axis=1)
        self.labels = labels

    def distances(self, queries, labels=None):
        """The 10 smallest distances for each query row, in order; each
        query only among the images of its entry of labels when given."""
        q = np.asarray(queries, dtype=np.float64)
        d2 = self.norms[None, :] + (q ** 2).sum(axis=1)[:, None] - 2 * q @ self.train.T
        if labels is not None:
            d2[self.labels[None, :] != np.asarray(labels)[:, None]] = np.inf
        nearest = np.sort(np.partition(d2, TOP_K, axis=1)[:, :TOP_K], axis=1)
        return np.sqrt(np.maximum(nearest, 0))


def recall(rows, exact_distances):
    """recall@10: the share of the 10 true nearest the answer found.  A row
    counts when its distance is within the 10th exact distance, so images at
    the same distance (Fashion-MNIST has duplicates) are interchangeable."""
    bound = exact_distances[TOP_K - 1] * (1 + 1e-5) + 1e-6
    return min(sum(1 for r in rows[:TOP_K] if r[2] <= bound), TOP_K) / TOP_K


def timed(cur, sql, params, prepare=None):
    """Runs one search; returns its rows and the round-trip time in ms.
    prepare as in psycopg: None prepares a statement on its 5th run."""
    t0 = time.perf_counter()
    cur.execute(sql, params, prepare=prepare)
    rows = cur.fetchall()
    return rows, (time.perf_counter() - t0) * 1000


class ExactScans:
    """Within the block, searches scan the table instead of using the index.
    Run them unprepared (prepare=False): a prepared statement may keep a
    cached plan made before the SET."""

    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("SET enable_indexscan = off")
        self.conn.execute("SET enable_bitmapscan = off")

    def __exit__(self, *exc):
        self.conn.execute("RESET enable_indexscan")
        self.conn.execute("RESET enable_bitmapscan")


def computed(conn):
    """"  N distances": how many distances this session's last scan of the
    index computed ("" without vectordb_index_stats)."""
    row = index_stats(conn, "last_scan_distances")
    return "" if row is None else f"  {row[0]:,} distances"


def show_plans(conn, query, label):
    """EXPLAIN of the three searches, the query vector cut short."""
    params = {"q": fm.vector_text(query), "label": label}
    print("query plans (EXPLAIN, costs off):")
    for name, sql in (("kNN", KNN), ("filtered", FILTERED), ("join", JOIN)):
        lines = [r[0] for r in conn.execute("EXPLAIN (COSTS OFF) " + sql, params).fetchall()]
        print(f"  {name}:")
        for line in lines:
            print("    " + (line if len(line) <= 96 else line[:92] + " ...]"))
        uses = f"Index Scan using {INDEX}" in "\n".join(lines)
        if not uses:
            fail(f"the {name} search does not use the hnsw index")
    print()


def thumbnail(pixels):
    """A 14x7 character sketch of a 28x28 image, so results can be eyeballed."""
    shades = " .:-=+*#%@"
    img = pixels.reshape(28, 28)
    rows = []
    for y in range(0, 28, 4):
        block = img[y:y + 4].reshape(4, 14, 2).mean(axis=(0, 2))
        rows.append("".join(shades[min(9, int(v / 256 * 10))] for v in block))
    return rows


def showcase(conn, exact, qi, query, qlabel, train_labels):
    """The three searches for one test image, printed and checked; returns
    the kNN and filtered rows for the contact sheet."""
    cur = conn.cursor()
    params = {"q": fm.vector_text(query), "label": qlabel}
    name = fm.LABELS[qlabel]
    true_d, = exact.distances([query])
    true_fd, = exact.distances([query], [qlabel])

    knn, knn_ms = timed(cur, KNN, params)
    knn_dist = computed(conn)
    flt, flt_ms = timed(cur, FILTERED, params)
    flt_dist = computed(conn)
    join, join_ms = timed(cur, JOIN, params)
    with ExactScans(conn):
        ex, ex_ms = timed(cur, KNN, params, prepare=False)

    knn_r, flt_r = recall(knn, true_d), recall(flt, true_fd)
    # The two answers side by side, the image sketched on the left
    cols = f"{'id':>6}  {'class':<12} {'distance':>9}"
    print(f"test image {qi}, {name}:")
    print(f"  {'':14}  {'':2}  {'nearest 10':<30} | nearest 10 WHERE label = {qlabel}")
    print(f"  {'':14}  {'#':>2}  {cols} | {cols}")
    sketch = thumbnail(query)
    for i in range(TOP_K):
        left = sketch[i] if i < len(sketch) else ""
        a = f"{knn[i][0]:6}  {fm.LABELS[knn[i][1]]:<12} {knn[i][2]:9.1f}" if i < len(knn) else ""
        b = f"{flt[i][0]:6}  {fm.LABELS[flt[i][1]]:<12} {flt[i][2]:9.1f}" if i < len(flt) else ""
        print(f"  {left:<14}  {i + 1:2}  {a:<30} | {b}")
    counts = {}
    for _, cls, _ in join:
        counts[cls] = counts.get(cls, 0) + 1
    names = ", ".join(f"{n} x{c}" for n, c in sorted(counts.items(), key=lambda kv: -kv[1]))
    print(f"  {'kNN':<17} {knn_ms:6.1f} ms  recall@10 {knn_r:.2f}{knn_dist}")
    print(f"  {f'WHERE label = {qlabel}':<17} {flt_ms:6.1f} ms  recall@10 {flt_r:.2f}{flt_dist}")
    print(f"  {'JOIN labels':<17} {join_ms:6.1f} ms  class names from SQL: {names}")
    print(f"  {'exact (seq scan)':<17} {ex_ms:6.1f} ms  60,000 distances\n")

    # The checks
    if len(flt) < TOP_K or any(r[1] != qlabel for r in flt):
        fail(f"test image {qi}: WHERE label = {qlabel} returned {len(flt)} rows, "
             f"labels {sorted({r[1] for r in flt})}")
    if len(knn) < TOP_K:
        fail(f"test image {qi}: kNN returned {len(knn)} rows")
    if [round(r[2], 3) for r in join] != [round(r[2], 3) for r in knn] or \
            any(r[1] != fm.LABELS[train_labels[r[0]]] for r in join):
        fail(f"test image {qi}: the join's answer differs from the kNN answer")
    if not np.allclose([r[2] for r in ex], true_d, rtol=1e-6):
        fail(f"test image {qi}: exact distances {[r[2] for r in ex]} != numpy {true_d.tolist()}")
    return knn, flt


def quantile(ms, q):
    """The q-quantile of a list of times (nearest rank)."""
    s = sorted(ms)
    return s[min(len(s) - 1, int(q * len(s)))]


def summary(conn, exact, test, test_labels):
    """recall@10 and latency over SUMMARY_IMAGES at a few ef_search, and the
    exact search's latency over the first EXACT_TIMED of them."""
    idx = list(SUMMARY_IMAGES)
    queries, labels = test[idx], test_labels[idx]
    true_d = exact.distances(queries)
    true_fd = exact.distances(queries, labels)
    params = [{"q": fm.vector_text(q), "label": int(lbl)} for q, lbl in zip(queries, labels)]
    cur = conn.cursor()
    for p in params[:10]:                   # warm-up, not timed
        cur.execute(KNN, p, prepare=True)
        cur.fetchall()

    print(f"over {len(idx)} test images (every 100th), one client, round trip per search:")
    print(f"  {'search':<34} {'ef_search':>9} {'recall@10':>9} {'mean ms':>8} {'p50 ms':>7} {'p99 ms':>7}")

    def line(what, ef, rec, ms):
        print(f"  {what:<34} {ef:>9} {rec:9.3f} {sum(ms) / len(ms):8.2f} "
              f"{quantile(ms, 0.5):7.2f} {quantile(ms, 0.99):7.2f}")

    runs = []                               # (what, query, ef_search, exact distances)
    for ef in SUMMARY_EF_SEARCH:
        runs.append(("kNN (hnsw)", KNN, ef, true_d))
        if ef == DEFAULT_EF_SEARCH:
            runs.append(("kNN WHERE label = its class", FILTERED, ef, true_fd))
    for what, sql, ef, truth in runs:
        conn.execute(f"SET hnsw.ef_search = {ef}")
        ms, hits = [], 0.0
        for i, p in enumerate(params):
            t0 = time.perf_counter()
            cur.execute(sql, p, prepare=True)
            rows = cur.fetchall()
            ms.append((time.perf_counter() - t0) * 1000)
            hits += recall(rows, truth[i])
            if sql is FILTERED and (len(rows) < TOP_K or any(r[1] != p["label"] for r in rows)):
                fail(f"test image {idx[i]}: WHERE label = {p['label']} returned {len(rows)} rows, "
                     f"labels {sorted({r[1] for r in rows})}")
        line(what, ef, hits / len(params), ms)
        if ef == DEFAULT_EF_SEARCH and hits / len(params) < MIN_RECALL:
            fail(f"{what}: recall@10 {hits / len(params):.3f} at ef_search {ef} is below {MIN_RECALL}")
    conn.execute("RESET hnsw.ef_search")

    ms, hits = [], 0.0
    with ExactScans(conn):
        for i, p in enumerate(params[:EXACT_TIMED]):
            t0 = time.perf_counter()
            cur.execute(KNN, p, prepare=False)
            rows = cur.fetchall()
            ms.append((time.perf_counter() - t0) * 1000)
            hits += recall(rows, true_d[i])
    line(f"exact (seq scan), {EXACT_TIMED} images", "-", hits / EXACT_TIMED, ms)
    if hits < EXACT_TIMED:
        fail("the exact search disagrees with numpy")
    print()


# -- the contact sheet ------------------------------------------------------------

def draw_sheet(shown, train, test):
    """Writes SHEET: the kNN answers, then the filtered ones."""
    def tiles(rows, qlabel):
        return [contact_sheet.Tile(train[r[0]], (fm.LABELS[r[1]], f"#{r[0]} d {r[2]:.0f}"),
                                   r[1] == qlabel) for r in rows]

    def query_tile(qi, qlabel):
        return contact_sheet.Tile(test[qi], (fm.LABELS[qlabel], f"test image {qi}"))

    knn = contact_sheet.Section(
        ["SELECT id FROM fashion_mnist ORDER BY image <-> $query LIMIT 10      (hnsw index)"],
        [(query_tile(qi, ql), tiles(k, ql)) for qi, ql, k, _ in shown])
    # The filter only changes answers that had other classes in them
    mixed = [(qi, ql, f) for qi, ql, k, f in shown if any(r[1] != ql for r in k)]
    flt = contact_sheet.Section(
        ["SELECT id FROM fashion_mnist WHERE label = $query_label ORDER BY image <-> $query LIMIT 10",
         "(the queries above whose nearest 10 include another class)"],
        [(query_tile(qi, ql), tiles(f, ql)) for qi, ql, f in mixed])
    title = [f"vectordb: Fashion-MNIST image search, {len(train):,} training images as vector(784), "
             f"L2 distance, hnsw (m = 16, ef_construction = 64, ef_search = {DEFAULT_EF_SEARCH})",
             "Each row: a test image (blue), then the 10 nearest training images; green: same class "
             "as the query, red: another class.  Captions: class, id, distance."]
    os.makedirs(os.path.dirname(SHEET), exist_ok=True)
    contact_sheet.write(SHEET, title, [knn, flt] if mixed else [knn])
    print(f"contact sheet: {SHEET}\n  {len(shown)} test images with their 10 nearest"
          + (f", then {len(mixed)} of them WHERE label = their class" if mixed else ""))


def main():
    sys.stdout.reconfigure(line_buffering=True)     # progress shows up in logs as it happens
    train, train_labels = fm.load_split("train")
    test, test_labels = fm.load_split("t10k")
    exact = Exact(train, train_labels)

    with psycopg.connect(dbname="postgres", autocommit=True) as conn, \
            psycopg.connect(dbname="postgres", autocommit=True) as monitor:
        load(conn, train, train_labels)
        build_index(conn, monitor)
        print()
        show_plans(conn, test[QUERY_IMAGES[0]], int(test_labels[QUERY_IMAGES[0]]))

        print(f"searches at hnsw.ef_search = {DEFAULT_EF_SEARCH}; "
              "distances: how many the index computed (an exact search computes all 60,000)\n")
        shown = []
        for qi in QUERY_IMAGES:
            qlabel = int(test_labels[qi])
            knn, flt = showcase(conn, exact, qi, test[qi], qlabel, train_labels)
            shown.append((qi, qlabel, knn, flt))
        summary(conn, exact, test, test_labels)

    draw_sheet(shown, train, test)
    if problems:
        sys.exit(f"demo FAILED: {len(problems)} check(s): " + "; ".join(problems))
    print("every check passed: recall@10 at least "
          f"{MIN_RECALL}, filtered searches return 10 rows of the right class, "
          "exact searches match numpy")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("demo interrupted")

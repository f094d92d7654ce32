"""IVF benchmark, vectordb side: build time, index size, recall@10 and QPS.

Loads PREFIX.base.fvecs into items (id int PRIMARY KEY, embedding vector(D))
with binary COPY (the type's STORAGE main keeps vectors in the heap page),
then for each quantizer (flat, sq8, pq) in turn, with only that index on the
table, times

    CREATE INDEX ... USING ivf (embedding vector_l2_ops) WITH (lists = L, quantizer = Q)

with maintenance_work_mem = 2GB and THREADS - 1 parallel maintenance workers,
splitting the build into its steps from the DEBUG1 lines the build prints
(sample: the heap scan that draws the training rows and keeps the rest in
memory; train: k-means and the codebook; assign+write: list assignment and
the index pages; log: WAL for the new pages).  The index and the table are
then read into shared buffers with pg_prewarm, and one untimed pass of the
first WARMUP (100) queries at the largest ivf.probes of the sweep runs
through the index, so first-touch page faults of the backend on shared
memory are not counted in the timed rows.  For each ivf.probes it answers NQ
queries one at a time from one client with a prepared statement (binary
vector parameter):

    SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10

and reports recall@10 against PREFIX.gt.ivecs, QPS and p50/p99 client-side
latency.  ivf.iterative_scan is left at its default (relaxed_order: a scan
whose probed lists run out of rows probes further ones).  sq8 and pq rows run
at the default ivf.rerank = 100; for them two more rows run at ivf.rerank =
RERANK_LOW (40), at the first probes reaching recall TARGET (0.95) and the
one below it, to show what fewer exact re-ranks cost in recall.  Where the
planner would rather scan the table the row is taken with enable_seqscan =
off and marked "forced".  Two more rows, as in bench/hnsw_bench.py:
"roundtrip", a prepared SELECT 1, and "exact", a few queries with index
scans off (sequential scan, parallel workers allowed).  Prints a table and
writes the rows as TSV (the columns of bench/faiss_ivf_bench, and table_mib:
the table's size, for bench/plot.sh).

    ivf_bench.py PREFIX [--lists 245] [--threads 2] [--quantizers flat,sq8,pq]
                 [--probes 1,2,4,8,16,32] [--rerank-low 40] [--nq 1000]
                 [--exact-nq 20] [--tsv FILE]
    ivf_bench.py --compare FAISS.tsv VECTORDB.tsv

The second form prints both runs side by side and the summary, with
pgvector's IVFFlat figures from ../shared/DESIGN.md section 8 and an estimate
of its index size from its page layout.  Connects with the usual
PGHOST/PGPORT/PGUSER; bench/ivf_bench.sh starts a throwaway cluster and runs
both sides.  Run with Debian's /usr/bin/python3.  Nothing here is
pass/fail.
"""
import argparse
import math
import os
import re
import sys
import time

import numpy as np
import psycopg

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from hnsw_bench import (INDEX, Prepared, at_recall, fmt_recall, index_statement,  # noqa: E402
                        load_table, print_notice, read_tsv, read_vecs, sweep, uses_index,
                        vector_binary, write_tsv)

COLUMNS = ["system", "quantizer", "lists", "threads", "sample", "build_s", "sample_s", "train_s",
           "add_s", "log_s", "index_mib", "probes", "rerank", "nq", "recall", "qps", "p50_ms",
           "p99_ms", "plan", "table_mib"]
QUANTIZERS = ["flat", "sq8", "pq"]
WARMUP = 100
DEFAULT_RERANK = 100

# The DEBUG1 lines of src/ivf/ivf_build.cpp
BUILD_STEPS = {
    "sample": re.compile(r"ivf build: sampled (\d+) of \d+ rows.* in ([\d.]+) s"),
    "train": re.compile(r"ivf build: trained \d+ lists in ([\d.]+) s"),
    "add": re.compile(r"ivf build: assigned and wrote \d+ entries in ([\d.]+) s"),
    "log": re.compile(r"ivf build: logged \d+ pages in ([\d.]+) s"),
}


class BuildLog:
    """Notice handler that keeps the ivf build's DEBUG1 lines and passes
    anything above DEBUG to print_notice."""

    def __init__(self):
        self.lines = []

    def __call__(self, diag):
        if diag.severity.startswith("DEBUG"):
            if diag.message_primary.startswith("ivf build:"):
                self.lines.append(diag.message_primary)
        else:
            print_notice(diag)

    def steps(self):
        """{sample, sample_s, train_s, add_s, log_s} from the last build's lines."""
        out = {}
        for line in self.lines:
            for step, rx in BUILD_STEPS.items():
                m = rx.search(line)
                if m and step == "sample":
                    out["sample"], out["sample_s"] = m.group(1), float(m.group(2))
                elif m:
                    out[step + "_s"] = float(m.group(1))
        return out


def build_index(conn, log, quantizer, args):
    """Drops the previous index, builds this one; returns (build s, steps, MiB)."""
    conn.execute(f"DROP INDEX IF EXISTS {INDEX}")
    conn.execute("SET maintenance_work_mem = '2GB'")
    conn.execute(f"SET max_parallel_maintenance_workers = {args.threads - 1}")
    log.lines.clear()
    conn.execute("SET client_min_messages = debug1")
    t0 = time.perf_counter()
    conn.execute(f"CREATE INDEX {INDEX} ON items USING ivf (embedding vector_l2_ops) "
                 f"WITH (lists = {args.lists}, quantizer = {quantizer})")
    build_s = time.perf_counter() - t0
    conn.execute("RESET client_min_messages")
    steps = log.steps()
    index_mib = conn.execute(f"SELECT pg_relation_size('{INDEX}')").fetchone()[0] / 2**20
    print(f"vectordb {quantizer}: built in {build_s:.2f} s (sample {steps.get('sample_s', 0):.2f}, "
          f"train {steps.get('train_s', 0):.2f}, assign+write {steps.get('add_s', 0):.2f}, "
          f"log {steps.get('log_s', 0):.2f}), {index_mib:.1f} MiB", file=sys.stderr)

    # The index and the heap in shared buffers, as FAISS has them in memory
    conn.execute(f"SELECT pg_prewarm('{INDEX}'), pg_prewarm('items')")
    return build_s, steps, index_mib


def warm_up(conn, queries, params, probes):
    """One untimed pass of the first WARMUP queries at `probes`, so the
    backend's first touch of the buffers it maps is not timed."""
    conn.execute(f"SET ivf.probes = {probes}")
    stmt, _ = index_statement(conn, queries[0], f"probes={probes}")
    for p in params[:WARMUP]:
        stmt.run(p)
    stmt.close()
    conn.execute("RESET enable_seqscan")


def measure(conn, queries, params, gt, probes, rerank):
    """One row's numbers at ivf.probes = probes (and ivf.rerank = rerank unless None)."""
    conn.execute(f"SET ivf.probes = {probes}")
    conn.execute(f"SET ivf.rerank = {rerank}" if rerank else "RESET ivf.rerank")
    stmt, plan = index_statement(conn, queries[0], f"probes={probes}")
    recall, qps, p50, p99 = sweep(stmt, params, gt)
    stmt.close()
    conn.execute("RESET enable_seqscan")
    conn.execute("RESET ivf.rerank")
    return recall, qps, p50, p99, plan


def run(args):
    base = read_vecs(args.prefix + ".base.fvecs", np.float32)
    queries = read_vecs(args.prefix + ".query.fvecs", np.float32)
    gt = read_vecs(args.prefix + ".gt.ivecs", np.int32)
    nq = min(args.nq, len(queries), len(gt))
    n, dim = base.shape
    name = os.path.basename(args.prefix)
    print(f"vectordb: {name}, {n} x {dim}, {nq} queries; lists={args.lists}, "
          f"{args.threads} build threads", file=sys.stderr)

    rows = []
    params = [vector_binary(q) for q in queries[:nq]]
    log = BuildLog()
    with psycopg.connect(dbname="postgres", autocommit=True) as conn:
        conn.add_notice_handler(log)
        table_mib = load_table(conn, base)
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")

        for quantizer in args.quantizers:
            build_s, steps, index_mib = build_index(conn, log, quantizer, args)
            common = ["vectordb", quantizer, args.lists, args.threads, steps.get("sample", ""),
                      f"{build_s:.3f}"] + [f"{steps[k]:.3f}" if k in steps else ""
                                           for k in ("sample_s", "train_s", "add_s", "log_s")] + [f"{index_mib:.1f}"]
            warm_up(conn, queries, params, max(args.probes))
            quantized = quantizer != "flat"
            default = []
            for probes in args.probes:
                recall, qps, p50, p99, plan = measure(conn, queries, params, gt, probes, None)
                rerank = str(DEFAULT_RERANK) if quantized else "-"
                default.append({"probes": str(probes), "recall": str(recall), "qps": str(qps)})
                rows.append(common + [probes, rerank, nq, f"{recall:.4f}", f"{qps:.1f}", f"{p50:.3f}",
                                      f"{p99:.3f}", plan])
                print(f"  {quantizer} probes={probes}: recall {recall:.4f}, {qps:.0f} QPS, p50 {p50:.3f} ms"
                      + ("  (planner prefers a seq scan here; index forced)" if plan == "forced" else ""),
                      file=sys.stderr)
            if quantized and args.rerank_low:
                for probes in rerank_probes(default, args.probes, args.target):
                    recall, qps, p50, p99, plan = measure(conn, queries, params, gt, probes, args.rerank_low)
                    rows.append(common + [probes, args.rerank_low, nq, f"{recall:.4f}", f"{qps:.1f}",
                                          f"{p50:.3f}", f"{p99:.3f}", plan])
                    print(f"  {quantizer} probes={probes} rerank={args.rerank_low}: recall {recall:.4f}, "
                          f"{qps:.0f} QPS, p50 {p50:.3f} ms", file=sys.stderr)
        conn.execute("RESET ivf.probes")

        # The floor under every row: a prepared SELECT 1 through the same path
        common = ["vectordb", "-", args.lists, args.threads, "", "", "", "", "", "", ""]
        stmt = Prepared(conn, "SELECT 1")
        trips = min(nq, 200)
        _, qps, p50, p99 = sweep(stmt, [None] * trips)
        stmt.close()
        rows.append(common + ["roundtrip", "-", trips, "", f"{qps:.1f}", f"{p50:.3f}", f"{p99:.3f}", "SELECT 1"])

        conn.execute("SET enable_indexscan = off")
        stmt = Prepared(conn)
        if uses_index(stmt.plan(queries[0])):
            raise RuntimeError(f"the exact query uses the index: {stmt.plan(queries[0])}")
        exact_nq = min(args.exact_nq, nq)
        recall, qps, p50, p99 = sweep(stmt, params[:exact_nq], gt)
        stmt.close()
        workers = conn.execute("SHOW max_parallel_workers_per_gather").fetchone()[0]
        rows.append(common + ["exact", "-", exact_nq, f"{recall:.4f}", f"{qps:.1f}", f"{p50:.3f}",
                              f"{p99:.3f}", f"seq scan, {workers} workers"])
        level = conn.execute("SELECT vectordb_simd_level()").fetchone()[0]

    rows = [dict(zip(COLUMNS, map(str, r + [f"{table_mib:.1f}"]))) for r in rows]
    print_table(f"vectordb: {name}, {n} x {dim}, {nq} queries, lists={args.lists}, kernels {level}", rows)
    if args.tsv:
        write_tsv(args.tsv, rows, COLUMNS)


def rerank_probes(rows, probes, target):
    """The first probes whose recall reaches target and the one before it
    (the last two when none does)."""
    reach = next((i for i, r in enumerate(rows) if float(r["recall"]) >= target), None)
    if reach is None:
        return probes[-2:]
    return probes[max(reach - 1, 0):reach + 1]


def fmt(r, key, spec, width):
    """r[key] formatted, or a dash when empty."""
    v = r.get(key, "") if r else ""
    return f"{float(v):{width}{spec}}" if v not in ("", "-") else f"{'-':>{width}}"


def fmt_plan(r):
    return "" if not r or r.get("plan") in (None, "-", "index") else f"  {r['plan']}"


def print_table(title, rows):
    print(title)
    print(f"{'quantizer':>9} {'build s':>8} {'sample':>7} {'train':>7} {'assign':>7} {'log':>6} {'MiB':>7}")
    for q in dict.fromkeys(r["quantizer"] for r in rows if r["quantizer"] != "-"):
        r = next(x for x in rows if x["quantizer"] == q)
        print(f"{q:>9} {fmt(r, 'build_s', '.2f', 8)} {fmt(r, 'sample_s', '.2f', 7)} {fmt(r, 'train_s', '.2f', 7)} "
              f"{fmt(r, 'add_s', '.2f', 7)} {fmt(r, 'log_s', '.2f', 6)} {fmt(r, 'index_mib', '.1f', 7)}")
    print(f"{'quantizer':>9} {'probes':>9} {'rerank':>6} {'recall@10':>9} {'QPS':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for r in rows:
        print(f"{r['quantizer']:>9} {r['probes']:>9} {r['rerank']:>6} {fmt_recall(r, 9)} {float(r['qps']):8.0f} "
              f"{float(r['p50_ms']):8.3f} {float(r['p99_ms']):8.3f}{fmt_plan(r)}")


def pgvector_ivfflat_mib(n, dims, lists, special=16):
    """pgvector IVFFlat's size, estimated from its page layout (not measured):
    one index tuple per row, an 8-byte IndexTuple header, the 8-byte vector
    header (varlena 4, int16 dim, int16 unused) and 4 * dims bytes,
    MAXALIGNed, plus a 4-byte line pointer, in 8192-byte pages with a 24-byte
    header and `special` bytes of special space.  Returns (rows per page, MiB
    of the entry pages, MiB with the meta page and the list pages holding the
    centroids, one list tuple of the same size each, MiB with one more part-
    filled page per list at most, as each list starts on its own page)."""
    maxalign = lambda x: (x + 7) // 8 * 8
    tuple_bytes = maxalign(8 + 8 + 4 * dims) + 4
    per_page = (8192 - 24 - special) // tuple_bytes
    entry_pages = math.ceil(n / per_page)
    list_pages = math.ceil(lists / per_page)
    mib = lambda pages: pages * 8192 / 2**20
    return per_page, mib(entry_pages), mib(1 + list_pages + entry_pages), mib(1 + list_pages + entry_pages + lists)


def key(r):
    return (r["quantizer"], r["rerank"], r["probes"])


def compare(faiss_tsv, vectordb_tsv, n=None, dims=None, target=0.95):
    """Prints both runs side by side and the summary."""
    a, b = read_tsv(faiss_tsv), read_tsv(vectordb_tsv)
    ia = {key(r): r for r in a}
    ib = {key(r): r for r in b}
    blank = f"{'':>7} {'':>8} {'':>8} {'':>8}"
    cell = lambda r: (f"{fmt_recall(r, 7)} {float(r['qps']):8.0f} {float(r['p50_ms']):8.3f} "
                      f"{float(r['p99_ms']):8.3f}") if r else blank
    lists, threads = b[0]["lists"], b[0]["threads"]

    print(f"build, lists={lists}, {threads} threads   "
          f"{'FAISS (in-process)':^28}   {'vectordb (CREATE INDEX)':^46}")
    print(f"{'quantizer':>9} {'sample':>7}         {'total':>7} {'train':>6} {'add':>6} {'MiB':>7}   "
          f"{'total':>7} {'sample':>6} {'train':>6} {'assign':>6} {'log':>6} {'MiB':>7}")
    quantizers = list(dict.fromkeys(r["quantizer"] for r in a + b if r["quantizer"] != "-"))
    first = lambda rows, q: next((r for r in rows if r["quantizer"] == q), None)
    for q in quantizers:
        fa, fb = first(a, q), first(b, q)
        sample = (fb or fa)["sample"]
        print(f"{q:>9} {sample:>7}         {fmt(fa, 'build_s', '.2f', 7)} {fmt(fa, 'train_s', '.2f', 6)} "
              f"{fmt(fa, 'add_s', '.2f', 6)} {fmt(fa, 'index_mib', '.1f', 7)}   "
              f"{fmt(fb, 'build_s', '.2f', 7)} {fmt(fb, 'sample_s', '.2f', 6)} {fmt(fb, 'train_s', '.2f', 6)} "
              f"{fmt(fb, 'add_s', '.2f', 6)} {fmt(fb, 'log_s', '.2f', 6)} {fmt(fb, 'index_mib', '.1f', 7)}")

    print(f"\n{'':>16}   {'FAISS (in-process, 1 thread)':^35}   {'vectordb (SQL, one client)':^35}")
    print(f"{'quantizer':>9} {'probes':>6} {'rerank':>6}   {'recall':>7} {'QPS':>8} {'p50 ms':>8} {'p99 ms':>8}   "
          f"{'recall':>7} {'QPS':>8} {'p50 ms':>8} {'p99 ms':>8}")
    order = [key(r) for r in a] + [key(r) for r in b if key(r) not in ia]
    order.sort(key=lambda k: (k[0] == "-", quantizers.index(k[0]) if k[0] in quantizers else 0,
                              k[1] not in ("-", str(DEFAULT_RERANK)), k[1] != "-",
                              int(k[2]) if k[2].isdigit() else 10**9))
    last = None
    for k in order:
        if last is not None and k[:2] != last:
            print()
        last = k[:2]
        ra, rb = ia.get(k), ib.get(k)
        probes = f"{k[2]}({(rb or ra)['nq']})" if k[2] == "exact" else k[2]
        print(f"{k[0]:>9} {probes:>6} {k[1]:>6}   {cell(ra)}   {cell(rb)}{fmt_plan(rb)}")

    print(f"\nsummary (lists={lists}, {threads} build threads, {b[0]['nq']} queries one at a time; "
          f"FAISS searches on 1 thread)")
    print("  build (train + add / CREATE INDEX):")
    for q in quantizers:
        fa, fb = first(a, q), first(b, q)
        if fa and fb:
            ta, tb = float(fa["build_s"]), float(fb["build_s"])
            print(f"    {q:<5} FAISS {ta:6.2f} s, vectordb {tb:6.2f} s: vectordb/FAISS = {tb / ta:.2f}x")
    print(f"  QPS at recall@10 {target}:")
    curve = lambda rows, q, rr: [r for r in rows if r["quantizer"] == q and r["rerank"] == rr]
    ratios = []
    for q in quantizers:
        rr = "-" if q == "flat" else str(DEFAULT_RERANK)
        series = [("FAISS", curve(a, q, rr)), ("vectordb", curve(b, q, rr))]
        if q != "flat":
            series.insert(0, ("FAISS, no rerank", curve(a, q, "-")))
        got = {}
        for label, rows in series:
            if not rows:
                continue
            qps, f = at_recall(rows, target, key="probes")
            got[label] = qps
            tag = f"{q} {label}" + (f", rerank {rr}" if label != "FAISS, no rerank" and q != "flat" else "")
            head = f"    {tag + ':':<30}"
            if qps is None:
                best = max(rows, key=lambda r: float(r["recall"]))
                print(f"{head} not reached (best recall {float(best['recall']):.4f} at probes={best['probes']})")
            elif f[0] == rows[0]["probes"]:
                print(f"{head} {qps:6.0f} at probes={f[0]}, the smallest tried, already at recall {f[1]:.4f}")
            else:
                print(f"{head} {qps:6.0f} interpolated (first probes reaching it: {f[0]}, "
                      f"recall {f[1]:.4f}, {f[2]:.0f} QPS)")
        if got.get("FAISS") and got.get("vectordb"):
            ratios.append(f"{q} {got['vectordb'] / got['FAISS']:.2f}")
    if ratios:
        print(f"    vectordb/FAISS at equal re-ranking: {', '.join(ratios)}")
    low = [r for r in b if r["rerank"] not in ("-", str(DEFAULT_RERANK))]
    for r in low:
        d = ib.get((r["quantizer"], str(DEFAULT_RERANK), r["probes"]))
        if d:
            print(f"    {r['quantizer']} probes={r['probes']}: rerank {r['rerank']} recall {float(r['recall']):.4f} "
                  f"at {float(r['qps']):.0f} QPS vs rerank {DEFAULT_RERANK} recall {float(d['recall']):.4f} "
                  f"at {float(d['qps']):.0f} QPS")

    print("  index size:")
    size = lambda rows, q: float(first(rows, q)["index_mib"]) if first(rows, q) else None
    for q in quantizers:
        sa, sb = size(a, q), size(b, q)
        line = f"    {q:<5} FAISS {sa:7.1f} MiB (in memory), vectordb {sb:7.1f} MiB (on disk)" if sa and sb else None
        if line:
            print(f"{line}: vectordb/FAISS = {sb / sa:.2f}x")
    for q in ("sq8", "pq"):
        if size(a, q) and size(a, "flat") and size(b, q) and size(b, "flat"):
            print(f"    {q} as % of flat: FAISS {100 * size(a, q) / size(a, 'flat'):.1f} %, "
                  f"vectordb {100 * size(b, q) / size(b, 'flat'):.1f} %")

    if "-" in {k[0] for k in ib}:
        rt, ex = ib.get(("-", "-", "roundtrip")), ib.get(("-", "-", "exact"))
        if rt:
            print(f"  client round trip floor (prepared SELECT 1): p50 {float(rt['p50_ms']):.3f} ms")
        if ex:
            fx = ia.get(("-", "-", "exact"))
            print(f"  exact ({ex['plan']}): p50 {float(ex['p50_ms']):.1f} ms over {ex['nq']} queries, "
                  f"recall {float(ex['recall']):.4f}"
                  + (f"; FAISS IndexFlatL2 1 thread p50 {float(fx['p50_ms']):.1f} ms" if fx else ""))
    forced = [f"{r['quantizer']} probes={r['probes']}" for r in b if r.get("plan") == "forced"]
    if forced:
        print(f"  forced: at {', '.join(forced)} the planner prefers a seq scan; "
              f"those rows ran with enable_seqscan = off")

    print("  pgvector 0.8.6 IVFFlat (not installable here; ../shared/DESIGN.md section 8, Fashion-MNIST, "
          "lists=245, 1000 queries, same kind of machine):")
    print("    build 4.9-5.6 s (FAISS 3.2 s there); QPS at recall 0.95: 420-580 (FAISS ~640 there)")
    if n and dims:
        per_page, entries, with_lists, upper = pgvector_ivfflat_mib(n, dims, int(lists))
        print(f"    index size ESTIMATE from its page layout, not measured ({n} rows x {dims} dims, "
              f"{per_page} rows per 8 kB page): {entries:.1f} MiB of entry pages, {with_lists:.1f} MiB "
              f"with the meta and list pages, at most {upper:.1f} MiB with each list's last page part-filled")
        fl = size(b, "flat")
        if fl:
            print(f"    vectordb flat / pgvector estimate = {fl / with_lists:.2f}x")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--compare":
        ap = argparse.ArgumentParser(prog="ivf_bench.py --compare")
        ap.add_argument("faiss_tsv")
        ap.add_argument("vectordb_tsv")
        ap.add_argument("--n", type=int, help="rows, for the pgvector size estimate")
        ap.add_argument("--dims", type=int, help="dimensions, for the pgvector size estimate")
        ap.add_argument("--target", type=float, default=0.95)
        a = ap.parse_args(sys.argv[2:])
        compare(a.faiss_tsv, a.vectordb_tsv, a.n, a.dims, a.target)
        return
    ints = lambda s: [int(x) for x in s.split(",")]
    ap = argparse.ArgumentParser(description="vectordb IVF benchmark")
    ap.add_argument("prefix", help="dataset path without .base.fvecs")
    ap.add_argument("--lists", type=int, default=245)
    ap.add_argument("--threads", type=int, default=2, help="build threads (parallel workers + leader)")
    ap.add_argument("--quantizers", type=lambda s: s.split(","), default=QUANTIZERS)
    ap.add_argument("--probes", type=ints, default=[1, 2, 4, 8, 16, 32])
    ap.add_argument("--rerank-low", type=int, default=40, help="ivf.rerank of the extra sq8/pq rows; 0: none")
    ap.add_argument("--target", type=float, default=0.95, help="recall around which the --rerank-low rows run")
    ap.add_argument("--nq", type=int, default=1000)
    ap.add_argument("--exact-nq", type=int, default=20)
    ap.add_argument("--tsv", help="also write the rows here")
    args = ap.parse_args()
    bad = set(args.quantizers) - set(QUANTIZERS)
    if bad:
        ap.error(f"unknown quantizer: {', '.join(sorted(bad))}")
    run(args)


if __name__ == "__main__":
    main()

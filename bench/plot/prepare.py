"""Turns the benchmark TSVs of tmp/bench/ into gnuplot data for bench/plot.sh.

Reads what bench/hnsw_bench.sh and bench/ivf_bench.sh save for one dataset

    hnswlib-NAME.tsv  vectordb-NAME.tsv                         (HNSW)
    faiss-ivf-NAME-listsL.tsv  vectordb-ivf-NAME-listsL.tsv     (IVF)

(any of them may be missing; its curves are left out) and writes into
OUT/data/:

    recall_qps.dat  one block per curve (gnuplot `index`), rows "recall QPS
                    setting" sorted by recall: vectordb hnsw and hnswlib by
                    ef_search; vectordb ivf flat/sq8/pq (ivf.rerank at its
                    default, 100) and FAISS IVFFlat / IVFSQ8 and IVFPQ, both
                    wrapped in IndexRefineFlat re-ranking 100 candidates, by
                    probes; then the exact searches, one point each at their
                    measured recall: vectordb's seq scan (from the HNSW run,
                    else the IVF run) and FAISS IndexFlatL2 on one thread
    recall_qps.gpi  the curves' titles and line styles, which curves get
                    their settings written beside the points (vectordb
                    hnsw), the plot's title (dataset, machine, queries,
                    index parameters and the settings swept) and axis
                    ranges, for bench/plot/recall_qps.gp
    build_size.dat  one row per index: x position, label, build s, index
                    MiB, 1 for vectordb / 0 for the in-process reference,
                    line style; and the table's size for reference
    build_size.gpi  the title, a footnote on what the sizes count and the
                    last index's x, for bench/plot/build_size.gp

and prints a summary: per method build time, index size and QPS at
recall@10 = 0.95 (interpolated as the benches' own summaries do), also kept
as OUT/summary-NAME.tsv.

    prepare.py --bench DIR --name NAME --lists L --out OUT
               [--base FVECS] [--machine TEXT] [--target 0.95]

Run by bench/plot.sh with Debian's /usr/bin/python3.
"""
import argparse
import csv
import math
import os
import struct
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from hnsw_bench import at_recall, read_tsv  # noqa: E402

# Line styles of bench/plot/*.gp: one colour per family; vectordb solid,
# the in-process reference dashed
LS = {"hnsw": 1, "hnswlib": 2, "flat": 3, "faiss-flat": 4, "sq8": 5, "faiss-sq8": 6,
      "pq": 7, "faiss-pq": 8, "exact": 9, "faiss-exact": 10, "table": 11}
RERANK = "100"
DATASETS = {"fashion-mnist-784-euclidean": "Fashion-MNIST"}


def read(path):
    return read_tsv(path) if os.path.exists(path) else []


def numeric(rows, key):
    """The sweep's rows (a number in column key), in the order they ran."""
    return [r for r in rows if r[key].isdigit()]


def span(rows, key):
    """The settings swept: all of them where few, else the first and last."""
    vals = sorted({int(r[key]) for r in rows})
    return ",".join(map(str, vals)) if len(vals) <= 8 else f"{vals[0]}..{vals[-1]}"


class Series:
    """One curve: title, line style, rows (in the order of their setting)."""

    def __init__(self, title, style, rows, key, build=None, size=None):
        self.title, self.style, self.rows, self.key = title, style, rows, key
        self.build, self.size = build, size


def collect(args):
    hnswlib = read(os.path.join(args.bench, f"hnswlib-{args.name}.tsv"))
    vhnsw = read(os.path.join(args.bench, f"vectordb-{args.name}.tsv"))
    tag = f"{args.name}-lists{args.lists}"
    faiss = read(os.path.join(args.bench, f"faiss-ivf-{tag}.tsv"))
    vivf = read(os.path.join(args.bench, f"vectordb-ivf-{tag}.tsv"))
    if not (hnswlib or vhnsw or faiss or vivf):
        sys.exit(f"prepare.py: no benchmark TSVs for {args.name} (lists={args.lists}) in {args.bench}")

    curves, exact = [], []

    def add(title, style, rows, key):
        rows = numeric(rows, key)
        if rows:
            r = rows[0]
            curves.append(Series(title, style, rows, key,
                                 float(r["build_s"]), float(r["index_mib"])))

    add("vectordb hnsw", LS["hnsw"], vhnsw, "ef_search")
    add("hnswlib (in-process)", LS["hnswlib"], hnswlib, "ef_search")
    ivf = lambda rows, q, rr: [r for r in rows if r["quantizer"] == q and r["rerank"] == rr]
    add("vectordb ivf flat", LS["flat"], ivf(vivf, "flat", "-"), "probes")
    add("FAISS IVFFlat", LS["faiss-flat"], ivf(faiss, "flat", "-"), "probes")
    add(f"vectordb ivf sq8 (rerank {RERANK})", LS["sq8"], ivf(vivf, "sq8", RERANK), "probes")
    add(f"FAISS IVFSQ8 + refine {RERANK}", LS["faiss-sq8"], ivf(faiss, "sq8", RERANK), "probes")
    add(f"vectordb ivf pq (rerank {RERANK})", LS["pq"], ivf(vivf, "pq", RERANK), "probes")
    add(f"FAISS IVFPQ + refine {RERANK}", LS["faiss-pq"], ivf(faiss, "pq", RERANK), "probes")

    # Exact search: one point each
    ex = next((r for r in vhnsw + vivf if r.get("ef_search", r.get("probes")) == "exact"), None)
    if ex:
        exact.append(Series(f"vectordb exact ({ex['plan']})", LS["exact"], [ex], None))
    fx = next((r for r in faiss if r["probes"] == "exact"), None)
    if fx:
        exact.append(Series(f"FAISS exact ({fx['plan']})", LS["faiss-exact"], [fx], None))

    table = next((float(r["table_mib"]) for r in vhnsw + vivf if r.get("table_mib")), None)
    meta = (vhnsw or hnswlib or vivf or faiss)[0]
    return curves, exact, table, {
        "nq": meta["nq"],
        "threads": meta["threads"],
        "hnsw": f"m={(vhnsw or hnswlib)[0]['m']}, ef_construction={(vhnsw or hnswlib)[0]['ef_construction']}"
                if vhnsw or hnswlib else None,
        "ivf": f"lists={args.lists}" if vivf or faiss else None,
        "ef_search": span(numeric(vhnsw or hnswlib, "ef_search"), "ef_search") if vhnsw or hnswlib else None,
        "probes": span(numeric(vivf or faiss, "probes"), "probes") if vivf or faiss else None,
    }


def shape(path):
    """(rows, dims) of an fvecs file, or None when it is not there."""
    if not path or not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        dim = struct.unpack("<i", f.read(4))[0]
    return os.path.getsize(path) // (4 * (dim + 1)), dim


def gp_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def gp_array(name, values):
    return f"array {name}[{len(values)}] = [{', '.join(values)}]"


def write_recall_qps(args, curves, exact, title):
    data = os.path.join(args.out, "data")
    series = curves + exact
    with open(os.path.join(data, "recall_qps.dat"), "w") as f:
        for s in series:
            f.write(f"# {s.title}\n")
            pts = sorted(((float(r["recall"]), float(r["qps"]), r.get(s.key, "exact") if s.key else "exact")
                          for r in s.rows), key=lambda p: (p[0], -p[1]))
            for rec, qps, setting in pts:
                f.write(f"{rec:.4f}\t{qps:.1f}\t{setting}\n")
            f.write("\n\n")
    recalls = [float(r["recall"]) for s in series for r in s.rows]
    xmin = max(0.0, int((min(recalls) - 0.02) * 20) / 20)
    # The key sits in the bottom left corner: the y axis starts low enough
    # that the curves leave it the bottom third (the exact points lie on the
    # right edge, out of its way)
    qps = [math.log10(float(r["qps"])) for s in curves for r in s.rows]
    low = min(qps) - 0.55 * (max(qps) - min(qps)) if qps else 0
    low = min([low] + [math.log10(float(s.rows[0]["qps"]) / 2) for s in exact])
    ymin = 10 ** math.floor(low)
    with open(os.path.join(data, "recall_qps.gpi"), "w") as f:
        f.write(f"n_series = {len(series)}\n")
        f.write(gp_array("series_title", [gp_string(s.title) for s in series]) + "\n")
        f.write(gp_array("series_ls", [str(s.style) for s in series]) + "\n")
        # the points of vectordb's hnsw curve get their ef_search written
        # above them (1; -1 would be below, 0 none); the IVF curves crowd
        # each other too much for that, their titles list the probes
        tags = [1 if s.style == LS["hnsw"] else 0 for s in series]
        f.write(gp_array("series_tag", [str(t) for t in tags]) + "\n")
        f.write(f"tagged = \"{' '.join(str(i + 1) for i, t in enumerate(tags) if t)}\"\n")
        f.write(f"plot_title = {gp_string(title)}\n")
        f.write(f"xmin = {xmin}\nymin = {ymin:g}\ntarget = {args.target}\n")


def write_build_size(args, curves, table, title):
    data = os.path.join(args.out, "data")
    x = 0.0
    family = None
    with open(os.path.join(data, "build_size.dat"), "w") as f:
        f.write("# x label build_s index_mib vectordb style\n")
        for s in curves:
            fam = (s.style + 1) // 2
            if family is not None and fam != family:
                x += 0.6                                # a gap between families
            family = fam
            label = s.title.split(" (")[0].replace(f" + refine {RERANK}", "")
            f.write(f"{x:.1f}\t{gp_string(label)}\t{s.build:.3f}\t{s.size:.1f}\t"
                    f"{1 if s.style % 2 else 0}\t{s.style}\n")
            x += 1
        if table is not None:
            f.write(f"{x + 0.6:.1f}\t\"table (reference)\"\tNaN\t{table:.1f}\t1\t{LS['table']}\n")
    faiss_q = [s for s in curves if s.style in (LS["faiss-sq8"], LS["faiss-pq"])]
    note = ("FAISS sq8/pq: the IndexRefineFlat copy of the vectors that re-ranks is not counted "
            "(vectordb re-ranks from the table). " if faiss_q else "")
    if table is not None:
        note += "table: pg_table_size of the vector(d) table."
    with open(os.path.join(data, "build_size.gpi"), "w") as f:
        f.write(f"plot_title = {gp_string(title)}\n")
        f.write(f"size_note = {gp_string(note)}\n")
        f.write(f"x_last_index = {x - 1:.1f}\n")


def summarize(args, curves, exact, table):
    lines = [["method", "build_s", "index_mib", f"qps_at_{args.target}", "first_setting_reaching"]]
    for s in curves:
        qps, first = at_recall(s.rows, args.target, key=s.key)
        lines.append([s.title, f"{s.build:.2f}", f"{s.size:.1f}",
                      f"{qps:.0f}" if qps else "not reached",
                      f"{s.key}={first[0]} (recall {first[1]:.4f})" if first else "-"])
    for s in exact:
        r = s.rows[0]
        lines.append([s.title, "-", "-", f"{float(r['qps']):.1f}",
                      f"recall {float(r['recall']):.4f} over {r['nq']} queries"])
    if table is not None:
        lines.append(["table (pg_table_size)", "-", f"{table:.1f}", "-", "-"])
    with open(os.path.join(args.out, f"summary-{args.name}.tsv"), "w", newline="") as f:
        csv.writer(f, delimiter="\t", lineterminator="\n").writerows(lines)
    widths = [max(len(l[i]) for l in lines) for i in range(len(lines[0]))]
    for i, l in enumerate(lines):
        print("  ".join(c.ljust(w) if j in (0, 4) else c.rjust(w) for j, (c, w) in enumerate(zip(l, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def main():
    ap = argparse.ArgumentParser(description="gnuplot data from the benchmark TSVs")
    ap.add_argument("--bench", required=True, help="folder of the TSVs (tmp/bench)")
    ap.add_argument("--name", required=True, help="dataset name, e.g. fashion-mnist-784-euclidean")
    ap.add_argument("--lists", required=True, help="the IVF benchmark's lists")
    ap.add_argument("--out", required=True)
    ap.add_argument("--base", help="the dataset's base.fvecs, for n x d in the title")
    ap.add_argument("--machine", default="", help="machine, for the title")
    ap.add_argument("--target", type=float, default=0.95)
    args = ap.parse_args()
    os.makedirs(os.path.join(args.out, "data"), exist_ok=True)

    curves, exact, table, meta = collect(args)
    nd = shape(args.base)
    label = DATASETS.get(args.name, "clustered (synthetic)" if args.name.startswith("clustered-") else args.name)
    data = label + (f" {nd[0]:,} x {nd[1]}" if nd else "") + ", L2"
    params = "; ".join(p for p in (meta["hnsw"] and f"hnsw {meta['hnsw']}",
                                   meta["ivf"] and f"ivf {meta['ivf']}") if p)
    sweeps = "; ".join(p for p in (meta["hnsw"] and f"hnsw {meta['hnsw']}, ef_search {meta['ef_search']}",
                                   meta["ivf"] and f"ivf {meta['ivf']}, probes {meta['probes']}") if p)
    head = f"{data}; {args.machine}" if args.machine else data
    write_recall_qps(args, curves, exact,
                     f"recall@10 vs QPS: {head}\n{int(meta['nq']):,} queries one at a time: "
                     f"vectordb over SQL from 1 client, hnswlib and FAISS in-process on 1 thread\n"
                     f"{sweeps}")
    write_build_size(args, curves, table,
                     f"Build time and index size: {head}\n"
                     f"{meta['threads']} build threads; {params}")
    summarize(args, curves, exact, table)


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# bench/plot.sh: PNG plots from the TSVs the HNSW and IVF benchmarks saved.
#
# Usage: bash bench/plot.sh [--data fashion-mnist|clustered] [--n 100000] [--d 128]
#            [--lists 245] [--out tmp/bench/plots] [--machine TEXT]
#
# Reads tmp/bench/{hnswlib,vectordb}-NAME.tsv (bench/hnsw_bench.sh) and
# tmp/bench/{faiss-ivf,vectordb-ivf}-NAME-listsL.tsv (bench/ivf_bench.sh)
# for the dataset NAME that --data/--n/--d name, as the benches do, and
# draws with gnuplot (pngcairo, else png):
#   OUT/recall-qps-NAME.png   recall@10 against QPS (log): vectordb hnsw per
#       ef_search and hnswlib; vectordb ivf flat/sq8/pq per probes and FAISS
#       IVFFlat/IVFSQ8/IVFPQ (sq8 and pq re-ranking 100 candidates, as
#       vectordb does by default); exact search (vectordb's seq scan, FAISS
#       IndexFlatL2) as one point each
#   OUT/build-size-NAME.png   build time and index size per index, with the
#       table's size for reference
# and prints build time, index size and QPS at recall@10 = 0.95 per method
# (also OUT/summary-NAME.tsv).  The curves of a bench that did not run are
# left out.  The title names the machine this runs on (--machine to name
# another: the TSVs do not record it).  bench/run_all.sh runs both benches
# and then this.
set -euo pipefail
cd "$(dirname "$0")/.."

data=fashion-mnist n=100000 d=128 lists=245 out=tmp/bench/plots machine=
while [ $# -gt 0 ]; do
	case $1 in
		--data) data=$2; shift ;;
		--n) n=$2; shift ;;
		--d) d=$2; shift ;;
		--lists) lists=$2; shift ;;
		--out) out=$2; shift ;;
		--machine) machine=$2; shift ;;
		*) sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 2 ;;
	esac
	shift
done
case $data in
	fashion-mnist) name=fashion-mnist-784-euclidean ;;
	clustered) name=clustered-$n-$d-euclidean ;;
	*) echo "unknown dataset: $data" >&2; exit 2 ;;
esac
command -v gnuplot >/dev/null || { echo "bench/plot.sh: needs gnuplot (Debian's gnuplot-nox)" >&2; exit 1; }

if [ -z "$machine" ]; then
	model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
	machine="$(nproc) vCPU ${model:-unknown CPU}"
	if grep -qw avx512f /proc/cpuinfo; then machine+=" (AVX-512)"
	elif grep -qw avx2 /proc/cpuinfo; then machine+=" (AVX2)"; fi
fi

mkdir -p "$out"
echo "== $name: build time, index size, QPS at recall@10 0.95"
/usr/bin/python3 bench/plot/prepare.py --bench tmp/bench --name "$name" --lists "$lists" \
	--out "$out" --base "tmp/data/$name.base.fvecs" --machine "$machine"
for plot in recall_qps build_size; do
	png=$out/${plot//_/-}-$name.png
	gnuplot -e "dir='bench/plot'; data='$out/data'; out='$png'" "bench/plot/$plot.gp"
	echo "$png"
done

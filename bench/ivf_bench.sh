#!/usr/bin/env bash
# bench/ivf_bench.sh: vectordb's IVF index next to in-process FAISS.
#
# Usage: bash bench/ivf_bench.sh [--data fashion-mnist|clustered] [--n 100000] [--d 128]
#            [--lists 245] [--threads 2] [--nq 1000] [--probes 1,2,4,8,16,32]
#            [--rerank-low 40] [--no-install]
#
# Makes the dataset under tmp/data with ../shared/data (Fashion-MNIST,
# 60,000 x 784, by default; --data clustered with --n/--d for the seeded
# synthetic set), builds bench/faiss_ivf_bench, installs the extension (skip
# with --no-install to use the one already installed), starts a throwaway
# cluster (tmp/$VDB_BENCH_CLUSTER, default bench-cluster, on port
# $VDB_BENCH_PORT, default 54340; stopped on exit), then runs both sides on
# the same data with the same lists, training sample (max(50 * lists, 10000)
# rows, 10 k-means iterations) and build threads, for the flat, sq8 and pq
# quantizers:
#   - bench/faiss_ivf_bench: IndexIVFFlat, IndexIVFScalarQuantizer (8 bit) and
#     IndexIVFPQ (dims/16 sub-quantizers), built on THREADS OpenMP threads,
#     queries one at a time on one thread; sq8 and pq also wrapped in
#     IndexRefineFlat re-ranking the best 100 candidates, as vectordb does
#   - bench/ivf_bench.py: COPY, then per quantizer CREATE INDEX with THREADS-1
#     parallel maintenance workers (build steps from its DEBUG1 lines), a
#     warm-up pass, and prepared top-10 queries from one client for each
#     ivf.probes (plus ivf.rerank = 40 rows for sq8 and pq)
# and prints both tables side by side with a summary: build time per
# quantizer, QPS at recall@10 = 0.95, index sizes (sq8 and pq as % of flat),
# and pgvector's IVFFlat figures from ../shared/DESIGN.md with its index size
# estimated from its page layout.  lists defaults to 245, the figure
# pgvector's ivfflat was measured at on Fashion-MNIST; for other sets pass
# about sqrt(rows), e.g. --data clustered --n 100000 --d 128 --lists 316.
# Rows are kept as TSV in tmp/bench/.  Nothing here is pass/fail; timings on
# shared machines move by ~30 %.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$VDB_ROOT"

data=fashion-mnist n=100000 d=128 lists=245 threads=2 nq=1000
probes=1,2,4,8,16,32 rerank_low=40 install=1
while [ $# -gt 0 ]; do
	case $1 in
		--data) data=$2; shift ;;
		--n) n=$2; shift ;;
		--d) d=$2; shift ;;
		--lists) lists=$2; shift ;;
		--threads) threads=$2; shift ;;
		--nq) nq=$2; shift ;;
		--probes) probes=$2; shift ;;
		--rerank-low) rerank_low=$2; shift ;;
		--no-install) install=0 ;;
		*) sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 2 ;;
	esac
	shift
done

vdb_install_packages
if [ "$install" = 1 ]; then vdb_build_install; fi

echo "== dataset"
case $data in
	fashion-mnist)
		/usr/bin/python3 ../shared/data/fashion-mnist "$VDB_TMP/data"
		name=fashion-mnist-784-euclidean ;;
	clustered)
		/usr/bin/python3 ../shared/data/clustered "$VDB_TMP/data" --n "$n" --d "$d" --nq "$nq"
		name=clustered-$n-$d-euclidean ;;
	*) echo "unknown dataset: $data" >&2; exit 2 ;;
esac
prefix=$VDB_TMP/data/$name
out=$VDB_TMP/bench
mkdir -p "$out"
tag=$name-lists$lists

echo "== building bench/faiss_ivf_bench"
make -s -f bench/bench.mk bench/faiss_ivf_bench

echo "== faiss"
bench/faiss_ivf_bench "$prefix" --lists "$lists" --threads "$threads" --nq "$nq" \
	--probes "$probes" >"$out/faiss-ivf-$tag.tsv"

echo "== vectordb"
cluster=${VDB_BENCH_CLUSTER:-bench-cluster}
trap 'vdb_cluster_stop "$cluster"' EXIT
vdb_cluster_start "$cluster" "${VDB_BENCH_PORT:-54340}"
/usr/bin/python3 bench/ivf_bench.py "$prefix" --lists "$lists" --threads "$threads" --nq "$nq" \
	--probes "$probes" --rerank-low "$rerank_low" --tsv "$out/vectordb-ivf-$tag.tsv"

# rows and dims for the pgvector size estimate, from the fvecs file itself
read -r rows dims < <(/usr/bin/python3 -c '
import os, struct, sys
p = sys.argv[1]
dim = struct.unpack("<i", open(p, "rb").read(4))[0]
print(os.path.getsize(p) // (4 * (dim + 1)), dim)' "$prefix.base.fvecs")

echo
echo "== $name: FAISS vs vectordb, lists=$lists"
/usr/bin/python3 bench/ivf_bench.py --compare "$out/faiss-ivf-$tag.tsv" "$out/vectordb-ivf-$tag.tsv" \
	--n "$rows" --dims "$dims"
echo "(rows in $out/faiss-ivf-$tag.tsv and $out/vectordb-ivf-$tag.tsv)"

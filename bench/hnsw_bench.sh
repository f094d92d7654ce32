#!/usr/bin/env bash
# bench/hnsw_bench.sh: vectordb's HNSW index next to in-process hnswlib.
#
# Usage: bash bench/hnsw_bench.sh [--data fashion-mnist|clustered] [--n 100000] [--d 128]
#            [--m 16] [--ef-construction 64] [--threads 2] [--nq 1000]
#            [--ef-search 10,20,40,80,160,320] [--type vector|halfvec|sparsevec|bq] [--no-install]
#
# Makes the dataset under tmp/data with ../shared/data (Fashion-MNIST,
# 60,000 x 784, by default; --data clustered with --n/--d for the seeded
# synthetic set), builds bench/hnswlib_bench, installs the extension (skip
# with --no-install to use the one already installed), starts a throwaway
# cluster (tmp/$VDB_BENCH_CLUSTER, default bench-cluster, on port
# $VDB_BENCH_PORT, default 54340; stopped on exit), then runs both sides on
# the same data with the same m, ef_construction and build threads:
#   - bench/hnswlib_bench: build with THREADS threads, queries one at a time
#   - bench/hnsw_bench.py: COPY, CREATE INDEX with THREADS-1 parallel
#     maintenance workers, prepared top-10 queries from one client
# and prints both tables side by side with a summary: build time ratio, QPS
# at recall@10 = 0.95, index size.  Rows are kept as TSV in tmp/bench/.
# --type halfvec, sparsevec or bq runs the vectordb side on a halfvec or
# sparsevec column, or on a binary-quantized expression index with exact
# re-rank (see hnsw_bench.py).
# Nothing here is pass/fail; timings on shared machines move by ~30 %.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$VDB_ROOT"

data=fashion-mnist n=100000 d=128 m=16 efc=64 threads=2 nq=1000
ef_search=10,20,40,80,160,320 install=1 type=vector
while [ $# -gt 0 ]; do
	case $1 in
		--data) data=$2; shift ;;
		--n) n=$2; shift ;;
		--d) d=$2; shift ;;
		--m) m=$2; shift ;;
		--ef-construction) efc=$2; shift ;;
		--threads) threads=$2; shift ;;
		--nq) nq=$2; shift ;;
		--ef-search) ef_search=$2; shift ;;
		--type) type=$2; shift ;;
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

echo "== building bench/hnswlib_bench"
make -s -f bench/bench.mk bench/hnswlib_bench

echo "== hnswlib"
bench/hnswlib_bench "$prefix" --m "$m" --ef-construction "$efc" --threads "$threads" \
	--nq "$nq" --ef "$ef_search" >"$out/hnswlib-$name.tsv"

echo "== vectordb"
tsv=vectordb-$name.tsv
[ "$type" = vector ] || tsv=vectordb-$type-$name.tsv
cluster=${VDB_BENCH_CLUSTER:-bench-cluster}
trap 'vdb_cluster_stop "$cluster"' EXIT
vdb_cluster_start "$cluster" "${VDB_BENCH_PORT:-54340}"
/usr/bin/python3 bench/hnsw_bench.py "$prefix" --m "$m" --ef-construction "$efc" --threads "$threads" \
	--nq "$nq" --ef-search "$ef_search" --type "$type" --tsv "$out/$tsv"

echo
echo "== $name: hnswlib vs vectordb"
/usr/bin/python3 bench/hnsw_bench.py --compare "$out/hnswlib-$name.tsv" "$out/$tsv"
echo "(rows in $out/hnswlib-$name.tsv and $out/$tsv)"

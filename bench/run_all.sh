#!/usr/bin/env bash
# bench/run_all.sh: the HNSW and IVF benchmarks on one dataset, then the plots.
#
# Usage: bash bench/run_all.sh [--data fashion-mnist|clustered] [--n 100000] [--d 128]
#            [--threads 2] [--nq 1000] [--m 16] [--ef-construction 64]
#            [--ef-search 10,20,40,80,160,320] [--lists 245] [--probes 1,2,4,8,16,32]
#            [--out tmp/bench/plots] [--no-install]
#
# Runs bench/hnsw_bench.sh (vectordb hnsw next to hnswlib) and then
# bench/ivf_bench.sh (vectordb ivf flat, sq8 and pq next to FAISS) on the
# same data, queries and build threads, one after the other, so every curve
# of the plot comes from the same machine in the same sitting; then
# bench/plot.sh draws tmp/bench/plots/*.png from the TSVs the two left in
# tmp/bench/.  The extension is built and installed once, by the first
# bench, unless --no-install keeps the installed one.  The benches' output
# goes to the terminal and to tmp/bench/run_all-NAME.log.  Each bench starts
# its own throwaway cluster (tmp/$VDB_BENCH_CLUSTER on port $VDB_BENCH_PORT,
# see the benches).  A full Fashion-MNIST run takes about 5 minutes on 2
# cores.  Nothing here is pass/fail.
set -euo pipefail
cd "$(dirname "$0")/.."

common=() hnsw=() ivf=() plot=() install=()
data=fashion-mnist n=100000 d=128 nq=1000
while [ $# -gt 0 ]; do
	case $1 in
		--data) data=$2; common+=("$1" "$2"); shift ;;
		--n) n=$2; common+=("$1" "$2"); shift ;;
		--d) d=$2; common+=("$1" "$2"); shift ;;
		--nq) nq=$2; common+=("$1" "$2"); shift ;;
		--threads) common+=("$1" "$2"); shift ;;
		--m|--ef-construction|--ef-search) hnsw+=("$1" "$2"); shift ;;
		--lists) ivf+=("$1" "$2"); plot+=("$1" "$2"); shift ;;
		--probes) ivf+=("$1" "$2"); shift ;;
		--out) plot+=("$1" "$2"); shift ;;
		--no-install) install=(--no-install) ;;
		*) sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 2 ;;
	esac
	shift
done
case $data in
	fashion-mnist) name=fashion-mnist-784-euclidean ;;
	clustered) name=clustered-$n-$d-euclidean ;;
	*) echo "unknown dataset: $data" >&2; exit 2 ;;
esac
# the clustered set's size decides its file name, so the plot needs it too
plot+=(--data "$data" --n "$n" --d "$d")

mkdir -p tmp/bench
log=tmp/bench/run_all-$name.log
{
	echo "== bench/run_all.sh $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $nq queries"
	echo "== load average before the HNSW bench: $(cut -d' ' -f1-3 /proc/loadavg)"
	bash bench/hnsw_bench.sh "${common[@]}" "${hnsw[@]}" "${install[@]}"
	echo
	echo "== load average before the IVF bench: $(cut -d' ' -f1-3 /proc/loadavg)"
	bash bench/ivf_bench.sh "${common[@]}" "${ivf[@]}" --no-install
	echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} 2>&1 | tee "$log"
echo
bash bench/plot.sh "${plot[@]}"
echo "(bench output in $log)"

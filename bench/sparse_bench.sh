#!/usr/bin/env bash
# bench/sparse_bench.sh: hnsw over SPLADE-shaped sparsevec(30522) rows next
# to the exact scan (see bench/sparse_bench.py for what it measures).
#
# Usage: bash bench/sparse_bench.sh [--no-install] [sparse_bench.py options: --n 100000 --nq 1000 ...]
#
# Installs the extension (skip with --no-install to use the one already
# installed), starts a throwaway cluster (tmp/$VDB_BENCH_CLUSTER, default
# bench-cluster, on port $VDB_BENCH_PORT, default 54340; stopped on exit)
# and runs the benchmark.  Nothing here is pass/fail.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$VDB_ROOT"

install=1
if [ "${1:-}" = --no-install ]; then install=0; shift; fi
vdb_install_packages
if [ "$install" = 1 ]; then vdb_build_install; fi
cluster=${VDB_BENCH_CLUSTER:-bench-cluster}
trap 'vdb_cluster_stop "$cluster"' EXIT
vdb_cluster_start "$cluster" "${VDB_BENCH_PORT:-54340}"
/usr/bin/python3 bench/sparse_bench.py "$@"

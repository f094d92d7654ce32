#!/usr/bin/env bash
# bench/exact_search.sh: exact top-10 seq-scan benchmark on Fashion-MNIST.
# Starts its own throwaway cluster (tmp/bench-cluster, port $VDB_BENCH_PORT).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$VDB_ROOT"

vdb_install_packages
vdb_build_install
vdb_cluster_start bench-cluster "${VDB_BENCH_PORT:-54327}"
trap 'vdb_cluster_stop bench-cluster' EXIT
/usr/bin/python3 bench/exact_search.py

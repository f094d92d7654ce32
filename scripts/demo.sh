#!/usr/bin/env bash
# scripts/demo.sh: the main job, from a fresh Debian bookworm machine.
#
# Installs missing packages, builds and installs vectordb, starts a throwaway
# cluster (tmp/demo-cluster, port $VDB_DEMO_PORT), loads Fashion-MNIST and
# runs exact image searches.  The cluster is stopped at the end unless
# VDB_KEEP_CLUSTER=1, which leaves it running for psql.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$VDB_ROOT"

PORT=${VDB_DEMO_PORT:-54328}

vdb_install_packages
vdb_build_install
vdb_cluster_start demo-cluster "$PORT"
if [ "${VDB_KEEP_CLUSTER:-0}" = 1 ]; then
	echo "== cluster left running: psql -h 127.0.0.1 -p $PORT -U postgres"
else
	trap 'vdb_cluster_stop demo-cluster' EXIT
fi

echo "== Fashion-MNIST image search"
/usr/bin/python3 scripts/demo.py

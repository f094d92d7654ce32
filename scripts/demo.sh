#!/usr/bin/env bash
# scripts/demo.sh: the main job, from a fresh Debian bookworm machine.
#
# Usage: bash scripts/demo.sh [--no-install]
#        bash scripts/demo.sh --stop
#
# Installs missing packages, builds and installs vectordb (--no-install: use
# the extension already installed), starts a fresh cluster (tmp/demo-cluster,
# port $VDB_DEMO_PORT, default 54328) and runs scripts/demo.py: Fashion-MNIST
# loaded as vector(784) rows, an hnsw index built with a progress display,
# kNN, filtered and joined image searches with their latency and recall, and
# a picture of the answers, tmp/demo/contact_sheet.png.
#
# The cluster keeps running afterwards so you can explore it with psql; the
# last lines say how to connect and how to stop it (--stop).  Running the
# demo again replaces it with a fresh one.  VDB_KEEP_CLUSTER=0 stops it when
# the demo ends; a failed demo stops it too, unless VDB_KEEP_CLUSTER=1.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$VDB_ROOT"

PORT=${VDB_DEMO_PORT:-54328}
CLUSTER=demo-cluster

install=1
case ${1:-} in
	"") ;;
	--no-install) install=0 ;;
	--stop)
		if [ -f "$VDB_TMP/$CLUSTER/data/postmaster.pid" ]; then
			vdb_cluster_stop "$CLUSTER"
			echo "== demo cluster stopped (its files stay in tmp/$CLUSTER until the next run)"
		else
			echo "== the demo cluster is not running"
		fi
		exit 0 ;;
	*) sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 2 ;;
esac

vdb_install_packages
if [ "$install" = 1 ]; then vdb_build_install; fi
# vdb_cluster_start first stops a demo cluster left running by an earlier run
vdb_cluster_start "$CLUSTER" "$PORT"

# On exit: leave the cluster running and say how to use it, or stop it
finish()
{
	local rc=$?
	if [ "${VDB_KEEP_CLUSTER:-}" = 0 ] || { [ $rc -ne 0 ] && [ "${VDB_KEEP_CLUSTER:-}" != 1 ]; }; then
		vdb_cluster_stop "$CLUSTER"
		echo "== demo cluster stopped"
	else
		echo "== the demo cluster is running (tmp/$CLUSTER; tables fashion_mnist and labels)"
		echo "connect: psql -h 127.0.0.1 -p $PORT -U postgres"
		echo "  and try: SELECT f.id, l.name, f.image <-> (SELECT image FROM fashion_mnist WHERE id = 0) AS distance"
		echo "           FROM fashion_mnist f JOIN labels l USING (label) ORDER BY distance LIMIT 10;"
		echo "stop:    bash scripts/demo.sh --stop"
	fi
}
trap finish EXIT

echo "== Fashion-MNIST image search"
/usr/bin/python3 scripts/demo.py

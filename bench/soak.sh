#!/usr/bin/env bash
# bench/soak.sh: the long variants of the mixed-load soak and the crash loop.
#
# Usage: bash bench/soak.sh [--seconds 3600] [--rounds 100] [--seed S] [soak|crash ...]
#
# Runs test/t/016_soak.pl with VDB_SOAK_SECONDS=SECONDS (an hour of pgbench
# inserts, vector updates, deletes, kNN with and without filters and VACUUM
# on an hnsw and an ivf index, then index checks and a self-lookup of every
# live row) and test/t/017_crash_loop.pl with VDB_CRASH_ROUNDS=ROUNDS (100
# kill -9s of the postmaster under load, each followed by the ledger, index
# check, recall and self-lookup checks, then a standby comparison), or only
# the ones named.  VDB_CRASH_SEED=S replays a crash loop's choices (printed
# by every run; the crash moments still depend on timing).  Tests run against
# the installed extension, as the TAP suite does; their clusters live under
# tmp/soak/tap (kept when a test fails), apart from the suite's tmp/tap.
# The suite itself runs both files at 120 s and 5 rounds.  Exits non-zero if
# a test failed.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$VDB_ROOT"

seconds=3600 rounds=100 seed=${VDB_CRASH_SEED:-} tests=()
while [ $# -gt 0 ]; do
	case $1 in
		--seconds) seconds=$2; shift ;;
		--rounds) rounds=$2; shift ;;
		--seed) seed=$2; shift ;;
		soak) tests+=(test/t/016_soak.pl) ;;
		crash) tests+=(test/t/017_crash_loop.pl) ;;
		*) echo "usage: bash bench/soak.sh [--seconds N] [--rounds N] [--seed S] [soak|crash ...]" >&2; exit 2 ;;
	esac
	shift
done
[ ${#tests[@]} -gt 0 ] || tests=(test/t/016_soak.pl test/t/017_crash_loop.pl)

# vdb_tap keeps its clusters under $VDB_TMP/tap: a directory of our own, so
# that a suite run in the same checkout does not remove them mid-soak
VDB_TMP="$VDB_ROOT/tmp/soak"
mkdir -p "$VDB_TMP"
export VDB_SOAK_SECONDS=$seconds VDB_CRASH_ROUNDS=$rounds VDB_CRASH_SEED=$seed
echo "== soak: ${tests[*]} (VDB_SOAK_SECONDS=$seconds, VDB_CRASH_ROUNDS=$rounds${seed:+, VDB_CRASH_SEED=$seed})"
vdb_tap "${tests[@]}"

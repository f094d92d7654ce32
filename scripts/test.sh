#!/usr/bin/env bash
# scripts/test.sh: every test level, from a fresh Debian bookworm machine.
#
# Installs missing packages, builds and installs vectordb, runs the GoogleTest
# unit suite and the libFuzzer harnesses (VDB_FUZZ_SECONDS each, default 30),
# then starts a throwaway cluster (tmp/test-cluster, port $VDB_TEST_PORT) for
# pg_regress, the isolation specs, the psycopg/pg_dump suite and the Node.js
# client suite, and stops it again however the run ends; then the TAP suite
# (test/t/*.pl, soak and crash loop included), whose tests start and stop
# clusters of their own; last the ASan/UBSan build and its suites
# (scripts/sanitize.sh).  Prints one summary line "N passed, N failed" and
# exits non-zero if anything failed.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$VDB_ROOT"

PORT=${VDB_TEST_PORT:-54329}
LOGS="$VDB_TMP/test-logs"
PASSED=0
FAILED=0
SKIPPED=0

# step NAME PARSER COMMAND...: runs COMMAND, logging to $LOGS/NAME.log, and
# adds the counts PARSER reads from that log; a step that reports no count
# at all counts as one failure.
step()
{
	local name=$1 parser=$2; shift 2
	local log="$LOGS/$name.log" rc p f sk
	echo "== $name"
	"$@" >"$log" 2>&1
	rc=$?
	read -r p f sk < <($parser "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	echo "   $p passed, $f failed, ${sk:-0} skipped (exit $rc, log: ${log#"$VDB_ROOT"/})"
	if [ "$f" -gt 0 ]; then
		tail -n 40 "$log" | sed 's/^/   | /'
		[ -f regression.diffs ] && [ "$name" = regress ] && head -n 80 regression.diffs | sed 's/^/   | /'
		[ -f test/specs/regression.diffs ] && [ "$name" = isolation ] && head -n 80 test/specs/regression.diffs | sed 's/^/   | /'
	fi
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	SKIPPED=$((SKIPPED + ${sk:-0}))
}

# Parsers: print "passed failed [skipped]" read from a log
count_gtest()
{
	local p f sk
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$1" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$1" | tail -1)
	sk=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$1" | tail -1)
	echo "${p:-0} ${f:-0} ${sk:-0}"
}
count_pytest()
{
	local line p f e
	line=$(grep -E '[0-9]+ (passed|failed|errors?)' "$1" | tail -1)
	p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+')
	f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+')
	e=$(grep -oE '[0-9]+ errors?' <<<"$line" | grep -oE '[0-9]+')
	echo "${p:-0} $((${f:-0} + ${e:-0}))"
}
# scripts that end with their own "N passed, N failed" line
count_summary()
{
	sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\1 \2/p' "$1" | tail -1 | grep . || echo "0 0"
}
count_node()
{
	local p f
	p=$(sed -n 's/^# pass \([0-9]*\)/\1/p' "$1" | tail -1)
	f=$(sed -n 's/^# fail \([0-9]*\)/\1/p' "$1" | tail -1)
	echo "${p:-0} ${f:-0}"
}
mkdir -p "$LOGS"
vdb_install_packages
if ! vdb_build_install >"$LOGS/build.log" 2>&1; then
	cat "$LOGS/build.log"
	echo "0 passed, 1 failed"
	exit 1
fi

step unit count_gtest make -s unitcheck
step fuzz count_summary bash scripts/fuzz.sh "${VDB_FUZZ_SECONDS:-30}"

vdb_cluster_start test-cluster "$PORT"
trap 'vdb_cluster_stop test-cluster' EXIT

rm -f regression.diffs test/specs/regression.diffs
step regress vdb_count_regress make -s installcheck PG_CONFIG=$PG_BIN/pg_config
step isolation vdb_count_regress make -s isolationcheck PG_CONFIG=$PG_BIN/pg_config
step python count_pytest /usr/bin/python3 -m pytest -q -p no:cacheprovider test/clients
step node count_node bash -c 'cd test/clients/node && npm ci --no-audit --no-fund --loglevel=error && node --test'
step tap vdb_count_tap vdb_tap
# last: its own PostgreSQL copy and clusters, none of the above running.
# Every TAP file but the limits test, whose resident-memory figures ASan's
# shadow memory would swamp.  The soak runs for 30 s.
vdb_cluster_stop test-cluster
trap - EXIT
SANITIZE_TAP=()
for t in test/t/*.pl; do
	[[ $t == */018_limits.pl ]] || SANITIZE_TAP+=("$t")
done
step sanitize count_summary env VDB_SOAK_SECONDS=30 bash scripts/sanitize.sh "${SANITIZE_TAP[@]}"

echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" -eq 0 ]

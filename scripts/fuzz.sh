#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS]: the libFuzzer harnesses of test/fuzz/.
#
# Installs missing packages, builds every harness with ASan and UBSan
# (make -f test/fuzz/fuzz.mk fuzz-build), then for each one replays its
# regressions (test/fuzz/regressions/NAME/*) and fuzzes it for SECONDS
# (default 30), growing tmp/fuzz/corpus-work/NAME from test/fuzz/corpus/NAME.
# Prints libFuzzer's final stats line per harness and one summary line
# "N passed, M failed"; exits non-zero on any crash, leak, sanitizer report,
# timeout or failed FUZZ_CHECK.  The long run is the same with a large
# SECONDS, e.g. scripts/fuzz.sh 14400 for four hours per harness.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$VDB_ROOT"

FUZZ_SECONDS=${1:-30}
LOGS="$VDB_TMP/fuzz/logs"
PASSED=0
FAILED=0

if ! [[ $FUZZ_SECONDS =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: scripts/fuzz.sh [SECONDS]" >&2
	exit 2
fi

# Harnesses are the test/fuzz/fuzz_*.cpp files, as fuzz.mk finds them
HARNESSES=()
for src in test/fuzz/fuzz_*.cpp; do
	HARNESSES+=("$(basename "$src" .cpp)")
done

vdb_install_packages
mkdir -p "$LOGS"
echo "== building ${#HARNESSES[@]} fuzz harnesses"
if ! make -s -f test/fuzz/fuzz.mk -j2 fuzz-build >"$LOGS/build.log" 2>&1; then
	sed 's/^/   | /' "$LOGS/build.log" | tail -n 40
	echo "0 passed, ${#HARNESSES[@]} failed"
	exit 1
fi

# A report counts even if libFuzzer somehow exited 0: sanitizer and check
# messages, and libFuzzer's own errors (deadly signal, timeout, OOM, leak)
REPORT='ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|FUZZ_CHECK failed'

for name in "${HARNESSES[@]}"; do
	log="$LOGS/$name.log"
	regressions=$(find "test/fuzz/regressions/$name" -type f 2>/dev/null | wc -l)
	echo "== $name: $regressions regressions, then ${FUZZ_SECONDS}s of fuzzing"
	make -f test/fuzz/fuzz.mk --no-print-directory "fuzzcheck-$name" FUZZ_SECONDS="$FUZZ_SECONDS" >"$log" 2>&1
	rc=$?
	stats=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$stats" ] && ! grep -qE "$REPORT" "$log"; then
		echo "   PASS $stats"
		PASSED=$((PASSED + 1))
	else
		echo "   FAIL (exit $rc, log: ${log#"$VDB_ROOT"/})"
		grep -E "$REPORT|^SUMMARY|^Test unit written|^(artifact_prefix|Running:)" "$log" | head -n 20 | sed 's/^/   | /'
		echo "   reproduce: tmp/fuzz/bin/$name tmp/fuzz/artifacts/$name/<file>; then add the file to test/fuzz/regressions/$name/"
		FAILED=$((FAILED + 1))
	fi
done

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

#!/usr/bin/env bash
# scripts/sanitize.sh [TAP.pl...]: the pg_regress, isolation and TAP suites
# against a vectordb built with AddressSanitizer and UndefinedBehaviorSanitizer.
#
# PostgreSQL itself stays uninstrumented and the system's install untouched;
# everything lives under tmp/sanitize/:
#
#   pg/         a private copy of the PostgreSQL 15 install.  Debian's
#               binaries find their lib/ and share/ directories relative to
#               their own real path, so the copy works where it lies, and
#               vectordb is installed into it.  bin/postgres becomes a wrapper
#               that preloads the ASan runtime (a module built with ASan only
#               loads into a process whose first library is the runtime) and
#               runs the real server, bin/postgres.real.
#   build/      a snapshot of the working tree's sources, without build
#               outputs, compiled with SANITIZE_FLAGS; pg_regress and the
#               isolation specs run here, so their results stay here too.
#   selfcheck/  a server that first runs a module with one heap overflow and
#               one undefined shift: both must be reported, or the run could
#               not have seen anything.
#   cluster/    the server for pg_regress and the isolation specs (port
#               $VDB_SANITIZE_PORT, default 54339).  The TAP files (all of
#               test/t, or those given) start their own under tap/.
#   reports/    ASan's reports, one file per process (asan.PID).  UBSan's
#               runtime prints to stderr whatever its options say, so its
#               reports are read from the server logs.
#   logs/       the output of each step.
#
# Every sanitizer report counts as one failure, next to the suites' own
# counts.  Prints one summary line "N passed, N failed, N skipped" and exits
# non-zero if anything failed.  The options:
#   detect_leaks=0     a backend frees its memory contexts by exiting
#   abort_on_error=1   an ASan report kills the backend with SIGABRT, so the
#                      postmaster treats it as a crash and reinitialises
#                      shared memory (ASan's exit(1) passes for a FATAL exit)
#   UBSan continues after a report (its default), so one undefined operation
#                      hides nothing else; the report fails the run all the same
# test/sanitize.supp would list reports from uninstrumented libraries that
# are not vectordb's to fix, each with its reason.
set -uo pipefail
TAP_FILES=()
for t in "$@"; do
	TAP_FILES+=("$(realpath "$t")")
done
source "$(dirname "$0")/lib.sh"
cd "$VDB_ROOT"

SAN="$VDB_TMP/sanitize"
PG="$SAN/pg"
BUILD="$SAN/build"
REPORTS="$SAN/reports"
LOGS="$SAN/logs"
SUPP="$VDB_ROOT/test/sanitize.supp"
PORT=${VDB_SANITIZE_PORT:-54339}
SANITIZE_FLAGS="-fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -g -O1"
# A report's first line: ASan's (or the runtime's own complaint) and UBSan's
REPORT_LINE='^==[0-9]+==(ERROR|WARNING|ASan runtime)|: runtime error: '
PASSED=0
FAILED=0
SKIPPED=0

# phase NAME COMMAND...: runs COMMAND with its output in $LOGS/NAME.log and
# prints how long it took; returns COMMAND's status
phase()
{
	local name=$1 start=$SECONDS rc; shift
	echo "== $name"
	"$@" >"$LOGS/$name.log" 2>&1
	rc=$?
	echo "   exit $rc after $((SECONDS - start)) s (log: ${LOGS#"$VDB_ROOT"/}/$name.log)"
	return $rc
}

# Copies the system's PostgreSQL 15 to $PG, with the server wrapped
copy_postgres()
{
	rm -rf "$PG"
	mkdir -p "$PG/lib/postgresql" "$PG/share/postgresql" "$PG/include"
	cp -a /usr/lib/postgresql/15 "$PG/lib/postgresql/"
	cp -a /usr/share/postgresql/15 "$PG/share/postgresql/"
	ln -s /usr/include/postgresql "$PG/include/postgresql"
	local bin="$PG/lib/postgresql/15/bin" asan norandom=""
	[ "$("$bin/pg_config" --pkglibdir)" = "$PG/lib/postgresql/15/lib" ] || {
		echo "the copied pg_config does not report the copy's directories"
		return 1
	}
	asan=$(realpath "$(gcc -print-file-name=libasan.so)") || return 1

	# Preloaded next to the runtime.  The runtime would initialise after the
	# libraries the server links: its first malloc comes from libgpg-error's
	# constructor inside bindtextdomain(), and its set-up then calls
	# dlerror(), whose gettext() takes the same lock again and breaks it, so
	# the server hangs in its own bindtextdomain().  This library is marked
	# initfirst: its constructor runs before all others and initialises the
	# runtime.  UBSan's runtime initialises only when vectordb is loaded into
	# a backend, after Postgres has written the process title over its
	# environment, so UBSAN_OPTIONS could not be read: the options come from
	# __ubsan_default_options instead.  Its log_path only matters because
	# that runtime passes it on to ASan's (the symbol is shared): it must be
	# ASan's own.
	cat >"$PG/vdb_sanitize.c" <<-EOF
		void __asan_init(void);

		__attribute__((constructor)) static void
		vdb_sanitize_init(void)
		{
		    __asan_init();
		}

		const char *
		__ubsan_default_options(void)
		{
		    return "print_stacktrace=1:report_error_type=1:log_path=$REPORTS/asan:suppressions=$SUPP";
		}
	EOF
	gcc -shared -fPIC -Wl,-z,initfirst -o "$PG/vdb_sanitize.so" "$PG/vdb_sanitize.c" || return 1

	# GCC 12's runtime expects at most 28 bits of mmap randomisation; with
	# more, a mapping can land on the shadow memory and the process dies in
	# a loop of DEADLYSIGNAL reports.  Then the wrapper runs itself again
	# through setarch -R, which turns the randomisation off.
	if [ "$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 28)" -gt 28 ]; then
		norandom="[ -n \"\${VDB_NORANDOM:-}\" ] || VDB_NORANDOM=1 exec setarch $(uname -m) -R \"$bin/postgres\" \"\$@\""
	fi
	# The server records the path it was started as (argv[0]) in
	# postmaster.opts, which pg_ctl restart runs: exec -a keeps it the
	# wrapper's.
	mv "$bin/postgres" "$bin/postgres.real"
	cat >"$bin/postgres" <<-EOF
		#!/bin/bash
		# Written by scripts/sanitize.sh: the server under the ASan runtime
		$norandom
		export LD_PRELOAD="$asan $PG/vdb_sanitize.so"
		export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:log_path=$REPORTS/asan:suppressions=$SUPP"
		exec -a "$bin/postgres" "$bin/postgres.real" "\$@"
	EOF
	chmod 755 "$bin/postgres"
	# initdb and pg_ctl check the server's version by running it with -V
	"$bin/postgres" -V
}

# Builds vectordb with SANITIZE_FLAGS from a snapshot of the working tree in
# $BUILD and installs it into $PG
build_install()
{
	rm -rf "$BUILD"
	mkdir -p "$BUILD"
	tar -C "$VDB_ROOT" -cf - \
		--exclude=./.git --exclude=./tmp --exclude=./tmp_check --exclude=./results \
		--exclude=./log --exclude=node_modules --exclude=__pycache__ --exclude=.pytest_cache \
		--exclude=./test/unit/build --exclude=./bench/build --exclude=./test/specs/results \
		--exclude='*.o' --exclude='*.so' --exclude='*.bc' --exclude='*.d' . |
		tar -C "$BUILD" -xf - || return 1
	# Read after the Makefile, so these flags come last and win.  hnswlib's
	# prefetch hints read the neighbour id one past the end of a full
	# upper-layer list (nmslib/hnswlib#107, unfixed in the 0.6.2 headers):
	# an out-of-bounds read of up to 3 bytes that never faults, but that
	# ASan reports and cannot suppress in instrumented code (GCC has no
	# ignore list).  hnswlib's hand-vectorised code is otherwise unused
	# (distances come from vectordb's kernels), so it is left out here.
	cat >"$BUILD/sanitize.mk" <<-EOF
		override CXXFLAGS += $SANITIZE_FLAGS
		override LDFLAGS += $SANITIZE_FLAGS
		src/hnsw/hnsw_engine.o: override CXXFLAGS += -DNO_MANUAL_VECTORIZATION
	EOF
	local make=(make -C "$BUILD" -f Makefile -f sanitize.mk PG_CONFIG="$PG_BIN/pg_config")
	"${make[@]}" -j"$(nproc)" && "${make[@]}" install
}

# Runs a module with one heap overflow and one undefined shift in a server
# of its own: both reports must arrive where the run looks for them
selfcheck()
{
	local dir="$SAN/selfcheck"
	mkdir -p "$dir"
	cat >"$dir/selfcheck.c" <<-'EOF'
		#include "postgres.h"
		#include "fmgr.h"

		PG_MODULE_MAGIC;
		PG_FUNCTION_INFO_V1(selfcheck);

		/* selfcheck(40): shifts by 40 bits, then reads past a 16-byte block */
		Datum
		selfcheck(PG_FUNCTION_ARGS)
		{
		    int32 n = PG_GETARG_INT32(0);
		    volatile int32 *p = malloc(4 * sizeof(int32));
		    volatile int32 shifted = 1 << n;

		    PG_RETURN_INT32(shifted + p[n / 10]);
		}
	EOF
	gcc $SANITIZE_FLAGS -shared -fPIC -I"$("$PG_BIN/pg_config" --includedir-server)" \
		-o "$("$PG_BIN/pg_config" --pkglibdir)/vdb_selfcheck.so" "$dir/selfcheck.c" || return 1
	vdb_cluster_start sanitize/selfcheck "$PORT"
	"$PG_BIN/psql" -X -c "CREATE FUNCTION selfcheck(int) RETURNS int AS 'vdb_selfcheck' LANGUAGE C" \
		-c "SELECT selfcheck(40)"
	vdb_cluster_stop sanitize/selfcheck
	grep -l 'ERROR: AddressSanitizer: heap-buffer-overflow' "$REPORTS"/asan.* &&
		grep 'runtime error: shift exponent 40' "$dir/server.log" &&
		rm -f "$REPORTS"/*
}

# suite NAME PARSER COMMAND...: a phase whose log PARSER counts; a suite that
# fails without a failed test, or reports no test at all, counts as one failure
suite()
{
	local name=$1 parser=$2 rc p f sk; shift 2
	phase "$name" "$@"
	rc=$?
	read -r p f sk < <($parser "$LOGS/$name.log")
	if { [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; } || [ $((p + f)) -eq 0 ]; then
		f=$((f + 1))
	fi
	echo "   $p passed, $f failed, ${sk:-0} skipped"
	[ "$f" -eq 0 ] || tail -n 30 "$LOGS/$name.log" | sed 's/^/   | /'
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	SKIPPED=$((SKIPPED + ${sk:-0}))
}

# Counts the reports (each of ASan's files, each report line in the server
# logs) and prints the summary
finish()
{
	local logs=("$SAN/cluster/server.log") r line n=0
	echo "== sanitizer reports"
	for r in "$REPORTS"/*; do
		[ -f "$r" ] || continue
		echo "   ${r#"$VDB_ROOT"/}: $(grep -m1 -E "$REPORT_LINE" "$r" || head -n1 "$r")"
		n=$((n + 1))
	done
	[ -d "$SAN/tap/tmp_check/log" ] && logs+=("$SAN"/tap/tmp_check/log/*)
	for r in "${logs[@]}"; do
		[ -f "$r" ] || continue
		while IFS= read -r line; do
			echo "   ${r#"$VDB_ROOT"/}: $line"
			n=$((n + 1))
		done < <(grep -E "$REPORT_LINE" "$r")
	done
	echo "   $n found; $((SECONDS - START)) s in all"
	FAILED=$((FAILED + n))
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ "$FAILED" -eq 0 ]
}

START=$SECONDS
vdb_install_packages
mkdir -p "$SAN" "$LOGS"
chmod 755 "$VDB_TMP" "$SAN"
vdb_cluster_stop sanitize/selfcheck
vdb_cluster_stop sanitize/cluster
rm -rf "$REPORTS"
mkdir -p "$REPORTS"
chown postgres: "$REPORTS"

PG_BIN="$PG/lib/postgresql/15/bin"
PG_PGXS="$PG/lib/postgresql/15/lib/pgxs"
if ! phase copy-postgres copy_postgres || ! phase build build_install; then
	tail -n 30 "$LOGS"/*.log | sed 's/^/   | /'
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
if ! phase selfcheck selfcheck; then
	echo "   the sanitizers' reports did not arrive; see the log"
	FAILED=$((FAILED + 1))
fi

trap 'vdb_cluster_stop sanitize/cluster' EXIT
vdb_cluster_start sanitize/cluster "$PORT"
suite regress vdb_count_regress make -C "$BUILD" -s installcheck PG_CONFIG="$PG_BIN/pg_config"
suite isolation vdb_count_regress make -C "$BUILD" -s isolationcheck PG_CONFIG="$PG_BIN/pg_config"
vdb_cluster_stop sanitize/cluster
export VDB_TAP_DIR="$SAN/tap"
suite tap vdb_count_tap vdb_tap "${TAP_FILES[@]}"
finish

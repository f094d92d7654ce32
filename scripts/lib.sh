# scripts/lib.sh: set-up steps shared by the README commands.
#
# Sourced, not run.  Every function works on a fresh Debian bookworm machine
# as root: packages come from Debian's archive, the throwaway clusters live
# under the repository's git-ignored tmp/ and run as the postgres user.

VDB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VDB_TMP="$VDB_ROOT/tmp"
PG_BIN=${VDB_PG_BIN:-/usr/lib/postgresql/15/bin}	# VDB_PG_BIN: another build (benchmarks of a private install)

# Debian packages the build, the tests and the demo need
VDB_PACKAGES=(
	g++ make
	postgresql-15 postgresql-server-dev-15
	libgtest-dev libbenchmark-dev libhnswlib-dev
	libfaiss-dev libopenblas-openmp-dev
	clang-14 libclang-rt-14-dev
	dataset-fashion-mnist
	python3 python3-numpy python3-psycopg python3-pytest python3-pil
	gnuplot-nox
	libipc-run-perl
)

# Installs whichever of VDB_PACKAGES (plus Node.js when absent) are missing
vdb_install_packages()
{
	local missing=() pkg
	for pkg in "${VDB_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
	done
	command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
	if [ ${#missing[@]} -gt 0 ]; then
		echo "== installing Debian packages: ${missing[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
}

# Builds and installs the extension into the system's PostgreSQL 15
vdb_build_install()
{
	echo "== building and installing vectordb"
	make -C "$VDB_ROOT" -s -j"$(nproc)" PG_CONFIG=$PG_BIN/pg_config
	make -C "$VDB_ROOT" -s install PG_CONFIG=$PG_BIN/pg_config >/dev/null
}

# Runs a command as the postgres user from a directory it may enter
vdb_as_postgres()
{
	(cd / && runuser -u postgres -- "$@")
}

# vdb_cluster_start NAME PORT: fresh cluster in tmp/NAME listening on 127.0.0.1:PORT
vdb_cluster_start()
{
	local name=$1 port=$2
	local dir="$VDB_TMP/$name"
	vdb_cluster_stop "$name"
	rm -rf "$dir"
	mkdir -p "$dir"
	chown postgres: "$dir"
	chmod 755 "$VDB_TMP"
	vdb_as_postgres $PG_BIN/initdb -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
	# No Unix socket: clients connect over loopback TCP only, so a test
	# cluster can never collide with a system server's socket.
	vdb_as_postgres $PG_BIN/pg_ctl -D "$dir/data" -l "$dir/server.log" -w start \
		-o "-c port=$port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c shared_buffers=1GB -c max_wal_size=4GB" >/dev/null
	export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
}

# vdb_cluster_stop NAME: stops the cluster in tmp/NAME if it is running
vdb_cluster_stop()
{
	local dir="$VDB_TMP/$1/data"
	if [ -f "$dir/postmaster.pid" ]; then
		vdb_as_postgres $PG_BIN/pg_ctl -D "$dir" -m fast -w stop >/dev/null || true
	fi
}

# vdb_tap [TEST.pl...]: runs the TAP suite (test/t/*.pl, or the files given)
# with prove against the installed extension.  Each test file starts its own
# clusters under tmp/tap/tmp_check ($VDB_TAP_DIR/tmp_check when set; kept
# there when a test fails) and stops them when it ends; prove runs as the
# postgres user because initdb refuses to run as root.
PG_PGXS=/usr/lib/postgresql/15/lib/pgxs

# Makes the datasets the TAP tests read from tmp/data with ../shared/data's
# scripts (cached there; a no-op when present).  It runs before prove because
# prove runs as postgres, which cannot create tmp/data; without ../shared/data
# (a clone elsewhere) the tests that need the files skip.
VDB_SHARED_DATA="$VDB_ROOT/../shared/data"
vdb_make_tap_datasets()
{
	[ -d "$VDB_SHARED_DATA" ] || return 0
	echo "== making the TAP datasets in tmp/data"
	/usr/bin/python3 "$VDB_SHARED_DATA/fashion-mnist" "$VDB_TMP/data" &&
		/usr/bin/python3 "$VDB_SHARED_DATA/clustered" "$VDB_TMP/data" --n 20000 --d 128
}

vdb_tap()
{
	local dir="${VDB_TAP_DIR:-$VDB_TMP/tap}" tests=() t
	for t in "$@"; do
		tests+=("$(realpath "$t")")
	done
	[ ${#tests[@]} -gt 0 ] || tests=("$VDB_ROOT"/test/t/*.pl)
	rm -rf "$dir"
	mkdir -p "$dir"
	chmod 755 "$VDB_TMP"
	vdb_make_tap_datasets || return 1
	local run=(env TESTDIR="$dir" PATH="$PG_BIN:$PATH"
		PG_REGRESS="$PG_PGXS/src/test/regress/pg_regress"
		prove -v --timer -I "$PG_PGXS/src/test/perl" -I "$VDB_ROOT/test/t" "${tests[@]}")
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$dir"
		vdb_as_postgres "${run[@]}"
	else
		"${run[@]}"
	fi
}

# Log parsers shared by scripts/test.sh and scripts/sanitize.sh: print
# "passed failed [skipped]" read from a log
vdb_count_regress()
{
	echo "$(grep -cE '\.\.\. ok' "$1") $(grep -cE '\.\.\. FAILED' "$1")"
}
# prove -v output: top-level "ok N" / "not ok N" lines per test file; a file
# that dies or exits non-zero without a failed assertion counts as one failure
vdb_count_tap()
{
	awk '
		function done_file() { if (dubious && !file_failed) f++; dubious = 0; file_failed = 0 }
		/^Test Summary Report/ { exit }
		/^[^ #].*\.pl \.\.+ *$/ { done_file() }
		/^ok [0-9]+/ { if (tolower($0) ~ /# skip/) sk++; else p++ }
		/^not ok [0-9]+/ { if ($0 !~ /# TODO/) { f++; file_failed = 1 } }
		/Dubious, test returned|No plan found|Bad plan|No subtests run|Parse errors/ { dubious = 1 }
		END { done_file(); print p + 0, f + 0, sk + 0 }
	' "$1"
}

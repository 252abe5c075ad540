#!/bin/sh
# valgrind.sh: make check-valgrind's runner.
#
#   valgrind.sh test PROGRAM [ARGS]   run a test program under valgrind
#                                     (the suite's LOG_COMPILER)
#   valgrind.sh brood PROGRAM [ARGS]  run brood under valgrind (what the
#                                     tests run as $BROOD)
#   valgrind.sh scan DIR...           report what the logs in DIR... say
#
# Every process writes its own log, VG_LOG_DIR/NAME.PID.log. A test's
# logs, and those of every brood it ran, are scanned when it ends; the
# test fails if valgrind saw a memory error or a leak in any of them, or
# if brood left an fd open at exit that it did not inherit (0, 1 and 2
# aside). A process killed by a signal (a test sends SIGSEGV on purpose)
# is only held to its memory errors: its memory and fds were never given
# back. Children are not followed past exec, and between fork and exec
# they are silent: a child whose exec failed leaves at _exit what its
# parent frees, which is no leak.
#
# A test program runs its tests in one process (CK_FORK=no): in Check's
# fork mode each test would run in a forked child, and silencing those
# would silence the tests. Check's own timeouts do not apply then, so
# each program gets VG_TIMEOUT seconds (1200) in all. BROOD_VALGRIND is
# set for the tests, which skip what valgrind makes meaningless (RSS,
# RLIMIT_NOFILE in a child).
#
# Leaks count when definite, indirect or possible; what is still
# reachable at exit is not a leak (ncurses and libproc2 keep caches). No
# suppression is needed today; one for memory a library owns would go in
# tests/valgrind.supp, with its reason, and is read if that file exists.
set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${VALGRIND:=valgrind}"
: "${VG_LOG_DIR:=${TMPDIR:-/tmp}/brood-valgrind}"

common() {
	echo "--error-exitcode=99 --leak-check=full" \
	    "--errors-for-leak-kinds=definite,indirect,possible" \
	    "--show-leak-kinds=definite,indirect,possible --num-callers=30"
	[ ! -f "$here/valgrind.supp" ] || echo "--suppressions=$here/valgrind.supp"
}

# Print a line for each problem in the logs of DIR...; false if any.
scan() {
	scan_bad=0
	for d in "$@"; do
		[ -d "$d" ] || continue
		for f in "$d"/*.log; do
			[ -f "$f" ] || continue
			case $f in
			*/brood.*) fds=1 ;;
			*) fds=0 ;;
			esac
			awk -v file="$f" -v fds="$fds" '
				/Process terminating with default action of signal/ {
					killed = 1
				}
				# A memory error, as opposed to a leak record.
				/^==[0-9]+== (Invalid|Mismatched|Conditional jump|Use of uninitialised|Syscall param|Source and destination|Jump to the invalid|Argument .* of function)/ {
					if (!memerr) memerr = $0
				}
				# "==123== ERROR SUMMARY: 2 errors from 1 contexts"
				/ERROR SUMMARY: [1-9]/ {
					sub(/^==[0-9]+== /, "")
					summary = file ": " $0
				}
				# An fd open at exit: "Open file descriptor 5: /x"
				# (or "Open AF_UNIX socket 5: ..."), then where it
				# was opened, or "<inherited from parent>".
				fds && /Open .*(descriptor|socket) [0-9]+:/ {
					if (pending != "") { fdlines = fdlines pending "\n" }
					pending = ""
					fd = $0
					sub(/^.*(descriptor|socket) /, "", fd)
					sub(/:.*/, "", fd)
					if (fd + 0 > 2) {
						line = $0
						sub(/^==[0-9]+== /, "", line)
						pending = file ": left open at exit: " line
					}
					next
				}
				fds && /inherited from parent/ { pending = ""; next }
				END {
					if (pending != "") fdlines = fdlines pending "\n"
					if (fdlines != "" && !killed) {
						printf "%s", fdlines
						bad = 1
					}
					if (killed) {
						bad = memerr != ""
						if (bad) print summary " (killed by a signal)"
					} else if (summary != "") {
						print summary
						bad = 1
					}
					exit bad
				}
			' "$f" && continue
			scan_bad=1
			[ -z "${SCAN_SHOW-}" ] || sed 's/^/    /' "$f"
		done
	done
	return "$scan_bad"
}

mode=${1-}
[ $# -ge 2 ] || [ "$mode" = scan ] || {
	echo "usage: valgrind.sh test|brood PROGRAM [ARGS] | scan DIR..." >&2
	exit 2
}
shift

case $mode in
brood)
	mkdir -p "$VG_LOG_DIR"
	# shellcheck disable=SC2046
	exec "$VALGRIND" $(common) --track-fds=yes --child-silent-after-fork=yes \
	    --log-file="$VG_LOG_DIR/brood.%p.log" "$@"
	;;
test)
	name=$(basename "$1")
	VG_LOG_DIR=$VG_LOG_DIR/$name
	export VG_LOG_DIR
	rm -rf "$VG_LOG_DIR"
	mkdir -p "$VG_LOG_DIR"
	CK_FORK=no BROOD_VALGRIND=1
	export CK_FORK BROOD_VALGRIND
	# shellcheck disable=SC2046
	timeout "${VG_TIMEOUT:-1200}" "$VALGRIND" $(common) \
	    --child-silent-after-fork=yes --log-file="$VG_LOG_DIR/$name.%p.log" "$@"
	status=$?
	[ "$status" -ne 124 ] || echo "valgrind.sh: $name: over ${VG_TIMEOUT:-1200}s"
	if ! SCAN_SHOW=1 scan "$VG_LOG_DIR"; then
		echo "valgrind.sh: $name: problems above (logs in $VG_LOG_DIR)"
		[ "$status" -ne 0 ] || status=1
	fi
	exit "$status"
	;;
scan)
	scan "$@"
	;;
*)
	echo "valgrind.sh: unknown mode $mode" >&2
	exit 2
	;;
esac

#!/bin/sh
# check-source.sh: fail when brood's code opens an fd that would leak into
# a child, or installs a handler with signal().
#
#   check-source.sh              self-test, then check src/, ui/ and include/
#   check-source.sh DIR...       check the .c and .h files in DIR...
#   check-source.sh --self-test  only the self-test
#
# Every fd brood opens must be close-on-exec from the call that creates it
# (setting FD_CLOEXEC afterwards races with a fork elsewhere), because only
# a child's 0, 1 and 2 may survive exec. So: open/openat with O_CLOEXEC,
# pipe2 not pipe, socket/socketpair/accept4 with SOCK_CLOEXEC, dup3 or
# F_DUPFD_CLOEXEC not dup/dup2/F_DUPFD, fopen/popen with "e" in the mode,
# epoll_create1, signalfd/timerfd/eventfd/memfd/inotify/fanotify with their
# CLOEXEC flag, mkostemp not mkstemp. signal() is refused too: its
# semantics vary, it cannot set flags, and sigaction says what it means.
#
# The check reads C the way a compiler would see calls: comments are
# dropped, string and character literals cannot hold a call, a call may
# span lines, and obj.open() or obj->open() is a member, not the function.
# A call that must stay as it is carries a marker, in a comment on its own
# line or the line above, with the reason:
#
#     /* check-source: allow dup2: the child's 0, 1 and 2 survive exec */
#
# Each problem is printed as FILE:LINE: reason; the exit status is 1 if
# there was any (77, skipped, only if the source tree cannot be found).

set -u

me=$0

# The checker: one awk program over every file, printing FILE:LINE: reason.
check() {
	awk '
	BEGIN {
		# Every name why() knows; the others are not looked at twice.
		NAMES = "^(syscall|open|open64|openat|openat64|openat2|__open|__open64|posix_openpt|" \
		    "userfaultfd|memfd_secret|pipe2|dup3|mkostemps?(64)?|creat|creat64|pipe|" \
		    "socket|socketpair|accept4|accept|dup|dup2|fcntl|fopen|fopen64|freopen|" \
		    "freopen64|popen|tmpfile|tmpfile64|mkstemps?(64)?|epoll_create1?|signalfd|" \
		    "timerfd_create|eventfd|memfd_create|inotify_init1?|fanotify_init|" \
		    "perf_event_open|recvm?msg|openpty|forkpty|getpt|signal|sysv_signal|" \
		    "bsd_signal|sigset)$"
	}

	function flag_has(args, flag) {
		return args ~ ("(^|[^A-Za-z0-9_])" flag "([^A-Za-z0-9_]|$)")
	}

	# The first argument of a call, from its argument text.
	function first_arg(args,   depth, i, c) {
		depth = 0
		for (i = 1; i <= length(args); i++) {
			c = substr(args, i, 1)
			if (c == "(") depth++
			else if (c == ")") depth--
			else if (c == "," && depth == 0) return substr(args, 1, i - 1)
		}
		return args
	}

	# The argument text after the first argument ("" if none).
	function rest_args(args,   f) {
		f = first_arg(args)
		if (length(f) >= length(args)) return ""
		return substr(args, length(f) + 2)
	}

	function trim(s) {
		gsub(/^[ \t\n]+|[ \t\n]+$/, "", s)
		return s
	}

	# Why a call to name with these arguments leaks an fd ("" if it does
	# not). code has literals blanked out, orig keeps them (for modes).
	function why(name, code, orig,   sys, mode) {
		if (name == "syscall") {
			sys = trim(first_arg(code))
			if (sys !~ /^(SYS_|__NR_)/) return ""
			sub(/^(SYS_|__NR_)/, "", sys)
			if (sys == "syscall") return ""
			return why(sys, rest_args(code), rest_args(orig))
		}
		if (name ~ /^(open|open64|openat|openat64|openat2|__open|__open64|posix_openpt|userfaultfd|memfd_secret)$/)
			return flag_has(code, "O_CLOEXEC") ? "" : name "() without O_CLOEXEC"
		if (name ~ /^(pipe2|dup3|mkostemp|mkostemps|mkostemp64|mkostemps64)$/)
			return flag_has(code, "O_CLOEXEC") ? "" : name "() without O_CLOEXEC"
		if (name == "creat" || name == "creat64")
			return name "() cannot set close-on-exec: use open(..., O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC)"
		if (name == "pipe")
			return "pipe() leaves both ends open across exec: use pipe2(fds, O_CLOEXEC)"
		if (name ~ /^(socket|socketpair|accept4)$/)
			return flag_has(code, "SOCK_CLOEXEC") ? "" : name "() without SOCK_CLOEXEC"
		if (name == "accept")
			return "accept() cannot set close-on-exec: use accept4(..., SOCK_CLOEXEC)"
		if (name == "dup")
			return "dup() clears close-on-exec: use fcntl(fd, F_DUPFD_CLOEXEC, 0)"
		if (name == "dup2")
			return "dup2() clears close-on-exec: use dup3(old, new, O_CLOEXEC)"
		if (name == "fcntl")
			return flag_has(code, "F_DUPFD") ? "fcntl(F_DUPFD) without close-on-exec: use F_DUPFD_CLOEXEC" : ""
		if (name ~ /^(fopen|fopen64|freopen|freopen64|popen)$/) {
			mode = trim(first_arg(rest_args(orig)))
			if (mode !~ /^"[^"]*"$/)
				return name "() with a mode that is not a literal: cannot tell it has \"e\""
			return mode ~ /e/ ? "" : name "() without \"e\" in the mode (O_CLOEXEC)"
		}
		if (name ~ /^(tmpfile|tmpfile64)$/)
			return name "() cannot set close-on-exec: use mkostemp(..., O_CLOEXEC) or open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC)"
		if (name ~ /^(mkstemp|mkstemps|mkstemp64|mkstemps64)$/)
			return name "() cannot set close-on-exec: use mkostemp(tmpl, O_CLOEXEC)"
		if (name == "epoll_create")
			return "epoll_create() cannot set close-on-exec: use epoll_create1(EPOLL_CLOEXEC)"
		if (name == "epoll_create1")
			return flag_has(code, "EPOLL_CLOEXEC") ? "" : "epoll_create1() without EPOLL_CLOEXEC"
		if (name == "signalfd") {
			# signalfd(fd, ...) with an existing fd only changes its mask.
			if (trim(first_arg(code)) != "-1") return ""
			return flag_has(code, "SFD_CLOEXEC") ? "" : "signalfd() without SFD_CLOEXEC"
		}
		if (name == "timerfd_create")
			return flag_has(code, "TFD_CLOEXEC") ? "" : "timerfd_create() without TFD_CLOEXEC"
		if (name == "eventfd")
			return flag_has(code, "EFD_CLOEXEC") ? "" : "eventfd() without EFD_CLOEXEC"
		if (name == "memfd_create")
			return flag_has(code, "MFD_CLOEXEC") ? "" : "memfd_create() without MFD_CLOEXEC"
		if (name == "inotify_init")
			return "inotify_init() cannot set close-on-exec: use inotify_init1(IN_CLOEXEC)"
		if (name == "inotify_init1")
			return flag_has(code, "IN_CLOEXEC") ? "" : "inotify_init1() without IN_CLOEXEC"
		if (name == "fanotify_init")
			return flag_has(code, "FAN_CLOEXEC") ? "" : "fanotify_init() without FAN_CLOEXEC"
		if (name == "perf_event_open")
			return flag_has(code, "PERF_FLAG_FD_CLOEXEC") ? "" : "perf_event_open() without PERF_FLAG_FD_CLOEXEC"
		if (name ~ /^(recvmsg|recvmmsg)$/)
			return flag_has(code, "MSG_CMSG_CLOEXEC") ? "" : name "() without MSG_CMSG_CLOEXEC: fds passed with SCM_RIGHTS would survive exec"
		if (name ~ /^(openpty|forkpty|getpt)$/)
			return name "() cannot set close-on-exec: use posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)"
		if (name ~ /^(signal|sysv_signal|bsd_signal|sigset)$/)
			return name "(): use sigaction, which says what it means and takes flags"
		return ""
	}

	# Blank out comments (kept: newlines) into orig, and also literals
	# into code, one physical line at a time; state carries across lines.
	function strip(line,   i, n, c, nx, o, k) {
		o = ""; k = ""; n = length(line)
		for (i = 1; i <= n; i++) {
			c = substr(line, i, 1)
			nx = substr(line, i + 1, 1)
			if (st == "block") {
				if (c == "*" && nx == "/") { st = ""; i++; o = o "  "; k = k "  " }
				else { o = o " "; k = k " " }
				continue
			}
			if (st == "\"" || st == "\047") {
				if (c == "\\") {
					o = o c nx; k = k "  "; i++
					continue
				}
				if (c == st) { st = ""; o = o c; k = k c; continue }
				o = o c; k = k " "
				continue
			}
			if (c == "/" && nx == "*") { st = "block"; i++; o = o "  "; k = k "  "; continue }
			if (c == "/" && nx == "/") break
			if (c == "\"" || c == "\047") st = c
			o = o c; k = k c
		}
		# A literal never spans lines without a backslash; do not let a
		# stray quote blank out the rest of the file.
		if (st == "\"" || st == "\047") st = ""
		orig_line = o
		code_line = k
	}

	# A marker allows name on its own line and the one below it.
	function allowed(file, l, name) {
		return (file SUBSEP l SUBSEP name) in allow || \
		    (file SUBSEP (l - 1) SUBSEP name) in allow
	}

	function report(file, l, msg) {
		printf "%s:%d: %s\n", file, l, msg
		bad++
	}

	# The arguments of the call whose "(" is at column col of line i, into
	# ARGS (literals blanked) and OARGS (literals kept); a call may span
	# lines.
	function call_args(i, col, nlines,   depth, line, oline, j, c, n) {
		ARGS = ""; OARGS = ""; depth = 1
		for (; i <= nlines; i++) {
			line = code[i]; oline = orig[i]; n = length(line)
			for (j = col + 1; j <= n; j++) {
				c = substr(line, j, 1)
				if (c == "(") depth++
				else if (c == ")" && --depth == 0) {
					ARGS = ARGS substr(line, col + 1, j - col - 1)
					OARGS = OARGS substr(oline, col + 1, j - col - 1)
					return
				}
			}
			ARGS = ARGS substr(line, col + 1) "\n"
			OARGS = OARGS substr(oline, col + 1) "\n"
			col = 0
		}
	}

	# Scan one file, once all its lines are in code[] and orig[].
	function scan(file, nlines,   i, line, pos, s, name, p, msg, prev, prev2) {
		for (i = 1; i <= nlines; i++) {
			line = code[i]
			pos = 1
			while (match(substr(line, pos), /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/)) {
				s = pos + RSTART - 1
				p = s + RLENGTH - 1	# the opening parenthesis
				pos = p + 1
				name = substr(line, s, RLENGTH - 1)
				sub(/[ \t]+$/, "", name)
				if (name !~ NAMES)
					continue
				prev = s > 1 ? substr(line, s - 1, 1) : ""
				prev2 = s > 2 ? substr(line, s - 2, 1) : ""
				if (prev == "." || (prev == ">" && prev2 == "-"))
					continue
				call_args(i, p, nlines)
				msg = why(name, ARGS, OARGS)
				if (msg != "" && !allowed(file, i, name))
					report(file, i, msg)
			}
		}
	}

	FNR == 1 {
		if (NR != 1) scan(prevfile, nl)
		prevfile = FILENAME; nl = 0; st = ""
	}
	{
		if (match($0, /check-source: allow [A-Za-z0-9_]+/)) {
			mname = substr($0, RSTART + 20, RLENGTH - 20)
			reason = substr($0, RSTART + RLENGTH)
			if (reason !~ /^:[ \t]*[^ \t*]/)
				report(FILENAME, FNR, "allow marker for " mname "() without \": reason\"")
			else
				allow[FILENAME, FNR, mname] = 1
		}
		strip($0)
		nl++
		code[nl] = code_line
		orig[nl] = orig_line
	}
	END {
		if (NR > 0) scan(prevfile, nl)
		exit bad != 0
	}
	' "$@"
}

# Check every .c and .h file in the given folders.
check_dirs() {
	files=""
	for d in "$@"; do
		[ -d "$d" ] || { echo "check-source: $d: no such folder" >&2; return 2; }
		for f in "$d"/*.c "$d"/*.h; do
			[ -f "$f" ] && files="$files $f"
		done
	done
	[ -n "$files" ] || return 0
	# shellcheck disable=SC2086
	check $files
}

# Feed the checker one file of known violations and one of known good
# calls: every line marked "expect" must be reported, no other.
self_test() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-source.XXXXXX") || return 2
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT
	mkdir "$tmp/src"
	cat > "$tmp/src/bad.c" <<'EOF'
static void
bad(void)
{
	int fd = open(path, O_RDONLY);				/* expect */
	fd = openat(dir, "x", O_RDONLY | O_NONBLOCK);		/* expect */
	fd = open(path,						/* expect */
	    O_WRONLY | O_CREAT, 0644);
	fd = creat(path, 0644);					/* expect */
	pipe(fds);						/* expect */
	pipe2(fds, O_NONBLOCK);					/* expect */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);			/* expect */
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);	/* expect */
	fd = accept(s, NULL, NULL);				/* expect */
	fd = accept4(s, NULL, NULL, SOCK_NONBLOCK);		/* expect */
	fd = dup(fd);						/* expect */
	dup2(fd, 5);						/* expect */
	dup3(fd, 5, 0);						/* expect */
	fd = fcntl(fd, F_DUPFD, 10);				/* expect */
	f = fopen(path, "r");					/* expect */
	f = fopen(path, mode);					/* expect */
	f = popen("ls", "r");					/* expect */
	f = freopen(path, "w", stdout);				/* expect */
	f = tmpfile();						/* expect */
	fd = mkstemp(tmpl);					/* expect */
	fd = epoll_create(1);					/* expect */
	fd = epoll_create1(0);					/* expect */
	fd = signalfd(-1, &mask, SFD_NONBLOCK);			/* expect */
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);	/* expect */
	fd = eventfd(0, EFD_NONBLOCK);				/* expect */
	fd = memfd_create("x", 0);				/* expect */
	fd = inotify_init();					/* expect */
	fd = inotify_init1(IN_NONBLOCK);			/* expect */
	fd = syscall(SYS_memfd_create, "x", 0);			/* expect */
	fd = syscall(SYS_open, path, O_RDONLY);			/* expect */
	n = recvmsg(s, &msg, 0);				/* expect */
	if (CHECK(open(path, O_RDONLY)) == -1)			/* expect */
		return;
	signal(SIGPIPE, SIG_IGN);				/* expect */
	signal (SIGINT,						/* expect */
	    handler);
	/* check-source: allow dup2 */				/* expect */
	dup2(fd, 0);						/* expect */
	/* check-source: allow dup2: a reason, but for the line below only */

	dup2(fd, 1);						/* expect */
}
EOF
	cat > "$tmp/src/good.h" <<'EOF'
/* Comments may say open(path, 0), pipe(fds) or signal(SIGINT, h). */
struct ops { int (*open)(const char *); int (*pipe)(int *); };
#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC)
EOF
	cat > "$tmp/src/good.c" <<'EOF'
/*
 * pipe(fds); signal(SIGINT, h); fopen(path, "r")
 */
static void
good(void)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	fd = openat(dir, "x",
	    O_RDONLY | O_NONBLOCK |
	    O_CLOEXEC);
	pipe2(fds, O_CLOEXEC | O_NONBLOCK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	fd = accept4(s, NULL, NULL, SOCK_CLOEXEC);
	fd = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	dup3(fd, 5, O_CLOEXEC);
	f = fopen(path, "re");
	f = fopen(path, "we");
	f = popen("ls", "re");
	fd = mkostemp(tmpl, O_CLOEXEC);
	fd = epoll_create1(EPOLL_CLOEXEC);
	fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	signalfd(fd, &mask, 0);
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	fd = eventfd(0, EFD_CLOEXEC);
	fd = memfd_create("x", MFD_CLOEXEC);
	fd = inotify_init1(IN_CLOEXEC);
	fd = syscall(SYS_pidfd_open, pid, 0);
	n = recvmsg(s, &msg, MSG_CMSG_CLOEXEC);
	ops.open(path);
	ops->pipe(fds);
	my_open(path);
	reopen(path);
	sigaction(SIGINT, &sa, NULL);
	puts("pipe(fds) and signal(SIGINT, h) and open(p, 0)");
	puts("a \" quote, then dup(fd)");
	c = '(';
	c = '"'; dup3(fd, 6, O_CLOEXEC);
	// dup(fd) in a line comment
	/* check-source: allow dup2: the child's 0, 1 and 2 survive exec */
	if (dup2(a, 0) == -1 || dup2(b, 1) == -1 || dup2(c, 2) == -1)
		return;
	dup2(d, 3); /* check-source: allow dup2: on its own line */
}
EOF
	expect=$(grep -n 'expect' "$tmp/src/bad.c" | cut -d: -f1 | sed "s|^|$tmp/src/bad.c:|" | sort)
	got=$(check_dirs "$tmp/src" | cut -d: -f1,2 | sort)
	if [ "$expect" != "$got" ]; then
		echo "check-source: self-test failed; expected:" >&2
		echo "$expect" >&2
		echo "check-source: got:" >&2
		check_dirs "$tmp/src" >&2
		return 1
	fi
	# The marker line without a reason is reported too.
	check_dirs "$tmp/src" | grep -q "allow marker for dup2() without" || {
		echo "check-source: self-test: a marker without a reason passed" >&2
		return 1
	}
	if check_dirs "$tmp/src" >/dev/null; then
		echo "check-source: self-test: violations did not fail the check" >&2
		return 1
	fi
	rm -f "$tmp/src/bad.c"
	if ! check_dirs "$tmp/src"; then
		echo "check-source: self-test: good code failed the check" >&2
		return 1
	fi
	echo "check-source: self-test passed ($(echo "$expect" | wc -l) violations caught)"
	rm -rf "$tmp"
	trap - EXIT
	return 0
}

case "${1-}" in
--self-test)
	self_test
	exit $?
	;;
-h|--help)
	sed -n '2,/^$/s/^# \{0,1\}//p' "$me"
	exit 0
	;;
-*)
	echo "usage: check-source.sh [--self-test | DIR...]" >&2
	exit 2
	;;
esac

if [ $# -gt 0 ]; then
	check_dirs "$@"
	exit $?
fi

top=${srcdir:-$(dirname "$me")/..}
[ -f "$top/src/ingest.c" ] || top=$(dirname "$me")/..
[ -d "$top/src" ] || { echo "check-source: no source tree at $top" >&2; exit 77; }
self_test || exit 1
cd "$top" || exit 2
if check_dirs src ui include; then
	echo "check-source: src/, ui/ and include/ are clean"
else
	exit 1
fi

#!/bin/sh
# bench/tui.sh: the dashboard under load, in a real terminal (tmux).
#  1. flood: a child writes 256 MiB of 100-byte lines into brood's dashboard
#     in a 200x50 pane, against the same child piped into `cat >/dev/null`,
#     alternated ROUNDS times; the child's own wall time is measured in both
#     (brood must never slow it down). Target: ratio <= 2.
#  2. latency: while another child floods, a key that changes the screen
#     is pressed KEYS times; the time until tmux shows the change. Target:
#     under 50 ms.
#  3. idle: brood's own CPU over 10 s with 20 sleeping children.
set -eu
BROOD=${BROOD:-./brood}
HELPER=${BROOD_HELPER:-./tests/helper}
ROUNDS=${ROUNDS:-5}
KEYS=${KEYS:-20}
BYTES=${BYTES:-268435456}
sock="brood-bench-$$"
tmp=$(mktemp -d)
T() { tmux -L "$sock" "$@"; }
cleanup() { T kill-server 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
now_ms() { date +%s%3N; }
# Wait until the pane shows $1 (at most $2 seconds).
wait_for() {
	end=$(( $(date +%s) + $2 ))
	while ! T capture-pane -p | grep -q -- "$1"; do
		[ "$(date +%s)" -lt "$end" ] || { echo "timeout waiting for '$1'" >&2; T capture-pane -p >&2; return 1; }
	done
}
start() { # width height command...
	w=$1; h=$2; shift 2
	T -f /dev/null new-session -d -x "$w" -y "$h" "$@"
}

echo "== flood: $BYTES bytes of 100-byte lines, 200x50 dashboard vs raw pipe"
i=1
while [ "$i" -le "$ROUNDS" ]; do
	"$HELPER" measure sh -c "$HELPER flood $BYTES 100 | cat >/dev/null" 2>"$tmp/raw"
	raw=$(sed -n 's/.*wall_ms=\([0-9.]*\).*/\1/p' "$tmp/raw")
	# The child's own measurement goes to a file: on screen it would scroll away.
	rm -f "$tmp/tui"
	start 200 50 "$BROOD" -n flood "$HELPER measure $HELPER flood $BYTES 100 2>$tmp/tui"
	end=$(( $(date +%s) + 120 ))
	until grep -q wall_ms= "$tmp/tui" 2>/dev/null; do
		[ "$(date +%s)" -lt "$end" ] || { echo "the flood did not finish" >&2; exit 1; }
		sleep 0.05
	done
	tui=$(sed -n 's/.*wall_ms=\([0-9.]*\).*/\1/p' "$tmp/tui")
	T kill-server
	echo "round $i: raw pipe ${raw} ms, through the dashboard ${tui} ms"
	echo "$raw" >>"$tmp/raws"; echo "$tui" >>"$tmp/tuis"
	i=$((i + 1))
done
raw=$(median <"$tmp/raws"); tui=$(median <"$tmp/tuis")
awk -v r="$raw" -v t="$tui" -v b="$BYTES" 'BEGIN {
	printf "median raw pipe %.0f ms (%.0f MB/s), dashboard %.0f ms (%.0f MB/s), ratio %.2f (target <= 2)\n",
	    r, b / r / 1000, t, b / t / 1000, t / r }'

echo "== latency: key to screen while another child floods"
start 200 50 "$BROOD" -n flood,quiet "$HELPER flood 1000000000000 100" "$HELPER sleep 1000"
wait_for "quiet" 10
i=1
while [ "$i" -le "$KEYS" ]; do
	# Toggle the selection between the two rows and time its appearance.
	if [ $((i % 2)) -eq 1 ]; then key=j; want="> quiet"; else key=k; want="> flood"; fi
	t0=$(now_ms)
	T send-keys "$key"
	wait_for "$want" 5
	t1=$(now_ms)
	echo $((t1 - t0)) >>"$tmp/lat"
	i=$((i + 1))
done
T kill-server
lat=$(median <"$tmp/lat"); max=$(sort -n "$tmp/lat" | tail -n 1)
echo "key to screen: median ${lat} ms, worst ${max} ms over $KEYS presses (target < 50 ms;"
echo "  includes tmux's own capture round trips)"

echo "== idle: brood's CPU over 10 s with 20 sleeping children"
start 200 50 sh -c "exec $BROOD $(i=0; while [ $i -lt 20 ]; do printf "'%s sleep 1000' " "$HELPER"; i=$((i+1)); done)"
wait_for "helper.20" 10
pid=$(T display -p '#{pane_pid}')
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
a=$(ticks "$pid"); sleep 10; b=$(ticks "$pid")
hz=$(getconf CLK_TCK)
awk -v t=$((b - a)) -v hz="$hz" 'BEGIN { printf "brood used %d clock ticks in 10 s: %.3f%% of one core\n", t, t * 100 / hz / 10 }'
T kill-server

#!/bin/sh
# bench/stall.sh: brood's reader pauses for PAUSE_MS (| less, a CI runner
# busy uploading) while a child writes a burst of BURST lines (about 2 MB).
# Measured, in turn, ROUNDS times: how long the child takes to write it
# through a raw pipe to the paused reader (the baseline: it waits for the
# reader), and through brood --headless to the same paused reader. Prints
# each run, the medians and the ratio (target < 0.1: the child does not
# wait for brood's reader).
set -eu
BROOD=${BROOD:-./brood}
ROUNDS=${ROUNDS:-5}
BURST=${BURST:-300000}
PAUSE_MS=${PAUSE_MS:-1000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
pause=$(awk -v ms="$PAUSE_MS" 'BEGIN {printf "%.3f", ms / 1000}')
# The child: the burst, then how long it took, in ms, into a file.
child="s=\$(date +%s%N); seq 1 $BURST; e=\$(date +%s%N); echo \$(((e - s) / 1000000)) > $tmp/took"

i=1
while [ "$i" -le "$ROUNDS" ]; do
	sh -c "$child" | { sleep "$pause"; cat >/dev/null; }
	r=$(cat "$tmp/took")
	"$BROOD" --headless --no-summary -n burst "$child" | { sleep "$pause"; cat >/dev/null; }
	b=$(cat "$tmp/took")
	echo "round $i: raw pipe ${r} ms, brood ${b} ms"
	echo "$r" >>"$tmp/raws"; echo "$b" >>"$tmp/broods"
	i=$((i + 1))
done
raw=$(median <"$tmp/raws"); brood=$(median <"$tmp/broods")
awk -v raw="$raw" -v brood="$brood" -v pause="$PAUSE_MS" 'BEGIN {
	printf "median time to write the burst, reader paused %d ms:\n", pause
	printf "  raw pipe: %.0f ms\n  brood:    %.0f ms\n", raw, brood
	printf "ratio brood/raw pipe: %.3f (target < 0.1)\n", brood / raw
}'

#!/bin/sh
# bench/flood.sh: a child writes 256 MiB of 100-byte lines. Measured, in
# turn, ROUNDS times: the child piped into `cat >/dev/null` (the raw pipe);
# the child piped into a reader that raises its pipe to 1 MiB as brood does
# (the same pipe, no parsing); the same child under `brood --headless` with
# stdout to /dev/null. Prints each run, the medians, the ratios (target
# <= 1.3 against the raw pipe) and brood's peak RSS (target <= scrollback
# cap + 8 MiB).
set -eu
BROOD=${BROOD:-./brood}
HELPER=${BROOD_HELPER:-./tests/helper}
ROUNDS=${ROUNDS:-5}
BYTES=${BYTES:-268435456}
child="$HELPER flood $BYTES 100"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

i=1
while [ "$i" -le "$ROUNDS" ]; do
	"$HELPER" measure sh -c "$child | cat >/dev/null" 2>"$tmp/raw"
	"$HELPER" measure sh -c "$child | $HELPER drain" 2>"$tmp/big"
	"$HELPER" measure "$BROOD" --headless --no-summary "$child" >/dev/null 2>"$tmp/brood"
	r=$(field wall_ms <"$tmp/raw"); g=$(field wall_ms <"$tmp/big"); b=$(field wall_ms <"$tmp/brood")
	rss=$(field maxrss_kib <"$tmp/brood"); cpu=$(field cpu_ms <"$tmp/brood")
	echo "round $i: raw pipe ${r} ms, 1 MiB pipe ${g} ms, brood ${b} ms (brood+child cpu ${cpu} ms, peak rss ${rss} KiB)"
	echo "$r" >>"$tmp/raws"; echo "$g" >>"$tmp/bigs"; echo "$b" >>"$tmp/broods"; echo "$rss" >>"$tmp/rss"
	i=$((i + 1))
done
raw=$(median <"$tmp/raws"); big=$(median <"$tmp/bigs"); brood=$(median <"$tmp/broods")
rss=$(sort -n "$tmp/rss" | tail -n 1)
awk -v raw="$raw" -v big="$big" -v brood="$brood" -v rss="$rss" -v bytes="$BYTES" 'BEGIN {
	printf "median raw pipe:   %.0f ms (%.0f MB/s)\n", raw, bytes / raw / 1000
	printf "median 1 MiB pipe: %.0f ms (%.0f MB/s)\n", big, bytes / big / 1000
	printf "median brood:      %.0f ms (%.0f MB/s)\n", brood, bytes / brood / 1000
	printf "ratio brood/raw pipe:   %.2f (target <= 1.3)\n", brood / raw
	printf "ratio brood/1 MiB pipe: %.2f\n", brood / big
	printf "peak RSS (brood, headless, no scrollback): %.1f MiB\n", rss / 1024
}'

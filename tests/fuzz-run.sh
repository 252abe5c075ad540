#!/bin/sh
# fuzz-run.sh FUZZDIR SRCDIR: run each libFuzzer target built in FUZZDIR
# for FUZZ_SECONDS (60 by default), one after the other.
#
# Each target keeps the inputs it finds interesting in FUZZDIR/corpus-NAME,
# so a later run starts where this one stopped. fuzz_ingest is seeded from
# tests/corpus/ingest (four header bytes, then what a child writes: see
# fuzz_ingest.c); fuzz_conf from the config fixtures and examples, each
# behind the byte that names its format (see fuzz_conf.c). A crash, leak,
# timeout or broken invariant stops the run with the input saved as
# FUZZDIR/crash-*, leak-*, timeout-* or oom-*: ./fuzz_NAME FILE replays it.
set -eu

fuzz=$1
src=$2
seconds=${FUZZ_SECONDS:-60}

# The config fixtures, as fuzz_conf inputs: format byte, then the file.
seed_conf() {
	dir=$fuzz/seed-conf
	rm -rf "$dir"
	mkdir -p "$dir"
	n=0
	for f in "$src"/tests/fixtures/*.yaml "$src"/tests/fixtures/*/brood.yaml \
	    "$src"/examples/brood.yaml "$src"/tests/fixtures/*.Procfile \
	    "$src"/tests/fixtures/*/Procfile "$src"/examples/Procfile \
	    "$src"/tests/fixtures/*/mprocs.yaml "$src"/examples/mprocs.yaml \
	    "$src"/tests/fixtures/*/process-compose.yaml \
	    "$src"/examples/process-compose.yaml; do
		[ -f "$f" ] || continue
		case $f in
		*Procfile) byte='\001' ;;
		*mprocs.yaml) byte='\002' ;;
		*process-compose.yaml) byte='\003' ;;
		*) byte='\000' ;;
		esac
		n=$((n + 1))
		{ printf "$byte"; cat "$f"; } > "$dir/seed-$n"
	done
}

# Run one target: NAME, then its seed folder and libFuzzer options.
run() {
	name=$1
	seeds=$2
	shift 2
	mkdir -p "$fuzz/corpus-$name"
	echo "fuzz-run: $name for ${seconds}s"
	start=$(date +%s)
	# stdin is /dev/null: a config may name /dev/stdin as its env_file.
	if ! "$fuzz/$name" -max_total_time="$seconds" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$fuzz/" "$@" "$fuzz/corpus-$name" "$seeds" \
	    < /dev/null > "$fuzz/$name.log" 2>&1; then
		tail -n 60 "$fuzz/$name.log"
		echo "fuzz-run: $name failed (log: $fuzz/$name.log); replay with: $fuzz/$name $fuzz/crash-..." >&2
		return 1
	fi
	execs=$(awk '/stat::number_of_executed_units:/ { print $2 }' "$fuzz/$name.log")
	cov=$(grep -E '^#[0-9]+' "$fuzz/$name.log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\).* ft: \([0-9]*\).*/cov \1, ft \2/p')
	echo "fuzz-run: $name: ${execs:-?} runs in $(( $(date +%s) - start ))s, $cov, corpus $(ls "$fuzz/corpus-$name" | wc -l) inputs"
}

seed_conf
run fuzz_ingest "$src/tests/corpus/ingest" -max_len=8192
run fuzz_conf "$fuzz/seed-conf" -max_len=8192

/*
 * demo.c: the demo set. Each entry shows one thing a user should see:
 * colours kept, CPU and memory moving, an exit status spelled out, a stop
 * that needs SIGKILL, a flood that never slows the rest.
 */
#include "config.h"

#include "demo.h"

static const struct proc_spec demo_table[] = {
	{ .name = "web", .cmd =
	  "i=0; while :; do i=$((i+1)); "
	  "printf '\\033[32mINFO\\033[0m GET /items/%d \\033[1m200\\033[0m in %dms\\n' $i $((i * 37 % 250)); "
	  "if [ $((i % 7)) -eq 0 ]; then printf '\\033[33mWARN\\033[0m slow query (%dms)\\n' $((i * 53 % 900)) >&2; fi; "
	  "if [ $((i % 19)) -eq 0 ]; then printf '\\033[1;31mERROR\\033[0m upstream timed out\\n' >&2; fi; "
	  "sleep 0.4; done" },
	{ .name = "cpu", .cmd =
	  "echo 'burning one core in bursts (timeout + a busy shell loop)'; "
	  "while :; do timeout 2 sh -c 'while :; do :; done'; echo 'resting'; sleep 1; done" },
	{ .name = "memory", .cmd =
	  "while :; do echo 'growing to 160 MiB'; "
	  "i=0; while [ $i -lt 40 ]; do head -c 4194304 /dev/zero; sleep 0.2; i=$((i+1)); done "
	  "| tail -c 167772160 >/dev/null; echo 'released'; sleep 2; done" },
	{ .name = "crasher", .cmd =
	  "echo 'working...'; sleep 4; echo 'about to dereference NULL' >&2; kill -SEGV $$" },
	{ .name = "stubborn", .cmd =
	  "trap 'echo \"SIGTERM? not today (brood will send SIGKILL)\"' TERM; "
	  "echo 'ignoring SIGTERM'; while :; do sleep 1; done" },
	{ .name = "chatty", .cmd =
	  "n=0; while :; do n=$((n+1)); seq -f \"batch $n line %g\" 1 50; sleep 0.05; done" },
};

const struct proc_spec *
demo_specs(size_t *n)
{
	*n = sizeof demo_table / sizeof demo_table[0];
	return demo_table;
}

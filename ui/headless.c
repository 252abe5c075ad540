/*
 * headless.c: brood without a terminal, like foreman or concurrently.
 *
 * Lines are formatted into a sink (sink.c), written in large pieces each
 * time the loop is about to wait, so a flood costs one write per loop turn,
 * not one per line, and never in a way that stops the loop: a reader that
 * pauses does not stop brood reading its children. If it stays behind by
 * megabytes, the children's pipes are held (super_hold_output) until it
 * catches up, and the children wait in write(). Colour, when on, is
 * brood's own: the child's attributes were parsed by ingest and are
 * written back as fresh SGR sequences; no byte of a child reaches stdout
 * unparsed. Decisions (stop the others, finish) are taken in the idle
 * callback, never inside a supervisor hook, so the supervisor is not
 * re-entered while it is changing state.
 *
 * A line still without its newline is shown once it has waited a while
 * (between HEADLESS_PARTIAL_MS and twice that): "Waiting for the
 * database..." or a row of test dots must not stay invisible until the
 * line ends. What was shown of each stream's pending line is remembered
 * (its length and a hash), and at most one shown part is "open", its
 * output row not ended yet:
 *   - more of the same line continues the open row;
 *   - any other output ends the open row first, and the rest of the line,
 *     when it comes, is printed on a row of its own after a "..." mark;
 *   - a line rewritten under what was shown (a carriage return: a
 *     progress counter) is shown again whole, on a row of its own.
 * A line that ends before its wait is up is printed whole, as usual.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <sys/time.h>
#include <unistd.h>

#include "headless.h"
#include "line.h"
#include "sink.h"
#include "status.h"
#include "util.h"

#define HEADLESS_PARTIAL_MS 500
#define HEADLESS_SPLIT_MARK "\xe2\x80\xa6" /* U+2026, "…" */

static const char *const headless_colors[] = {
	"\033[36m", "\033[33m", "\033[32m", "\033[35m", "\033[34m",
	"\033[96m", "\033[93m", "\033[92m", "\033[95m", "\033[94m",
};

/* What was shown of one stream's pending line. */
struct headless_part {
	size_t shown;           /* bytes of it printed; 0: none */
	uint64_t hash;          /* of those bytes */
	size_t seen;            /* its length at the last look, 0 if none */
};

struct headless {
	struct headless_opts o;
	struct loop *l;
	struct super *s;
	struct sink *out;
	char **prefix;          /* per proc, [2 * i + stream] */
	size_t *prefix_len;
	struct headless_part *part; /* per proc and stream, as prefix */
	size_t open;            /* the part whose row is not ended, or SIZE_MAX */
	struct loop_timer *partial_timer;
	struct proc *last_p;    /* a flood comes from one process: its index, cached */
	size_t last_index;
	size_t nprefix;
	int signal;             /* the first stop signal brood was sent */
	int signals;
	bool drop_output;       /* told to end meanwhile: the rest is not written */
	bool ended_one;
	bool failed_one;
	bool stopping;
	int first_code;
	int last_code;
	int fail_code;
};

struct headless *
headless_create(const struct headless_opts *opts)
{
	struct headless *h = xcalloc(1, sizeof *h);

	h->o = *opts;
	h->out = sink_create(opts->out_fd);
	h->first_code = h->last_code = h->fail_code = -1;
	return h;
}

void
headless_free(struct headless *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nprefix; i++)
		free(h->prefix[i]);
	free(h->prefix);
	free(h->prefix_len);
	free(h->part);
	sink_free(h->out);
	free(h);
}

static void
headless_put(struct headless *h, const char *s, size_t n)
{
	sink_put(h->out, s, n);
}

/* Columns sanitized text takes: "café" is four, not five (its bytes). */
static size_t
headless_cols(const char *s)
{
	size_t n = mbstowcs(NULL, s, 0);
	wchar_t *w;
	int cols;

	if (n == (size_t)-1)
		return strlen(s);
	w = xcalloc(n + 1, sizeof *w);
	mbstowcs(w, s, n + 1);
	cols = wcswidth(w, n);
	free(w);
	return cols < 0 ? strlen(s) : (size_t)cols;
}

/* Build "name   | " and "name   ! " for every process, names padded to
 * the widest, in columns. */
static void
headless_prefixes(struct headless *h)
{
	size_t n = super_count(h->s), width = 0, i;
	char **names = xcalloc(n + 1, sizeof *names);

	for (i = 0; i < n; i++) {
		names[i] = line_sanitize(proc_name(super_proc(h->s, i)));
		if (headless_cols(names[i]) > width)
			width = headless_cols(names[i]);
	}
	h->prefix = xcalloc(2 * n + 1, sizeof *h->prefix);
	h->prefix_len = xcalloc(2 * n + 1, sizeof *h->prefix_len);
	h->part = xcalloc(2 * n + 1, sizeof *h->part);
	h->open = SIZE_MAX;
	h->nprefix = 2 * n;
	for (i = 0; i < n; i++) {
		const char *c = headless_colors[i % (sizeof headless_colors /
		    sizeof headless_colors[0])];
		int pad = (int)(width - headless_cols(names[i]));

		if (h->o.color) {
			h->prefix[2 * i] = xasprintf("%s%s%*s\033[0m | ", c, names[i], pad, "");
			h->prefix[2 * i + 1] = xasprintf("%s%s%*s\033[0m \033[31m!\033[0m ",
			    c, names[i], pad, "");
		} else {
			h->prefix[2 * i] = xasprintf("%s%*s | ", names[i], pad, "");
			h->prefix[2 * i + 1] = xasprintf("%s%*s ! ", names[i], pad, "");
		}
		h->prefix_len[2 * i] = strlen(h->prefix[2 * i]);
		h->prefix_len[2 * i + 1] = strlen(h->prefix[2 * i + 1]);
		free(names[i]);
	}
	free(names);
}

static size_t
headless_index(struct headless *h, struct proc *p)
{
	size_t i, n = super_count(h->s);

	if (p == h->last_p)
		return h->last_index;
	for (i = 0; i < n; i++) {
		if (super_proc(h->s, i) == p) {
			h->last_p = p;
			h->last_index = i;
			return i;
		}
	}
	return 0;
}

/* Text of l from byte from on, in its colours when colour is on. */
static void
headless_text(struct headless *h, const struct line *l, size_t from)
{
	char sgr[ATTR_SGR_MAX];
	size_t off = from;
	uint32_t i;

	if (!h->o.color || l->nruns == 0) {
		headless_put(h, l->text + from, l->len - from);
		return;
	}
	/* Each run sets its attributes whole: the last one to start at or
	 * before from is the one in force there. */
	for (i = 0; i < l->nruns && l->runs[i].off <= from; i++)
		;
	if (i > 0)
		headless_put(h, sgr, attr_sgr(&l->runs[i - 1].attr, sgr));
	for (; i < l->nruns; i++) {
		headless_put(h, l->text + off, l->runs[i].off - off);
		off = l->runs[i].off;
		headless_put(h, sgr, attr_sgr(&l->runs[i].attr, sgr));
	}
	headless_put(h, l->text + off, l->len - off);
	headless_put(h, "\033[0m", 4);
}

/* FNV-1a of n bytes: whether what was shown is still the line's start. */
static uint64_t
headless_hash(const char *s, size_t n)
{
	uint64_t x = 0xcbf29ce484222325ull;

	while (n-- > 0)
		x = (x ^ (unsigned char)*s++) * 0x100000001b3ull;
	return x;
}

/* End the open row, if any: other output is about to be printed. */
static void
headless_close(struct headless *h)
{
	if (h->open != SIZE_MAX) {
		headless_put(h, "\n", 1);
		h->open = SIZE_MAX;
	}
}

/* Whether part k's shown bytes are still the start of line l. */
static bool
headless_still(const struct headless_part *part, const struct line *l)
{
	return part->shown > 0 && l->len >= part->shown &&
	    headless_hash(l->text, part->shown) == part->hash;
}

static void
headless_line(void *arg, struct proc *p, const struct line *l)
{
	struct headless *h = arg;
	struct headless_part *part;
	const char *prefix;
	size_t k, plen, from = 0;

	if (h->prefix == NULL)
		headless_prefixes(h);
	k = 2 * headless_index(h, p) + (l->stream == LINE_STDERR);
	prefix = h->prefix[k];
	plen = h->prefix_len[k];
	part = &h->part[k];
	/* Fast path: the common uncoloured line is three copies. */
	if (h->open == SIZE_MAX && part->shown == 0 &&
	    (!h->o.color || l->nruns == 0) && !(l->flags & LINE_SPLIT)) {
		char *d = sink_reserve(h->out, plen + l->len + 1);

		memcpy(d, prefix, plen);
		memcpy(d + plen, l->text, l->len);
		d[plen + l->len] = '\n';
		sink_commit(h->out, plen + l->len + 1);
		part->seen = 0;
		return;
	}
	if (headless_still(part, l)) {
		from = part->shown;
		if (h->open != k) {
			headless_close(h);
			headless_put(h, prefix, plen);
			headless_put(h, HEADLESS_SPLIT_MARK, sizeof HEADLESS_SPLIT_MARK - 1);
		}
	} else {
		headless_close(h);
		headless_put(h, prefix, plen);
	}
	h->open = SIZE_MAX;
	part->shown = part->seen = 0;
	headless_text(h, l, from);
	/* Over the length cap: the line goes on in the next one. */
	if (l->flags & LINE_SPLIT)
		headless_put(h, HEADLESS_SPLIT_MARK, sizeof HEADLESS_SPLIT_MARK - 1);
	headless_put(h, "\n", 1);
}

/* Show what has waited of each pending line: see the essay. */
static void
headless_partials(struct loop *l, void *arg)
{
	struct headless *h = arg;
	size_t i, k, n = super_count(h->s);
	struct line pending;

	h->partial_timer = loop_timer_add(l, util_now_ms() + HEADLESS_PARTIAL_MS,
	    headless_partials, h);
	if (h->prefix == NULL)
		headless_prefixes(h);
	for (i = 0; i < n && 2 * i + 1 < h->nprefix; i++) {
		for (k = 2 * i; k <= 2 * i + 1; k++) {
			struct headless_part *part = &h->part[k];
			bool waited;

			if (!proc_pending(super_proc(h->s, i), (enum line_stream)(k - 2 * i),
			    &pending) || pending.len == 0) {
				part->seen = 0;
				continue;
			}
			/* Pending at the last look too: it has waited long enough. */
			waited = part->seen > 0;
			part->seen = pending.len;
			if (!waited || (pending.len == part->shown && headless_still(part, &pending)))
				continue;
			if (headless_still(part, &pending) && h->open == k) {
				headless_text(h, &pending, part->shown);
			} else {
				headless_close(h);
				headless_put(h, h->prefix[k], h->prefix_len[k]);
				if (headless_still(part, &pending)) {
					headless_put(h, HEADLESS_SPLIT_MARK,
					    sizeof HEADLESS_SPLIT_MARK - 1);
					headless_text(h, &pending, part->shown);
				} else
					headless_text(h, &pending, 0);
			}
			part->shown = pending.len;
			part->hash = headless_hash(pending.text, pending.len);
			h->open = k;
		}
	}
}

/* A line of brood's own about a process. */
static void
headless_say(struct headless *h, struct proc *p, const char *text)
{
	const char *prefix;

	if (h->prefix == NULL)
		headless_prefixes(h);
	headless_close(h);
	prefix = h->prefix[2 * headless_index(h, p)];
	headless_put(h, prefix, strlen(prefix));
	if (h->o.color)
		headless_put(h, "\033[1m", 4);
	headless_put(h, text, strlen(text));
	if (h->o.color)
		headless_put(h, "\033[0m", 4);
	headless_put(h, "\n", 1);
}

static void
headless_event(void *arg, struct proc *p, const struct proc_event *ev)
{
	struct headless *h = arg;
	char buf[256];

	switch (ev->kind) {
	case PROC_EV_BACKOFF:
		if (ev->max > 0)
			snprintf(buf, sizeof buf, "restart %u of %u in %.1fs", ev->attempt, ev->max,
			    (double)ev->delay_ms / 1000);
		else
			snprintf(buf, sizeof buf, "restart %u in %.1fs", ev->attempt,
			    (double)ev->delay_ms / 1000);
		headless_say(h, p, buf);
		break;
	case PROC_EV_FATAL:
		proc_describe(p, buf, sizeof buf);
		headless_say(h, p, buf);
		break;
	case PROC_EV_NOT_READY:
		snprintf(buf, sizeof buf, "not ready within %.1fs", (double)ev->delay_ms / 1000);
		headless_say(h, p, buf);
		break;
	case PROC_EV_TIMEOUT:
		headless_say(h, p, "ran past its timeout: stopping it");
		break;
	case PROC_EV_LOG_FAILED:
		snprintf(buf, sizeof buf, "cannot open its log file: %s", strerror(ev->err));
		headless_say(h, p, buf);
		break;
	case PROC_EV_ESCALATE:
		snprintf(buf, sizeof buf, "still running after the stop timeout: sent SIGKILL");
		headless_say(h, p, buf);
		break;
	case PROC_EV_STUCK:
		proc_describe_stuck(ev, buf, sizeof buf);
		headless_say(h, p, buf);
		break;
	case PROC_EV_ENDED: {
		bool failed = proc_failed(p);
		int code = failed ? proc_exit_code(p) : 0;

		proc_describe(p, buf, sizeof buf);
		headless_say(h, p, buf);
		if (h->first_code == -1)
			h->first_code = code;
		h->last_code = code;
		if (failed && h->fail_code == -1)
			h->fail_code = code;
		h->ended_one = true;
		h->failed_one |= failed;
		break;
	}
	default:
		break;
	}
}

struct super_hooks
headless_hooks(struct headless *h)
{
	struct super_hooks hooks = { headless_line, headless_event, NULL, h };

	return hooks;
}

static void
headless_signal(struct loop *l, int sig, void *arg)
{
	struct headless *h = arg;

	/* What a reader that reads would take now is not "left unwritten". */
	sink_flush(h->out);
	if (sink_pending(h->out) > 0 && super_all_ended(h->s)) {
		/* Every process is over and the reader does not read: a
		 * signal now means leave, unread or not. */
		if (h->signal == 0)
			h->signal = sig;
		h->drop_output = true;
		fprintf(stderr, "brood: %s: leaving %zu bytes of output unwritten (its reader is "
		    "not reading)\n", status_signame(sig), sink_pending(h->out));
		loop_break(l);
		return;
	}
	if (h->signals++ == 0) {
		h->signal = sig;
		headless_close(h);
		sink_flush(h->out);
		fprintf(stderr, "brood: %s: stopping every process (again to kill them)\n",
		    status_signame(sig));
		h->stopping = true;
		super_stop_all(h->s);
	} else {
		fprintf(stderr, "brood: %s: killing every process\n", status_signame(sig));
		super_kill_all(h->s);
	}
}

/* The reader is megabytes behind (or has caught up): hold the children's
 * pipes (or read them again). */
static void
headless_pressure(void *arg, bool full)
{
	struct headless *h = arg;

	super_hold_output(h->s, full);
}

/* Before each wait: write out, then decide whether to stop or finish. */
static void
headless_idle(struct loop *l, void *arg)
{
	struct headless *h = arg;
	int err;

	sink_flush(h->out);
	err = sink_error(h->out);
	if (!h->stopping && (err != 0 ||
	    (h->o.kill_others && h->ended_one) ||
	    (h->o.kill_others_on_fail && h->failed_one))) {
		/* The reader left (| head): end quietly, as a pipeline does.
		 * Anything else (a full disk) loses output: say so. */
		if (err == EPIPE && h->signal == 0)
			h->signal = SIGPIPE;
		else if (err != 0 && err != EPIPE)
			fprintf(stderr, "brood: cannot write its output (%s): stopping every "
			    "process\n", strerror(err));
		h->stopping = true;
		super_stop_all(h->s);
	}
	if (!super_all_ended(h->s))
		return;
	/* Every leader is gone; stop whatever they left behind, then finish. */
	super_stop_all(h->s);
	if (!super_all_ended(h->s))
		return;
	/* Nothing left but writing: in the loop, so that a signal still ends
	 * brood while its reader is not reading. */
	if (sink_pending(h->out) > 0 && sink_error(h->out) == 0)
		return;
	loop_break(l);
}

static void
headless_summary(struct headless *h)
{
	size_t n = super_count(h->s), i, width = 4;
	char wall[32], cpu[32], rss[32], status[256], *name;

	for (i = 0; i < n; i++) {
		name = line_sanitize(proc_name(super_proc(h->s, i)));
		if (headless_cols(name) > width)
			width = headless_cols(name);
		free(name);
	}
	fprintf(stderr, "%-*s %8s %8s %8s %8s  %s\n", (int)width, "name", "pid",
	    "wall", "cpu", "peak rss", "status");
	for (i = 0; i < n; i++) {
		struct proc *p = super_proc(h->s, i);
		const struct rusage *ru = proc_rusage(p);
		uint64_t end = proc_ended_ms(p) != 0 ? proc_ended_ms(p) : util_now_ms();
		uint64_t cpu_ms = (uint64_t)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000 +
		    (uint64_t)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1000;
		uint64_t peak = (uint64_t)ru->ru_maxrss;
		const struct proc_metrics *m = proc_metrics(p);

		/* rusage at reap is exact for the leader and what it reaped;
		 * sampling also saw the rest of the tree (daemons it left). */
		if (m->peak_rss_kib > peak)
			peak = m->peak_rss_kib;
		if ((uint64_t)(m->cpu_seconds * 1000) > cpu_ms)
			cpu_ms = (uint64_t)(m->cpu_seconds * 1000);
		util_format_ms(proc_started_ms(p) != 0 ? end - proc_started_ms(p) : 0, 1,
		    wall, sizeof wall);
		util_format_ms(cpu_ms, 1, cpu, sizeof cpu);
		util_format_kib(peak, rss, sizeof rss);
		proc_describe(p, status, sizeof status);
		name = line_sanitize(proc_name(p));
		fprintf(stderr, "%s%*s %8d %8s %8s %8s  %s%s\n", name,
		    (int)(width - headless_cols(name)), "",
		    (int)proc_pid(p), wall, cpu, rss, status,
		    proc_stop_requested(p) ? " (stopped by brood)" : "");
		free(name);
	}
}

int
headless_run(struct headless *h, struct loop *l, struct super *s)
{
	h->l = l;
	h->s = s;
	if (h->prefix == NULL)
		headless_prefixes(h);
	loop_add_signal(l, SIGINT, headless_signal, h);
	loop_add_signal(l, SIGTERM, headless_signal, h);
	loop_add_signal(l, SIGHUP, headless_signal, h);
	/* By default SIGQUIT (Ctrl-\) kills brood alone: the children's own
	 * children would be left behind. */
	loop_add_signal(l, SIGQUIT, headless_signal, h);
	sink_attach(h->out, l, headless_pressure, h);
	loop_set_idle(l, headless_idle, h);
	h->partial_timer = loop_timer_add(l, util_now_ms() + HEADLESS_PARTIAL_MS,
	    headless_partials, h);
	super_start_all(s);
	loop_run(l);
	loop_set_idle(l, NULL, NULL);
	loop_timer_cancel(l, h->partial_timer);
	h->partial_timer = NULL;
	super_sweep(s, 2000);
	if (!h->drop_output) {
		headless_close(h);
		sink_drain(h->out);
	}
	if (h->o.summary)
		headless_summary(h);
	if (h->signal != 0)
		return 128 + h->signal;
	if (sink_error(h->out) != 0)
		return 1;
	switch (h->o.success) {
	case HEADLESS_SUCCESS_FIRST:
		return h->first_code < 0 ? 0 : h->first_code;
	case HEADLESS_SUCCESS_LAST:
		return h->last_code < 0 ? 0 : h->last_code;
	default:
		return h->fail_code < 0 ? 0 : h->fail_code;
	}
}

/*
 * detail.c: the detail view of one process (the i key).
 *
 *   header: name, state, pid, the tree's and the leader's figures
 *   graphs: CPU% and RSS of the last PROC_HISTORY samples, newest right
 *   tree:   every process of the child's tree, with its kernel state
 *           spelled out, CPU, RSS and sanitized command line
 *   timeline: the core's events, newest last, as far as rows allow
 *
 * Drawn whole at each frame from the core's figures (metrics.c) and
 * events (proc.c); it reads command lines through tui_cmdline, which
 * caches them between samples.
 */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "tui-int.h"
#include "util.h"

/* A bar graph of n values (0 .. max) in h rows and w columns, the newest at
 * the right; each column is the mean of the samples it covers. */
static void
detail_graph(struct tui *t, const float *v, size_t n, double max, int y, int x, int h, int w)
{
	int col, row, pair;
	attr_t a = paint_role(t, THEME_GRAPH, &pair);
	char ascii[2];

	if (n == 0 || w <= 0 || h <= 0 || max <= 0)
		return;
	for (col = 0; col < w; col++) {
		/* Columns map onto the newest samples when there are fewer than w. */
		size_t from, to, k;
		double sum = 0;
		long levels;

		if (n >= (size_t)w) {
			from = n * (size_t)col / (size_t)w;
			to = n * (size_t)(col + 1) / (size_t)w;
		} else {
			if ((size_t)(w - col) > n)
				continue;
			from = n - (size_t)(w - col);
			to = from + 1;
		}
		for (k = from; k < to; k++)
			sum += v[k];
		levels = lround(sum / (double)(to - from) / max * h * 8);
		for (row = 0; row < h; row++) {
			long l = levels - (long)row * 8;

			if (l > 0)
				draw_text(t, y + h - 1 - row, x + col, 1, draw_level(t, (int)(l > 8 ? 8 : l),
				    ascii), a, pair);
		}
	}
}

static void
detail_event_text(const struct proc_event *ev, char *buf, size_t len)
{
	char what[160];

	switch (ev->kind) {
	case PROC_EV_SPAWNED:
		snprintf(buf, len, "spawned, pid %d", (int)ev->pid);
		break;
	case PROC_EV_EXECED:
		snprintf(buf, len, "exec'd");
		break;
	case PROC_EV_FAILED:
		status_describe_failure(ev->stage, ev->err, what, sizeof what);
		snprintf(buf, len, "%s", what);
		break;
	case PROC_EV_SIGNAL:
		snprintf(buf, len, "sent %s", status_signame(ev->sig));
		break;
	case PROC_EV_STOP:
		snprintf(buf, len, ev->sig == SIGKILL ? "kill: sent SIGKILL to the tree" :
		    "stop: sent %s and SIGCONT to the tree", status_signame(ev->sig));
		break;
	case PROC_EV_ESCALATE:
		snprintf(buf, len, "still there after the stop timeout: sent SIGKILL");
		break;
	case PROC_EV_PAUSED:
		snprintf(buf, len, "stopped (%s)", status_signame(ev->sig));
		break;
	case PROC_EV_RESUMED:
		snprintf(buf, len, "continued");
		break;
	case PROC_EV_EXITED:
		status_describe(ev->wstatus, what, sizeof what);
		snprintf(buf, len, "leader %s", what);
		break;
	case PROC_EV_ENDED:
		snprintf(buf, len, "ended");
		break;
	case PROC_EV_RESTART:
		snprintf(buf, len, "restart requested");
		break;
	case PROC_EV_BACKOFF:
		status_describe(ev->wstatus, what, sizeof what);
		if (ev->max > 0)
			snprintf(buf, len, "%s; restart %u of %u in %.1fs", what, ev->attempt, ev->max,
			    (double)ev->delay_ms / 1000);
		else
			snprintf(buf, len, "%s; restart %u in %.1fs", what, ev->attempt,
			    (double)ev->delay_ms / 1000);
		break;
	case PROC_EV_FATAL:
		snprintf(buf, len, "gave up after %u restarts within the window", ev->attempt);
		break;
	case PROC_EV_TIMEOUT:
		snprintf(buf, len, "ran past its timeout: stopping it");
		break;
	case PROC_EV_LOG_FAILED:
		snprintf(buf, len, "cannot open its log file: %s", strerror(ev->err));
		break;
	case PROC_EV_READY:
		snprintf(buf, len, "ready");
		break;
	case PROC_EV_NOT_READY:
		snprintf(buf, len, "not ready within %.1fs", (double)ev->delay_ms / 1000);
		break;
	case PROC_EV_WAITING:
		snprintf(buf, len, "waiting for its dependencies");
		break;
	case PROC_EV_BLOCKED:
		snprintf(buf, len, "a dependency failed: it will not start");
		break;
	case PROC_EV_ADOPTED:
		snprintf(buf, len, "adopted pid %d (left behind, re-parented to brood)", (int)ev->pid);
		break;
	case PROC_EV_STUCK:
		proc_describe_stuck(ev, buf, len);
		break;
	}
}

/* Everything about the selected process: figures, graphs, its tree, its
 * timeline. */
void
detail_draw(struct tui *t, int y, int h)
{
	struct proc *p = tui_selected(t);
	const struct proc_metrics *m;
	struct proc_tree_row *rows = NULL;
	float cpu[PROC_HISTORY], rssf[PROC_HISTORY];
	double cpu_max = 100, rss_max = 1;
	size_t nh, nrows, i, nev;
	char buf[1024], a1[32], a2[32], a3[32], a4[32], *name, *cmd;
	int pair, hp, row, gh, gw, tree_h;
	attr_t a, head = paint_role(t, THEME_HEADER, &hp);
	uint64_t now = util_now_ms();

	if (p == NULL || h < 4)
		return;
	m = proc_metrics(p);
	name = xstrdup(tui_view_of(t, p)->name);
	cmd = line_sanitize(proc_command(p));
	a = paint_role(t, THEME_TITLE_FOCUS, &pair);
	draw_fill(y, 0, COLS, a, pair);
	list_state(p, a1, sizeof a1);
	snprintf(buf, sizeof buf, " %s - %s  (i or Esc: back) ", name, a1);
	draw_text(t, y, 0, COLS, buf, a, pair);
	snprintf(buf, sizeof buf, " command: %s", cmd);
	draw_text(t, y + 1, 0, COLS, buf, A_NORMAL, 0);
	free(name);
	free(cmd);
	util_format_kib(m->tree_rss_kib, a1, sizeof a1);
	util_format_kib(m->rss_kib, a2, sizeof a2);
	util_format_kib(m->peak_rss_kib, a3, sizeof a3);
	util_format_ms((uint64_t)(m->cpu_seconds * 1000), 1, a4, sizeof a4);
	if (m->valid)
		snprintf(buf, sizeof buf, " CPU %.0f%% (leader %.0f%%)   memory %s (leader %s)   "
		    "threads %d   processes %zu   peak %s   CPU time %s", m->tree_cpu_pct,
		    m->cpu_pct, a1, a2, m->tree_threads, m->tree_procs, a3, a4);
	else
		snprintf(buf, sizeof buf, " not running   peak %s   CPU time %s", a3, a4);
	draw_text(t, y + 2, 0, COLS, buf, A_NORMAL, 0);

	nh = proc_history_count(p);
	for (i = 0; i < nh; i++) {
		uint64_t r;

		proc_history(p, i, &cpu[i], &r);
		rssf[i] = (float)r;
		if (cpu[i] > cpu_max)
			cpu_max = cpu[i];
		if (rssf[i] > rss_max)
			rss_max = rssf[i];
	}
	row = y + 4;
	gh = (h - 4) / 4;
	if (gh > 8)
		gh = 8;
	gw = COLS / 2 - 2;
	if (gh >= 2 && gw >= 8) {
		util_format_kib((uint64_t)rss_max, a1, sizeof a1);
		snprintf(buf, sizeof buf, " CPU %%, last %zu samples (top: %.0f%%)", nh, cpu_max);
		draw_text(t, row, 0, gw, buf, head, hp);
		snprintf(buf, sizeof buf, " memory (top: %s)", a1);
		draw_text(t, row, COLS / 2, gw, buf, head, hp);
		detail_graph(t, cpu, nh, cpu_max, row + 1, 1, gh, gw);
		detail_graph(t, rssf, nh, rss_max, row + 1, COLS / 2 + 1, gh, gw);
		row += gh + 2;
	}

	nrows = proc_tree_rows(p, &rows);
	tree_h = (y + h - row) / 2;
	snprintf(buf, sizeof buf, " %7s  %-12s %5s %7s  COMMAND", "PID", "STATE", "CPU", "RSS");
	draw_text(t, row++, 0, COLS, buf, head, hp);
	for (i = 0; i < nrows && row < y + h && (int)i < tree_h - 1; i++) {
		char *line;
		const char *clean = tui_cmdline(t, rows[i].pid);
		int aprow;
		attr_t sa = paint_role(t, rows[i].state == 'Z' ? THEME_FAILED : THEME_NORMAL, &aprow);

		util_format_kib(rows[i].rss_kib, a1, sizeof a1);
		snprintf(a2, sizeof a2, "%c %s", rows[i].state, status_state_meaning(rows[i].state));
		line = xasprintf(" %7d  %-12s %4.0f%% %7s  %*s%s", (int)rows[i].pid, a2,
		    rows[i].cpu_pct, a1, rows[i].depth * 2, "", clean);
		draw_text(t, row++, 0, COLS, line, sa, aprow);
		free(line);
	}
	if (nrows == 0)
		draw_text(t, row++, 0, COLS, "  (no process)", A_NORMAL, 0);
	free(rows);

	row++;
	if (row >= y + h)
		return;
	draw_text(t, row++, 0, COLS, " timeline", head, hp);
	nev = proc_event_count(p);
	i = nev > (size_t)(y + h - row) ? nev - (size_t)(y + h - row) : 0;
	for (; i < nev && row < y + h; i++) {
		const struct proc_event *ev = proc_event_get(p, i);
		char text[256];

		detail_event_text(ev, text, sizeof text);
		snprintf(buf, sizeof buf, " %9.1fs ago  %s", (double)(now - ev->t_ms) / 1000, text);
		draw_text(t, row++, 0, COLS, buf, A_NORMAL, 0);
	}
}


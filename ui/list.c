/*
 * list.c: the process list at the top of the dashboard.
 *
 * One row a process: name, state (a stopping process counts down to its
 * SIGKILL; a failure gives its reason), pid, CPU and memory (of the whole
 * tree, or of the leader alone with T), a sparkline of recent CPU, uptime
 * and restarts. Names take the width of the longest (up to 24 columns);
 * the state column is 24 columns, or as wide as the longest state shown
 * needs while a row still fits the screen. The selection stays in sight:
 * the rows scroll under it. When only figures and clocks moved, the list
 * alone is drawn again (list_draw_again), not the whole screen.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "status.h"
#include "tui-int.h"
#include "util.h"

/* The state as the list shows it, and the role that colours it. */
enum theme_role
list_state(struct proc *p, char *buf, size_t len)
{
	uint64_t deadline;

	switch (proc_state(p)) {
	case PROC_RUNNING:
	case PROC_STARTING:
		proc_describe(p, buf, len);
		return proc_paused(p) ? THEME_PAUSED : THEME_RUNNING;
	case PROC_STOPPING:
		deadline = proc_kill_deadline_ms(p);
		if (deadline != 0) {
			uint64_t now = util_now_ms();
			uint64_t left = deadline > now ? deadline - now : 0;

			snprintf(buf, len, "stopping, KILL in %.1fs", (double)left / 1000);
		} else
			snprintf(buf, len, "stopping (SIGKILL sent)");
		return THEME_STOPPING;
	case PROC_BACKOFF: {
		uint64_t now = util_now_ms(), due = proc_backoff_deadline_ms(p);

		snprintf(buf, len, "backoff, restart in %.1fs", due > now ? (double)(due - now) / 1000 : 0);
		return THEME_BACKOFF;
	}
	case PROC_FATAL:
		proc_describe(p, buf, len);
		return THEME_FAILED;
	case PROC_NEW:
		proc_describe(p, buf, len);
		return THEME_EXITED;
	case PROC_WAITING: {
		char what[96];

		proc_waiting_for(p, what, sizeof what);
		snprintf(buf, len, "waiting: %s", what);
		return THEME_BACKOFF;
	}
	default:
		proc_describe(p, buf, len);
		return proc_failed(p) ? THEME_FAILED : THEME_EXITED;
	}
}

size_t
list_name_width(struct tui *t)
{
	size_t i, w = 4;

	for (i = 0; i < super_count(t->s); i++) {
		size_t n = (size_t)tui_view_of(t, super_proc(t->s, i))->name_cols;

		if (n > w)
			w = n;
	}
	return w > 24 ? 24 : w;
}

#define LIST_SPARK 10          /* samples in a list row's sparkline */

/* The last LIST_SPARK samples of the tree's CPU, 0-100% of one core. */
static void
list_sparkline(struct tui *t, struct proc *p, int y, int x, int w, attr_t attr, int pair)
{
	size_t n = proc_history_count(p), i, first = n > LIST_SPARK ? n - LIST_SPARK : 0;
	char buf[LIST_SPARK * 3 + 1] = "", ascii[2];

	for (i = first; i < n; i++) {
		float cpu;
		uint64_t rss;

		proc_history(p, i, &cpu, &rss);
		strcat(buf, draw_level(t, cpu <= 0 ? 0 : 1 + (int)(cpu * 7 / 100), ascii));
	}
	draw_text(t, y, x, w, buf, attr, pair);
}

/* The CPU and MEM columns: the tree's figures, or the leader's alone. */
static bool
list_figures(struct tui *t, struct proc *p, char *cpu, char *mem, size_t len)
{
	const struct proc_metrics *m = proc_metrics(p);
	double c = t->leader_figures ? m->cpu_pct : m->tree_cpu_pct;
	uint64_t r = t->leader_figures ? m->rss_kib : m->tree_rss_kib;

	if (!m->valid) {
		snprintf(cpu, len, "-");
		snprintf(mem, len, "-");
		return false;
	}
	snprintf(cpu, len, "%.0f%%", c);
	util_format_kib(r, mem, len);
	return (t->opts.cpu_alert_pct > 0 && c >= t->opts.cpu_alert_pct) ||
	    (t->opts.mem_alert_kib > 0 && r >= t->opts.mem_alert_kib);
}

/* Columns of a list row besides its name and state: the selection mark,
 * the spaces between columns, PID, CPU, MEM, the sparkline, UPTIME, RST. */
#define LIST_ROW_REST (2 + 1 + 1 + 7 + 1 + 5 + 1 + 6 + 1 + LIST_SPARK + 1 + 8 + 1 + 3)
#define LIST_STATE_MIN 24

/* The width of the STATE column: 24, or as much more as the longest state
 * of the rows shown needs (a failure's whole reason) while the row still
 * fits the screen. */
static int
list_state_width(struct tui *t, size_t namew, size_t first, size_t end)
{
	int w = LIST_STATE_MIN, room = COLS - (int)namew - LIST_ROW_REST;
	char state[128];
	size_t i, k;

	for (i = first; i < end && w < room; i++) {
		list_state(super_proc(t->s, i), state, sizeof state);
		k = draw_width(t, state);
		if ((int)k > w)
			w = (int)k < room ? (int)k : room;
	}
	return w;
}

void
list_draw(struct tui *t, int y, int h)
{
	size_t n = super_count(t->s), i, namew = list_name_width(t);
	uint64_t now = util_now_ms();
	attr_t attr;
	int pair, x, statew;
	char buf[256];

	t->list_y = y;
	t->list_h = h;
	if (h <= 0)
		return;
	if (t->sel < t->list_top)
		t->list_top = t->sel;
	if (h > 1 && t->sel >= t->list_top + (size_t)(h - 1))
		t->list_top = t->sel - (size_t)(h - 2);
	statew = list_state_width(t, namew, t->list_top,
	    t->list_top + (size_t)(h - 1) < n ? t->list_top + (size_t)(h - 1) : n);
	attr = paint_role(t, THEME_HEADER, &pair);
	draw_fill(y, 0, COLS, attr, pair);
	snprintf(buf, sizeof buf, "  %-*s %-*s %7s %5s %6s %-*s %8s %3s", (int)namew, "NAME",
	    statew, "STATE", "PID", t->leader_figures ? "CPU*" : "CPU", t->leader_figures ? "MEM*" : "MEM",
	    LIST_SPARK, "HISTORY", "UPTIME", "RST");
	draw_text(t, y, 0, COLS, buf, attr, pair);
	for (i = t->list_top; i < n && (int)(i - t->list_top) < h - 1; i++) {
		struct proc *p = super_proc(t->s, i);
		int row = y + 1 + (int)(i - t->list_top);
		bool sel = i == t->sel, alert;
		enum theme_role role;
		const char *name = tui_view_of(t, p)->name;
		char state[128], up[32], pid[16];
		char cpu[32], mem[32];
		uint64_t start = proc_started_ms(p), end = proc_ended_ms(p);
		attr_t rowattr, graph;
		int rowpair, gpair;

		alert = list_figures(t, p, cpu, mem, sizeof cpu);
		rowattr = paint_role(t, sel ? (t->focus == TUI_FOCUS_LIST ? THEME_SELECTION :
		    THEME_SELECTION_IDLE) : alert ? THEME_ALERT : THEME_NORMAL, &rowpair);
		draw_fill(row, 0, COLS, rowattr, rowpair);
		x = draw_text(t, row, 0, COLS, sel ? "> " : "  ", rowattr, rowpair);
		draw_text(t, row, x, (int)namew, name, rowattr, rowpair);
		x += (int)namew + 1;
		role = list_state(p, state, sizeof state);
		if (sel)
			attr = rowattr, pair = rowpair;
		else
			attr = paint_role(t, role, &pair);
		draw_text(t, row, x, statew < COLS - x ? statew : COLS - x, state, attr, pair);
		x += statew + 1;
		if (start == 0)
			snprintf(up, sizeof up, "-");
		else
			util_format_ms((end != 0 ? end : now) - start, 0, up, sizeof up);
		if (proc_pid(p) > 0)
			snprintf(pid, sizeof pid, "%d", (int)proc_pid(p));
		else
			snprintf(pid, sizeof pid, "-");
		snprintf(buf, sizeof buf, "%7s %5s %6s ", pid, cpu, mem);
		if (x < COLS)
			x += draw_text(t, row, x, COLS - x, buf, rowattr, rowpair);
		graph = sel ? rowattr : paint_role(t, THEME_GRAPH, &gpair);
		if (sel)
			gpair = rowpair;
		if (x < COLS)
			list_sparkline(t, p, row, x, LIST_SPARK < COLS - x ? LIST_SPARK : COLS - x,
			    graph, gpair);
		x += LIST_SPARK + 1;
		snprintf(buf, sizeof buf, "%8s %3u", up, proc_restarts(p));
		if (x < COLS)
			draw_text(t, row, x, COLS - x, buf, rowattr, rowpair);
	}
}

void
list_draw_again(struct tui *t)
{
	/* The list's rows are drawn whole; anything over them needs it all. */
	if (t->list_h <= 0 || t->list_lines != LINES || t->list_cols != COLS || t->detail ||
	    t->help || t->prompt != TUI_PROMPT_NONE) {
		draw_screen(t);
		return;
	}
	list_draw(t, t->list_y, t->list_h);
}

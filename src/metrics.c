/*
 * metrics.c: CPU and memory per child, for its leader and its whole tree.
 *
 * Every interval one sample is taken (sample.c, libproc2): the links of
 * every process, and figures for those brood owns. Each process is
 * attributed to a child exactly as a stop would find it (super_owner: the leader, its group and session, their
 * descendants, and adopted daemons carrying the child's marker). A child's
 * tree figures are the sums over what it owns; its leader's figures are the
 * leader's own row, and only while the leader is unreaped, so a pid reused
 * after a child ends can never lend its numbers to that child.
 *
 * Sampling runs from a loop timer, never from the input or render path; a
 * front end is told through the sampled hook and reads the figures when it
 * draws. History keeps the last PROC_HISTORY samples of the tree's CPU% and
 * RSS per child, for the sparklines and graphs.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"
#include "super-int.h"
#include "util.h"

static void
metrics_timer(struct loop *l, void *arg)
{
	struct super *s = arg;

	s->sample_timer = NULL;
	metrics_tick(s);
	s->sample_timer = loop_timer_add(l, util_now_ms() + s->cfg.interval_ms,
	    metrics_timer, s);
}

void
metrics_start(struct super *s)
{
	char *cause = NULL;

	if (s->cfg.interval_ms == 0)
		s->cfg.interval_ms = 1000;
	if (s->cfg.no_sampling)
		return;
	s->sampler = sample_create(&cause);
	if (s->sampler == NULL) {
		free(cause); /* no /proc: brood still supervises, without figures */
		return;
	}
	s->sample_timer = loop_timer_add(s->loop, util_now_ms() + s->cfg.interval_ms,
	    metrics_timer, s);
}

size_t
metrics_release_fds(struct super *s)
{
	return s->sampler != NULL ? sample_release_fds(s->sampler) : 0;
}

void
metrics_stop(struct super *s)
{
	if (s->sample_timer != NULL)
		loop_timer_cancel(s->loop, s->sample_timer);
	s->sample_timer = NULL;
	if (s->sampler != NULL)
		sample_free(s->sampler);
	s->sampler = NULL;
	sample_table_free(&s->table);
	ptree_free(&s->stree);
	free(s->sowner);
	s->sowner = NULL;
	s->sowner_cap = 0;
}

void
metrics_forget(struct super *s)
{
	s->table.n = 0;
	s->stree.n = 0;
}

void
metrics_reset(struct proc *p, bool new_run)
{
	double seconds = p->metrics.cpu_seconds;
	uint64_t peak = p->metrics.peak_rss_kib;

	memset(&p->metrics, 0, sizeof p->metrics);
	if (!new_run) {
		/* An ended run keeps its totals for the summary. */
		p->metrics.cpu_seconds = seconds;
		p->metrics.peak_rss_kib = peak;
		return;
	}
	p->nadoptees = 0;
}

/* Announce a process of p that brood adopted, once. */
static void
metrics_adopted(struct proc *p, const struct sample_proc *e)
{
	struct proc_event ev = { .kind = PROC_EV_ADOPTED, .pid = e->pid };
	size_t i;

	for (i = 0; i < p->nadoptees; i++) {
		if (p->adoptees[i].pid == e->pid && p->adoptees[i].start == e->start)
			return;
	}
	if (p->nadoptees == sizeof p->adoptees / sizeof p->adoptees[0]) {
		/* Forget the oldest: at worst it is announced again. */
		memmove(p->adoptees, p->adoptees + 1, sizeof p->adoptees - sizeof p->adoptees[0]);
		p->nadoptees--;
	}
	p->adoptees[p->nadoptees].pid = e->pid;
	p->adoptees[p->nadoptees++].start = e->start;
	proc_event_add(p, &ev);
}

static void
metrics_history_push(struct proc *p)
{
	size_t slot;

	if (p->hist_n < PROC_HISTORY)
		slot = (p->hist_first + p->hist_n++) % PROC_HISTORY;
	else {
		slot = p->hist_first;
		p->hist_first = (p->hist_first + 1) % PROC_HISTORY;
	}
	p->hist_cpu[slot] = (float)p->metrics.tree_cpu_pct;
	p->hist_rss_kib[slot] = p->metrics.tree_rss_kib > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)p->metrics.tree_rss_kib;
}

/* The sampler's want callback: the same attribution a stop uses, from the
 * links of the whole table; figures are read for what brood owns. */
static void
metrics_want(struct sample_table *t, void *arg)
{
	struct super *s = arg;
	size_t i;

	if (s->stree.cap < t->n) {
		s->stree.cap = t->n * 2;
		s->stree.v = xreallocarray(s->stree.v, s->stree.cap, sizeof *s->stree.v);
	}
	for (i = 0; i < t->n; i++) {
		const struct sample_proc *e = &t->v[i];

		s->stree.v[i] = (struct ptree_entry){ e->pid, e->ppid, e->pgid, e->sid,
		    e->state, e->start };
	}
	s->stree.n = t->n;
	if (s->sowner_cap < t->n) {
		s->sowner_cap = t->n * 2;
		s->sowner = xreallocarray(s->sowner, s->sowner_cap, sizeof *s->sowner);
	}
	/* Both are sorted by pid, so owner i is table row i. */
	super_owner_index(s);
	ptree_owners(&s->stree, super_owner, s, s->sowner);
	for (i = 0; i < t->n; i++)
		t->v[i].wanted = s->sowner[i] >= 0 && (size_t)s->sowner[i] < s->nprocs;
}

void
metrics_tick(struct super *s)
{
	uint64_t now = util_now_ms();
	double dt = s->last_sample_ms != 0 ? (double)(now - s->last_sample_ms) / 1000 : 0;
	size_t i;

	if (s->sampler == NULL ||
	    sample_take(s->sampler, &s->table, now, metrics_want, s) == -1)
		return;
	s->last_sample_ms = now;

	for (i = 0; i < s->nprocs; i++) {
		struct proc_metrics *m = &s->procs[i]->metrics;

		m->tree_cpu_pct = 0;
		m->tree_rss_kib = m->tree_vsz_kib = 0;
		m->tree_threads = 0;
		m->tree_procs = 0;
		m->cpu_pct = 0;
		m->rss_kib = m->vsz_kib = 0;
		m->threads = 0;
		m->state = 0;
	}
	for (i = 0; i < s->table.n; i++) {
		const struct sample_proc *e = &s->table.v[i];
		struct proc *p;
		struct proc_metrics *m;

		if (s->sowner[i] < 0 || (size_t)s->sowner[i] >= s->nprocs)
			continue;
		p = s->procs[s->sowner[i]];
		m = &p->metrics;
		m->tree_cpu_pct += e->cpu_pct;
		m->tree_rss_kib += e->rss_kib;
		m->tree_vsz_kib += e->vsz_kib;
		m->tree_threads += e->threads;
		m->tree_procs++;
		if (e->pid == p->pid && !p->reaped) {
			m->cpu_pct = e->cpu_pct;
			m->rss_kib = e->rss_kib;
			m->vsz_kib = e->vsz_kib;
			m->threads = e->threads;
			m->state = e->state;
		} else if (e->ppid == s->self && e->state != 'Z')
			metrics_adopted(p, e);
	}
	for (i = 0; i < s->nprocs; i++) {
		struct proc *p = s->procs[i];
		struct proc_metrics *m = &p->metrics;
		bool live = p->state == PROC_STARTING || p->state == PROC_RUNNING ||
		    p->state == PROC_STOPPING;

		m->valid = live && m->tree_procs > 0;
		if (!m->valid)
			continue;
		if (m->tree_rss_kib > m->peak_rss_kib)
			m->peak_rss_kib = m->tree_rss_kib;
		m->cpu_seconds += m->tree_cpu_pct / 100 * dt;
		metrics_history_push(p);
	}
	if (s->hooks.sampled != NULL)
		s->hooks.sampled(s->hooks.arg);
}

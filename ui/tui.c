/*
 * tui.c: the dashboard's lifecycle: it owns the terminal and runs the
 * frames. What a key does is keys.c's; scrolling and search are view.c's.
 *
 * The terminal is checked and taken over (newterm, raw mode) before any
 * child starts, and given back on every way out: quit, SIGTERM, SIGINT,
 * SIGQUIT, SIGHUP (the user is gone: nothing more is drawn, every child is
 * stopped as on quit), a fatal signal (an async-signal-safe handler writes
 * the saved reset sequence and restores the saved tty modes), and the
 * out-of-memory path (util_fatal's hook). It is lent back while brood is
 * suspended (Ctrl-Z, SIGTSTP) and taken again, redrawn, on SIGCONT.
 *
 * Quitting (the quit keys, SIGTERM, SIGINT, SIGQUIT, the terminal gone)
 * stops every child as super_stop_all does; the loop ends once they are
 * all over, and what they left behind is swept before the terminal is
 * given back. A second quit kills what is still stopping.
 *
 * Rendering never holds up ingest: the supervisor's hooks only mark the
 * screen dirty, and a frame is drawn in the loop's idle callback at most
 * once every TUI_FRAME_MS, drawing only what is visible (draw.c). Keys are
 * read whenever the terminal has input, so a child flooding output does
 * not delay them by more than one loop turn and one frame.
 */
#include "config.h"

#include <errno.h>
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <term.h>
#include <unistd.h>

#include "guard.h"
#include "scroll.h"
#include "tui-int.h"
#include "util.h"

static void tui_cmds_clear(struct tui *);
static void tui_resize(struct tui *);

/* What the fatal path needs, kept where a signal handler can reach it. */
static struct termios tui_saved_tty;
static bool tui_saved_ok;
static volatile sig_atomic_t tui_active;
static char tui_reset_seq[512];
static size_t tui_reset_len;
static struct super *tui_super;

void
tui_emergency(void)
{
	ssize_t unused;

	if (!tui_active)
		return;
	tui_active = 0;
	unused = write(STDOUT_FILENO, tui_reset_seq, tui_reset_len);
	(void)unused;
	if (tui_saved_ok)
		tcsetattr(STDIN_FILENO, TCSANOW, &tui_saved_tty);
	guard_tty_held(false);
}

bool
tui_guard_tty(struct guard_tty *g)
{
	if (!tui_active || !tui_saved_ok)
		return false;
	g->fd = STDOUT_FILENO;
	g->mode = tui_saved_tty;
	g->reset = tui_reset_seq;
	g->reset_len = tui_reset_len;
	return true;
}

static void
tui_fatal_signal(int sig)
{
	tui_emergency();
	super_emergency(tui_super);
	/* SA_RESETHAND restored the default action on entry. */
	raise(sig);
}

/* Append a terminfo string to the reset sequence. */
static void
tui_reset_add(const char *cap)
{
	const char *s = tigetstr(cap);
	size_t n;

	if (s == NULL || s == (const char *)-1)
		return;
	n = strlen(s);
	if (tui_reset_len + n < sizeof tui_reset_seq) {
		memcpy(tui_reset_seq + tui_reset_len, s, n);
		tui_reset_len += n;
	}
}

static void
tui_prepare_reset(void)
{
	static const char mouse_off[] =
	    "\033[?1000l\033[?1002l\033[?1003l\033[?1006l\033[?2004l";

	tui_reset_len = 0;
	memcpy(tui_reset_seq, mouse_off, sizeof mouse_off - 1);
	tui_reset_len = sizeof mouse_off - 1;
	tui_reset_add("sgr0");
	tui_reset_add("cnorm");
	tui_reset_add("rmkx");
	tui_reset_add("rmcup");
}

/* Bracketed paste on or off (keys.c reads the marks). */
static void
tui_paste_mode(bool on)
{
	static const char enable[] = "\033[?2004h", disable[] = "\033[?2004l";
	ssize_t unused;

	/* Straight to the terminal: a mode, not a drawing, so its order
	 * against what ncurses still buffers does not matter. */
	unused = write(STDOUT_FILENO, on ? enable : disable, (on ? sizeof enable : sizeof disable) - 1);
	(void)unused;
}

struct tui *
tui_create(const struct tui_opts *opts, char **cause)
{
	const char *term = getenv("TERM");
	const char *cup;
	struct sigaction sa;
	struct tui *t;
	int err = 0;
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	size_t i;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		*cause = xstrdup("the dashboard needs a terminal on stdin and stdout "
		    "(run with --headless)");
		return NULL;
	}
	if (term == NULL || *term == '\0' || strcmp(term, "dumb") == 0) {
		*cause = xasprintf("TERM=%s cannot show the dashboard: it needs a terminal "
		    "with cursor addressing (set TERM, or run with --headless)",
		    term == NULL ? "" : term);
		return NULL;
	}
	if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
		*cause = xasprintf("unknown terminal type '%s' (set TERM, or run with --headless)",
		    term);
		return NULL;
	}
	cup = tigetstr("cup");
	if (cup == NULL || cup == (const char *)-1) {
		del_curterm(cur_term);
		*cause = xasprintf("TERM=%s has no cursor addressing: the dashboard cannot "
		    "draw on it (run with --headless)", term);
		return NULL;
	}
	t = xcalloc(1, sizeof *t);
	t->opts = *opts;
	theme_default(&t->theme);
	if ((opts->theme != NULL && theme_load(&t->theme, opts->theme, opts->theme_dirs,
	    cause) == -1) || keys_bind(t, opts->bindings, cause) == -1) {
		del_curterm(cur_term);
		free(t->remaps);
		free(t);
		return NULL;
	}
	tui_prepare_reset();
	del_curterm(cur_term);
	tui_saved_ok = tcgetattr(STDIN_FILENO, &tui_saved_tty) == 0;

	t->screen = newterm(NULL, stdout, stdin);
	if (t->screen == NULL) {
		*cause = xasprintf("cannot open the terminal '%s'", term);
		free(t);
		return NULL;
	}
	set_term(t->screen);
	tui_active = 1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tui_fatal_signal;
	sa.sa_flags = SA_RESETHAND;
	for (i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
		sigaction(fatal[i], &sa, NULL);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	intrflush(stdscr, FALSE);
	curs_set(0);
	set_escdelay(25);
	keys_paste_define();
	tui_paste_mode(true);
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	paint_init(&t->paint, opts->color);
	t->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	t->layout = TUI_TILED;
	t->focus = TUI_FOCUS_LIST;
	t->merged = xcalloc(TUI_MERGED_MAX, sizeof *t->merged);
	t->merged_view.follow = true;
	t->dirty = true;
	return t;
}

void
tui_free(struct tui *t)
{
	if (t == NULL)
		return;
	if (t->search_on)
		regfree(&t->search_re);
	paint_free(&t->paint);
	if (t->screen != NULL)
		delscreen(t->screen);
	tui_cmds_clear(t);
	free(t->cmds);
	for (size_t i = 0; i < t->nviews; i++)
		free(t->views[i].name);
	free(t->views);
	free(t->merged);
	free(t->cells);
	free(t->scratch);
	free(t->hits);
	free(t->remaps);
	free(t);
}

void
tui_message(struct tui *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->message, sizeof t->message, fmt, ap);
	va_end(ap);
	t->message_until_ms = util_now_ms() + 5000;
	t->dirty = true;
}

struct proc *
tui_selected(struct tui *t)
{
	size_t n = super_count(t->s);

	if (n == 0)
		return NULL;
	if (t->sel >= n)
		t->sel = n - 1;
	return super_proc(t->s, t->sel);
}

void
tui_quit(struct tui *t)
{
	if (t->quitting) {
		super_kill_all(t->s);
		return;
	}
	t->quitting = true;
	t->prompt = TUI_PROMPT_NONE;
	super_stop_all(t->s);
	t->dirty = true;
}

/* --- supervisor hooks ---------------------------------------------------- */

static void
tui_line(void *arg, struct proc *p, const struct line *l)
{
	struct tui *t = arg;
	struct scroll *sb = proc_scroll(p);
	struct tui_merged *m;

	t->dirty = true;
	if (sb == NULL || scroll_count(sb) == 0)
		return;
	/* A flood comes from one process: skip the lookup for its lines. */
	if (p != t->line_p) {
		t->line_p = p;
		t->line_uid = tui_view_of(t, p)->uid;
	}
	if (t->merged_count == TUI_MERGED_MAX) {
		t->merged_first = (t->merged_first + 1) % TUI_MERGED_MAX;
		t->merged_count--;
	}
	m = &t->merged[(t->merged_first + t->merged_count++) % TUI_MERGED_MAX];
	m->uid = t->line_uid;
	m->seq = scroll_seq(sb, scroll_count(sb) - 1);
	t->merged_seq++;
}

static void
tui_event(void *arg, struct proc *p, const struct proc_event *ev)
{
	struct tui *t = arg;

	t->dirty = true;
}

static void
tui_cmds_clear(struct tui *t)
{
	size_t i;

	for (i = 0; i < t->ncmds; i++)
		free(t->cmds[i].text);
	t->ncmds = 0;
}

const char *
tui_cmdline(struct tui *t, pid_t pid)
{
	char *raw;
	size_t i;

	for (i = 0; i < t->ncmds; i++) {
		if (t->cmds[i].pid == pid)
			return t->cmds[i].text;
	}
	raw = super_cmdline(t->s, pid, 1024);
	t->cmds = xreallocarray(t->cmds, t->ncmds + 1, sizeof *t->cmds);
	t->cmds[t->ncmds].pid = pid;
	t->cmds[t->ncmds].text = line_sanitize(raw != NULL ? raw : "?");
	free(raw);
	return t->cmds[t->ncmds++].text;
}

static void
tui_sampled(void *arg)
{
	struct tui *t = arg;

	/* Processes may have exec'd or gone: read their command lines again. */
	tui_cmds_clear(t);
	/* New figures show in the list, and in the detail view's graphs. */
	if (t->detail)
		t->dirty = true;
	else
		t->dirty_list = true;
}

struct super_hooks
tui_hooks(struct tui *t)
{
	struct super_hooks h = { tui_line, tui_event, tui_sampled, t };

	return h;
}

/* --- the terminal -------------------------------------------------------- */

static void
tui_terminal_gone(struct tui *t)
{
	if (t->term_dead)
		return;
	t->term_dead = true;
	loop_del_fd(t->l, STDIN_FILENO);
	tui_quit(t);
}

static void
tui_input(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct tui *t = arg;
	wint_t wch;
	int r, n = 0;

	while ((r = wget_wch(stdscr, &wch)) != ERR) {
		keys_handle(t, r, wch);
		n++;
	}
	/* Readable with nothing to read: the terminal hung up (EIO). */
	if (n == 0 && (events & (EPOLLHUP | EPOLLERR)))
		tui_terminal_gone(t);
}

/* Back from a stop: the program's terminal modes again, the size it may
 * have taken meanwhile, and everything drawn anew. */
static void
tui_continued(struct tui *t)
{
	if (t->term_dead)
		return;
	reset_prog_mode();
	tui_paste_mode(true);
	guard_tty_held(true);
	tui_resize(t);
}

static void
tui_resize(struct tui *t)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	t->dirty = true;
}

/*
 * Ctrl-Z or SIGTSTP: give the terminal back and stop, as any job does, so
 * the shell can run something else; on fg, take the terminal again and
 * draw it all anew. Only brood stops: the children keep running (in
 * their own sessions, the terminal's job control never reaches them), and
 * what they write waits in their pipes until brood is back. Where no shell
 * could resume brood (an orphaned process group: brood started without job
 * control), the kernel discards the SIGTSTP and brood goes on at once.
 */
void
tui_suspend(struct tui *t)
{
	sigset_t tstp;

	if (t->term_dead)
		return;
	guard_tty_held(false);
	tui_paste_mode(false);
	endwin();
	sigemptyset(&tstp);
	sigaddset(&tstp, SIGTSTP);
	/* The loop blocks SIGTSTP to read it; ncurses put a handler of its
	 * own on it: the default action, unblocked, for this one. */
	sigaction(SIGTSTP, &(struct sigaction){ .sa_handler = SIG_DFL }, NULL);
	sigprocmask(SIG_UNBLOCK, &tstp, NULL);
	/* To the whole process group, as vim does: a script that started
	 * brood stops with it, or the shell would wait on the script and
	 * never get the terminal back (the children, in sessions of their
	 * own, are not in the group). */
	kill(0, SIGTSTP);
	sigprocmask(SIG_BLOCK, &tstp, NULL);
	tui_continued(t);
}

static void
tui_signal(struct loop *l, int sig, void *arg)
{
	struct tui *t = arg;

	if (sig == SIGWINCH) {
		tui_resize(t);
		return;
	}
	if (sig == SIGTSTP) {
		tui_suspend(t);
		return;
	}
	if (sig == SIGCONT) {
		/* Stopped without a word (SIGSTOP): the shell may have reset
		 * the terminal and written on it meanwhile. */
		tui_continued(t);
		return;
	}
	if (t->signal == 0)
		t->signal = sig;
	if (sig == SIGHUP) {
		tui_terminal_gone(t);
		return;
	}
	tui_quit(t); /* the second one kills */
}

static void
tui_frame_due(struct loop *l, void *arg)
{
	struct tui *t = arg;

	t->frame_timer = NULL;
}

static void
tui_tick(struct loop *l, void *arg)
{
	struct tui *t = arg;
	bool stopping = false;
	size_t i;

	for (i = 0; i < super_count(t->s); i++) {
		enum proc_state st = proc_state(super_proc(t->s, i));

		/* A countdown on screen: SIGKILL, or the next restart. */
		stopping |= st == PROC_STOPPING || st == PROC_BACKOFF;
	}
	/* Countdowns show in pane titles too, and a message may expire. */
	if (stopping || (t->message[0] != '\0' && util_now_ms() < t->message_until_ms + 1000))
		t->dirty = true;
	/* The list's clocks move; a frame drawn since (a sample) showed them. */
	else if (util_now_ms() - t->last_frame_ms >= 900)
		t->dirty_list = true;
	/* A countdown is on screen: tick faster. */
	t->tick_timer = loop_timer_add(l, util_now_ms() + (stopping ? 100 : 1000), tui_tick, t);
}

static void
tui_idle(struct loop *l, void *arg)
{
	struct tui *t = arg;
	uint64_t now;

	if (t->quitting && super_all_ended(t->s)) {
		super_stop_all(t->s); /* what the ended ones left behind */
		if (super_all_ended(t->s)) {
			loop_break(l);
			return;
		}
	}
	if ((!t->dirty && !t->dirty_list) || t->term_dead)
		return;
	now = util_now_ms();
	if (now - t->last_frame_ms >= TUI_FRAME_MS) {
		if (t->dirty)
			draw_screen(t);
		else
			list_draw_again(t);
		refresh();
		t->last_frame_ms = now;
		t->dirty = t->dirty_list = false;
	} else if (t->frame_timer == NULL)
		t->frame_timer = loop_timer_add(l, t->last_frame_ms + TUI_FRAME_MS,
		    tui_frame_due, t);
}

int
tui_run(struct tui *t, struct loop *l, struct super *s)
{
	t->l = l;
	t->s = s;
	tui_super = s;
	loop_add_signal(l, SIGINT, tui_signal, t);
	loop_add_signal(l, SIGTERM, tui_signal, t);
	/* By default SIGQUIT kills brood alone and leaves the terminal raw:
	 * it quits like the others. */
	loop_add_signal(l, SIGQUIT, tui_signal, t);
	loop_add_signal(l, SIGHUP, tui_signal, t);
	loop_add_signal(l, SIGWINCH, tui_signal, t);
	loop_add_signal(l, SIGTSTP, tui_signal, t);
	loop_add_signal(l, SIGCONT, tui_signal, t);
	if (loop_add_fd(l, STDIN_FILENO, EPOLLIN, tui_input, t) == -1)
		util_fatal("cannot watch the terminal: %s", strerror(errno));
	loop_set_idle(l, tui_idle, t);
	t->tick_timer = loop_timer_add(l, util_now_ms() + 1000, tui_tick, t);
	super_start_all(s);
	loop_run(l);
	loop_set_idle(l, NULL, NULL);
	loop_timer_cancel(l, t->tick_timer);
	loop_timer_cancel(l, t->frame_timer);
	t->tick_timer = t->frame_timer = NULL;
	if (!t->term_dead)
		loop_del_fd(l, STDIN_FILENO);
	super_sweep(s, 2000);
	/* Even after a hangup: a SIGHUP may come from kill(1) with the
	 * terminal still there, and on a terminal that is really gone the
	 * writes fail with EIO and change nothing. */
	guard_tty_held(false);
	tui_paste_mode(false);
	endwin();
	tui_active = 0;
	tui_super = NULL;
	return t->signal != 0 ? 128 + t->signal : 0;
}


/*
 * tui.c: the dashboard: owns the terminal, turns keys into commands.
 *
 * The terminal is checked and taken over (newterm, raw mode) before any
 * child starts, and given back on every way out: quit, SIGTERM, SIGINT,
 * SIGQUIT, SIGHUP (the user is gone: nothing more is drawn, every child is
 * stopped as on quit), a fatal signal (an async-signal-safe handler writes
 * the saved reset sequence and restores the saved tty modes), and the
 * out-of-memory path (util_fatal's hook). It is lent back while brood is
 * suspended (Ctrl-Z, SIGTSTP) and taken again, redrawn, on SIGCONT.
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
#include <strings.h>
#include <wctype.h>
#include <string.h>
#include <sys/ioctl.h>
#include <term.h>
#include <unistd.h>

#include "scroll.h"
#include "status.h"
#include "tui-int.h"
#include "util.h"

static void tui_cmds_clear(struct tui *);
static void tui_key_prompt(struct tui *, int, wint_t);
static void tui_suspend(struct tui *);
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

/*
 * Bracketed paste. Every key is a command here, so a paste would be a
 * string of commands: a pasted "K" kills, "Q" quits. With the mode on, the
 * terminal marks a paste with ESC [200~ and ESC [201~ (terminfo's PS and
 * PE), which ncurses returns as two keys of ours: the text between goes to
 * the prompt being typed, or is dropped with a message. A paste whose end
 * mark never comes ends after TUI_PASTE_GAP_MS without a character, so a
 * lost mark cannot swallow the keys for good. The mode is turned off
 * wherever the terminal is given back, and by the reset of the fatal path.
 */
#define TUI_KEY_PASTE_BEGIN (KEY_MAX + 1)
#define TUI_KEY_PASTE_END (KEY_MAX + 2)
#define TUI_PASTE_GAP_MS 1000

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

static void
tui_paste_keys(void)
{
	const char *begin = tigetstr("PS"), *end = tigetstr("PE");

	if (begin == NULL || begin == (const char *)-1)
		begin = "\033[200~";
	if (end == NULL || end == (const char *)-1)
		end = "\033[201~";
	define_key(begin, TUI_KEY_PASTE_BEGIN);
	define_key(end, TUI_KEY_PASTE_END);
}

/* A key inside a paste, or a paste mark; false if it is neither and goes
 * the usual way. */
static bool
tui_paste_key(struct tui *t, int r, wint_t wch)
{
	uint64_t now = util_now_ms();
	bool typing = t->prompt == TUI_PROMPT_SEARCH || t->prompt == TUI_PROMPT_ADD;

	if (t->pasting && now - t->paste_ms > TUI_PASTE_GAP_MS)
		t->pasting = false;
	if (r == KEY_CODE_YES && wch == TUI_KEY_PASTE_BEGIN) {
		t->pasting = true;
		t->pasted = 0;
		t->paste_ms = now;
		return true;
	}
	if (r == KEY_CODE_YES && wch == TUI_KEY_PASTE_END) {
		if (t->pasting && t->pasted > 0)
			tui_message(t, "paste ignored (%zu characters): brood takes keys, not text; "
			    "paste into a prompt (/ or a)", t->pasted);
		t->pasting = false;
		return true;
	}
	if (!t->pasting)
		return false;
	t->paste_ms = now;
	if (!typing || r != OK) {
		t->pasted++;
		return true;
	}
	/* Lines run together in a one-line prompt; no pasted byte submits,
	 * erases or escapes. */
	if (wch == '\r' || wch == '\n' || wch == '\t')
		wch = ' ';
	if (wch >= 32 && wch != 127)
		tui_key_prompt(t, OK, wch);
	return true;
}

/* The dashboard's actions, by the names a config's keys: section uses, and
 * the key that does each by default. */
static const struct {
	const char *name;
	int r;
	wint_t wch;
} tui_actions[] = {
	{ "quit", OK, 'q' }, { "quit-now", OK, 'Q' }, { "help", OK, '?' },
	{ "up", KEY_CODE_YES, KEY_UP }, { "down", KEY_CODE_YES, KEY_DOWN },
	{ "focus", OK, '\t' }, { "zoom", OK, '\r' }, { "layout", OK, 'l' },
	{ "terminate", OK, 't' }, { "kill", OK, 'K' }, { "restart", OK, 'r' },
	{ "start", OK, 's' }, { "pause", OK, 'z' }, { "signal", OK, '!' },
	{ "filter", OK, 'e' }, { "search", OK, '/' }, { "next", OK, 'n' },
	{ "previous", OK, 'N' }, { "add", OK, 'a' }, { "remove", OK, 'd' },
	{ "clear", OK, 'c' }, { "details", OK, 'i' }, { "tree", OK, 'T' },
};

/* A key as written in a config ("x", "C-x", "F5", "Enter", "PgDn"...) as
 * what wget_wch returns for it; -1 if it names no key. */
static int
tui_parse_key(const char *s, int *r, wint_t *wch)
{
	static const struct { const char *name; int r; wint_t wch; } named[] = {
		{ "Enter", OK, '\r' }, { "Tab", OK, '\t' }, { "Esc", OK, 27 },
		{ "Space", OK, ' ' }, { "Backspace", KEY_CODE_YES, KEY_BACKSPACE },
		{ "Up", KEY_CODE_YES, KEY_UP }, { "Down", KEY_CODE_YES, KEY_DOWN },
		{ "Left", KEY_CODE_YES, KEY_LEFT }, { "Right", KEY_CODE_YES, KEY_RIGHT },
		{ "PgUp", KEY_CODE_YES, KEY_PPAGE }, { "PgDn", KEY_CODE_YES, KEY_NPAGE },
		{ "Home", KEY_CODE_YES, KEY_HOME }, { "End", KEY_CODE_YES, KEY_END },
		{ "Delete", KEY_CODE_YES, KEY_DC }, { "Insert", KEY_CODE_YES, KEY_IC },
	};
	wchar_t wc[2];
	size_t i;

	for (i = 0; i < sizeof named / sizeof named[0]; i++) {
		if (strcasecmp(s, named[i].name) == 0) {
			*r = named[i].r;
			*wch = named[i].wch;
			return 0;
		}
	}
	if ((s[0] == 'F' || s[0] == 'f') && s[1] >= '1' && s[1] <= '9') {
		int n = atoi(s + 1);

		if (n >= 1 && n <= 12 && strspn(s + 1, "0123456789") == strlen(s + 1)) {
			*r = KEY_CODE_YES;
			*wch = (wint_t)KEY_F(n);
			return 0;
		}
	}
	if ((s[0] == 'C' || s[0] == 'c') && s[1] == '-' && s[2] != '\0' && s[3] == '\0' &&
	    ((s[2] >= 'a' && s[2] <= 'z') || (s[2] >= 'A' && s[2] <= 'Z'))) {
		*r = OK;
		*wch = (wint_t)(s[2] & 0x1f);
		return 0;
	}
	/* One printable character, in the locale's encoding (UTF-8). */
	if (mbstowcs(wc, s, 2) == 1 && iswprint((wint_t)wc[0])) {
		*r = OK;
		*wch = (wint_t)wc[0];
		return 0;
	}
	return -1;
}

static int
tui_bindings(struct tui *t, const char *const *b, char **cause)
{
	size_t i, k;

	for (i = 0; b != NULL && b[i] != NULL && b[i + 1] != NULL; i += 2) {
		struct tui_remap m;

		for (k = 0; k < sizeof tui_actions / sizeof tui_actions[0] &&
		    strcmp(tui_actions[k].name, b[i]) != 0; k++)
			;
		if (k == sizeof tui_actions / sizeof tui_actions[0]) {
			*cause = xasprintf("keys: no action called '%s'", b[i]);
			return -1;
		}
		if (tui_parse_key(b[i + 1], &m.r, &m.wch) == -1) {
			*cause = xasprintf("keys.%s: '%s' is not a key (a character, C-x, F1-F12, "
			    "Enter, Tab, Esc, Space, Up, Down, PgUp, PgDn, Home, End...)", b[i], b[i + 1]);
			return -1;
		}
		m.to_r = tui_actions[k].r;
		m.to_wch = tui_actions[k].wch;
		t->remaps = xreallocarray(t->remaps, t->nremaps + 1, sizeof *t->remaps);
		t->remaps[t->nremaps++] = m;
	}
	return 0;
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
	    cause) == -1) || tui_bindings(t, opts->bindings, cause) == -1) {
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
	tui_paste_keys();
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

/* --- commands ------------------------------------------------------------ */

static bool
tui_any_live(struct tui *t)
{
	size_t i;

	for (i = 0; i < super_count(t->s); i++) {
		enum proc_state st = proc_state(super_proc(t->s, i));

		if (st == PROC_RUNNING || st == PROC_STARTING || st == PROC_STOPPING)
			return true;
	}
	return false;
}

static void
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

/* The view being scrolled: the merged one, or the selected pane's. */
static struct tui_view *
tui_scroll_target(struct tui *t, size_t *n, uint64_t *first)
{
	struct proc *p;
	struct scroll *sb;

	if (t->layout == TUI_MERGED) {
		*n = t->merged_count;
		*first = t->merged_seq - t->merged_count;
		return &t->merged_view;
	}
	p = tui_selected(t);
	if (p == NULL || (sb = proc_scroll(p)) == NULL)
		return NULL;
	*n = scroll_count(sb);
	*first = *n > 0 ? scroll_seq(sb, 0) : 0;
	return tui_view_of(t, p);
}

static size_t
tui_view_bottom(const struct tui_view *v, size_t n, uint64_t first)
{
	if (n == 0)
		return 0;
	if (v->follow || v->bottom_seq >= first + n)
		return n - 1;
	return v->bottom_seq < first ? 0 : (size_t)(v->bottom_seq - first);
}

/* Scroll by delta lines (negative: older); reaching the newest follows. */
static void
tui_scroll(struct tui *t, long delta)
{
	uint64_t first;
	size_t n, bottom;
	long to;
	struct tui_view *v = tui_scroll_target(t, &n, &first);

	if (v == NULL || n == 0)
		return;
	bottom = tui_view_bottom(v, n, first);
	to = (long)bottom + delta;
	if (to >= (long)n - 1 && delta > 0) {
		v->follow = true;
		t->dirty = true;
		return;
	}
	if (to < 0)
		to = 0;
	if (to > (long)n - 1)
		to = (long)n - 1;
	v->follow = false;
	v->bottom_seq = first + (uint64_t)to;
	t->dirty = true;
}

static int
tui_page(struct tui *t)
{
	int h = LINES - 2 - (t->zoom ? 0 : t->list_h);
	size_t i;

	for (i = 0; i < t->nhits; i++) {
		if (t->hits[i].proc == t->sel && t->layout == TUI_TILED && !t->zoom)
			h = t->hits[i].h - 1;
	}
	return h > 1 ? h - 1 : 1;
}

/* Text of item idx of the scrolled source into t->scratch; false if gone. */
static bool
tui_item_text(struct tui *t, size_t idx, const char **text)
{
	struct scroll *sb;
	struct line l;

	if (t->layout == TUI_MERGED) {
		struct proc *p;

		if (!draw_merged_line(t, idx, &p, &l))
			return false;
	} else {
		struct proc *p = tui_selected(t);

		if (p == NULL || (sb = proc_scroll(p)) == NULL || !scroll_get(sb, idx, &l))
			return false;
	}
	if (t->scratch_cap < l.len + 1) {
		t->scratch_cap = l.len + 1;
		t->scratch = xrealloc(t->scratch, t->scratch_cap);
	}
	memcpy(t->scratch, l.text, l.len);
	t->scratch[l.len] = '\0';
	*text = t->scratch;
	return true;
}

/* Move to the next match in direction dir (-1 older, +1 newer), starting
 * at the bottom line itself when inclusive. */
static void
tui_search_step(struct tui *t, int dir, bool inclusive)
{
	uint64_t first;
	size_t n, bottom;
	long idx;
	struct tui_view *v = tui_scroll_target(t, &n, &first);

	if (!t->search_on) {
		tui_message(t, "no search yet: / starts one");
		return;
	}
	if (v == NULL || n == 0) {
		tui_message(t, "search: nothing to search");
		return;
	}
	bottom = tui_view_bottom(v, n, first);
	for (idx = (long)bottom + (inclusive ? 0 : dir); idx >= 0 && idx < (long)n; idx += dir) {
		const char *text;

		if (!tui_item_text(t, (size_t)idx, &text))
			continue;
		if (regexec(&t->search_re, text, 0, NULL, 0) == 0) {
			v->follow = false;
			v->bottom_seq = first + (uint64_t)idx;
			t->dirty = true;
			return;
		}
	}
	tui_message(t, "search: no %s match for '%s'", dir < 0 ? "older" : "newer",
	    t->search_text);
}

static void
tui_search_submit(struct tui *t, const char *text)
{
	int flags = REG_EXTENDED | REG_NEWLINE, rc;
	const char *c;
	char err[128];

	if (*text == '\0') {
		if (t->search_on)
			regfree(&t->search_re);
		t->search_on = false;
		t->dirty = true;
		return;
	}
	/* Smart case: all lower case matches either case. */
	for (c = text; *c != '\0' && !(*c >= 'A' && *c <= 'Z'); c++)
		;
	if (*c == '\0')
		flags |= REG_ICASE;
	if (t->search_on)
		regfree(&t->search_re);
	t->search_on = false;
	rc = regcomp(&t->search_re, text, flags);
	if (rc != 0) {
		regerror(rc, &t->search_re, err, sizeof err);
		regfree(&t->search_re);
		tui_message(t, "search: %s", err);
		return;
	}
	t->search_on = true;
	snprintf(t->search_text, sizeof t->search_text, "%s", text);
	tui_search_step(t, -1, true);
}

/* Read the options that may lead an added command, as on the command
 * line: --name N, --cwd DIR, --env NAME=VALUE, --restart POLICY,
 * --max-restarts N, --timeout SECS, then an optional "--". Returns where
 * the command starts, or NULL with *err set. Words are split on blanks
 * and the strings point into buf (modified). */
static char *
tui_add_options(char *buf, struct proc_spec *spec, char **env, size_t env_max,
    const char **err)
{
	char *p = buf, *opt, *val;
	size_t nenv = 0;

	for (;;) {
		p += strspn(p, " \t");
		if (strncmp(p, "--", 2) != 0)
			return p;
		opt = p;
		p += strcspn(p, " \t");
		if (*p != '\0')
			*p++ = '\0';
		if (strcmp(opt, "--") == 0)
			return p + strspn(p, " \t");
		p += strspn(p, " \t");
		val = p;
		p += strcspn(p, " \t");
		if (*p != '\0')
			*p++ = '\0';
		if (*val == '\0') {
			*err = "an option needs a value";
			return NULL;
		}
		if (strcmp(opt, "--name") == 0)
			spec->name = val;
		else if (strcmp(opt, "--cwd") == 0)
			spec->cwd = val;
		else if (strcmp(opt, "--env") == 0 && strchr(val, '=') != NULL && nenv + 1 < env_max) {
			env[nenv++] = val;
			env[nenv] = NULL;
			spec->env = env;
		} else if (strcmp(opt, "--restart") == 0 && strcmp(val, "no") == 0)
			spec->restart = PROC_RESTART_NO;
		else if (strcmp(opt, "--restart") == 0 && strcmp(val, "on-failure") == 0)
			spec->restart = PROC_RESTART_ON_FAILURE;
		else if (strcmp(opt, "--restart") == 0 && strcmp(val, "always") == 0)
			spec->restart = PROC_RESTART_ALWAYS;
		else if (strcmp(opt, "--max-restarts") == 0 && atoi(val) > 0)
			spec->max_restarts = (unsigned)atoi(val);
		else if (strcmp(opt, "--timeout") == 0 && atof(val) > 0)
			spec->timeout_ms = (uint64_t)(atof(val) * 1000);
		else {
			*err = "options: --name, --cwd, --env NAME=VALUE, --restart no|on-failure|always, "
			    "--max-restarts N, --timeout SECS, then --";
			return NULL;
		}
	}
}

static void
tui_add_submit(struct tui *t, const char *text)
{
	struct proc_spec spec = { 0 };
	char *cause = NULL, *name, *buf = xstrdup(text), *env[17] = { NULL };
	const char *err = NULL;
	struct proc *p;

	spec.cmd = tui_add_options(buf, &spec, env, sizeof env / sizeof env[0], &err);
	if (spec.cmd == NULL) {
		tui_message(t, "cannot add: %s", err);
		free(buf);
		return;
	}
	if (spec.cmd[strspn(spec.cmd, " \t")] == '\0') {
		free(buf);
		return;
	}
	p = super_add(t->s, &spec, &cause);
	free(buf);
	if (p == NULL) {
		tui_message(t, "cannot add: %s", cause);
		free(cause);
		return;
	}
	t->sel = super_count(t->s) - 1;
	proc_start(p);
	name = line_sanitize(proc_name(p));
	tui_message(t, "added %s", name);
	free(name);
}

static void
tui_remove(struct tui *t)
{
	struct proc *p = tui_selected(t);
	char *name;
	size_t i;

	if (p == NULL)
		return;
	name = line_sanitize(proc_name(p));
	for (i = 0; i < t->nviews && t->views[i].p != p; i++)
		;
	if (super_remove(t->s, p) == -1) {
		tui_message(t, "%s is still running: stop it first (t or K)", name);
		free(name);
		return;
	}
	/* A new process may get the freed one's address. */
	t->line_p = NULL;
	if (i < t->nviews) {
		free(t->views[i].name);
		t->views[i] = t->views[--t->nviews];
	}
	tui_message(t, "removed %s", name);
	free(name);
	if (t->sel > 0 && t->sel >= super_count(t->s))
		t->sel--;
}

/* Convert the prompt's wide text to UTF-8 for the core. */
static void
tui_prompt_text(struct tui *t, char *buf, size_t len)
{
	size_t k;

	t->prompt_buf[t->prompt_len] = L'\0';
	k = wcstombs(buf, t->prompt_buf, len - 1);
	if (k == (size_t)-1)
		k = 0;
	buf[k] = '\0';
}

static void
tui_key_prompt(struct tui *t, int r, wint_t wch)
{
	char text[TUI_PROMPT_MAX * 4];
	bool enter = (r == OK && (wch == L'\r' || wch == L'\n')) ||
	    (r == KEY_CODE_YES && wch == KEY_ENTER);

	if (r == OK && wch == 27) {
		t->prompt = TUI_PROMPT_NONE;
	} else if (enter) {
		enum tui_prompt which = t->prompt;

		tui_prompt_text(t, text, sizeof text);
		t->prompt = TUI_PROMPT_NONE;
		if (which == TUI_PROMPT_SEARCH)
			tui_search_submit(t, text);
		else
			tui_add_submit(t, text);
	} else if ((r == KEY_CODE_YES && wch == KEY_BACKSPACE) ||
	    (r == OK && (wch == 127 || wch == 8))) {
		if (t->prompt_len > 0)
			t->prompt_len--;
	} else if (r == OK && wch == 21) {
		t->prompt_len = 0;
	} else if (r == OK && wch >= 32 && wch != 127 && t->prompt_len < TUI_PROMPT_MAX - 1) {
		t->prompt_buf[t->prompt_len++] = (wchar_t)wch;
	}
	t->prompt_buf[t->prompt_len] = L'\0';
	t->dirty = true;
}

static void
tui_key_menu(struct tui *t, int r, wint_t wch)
{
	size_t n;

	for (n = 0; tui_signal_menu[n] != 0; n++)
		;
	if ((r == KEY_CODE_YES && wch == KEY_UP) || (r == OK && wch == 'k')) {
		if (t->menu_sel > 0)
			t->menu_sel--;
	} else if ((r == KEY_CODE_YES && wch == KEY_DOWN) || (r == OK && wch == 'j')) {
		if (t->menu_sel + 1 < n)
			t->menu_sel++;
	} else if ((r == OK && (wch == L'\r' || wch == L'\n')) ||
	    (r == KEY_CODE_YES && wch == KEY_ENTER)) {
		struct proc *p = tui_selected(t);
		int sig = tui_signal_menu[t->menu_sel];

		t->prompt = TUI_PROMPT_NONE;
		if (p != NULL) {
			char *name = line_sanitize(proc_name(p));

			if (proc_signal(p, sig) == 0)
				tui_message(t, "sent %s to %s", status_signame(sig), name);
			else
				tui_message(t, "%s: %s", name, strerror(errno));
			free(name);
		}
	} else if (r == OK && (wch == 27 || wch == 'q')) {
		t->prompt = TUI_PROMPT_NONE;
	}
	t->dirty = true;
}

static void
tui_select(struct tui *t, long delta)
{
	long n = (long)super_count(t->s), to = (long)t->sel + delta;

	if (n == 0)
		return;
	if (to < 0)
		to = 0;
	if (to >= n)
		to = n - 1;
	t->sel = (size_t)to;
	t->dirty = true;
}

static void
tui_mouse(struct tui *t)
{
	MEVENT me;
	size_t i;

	if (getmouse(&me) != OK)
		return;
	if (me.bstate & BUTTON4_PRESSED) {
		tui_scroll(t, -3);
		return;
	}
	if (me.bstate & BUTTON5_PRESSED) {
		tui_scroll(t, 3);
		return;
	}
	if (!(me.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)))
		return;
	if (me.y > t->list_y && me.y < t->list_y + t->list_h) {
		size_t row = t->list_top + (size_t)(me.y - t->list_y - 1);

		if (row < super_count(t->s)) {
			t->sel = row;
			t->focus = TUI_FOCUS_LIST;
		}
	}
	for (i = 0; i < t->nhits; i++) {
		const struct tui_hit *h = &t->hits[i];

		if (me.y >= h->y && me.y < h->y + h->h && me.x >= h->x && me.x < h->x + h->w) {
			t->sel = h->proc;
			t->focus = TUI_FOCUS_OUTPUT;
		}
	}
	t->dirty = true;
}

static void
tui_command(struct tui *t, wint_t ch)
{
	struct proc *p = tui_selected(t);

	switch (ch) {
	case 'q':
	case 3: /* Ctrl-C: raw mode makes it a key */
		if (t->quitting || !tui_any_live(t))
			tui_quit(t);
		else
			t->prompt = TUI_PROMPT_QUIT;
		break;
	case 'Q':
		tui_quit(t);
		break;
	case '?':
		t->help = true;
		t->help_top = 0;
		break;
	case 'i':
		t->detail = !t->detail;
		break;
	case 'T':
		t->leader_figures = !t->leader_figures;
		tui_message(t, t->leader_figures ? "CPU and MEM: the leader process alone" :
		    "CPU and MEM: the whole process tree");
		break;
	case 27: /* Esc */
		t->detail = false;
		break;
	case 'j':
		tui_select(t, 1);
		break;
	case 'k':
		tui_select(t, -1);
		break;
	case '\t':
		t->focus = t->focus == TUI_FOCUS_LIST ? TUI_FOCUS_OUTPUT : TUI_FOCUS_LIST;
		break;
	case '\r':
	case '\n':
		t->zoom = !t->zoom;
		break;
	case 'l':
		t->layout = (enum tui_layout)((t->layout + 1) % TUI_LAYOUT_COUNT);
		break;
	case 'e':
		t->filter = (enum tui_filter)((t->filter + 1) % 3);
		break;
	case '/':
		t->prompt = TUI_PROMPT_SEARCH;
		t->prompt_len = 0;
		break;
	case 'n':
		tui_search_step(t, -1, false);
		break;
	case 'N':
		tui_search_step(t, 1, false);
		break;
	case 'a':
		t->prompt = TUI_PROMPT_ADD;
		t->prompt_len = 0;
		break;
	case 'd':
		tui_remove(t);
		break;
	case 26: /* Ctrl-Z: raw mode makes it a key */
		tui_suspend(t);
		break;
	default:
		if (p == NULL || t->quitting)
			break;
		switch (ch) {
		case 't':
			proc_terminate(p);
			break;
		case 'K':
			proc_kill(p);
			break;
		case 'r':
			proc_restart(p);
			break;
		case 's':
			proc_start(p);
			break;
		case 'z':
			if (proc_paused(p))
				proc_resume(p);
			else
				proc_pause(p);
			break;
		case '!':
			t->prompt = TUI_PROMPT_SIGNAL;
			t->menu_sel = 6; /* SIGTERM */
			break;
		case 'c':
			if (proc_scroll(p) != NULL)
				scroll_clear(proc_scroll(p));
			tui_view_of(t, p)->follow = true;
			break;
		}
	}
	t->dirty = true;
}

static void
tui_key(struct tui *t, int r, wint_t wch)
{
	size_t i;

	if (tui_paste_key(t, r, wch))
		return;
	/* A key the config added to an action does what the action's own key
	 * does; not while text is being typed into a prompt. */
	if (t->prompt != TUI_PROMPT_SEARCH && t->prompt != TUI_PROMPT_ADD) {
		for (i = 0; i < t->nremaps; i++) {
			if (t->remaps[i].r == r && t->remaps[i].wch == wch) {
				r = t->remaps[i].to_r;
				wch = t->remaps[i].to_wch;
				break;
			}
		}
	}
	if (t->help) {
		/* Up and down scroll a help taller than the screen (draw_box
		 * keeps the first line in range); any other key closes it. */
		if (!t->help_clipped)
			t->help = false;
		else if ((r == KEY_CODE_YES && wch == KEY_UP) || (r == OK && wch == 'k'))
			t->help_top -= t->help_top > 0;
		else if ((r == KEY_CODE_YES && wch == KEY_DOWN) || (r == OK && wch == 'j'))
			t->help_top++;
		else if (r == KEY_CODE_YES && wch == KEY_PPAGE)
			t->help_top -= t->help_top > 10 ? 10 : t->help_top;
		else if (r == KEY_CODE_YES && wch == KEY_NPAGE)
			t->help_top += 10;
		else
			t->help = false;
		t->dirty = true;
		return;
	}
	if (t->prompt == TUI_PROMPT_SEARCH || t->prompt == TUI_PROMPT_ADD) {
		tui_key_prompt(t, r, wch);
		return;
	}
	if (t->prompt == TUI_PROMPT_SIGNAL) {
		tui_key_menu(t, r, wch);
		return;
	}
	if (t->prompt == TUI_PROMPT_QUIT) {
		t->prompt = TUI_PROMPT_NONE;
		t->dirty = true;
		/* Pressing the quit key again means yes; so does Ctrl-C again
		 * (3): someone hammering it wants out, not the prompt gone. */
		if (r == OK && (wch == 'y' || wch == 'Y' || wch == 'q' || wch == 3))
			tui_quit(t);
		return;
	}
	if (r == OK) {
		tui_command(t, wch);
		return;
	}
	switch (wch) {
	case KEY_UP:
		if (t->focus == TUI_FOCUS_OUTPUT)
			tui_scroll(t, -1);
		else
			tui_select(t, -1);
		break;
	case KEY_DOWN:
		if (t->focus == TUI_FOCUS_OUTPUT)
			tui_scroll(t, 1);
		else
			tui_select(t, 1);
		break;
	case KEY_PPAGE:
		tui_scroll(t, -tui_page(t));
		break;
	case KEY_NPAGE:
		tui_scroll(t, tui_page(t));
		break;
	case KEY_HOME:
		tui_scroll(t, -(long)(1L << 30));
		tui_scroll(t, tui_page(t));
		break;
	case KEY_END: {
		uint64_t first;
		size_t n;
		struct tui_view *v = tui_scroll_target(t, &n, &first);

		if (v != NULL)
			v->follow = true;
		break;
	}
	case KEY_ENTER:
		t->zoom = !t->zoom;
		break;
	case KEY_MOUSE:
		tui_mouse(t);
		break;
	default:
		break;
	}
	t->dirty = true;
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
		tui_key(t, r, wch);
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
static void
tui_suspend(struct tui *t)
{
	sigset_t tstp;

	if (t->term_dead)
		return;
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
			draw_list_again(t);
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
	tui_paste_mode(false);
	endwin();
	tui_active = 0;
	tui_super = NULL;
	return t->signal != 0 ? 128 + t->signal : 0;
}

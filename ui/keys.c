/*
 * keys.c: what a key does.
 *
 * Every key is a command; only the two prompts (/ search, a add) take
 * text. A key read from the terminal (tui.c) goes through, in order:
 *
 *   paste        between the marks of a bracketed paste: text for a prompt
 *   remaps       a key the config added to an action: that action's own key
 *   help         Up, Down and the page keys scroll a help taller than
 *                the screen; any other key closes it
 *   prompt       search or add: the line is edited; Enter submits, Esc leaves
 *   signal menu  a signal for the selected process
 *   quit prompt  y, q or Ctrl-C again quits; any other key stays
 *   commands     one character each; arrows, pages, Home, End and the
 *                mouse select or scroll (view.c)
 *
 * A binding adds a key to an action and takes none away; it is not applied
 * while a prompt takes text, so a binding never eats a letter being typed.
 * Commands for one process act on the selected one, and none is given
 * while brood quits, so nothing restarts what the quit is stopping. A key
 * only changes state and marks the screen dirty: the loop (tui.c) draws.
 *
 * Bracketed paste. Every key is a command here, so a paste would be a
 * string of commands: a pasted "K" kills, "Q" quits. With the mode on, the
 * terminal marks a paste with ESC [200~ and ESC [201~ (terminfo's PS and
 * PE), which ncurses returns as two keys of ours: the text between goes to
 * the prompt being typed, or is dropped with a message. A paste whose end
 * mark never comes ends after KEYS_PASTE_GAP_MS without a character, so a
 * lost mark cannot swallow the keys for good. tui.c, which owns the
 * terminal, turns the mode on, and off wherever the terminal is given
 * back; the reset of the fatal path turns it off too.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <term.h>
#include <wctype.h>

#include "scroll.h"
#include "status.h"
#include "tui-int.h"
#include "util.h"

#define KEYS_PASTE_BEGIN (KEY_MAX + 1)
#define KEYS_PASTE_END (KEY_MAX + 2)
#define KEYS_PASTE_GAP_MS 1000

static void keys_prompt(struct tui *, int, wint_t);

/* The dashboard's actions, by the names a config's keys: section uses, and
 * the key that does each by default. */
static const struct {
	const char *name;
	int r;
	wint_t wch;
} keys_actions[] = {
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
keys_parse(const char *s, int *r, wint_t *wch)
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

int
keys_bind(struct tui *t, const char *const *b, char **cause)
{
	size_t i, k;

	for (i = 0; b != NULL && b[i] != NULL && b[i + 1] != NULL; i += 2) {
		struct tui_remap m;

		for (k = 0; k < sizeof keys_actions / sizeof keys_actions[0] &&
		    strcmp(keys_actions[k].name, b[i]) != 0; k++)
			;
		if (k == sizeof keys_actions / sizeof keys_actions[0]) {
			*cause = xasprintf("keys: no action called '%s'", b[i]);
			return -1;
		}
		if (keys_parse(b[i + 1], &m.r, &m.wch) == -1) {
			*cause = xasprintf("keys.%s: '%s' is not a key (a character, C-x, F1-F12, "
			    "Enter, Tab, Esc, Space, Up, Down, PgUp, PgDn, Home, End...)", b[i], b[i + 1]);
			return -1;
		}
		m.to_r = keys_actions[k].r;
		m.to_wch = keys_actions[k].wch;
		t->remaps = xreallocarray(t->remaps, t->nremaps + 1, sizeof *t->remaps);
		t->remaps[t->nremaps++] = m;
	}
	return 0;
}

void
keys_paste_define(void)
{
	const char *begin = tigetstr("PS"), *end = tigetstr("PE");

	if (begin == NULL || begin == (const char *)-1)
		begin = "\033[200~";
	if (end == NULL || end == (const char *)-1)
		end = "\033[201~";
	define_key(begin, KEYS_PASTE_BEGIN);
	define_key(end, KEYS_PASTE_END);
}

/* A key inside a paste, or a paste mark; false if it is neither and goes
 * the usual way. */
static bool
keys_paste(struct tui *t, int r, wint_t wch)
{
	uint64_t now = util_now_ms();
	bool typing = t->prompt == TUI_PROMPT_SEARCH || t->prompt == TUI_PROMPT_ADD;

	if (t->pasting && now - t->paste_ms > KEYS_PASTE_GAP_MS)
		t->pasting = false;
	if (r == KEY_CODE_YES && wch == KEYS_PASTE_BEGIN) {
		t->pasting = true;
		t->pasted = 0;
		t->paste_ms = now;
		return true;
	}
	if (r == KEY_CODE_YES && wch == KEYS_PASTE_END) {
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
		keys_prompt(t, OK, wch);
	return true;
}

/* Whether a child is starting, running or stopping: then q asks first. */
static bool
keys_any_live(struct tui *t)
{
	size_t i;

	for (i = 0; i < super_count(t->s); i++) {
		enum proc_state st = proc_state(super_proc(t->s, i));

		if (st == PROC_RUNNING || st == PROC_STARTING || st == PROC_STOPPING)
			return true;
	}
	return false;
}

/* Read the options that may lead an added command, as on the command
 * line: --name N, --cwd DIR, --env NAME=VALUE, --restart POLICY,
 * --max-restarts N, --timeout SECS, then an optional "--". Returns where
 * the command starts, or NULL with *err set. Words are split on blanks
 * and the strings point into buf (modified). */
static char *
keys_add_options(char *buf, struct proc_spec *spec, char **env, size_t env_max,
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
keys_add(struct tui *t, const char *text)
{
	struct proc_spec spec = { 0 };
	char *cause = NULL, *name, *buf = xstrdup(text), *env[17] = { NULL };
	const char *err = NULL;
	struct proc *p;

	spec.cmd = keys_add_options(buf, &spec, env, sizeof env / sizeof env[0], &err);
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
keys_remove(struct tui *t)
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
keys_prompt_text(struct tui *t, char *buf, size_t len)
{
	size_t k;

	t->prompt_buf[t->prompt_len] = L'\0';
	k = wcstombs(buf, t->prompt_buf, len - 1);
	if (k == (size_t)-1)
		k = 0;
	buf[k] = '\0';
}

static void
keys_prompt(struct tui *t, int r, wint_t wch)
{
	char text[TUI_PROMPT_MAX * 4];
	bool enter = (r == OK && (wch == L'\r' || wch == L'\n')) ||
	    (r == KEY_CODE_YES && wch == KEY_ENTER);

	if (r == OK && wch == 27) {
		t->prompt = TUI_PROMPT_NONE;
	} else if (enter) {
		enum tui_prompt which = t->prompt;

		keys_prompt_text(t, text, sizeof text);
		t->prompt = TUI_PROMPT_NONE;
		if (which == TUI_PROMPT_SEARCH)
			view_search(t, text);
		else
			keys_add(t, text);
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
keys_menu(struct tui *t, int r, wint_t wch)
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
keys_select(struct tui *t, long delta)
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
keys_mouse(struct tui *t)
{
	MEVENT me;
	size_t i;

	if (getmouse(&me) != OK)
		return;
	if (me.bstate & BUTTON4_PRESSED) {
		view_scroll(t, -3);
		return;
	}
	if (me.bstate & BUTTON5_PRESSED) {
		view_scroll(t, 3);
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
keys_command(struct tui *t, wint_t ch)
{
	struct proc *p = tui_selected(t);

	switch (ch) {
	case 'q':
	case 3: /* Ctrl-C: raw mode makes it a key */
		if (t->quitting || !keys_any_live(t))
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
		keys_select(t, 1);
		break;
	case 'k':
		keys_select(t, -1);
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
		view_search_step(t, -1, false);
		break;
	case 'N':
		view_search_step(t, 1, false);
		break;
	case 'a':
		t->prompt = TUI_PROMPT_ADD;
		t->prompt_len = 0;
		break;
	case 'd':
		keys_remove(t);
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

void
keys_handle(struct tui *t, int r, wint_t wch)
{
	size_t i;

	if (keys_paste(t, r, wch))
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
		keys_prompt(t, r, wch);
		return;
	}
	if (t->prompt == TUI_PROMPT_SIGNAL) {
		keys_menu(t, r, wch);
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
		keys_command(t, wch);
		return;
	}
	switch (wch) {
	case KEY_UP:
		if (t->focus == TUI_FOCUS_OUTPUT)
			view_scroll(t, -1);
		else
			keys_select(t, -1);
		break;
	case KEY_DOWN:
		if (t->focus == TUI_FOCUS_OUTPUT)
			view_scroll(t, 1);
		else
			keys_select(t, 1);
		break;
	case KEY_PPAGE:
		view_scroll(t, -view_page(t));
		break;
	case KEY_NPAGE:
		view_scroll(t, view_page(t));
		break;
	case KEY_HOME:
		view_scroll(t, -(long)(1L << 30));
		view_scroll(t, view_page(t));
		break;
	case KEY_END:
		view_follow(t);
		break;
	case KEY_ENTER:
		t->zoom = !t->zoom;
		break;
	case KEY_MOUSE:
		keys_mouse(t);
		break;
	default:
		break;
	}
	t->dirty = true;
}

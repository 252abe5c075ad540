/*
 * tui-int.h: the dashboard's state, shared by the files of ui/ that draw
 * it (draw.c, detail.c), paint it (paint.c), run it (tui.c), turn keys
 * into commands (keys.c) and scroll it (view.c).
 */
#ifndef BROOD_TUI_INT_H
#define BROOD_TUI_INT_H

#include <curses.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <termios.h>
#include <wchar.h>

#include "line.h"
#include "loop.h"
#include "super.h"
#include "theme.h"
#include "tui.h"

#define TUI_FRAME_MS 16           /* at most about 60 frames a second */
#define TUI_MERGED_MAX 10000      /* lines the merged view remembers */
#define TUI_PROMPT_MAX 1024

enum tui_layout { TUI_SINGLE, TUI_TILED, TUI_MERGED, TUI_LAYOUT_COUNT };
enum tui_focus { TUI_FOCUS_LIST, TUI_FOCUS_OUTPUT };
enum tui_filter { TUI_BOTH, TUI_STDOUT, TUI_STDERR };
enum tui_prompt { TUI_PROMPT_NONE, TUI_PROMPT_SEARCH, TUI_PROMPT_ADD,
	TUI_PROMPT_QUIT, TUI_PROMPT_SIGNAL };

/* What the user sees of one process's output: where it is scrolled to. */
struct tui_view {
	struct proc *p;
	uint32_t uid;             /* never reused, unlike a freed proc's address */
	char *name;               /* the process's name, sanitized */
	int name_cols;
	bool follow;              /* stick to the newest line */
	uint64_t bottom_seq;      /* the line at the bottom when not following */
};

struct tui_merged {
	uint32_t uid;
	uint64_t seq;
};

/* Colour pairs are made on demand for each (fg, bg) the screen needs. */
struct paint {
	int ncolors;              /* 0 (no colour), 8, 16, 88, 256 */
	int pair_limit;
	int next_pair;
	struct paint_slot {
		uint32_t fg, bg;
		int pair;
	} *slots;                 /* open addressing, PAINT_SLOTS */
};

struct tui_cell {
	wchar_t wc[CCHARW_MAX];   /* a base character and its combining marks */
	uint8_t nwc;
	uint8_t width;            /* 1 or 2 columns */
	attr_t attr;
	int pair;
};

struct tui {
	struct tui_opts opts;
	struct loop *l;
	struct super *s;
	SCREEN *screen;
	struct theme theme;
	struct paint paint;
	bool utf8;
	bool term_dead;           /* SIGHUP or EIO: never draw again */

	struct tui_view *views;
	size_t nviews;
	uint32_t next_uid;
	size_t sel;
	size_t list_top;          /* first process row shown */
	enum tui_focus focus;
	enum tui_layout layout;
	bool zoom;
	enum tui_filter filter;
	bool help;
	size_t help_top;          /* its first line shown, when it does not fit */
	bool help_clipped;        /* it does not: Up and Down scroll it */
	bool pasting;             /* between the marks of a bracketed paste */
	size_t pasted;            /* characters of it dropped */
	uint64_t paste_ms;        /* when the last of it came */
	bool detail;              /* the selected process's detail view */
	bool leader_figures;      /* CPU and MEM of the leader alone, not the tree */

	struct proc *line_p;      /* the last process a line came from ... */
	uint32_t line_uid;        /* ... and its view's uid */
	struct tui_merged *merged;
	size_t merged_first;
	size_t merged_count;
	struct tui_view merged_view; /* bottom_seq counts merged entries */
	uint64_t merged_seq;      /* entries ever added */

	bool search_on;
	regex_t search_re;
	char search_text[TUI_PROMPT_MAX * 4];

	enum tui_prompt prompt;
	wchar_t prompt_buf[TUI_PROMPT_MAX];
	size_t prompt_len;
	size_t menu_sel;

	char message[256];
	uint64_t message_until_ms;

	bool dirty;               /* redraw the whole screen */
	bool dirty_list;          /* only the list's figures and clocks moved */
	int list_lines, list_cols;/* the screen size the list was last laid out for */
	uint64_t last_frame_ms;
	struct loop_timer *frame_timer;
	struct loop_timer *tick_timer;

	bool quitting;
	int signal;               /* the first stop signal brood was sent */
	int signals;

	struct tui_cell *cells;   /* scratch for one line */
	size_t ncells_cap;
	int wrap_indent;          /* columns of the line's prefix (gutter, name) */
	char *scratch;
	size_t scratch_cap;

	/* Command lines of the detail view's tree, read once per sample. */
	struct tui_cmd {
		pid_t pid;
		char *text;           /* sanitized */
	} *cmds;
	size_t ncmds;

	/* Keys the user added to actions: key -> the action's own key. */
	struct tui_remap {
		int r;
		wint_t wch;
		int to_r;
		wint_t to_wch;
	} *remaps;
	size_t nremaps;

	/* Where each pane was drawn, for mouse clicks. */
	struct tui_hit {
		int y, x, h, w;
		size_t proc;
	} *hits;
	size_t nhits;
	int list_y, list_h;
};

/* paint.c */
void paint_init(struct paint *pt, bool color);
void paint_free(struct paint *pt);
/* The curses attribute and pair for a style (theme role or child SGR). */
attr_t paint_attr(struct paint *pt, uint32_t fg, uint32_t bg, uint16_t flags, int *pair);
attr_t paint_role(struct tui *t, enum theme_role role, int *pair);

/* draw.c */
void draw_screen(struct tui *t);

/* Write text clipped to w columns at (y, x) in a style; columns used. */
int draw_text(struct tui *t, int y, int x, int w, const char *s, attr_t attr, int pair);

/* Fill a row segment with blanks in a style. */
void draw_fill(int y, int x, int w, attr_t attr, int pair);

/* Columns text takes on screen. */
size_t draw_width(struct tui *t, const char *text);

/* One character for a level 0..8: a block, or its ASCII stand-in. */
const char *draw_level(const struct tui *t, int level, char ascii[2]);

/* detail.c: the detail view of the selected process, in rows y..y+h-1. */
void detail_draw(struct tui *t, int y, int h);

/* list.c: the process list. */
/* Draw it in rows y..y+h-1 (the header first). */
void list_draw(struct tui *t, int y, int h);
/* Redraw the process list alone, over the last frame, when nothing else
 * can have changed; else the whole screen. */
void list_draw_again(struct tui *t);
/* The state as the list shows it, and the role that colours it. */
enum theme_role list_state(struct proc *p, char *buf, size_t len);
/* The width of the NAME column: the widest name, 4 to 24 columns. */
size_t list_name_width(struct tui *t);

/* The view of process i (created on demand). */
struct tui_view *tui_view_of(struct tui *t, struct proc *p);
/* Entry idx of the merged list: its process and line; false if gone. */
bool draw_merged_line(struct tui *t, size_t idx, struct proc **p, struct line *l);

/* The signals the '!' menu offers, 0-terminated (draw.c). */
extern const int tui_signal_menu[];

/* tui.c */
/* Show a message in the status bar for a few seconds (printf format). */
void tui_message(struct tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The selected process (the selection kept in range), NULL if there is none. */
struct proc *tui_selected(struct tui *t);
/* The sanitized command line of pid, cached until the next sample. */
const char *tui_cmdline(struct tui *t, pid_t pid);
/* Stop every child and leave once they are over; the second time, kill them. */
void tui_quit(struct tui *t);
/* Give the terminal back and stop brood (Ctrl-Z) until it is continued,
 * then take the terminal again and redraw; nothing once it is gone. */
void tui_suspend(struct tui *t);

/* keys.c */
/* Add the config's bindings ("action", "key" pairs, NULL-terminated) to the
 * actions; -1 with *cause (allocated) for an unknown action or key. Needs
 * no terminal: called before it is taken. */
int keys_bind(struct tui *t, const char *const *bindings, char **cause);
/* Make the terminal's bracketed paste marks keys of ours (after newterm). */
void keys_paste_define(void);
/* Do what one key means (r and wch as wget_wch returns them). */
void keys_handle(struct tui *t, int r, wint_t wch);

/* view.c: the view being scrolled is the merged one, or the selected pane's. */
/* Where v's bottom line is, as an index into n items of which the first
 * has sequence number first: the last while it follows the tail. */
size_t view_bottom(const struct tui_view *v, size_t n, uint64_t first);
/* Scroll it by delta lines (negative: older); reaching the newest follows. */
void view_scroll(struct tui *t, long delta);
/* Make it follow the newest line. */
void view_follow(struct tui *t);
/* How many lines a page scroll moves in the current layout (at least 1). */
int view_page(struct tui *t);
/* Set the search pattern (an empty one clears it) and show the newest
 * match at or above the bottom line; a bad pattern is a message. */
void view_search(struct tui *t, const char *text);
/* Move to the next match in direction dir (-1 older, +1 newer), starting at
 * the bottom line itself when inclusive; a message when there is none. */
void view_search_step(struct tui *t, int dir, bool inclusive);

#endif

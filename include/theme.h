/*
 * theme.h: colours for semantic roles, read from theme files.
 *
 * A theme names a style (foreground, background, attributes) for each role
 * the dashboard draws: the selection, stderr lines, an exited process, the
 * status bar... The front end maps styles to what the terminal can show
 * (256, 8 or no colours). No curses here: a theme is data.
 *
 * File format, one role a line; '#' starts a comment:
 *
 *     name = light
 *     selection = black on cyan bold
 *     stderr = red
 *     status = bright-white on #303030
 *
 * A style is [FG] [on BG] [ATTR...]; colours are default, black, red,
 * green, yellow, blue, magenta, cyan, white, bright-black ... bright-white,
 * a palette index 0-255, or #rrggbb; attributes are bold, dim, italic,
 * underline, reverse, strike. Roles a file does not name keep the compiled-in
 * default style.
 */
#ifndef BROOD_THEME_H
#define BROOD_THEME_H

#include "line.h"

enum theme_role {
	THEME_NORMAL,          /* pane text without attributes of its own */
	THEME_HEADER,          /* the column headings of the process list */
	THEME_SELECTION,       /* the selected row when the list has the focus */
	THEME_SELECTION_IDLE,  /* the selected row when the output has the focus */
	THEME_RUNNING,         /* state column: running, starting */
	THEME_PAUSED,
	THEME_STOPPING,
	THEME_EXITED,          /* ended with status 0 */
	THEME_FAILED,          /* ended badly: non-zero, killed, could not start */
	THEME_BACKOFF,
	THEME_STDERR,          /* the mark before a stderr line */
	THEME_TITLE,           /* a pane's title bar */
	THEME_TITLE_FOCUS,     /* the title bar of the selected pane */
	THEME_BORDER,          /* lines between panes */
	THEME_MARKER,          /* "N lines dropped", split-line and wrap marks */
	THEME_MATCH,           /* search matches */
	THEME_STATUS,          /* the status bar */
	THEME_PROMPT,          /* a prompt being typed in the status bar */
	THEME_OVERLAY,         /* help and menus */
	THEME_ALERT,           /* a row over the CPU or memory threshold */
	THEME_GRAPH,           /* sparklines and graphs */
	THEME_COUNT
};

struct theme_style {
	uint32_t fg;           /* COLOR_DEFAULT, COLOR_PALETTE | n, COLOR_RGB | rgb */
	uint32_t bg;
	uint16_t flags;        /* ATTR_* */
};

struct theme {
	char name[64];
	struct theme_style role[THEME_COUNT];
};

/* The role's name in theme files ("selection"), or NULL. */
const char *theme_role_name(enum theme_role role);

/* Fill t with the compiled-in default (dark) theme. */
void theme_default(struct theme *t);

/* Parse theme text over t (roles not named keep their style). origin names
 * the text in messages ("themes/light.theme"). -1 with *cause set (allocated,
 * "themes/x.theme:3: unknown role 'selektion'") on the first error; t is
 * then unchanged. */
int theme_parse(struct theme *t, const char *text, const char *origin, char **cause);

/* Load a theme by name or file: an argument with a '/' or ending in
 * ".theme" is a file; otherwise NAME.theme is looked for in each directory
 * of dirs (NULL-terminated), in order. The default theme is the base. -1
 * with *cause on error (not found: the message lists where it looked). */
int theme_load(struct theme *t, const char *name_or_file, const char *const *dirs,
    char **cause);

#endif

/*
 * conf-int.h: what the files of the config loader share, and nothing else
 * sees. conf.c is the interface (conf.h) and the helpers every format
 * uses: messages, files and paths, numbers. conf-env.c reads .env files,
 * conf-procfile.c Procfiles. conf-node.c turns a YAML document into the
 * read-only tree below (the only file that includes libyaml); conf-yaml.c
 * walks it, with the typed readers and the checks the three dialects
 * share; conf-brood.c, conf-mprocs.c and conf-compose.c each walk one
 * dialect; conf-deps.c reads depends_on and checks it against the whole
 * file; conf-regex.c bounds and quotes regular expressions.
 *
 * Every message is allocated, made safe for the terminal, and names
 * "FILE:LINE:COL"; every string a conf ends up holding is its own.
 */
#ifndef BROOD_CONF_INT_H
#define BROOD_CONF_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

/* --- conf.c: messages ----------------------------------------------------- */

/* "FILE:LINE:COL: ...", "FILE:LINE: ..." (col 0) or "FILE: ..." (line 0),
 * made safe for the terminal (allocated). */
char *conf_vmsg(const char *file, size_t line, size_t col, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
/* conf_vmsg with its arguments spelled out. */
char *conf_msg(const char *file, size_t line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A value as messages quote it: 'text', cut short on a character boundary
 * (allocated). */
char *conf_show(const char *s, size_t len);

/* Line and column (1-based, columns in characters as libyaml counts them)
 * of byte off in buf; a byte order mark takes no column. */
void conf_position(const char *buf, size_t len, size_t off, size_t *line, size_t *col);

/* --- conf.c: files, paths, text ------------------------------------------- */

/* The whole of path, NUL-terminated (allocated). -1 with errno; EFBIG past
 * the size a config may have. Reads to EOF, so a pipe works too. */
int conf_read(const char *path, char **buf, size_t *len);

/* Whether s holds a C0 or C1 control character or DEL. */
bool conf_has_control(const char *s);

/* name in the folder that holds path, spelled from path as given
 * (allocated), so that messages about it read like the user's command line. */
char *conf_sibling(const char *path, const char *name);

/* rel below the absolute folder dir, without the "./" people write
 * (allocated). */
char *conf_join(const char *dir, const char *rel);

/* Whether s is one of list (NULL-terminated). */
bool conf_in(const char *s, const char *const *list);

/* Free a NULL-terminated list of strings, and the list; NULL is fine. */
void conf_strv_free(char **v);

/* A TCP port, 1 to 65535, in decimal: the len bytes of s, into *port. */
bool conf_port(const char *s, size_t len, int *port);

/* The next slot of c->procs (counted and zeroed by the caller), named
 * name (copied), with the defaults of every format. */
struct conf_proc *conf_proc_new(struct conf *c, const char *name);

/* --- conf.c: numbers ---------------------------------------------------- */

/* What a number means: its units, whether their case matters, and how a
 * message describes it. */
struct conf_kind {
	const struct conf_unit *units;
	bool fold;
	const char *expected;
};

extern const struct conf_kind conf_duration_kind;  /* milliseconds */
extern const struct conf_kind conf_size_kind;      /* bytes */
extern const struct conf_kind conf_count_kind;     /* a whole number */

enum {
	CONF_NUM_OK = 0,
	CONF_NUM_BAD = -1,
	CONF_NUM_BIG = -2,
};

/* s as a number of kind (digits, an optional fraction, a unit) into *out:
 * CONF_NUM_OK, CONF_NUM_BAD if malformed, CONF_NUM_BIG past 64 bits. */
int conf_number(const char *s, const struct conf_kind *kind, uint64_t *out);

/* --- conf-env.c: .env files ----------------------------------------------- */

enum {
	CONF_ENV_OK = 0,
	CONF_ENV_UNREADABLE = -1,
	CONF_ENV_MALFORMED = -2,
};

/* Put "NAME=value" (taken) into the NULL-terminated list *env, replacing an
 * entry of the same name. */
void conf_env_put(char ***env, char *entry);

/* Whether the len bytes of s are a variable name: letters, digits and '_',
 * not first a digit. */
bool conf_env_name_ok(const char *s, size_t len);

/* Merge the .env file at path into *env; a missing file is fine when
 * optional. A CONF_ENV_ code, with *cause set on failure (*env untouched). */
int conf_env_read(const char *path, bool optional, char ***env, char **cause);

/* Give p the environment env over file_env (both taken). */
void conf_env_merge(struct conf_proc *p, char **file_env, char **env);

/* --- conf-procfile.c ------------------------------------------------------ */

/* Load the Procfile in buf (len bytes, checked UTF-8) into c, which has its
 * path and dir; 0, or -1 with *cause. */
int conf_procfile_load(struct conf *c, const char *buf, size_t len, char **cause);

/* --- conf-node.c: a YAML document as a tree ------------------------------- */

enum conf_node_kind {
	CONF_NODE_SCALAR,
	CONF_NODE_SEQUENCE,
	CONF_NODE_MAPPING,
};

/* One node of a document, read-only. An alias is the node its anchor names,
 * so one node may be reached from several places (even from inside itself). */
struct conf_node {
	enum conf_node_kind kind;
	size_t line, col;             /* where it starts, 1-based (col in characters) */
	const char *text;             /* scalar: its text, NUL-terminated ... */
	size_t len;                   /* ... but it may hold a NUL: its length */
	bool plain;                   /* scalar: written without quotes or a block style */
	size_t count;                 /* sequence: items; mapping: pairs */
	const struct conf_node *const *items;  /* sequence, in the file's order */
	const struct conf_node_pair *pairs;    /* mapping, in the file's order */
};

struct conf_node_pair {
	const struct conf_node *key;
	const struct conf_node *value;
};

/* A loaded document: its nodes live as long as it does. */
struct conf_node_doc;

/* Parse buf (len bytes of the file path, checked UTF-8) as one YAML
 * document into *doc (conf_node_free). -1 with *cause, libyaml's problem or
 * a second document, placed in the file. */
int conf_node_load(const char *path, const char *buf, size_t len, struct conf_node_doc **doc,
    char **cause);

/* The document's top node, or NULL if the document is empty. */
const struct conf_node *conf_node_root(const struct conf_node_doc *doc);

/* Free doc and every node of it. */
void conf_node_free(struct conf_node_doc *doc);

/* Among n's keys (a mapping) or items (a sequence), all scalars: the second
 * of the earliest pair with the same text, with the first of them in
 * *first; NULL if no text is there twice. */
const struct conf_node *conf_node_repeated(const struct conf_node *n,
    const struct conf_node **first);

/* --- conf-yaml.c: the walk ------------------------------------------------ */

/* The three dialects of YAML brood reads, told apart by the file's name. */
enum conf_format {
	CONF_BROOD,
	CONF_MPROCS,
	CONF_COMPOSE,             /* process-compose */
};

/* What is checked once the whole file is read, where the file says it. */
struct conf_yaml_proc {
	const struct conf_node *deps;       /* the depends_on (or deps) node, or NULL */
	const struct conf_node **dep_nodes; /* the name of each of the process's deps */
	size_t *to;                         /* the index of each, once resolved */
};

/* One walk of one document into one conf. */
struct conf_yaml {
	struct conf *c;
	enum conf_format format;
	char *cause;              /* the first error */
	const char *section;      /* "processes", or mprocs's "procs" */
	const char *deps_key;     /* "depends_on", or mprocs's "deps" */
	struct conf_yaml_proc *px; /* one per slot of c->procs */
	size_t npx;
	char **global_env;        /* process-compose's top-level environment */
	uint64_t *warn_at;        /* where each warning is: line << 32 | column */
};

/* Load the YAML file in buf (len bytes, checked UTF-8) into c, which has its
 * path and dir, in the dialect its name says; 0, or -1 with *cause. */
int conf_yaml_load(struct conf *c, const char *buf, size_t len, char **cause);

/* Record the walk's error at n, unless there is one already; -1. */
int conf_yaml_fail(struct conf_yaml *y, const struct conf_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Add a warning at n to the conf. */
void conf_yaml_warn(struct conf_yaml *y, const struct conf_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Whether n is nothing: a plain ~, null or empty scalar. */
bool conf_yaml_null(const struct conf_node *n);

/* Fail at n with "WHERE: expected EXPECTED, got WHAT"; -1. */
int conf_yaml_expected(struct conf_yaml *y, const struct conf_node *n, const char *where,
    const char *expected);

/* Warn of a key brood has never heard of: a typo, most likely. */
void conf_yaml_unknown(struct conf_yaml *y, const struct conf_node *k);

/* Warn of a key of mprocs or process-compose that brood knows but cannot
 * honour. */
void conf_yaml_unsupported(struct conf_yaml *y, const struct conf_node *k);

/* The text of scalar n, or NULL for nothing. -1 if n is not a scalar, or
 * holds a NUL (a "\0" escape), which a C string would silently cut. */
int conf_yaml_text(struct conf_yaml *y, const struct conf_node *n, const char *where,
    const char *expected, const char **text);

/* A string that is neither nothing nor empty. */
int conf_yaml_string(struct conf_yaml *y, const struct conf_node *n, const char *where,
    const char **text);

/* true or false (or True, TRUE, False, FALSE), and nothing else. */
int conf_yaml_bool(struct conf_yaml *y, const struct conf_node *n, const char *where,
    bool *out);

/* A duration, size or count; zero only where it means something (core: 0,
 * process-compose's "0: the default"). */
int conf_yaml_number_from(struct conf_yaml *y, const struct conf_node *n, const char *where,
    const struct conf_kind *kind, bool zero, uint64_t *out);

/* A duration, size or count, which must be above zero: 0 means "not set"
 * in a struct conf, so a 0 in the file could only be ignored. */
int conf_yaml_number(struct conf_yaml *y, const struct conf_node *n, const char *where,
    const struct conf_kind *kind, uint64_t *out);

/* A number above zero that fits a size_t. */
int conf_yaml_size_t(struct conf_yaml *y, const struct conf_node *n, const char *where,
    const struct conf_kind *kind, size_t *out);

/* Every key of map a string, and none twice; noun names a key in the
 * message ("duplicate process name 'web'"). where is NULL at the top. */
int conf_yaml_keys(struct conf_yaml *y, const struct conf_node *map, const char *where,
    const char *noun);

/* A walk of a mapping's pairs, key by key, in the file's order:
 *
 *	struct conf_yaml_pair w;
 *	int rc = conf_yaml_walk(y, map, where, &w);
 *
 *	while (conf_yaml_step(&w, rc)) {
 *		if (strcmp(w.key, "name") == 0)
 *			rc = conf_yaml_string(y, w.v, w.sub, &name);
 *		...
 *	}
 *	return rc;
 */
struct conf_yaml_pair {
	const struct conf_node *k;   /* the key, a scalar */
	const struct conf_node *v;   /* its value */
	const char *key;             /* the key's text */
	char *sub;                   /* the value's path, "where.key" (or "key") */
	const char *where;
	const struct conf_node_pair *next, *end;
};

/* Start a walk of map at where (NULL at the top): 0, or -1 with the message
 * if map is not a mapping whose keys are strings, none twice. */
int conf_yaml_walk(struct conf_yaml *y, const struct conf_node *map, const char *where,
    struct conf_yaml_pair *w);

/* Step to the next pair while rc is 0; false at the end, or at once if rc
 * is not 0. Frees the previous pair's path. */
bool conf_yaml_step(struct conf_yaml_pair *w, int rc);

/* None of n's keys (a mapping) or items (a sequence), all scalars, twice:
 * the message starts with lead and names the second of the earliest pair. */
int conf_yaml_repeated(struct conf_yaml *y, const struct conf_node *n, const char *lead,
    const char *noun);

/* A command into p: a string (p->cmd, for sh -c) or a list (p->argv). */
int conf_yaml_cmd(struct conf_yaml *y, const struct conf_node *n, const char *where,
    struct conf_proc *p);

/* A mapping of variables to values, put into *env. */
int conf_yaml_env(struct conf_yaml *y, const struct conf_node *map, const char *where,
    char ***env);

/* A signal, as status_signum reads one ("TERM", "SIGINT", "9"). */
int conf_yaml_signal(struct conf_yaml *y, const struct conf_node *n, const char *where,
    int *sig);

/* A command for sh -c that is more than blanks (allocated into *out). */
int conf_yaml_shell(struct conf_yaml *y, const struct conf_node *n, const char *where,
    char **out);

/* p's log file, kept as written until the end of the walk, when log_dir
 * (wherever it is in the file) is known. */
int conf_yaml_log(struct conf_yaml *y, const struct conf_node *n, const char *where,
    struct conf_proc *p);

/* max_restarts: at most a million (0 too where zero, meaning no limit). */
int conf_yaml_max_restarts(struct conf_yaml *y, const struct conf_node *n, const char *where,
    bool zero, unsigned *out);

/* A process's name, as a key of the processes (or procs) mapping. */
int conf_yaml_proc_name(struct conf_yaml *y, const struct conf_node *key);

/* The processes (or procs) mapping: proc reads each name and value into
 * the next slot of c->procs. */
int conf_yaml_processes(struct conf_yaml *y, const struct conf_node *map,
    int (*proc)(struct conf_yaml *, const struct conf_node *, const struct conf_node *));

/* --- one walker per dialect ----------------------------------------------- */

/* conf-brood.c: the top mapping of a brood.yaml. */
int conf_brood_top(struct conf_yaml *y, const struct conf_node *root);

/* conf-mprocs.c: the top mapping of an mprocs.yaml. */
int conf_mprocs_top(struct conf_yaml *y, const struct conf_node *root);

/* conf-mprocs.c: the node to use where mprocs picks a value by system
 * ({ $select: os, linux: A, $else: B }): n itself when it is no such
 * choice, or outside mprocs.yaml; NULL with the walk's error set. */
const struct conf_node *conf_mprocs_select(struct conf_yaml *y, const struct conf_node *n,
    const char *where);

/* conf-compose.c: the top mapping of a process-compose.yaml. */
int conf_compose_top(struct conf_yaml *y, const struct conf_node *root);

/* --- conf-deps.c ---------------------------------------------------------- */

/* depends_on (or deps) of p: a list of names, or a mapping of names to
 * conditions. */
int conf_deps_read(struct conf_yaml *y, const struct conf_node *n, const char *where,
    struct conf_proc *p);

/* Once every process is known: every dependency names one, and none waits
 * for itself through others. */
int conf_deps_check(struct conf_yaml *y);

/* --- conf-regex.c --------------------------------------------------------- */

/* NULL if pattern compiles as a POSIX extended regex, as the supervisor
 * will compile it, at a cost brood accepts; else what is wrong with it
 * (allocated), to follow "WHERE: ". */
char *conf_regex_problem(const char *pattern);

/* A regex that matches exactly the text s (allocated). */
char *conf_regex_quote(const char *s);

#endif

/*
 * main.c: brood's command line; wires the core to a front end.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "demo.h"
#include "guard.h"
#include "headless.h"
#include "loop.h"
#include "scroll.h"
#include "status.h"
#include "tui.h"
#include "super.h"
#include "util.h"

static struct super *main_super;

static void
main_fatal_hook(void)
{
	tui_emergency();
	super_emergency(main_super);
}

/* "brood: message" on stderr; whatever it quotes (an argument, a path, a
 * name from a file) is made safe for the terminal first. */
static void __attribute__((format(printf, 1, 2)))
main_say(const char *fmt, ...)
{
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	msg = util_vmessage(fmt, ap);
	va_end(ap);
	fprintf(stderr, "brood: %s\n", msg);
	free(msg);
}

static void __attribute__((noreturn))
main_usage(int status)
{
	FILE *f = status == 0 ? stdout : stderr;

	fprintf(f,
"usage: brood [options] 'CMD' ['CMD' ...]\n"
"       brood [options] [-c FILE]   (brood.yaml or a Procfile; found in the\n"
"                                    current folder when there is no CMD)\n"
"       brood --demo\n"
"\n"
"Run every CMD at once, show their output, stop them all together.\n"
"A CMD with shell syntax runs under /bin/sh -c; a plain one runs directly.\n"
"\n"
"  -c, --config FILE         run the processes of FILE (brood.yaml or Procfile)\n"
"  -n, --names A,B,...       names for the commands (default: the program names)\n"
"      --headless            no dashboard: print lines as 'name | text' (stderr\n"
"                            lines: 'name ! text'); the default when stdout is\n"
"                            not a terminal\n"
"      --theme NAME|FILE     the dashboard's colours: default, light, mono,\n"
"                            high-contrast, or a theme file\n"
"      --color WHEN          auto, always or never (auto: on a terminal, unless NO_COLOR)\n"
"      --success WHICH       all (default): exit 0 only if every command succeeded;\n"
"                            first or last: the status of the first or last to end\n"
"      --kill-others         stop the rest when one command ends\n"
"      --kill-others-on-fail stop the rest when one command fails\n"
"      --cwd DIR             run the commands in DIR\n"
"      --env NAME=VALUE      add to the commands' environment (repeatable)\n"
"      --restart POLICY      no (default), on-failure or always, with backoff\n"
"      --max-restarts N      give up (FATAL) after N restarts within a minute\n"
"      --timeout SECS        stop a command that runs longer than SECS\n"
"      --stop-signal SIG     the signal that asks a command to stop (default TERM)\n"
"      --stop-timeout SECS   then SIGKILL after SECS seconds (default 5)\n"
"      --no-summary          no summary table on stderr at the end\n"
"      --interval SECS       how often CPU and memory are sampled (default 1)\n"
"      --cpu-alert PCT       highlight processes using at least PCT%% CPU\n"
"      --mem-alert SIZE      ... or at least SIZE of memory (e.g. 500M, 2G)\n"
"      --demo                run the bundled demo set\n"
"  -h, --help                this help\n"
"  -V, --version             brood's version\n"
"\n"
"Exit status: 0 when the commands succeeded (see --success), else the status of\n"
"the first failure (128+N for signal N, 127 not found, 126 not executable);\n"
"128+N when brood itself was stopped by signal N; 2 for a usage error; 1 when\n"
"it could not write its output (a full disk).\n");
	exit(status);
}

/* Parse a number with an optional one-character suffix from suffixes. */
static int
main_number(const char *s, double *out, const char *suffixes)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(*out))
		return -1;
	if (*end != '\0' && (suffixes == NULL || end[1] != '\0' || strchr(suffixes, *end) == NULL))
		return -1;
	return 0;
}

/* wcwidth and the parser need a UTF-8 LC_CTYPE; children keep brood's. */
static void
main_locale(void)
{
	setlocale(LC_ALL, "");
	if (strcasecmp(nl_langinfo(CODESET), "UTF-8") != 0)
		setlocale(LC_CTYPE, "C.UTF-8");
}

int
main(int argc, char **argv)
{
	enum { OPT_HEADLESS = 256, OPT_THEME, OPT_COLOR, OPT_SUCCESS, OPT_KILL_OTHERS,
	    OPT_KILL_OTHERS_ON_FAIL, OPT_STOP_SIGNAL, OPT_STOP_TIMEOUT,
	    OPT_NO_SUMMARY, OPT_DEMO, OPT_INTERVAL, OPT_CPU_ALERT, OPT_MEM_ALERT,
	    OPT_CWD, OPT_ENV, OPT_RESTART, OPT_MAX_RESTARTS, OPT_TIMEOUT };
	static const struct option longopts[] = {
		{ "names", required_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{ "headless", no_argument, NULL, OPT_HEADLESS },
		{ "theme", required_argument, NULL, OPT_THEME },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "colour", required_argument, NULL, OPT_COLOR },
		{ "success", required_argument, NULL, OPT_SUCCESS },
		{ "kill-others", no_argument, NULL, OPT_KILL_OTHERS },
		{ "kill-others-on-fail", no_argument, NULL, OPT_KILL_OTHERS_ON_FAIL },
		{ "stop-signal", required_argument, NULL, OPT_STOP_SIGNAL },
		{ "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
		{ "no-summary", no_argument, NULL, OPT_NO_SUMMARY },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "cwd", required_argument, NULL, OPT_CWD },
		{ "env", required_argument, NULL, OPT_ENV },
		{ "restart", required_argument, NULL, OPT_RESTART },
		{ "max-restarts", required_argument, NULL, OPT_MAX_RESTARTS },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "cpu-alert", required_argument, NULL, OPT_CPU_ALERT },
		{ "mem-alert", required_argument, NULL, OPT_MEM_ALERT },
		{ "demo", no_argument, NULL, OPT_DEMO },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct headless_opts hopts = { .summary = true, .out_fd = 1 };
	struct super_config cfg = { 0 };
	const char *names_arg = NULL, *color = "auto";
	int stop_signal = SIGTERM, opt, status;
	uint64_t stop_timeout_ms = 5000;
	bool demo = false, headless = false;
	double cpu_alert = 0;
	const char *cli_cwd = NULL;
	char **cli_env = NULL;
	size_t ncli_env = 0;
	enum proc_restart cli_restart = PROC_RESTART_NO;
	unsigned cli_max_restarts = 0;
	uint64_t cli_timeout_ms = 0;
	uint64_t mem_alert_kib = 0;
	const char *theme = NULL, *config_path = NULL;
	struct conf conf = { 0 };
	bool cli_stop_signal = false, cli_stop_timeout = false, cli_interval = false;
	struct tui *tui = NULL;
	struct proc_spec *specs = NULL;
	char **names = NULL;
	size_t nspecs = 0, i;
	struct headless *h = NULL;
	struct loop *l = NULL;

	main_locale();
	while ((opt = getopt_long(argc, argv, "+n:c:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			names_arg = optarg;
			break;
		case 'c':
			config_path = optarg;
			break;
		case OPT_HEADLESS:
			headless = true;
			break;
		case OPT_THEME:
			theme = optarg;
			break;
		case OPT_COLOR:
			if (strcmp(optarg, "auto") != 0 && strcmp(optarg, "always") != 0 &&
			    strcmp(optarg, "never") != 0) {
				main_say("--color takes auto, always or never, not '%s'", optarg);
				return 2;
			}
			color = optarg;
			break;
		case OPT_SUCCESS:
			if (strcmp(optarg, "all") == 0)
				hopts.success = HEADLESS_SUCCESS_ALL;
			else if (strcmp(optarg, "first") == 0)
				hopts.success = HEADLESS_SUCCESS_FIRST;
			else if (strcmp(optarg, "last") == 0)
				hopts.success = HEADLESS_SUCCESS_LAST;
			else {
				main_say("--success takes all, first or last, not '%s'", optarg);
				return 2;
			}
			break;
		case OPT_KILL_OTHERS:
			hopts.kill_others = true;
			break;
		case OPT_KILL_OTHERS_ON_FAIL:
			hopts.kill_others_on_fail = true;
			break;
		case OPT_STOP_SIGNAL:
			cli_stop_signal = true;
			stop_signal = status_signum(optarg);
			if (stop_signal <= 0) {
				main_say("--stop-signal: no signal called '%s'", optarg);
				return 2;
			}
			break;
		case OPT_STOP_TIMEOUT: {
			char *end;
			double secs;

			errno = 0;
			secs = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || end == optarg || !(secs >= 0) ||
			    secs > 86400) {
				main_say("--stop-timeout takes seconds (0 to 86400), not '%s'", optarg);
				return 2;
			}
			cli_stop_timeout = true;
			stop_timeout_ms = (uint64_t)llround(secs * 1000);
			if (stop_timeout_ms == 0)
				stop_timeout_ms = 1;
			break;
		}
		case OPT_NO_SUMMARY:
			hopts.summary = false;
			break;
		case OPT_CWD:
			cli_cwd = optarg;
			break;
		case OPT_ENV:
			if (strchr(optarg, '=') == NULL || optarg[0] == '=') {
				main_say("--env takes NAME=VALUE, not '%s'", optarg);
				return 2;
			}
			cli_env = xreallocarray(cli_env, ncli_env + 2, sizeof *cli_env);
			cli_env[ncli_env++] = optarg;
			cli_env[ncli_env] = NULL;
			break;
		case OPT_RESTART:
			if (strcmp(optarg, "no") == 0)
				cli_restart = PROC_RESTART_NO;
			else if (strcmp(optarg, "on-failure") == 0)
				cli_restart = PROC_RESTART_ON_FAILURE;
			else if (strcmp(optarg, "always") == 0)
				cli_restart = PROC_RESTART_ALWAYS;
			else {
				main_say("--restart takes no, on-failure or always, not '%s'", optarg);
				return 2;
			}
			break;
		case OPT_MAX_RESTARTS: {
			double n;

			if (main_number(optarg, &n, NULL) == -1 || n < 1 || n > 1000000 || n != (unsigned)n) {
				main_say("--max-restarts takes a count, not '%s'", optarg);
				return 2;
			}
			cli_max_restarts = (unsigned)n;
			break;
		}
		case OPT_TIMEOUT: {
			double secs;

			if (main_number(optarg, &secs, NULL) == -1 || secs <= 0 || secs > 31536000) {
				main_say("--timeout takes seconds, not '%s'", optarg);
				return 2;
			}
			cli_timeout_ms = (uint64_t)llround(secs * 1000);
			break;
		}
		case OPT_INTERVAL: {
			double secs;

			if (main_number(optarg, &secs, NULL) == -1 || secs < 0.1 || secs > 3600) {
				main_say("--interval takes seconds (0.1 to 3600), not '%s'", optarg);
				return 2;
			}
			cli_interval = true;
			cfg.interval_ms = (uint64_t)llround(secs * 1000);
			break;
		}
		case OPT_CPU_ALERT:
			if (main_number(optarg, &cpu_alert, "%") == -1 || cpu_alert <= 0) {
				main_say("--cpu-alert takes a percentage such as 80, not '%s'", optarg);
				return 2;
			}
			break;
		case OPT_MEM_ALERT: {
			double v;
			char unit = optarg[0] != '\0' ? optarg[strlen(optarg) - 1] : '\0';
			double scale = unit == 'K' || unit == 'k' ? 1 : unit == 'M' || unit == 'm' ? 1024 :
			    unit == 'G' || unit == 'g' ? 1024 * 1024 : 0;

			if (scale == 0 || main_number(optarg, &v, "KkMmGg") == -1 || v <= 0) {
				main_say("--mem-alert takes a size such as 500M or 2G, not '%s'", optarg);
				return 2;
			}
			mem_alert_kib = (uint64_t)(v * scale);
			break;
		}
		case OPT_DEMO:
			demo = true;
			break;
		case 'h':
			main_usage(0);
		case 'V':
			printf("brood %s\n", PACKAGE_VERSION);
			return 0;
		default:
			main_usage(2);
		}
	}
	if (demo && (optind < argc || config_path != NULL)) {
		main_say("--demo takes no commands and no config file");
		return 2;
	}
	if (config_path != NULL && optind < argc) {
		main_say("give commands or a config file, not both");
		return 2;
	}
	/* No command: the config file here, as foreman reads the Procfile. */
	if (!demo && optind == argc) {
		char *found = config_path == NULL ? conf_find(".") : NULL;
		char *cause = NULL;

		if (config_path == NULL && found == NULL) {
			main_say("no command given and no brood.yaml or Procfile here "
			    "(try brood --help, or brood --demo)");
			return 2;
		}
		if (conf_load(&conf, config_path != NULL ? config_path : found, &cause) == -1) {
			main_say("%s", cause);
			free(cause);
			free(found);
			return 2;
		}
		free(found);
		for (i = 0; i < conf.nwarnings; i++)
			main_say("%s", conf.warnings[i]);
		if (conf.nprocs == 0) {
			main_say("%s names no process", conf.path);
			status = 2;
			goto out;
		}
		if (!cli_interval && conf.interval_ms != 0)
			cfg.interval_ms = conf.interval_ms;
		if (!cli_stop_timeout && conf.stop_timeout_ms != 0)
			stop_timeout_ms = conf.stop_timeout_ms;
		if (theme == NULL)
			theme = conf.theme;
	}

	if (conf.path != NULL) {
		nspecs = conf.nprocs;
		specs = xcalloc(nspecs, sizeof *specs);
		names = xcalloc(nspecs + 1, sizeof *names);
		for (i = 0; i < nspecs; i++) {
			const struct conf_proc *cp = &conf.procs[i];

			names[i] = xstrdup(cp->name);
			specs[i].cmd = cp->cmd;
			specs[i].argv = cp->argv;
			specs[i].cwd = cp->cwd;
			specs[i].env = cp->env;
			specs[i].manual = !cp->autostart;
			specs[i].restart = cp->restart;
			specs[i].backoff_first_ms = cp->backoff_first_ms;
			specs[i].backoff_max_ms = cp->backoff_max_ms;
			specs[i].max_restarts = cp->max_restarts;
			specs[i].restart_window_ms = cp->restart_window_ms;
			specs[i].clear_env = cp->clear_env;
			specs[i].allow_env = cp->allow_env;
			specs[i].color_force = cp->color_force;
			specs[i].timeout_ms = cp->timeout_ms;
			specs[i].limits = cp->limits;
			specs[i].nice_set = cp->nice_set;
			specs[i].nice = cp->nice;
			specs[i].user = cp->user;
			specs[i].group = cp->group;
			specs[i].log = cp->log;
			specs[i].deps = cp->deps;
			specs[i].ndeps = cp->ndeps;
			specs[i].ready = cp->ready;
		}
	} else if (demo) {
		const struct proc_spec *d = demo_specs(&nspecs);

		specs = xcalloc(nspecs, sizeof *specs);
		names = xcalloc(nspecs + 1, sizeof *names);
		for (i = 0; i < nspecs; i++) {
			specs[i] = d[i];
			names[i] = xstrdup(d[i].name);
		}
	} else {
		const char *p = names_arg;

		nspecs = (size_t)(argc - optind);
		specs = xcalloc(nspecs, sizeof *specs);
		names = xcalloc(nspecs + 1, sizeof *names);
		for (i = 0; i < nspecs; i++) {
			specs[i].cmd = argv[optind + (int)i];
			specs[i].cwd = cli_cwd;
			specs[i].env = cli_env;
			specs[i].restart = cli_restart;
			specs[i].max_restarts = cli_max_restarts;
			specs[i].timeout_ms = cli_timeout_ms;
			if (p != NULL && *p != '\0') {
				size_t len = strcspn(p, ",");

				names[i] = len > 0 ? xstrndup(p, len) : NULL;
				p += len + (p[len] == ',');
			}
		}
		if (p != NULL && *p != '\0') {
			main_say("more names than commands in --names");
			status = 2;
			goto out;
		}
	}
	for (i = 0; i < nspecs; i++) {
		const struct conf_proc *cp = conf.path != NULL ? &conf.procs[i] : NULL;

		specs[i].name = names[i];
		/* The command line's flags win over the file's settings. */
		specs[i].stop_signal = cp != NULL && cp->stop_signal != 0 && !cli_stop_signal ?
		    cp->stop_signal : stop_signal;
		specs[i].stop_timeout_ms = cp != NULL && cp->stop_timeout_ms != 0 &&
		    !cli_stop_timeout ? cp->stop_timeout_ms : stop_timeout_ms;
	}

	/* Everything that can refuse a process is checked before the terminal
	 * is taken and before anything starts. */
	for (i = 0; i < nspecs; i++) {
		char *cause = NULL;

		if (super_check(&specs[i], &cause) == -1) {
			main_say("%s", cause);
			free(cause);
			status = 2;
			goto out;
		}
	}

	if (strcmp(color, "always") == 0)
		hopts.color = true;
	else if (strcmp(color, "auto") == 0)
		hopts.color = isatty(1) && getenv("NO_COLOR") == NULL;
	/* A closed stdout is noticed as EPIPE and handled: stop and exit. */
	sigaction(SIGPIPE, &(struct sigaction){ .sa_handler = SIG_IGN }, NULL);

	/* The dashboard when stdout is a terminal; the terminal is checked and
	 * taken before any child starts. */
	if (!headless && isatty(STDOUT_FILENO)) {
		const char *env_dir = getenv("BROOD_THEMES");
		const char *dirs[] = { env_dir != NULL ? env_dir : THEMEDIR, THEMEDIR,
		    SRCTHEMEDIR, NULL };
		const char **bindings = xcalloc(2 * conf.nkeys + 1, sizeof *bindings);
		struct tui_opts topts = { .color = strcmp(color, "never") != 0 &&
		    (strcmp(color, "always") == 0 || getenv("NO_COLOR") == NULL),
		    .theme = theme, .theme_dirs = dirs, .cpu_alert_pct = cpu_alert,
		    .mem_alert_kib = mem_alert_kib, .bindings = bindings };
		char *cause = NULL;

		for (i = 0; i < conf.nkeys; i++) {
			bindings[2 * i] = conf.keys[i].action;
			bindings[2 * i + 1] = conf.keys[i].key;
		}
		tui = tui_create(&topts, &cause);
		free(bindings);
		if (tui == NULL) {
			main_say("%s", cause);
			free(cause);
			status = 2;
			goto out;
		}
	}

	/* Before super_create makes brood a subreaper: the guard must not be
	 * brood's descendant. */
	{
		struct guard_tty gt;

		if (guard_start(tui != NULL && tui_guard_tty(&gt) ? &gt : NULL) == -1 && tui == NULL)
			main_say("cannot start the guard (%s): if brood is killed with SIGKILL, "
			    "what its children started will run on", strerror(errno));
	}
	l = loop_create();
	if (tui != NULL) {
		struct super_hooks hooks = tui_hooks(tui);

		cfg.scroll_lines = conf.scroll_lines != 0 ? conf.scroll_lines : SCROLL_LINES_DEFAULT;
		cfg.scroll_bytes = conf.scroll_bytes != 0 ? conf.scroll_bytes : SCROLL_BYTES_DEFAULT;
		main_super = super_create(l, &cfg, &hooks);
	} else {
		struct super_hooks hooks;

		h = headless_create(&hopts);
		hooks = headless_hooks(h);
		cfg.scroll_lines = 0; /* nothing scrolls back without a screen */
		main_super = super_create(l, &cfg, &hooks);
	}
	util_set_fatal_hook(main_fatal_hook);
	for (i = 0; i < nspecs; i++) {
		char *cause = NULL;

		if (super_add(main_super, &specs[i], &cause) == NULL) {
			main_say("%s", cause);
			free(cause);
			status = 2;
			goto out;
		}
	}
	if (tui != NULL)
		status = tui_run(tui, l, main_super);
	else
		status = headless_run(h, l, main_super);

out:
	super_free(main_super);
	tui_free(tui);
	guard_release();
	main_super = NULL;
	headless_free(h);
	if (l != NULL)
		loop_free(l);
	for (i = 0; i < nspecs; i++)
		free(names[i]);
	free(names);
	free(specs);
	free(cli_env);
	conf_free(&conf);
	return status;
}

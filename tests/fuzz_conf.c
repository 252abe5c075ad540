/*
 * fuzz_conf.c: a libFuzzer target for the config loader (conf_load and
 * conf_free, with everything they reach: libyaml, .env files, regcomp).
 *
 * The first byte of an input picks the file's name, so its format: 0
 * brood.yaml, 1 Procfile, 2 mprocs.yaml, 3 process-compose.yaml (the byte
 * modulo 4); the rest is the file. Every input is also loaded as
 * brood.yaml, whatever its first byte. A load that succeeds must give a
 * config that keeps conf.h's promises (checked below, abort() if not); one
 * that fails must give a cause naming the file and leave the conf zeroed.
 *
 * make fuzz builds it with clang (14 or later); make fuzz-run seeds a
 * corpus with the test fixtures and the examples (each behind its format's
 * byte) and runs it for FUZZ_SECONDS, with stdin on /dev/null:
 *
 *     make fuzz-run FUZZ_SECONDS=60
 *
 * stdin is /dev/null because an input may name any file as env_file
 * (/dev/stdin among them), and conf_load reads it to its end.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[] = "/tmp/fuzz_conf.XXXXXX";

static const char *const fuzz_names[] = {
	"brood.yaml", "Procfile", "mprocs.yaml", "process-compose.yaml",
};

#define FUZZ_CHECK(cond) do {                                              \
	if (!(cond)) {                                                      \
		fprintf(stderr, "fuzz_conf: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort();                                                    \
	}                                                                   \
} while (0)

static void
fuzz_check_proc(const struct conf *c, const struct conf_proc *p)
{
	size_t i, j;

	FUZZ_CHECK(p->name != NULL && p->name[0] != '\0');
	FUZZ_CHECK((p->cmd != NULL) != (p->argv != NULL));
	FUZZ_CHECK(p->argv == NULL || p->argv[0] != NULL);
	FUZZ_CHECK(p->cwd != NULL && p->cwd[0] == '/');
	FUZZ_CHECK(p->log == NULL || p->log[0] == '/');
	FUZZ_CHECK(!p->nice_set || (p->nice >= -20 && p->nice <= 19));
	FUZZ_CHECK(p->limits.cpu_s == -1 || p->limits.cpu_s >= 1);
	FUZZ_CHECK(p->limits.as_bytes >= -1 && p->limits.nofile >= -1 &&
	    p->limits.core_bytes >= -1);
	for (i = 0; p->env != NULL && p->env[i] != NULL; i++)
		FUZZ_CHECK(strchr(p->env[i], '=') != NULL && p->env[i][0] != '=');
	for (i = 0; i < p->ndeps; i++) {
		bool found = false;

		FUZZ_CHECK(strcmp(p->deps[i].name, p->name) != 0);
		for (j = 0; j < c->nprocs; j++)
			found = found || strcmp(c->procs[j].name, p->deps[i].name) == 0;
		FUZZ_CHECK(found);
	}
	switch (p->ready.kind) {
	case PROC_READY_NONE:
		FUZZ_CHECK(p->ready.pattern == NULL && p->ready.cmd == NULL);
		break;
	case PROC_READY_LOG:
		FUZZ_CHECK(p->ready.pattern != NULL);
		break;
	case PROC_READY_TCP:
		FUZZ_CHECK(p->ready.port >= 1 && p->ready.port <= 65535);
		break;
	case PROC_READY_CMD:
		FUZZ_CHECK(p->ready.cmd != NULL);
		break;
	}
}

static void
fuzz_load(const char *name, const uint8_t *data, size_t size)
{
	static const struct conf zero;
	char *path = xasprintf("%s/%s", fuzz_dir, name), *cause = NULL;
	FILE *f = fopen(path, "wb");
	struct conf c;
	size_t i;

	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(fwrite(data, 1, size, f) == size);
	FUZZ_CHECK(fclose(f) == 0);
	if (conf_load(&c, path, &cause) == 0) {
		FUZZ_CHECK(cause == NULL);
		FUZZ_CHECK(c.nprocs > 0 && c.path != NULL && c.dir != NULL);
		for (i = 0; i < c.nprocs; i++)
			fuzz_check_proc(&c, &c.procs[i]);
		for (i = 0; i < c.nwarnings; i++)
			FUZZ_CHECK(c.warnings[i] != NULL);
		FUZZ_CHECK(c.nwarnings == 0 || c.warnings[c.nwarnings] == NULL);
		for (i = 0; i < c.nkeys; i++)
			FUZZ_CHECK(c.keys[i].key[0] != '\0' && strlen(c.keys[i].key) <= 16);
		conf_free(&c);
	} else {
		FUZZ_CHECK(cause != NULL);
		FUZZ_CHECK(memcmp(&c, &zero, sizeof zero) == 0);
		free(cause);
	}
	FUZZ_CHECK(memcmp(&c, &zero, sizeof zero) == 0);
	unlink(path);
	free(path);
}

static void
fuzz_cleanup(void)
{
	rmdir(fuzz_dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (mkdtemp(fuzz_dir) == NULL) {
		perror("fuzz_conf: mkdtemp");
		exit(1);
	}
	atexit(fuzz_cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned pick;

	if (size == 0)
		return 0;
	pick = data[0] % 4;
	fuzz_load("brood.yaml", data + 1, size - 1);
	if (pick != 0)
		fuzz_load(fuzz_names[pick], data + 1, size - 1);
	return 0;
}

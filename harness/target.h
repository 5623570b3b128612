/* target.h: one kernel target (a build directory holding kernel.elf) and
 * running the guest test suite on it until every manifest name has a result. */
#ifndef MACHLAB_TARGET_H
#define MACHLAB_TARGET_H

#include <stddef.h>
#include <stdio.h>

#include "results.h"
#include "strlist.h"

#define TARGET_KERNEL_FILE "kernel.elf"
#define TARGET_PROGRESS_INTERVAL_MS 10000 /* progress line while a boot runs */

struct target {
	char *name;        /* the directory's basename, e.g. "default" */
	char *kernel_path; /* <dir>/kernel.elf */
	char *log_path;    /* <log dir>/<name>-test.log */
	FILE *log;         /* every boot's full serial output */
	size_t index;      /* position in the run, for "[target i/n]" */
	size_t total;
	struct results results;
	unsigned boots;
	double elapsed_s;
};

/* What every target runs. */
struct target_suite {
	const char *qemu_path;
	const char *tests_path; /* the guest test program, first boot module */
	const struct strlist *manifest;
	int timeout_ms;      /* per boot */
	int hang_timeout_ms; /* no serial line for this long: a kernel hang; 0: none */
};

int target_open(struct target *t, const char *dir, const char *log_dir, char *err,
		size_t err_bytes);
void target_test(struct target *t, const struct target_suite *suite);
void target_close(struct target *t);

char *target_name_from_dir(const char *dir);
char *path_join(const char *a, const char *b);

#endif

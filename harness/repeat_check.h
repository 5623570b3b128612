/* repeat_check.h: the check that two boots of one target measure exactly
 * the same instruction counts (icount makes runs repeatable; this proves it
 * for the current build on every `make test`). */
#ifndef MACHLAB_REPEAT_CHECK_H
#define MACHLAB_REPEAT_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#define REPEAT_CHECK_NAME "repeatable_instruction_counts"

struct repeat_check {
	const char *qemu_path;
	const char *kernel_path;  /* the target's kernel.elf */
	const char *bench_path;   /* the benchmark program */
	const char *bench_args;   /* what it runs, e.g. "--quick null_rpc_tasks" */
	int timeout_ms;
};

/* Boots twice and compares the sample lines; false with reason set if they differ. */
bool repeat_check_run(const struct repeat_check *rc, char *reason, size_t reason_bytes);

#endif

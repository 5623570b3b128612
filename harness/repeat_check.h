/* repeat_check.h: the benchmark checks of `make test`: two boots of one
 * target measure exactly the same instruction counts (icount makes runs
 * repeatable; this proves it for the current build), and every benchmark
 * runs to the end on every target in quick mode (so none rots between
 * `make bench` runs). */
#ifndef MACHLAB_REPEAT_CHECK_H
#define MACHLAB_REPEAT_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#define REPEAT_CHECK_NAME "repeatable_instruction_counts"
#define BENCH_SMOKE_NAME  "every_benchmark_runs"

struct strlist;

struct repeat_check {
	const char *qemu_path;
	const char *kernel_path;  /* the target's kernel.elf */
	const char *bench_path;   /* the benchmark program */
	const char *bench_args;   /* what it runs, e.g. "--quick null_rpc_tasks" */
	int timeout_ms;
};

/* Boots twice and compares the sample lines; false with reason set if they differ. */
bool repeat_check_run(const struct repeat_check *rc, char *reason, size_t reason_bytes);

/* One boot running what rc names; false with reason set unless it ends
 * cleanly with samples from every benchmark in names. */
bool bench_smoke_run(const struct repeat_check *rc, const struct strlist *names, char *reason,
		     size_t reason_bytes);

#endif

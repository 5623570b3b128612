/* repeat_check.h: the single-boot checks of `make test`: two boots of one
 * target measure exactly the same instruction counts (icount makes runs
 * repeatable; this proves it for the current build), every benchmark runs
 * to the end on every target in quick mode (so none rots between `make
 * bench` runs), and the guest tests that need a machine with little RAM run
 * in one (the only boots whose memory size differs). The same checks boot a
 * Linux target when given its root archive. */
#ifndef MACHLAB_REPEAT_CHECK_H
#define MACHLAB_REPEAT_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#define REPEAT_CHECK_NAME "repeatable_instruction_counts"
#define BENCH_SMOKE_NAME  "every_benchmark_runs"
#define LINUX_SMOKE_NAME  "linux_baseline_runs_every_unix_benchmark"
#define MARKER_CHECK_NAME "markers_leave_the_figures_unchanged"

struct strlist;

struct repeat_check {
	const char *qemu_path;
	const char *kernel_path;  /* the target's kernel.elf, or a Linux target's vmlinux */
	const char *initrd_path;  /* a Linux target's root archive; NULL for the microkernel */
	const char *bench_path;   /* the benchmark program */
	const char *bench_args;   /* what it runs, e.g. "--quick null_rpc_tasks"; on Linux, /init's
				     arguments, e.g. "bench --quick null_call" */
	int timeout_ms;
	int hang_timeout_ms;      /* no serial line for this long: a kernel hang; 0: none */
	int memory_mib;           /* 0: the usual machine */
};

struct results;

/* Boots twice and compares the sample lines; false with reason set if they differ. */
bool repeat_check_run(const struct repeat_check *rc, char *reason, size_t reason_bytes);

/* One boot of rc's benchmark program and one of the same program built
 * without the profiling markers (unmarked_bench), running the same
 * benchmarks: every measure's median of the unflagged samples (its figure)
 * must be the same; false with reason set. (Which sample a timer tick hits
 * may differ: the markers' own instructions shift the virtual clock.) */
bool marker_check_run(const struct repeat_check *rc, const char *unmarked_bench, char *reason,
		      size_t reason_bytes);

/* One boot running what rc names; false with reason set unless it ends
 * cleanly with samples from every benchmark in names. */
bool bench_smoke_run(const struct repeat_check *rc, const struct strlist *names, char *reason,
		     size_t reason_bytes);

/* One boot of the guest test program rc->bench_path running the tests
 * names, with rc->memory_mib; fills r (which it initialises) with their
 * results, every test without one failed. Returns 0 or -ENOMEM. */
int little_ram_run(const struct repeat_check *rc, const struct strlist *names,
		   struct results *r);

#endif

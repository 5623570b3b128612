/* bench_run.h: one benchmark job: one QEMU boot of one target running one
 * benchmark, its records collected and its serial output logged. The
 * microkernel boots the benchmark program as a module with the benchmark's
 * name as argument; Linux boots its root archive with "bench NAME" for /init. A crash
 * or hang (the boot's whole timeout, or no serial line for the hang timeout)
 * loses that one benchmark on that one target. With the cost model on
 * (job.model_plugin) the boot runs the plugin too and the records gain the
 * cyc-model figures of the same samples (bench_model.h); a plugin file that
 * disagrees with the guest fails the job and adds none. */
#ifndef MACHLAB_BENCH_RUN_H
#define MACHLAB_BENCH_RUN_H

#include <stdbool.h>
#include <stdio.h>

#include "bench_records.h"

#define BENCH_REASON_MAX_BYTES 256
#define BENCH_TICK_INTERVAL_MS 30000 /* "still running" line while a boot runs */
#define BENCH_MODEL_SLOWDOWN 4       /* a boot with the cost model runs up to this many
					times slower: its timeouts are this much longer */

/* What every job shares. */
struct bench_setup {
	const char *qemu_path;
	const char *bench_path; /* the guest program, first boot module */
	bool quick;             /* pass --quick to the guest */
	int timeout_ms;         /* per boot */
	int hang_timeout_ms;    /* no serial line for this long: a kernel hang; 0: none */
	FILE *log;              /* every boot's output, each line "target/benchmark: ..." */
	const char *perf_path;  /* perf, to run KVM boots under perf stat (the whole QEMU
				   process's cycles and instructions, into the log); or NULL */
};

struct bench_job {
	const char *target;      /* borrowed: the target's name */
	const char *kernel_path; /* borrowed */
	const char *initrd_path; /* borrowed: a Linux target's root archive; NULL: the microkernel */
	const char *program;     /* borrowed: the microkernel's boot program; NULL: setup->bench_path
				  * (unix-run for the Unix suite under the emulation) */
	const char *root;        /* borrowed: unix-run's root archive, its second module; or NULL */
	bool kvm;                /* boot under KVM (kvm_probe.h): figures in TSC cycles
				  * (records.insn_is_cyc), no plugin */
	const char *pmc_args;    /* borrowed: "--pmc SELECT,..." for the benchmark program (a KVM
				  * boot of the native suite with --pmu), or NULL */
	const char *model_plugin; /* borrowed: the cost model's -plugin argument without out=
				   * (bench_model.h), or NULL: no cyc-model figures */
	size_t target_index, bench_index;
	struct bench_records records; /* records.benchmark names the benchmark */
	bool ok;
	char reason[BENCH_REASON_MAX_BYTES]; /* why it failed, when !ok */
	double elapsed_s;
};

void bench_job_run(struct bench_job *job, const struct bench_setup *setup);

#endif

/*
 * timing.h — the one timing loop every benchmark uses (bench/lib).
 *
 * bench_measure warms up, takes N samples of one operation with the cycle
 * counter (under TCG icount: executed instructions), subtracts the timer's
 * own overhead, flags samples during which an interrupt arrived or the CPU
 * idled (the platform's bench_disturbances, bench_platform.h), and prints
 * the raw samples as `BENCH samples` records; statistics are the harness's
 * job. The operation is called through a function pointer, so the compiler
 * cannot fold it into the loop, and nothing is printed inside the timed
 * region.
 */
#ifndef BENCH_TIMING_H
#define BENCH_TIMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_SAMPLES_MAX 1000
#define BENCH_PMC_MAX     8     /* performance counters read around each sample (MK_PMC_MAX) */
#define BENCH_NO_PARAM    (-1L)

typedef void (*bench_op)(void *ctx);

/* One benchmark of a program's table (made from its BENCHMARKS list). */
struct bench_entry {
	const char *name;
	void (*fn)(void);
};

struct bench_plan {
	int warmup;      /* untimed runs first (caches, lazily made rights, zero fill) */
	int samples;     /* timed runs */
	bool keep_disturbed; /* never flag: a whole workload always spans timer interrupts */
};

void bench_begin(void);
void bench_end(void);
bool bench_quick(void);
void bench_set_quick(bool quick);
/* Plan for an operation of about est_insn instructions (fewer samples for big ones). */
struct bench_plan bench_plan_for(uint64_t est_insn);
void bench_measure(const char *name, long param, struct bench_plan plan, bench_op op,
		   void *ctx);
/* Print counts of messages per operation (unit msg), taken outside any timing. */
void bench_count(const char *name, long param, const uint64_t *counts, int n);
/* Print values of another unit (bytes: sizes the kernel reports), taken outside any timing. */
void bench_report(const char *name, long param, const char *unit, const uint64_t *values, int n);
const struct bench_entry *bench_entry_find(const struct bench_entry *table, size_t count,
					   const char *name);
void bench_fail(const char *name, const char *what, int code) __attribute__((noreturn));
/* Counters 0 .. count-1 are programmed (the microkernel's MK_TRAP_PMC_PROGRAM):
 * every measurement also reads them with rdpmc around each sample, outside
 * the timed region, and prints each as unit pmc<i> (its empty operation's
 * least count subtracted, as for insn). */
void bench_pmc_set(int count);

#endif

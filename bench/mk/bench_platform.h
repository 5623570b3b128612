/*
 * bench_platform.h — what the shared timing loop (bench/lib/timing.c) needs
 * from the platform, for the native microkernel benchmarks (bench/mk).
 *
 * bench/unix/bench_platform.h is the same interface for the static Linux
 * programs; the build picks one with -Ibench/mk or -Ibench/unix. The two
 * inline functions run just outside the timed region, so they stay inline:
 * the timed instructions are rdtsc .. call op .. rdtsc on every platform.
 */
#ifndef BENCH_PLATFORM_H
#define BENCH_PLATFORM_H

#include "mk.h"
#include <mach/comm_page.h>

/* How bench_fail prints the numeric error code (kern_return_t: hex). */
#define BENCH_ERROR_CODE_FMT "0x%x"

/* The cycle counter: under TCG icount, guest instructions executed. */
static inline uint64_t bench_cycles(void)
{
	return mk_rdtsc();
}

/* Interrupts and idle periods so far (kernel comm page): a change during a sample flags it. */
static inline uint64_t bench_disturbances(void)
{
	return MK_COMM_PAGE->interrupts + MK_COMM_PAGE->idle_entries;
}

/* Print one line (the newline is added). */
void bench_puts(const char *line);
/* End the benchmark program with status. */
void bench_exit(int status) __attribute__((noreturn));
/* A name for an error code of this platform (kern_return_t). */
const char *bench_error_string(int code);

#endif

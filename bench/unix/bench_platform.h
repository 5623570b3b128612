/*
 * bench_platform.h — what the shared timing loop (bench/lib/timing.c) needs
 * from the platform, for the static Linux programs of bench/unix (musl).
 *
 * Same interface as bench/mk/bench_platform.h. There is no comm page here:
 * a disturbance is a timer tick, seen as a change of the coarse monotonic
 * clock (which the kernel advances once per tick) read through the vDSO,
 * at a cost of a few dozen instructions outside the timed region.
 * README.md ("Flagging") says why not /proc/stat's interrupt count.
 */
#ifndef BENCH_PLATFORM_H
#define BENCH_PLATFORM_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* How bench_fail prints the numeric error code (an errno: decimal). */
#define BENCH_ERROR_CODE_FMT "%d"

/* The cycle counter: under TCG icount, guest instructions executed. */
static inline uint64_t bench_cycles(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#define BENCH_NSEC_PER_SEC 1000000000ULL

/*
 * Disturbances so far: the coarse clock in ns, which changes only at a
 * timer tick, so a change during a sample flags it. 0 when the clock is
 * missing (nothing is flagged then).
 */
static inline uint64_t bench_disturbances(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * BENCH_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Print one line (the newline is added). */
void bench_puts(const char *line);
/* End the benchmark program with status. */
void bench_exit(int status) __attribute__((noreturn));
/* strerror of an errno value. */
const char *bench_error_string(int code);

#endif

/*
 * comm_page.h — a page of kernel counters every task can read without a
 * trap, mapped read-only at MK_COMM_PAGE_ADDR (the last page of the user
 * half, outside every address map, so no task can unmap or replace it).
 *
 * The benchmark timing loop reads `interrupts` and `idle_entries` before
 * and after each sample: if either changed, an interrupt handler ran or the
 * CPU idled (under icount, `hlt` jumps the clock without executing
 * instructions), so the sample is flagged and kept apart.
 */
#ifndef MACH_COMM_PAGE_H
#define MACH_COMM_PAGE_H

#include <stdint.h>

#define MK_COMM_PAGE_ADDR 0x00007FFFFFFFF000UL

struct mk_comm_page {
	volatile uint64_t interrupts;        /* device interrupts taken (timer included) */
	volatile uint64_t idle_entries;      /* times a CPU went idle (hlt) */
	volatile uint64_t ticks;             /* timer ticks since boot */
	volatile uint64_t context_switches;
	uint64_t tick_ns;                    /* nominal tick length */
};

#define MK_COMM_PAGE ((const struct mk_comm_page *)MK_COMM_PAGE_ADDR)

#endif

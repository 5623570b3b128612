/*
 * stats.h — kernel event counters, readable from user space with the
 * kernel_stat trap (tests read them; benchmarks report them).
 */
#ifndef KERN_STATS_H
#define KERN_STATS_H

#include <stdint.h>

enum stat_counter {
	STAT_PAGE_FAULTS,       /* user faults resolved */
	STAT_ZERO_FILLS,        /* pages zero-filled on first touch */
	STAT_COW_FAULTS,        /* pages copied on a write to shared memory */
	STAT_PAGER_MESSAGES,    /* messages between the kernel and pagers */
	STAT_PAGER_FAULTS,      /* faults that asked a pager */
	STAT_PAGEOUTS,          /* pages written to the default pager's store */
	STAT_PAGEINS,           /* pages read back from it */
	STAT_CONTEXT_SWITCHES,
	STAT_IPC_FASTPATH_HITS,     /* RPCs handed straight to a waiting receiver */
	STAT_IPC_FASTPATH_MISSES,   /* send+receive calls that took the general path */
	STAT_PMAP_REFILLS,      /* hardware translations reloaded by the pmap alone */
	STAT_PMAP_EVICTIONS,    /* translations evicted from a full hashed page table */
	STAT_PMAP_TRIMS,        /* per-task hardware tables trimmed to their budget */
	STAT_PAGER_REPLIES_REFUSED, /* pager replies ignored: malformed, or a range outside the object */
	STAT_PAGER_FASTPATH_HITS,   /* pager requests and supplies that took the pager fast path */
	STAT_COUNTERS
};

extern uint64_t stats_counters[STAT_COUNTERS];

static inline void stats_inc(enum stat_counter c)
{
	__atomic_fetch_add(&stats_counters[c], 1, __ATOMIC_RELAXED);
}

#endif

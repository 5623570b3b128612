/*
 * pmc.h — the general-purpose performance counters (arch/x86_64/pmc.c).
 */
#ifndef KERN_PMC_H
#define KERN_PMC_H

#include <stdint.h>
#include <mach/kern_return.h>
#include <mach/traps.h>

#define PMC_MAX MK_PMC_MAX

/* Program counter index with a raw event select (0: turn it off), zeroed,
 * readable from user mode with rdpmc. KERN_INVALID_ARGUMENT: an index of
 * PMC_MAX or more, or select bits beyond event, unit mask, USR, OS, edge,
 * invert and counter mask; KERN_NOT_SUPPORTED: no architectural performance
 * monitoring, or fewer counters than index + 1. */
kern_return_t pmc_program(uint64_t index, uint64_t select);

#endif

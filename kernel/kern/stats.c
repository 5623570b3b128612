/*
 * stats.c — storage for the kernel event counters (stats.h).
 */
#include "kern/stats.h"

uint64_t stats_counters[STAT_COUNTERS];

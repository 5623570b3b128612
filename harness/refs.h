/* refs.h: the headline figures: what a few benchmarks are compared with
 * (published or measured figures of other kernels, in the same QEMU setup;
 * DESIGN.md section 6) and what machlab aims for. REPORT.md's "headline"
 * region is one table row per entry; its Linux column is measured in the same
 * run by the Linux target's equivalent benchmark, next to the anchor figure. */
#ifndef MACHLAB_REFS_H
#define MACHLAB_REFS_H

#include <stddef.h>

#include "bench_records.h"

struct bench_ref {
	const char *benchmark;
	const char *parameter; /* "-" or a number, as in the CSV */
	enum bench_unit unit;
	const char *label;     /* what the row is, for a reader */
	const char *sel4, *gnu_mach; /* "" when there is none */
	const char *linux_benchmark; /* the bench/unix benchmark measured for the Linux column, or "" */
	const char *linux_parameter; /* its parameter, "-" or a number */
	const char *linux_anchor;    /* the figure DESIGN.md and the issue give for it, a cross-check */
	const char *goal;      /* machlab's target, e.g. "≤ 475" */
};

extern const struct bench_ref bench_refs[];
extern const size_t bench_ref_count;

#endif

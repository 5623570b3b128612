/* csv.h: the result table of one benchmark run (one row per target,
 * benchmark, parameter and unit), its order, and its CSV file. */
#ifndef MACHLAB_CSV_H
#define MACHLAB_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bench_records.h"
#include "stats.h"

#define CSV_KERNEL_MACHLAB "machlab" /* the kernel column of microkernel targets */
#define CSV_HEADER \
	"run_id,commit,accelerator,target,benchmark,parameter,unit,n,min,median,p90,p99,max,flagged,kernel"

struct bench_row {
	size_t bench_index;  /* position in bench/BENCHMARKS */
	size_t target_index; /* position on the command line */
	struct bench_key key;
	struct bench_stats stats;
};

struct bench_table {
	const char *run_id, *commit, *accelerator;
	char *const *targets; /* names, in command-line order */
	char *const *target_kernels; /* per target: "machlab" or "<Linux package>=<version>"; may be NULL */
	const bool *target_linux;    /* per target: a Linux target; may be NULL (none is) */
	const char *const *target_accelerators; /* per target, when they differ (KVM twins);
						   NULL: accelerator for every target */
	char **owned_kernels;        /* a view's copy of target_kernels (report_view_make) */
	size_t target_count;
	struct bench_row *rows;
	size_t count;
};

bool csv_field_valid(const char *s);
void csv_rows_sort(struct bench_row *rows, size_t count);
void csv_print(FILE *out, const struct bench_table *t);
int csv_write(const char *path, const struct bench_table *t);

#endif

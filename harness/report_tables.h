/* report_tables.h: the Markdown that fills REPORT.md's generated regions
 * (results, ratios, headline, unix, unix-ratios), made from one run's result table, and
 * views of that table (one suite on one kind of target). Each
 * function returns malloc'd text (whole lines), or NULL when out of memory. */
#ifndef MACHLAB_REPORT_TABLES_H
#define MACHLAB_REPORT_TABLES_H

#include "csv.h"

#define NUMBER_MAX_BYTES 32 /* 2^64-1 with thousands separators, and more */

#include <stdio.h>

const char *number_format(uint64_t v, char buf[NUMBER_MAX_BYTES]);
const struct bench_row *report_table_find(const struct bench_table *t, const struct bench_key *key,
					  size_t target);
char *report_text_finish(FILE *out, char **text);
char *report_tables_results(const struct bench_table *t, const char *csv_path);
char *report_tables_ratios(const struct bench_table *t);
char *report_tables_headline(const struct bench_table *t);
#define REPORT_VIEW_MICROKERNEL 0   /* report_view_make's targets: the microkernel's */
#define REPORT_VIEW_LINUX       1   /* Linux's */
#define REPORT_VIEW_ALL         2   /* every one */
#define REPORT_VIEW_LINUX_FIRST 3   /* every one, Linux's first (ratios over Linux) */
int report_view_make(const struct bench_table *t, int targets, size_t first, size_t end,
		     struct bench_table *view);
void report_view_free(struct bench_table *view);

#endif

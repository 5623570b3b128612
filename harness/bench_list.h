/* bench_list.h: the list of benchmarks (bench/BENCHMARKS): the names the
 * harness may ask the guest to run, in the order results are reported. */
#ifndef MACHLAB_BENCH_LIST_H
#define MACHLAB_BENCH_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "strlist.h"

#define BENCH_NAME_MAX_BYTES 64 /* a benchmark name is at most 63 characters */

bool bench_name_valid(const char *name);
int bench_list_read(const char *path, struct strlist *names, char *err, size_t err_bytes);
int bench_list_select(const struct strlist *all, const char *only, struct strlist *out,
		      char *err, size_t err_bytes);

#endif

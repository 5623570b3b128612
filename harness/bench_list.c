/* bench_list.c: reads bench/BENCHMARKS: one benchmark per line, "name
 * description...", names [a-z0-9_]+; blank lines and '#' lines are ignored.
 * The descriptions are for people: the harness only keeps the names. */
#include "bench_list.h"
#include "manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_"

/* True when name is [a-z0-9_]+ and shorter than BENCH_NAME_MAX_BYTES. */
bool bench_name_valid(const char *name)
{
	size_t n = strspn(name, BENCH_NAME_CHARS);
	return n > 0 && n < BENCH_NAME_MAX_BYTES && name[n] == '\0';
}

static const struct name_list_format bench_list_format = {
	.what = "benchmark", .valid = bench_name_valid, .rule = "names are [a-z0-9_]+",
	.descriptions = true,
};

/* Reads the list at path into names (which must start empty); see name_list_read. */
int bench_list_read(const char *path, struct strlist *names, char *err, size_t err_bytes)
{
	return name_list_read(path, &bench_list_format, names, err, err_bytes);
}

/* Fills out (empty at first) with the names of all that appear in only, a
 * comma-separated list, keeping the order of all; every name in all if only
 * is NULL. Returns 0, or -EINVAL/-ENOMEM with err set (only names a
 * benchmark all lacks, or selects none). */
int bench_list_select(const struct strlist *all, const char *only, struct strlist *out,
		      char *err, size_t err_bytes)
{
	struct strlist wanted = { 0 };
	char *copy = strdup(only ? only : "");
	char *save = NULL;
	int rc = copy ? 0 : -ENOMEM;
	for (char *name = strtok_r(copy, ",", &save); rc == 0 && name;
	     name = strtok_r(NULL, ",", &save)) {
		rc = strlist_push(&wanted, name);
		if (rc == 0 && strlist_find(all, name) < 0) {
			snprintf(err, err_bytes, "--only: no benchmark named \"%s\"", name);
			rc = -EINVAL;
		}
	}
	for (size_t i = 0; rc == 0 && i < all->count; i++)
		if (!only || strlist_find(&wanted, all->items[i]) >= 0)
			rc = strlist_push(out, all->items[i]);
	if (rc == 0 && out->count == 0) {
		snprintf(err, err_bytes, "--only selects no benchmark");
		rc = -EINVAL;
	}
	if (rc == -ENOMEM)
		snprintf(err, err_bytes, "out of memory");
	free(copy);
	strlist_free(&wanted);
	return rc;
}

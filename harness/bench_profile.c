/* bench_profile.c: profiles machlab bench's fixed set on every microkernel
 * target and writes the two CSVs and the report region (bench_profile.h). */
#include "bench_profile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_profile.h"
#include "errmsg.h"
#include "profile_components.h"
#include "report.h"
#include "report_tables.h"

#define BENCH_PROFILE_NAMES_MAX 32
#define BENCH_PROFILE_SPACES_TEXT_BYTES 1024

/* Returns a malloc'd "<dir>/<run_id><suffix>", or NULL. */
static char *profile_path(const struct bench_profile_spec *spec, const char *suffix)
{
	size_t bytes = strlen(spec->results_dir) + strlen(spec->run_id) + strlen(suffix) + 2;
	char *path = malloc(bytes);
	if (path)
		snprintf(path, bytes, "%s/%s%s", spec->results_dir, spec->run_id, suffix);
	return path;
}

/* True when component c holds instructions in some row of list. */
static bool component_used(const struct profile_sums_list *list, size_t c)
{
	for (size_t i = 0; i < list->count; i++)
		if (list->items[i].by_component[c])
			return true;
	return false;
}

/* Writes the components CSV: "measure" then one column per used component,
 * one row per (benchmark, parameter, target). Returns 0 or -errno. */
int bench_profile_components_write(const char *path, const struct profile_sums_list *list)
{
	FILE *f = fopen(path, "we");
	if (!f)
		return -errno;
	fputs("measure", f);
	for (size_t c = 0; c < profile_component_count; c++)
		if (component_used(list, c))
			fprintf(f, ",%s", profile_component_names[c]);
	fputc('\n', f);
	for (size_t i = 0; i < list->count; i++) {
		const struct profile_sums *s = &list->items[i];
		fprintf(f, "%s%s%s %s", s->benchmark, strcmp(s->parameter, "-") ? ":" : "",
			strcmp(s->parameter, "-") ? s->parameter : "", s->target);
		for (size_t c = 0; c < profile_component_count; c++)
			if (component_used(list, c))
				fprintf(f, ",%" PRIu64, s->by_component[c]);
		fputc('\n', f);
	}
	return fclose(f) == 0 ? 0 : -errno;
}

/* The report region: one line per measurement and target, the figure and
 * its instructions per used component. Returns malloc'd text or NULL. */
static char *region_text(const struct bench_profile_spec *spec, const struct profile_sums_list *list)
{
	char *text = NULL, num[NUMBER_MAX_BYTES];
	size_t bytes;
	FILE *out = open_memstream(&text, &bytes);
	if (!out)
		return NULL;
	fputs("| benchmark | parameter | target | insn |", out);
	for (size_t c = 0; c < profile_component_count; c++)
		if (component_used(list, c))
			fprintf(out, " %s |", profile_component_names[c]);
	fputs("\n| --- | ---: | --- | ---: |", out);
	for (size_t c = 0; c < profile_component_count; c++)
		if (component_used(list, c))
			fputs(" ---: |", out);
	fputc('\n', out);
	for (size_t i = 0; i < list->count; i++) {
		const struct profile_sums *s = &list->items[i];
		fprintf(out, "| %s | %s | %s | %s |", s->benchmark, s->parameter, s->target,
			number_format(s->figure, num));
		for (size_t c = 0; c < profile_component_count; c++)
			if (component_used(list, c))
				fprintf(out, " %s |", s->by_component[c] ? number_format(s->by_component[c], num)
									 : "·");
		fputc('\n', out);
	}
	fputs("\nThe same samples by address space (1: the benchmark's own task; 2...: the "
	      "others in order of entry; 0: kernel work between two address-space switches "
	      "with no user code), kernel and user instructions and the space's busiest "
	      "user function:\n\n| benchmark | parameter | target | address spaces |\n"
	      "| --- | ---: | --- | --- |\n", out);
	for (size_t i = 0; i < list->count; i++) {
		const struct profile_sums *s = &list->items[i];
		char spaces[BENCH_PROFILE_SPACES_TEXT_BYTES];
		profile_spaces_format(s->spaces, s->space_count, spaces, sizeof spaces);
		fprintf(out, "| %s | %s | %s | %s |\n", s->benchmark, s->parameter, s->target, spaces);
	}
	fprintf(out, "\nRun `%s`; data: `%s/%s%s` (every function) and `%s%s`. Each line is "
		"the median sample of a quick run under the profiling plugin, split by component "
		"(`harness/profile_components.c`; Linux's functions by name, from its kallsyms); "
		"the components add up to the figure plus the timing loop's own %" PRIu64
		" instructions, which the figure leaves out.\n",
		spec->run_id, spec->results_dir, spec->run_id, BENCH_PROFILE_FUNCTIONS_SUFFIX,
		spec->run_id, BENCH_PROFILE_COMPONENTS_SUFFIX,
		list->count ? list->items[0].calibration : 0);
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* The benchmark order of the set, for sorting: the rows of one benchmark
 * on every target stand together. */
static const struct bench_profile_spec *sort_spec;
static char **sort_names; /* the microkernel set, then the Unix one */
static int sort_count;

/* Position of s's measure in the sets (BENCH or BENCH:PARAM). */
static int set_position(const struct profile_sums *s)
{
	for (int i = 0; i < sort_count; i++)
		if (profile_name_matches(sort_names[i], s->benchmark, s->parameter))
			return i;
	return sort_count;
}

/* Position of s's target on the command line. */
static size_t target_position(const struct profile_sums *s)
{
	for (size_t k = 0; k < sort_spec->target_count; k++)
		if (strcmp(sort_spec->target_names[k], s->target) == 0)
			return k;
	return sort_spec->target_count;
}

/* qsort order: the set's order, then the targets' (a stable tie-break by
 * parameter text keeps a benchmark's several parameters in arrival order). */
static int sums_compare(const void *pa, const void *pb)
{
	const struct profile_sums *a = pa, *b = pb;
	int pa_pos = set_position(a), pb_pos = set_position(b);
	if (pa_pos != pb_pos)
		return pa_pos - pb_pos;
	size_t ta = target_position(a), tb = target_position(b);
	if (ta != tb)
		return ta < tb ? -1 : 1;
	return strcmp(a->parameter, b->parameter);
}

/* Profiles every microkernel target of spec (one quick boot each). Returns 0
 * with *region set (malloc'd), or -1 with err set; a target that fails stops
 * the profile, never the benchmark rows already written. */
int bench_profile_run(const struct bench_profile_spec *spec, char **region, char *err,
		      size_t err_bytes)
{
	char *names = strdup(spec->set), *unix_names = spec->unix_set ? strdup(spec->unix_set) : NULL;
	char *argv[BENCH_PROFILE_NAMES_MAX];
	char *functions = profile_path(spec, BENCH_PROFILE_FUNCTIONS_SUFFIX);
	char *components = profile_path(spec, BENCH_PROFILE_COMPONENTS_SUFFIX);
	struct profile_sums_list list = { 0 };
	FILE *csv = functions ? fopen(functions, "we") : NULL;
	int count = 0, unix_first, rc = 0;
	*region = NULL;
	count = profile_names_split(names, argv, BENCH_PROFILE_NAMES_MAX);
	unix_first = count;
	count += profile_names_split(unix_names, argv + count, BENCH_PROFILE_NAMES_MAX - count);
	if (!names || (spec->unix_set && !unix_names) || !components || !csv)
		rc = errmsg_fail(err, err_bytes, "%s: %s", functions ? functions : "profile CSV",
				 strerror(errno ? errno : ENOMEM));
	if (csv)
		fputs(PROFILE_CSV_HEADER "\n", csv);
	for (size_t k = 0; rc == 0 && k < spec->target_count; k++) {
		bool is_linux = spec->target_linux && spec->target_linux[k];
		if (is_linux && !spec->unix_set)
			continue;
		report_line("profile %s: %s", spec->target_names[k], is_linux ? spec->unix_set
									    : spec->set);
		rc = profile_bench_target(spec->target_dirs[k], spec->target_names[k],
					  is_linux ? spec->unix_bench_path : spec->bench_path,
					  spec->plugin, spec->qemu_path, argv + (is_linux ? unix_first : 0),
					  is_linux ? count - unix_first : unix_first, csv, &list, err,
					  err_bytes);
	}
	if (csv && fclose(csv) != 0 && rc == 0)
		rc = errmsg_fail(err, err_bytes, "%s: %s", functions, strerror(errno));
	sort_spec = spec;
	sort_names = argv;
	sort_count = count;
	if (rc == 0)
		qsort(list.items, list.count, sizeof *list.items, sums_compare);
	if (rc == 0 && (rc = bench_profile_components_write(components, &list)) < 0)
		rc = errmsg_fail(err, err_bytes, "%s: %s", components, strerror(-rc));
	if (rc == 0 && !(*region = region_text(spec, &list)))
		rc = errmsg_fail(err, err_bytes, "out of memory");
	if (rc == 0)
		report_line("profile: %zu measurements in %s and %s", list.count, functions,
			    components);
	free(list.items);
	free(names);
	free(unix_names);
	free(functions);
	free(components);
	return rc;
}

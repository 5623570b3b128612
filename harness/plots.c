/* plots.c: runs the gnuplot scripts (see plots.h) through proc.c, with a
 * timeout, in file-name order, and checks that each wrote its figures. */
#include "plots.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_profile.h"
#include "proc.h"
#include "report.h"
#include "strlist.h"

#define PLOTS_SCRIPT_SUFFIX ".gp"
#define PLOTS_CSV_SUFFIX ".csv"
#define PLOTS_EXPR_MAX_BYTES (2 * PATH_MAX + 32)

/* What the output callback needs. */
struct plots_run {
	const char *script;
	struct plots_result *result;
};

/* qsort order of strings. */
static int plots_name_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Fills names with the files in dir whose names end in suffix, sorted.
 * Returns 0 or -errno. */
static int plots_dir_list(const char *dir, const char *suffix, struct strlist *names)
{
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	int rc = 0;
	size_t suffix_len = strlen(suffix);
	for (struct dirent *e; rc == 0 && (e = readdir(d));) {
		size_t len = strlen(e->d_name);
		if (len > suffix_len && strcmp(e->d_name + len - suffix_len, suffix) == 0)
			rc = strlist_push(names, e->d_name);
	}
	closedir(d);
	if (names->count > 1)
		qsort(names->items, names->count, sizeof *names->items, plots_name_compare);
	return rc;
}

/* Reports a line gnuplot printed: with these scripts, only warnings. */
static void plots_on_line(void *ctx, const char *line)
{
	struct plots_run *run = ctx;
	run->result->warnings++;
	report_line("warning: gnuplot %s: %s", run->script, line);
}

/* True when out_dir/stem.ext exists and is not empty. */
static bool plots_figure_written(const char *out_dir, const char *stem, const char *ext)
{
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s.%s", out_dir, stem, ext);
	return stat(path, &st) == 0 && st.st_size > 0;
}

/* Runs one script and counts what became of it. */
void plots_run_script(const struct plots_spec *spec, const char *name,
		      struct plots_result *result)
{
	char expr[PLOTS_EXPR_MAX_BYTES], script[PATH_MAX], how[NAME_MAX + PATH_MAX] = "";
	snprintf(expr, sizeof expr, "csv='%s'; outdir='%s'", spec->csv_path, spec->out_dir);
	snprintf(script, sizeof script, "%s/%s", spec->scripts_dir, name);
	char *argv[] = { (char *)spec->gnuplot_path, "-e", expr, script, NULL };
	struct plots_run run = { .script = name, .result = result };
	struct proc_spec ps = { .argv = argv, .timeout_ms = spec->timeout_ms,
				.on_line = plots_on_line, .ctx = &run };
	struct proc_status st;
	char stem[NAME_MAX + 1];
	snprintf(stem, sizeof stem, "%.*s", (int)(strlen(name) - strlen(PLOTS_SCRIPT_SUFFIX)), name);
	int rc = proc_run(&ps, &st);
	if (rc < 0)
		snprintf(how, sizeof how, "cannot run %s: %s", spec->gnuplot_path, strerror(-rc));
	else if (st.timed_out)
		snprintf(how, sizeof how, "timed out after %d s", spec->timeout_ms / 1000);
	else if (!st.exited || st.exit_code != 0)
		snprintf(how, sizeof how, "gnuplot failed (exit %d, signal %d)", st.exit_code,
			 st.term_signal);
	else if (!plots_figure_written(spec->out_dir, stem, "svg") ||
		 !plots_figure_written(spec->out_dir, stem, "png"))
		snprintf(how, sizeof how, "%s/%s.svg or .png not written", spec->out_dir, stem);
	if (how[0]) {
		result->failed++;
		report_line("FAIL plot %s: %s", name, how);
	} else {
		result->rendered++;
		report_line("plot %s/%s.svg, %s/%s.png", spec->out_dir, stem, spec->out_dir, stem);
	}
}

/* Runs every script in spec->scripts_dir on spec->csv_path. Returns 0 with
 * result filled in (failures are counted there), or -errno when the scripts
 * cannot be listed (-ENOENT: there are none) or a path would need quoting. */
int plots_render(const struct plots_spec *spec, struct plots_result *result)
{
	struct strlist scripts = { 0 };
	*result = (struct plots_result){ 0 };
	if (strchr(spec->csv_path, '\'') || strchr(spec->out_dir, '\''))
		return -EINVAL; /* gnuplot's string quoting has no escape for ' */
	int rc = plots_dir_list(spec->scripts_dir, PLOTS_SCRIPT_SUFFIX, &scripts);
	if (rc == 0 && scripts.count == 0)
		rc = -ENOENT;
	for (size_t i = 0; rc == 0 && i < scripts.count; i++)
		plots_run_script(spec, scripts.items[i], result);
	strlist_free(&scripts);
	return rc;
}

/* True when name ends in suffix. */
static bool plots_ends_with(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);
	return n >= k && strcmp(name + n - k, suffix) == 0;
}

/* Sets *path (malloc'd) to the newest run CSV in results_dir: the greatest
 * name, as run ids sort by time, leaving out a run's profile CSVs (see
 * bench_profile.h). Returns 0, -ENOENT when there is none, or -errno. */
int plots_newest_csv(const char *results_dir, char **path)
{
	struct strlist names = { 0 };
	const char *newest = NULL;
	int rc = plots_dir_list(results_dir, PLOTS_CSV_SUFFIX, &names);
	for (size_t i = 0; rc == 0 && i < names.count; i++)
		if (!plots_ends_with(names.items[i], BENCH_PROFILE_FUNCTIONS_SUFFIX) &&
		    !plots_ends_with(names.items[i], BENCH_PROFILE_COMPONENTS_SUFFIX) &&
		    (!newest || strcmp(names.items[i], newest) > 0))
			newest = names.items[i];
	if (rc == 0 && !newest)
		rc = -ENOENT;
	size_t bytes = rc == 0 ? strlen(results_dir) + strlen(newest) + 2 : 0;
	if (rc == 0 && !(*path = malloc(bytes)))
		rc = -ENOMEM;
	if (rc == 0)
		snprintf(*path, bytes, "%s/%s", results_dir, newest);
	strlist_free(&names);
	return rc;
}

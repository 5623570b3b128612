/* bench_profile.h: the profile part of "machlab bench": a fixed set of
 * benchmarks profiled on every microkernel target (cmd_profile.h), written
 * as <results-dir>/<run-id>-profile.csv (every function of each median
 * sample) and <run-id>-components.csv (instructions per component, one row
 * per benchmark and target: what plots/profile.gp stacks), and the text of
 * REPORT.md's "profile" region. */
#ifndef MACHLAB_BENCH_PROFILE_H
#define MACHLAB_BENCH_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#define BENCH_PROFILE_FUNCTIONS_SUFFIX "-profile.csv"
#define BENCH_PROFILE_COMPONENTS_SUFFIX "-components.csv"

struct bench_profile_spec {
	const char *plugin;      /* the plugin .so */
	const char *set;         /* space-separated BENCH or BENCH:PARAM */
	const char *bench_path;  /* the benchmark program */
	const char *unix_set;    /* the same for Linux targets, or NULL: they are skipped */
	const char *unix_bench_path; /* bench/unix's program with its symbols */
	const char *qemu_path;
	const char *results_dir, *run_id;
	char *const *target_dirs, *const *target_names;
	const bool *target_linux; /* these run unix_set */
	size_t target_count;
};

struct profile_sums_list;

int bench_profile_components_write(const char *path, const struct profile_sums_list *list);
int bench_profile_run(const struct bench_profile_spec *spec, char **region, char *err,
		      size_t err_bytes);

#endif

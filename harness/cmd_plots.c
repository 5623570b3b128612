/* cmd_plots.c: "machlab plots [--results-dir DIR] [--plots-dir DIR]
 * [--csv PATH]": renders the figures again from a CSV (by default the
 * newest in the results directory, by run id) without running anything. */
#include "cmd_plots.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_test.h"
#include "plots.h"
#include "report.h"

static const char plots_usage[] =
	"usage: machlab plots [--results-dir DIR] [--plots-dir DIR] [--csv PATH]\n";

/* Entry point of "machlab plots"; argv[0] is "plots". Returns the exit status. */
int cmd_plots_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "results-dir", required_argument, NULL, 'd' },
		{ "plots-dir", required_argument, NULL, 'p' },
		{ "csv", required_argument, NULL, 'c' }, { NULL, 0, NULL, 0 },
	};
	const char *results_dir = "results", *csv = NULL;
	struct plots_spec spec = { .gnuplot_path = PLOTS_GNUPLOT_BINARY, .scripts_dir = "plots",
				   .out_dir = "plots", .timeout_ms = PLOTS_TIMEOUT_MS };
	bool bad = false;
	optind = 1;
	for (int c; !bad && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1;) {
		if (c == 'd')
			results_dir = optarg;
		else if (c == 'p')
			spec.scripts_dir = spec.out_dir = optarg;
		else if (c == 'c')
			csv = optarg;
		else
			bad = true;
	}
	if (bad || optind != argc) {
		fputs(plots_usage, stderr);
		return CMD_EXIT_USAGE;
	}
	char *newest = NULL;
	int rc = csv ? 0 : plots_newest_csv(results_dir, &newest);
	if (rc < 0) {
		fprintf(stderr, "machlab plots: no CSV in %s: %s\n", results_dir, strerror(-rc));
		return CMD_EXIT_USAGE;
	}
	spec.csv_path = csv ? csv : newest;
	struct plots_result result;
	report_line("machlab plots: from %s into %s/", spec.csv_path, spec.out_dir);
	rc = plots_render(&spec, &result);
	if (rc < 0)
		report_line("FAIL plots: %s/*.gp: %s", spec.scripts_dir, strerror(-rc));
	else
		report_line("summary: %u plots rendered, %u failed, %u gnuplot warnings",
			    result.rendered, result.failed, result.warnings);
	free(newest);
	return rc == 0 && result.failed == 0 ? CMD_EXIT_OK : CMD_EXIT_FAILED;
}

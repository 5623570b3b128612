/* plots.h: rendering the figures: every gnuplot script in the plots
 * directory is run on one results CSV, as
 *   gnuplot -e "csv='<csv>'; outdir='<out dir>'" <scripts dir>/<name>.gp
 * and must write <out dir>/<name>.svg and <out dir>/<name>.png. */
#ifndef MACHLAB_PLOTS_H
#define MACHLAB_PLOTS_H

#define PLOTS_GNUPLOT_BINARY "gnuplot"
#define PLOTS_TIMEOUT_MS 60000 /* per script */
#define PLOTS_SCRIPTS_MAX 64

struct plots_spec {
	const char *gnuplot_path;
	const char *csv_path;
	const char *scripts_dir; /* where the *.gp are */
	const char *out_dir;     /* where the figures go */
	int timeout_ms;
};

/* What became of the scripts; gnuplot output lines are reported as they come. */
struct plots_result {
	unsigned rendered; /* scripts that ran cleanly and wrote both files */
	unsigned failed;   /* scripts that failed (or gnuplot could not run) */
	unsigned warnings; /* lines gnuplot printed (its warnings) */
};

int plots_render(const struct plots_spec *spec, struct plots_result *result);
void plots_run_script(const struct plots_spec *spec, const char *name,
		      struct plots_result *result);
int plots_newest_csv(const char *results_dir, char **path);

#endif

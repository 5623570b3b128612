/* host_unit.c: runs a host unit-test binary, streams its output to ours, and
 * takes its counts from its last line ("N passed, N failed[, N skipped]").
 * A binary that crashes, times out, or exits non-zero without owning up to a
 * failure counts one extra failure named host-unit-tests. */
#include "host_unit.h"

#include <stdio.h>
#include <string.h>

#include "report.h"

/* Streams the binary's output and remembers its last non-blank line. */
static void host_unit_on_line(void *ctx, const char *line)
{
	char *last = ctx;
	report_line("%s", line);
	if (line[strspn(line, " \t")] != '\0')
		snprintf(last, PROC_LINE_MAX_BYTES, "%s", line);
}

/* Turns the binary's last line and exit status into counts, adding one
 * failure (with its reason) when the run itself went wrong. */
void host_unit_judge(const char *last_line, const struct proc_status *status,
		     struct host_unit_result *out)
{
	bool summary = unit_summary_parse(last_line, &out->counts);
	size_t n = sizeof out->reason;
	out->reason[0] = '\0';
	if (status->timed_out)
		snprintf(out->reason, n, "timed out");
	else if (!status->exited)
		snprintf(out->reason, n, "killed by signal %d", status->term_signal);
	else if (!summary)
		snprintf(out->reason, n, "no \"N passed, N failed\" last line (exit %d)",
			 status->exit_code);
	else if (status->exit_code != 0 && out->counts.failed == 0)
		snprintf(out->reason, n, "exit %d though no test failed", status->exit_code);
	if (!summary)
		out->counts = (struct unit_counts){ 0 };
	out->counts.failed += out->reason[0] != '\0';
}

/* Runs the binary at path and fills out, reporting any failure it adds. */
void host_unit_run(const char *path, int timeout_ms, struct host_unit_result *out)
{
	char last[PROC_LINE_MAX_BYTES] = "";
	char *argv[] = { (char *)path, NULL };
	struct proc_spec spec = {
		.argv = argv, .timeout_ms = timeout_ms, .on_line = host_unit_on_line, .ctx = last,
	};
	struct proc_status status;
	int rc = proc_run(&spec, &status);
	if (rc < 0) {
		out->counts = (struct unit_counts){ .failed = 1 };
		snprintf(out->reason, sizeof out->reason, "cannot run %s: %s", path, strerror(-rc));
	} else {
		host_unit_judge(last, &status, out);
	}
	if (out->reason[0])
		report_line("FAIL %s: %s", HOST_UNIT_NAME, out->reason);
}

/* target.c: runs the guest test suite on one target. The first boot runs the
 * whole suite; whenever a boot ends (exit, crash, timeout, or a kernel hang:
 * no serial line for hang_timeout_ms) with names still missing, the one that
 * was running is failed and the target is rebooted with only the rest, so one
 * crashing or hanging test cannot hide the others. */
#include "target.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol.h"
#include "qemu.h"
#include "report.h"

/* State of the boot in progress, seen by the line and tick callbacks. */
struct boot_state {
	struct target *target;
	int64_t start_ms;   /* when the target's first boot began */
	size_t requested;   /* how many tests this boot was asked to run */
	bool suite_started; /* the guest runner printed SUITE begin or a result */
	unsigned ok_seen;   /* TEST lines seen in this boot */
	unsigned fail_seen;
	char running[TEST_NAME_MAX_BYTES]; /* last RUN name without its TEST line; "" if none */
};

/* Returns a malloc'd "<a>/<b>" (one slash even if a ends in one), or NULL. */
char *path_join(const char *a, const char *b)
{
	size_t a_len = strlen(a);
	while (a_len > 1 && a[a_len - 1] == '/')
		a_len--;
	size_t bytes = a_len + strlen(b) + 2;
	char *out = malloc(bytes);
	if (out)
		snprintf(out, bytes, "%.*s/%s", (int)a_len, a, b);
	return out;
}

/* Returns a malloc'd basename of dir, ignoring trailing slashes, or NULL. */
char *target_name_from_dir(const char *dir)
{
	size_t end = strlen(dir);
	while (end > 0 && dir[end - 1] == '/')
		end--;
	size_t start = end;
	while (start > 0 && dir[start - 1] != '/')
		start--;
	return end > start ? strndup(dir + start, end - start) : NULL;
}

/* Sets up t for the target in dir, with its log in log_dir (dir if NULL).
 * Returns 0, or a negative errno with a one-line explanation in err. */
int target_open(struct target *t, const char *dir, const char *log_dir, char *err,
		size_t err_bytes)
{
	*t = (struct target){ .name = target_name_from_dir(dir) };
	if (!t->name) {
		snprintf(err, err_bytes, "%s: cannot name a target after this directory", dir);
		return -EINVAL;
	}
	char log_file[TEST_NAME_MAX_BYTES + 256];
	snprintf(log_file, sizeof log_file, "%s-test.log", t->name);
	t->kernel_path = path_join(dir, TARGET_KERNEL_FILE);
	t->log_path = path_join(log_dir ? log_dir : dir, log_file);
	if (!t->kernel_path || !t->log_path) {
		snprintf(err, err_bytes, "out of memory");
		return -ENOMEM;
	}
	const char *bad = access(t->kernel_path, R_OK) < 0 ? t->kernel_path : NULL;
	if (!bad && !(t->log = fopen(t->log_path, "we")))
		bad = t->log_path;
	if (bad) {
		int rc = -errno;
		snprintf(err, err_bytes, "%s: %s", bad, strerror(-rc));
		return rc;
	}
	return 0;
}

/* Prints the "[target i/n] name: boot k, r/t tests, e s" progress line. */
static void target_progress(void *ctx)
{
	struct boot_state *b = ctx;
	struct target *t = b->target;
	report_line("[target %zu/%zu] %s: boot %u, %zu/%zu tests, %.1f s", t->index + 1,
		    t->total, t->name, t->boots, t->results.count - results_missing_count(&t->results),
		    t->results.count, (double)(proc_clock_ms() - b->start_ms) / 1000);
}

/* Records one TEST line and prints what became of it. */
static void target_on_result(struct boot_state *b, const struct guest_line *g)
{
	struct target *t = b->target;
	bool passed = g->kind == GUEST_LINE_TEST_OK;
	const struct test_result *entry;
	b->suite_started = true;
	if (strcmp(b->running, g->name) == 0)
		b->running[0] = '\0';
	*(passed ? &b->ok_seen : &b->fail_seen) += 1;
	switch (results_record(&t->results, g->name, passed,
			       g->reason[0] ? g->reason : "no reason given", &entry)) {
	case RESULTS_RECORDED:
	case RESULTS_UNKNOWN:
		if (entry->state == TEST_PASSED)
			report_line("ok   %s/%s", t->name, entry->name);
		else
			report_line("FAIL %s/%s: %s", t->name, entry->name, entry->reason);
		break;
	case RESULTS_DUPLICATE:
		report_line("warning: %s/%s: repeated result ignored (the first one counts)",
			    t->name, g->name);
		break;
	case RESULTS_NO_MEMORY:
		report_line("warning: %s/%s: out of memory recording a result", t->name, g->name);
		break;
	}
}

/* Handles one serial-console line: logs it, and acts on protocol lines. */
static void target_on_line(void *ctx, const char *line)
{
	struct boot_state *b = ctx;
	const char *name = b->target->name;
	struct guest_line g;
	fprintf(b->target->log, "%s\n", line);
	switch (guest_line_parse(line, &g)) {
	case GUEST_LINE_TEST_OK:
	case GUEST_LINE_TEST_FAIL:
		target_on_result(b, &g);
		break;
	case GUEST_LINE_SUITE_BEGIN:
		b->suite_started = true;
		if (g.count != b->requested)
			report_line("warning: %s: guest suite runs %u tests, expected %zu",
				    name, g.count, b->requested);
		break;
	case GUEST_LINE_SUITE_END:
		if (g.passed != b->ok_seen || g.failed != b->fail_seen)
			report_line("warning: %s: guest counted %u ok, %u failed; harness saw %u, %u", name,
				    g.passed, g.failed, b->ok_seen, b->fail_seen);
		break;
	case GUEST_LINE_RUN:
		b->suite_started = true;
		snprintf(b->running, sizeof b->running, "%s", g.name);
		break;
	case GUEST_LINE_HEARTBEAT: /* its only job was to keep the line from going quiet */
	case GUEST_LINE_OTHER:
		break;
	}
}

/* Writes the boot's QEMU command line to the log, quoted for a shell, so a
 * failing boot can be repeated by hand. */
static void target_log_command(struct target *t, const struct qemu_boot *boot)
{
	struct strlist argv = { 0 };
	qemu_argv_build(boot, &argv);
	fprintf(t->log, "=== machlab: %s boot %u:", t->name, t->boots);
	for (size_t i = 0; i < argv.count; i++)
		fprintf(t->log, strpbrk(argv.items[i], " ,") ? " '%s'" : " %s", argv.items[i]);
	fprintf(t->log, "\n");
	strlist_free(&argv);
}

/* Fails the next missing test (every one if all is set) with reason. */
static void target_fail_missing(struct target *t, const char *reason, bool all)
{
	const struct test_result *failed;
	do {
		failed = results_fail_next_missing(&t->results, reason);
		if (failed)
			report_line("FAIL %s/%s: %s", t->name, failed->name, reason);
	} while (failed && all);
}

/* Fails the test the guest was running when the kernel hung (the next missing
 * one if it was between tests), naming the test and the log in the reason. A
 * running name outside the manifest fails as an extra, which can only happen
 * in the first boot: reboots run manifest names only. */
static void target_fail_hang(struct boot_state *b, int hang_timeout_ms)
{
	struct target *t = b->target;
	char reason[TEST_REASON_MAX_BYTES];
	const struct test_result *entry = NULL;
	snprintf(reason, sizeof reason, "kernel hang (no output for %d s) %s%s; log: %s",
		 hang_timeout_ms / 1000, b->running[0] ? "while running " : "between tests",
		 b->running, t->log_path);
	enum results_outcome outcome = b->running[0]
		? results_record(&t->results, b->running, false, reason, &entry) : RESULTS_DUPLICATE;
	if (outcome == RESULTS_RECORDED || outcome == RESULTS_UNKNOWN)
		report_line("FAIL %s/%s: %s", t->name, entry->name, reason);
	else
		target_fail_missing(t, reason, false);
}

/* Applies the rules after a boot ended as status says. Returns true when the
 * target must be rebooted. Each reboot follows a boot that fails one more
 * test, so there are at most as many boots as manifest names. */
static bool target_boot_end(struct boot_state *b, const struct proc_status *status,
			    const struct qemu_boot *boot)
{
	struct target *t = b->target;
	char how[128], reason[TEST_REASON_MAX_BYTES];
	qemu_status_describe(status, boot, how, sizeof how);
	fprintf(t->log, "=== machlab: %s boot %u ended: %s\n", t->name, t->boots, how);
	fflush(t->log);
	if (results_missing_count(&t->results) == 0) {
		if (!qemu_status_clean(status))
			report_line("warning: %s: every test reported, but %s", t->name, how);
		return false;
	}
	if (!b->suite_started) {
		/* the runner never ran: rebooting would fail the same way, every time */
		snprintf(reason, sizeof reason, "no result (guest suite never started; %s; see %s)",
			 how, t->log_path);
		target_fail_missing(t, reason, true);
		return false;
	}
	if (status->silent) {
		target_fail_hang(b, boot->silence_timeout_ms);
	} else {
		snprintf(reason, sizeof reason, "no result (%s)", how);
		target_fail_missing(t, reason, false);
	}
	return results_missing_count(&t->results) > 0;
}

/* Boots once, asking for the tests still missing (all of them, by giving no
 * names, on the first boot). Returns true when another boot must follow. */
static bool target_boot(struct boot_state *b, const struct target_suite *suite)
{
	struct target *t = b->target;
	struct strlist missing = { 0 };
	char *args = NULL;
	int rc = results_missing(&t->results, &missing);
	if (rc == 0 && t->boots > 0 && !(args = strlist_join(&missing, " ")))
		rc = -ENOMEM;
	t->boots++;
	*b = (struct boot_state){ .target = t, .start_ms = b->start_ms, .requested = missing.count };
	struct qemu_module module = { .path = suite->tests_path, .args = args };
	struct qemu_boot boot = {
		.qemu_path = suite->qemu_path, .kernel_path = t->kernel_path,
		.modules = &module, .module_count = 1, .timeout_ms = suite->timeout_ms,
		.silence_timeout_ms = suite->hang_timeout_ms,
		.on_line = target_on_line, .on_tick = target_progress,
		.tick_interval_ms = TARGET_PROGRESS_INTERVAL_MS, .ctx = b,
	};
	struct qemu_result result = { 0 };
	target_progress(b);
	target_log_command(t, &boot);
	if (rc == 0)
		rc = qemu_run(&boot, &result);
	bool again = rc == 0 && target_boot_end(b, &result.status, &boot);
	if (rc < 0) {
		char reason[TEST_REASON_MAX_BYTES];
		snprintf(reason, sizeof reason, "no result (cannot run %s: %s)", suite->qemu_path,
			 strerror(-rc));
		target_fail_missing(t, reason, true);
	}
	qemu_result_free(&result);
	free(args);
	strlist_free(&missing);
	return again;
}

/* Runs the suite on t until every manifest name has a result. */
void target_test(struct target *t, const struct target_suite *suite)
{
	struct boot_state b = { .target = t, .start_ms = proc_clock_ms() };
	if (results_init(&t->results, suite->manifest) < 0) {
		report_line("FAIL %s: out of memory", t->name);
		return;
	}
	while (target_boot(&b, suite))
		;
	unsigned passed, failed;
	results_count(&t->results, &passed, &failed);
	t->elapsed_s = (double)(proc_clock_ms() - b.start_ms) / 1000;
	report_line("[target %zu/%zu] %s: done, %u passed, %u failed, %u boots, %.1f s",
		    t->index + 1, t->total, t->name, passed, failed, t->boots, t->elapsed_s);
}

/* Closes the log and frees everything t holds. */
void target_close(struct target *t)
{
	if (t->log)
		fclose(t->log);
	results_free(&t->results);
	free(t->name);
	free(t->kernel_path);
	free(t->log_path);
	*t = (struct target){ 0 };
}

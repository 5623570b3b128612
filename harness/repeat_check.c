/* repeat_check.c: boot one target twice with the same benchmark and require
 * byte-identical sample records; boot a target once with every benchmark and
 * require samples from each; boot a target with little RAM for the tests
 * that need it (see repeat_check.h). */
#include "repeat_check.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linux_boot.h"
#include "profile.h"
#include "protocol.h"
#include "qemu.h"
#include "results.h"
#include "stats.h"
#include "strlist.h"

#define REPEAT_RECORD_PREFIX "BENCH samples "
#define CHECK_HOW_MAX_BYTES 128 /* how a boot ended, in words */

/* Boots rc's kernel with its program run with args; true if the boot ended
 * cleanly, else how says how it ended (e.g. "kernel hang: no output for 30 s").
 * result is the caller's to free either way. */
static bool check_boot(const struct repeat_check *rc, const char *args,
		       struct qemu_result *result, char how[CHECK_HOW_MAX_BYTES])
{
	struct qemu_module module = { .path = rc->bench_path, .args = args };
	char *cmdline = rc->initrd_path ? linux_cmdline(args) : NULL;
	struct qemu_boot boot = {
		.qemu_path = rc->qemu_path, .kernel_path = rc->kernel_path,
		.modules = rc->initrd_path ? NULL : &module, .module_count = rc->initrd_path ? 0 : 1,
		.initrd_path = rc->initrd_path, .append = cmdline, .timeout_ms = rc->timeout_ms,
		.silence_timeout_ms = rc->hang_timeout_ms,
		.memory_mib = rc->memory_mib,
	};

	*result = (struct qemu_result){ 0 };
	int err = rc->initrd_path && !cmdline ? -ENOMEM : qemu_run(&boot, result);
	free(cmdline);

	if (err < 0)
		snprintf(how, CHECK_HOW_MAX_BYTES, "cannot run %s: %s", rc->qemu_path, strerror(-err));
	else
		qemu_status_describe(&result->status, &boot, how, CHECK_HOW_MAX_BYTES);
	return err == 0 && qemu_status_clean(&result->status);
}

/* One boot; keeps the sample lines in samples. Returns false with reason set on failure. */
static bool repeat_boot(const struct repeat_check *rc, struct strlist *samples, char *reason,
			size_t reason_bytes)
{
	struct qemu_result result;
	char how[CHECK_HOW_MAX_BYTES];
	bool ok = check_boot(rc, rc->bench_args, &result, how);

	if (!ok)
		snprintf(reason, reason_bytes, "a boot of %s did not end cleanly (%s)", rc->kernel_path,
			 how);
	for (size_t i = 0; ok && i < result.lines.count; i++)
		if (strncmp(result.lines.items[i], REPEAT_RECORD_PREFIX,
			    strlen(REPEAT_RECORD_PREFIX)) == 0 &&
		    strlist_push(samples, result.lines.items[i]) < 0)
			ok = false;
	if (ok && samples->count == 0) {
		snprintf(reason, reason_bytes, "the boot printed no samples");
		ok = false;
	}
	qemu_result_free(&result);
	return ok;
}

/* True when a and b hold the same lines; otherwise false with reason
 * naming the first difference (what_a/what_b say where each came from). */
static bool lines_same(const struct strlist *a, const struct strlist *b, const char *what_a,
		       const char *what_b, char *reason, size_t reason_bytes)
{
	if (a->count != b->count) {
		snprintf(reason, reason_bytes, "%zu lines %s, %zu %s", a->count, what_a, b->count,
			 what_b);
		return false;
	}
	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->items[i], b->items[i]) != 0) {
			snprintf(reason, reason_bytes, "line %zu differs: \"%.80s\" %s, \"%.80s\" %s",
				 i + 1, a->items[i], what_a, b->items[i], what_b);
			return false;
		}
	return true;
}

/* Boots twice and compares the sample lines. */
static bool boots_compare(const struct repeat_check *rc, char *reason, size_t reason_bytes)
{
	struct strlist first = { 0 }, second = { 0 };
	bool ok = repeat_boot(rc, &first, reason, reason_bytes) &&
		  repeat_boot(rc, &second, reason, reason_bytes) &&
		  lines_same(&first, &second, "the first time", "the second", reason, reason_bytes);
	strlist_free(&first);
	strlist_free(&second);
	return ok;
}

bool repeat_check_run(const struct repeat_check *rc, char *reason, size_t reason_bytes)
{
	return boots_compare(rc, reason, reason_bytes);
}

/* The medians of the unflagged samples of each measure in lines (sample
 * records, in order), as "name param unit median" lines in out. Returns 0 or
 * -ENOMEM. */
static int medians_of(const struct strlist *lines, struct strlist *out)
{
	struct profile_measures m = { 0 };
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < lines->count; i++)
		rc = profile_measures_feed(&m, lines->items[i]);
	for (size_t i = 0; rc == 0 && i < m.count; i++) {
		const struct profile_measure *x = &m.items[i];
		uint64_t *kept = malloc((x->count + 1) * sizeof *kept);
		size_t n = 0;
		struct bench_stats st;
		char line[CHECK_HOW_MAX_BYTES];
		for (size_t k = 0; kept && k < x->count; k++)
			if (!x->values[k].flagged)
				kept[n++] = x->values[k].value;
		rc = kept ? stats_compute(kept, n, x->count - n, &st) : -ENOMEM;
		if (rc == 0) {
			snprintf(line, sizeof line, "%s %s insn median %" PRIu64, x->benchmark,
				 x->parameter, n ? st.median : 0);
			rc = strlist_push(out, line);
		}
		free(kept);
	}
	profile_measures_free(&m);
	return rc;
}

bool marker_check_run(const struct repeat_check *rc, const char *unmarked_bench, char *reason,
		      size_t reason_bytes)
{
	struct repeat_check unmarked = *rc;
	struct strlist marked_lines = { 0 }, unmarked_lines = { 0 }, a = { 0 }, b = { 0 };
	unmarked.bench_path = unmarked_bench;
	bool ok = repeat_boot(rc, &marked_lines, reason, reason_bytes) &&
		  repeat_boot(&unmarked, &unmarked_lines, reason, reason_bytes);
	if (ok && (medians_of(&marked_lines, &a) < 0 || medians_of(&unmarked_lines, &b) < 0)) {
		snprintf(reason, reason_bytes, "out of memory");
		ok = false;
	}
	ok = ok && lines_same(&a, &b, "with the markers", "without", reason, reason_bytes);
	strlist_free(&marked_lines);
	strlist_free(&unmarked_lines);
	strlist_free(&a);
	strlist_free(&b);
	return ok;
}

bool bench_smoke_run(const struct repeat_check *rc, const struct strlist *names, char *reason,
		     size_t reason_bytes)
{
	struct strlist samples = { 0 };
	bool ok = repeat_boot(rc, &samples, reason, reason_bytes);

	for (size_t i = 0; ok && i < names->count; i++) {
		size_t len = strlen(names->items[i]);
		bool seen = false;

		for (size_t k = 0; !seen && k < samples.count; k++) {
			const char *rest = samples.items[k] + strlen(REPEAT_RECORD_PREFIX);

			seen = strncmp(rest, names->items[i], len) == 0 && rest[len] == ' ';
		}
		if (!seen) {
			snprintf(reason, reason_bytes, "benchmark %s printed no samples",
				 names->items[i]);
			ok = false;
		}
	}
	strlist_free(&samples);
	return ok;
}

int little_ram_run(const struct repeat_check *rc, const struct strlist *names,
		   struct results *r)
{
	char *args = strlist_join(names, " ");
	struct qemu_result result;
	char how[CHECK_HOW_MAX_BYTES], reason[CHECK_HOW_MAX_BYTES + 64];
	bool clean;

	if (!args || results_init(r, names) < 0) {
		free(args);
		return -ENOMEM;
	}
	clean = check_boot(rc, args, &result, how);
	snprintf(reason, sizeof reason, "the boot did not end cleanly (%s)", how);
	for (size_t i = 0; i < result.lines.count; i++) {
		struct guest_line gl;
		const struct test_result *entry;
		enum guest_line_kind kind = guest_line_parse(result.lines.items[i], &gl);

		if (kind == GUEST_LINE_TEST_OK || kind == GUEST_LINE_TEST_FAIL)
			results_record(r, gl.name, kind == GUEST_LINE_TEST_OK, gl.reason, &entry);
	}
	while (results_fail_next_missing(r, clean ? "no result" : reason))
		;
	qemu_result_free(&result);
	free(args);
	return 0;
}

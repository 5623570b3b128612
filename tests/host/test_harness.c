/* test_harness.c: host tests for the harness (every harness source but main.c is
 * linked in). Fake QEMUs are small shell scripts written to a temporary
 * directory at test time. Prints "ok name" or "FAIL name: expected X got Y"
 * per test and ends with exactly "N passed, N failed". */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_test.h"
#include "harness_check.h"
#include "host_unit.h"
#include "manifest.h"
#include "proc.h"
#include "protocol.h"
#include "qemu.h"
#include "repeat_check.h"
#include "report.h"
#include "results.h"
#include "target.h"

#define FAKE_TIMEOUT_MS 10000 /* for fakes that do not hang */
#define HANG_TIMEOUT_MS 2000  /* for fakes that do */
#define SILENCE_TIMEOUT_MS 1000 /* the silence watchdog in the tests that use it */

/* Returns a pointer to the last line of text (ignoring a final newline). */
static const char *text_last_line(char *text)
{
	size_t len = strlen(text);
	if (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	char *nl = strrchr(text, '\n');
	return nl ? nl + 1 : text;
}

/* ---- protocol ---- */

static void guest_line_accepts_ok_and_fail_lines(void)
{
	struct guest_line g;
	EXPECT_INT(GUEST_LINE_TEST_OK, guest_line_parse("TEST port_alloc ok", &g));
	EXPECT_STR("port_alloc", g.name);
	EXPECT_INT(GUEST_LINE_TEST_OK, guest_line_parse("TEST a1_B ok \r", &g));
	EXPECT_INT(GUEST_LINE_TEST_FAIL, guest_line_parse("TEST vm_fault FAIL expected 3 got 4", &g));
	EXPECT_STR("vm_fault", g.name);
	EXPECT_STR("expected 3 got 4", g.reason);
	EXPECT_INT(GUEST_LINE_TEST_FAIL, guest_line_parse("TEST x FAIL", &g));
	EXPECT_STR("", g.reason);
}

static void guest_line_treats_garbage_and_truncated_lines_as_other(void)
{
	static const char *const lines[] = {
		"", "hello", "TEST", "TEST ", "TEST foo", "TEST foo ", "TEST foo o", "TEST foo okay",
		"TEST foo FAILED x", "TEST fo-o ok", " TEST foo ok", "XTEST foo ok", "test foo ok",
		"TEST foo ok extra", "SUITE", "SUITE begin", "SUITE begin x", "SUITE end 4",
		"SUITE end 4 x", "SUITE end -1 0", "SUITE begin 99999999999",
		"TEST aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa ok",
		"RUN", "RUN ", "RUN a b", "RUN a-b", "run a", "HEARTBEAT", "HEARTBEAT ",
		"HEARTBEAT a ok", "HEARTBEATa",
	};
	struct guest_line g;
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		expect_int(__LINE__, lines[i], GUEST_LINE_OTHER, guest_line_parse(lines[i], &g));
}

static void guest_line_parses_suite_lines(void)
{
	struct guest_line g;
	EXPECT_INT(GUEST_LINE_SUITE_BEGIN, guest_line_parse("SUITE begin 42", &g));
	EXPECT_INT(42, g.count);
	EXPECT_INT(GUEST_LINE_SUITE_END, guest_line_parse("SUITE end 40 2", &g));
	EXPECT_INT(40, g.passed);
	EXPECT_INT(2, g.failed);
}

/* RUN and HEARTBEAT lines carry a test name and are never results. */
static void guest_line_parses_run_and_heartbeat_lines(void)
{
	struct guest_line g;
	EXPECT_INT(GUEST_LINE_RUN, guest_line_parse("RUN port_alloc", &g));
	EXPECT_STR("port_alloc", g.name);
	EXPECT_INT(GUEST_LINE_HEARTBEAT, guest_line_parse("HEARTBEAT vm_fault \r", &g));
	EXPECT_STR("vm_fault", g.name);
}

static void unit_summary_parses_counts_and_rejects_garbage(void)
{
	struct unit_counts c;
	EXPECT_TRUE(unit_summary_parse("12 passed, 3 failed", &c));
	EXPECT_INT(12, c.passed);
	EXPECT_INT(3, c.failed);
	EXPECT_TRUE(unit_summary_parse("1 passed, 0 failed, 2 skipped", &c));
	EXPECT_INT(2, c.skipped);
	EXPECT_TRUE(!unit_summary_parse("1 passed, 0 failed, x skipped", &c));
	EXPECT_TRUE(!unit_summary_parse("-1 passed, 0 failed", &c));
	EXPECT_TRUE(!unit_summary_parse("1 passed", &c));
	EXPECT_TRUE(!unit_summary_parse("ok all", &c));
}

/* ---- manifest ---- */

/* Writes text as a manifest and reads it back; returns manifest_read's code. */
static int manifest_try(const char *text, struct strlist *names, char *err, size_t err_bytes)
{
	const char *path = tmp_path("manifest.txt");
	file_write(path, text, 0644);
	return manifest_read(path, names, err, err_bytes);
}

static void manifest_skips_comments_and_blanks(void)
{
	struct strlist names = { 0 };
	char err[512] = "";
	EXPECT_INT(0, manifest_try("# tests\n\nport_alloc\n  vm_fault \r\n\t\n#x\nipc_1\n", &names,
				   err, sizeof err));
	EXPECT_INT(3, names.count);
	if (names.count == 3) {
		EXPECT_STR("port_alloc", names.items[0]);
		EXPECT_STR("vm_fault", names.items[1]);
		EXPECT_STR("ipc_1", names.items[2]);
	}
	strlist_free(&names);
}

static void manifest_rejects_bad_duplicate_and_missing_names(void)
{
	struct strlist names = { 0 };
	char err[512] = "";
	EXPECT_INT(-EINVAL, manifest_try("ok_name\nbad-name\n", &names, err, sizeof err));
	EXPECT_TRUE(strstr(err, "manifest.txt:2: bad test name \"bad-name\""));
	strlist_free(&names);
	EXPECT_INT(-EINVAL, manifest_try("a\nb\na\n", &names, err, sizeof err));
	EXPECT_TRUE(strstr(err, ":3: test \"a\" is listed twice"));
	strlist_free(&names);
	EXPECT_INT(-EINVAL, manifest_try("# nothing\n\n", &names, err, sizeof err));
	EXPECT_TRUE(strstr(err, "lists no tests"));
	strlist_free(&names);
	EXPECT_INT(-ENOENT, manifest_read(tmp_path("no-such-file"), &names, err, sizeof err));
}

/* ---- qemu configuration ---- */

static void initrd_doubles_commas_and_joins_modules(void)
{
	struct qemu_module mods[] = { { "/a/te,st.elf", "x,y z" }, { "/b/c", NULL }, { "/d", "" } };
	char *s = NULL;
	EXPECT_INT(0, qemu_initrd_format(mods, 3, &s));
	EXPECT_STR("/a/te,,st.elf x,,y z,/b/c,/d", s);
	free(s);
	struct qemu_module spaced = { "/a b", NULL };
	EXPECT_INT(-EINVAL, qemu_initrd_format(&spaced, 1, &s));
}

static void qemu_argv_is_the_one_configuration(void)
{
	static const char expected[] =
		"qemu -machine pc -cpu qemu64 -m 256M -smp 1 -accel tcg "
		"-icount shift=0,align=off,sleep=off -rtc base=2024-01-01T00:00:00,clock=vm "
		"-nic none -display none -monitor none -serial stdio -no-reboot "
		"-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel k.elf -initrd t.elf a b";
	struct qemu_module mod = { "t.elf", "a b" };
	struct qemu_boot boot = { .qemu_path = "qemu", .kernel_path = "k.elf", .modules = &mod,
				  .module_count = 1 };
	struct strlist argv = { 0 };
	EXPECT_INT(0, qemu_argv_build(&boot, &argv));
	char *joined = strlist_join(&argv, " ");
	EXPECT_STR(expected, joined);
	EXPECT_TRUE(argv.items[argv.count] == NULL);
	free(joined);
	strlist_free(&argv);
}

/* ---- result rules ---- */

/* Returns "ok", "pending" or the failure reason of name in r. */
static const char *results_outcome_of(const struct results *r, const char *name)
{
	for (size_t i = 0; i < r->count; i++)
		if (strcmp(r->tests[i].name, name) == 0)
			return r->tests[i].state == TEST_PASSED ? "ok"
			       : r->tests[i].state == TEST_FAILED ? r->tests[i].reason : "pending";
	return "absent";
}

/* Fills names with the fake suite's manifest: a b c d e. */
static void names_abcde(struct strlist *names)
{
	for (const char *n = "a\0b\0c\0d\0e\0"; *n; n += 2)
		strlist_push(names, n);
}

/* Sets up results for the manifest a b c d e. */
static void results_abcde(struct results *r)
{
	struct strlist names = { 0 };
	names_abcde(&names);
	EXPECT_INT(0, results_init(r, &names));
	strlist_free(&names);
}

static void results_first_result_counts_and_unknown_names_fail(void)
{
	struct results r;
	const struct test_result *e;
	unsigned passed, failed;
	results_abcde(&r);
	EXPECT_INT(RESULTS_RECORDED, results_record(&r, "a", true, "", &e));
	EXPECT_INT(RESULTS_DUPLICATE, results_record(&r, "a", false, "again", &e));
	EXPECT_INT(RESULTS_RECORDED, results_record(&r, "b", false, "boom", &e));
	EXPECT_INT(RESULTS_UNKNOWN, results_record(&r, "zz", true, "", &e));
	EXPECT_STR("not in the manifest (guest reported ok)", e ? e->reason : NULL);
	EXPECT_INT(RESULTS_DUPLICATE, results_record(&r, "zz", true, "", &e));
	EXPECT_STR("ok", results_outcome_of(&r, "a"));
	EXPECT_STR("boom", results_outcome_of(&r, "b"));
	results_count(&r, &passed, &failed);
	EXPECT_INT(1, passed);
	EXPECT_INT(5, failed); /* b, zz, and c d e still without a result */
	results_free(&r);
}

static void results_no_result_fails_first_missing_in_order(void)
{
	struct results r;
	const struct test_result *e;
	struct strlist missing = { 0 };
	results_abcde(&r);
	results_record(&r, "a", true, "", &e);
	results_record(&r, "c", true, "", &e);
	e = results_fail_next_missing(&r, "no result (x)");
	EXPECT_STR("b", e ? e->name : NULL);
	EXPECT_STR("no result (x)", results_outcome_of(&r, "b"));
	EXPECT_INT(0, results_missing(&r, &missing));
	char *joined = strlist_join(&missing, " ");
	EXPECT_STR("d e", joined);
	EXPECT_INT(2, results_missing_count(&r));
	free(joined);
	strlist_free(&missing);
	results_free(&r);
}

static void host_unit_judge_adds_one_failure_when_run_breaks(void)
{
	struct host_unit_result u;
	struct proc_status clean = { .exited = true }, bad = { .exited = true, .exit_code = 3 };
	struct proc_status crashed = { .term_signal = 11 };
	host_unit_judge("5 passed, 0 failed, 1 skipped", &clean, &u);
	EXPECT_INT(5, u.counts.passed);
	EXPECT_INT(0, u.counts.failed);
	EXPECT_STR("", u.reason);
	host_unit_judge("5 passed, 2 failed", &bad, &u);
	EXPECT_INT(2, u.counts.failed);
	host_unit_judge("Segmentation fault", &bad, &u);
	EXPECT_INT(0, u.counts.passed);
	EXPECT_INT(1, u.counts.failed);
	host_unit_judge("5 passed, 0 failed", &crashed, &u);
	EXPECT_INT(1, u.counts.failed);
	EXPECT_STR("killed by signal 11", u.reason);
}

/* ---- processes ---- */

/* Collects lines into a strlist. */
static void lines_collect(void *ctx, const char *line)
{
	strlist_push(ctx, line);
}

static void proc_streams_lines_and_exit_code(void)
{
	char *argv[] = { "sh", "-c", "printf 'a\\r\\nb\\n\\nc'; exit 3", NULL };
	struct strlist lines = { 0 };
	struct proc_spec spec = { .argv = argv, .timeout_ms = FAKE_TIMEOUT_MS,
				  .on_line = lines_collect, .ctx = &lines };
	struct proc_status st;
	EXPECT_INT(0, proc_run(&spec, &st));
	EXPECT_INT(3, st.exit_code);
	EXPECT_INT(0, st.timed_out);
	char *joined = strlist_join(&lines, "|");
	EXPECT_STR("a|b||c", joined);
	free(joined);
	strlist_free(&lines);
	char *missing[] = { "/no/such/program", NULL };
	spec.argv = missing;
	EXPECT_INT(-ENOENT, proc_run(&spec, &st));
}

/* True when pid is gone or a zombie. */
static bool pid_dead(const char *pid)
{
	char path[64], *stat;
	snprintf(path, sizeof path, "/proc/%s/stat", pid);
	stat = file_read(path);
	const char *paren = strrchr(stat, ')');
	bool dead = !paren || paren[2] == 'Z';
	free(stat);
	return dead;
}

static void proc_timeout_kills_whole_process_group(void)
{
	char script[PATH_MAX + 64];
	snprintf(script, sizeof script, "sleep 30 & echo $! > %s; echo started; wait",
		 tmp_path("bg.pid"));
	char *argv[] = { "sh", "-c", script, NULL };
	struct proc_spec spec = { .argv = argv, .timeout_ms = 1000 };
	struct proc_status st;
	int64_t start_ms = proc_clock_ms();
	EXPECT_INT(0, proc_run(&spec, &st));
	EXPECT_TRUE(proc_clock_ms() - start_ms < 4000);
	EXPECT_TRUE(st.timed_out);
	EXPECT_INT(9, st.term_signal);
	char *pid = file_read(tmp_path("bg.pid"));
	pid[strcspn(pid, "\n")] = '\0';
	usleep(100 * 1000);
	EXPECT_TRUE(pid[0] && pid_dead(pid));
	free(pid);
}

/* Runs script under sh with the silence watchdog at SILENCE_TIMEOUT_MS and a
 * wall timeout far beyond it; returns how long proc_run took, in ms. */
static int64_t proc_run_with_silence(const char *script, struct proc_status *st)
{
	char *argv[] = { "sh", "-c", (char *)script, NULL };
	struct proc_spec spec = { .argv = argv, .timeout_ms = 30000,
				  .silence_timeout_ms = SILENCE_TIMEOUT_MS };
	int64_t start_ms = proc_clock_ms();
	EXPECT_INT(0, proc_run(&spec, st));
	return proc_clock_ms() - start_ms;
}

static void proc_silence_kills_a_child_that_stops_printing(void)
{
	struct proc_status st;
	int64_t took_ms = proc_run_with_silence("echo a; sleep 30", &st);
	EXPECT_TRUE(took_ms >= SILENCE_TIMEOUT_MS && took_ms < 5000);
	EXPECT_INT(1, st.silent);
	EXPECT_INT(0, st.timed_out);
	EXPECT_INT(9, st.term_signal);
}

static void proc_silence_spares_a_child_that_keeps_printing(void)
{
	struct proc_status st;
	int64_t took_ms = proc_run_with_silence(
		"i=0; while [ $i -lt 7 ]; do echo tick; sleep 0.3; i=$((i + 1)); done; exit 4", &st);
	EXPECT_TRUE(took_ms >= 2000);
	EXPECT_INT(0, st.silent);
	EXPECT_INT(0, st.timed_out);
	EXPECT_INT(4, st.exit_code);
}

/* ---- targets against fake QEMUs ---- */

/* Writes a fake QEMU that logs its -initrd argument to <path>.initrd and runs
 * the requested tests (a..e when none are named) like the guest runner, RUN
 * line first, doing at_c at test c. */
static const char *fake_qemu_write(const char *name, const char *at_c)
{
	char text[2048];
	snprintf(text, sizeof text,
		 "#!/bin/sh\n"
		 "while [ $# -gt 0 ]; do [ \"$1\" = -initrd ] && initrd=$2; shift; done\n"
		 "echo \"$initrd\" >> \"$0.initrd\"\n"
		 "set -- $initrd; shift\n"
		 "[ $# -eq 0 ] && set -- a b c d e\n"
		 "echo booting; echo \"SUITE begin $#\"\n"
		 "for t in \"$@\"; do\n"
		 "  echo \"RUN $t\"\n"
		 "  [ $t = c ] && { %s; }\n"
		 "  echo \"TEST $t ok\"\n"
		 "done\n"
		 "echo \"SUITE end $# 0\"\n"
		 "exit 1\n", at_c);
	const char *path = tmp_path(name);
	file_write(path, text, 0755);
	return path;
}

/* Runs the five-test suite on tmp_dir/default with the given fake QEMU, boot
 * timeout and hang (silence) timeout (0: none). */
static void fake_target_test(const char *fake, int timeout_ms, int hang_timeout_ms,
			     struct target *t)
{
	struct strlist manifest = { 0 };
	char err[512];
	names_abcde(&manifest);
	struct target_suite suite = { .qemu_path = fake, .tests_path = tmp_path("te,sts.elf"),
				      .manifest = &manifest, .timeout_ms = timeout_ms,
				      .hang_timeout_ms = hang_timeout_ms };
	EXPECT_INT(0, target_open(t, tmp_path("default/"), tmp_path(""), err, sizeof err));
	if (t->log)
		target_test(t, &suite);
	strlist_free(&manifest);
}

/* Checks the fake saw exactly the given -initrd arguments, one per boot. */
static void expect_initrds(int line, const char *fake, const char *expected)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s.initrd", fake);
	char *got = file_read(path);
	expect_str(line, "initrd arguments", expected, got);
	free(got);
}

static void target_clean_boot_reports_every_test(void)
{
	const char *fake = fake_qemu_write("fake-clean", ":");
	struct target t;
	fake_target_test(fake, FAKE_TIMEOUT_MS, 0, &t);
	unsigned passed, failed;
	results_count(&t.results, &passed, &failed);
	EXPECT_INT(5, passed);
	EXPECT_INT(0, failed);
	EXPECT_INT(1, t.boots);
	char expected[PATH_MAX];
	snprintf(expected, sizeof expected, "%s/te,,sts.elf\n", tmp_dir);
	expect_initrds(__LINE__, fake, expected);
	target_close(&t);
}

static void target_hang_is_killed_and_rebooted_with_remaining_names(void)
{
	const char *fake = fake_qemu_write("fake-hang", "sleep 30");
	struct target t;
	int64_t start_ms = proc_clock_ms();
	fake_target_test(fake, HANG_TIMEOUT_MS, 0, &t);
	EXPECT_TRUE(proc_clock_ms() - start_ms < HANG_TIMEOUT_MS + 3000);
	EXPECT_STR("ok", results_outcome_of(&t.results, "b"));
	EXPECT_STR("no result (guest timed out after 2 s)", results_outcome_of(&t.results, "c"));
	EXPECT_STR("ok", results_outcome_of(&t.results, "e"));
	EXPECT_INT(2, t.boots);
	char expected[2 * PATH_MAX];
	snprintf(expected, sizeof expected, "%s/te,,sts.elf\n%s/te,,sts.elf d e\n", tmp_dir, tmp_dir);
	expect_initrds(__LINE__, fake, expected);
	target_close(&t);
}

static void target_silent_kernel_fails_running_test_and_reboots(void)
{
	const char *fake = fake_qemu_write("fake-freeze", "sleep 30");
	struct target t;
	int64_t start_ms = proc_clock_ms();
	fake_target_test(fake, FAKE_TIMEOUT_MS * 3, SILENCE_TIMEOUT_MS, &t);
	EXPECT_TRUE(proc_clock_ms() - start_ms < SILENCE_TIMEOUT_MS + 4000);
	char expected[PATH_MAX * 2];
	snprintf(expected, sizeof expected,
		 "kernel hang (no output for 1 s) while running c; log: %s", t.log_path);
	EXPECT_STR(expected, results_outcome_of(&t.results, "c"));
	EXPECT_STR("ok", results_outcome_of(&t.results, "b"));
	EXPECT_STR("ok", results_outcome_of(&t.results, "e"));
	EXPECT_INT(2, t.boots);
	snprintf(expected, sizeof expected, "%s/te,,sts.elf\n%s/te,,sts.elf d e\n", tmp_dir, tmp_dir);
	expect_initrds(__LINE__, fake, expected);
	char *log = t.log_path ? file_read(t.log_path) : NULL;
	EXPECT_TRUE(log && strstr(log, "boot 1 ended: kernel hang: no output for 1 s"));
	free(log);
	target_close(&t);
}

static void target_heartbeats_keep_a_slow_test_alive(void)
{
	const char *fake = fake_qemu_write("fake-slow",
		"i=0; while [ $i -lt 6 ]; do sleep 0.4; echo 'HEARTBEAT c'; i=$((i + 1)); done");
	struct target t;
	fake_target_test(fake, FAKE_TIMEOUT_MS, SILENCE_TIMEOUT_MS, &t);
	unsigned passed, failed;
	results_count(&t.results, &passed, &failed);
	EXPECT_INT(5, passed);
	EXPECT_INT(0, failed);
	EXPECT_INT(1, t.boots);
	target_close(&t);
}

/* The little-RAM boot asks QEMU for its memory size, runs the named tests
 * and fails each that printed no result. */
static void little_ram_boot_sets_memory_and_fails_silent_tests(void)
{
	static const char script[] =
		"#!/bin/sh\n"
		"while [ $# -gt 0 ]; do [ \"$1\" = -m ] && mem=$2;"
		" [ \"$1\" = -initrd ] && initrd=$2; shift; done\n"
		"echo \"$mem $initrd\" >> \"$0.args\"\n"
		"set -- $initrd; shift\n"
		"for t in \"$@\"; do [ $t = b ] || echo \"TEST $t ok\"; done\n"
		"exit 1\n";
	const char *fake = tmp_path("fake-little");
	struct strlist names = { 0 };
	struct results r;
	char args_path[PATH_MAX + 16];
	file_write(fake, script, 0755);
	EXPECT_INT(0, strlist_push(&names, "a"));
	EXPECT_INT(0, strlist_push(&names, "b"));
	struct repeat_check rc = { .qemu_path = fake, .kernel_path = "k.elf", .bench_path = "t.elf",
				   .timeout_ms = FAKE_TIMEOUT_MS, .memory_mib = 24 };
	EXPECT_INT(0, little_ram_run(&rc, &names, &r));
	EXPECT_STR("ok", results_outcome_of(&r, "a"));
	EXPECT_STR("no result", results_outcome_of(&r, "b"));
	snprintf(args_path, sizeof args_path, "%s.args", fake);
	char *got = file_read(args_path);
	expect_str(__LINE__, "memory and initrd", "24M t.elf a b\n", got);
	free(got);
	results_free(&r);
	strlist_free(&names);
}

static void target_kernel_death_fails_running_test_and_reboots(void)
{
	const char *fake = fake_qemu_write("fake-die", "exit 255");
	struct target t;
	fake_target_test(fake, FAKE_TIMEOUT_MS, 0, &t);
	unsigned passed, failed;
	results_count(&t.results, &passed, &failed);
	EXPECT_INT(4, passed);
	EXPECT_INT(1, failed);
	EXPECT_STR("no result (kernel died: qemu exit 255)", results_outcome_of(&t.results, "c"));
	EXPECT_INT(2, t.boots);
	EXPECT_STR(tmp_path("default-test.log"), t.log_path);
	char *log = file_read(t.log_path);
	EXPECT_TRUE(strstr(log, "=== machlab: default boot 2:"));
	EXPECT_TRUE(strstr(log, "TEST d ok"));
	free(log);
	target_close(&t);
}

static void target_suite_that_never_starts_fails_all_without_reboots(void)
{
	const char *fake = tmp_path("fake-silent");
	file_write(fake, "#!/bin/sh\necho 'qemu: could not load kernel'\nexit 1\n", 0755);
	struct target t;
	fake_target_test(fake, FAKE_TIMEOUT_MS, 0, &t);
	unsigned passed, failed;
	results_count(&t.results, &passed, &failed);
	EXPECT_INT(0, passed);
	EXPECT_INT(5, failed);
	EXPECT_INT(1, t.boots);
	EXPECT_TRUE(strstr(results_outcome_of(&t.results, "e"), "guest suite never started"));
	target_close(&t);
}

/* ---- the whole command ---- */

/* Runs cmd_test_main(args) in a child; returns its exit status and its output
 * (malloc'd, also in tmp_dir/cmd-output.txt) in *out. */
static int cmd_test_capture(char **args, char **out)
{
	return main_capture(cmd_test_main, args, "cmd-output.txt", out);
}

static void cmd_test_runs_unit_and_targets_and_prints_totals_last(void)
{
	const char *fake = fake_qemu_write("fake-cmd", ":");
	const char *unit = tmp_path("fake-unit");
	file_write(unit, "#!/bin/sh\necho 'ok x'\necho '3 passed, 0 failed, 1 skipped'\n", 0755);
	mkdir(tmp_path("other"), 0755);
	file_write(tmp_path("other/kernel.elf"), "", 0644);
	char *args[] = { "test", "--unit", (char *)unit, "--qemu", (char *)fake,
			 "--manifest", (char *)tmp_path("manifest.txt"),
			 "--tests", (char *)tmp_path("te,sts.elf"), "--timeout", "10", "--jobs", "2",
			 "--log-dir", tmp_dir, (char *)tmp_path("default"),
			 (char *)tmp_path("other"), NULL };
	file_write(tmp_path("manifest.txt"), "a\nb\nc\nd\ne\n", 0644);
	char *out;
	EXPECT_INT(CMD_EXIT_OK, cmd_test_capture(args, &out));
	EXPECT_TRUE(strstr(out, "[target 2/2] other: boot 1, 0/5 tests"));
	EXPECT_TRUE(strstr(out, "ok   other/e"));
	EXPECT_STR("13 passed, 0 failed", text_last_line(out));
	free(out);
	char *log = file_read(tmp_path("other-test.log"));
	EXPECT_TRUE(strstr(log, "TEST a ok"));
	free(log);
}

static void cmd_test_fails_on_dead_kernel_and_bad_input(void)
{
	const char *fake = fake_qemu_write("fake-cmd-die", "exit 255");
	char *args[] = { "test", "--qemu", (char *)fake, "--manifest", (char *)tmp_path("manifest.txt"),
			 "--tests", (char *)tmp_path("te,sts.elf"), (char *)tmp_path("default"), NULL };
	file_write(tmp_path("manifest.txt"), "a\nb\nc\nd\ne\n", 0644);
	char *out;
	EXPECT_INT(CMD_EXIT_FAILED, cmd_test_capture(args, &out));
	EXPECT_TRUE(strstr(out, "FAIL default/c: no result (kernel died: qemu exit 255)"));
	EXPECT_STR("4 passed, 1 failed", text_last_line(out));
	free(out);
	args[4] = (char *)tmp_path("no-manifest");
	EXPECT_INT(CMD_EXIT_USAGE, cmd_test_capture(args, &out));
	EXPECT_TRUE(strstr(out, "no-manifest: No such file or directory"));
	free(out);
}

/* A fake QEMU whose first boot runs a, then freezes in b, and whose reboot
 * runs the tests it is given. */
static const char fake_freeze_in_b[] =
	"#!/bin/sh\n"
	"while [ $# -gt 0 ]; do [ \"$1\" = -initrd ] && initrd=$2; shift; done\n"
	"set -- $initrd; shift\n"
	"if [ $# -eq 0 ]; then\n"
	"  echo 'SUITE begin 3'; echo 'RUN a'; echo 'TEST a ok'; echo 'RUN b'; sleep 600\n"
	"fi\n"
	"echo \"SUITE begin $#\"\n"
	"for t in \"$@\"; do echo \"RUN $t\"; echo \"TEST $t ok\"; done\n"
	"echo \"SUITE end $# 0\"\n"
	"exit 1\n";

static void cmd_test_fails_hung_test_well_before_timeout_and_goes_on(void)
{
	const char *fake = tmp_path("fake-cmd-freeze");
	file_write(fake, fake_freeze_in_b, 0755);
	file_write(tmp_path("manifest-abc.txt"), "a\nb\nc\n", 0644);
	char *args[] = { "test", "--qemu", (char *)fake, "--manifest", (char *)tmp_path("manifest-abc.txt"),
			 "--tests", (char *)tmp_path("te,sts.elf"), "--timeout", "120",
			 "--hang-timeout", "1", "--log-dir", tmp_dir, (char *)tmp_path("default"), NULL };
	char *out, expected[PATH_MAX + 128];
	int64_t start_ms = proc_clock_ms();
	EXPECT_INT(CMD_EXIT_FAILED, cmd_test_capture(args, &out));
	EXPECT_TRUE(proc_clock_ms() - start_ms < 10000);
	snprintf(expected, sizeof expected,
		 "FAIL default/b: kernel hang (no output for 1 s) while running b; log: %s",
		 tmp_path("default-test.log"));
	if (!strstr(out, expected))
		expect_fail(__LINE__, "output", "no line \"%s\" in:\n%s", expected, out);
	EXPECT_TRUE(strstr(out, "ok   default/c"));
	EXPECT_TRUE(strstr(out, "default: 2 passed, 1 failed (2 boots"));
	EXPECT_STR("2 passed, 1 failed", text_last_line(out));
	free(out);
}

/* ---- driver ---- */

static const struct check_test tests[] = {
	TEST(guest_line_accepts_ok_and_fail_lines),
	TEST(guest_line_treats_garbage_and_truncated_lines_as_other),
	TEST(guest_line_parses_suite_lines),
	TEST(guest_line_parses_run_and_heartbeat_lines),
	TEST(unit_summary_parses_counts_and_rejects_garbage),
	TEST(manifest_skips_comments_and_blanks),
	TEST(manifest_rejects_bad_duplicate_and_missing_names),
	TEST(initrd_doubles_commas_and_joins_modules),
	TEST(qemu_argv_is_the_one_configuration),
	TEST(results_first_result_counts_and_unknown_names_fail),
	TEST(results_no_result_fails_first_missing_in_order),
	TEST(host_unit_judge_adds_one_failure_when_run_breaks),
	TEST(proc_streams_lines_and_exit_code),
	TEST(proc_timeout_kills_whole_process_group),
	TEST(proc_silence_kills_a_child_that_stops_printing),
	TEST(proc_silence_spares_a_child_that_keeps_printing),
	TEST(target_clean_boot_reports_every_test),
	TEST(target_hang_is_killed_and_rebooted_with_remaining_names),
	TEST(target_kernel_death_fails_running_test_and_reboots),
	TEST(target_silent_kernel_fails_running_test_and_reboots),
	TEST(target_heartbeats_keep_a_slow_test_alive),
	TEST(little_ram_boot_sets_memory_and_fails_silent_tests),
	TEST(target_suite_that_never_starts_fails_all_without_reboots),
	TEST(cmd_test_runs_unit_and_targets_and_prints_totals_last),
	TEST(cmd_test_fails_on_dead_kernel_and_bad_input),
	TEST(cmd_test_fails_hung_test_well_before_timeout_and_goes_on),
};

/* Makes what every target test boots: a target default/ and a tests ELF. */
static void setup_boot_files(void)
{
	mkdir(tmp_path("default"), 0755);
	file_write(tmp_path("default/kernel.elf"), "", 0644);
	file_write(tmp_path("te,sts.elf"), "", 0644);
}

/* Runs every test; the harness' own chatter goes to a file in tmp_dir. */
int main(void)
{
	return check_main(tests, sizeof tests / sizeof tests[0], "/tmp/machlab-test-",
			  setup_boot_files, false);
}

/* test_bench.c: host tests for the benchmark side of the harness: record
 * parsing, statistics, the CSV, REPORT.md regions, whole "machlab bench" runs
 * against fake QEMUs (shell scripts written at test time) and the gnuplot
 * scripts. Every harness source but main.c is linked in. Prints "ok name",
 * "FAIL name: expected X got Y" or "skip name: why" per test and ends with
 * exactly "N passed, N failed, N skipped". Run it from the repository root
 * (the plot test runs the scripts in plots/). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic_file.h"
#include "bench_records.h"
#include "cmd_bench.h"
#include "cmd_test.h"
#include "csv.h"
#include "harness_check.h"
#include "plots.h"
#include "proc.h"
#include "report.h"
#include "report_md.h"
#include "report_tables.h"
#include "kvm_probe.h"
#include "pmu.h"
#include "stats.h"

/* Checks the file at path holds exactly expected. */
static void expect_file(int line, const char *path, const char *expected)
{
	char *got = file_read(path);
	expect_str(line, path, expected, got);
	free(got);
}

/* ---- record parser ---- */

/* Feeds lines (NULL-terminated) to r; returns the kind of the last one. */
static enum bench_line_kind records_feed_all(struct bench_records *r, const char *const *lines)
{
	char why[128];
	enum bench_line_kind kind = BENCH_LINE_LOG;
	for (; *lines; lines++)
		kind = bench_records_feed(r, *lines, why, sizeof why);
	return kind;
}

static void records_concatenate_lines_of_one_measure(void)
{
	static const char *const lines[] = {
		"BENCH begin", "BENCH samples rpc_inline 64 insn 5 3", "hello from the kernel",
		"BENCH samples rpc_inline 4096 insn 9", "BENCH  samples rpc_inline 64 insn 4 \r",
		"BENCH samples rpc_inline - cyc 18446744073709551615",
		"BENCH samples rpc_inline 512 bytes 75944", "BENCH end", NULL,
	};
	struct bench_records r = { .benchmark = "rpc_inline" };
	EXPECT_INT(BENCH_LINE_END, records_feed_all(&r, lines));
	EXPECT_TRUE(r.begun && r.ended);
	EXPECT_INT(4, r.group_count);
	if (r.group_count == 4) {
		EXPECT_INT(64, r.groups[0].key.parameter);
		EXPECT_INT(3, r.groups[0].count);
		EXPECT_INT(4, r.groups[0].values[2]);
		EXPECT_INT(4096, r.groups[1].key.parameter);
		EXPECT_TRUE(!r.groups[2].key.has_parameter);
		EXPECT_INT(BENCH_UNIT_CYC, r.groups[2].key.unit);
		EXPECT_TRUE(r.groups[2].values[0] == UINT64_MAX);
		EXPECT_INT(BENCH_UNIT_BYTES, r.groups[3].key.unit);
		EXPECT_INT(75944, r.groups[3].values[0]);
	}
	bench_records_free(&r);
}

static void records_count_flagged_values_apart(void)
{
	static const char *const lines[] = {
		"BENCH begin", "BENCH samples null_rpc_tasks - insn 400 !90000 410 !5", "BENCH end", NULL,
	};
	struct bench_records r = { .benchmark = "null_rpc_tasks" };
	records_feed_all(&r, lines);
	EXPECT_INT(1, r.group_count);
	if (r.group_count == 1) {
		EXPECT_INT(2, r.groups[0].count);
		EXPECT_INT(2, r.groups[0].flagged);
		EXPECT_INT(410, r.groups[0].values[1]);
	}
	bench_records_free(&r);
}

static void records_refuse_garbage_truncated_and_out_of_range_lines(void)
{
	static const char *const bad[] = {
		"BENCH samples", "BENCH samples b", "BENCH samples b 1", "BENCH samples b 1 insn",
		"BENCH samples b 1 insn 12 !", "BENCH samples b 1 insn 12x", "BENCH samples b 1 insn -3",
		"BENCH samples b 1 insn 18446744073709551616", "BENCH samples b 1 cycles 7",
		"BENCH samples b 1 byte 7", "BENCH samples b 1 cyc-model 7",
		"BENCH samples b 1 INSN 7", "BENCH samples B 1 insn 7", "BENCH samples b -1 insn 7",
		"BENCH samples b 99999999999999999999 insn 7", "BENCH samples b 1x insn 7",
		"BENCH samples other 1 insn 7", "BENCH sample b 1 insn 7", "BENCH begin",
		"BENCH end now",
	};
	struct bench_records r = { .benchmark = "b" };
	char why[128];
	bench_records_feed(&r, "BENCH begin", why, sizeof why);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_int(__LINE__, bad[i], BENCH_LINE_MALFORMED,
			   bench_records_feed(&r, bad[i], why, sizeof why));
	EXPECT_INT(0, r.group_count);
	EXPECT_TRUE(!r.ended);
	bench_records_free(&r);
}

static void records_take_64_values_and_refuse_65(void)
{
	char line[2048] = "BENCH samples b - ns";
	struct bench_records r = { .benchmark = "b" };
	char why[128];
	bench_records_feed(&r, "BENCH begin", why, sizeof why);
	for (int i = 0; i < 64; i++)
		strcat(line, " 7");
	EXPECT_INT(BENCH_LINE_SAMPLES, bench_records_feed(&r, line, why, sizeof why));
	strcat(line, " 7");
	EXPECT_INT(BENCH_LINE_MALFORMED, bench_records_feed(&r, line, why, sizeof why));
	EXPECT_STR("more than 64 values", why);
	EXPECT_INT(64, r.group_count ? r.groups[0].count : 0);
	bench_records_free(&r);
}

static void records_ignore_lines_outside_the_markers(void)
{
	static const char *const lines[] = {
		"BENCH samples b - insn 1", "BENCH garbage before", "BENCH begin",
		"BENCH samples b - insn 2", "BENCH end", "BENCH samples b - insn 3", "BENCH nonsense",
		NULL,
	};
	struct bench_records r = { .benchmark = "b" };
	EXPECT_INT(BENCH_LINE_LOG, records_feed_all(&r, lines));
	EXPECT_INT(1, r.group_count ? r.groups[0].count : 0);
	EXPECT_INT(2, r.group_count ? r.groups[0].values[0] : 0);
	bench_records_free(&r);
}

static void records_without_end_marker_keep_complete_lines(void)
{
	static const char *const lines[] = {
		"BENCH begin", "BENCH samples b 8 insn 1 2", "BENCH samples b 8 insn 3 4", NULL,
	};
	struct bench_records r = { .benchmark = "b" };
	EXPECT_INT(BENCH_LINE_SAMPLES, records_feed_all(&r, lines));
	EXPECT_TRUE(r.begun && !r.ended);
	EXPECT_INT(4, r.group_count ? r.groups[0].count : 0);
	bench_records_free(&r);
}

/* ---- statistics ---- */

/* Computes the statistics of values[0..n). */
static struct bench_stats stats_of(const uint64_t *values, size_t n)
{
	struct bench_stats s;
	EXPECT_INT(0, stats_compute(values, n, 0, &s));
	return s;
}

static void stats_use_nearest_rank_and_lower_median(void)
{
	uint64_t one[] = { 42 }, two[] = { 20, 10 }, ten[] = { 7, 3, 10, 1, 9, 2, 8, 4, 6, 5 };
	uint64_t hundred[100];
	for (int i = 0; i < 100; i++)
		hundred[i] = (uint64_t)(100 - i);
	struct bench_stats s = stats_of(one, 1);
	EXPECT_TRUE(s.n == 1 && s.min == 42 && s.median == 42 && s.p99 == 42 && s.max == 42);
	s = stats_of(two, 2);
	EXPECT_INT(10, s.median);
	EXPECT_INT(20, s.p90);
	EXPECT_INT(20, s.p99);
	s = stats_of(ten, 10);
	EXPECT_TRUE(s.min == 1 && s.median == 5 && s.p90 == 9 && s.p99 == 10 && s.max == 10);
	EXPECT_INT(7, ten[0]); /* the input is left as it was */
	s = stats_of(hundred, 100);
	EXPECT_TRUE(s.min == 1 && s.median == 50 && s.p90 == 90 && s.p99 == 99 && s.max == 100);
}

static void stats_exclude_flagged_samples_and_keep_empty_groups(void)
{
	struct bench_records r = { .benchmark = "b" };
	static const char *const lines[] = {
		"BENCH begin", "BENCH samples b - insn !1000000 5 !3", "BENCH samples b 1 insn !9",
		"BENCH end", NULL,
	};
	records_feed_all(&r, lines);
	struct bench_stats s = { 0 };
	if (r.group_count == 2)
		stats_compute(r.groups[0].values, r.groups[0].count, r.groups[0].flagged, &s);
	EXPECT_TRUE(s.n == 1 && s.max == 5 && s.flagged == 2);
	if (r.group_count == 2)
		stats_compute(r.groups[1].values, r.groups[1].count, r.groups[1].flagged, &s);
	EXPECT_TRUE(s.n == 0 && s.flagged == 1);
	bench_records_free(&r);
}

/* ---- CSV ---- */

static char *two_targets[] = { "default", "msg-copy" };

/* Returns a row for table tests. */
static struct bench_row row_make(size_t bench, const char *name, long param, size_t target,
				 uint64_t median)
{
	struct bench_row r = { .bench_index = bench, .target_index = target,
			       .key = { .has_parameter = param >= 0, .parameter = (uint64_t)param },
			       .stats = { .n = median ? 3 : 0, .min = median - 1, .median = median,
					  .p90 = median + 1, .p99 = median + 2, .max = median + 3,
					  .flagged = median ? 0 : 2 } };
	snprintf(r.key.benchmark, sizeof r.key.benchmark, "%s", name);
	return r;
}

static char *two_kernels[] = { "machlab", "machlab" };

/* A small table, rows deliberately out of order. */
static struct bench_row sample_rows[6];
static struct bench_table sample_table(void)
{
	sample_rows[0] = row_make(1, "rpc_inline", 4096, 1, 5000);
	sample_rows[1] = row_make(1, "rpc_inline", 64, 0, 1000);
	sample_rows[2] = row_make(0, "null_rpc_tasks", -1, 1, 600);
	sample_rows[3] = row_make(1, "rpc_inline", 4096, 0, 4000);
	sample_rows[4] = row_make(0, "null_rpc_tasks", -1, 0, 400);
	sample_rows[5] = row_make(1, "rpc_inline", 64, 1, 0);
	struct bench_table t = { .run_id = "R1", .commit = "c0ffee", .accelerator = "tcg-icount",
				 .targets = two_targets, .target_kernels = two_kernels,
				 .target_count = 2, .rows = sample_rows,
				 .count = 6 };
	csv_rows_sort(t.rows, t.count);
	return t;
}

static const char sample_csv[] =
	CSV_HEADER "\n"
	"R1,c0ffee,tcg-icount,default,null_rpc_tasks,-,insn,3,399,400,401,402,403,0,machlab\n"
	"R1,c0ffee,tcg-icount,msg-copy,null_rpc_tasks,-,insn,3,599,600,601,602,603,0,machlab\n"
	"R1,c0ffee,tcg-icount,default,rpc_inline,64,insn,3,999,1000,1001,1002,1003,0,machlab\n"
	"R1,c0ffee,tcg-icount,msg-copy,rpc_inline,64,insn,0,,,,,,2,machlab\n"
	"R1,c0ffee,tcg-icount,default,rpc_inline,4096,insn,3,3999,4000,4001,4002,4003,0,machlab\n"
	"R1,c0ffee,tcg-icount,msg-copy,rpc_inline,4096,insn,3,4999,5000,5001,5002,5003,0,machlab\n";

static void csv_writes_exact_bytes_in_table_order(void)
{
	struct bench_table t = sample_table();
	EXPECT_INT(0, csv_write(tmp_path("exact.csv"), &t));
	expect_file(__LINE__, tmp_path("exact.csv"), sample_csv);
	EXPECT_TRUE(access(tmp_path("exact.csv.tmp"), F_OK) < 0);
	EXPECT_TRUE(csv_field_valid("msg-copy") && !csv_field_valid("a,b") &&
		    !csv_field_valid("a b") && !csv_field_valid(""));
}

/* Tries csv_write in a child whose files may not grow past 64 bytes;
 * returns 0 when it failed, as it must. */
static int csv_write_with_small_file_limit(const char *path, const struct bench_table *t)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &(struct rlimit){ .rlim_cur = 64, .rlim_max = 64 });
		_exit(csv_write(path, t) < 0 ? 0 : 1);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void csv_failed_write_leaves_old_file_intact(void)
{
	const char *path = tmp_path("keep.csv"), *tmp = tmp_path("keep.csv.tmp");
	struct bench_table t = sample_table();
	file_write(path, "old good file\n", 0644);
	EXPECT_INT(0, csv_write_with_small_file_limit(path, &t));
	expect_file(__LINE__, path, "old good file\n");
	EXPECT_TRUE(access(tmp, F_OK) < 0);
	mkdir(tmp, 0755); /* the temporary cannot even be created */
	EXPECT_INT(-EISDIR, csv_write(path, &t));
	expect_file(__LINE__, path, "old good file\n");
	rmdir(tmp);
	struct atomic_file af;
	EXPECT_INT(0, atomic_file_open(&af, path, 0644));
	fputs("half a fi", af.f);
	atomic_file_abort(&af); /* as an interrupted run does */
	expect_file(__LINE__, path, "old good file\n");
	EXPECT_TRUE(access(tmp, F_OK) < 0);
	EXPECT_INT(0, csv_write(path, &t));
	expect_file(__LINE__, path, sample_csv);
}

/* ---- REPORT.md ---- */

static const char report_before[] =
	"# Report\n\nIntro <!-- not a marker -->\n"
	"<!-- machlab:begin results -->\nold table\n<!-- machlab:end results -->\n"
	"Between, kept as is.  \n\n"
	"<!-- machlab:begin other -->\nsomeone else's\n<!-- machlab:end other -->\n"
	"<!-- machlab:begin ratios --><!-- machlab:end ratios -->\ntail without newline";

static void report_md_rewrites_regions_and_keeps_the_rest(void)
{
	struct report_region regions[] = { { "results", "| new |\n" }, { "ratios", "R\n" },
					   { "headline", "H\n" } };
	struct strlist notes = { 0 };
	char *out = NULL, err[256] = "";
	EXPECT_INT(0, report_md_splice(report_before, regions, 3, &out, &notes, err, sizeof err));
	EXPECT_STR("# Report\n\nIntro <!-- not a marker -->\n"
		   "<!-- machlab:begin results -->\n\n| new |\n\n<!-- machlab:end results -->\n"
		   "Between, kept as is.  \n\n"
		   "<!-- machlab:begin other -->\nsomeone else's\n<!-- machlab:end other -->\n"
		   "<!-- machlab:begin ratios -->\n\nR\n\n<!-- machlab:end ratios -->\n"
		   "tail without newline", out);
	EXPECT_INT(1, notes.count);
	EXPECT_STR("no region \"headline\": skipped", notes.count ? notes.items[0] : NULL);
	free(out);
	strlist_free(&notes);
}

static void report_md_refuses_unterminated_region_and_leaves_file(void)
{
	static const char text[] = "a\n<!-- machlab:begin results -->\nb\n<!-- machlab:end result -->\n";
	const char *path = tmp_path("REPORT.md");
	struct report_region region = { "results", "x\n" };
	struct strlist notes = { 0 };
	char err[512] = "";
	file_write(path, text, 0640);
	EXPECT_INT(-EINVAL, report_md_update(path, &region, 1, &notes, err, sizeof err));
	EXPECT_TRUE(strstr(err, "line 2: region results has no"));
	expect_file(__LINE__, path, text);
	file_write(path, "a\n<!-- machlab:begin results -->\n<!-- machlab:end results -->\n", 0640);
	EXPECT_INT(0, report_md_update(path, &region, 1, &notes, err, sizeof err));
	expect_file(__LINE__, path,
		    "a\n<!-- machlab:begin results -->\n\nx\n\n<!-- machlab:end results -->\n");
	struct stat st;
	EXPECT_INT(0640, stat(path, &st) == 0 ? st.st_mode & 07777 : 0);
	strlist_free(&notes);
}

static void report_tables_show_medians_ratios_and_headline(void)
{
	struct bench_table t = sample_table();
	char *results = report_tables_results(&t, "results/R1.csv");
	char *ratios = report_tables_ratios(&t);
	char *headline = report_tables_headline(&t);
	EXPECT_TRUE(results && strstr(results, "| rpc_inline | 4096 | insn | 4,000 <sub>3,999–4,002"
						"</sub> | 5,000 <sub>4,999–5,002</sub> | 0 / 0 |\n"));
	EXPECT_TRUE(results && strstr(results, "| rpc_inline | 64 | insn | 1,000 <sub>999–1,002</sub>"
						" | no samples | 0 / 2 |\n"));
	EXPECT_TRUE(results && strstr(results, "`R1`, commit `c0ffee`, accelerator `tcg-icount`; "
						"data: `results/R1.csv`"));
	EXPECT_TRUE(ratios && strstr(ratios, "| null_rpc_tasks | - | insn | 1.50× |\n"));
	EXPECT_TRUE(ratios && strstr(ratios, "| rpc_inline | 4096 | insn | 1.25× |\n"));
	EXPECT_TRUE(ratios && !strstr(ratios, "| rpc_inline | 64 |"));
	EXPECT_TRUE(headline && strstr(headline, "| null RPC round trip, two tasks, mach_msg: message "
						  "in memory | insn | 400 | 600 | — | 1,946 | "
						  "not measured | ~10,540 | ≤ 475 |\n"));
	EXPECT_TRUE(headline && strstr(headline, "threads in one task | insn | not measured | "
						  "not measured |"));
	free(results);
	free(ratios);
	free(headline);
	t.target_count = 1;
	t.count = 1;
	ratios = report_tables_ratios(&t);
	EXPECT_STR("Ratios need two targets; run `R1` measured only `default`.\n", ratios);
	free(ratios);
}

/* ---- whole runs against fake QEMUs ---- */

/* A fake QEMU: runs the benchmark named on its -initrd line. Benchmark
 * "hang" prints a record and hangs; msg-copy kernels are 50% slower, and
 * figures under -accel kvm ten times bigger; --pmc adds a pmc0 record. */
static const char fake_qemu_text[] =
	"#!/bin/sh\n"
	"while [ $# -gt 0 ]; do\n"
	"  [ \"$1\" = -initrd ] && initrd=$2; [ \"$1\" = -kernel ] && kernel=$2\n"
	"  [ \"$1\" = -accel ] && accel=$2; shift\n"
	"done\n"
	"echo \"$initrd\" >> \"$0.initrd\"\n"
	"set -- $initrd; shift; [ \"$1\" = --quick ] && shift\n"
	"pmc=; [ \"$1\" = --pmc ] && pmc=$2 && shift 2\n"
	"k=2; case $kernel in *msg-copy*) k=3;; esac; [ \"$accel\" = kvm ] && k=$((k * 10))\n"
	"echo \"BENCH samples $1 - insn 1\"; echo 'BENCH begin'\n"
	"case $1 in\n"
	"hang) echo 'BENCH samples hang - insn 7'; sleep 30;;\n"
	"sizes) for s in 64 8; do echo \"BENCH samples sizes $s insn $((s * k)) !1\"; done;;\n"
	"*) echo \"BENCH samples $1 - insn $((200 * k)) $((210 * k)) !9 $((190 * k))\";\n"
	"   [ -n \"$pmc\" ] && echo \"BENCH samples $1 - pmc0 7 8 !9 6\";\n"
	"   echo \"BENCH samples $1 - insn 12 oops\";;\n"
	"esac\n"
	"echo 'BENCH end'; exit 1\n";

/* Runs cmd_bench_main(args) in a child; returns its exit status and its output
 * (malloc'd, also in tmp_dir/bench-output.txt) in *out. */
static int cmd_bench_capture(char **args, char **out)
{
	return main_capture(cmd_bench_main, args, "bench-output.txt", out);
}

/* Sets up targets default/ and msg-copy/, the list and the fake QEMU. */
static void bench_fixture(void)
{
	setenv(KVM_DEVICE_ENV, tmp_path("no-kvm"), 1);  /* KVM's probe fails: no twins */
	mkdir(tmp_path("default"), 0755);
	mkdir(tmp_path("msg-copy"), 0755);
	file_write(tmp_path("default/kernel.elf"), "", 0644);
	file_write(tmp_path("msg-copy/kernel.elf"), "", 0644);
	file_write(tmp_path("bench-mk.elf"), "", 0644);
	file_write(tmp_path("BENCHMARKS"), "# name  what\nsizes  RPC sizes\n\n"
		   "null_rpc_tasks  null RPC\nhang  never ends\n", 0644);
	file_write(tmp_path("fake-qemu"), fake_qemu_text, 0755);
}

/* Runs cmd_bench_main(args) and checks, for the test at line, that it exits
 * with status, that its output holds every string of said (NULL-terminated)
 * and that tmp_dir/csv then holds exactly the CSV header and rows. */
static void expect_bench_run(int line, char **args, int status, const char *const *said,
			     const char *csv, const char *rows)
{
	char *out;
	expect_int(line, "cmd_bench_capture(args, &out)", status, cmd_bench_capture(args, &out));
	for (; *said; said++)
		expect_int(line, *said, 1, strstr(out, *said) != NULL);
	free(out);
	char expected[4096];
	snprintf(expected, sizeof expected, "%s\n%s", CSV_HEADER, rows);
	expect_file(line, tmp_path(csv), expected);
}

static void cmd_bench_writes_sorted_csv_log_and_progress(void)
{
	bench_fixture();
	char *args[] = { "bench", "--bench", (char *)tmp_path("bench-mk.elf"), "--list",
			 (char *)tmp_path("BENCHMARKS"), "--qemu", (char *)tmp_path("fake-qemu"),
			 "--only", "null_rpc_tasks,sizes", "--quick", "--jobs", "3", "--commit", "abc",
			 "--run-id", "R2", "--results-dir", (char *)tmp_path("res"),
			 (char *)tmp_path("default/"), (char *)tmp_path("msg-copy"), NULL };
	static const char *const said[] = { "[4/4] ", "s left)", "malformed record ignored",
					    "summary: 4 units ok, 0 failed; 6 rows written to ", NULL };
	expect_bench_run(__LINE__, args, CMD_EXIT_OK, said, "res/R2.csv",
			 "R2,abc,tcg-icount,default,sizes,8,insn,1,16,16,16,16,16,1,machlab\n"
			 "R2,abc,tcg-icount,msg-copy,sizes,8,insn,1,24,24,24,24,24,1,machlab\n"
			 "R2,abc,tcg-icount,default,sizes,64,insn,1,128,128,128,128,128,1,machlab\n"
			 "R2,abc,tcg-icount,msg-copy,sizes,64,insn,1,192,192,192,192,192,1,machlab\n"
			 "R2,abc,tcg-icount,default,null_rpc_tasks,-,insn,3,380,400,420,420,420,1,machlab\n"
			 "R2,abc,tcg-icount,msg-copy,null_rpc_tasks,-,insn,3,570,600,630,630,630,1,machlab\n");
	char *log = file_read(tmp_path("res/R2.log"));
	EXPECT_TRUE(strstr(log, "msg-copy/sizes: BENCH samples sizes 64 insn 192 !1\n"));
	free(log);
	char *initrds = file_read(tmp_path("fake-qemu.initrd"));
	EXPECT_TRUE(strstr(initrds, "bench-mk.elf --quick null_rpc_tasks\n"));
	free(initrds);
}

/* Where KVM works (here: a device that opens, and the fake QEMU's figures
 * under -accel kvm), every target gains a twin <name>-kvm booted under KVM
 * whose figures are cyc, not insn; where it does not, one line says why and
 * the run goes on without twins. */
static void cmd_bench_adds_kvm_twins_where_kvm_works(void)
{
	bench_fixture();
	file_write(tmp_path("kvm"), "", 0644);
	setenv(KVM_DEVICE_ENV, tmp_path("kvm"), 1);
	char perf[PATH_MAX];
	bool have_perf = proc_path_resolve("perf", perf, sizeof perf) == 0;
	setenv("LIBPFM_FORCE_PMU", "skl", 1);
	char *args[] = { "bench", "--bench", (char *)tmp_path("bench-mk.elf"), "--list",
			 (char *)tmp_path("BENCHMARKS"), "--qemu", (char *)tmp_path("fake-qemu"),
			 "--only", "null_rpc_tasks", "--commit", "abc", "--run-id", "K1",
			 "--pmu", "INST_RETIRED:ANY_P",
			 "--results-dir", (char *)tmp_path("res"), (char *)tmp_path("default"), NULL };
	static const char *const said[] = { "kvm: works", "default-kvm/null_rpc_tasks: done",
					    "pmu: unit pmc0 is INST_RETIRED:ANY_P (select 0x4300c0)",
					    "summary: 2 units ok, 0 failed; 3 rows written", NULL };
	expect_bench_run(__LINE__, args, CMD_EXIT_OK, said, "res/K1.csv",
			 "K1,abc,tcg-icount,default,null_rpc_tasks,-,insn,3,380,400,420,420,420,1,machlab\n"
			 "K1,abc,kvm,default-kvm,null_rpc_tasks,-,cyc,3,3800,4000,4200,4200,4200,1,machlab\n"
			 "K1,abc,kvm,default-kvm,null_rpc_tasks,-,pmc0,3,6,7,8,8,8,1,machlab\n");
	char *initrds = file_read(tmp_path("fake-qemu.initrd"));
	EXPECT_TRUE(initrds && strstr(initrds, "bench-mk.elf --pmc 0x4300c0 null_rpc_tasks\n"));
	EXPECT_TRUE(initrds && strstr(initrds, "bench-mk.elf null_rpc_tasks\n")); /* the TCG one */
	free(initrds);
	char *log = file_read(tmp_path("res/K1.log"));
	EXPECT_TRUE(log && (have_perf ? strstr(log, "default-kvm/null_rpc_tasks: perf stat (the whole "
						   "QEMU process, host side): cycles ") != NULL
				      : strstr(log, "perf stat") == NULL));
	EXPECT_TRUE(log && !strstr(log, "default/null_rpc_tasks: perf stat"));
	free(log);
	setenv(KVM_DEVICE_ENV, tmp_path("no-kvm"), 1);
	char *args_no[] = { "bench", "--bench", (char *)tmp_path("bench-mk.elf"), "--list",
			    (char *)tmp_path("BENCHMARKS"), "--qemu", (char *)tmp_path("fake-qemu"),
			    "--only", "null_rpc_tasks", "--commit", "abc", "--run-id", "K2",
			    "--results-dir", (char *)tmp_path("res"), (char *)tmp_path("default"),
			    NULL };
	static const char *const said_no[] = { "kvm: not used, no cyc figures: ",
					       "no-kvm: No such file or directory", NULL };
	expect_bench_run(__LINE__, args_no, CMD_EXIT_OK, said_no, "res/K2.csv",
			 "K2,abc,tcg-icount,default,null_rpc_tasks,-,insn,3,380,400,420,420,420,1,machlab\n");
}

/* libpfm4 encodes event names for a PMU model forced by LIBPFM_FORCE_PMU
 * (this host has none): Skylake's INST_RETIRED.ANY_P is event 0xc0 umask
 * 0x00 and DTLB_LOAD_MISSES.MISS_CAUSES_A_WALK event 0x08 umask 0x01 (Intel
 * SDM vol. 3B, Skylake events), each with USR, OS, INT and EN set (bits 16,
 * 17, 20, 22: 0x53 in bits 16-23); an unknown name is refused in libpfm4's
 * words. */
static void pmu_encodes_event_names_for_a_forced_pmu(void)
{
	uint64_t raw = 0;
	char err[256] = "";
	setenv("LIBPFM_FORCE_PMU", "skl", 1);
	EXPECT_INT(0, pmu_encode("INST_RETIRED:ANY_P", &raw, err, sizeof err));
	EXPECT_TRUE(raw == (0x53ull << 16 | 0x00 << 8 | 0xc0));
	EXPECT_INT(0, pmu_encode("DTLB_LOAD_MISSES:MISS_CAUSES_A_WALK", &raw, err, sizeof err));
	EXPECT_TRUE(raw == (0x53ull << 16 | 0x01 << 8 | 0x08));
	EXPECT_INT(-1, pmu_encode("NO_SUCH_EVENT", &raw, err, sizeof err));
	expect_int(__LINE__, err, 1, strstr(err, "NO_SUCH_EVENT: event not found") != NULL);
}

/* The emulated part of the Unix suite runs on a microkernel target too, its
 * boot program unix-run; the rest of the suite does not, and an emulated
 * name the Unix suite lacks, or one option without the other, is refused. */
static void cmd_bench_runs_the_emulated_unix_suite_on_the_microkernel(void)
{
	bench_fixture();
	file_write(tmp_path("UNIX"), "null_call  getpid\npipe_rtt  pipe\n", 0644);
	file_write(tmp_path("EMULATED"), "null_call  through the server\n", 0644);
	file_write(tmp_path("unix-run.elf"), "", 0644);
	char *args[] = { "bench", "--bench", (char *)tmp_path("bench-mk.elf"), "--list",
			 (char *)tmp_path("BENCHMARKS"), "--unix-list", (char *)tmp_path("UNIX"),
			 "--emulated-list", (char *)tmp_path("EMULATED"),
			 "--unix-run", (char *)tmp_path("unix-run.elf"),
			 "--qemu", (char *)tmp_path("fake-qemu"), "--only", "null_call,null_rpc_tasks",
			 "--run-id", "R5", "--results-dir", (char *)tmp_path("res"),
			 (char *)tmp_path("default"), NULL };
	static const char *const said[] = { "summary: 2 units ok, 0 failed", NULL };
	unlink(tmp_path("fake-qemu.initrd"));
	expect_bench_run(__LINE__, args, CMD_EXIT_OK, said, "res/R5.csv",
			 "R5,unknown,tcg-icount,default,null_rpc_tasks,-,insn,3,380,400,420,420,420,1,machlab\n"
			 "R5,unknown,tcg-icount,default,null_call,-,insn,3,380,400,420,420,420,1,machlab\n");
	char *initrds = file_read(tmp_path("fake-qemu.initrd"));
	EXPECT_TRUE(initrds && strstr(initrds, "unix-run.elf null_call\n"));
	EXPECT_TRUE(initrds && strstr(initrds, "bench-mk.elf null_rpc_tasks\n"));
	free(initrds);
	char *out;
	args[14] = "pipe_rtt";                       /* not emulated: nothing runs it here */
	EXPECT_INT(CMD_EXIT_USAGE, cmd_bench_capture(args, &out));
	EXPECT_TRUE(strstr(out, "no target runs the benchmarks selected"));
	free(out);
	file_write(tmp_path("EMULATED"), "fork_exit_wait  not in the suite\n", 0644);
	args[14] = "null_call";
	EXPECT_INT(CMD_EXIT_USAGE, cmd_bench_capture(args, &out));
	EXPECT_TRUE(strstr(out, "names fork_exit_wait, which"));
	free(out);
	args[9] = "--jobs";                          /* --emulated-list without --unix-run */
	args[10] = "1";
	EXPECT_INT(CMD_EXIT_USAGE, cmd_bench_capture(args, &out));
	EXPECT_TRUE(strstr(out, "--emulated-list and --unix-run go together"));
	free(out);
}

static void cmd_bench_without_its_plugin_still_writes_the_rows(void)
{
	bench_fixture();
	char *args[] = { "bench", "--bench", (char *)tmp_path("bench-mk.elf"), "--list",
			 (char *)tmp_path("BENCHMARKS"), "--qemu", (char *)tmp_path("fake-qemu"),
			 "--only", "null_rpc_tasks", "--run-id", "R5", "--results-dir",
			 (char *)tmp_path("res"), "--profile-plugin", (char *)tmp_path("no-plugin.so"),
			 "--profile-set", "null_rpc_tasks", (char *)tmp_path("default"), NULL };
	static const char *const said[] = { "FAIL profile: ", "no-plugin.so: No such file",
					    "the benchmark rows are written",
					    "summary: 1 units ok, 0 failed; 1 rows written to ", NULL };
	expect_bench_run(__LINE__, args, CMD_EXIT_FAILED, said, "res/R5.csv",
			 "R5,unknown,tcg-icount,default,null_rpc_tasks,-,insn,3,380,400,420,420,420,1,"
			 "machlab\n");
}

static void cmd_bench_hang_fails_one_unit_and_keeps_the_rest(void)
{
	bench_fixture();
	file_write(tmp_path("res/R3.csv"), "previous\n", 0644);
	char *args[] = { "bench", "--bench", (char *)tmp_path("bench-mk.elf"), "--list",
			 (char *)tmp_path("BENCHMARKS"), "--qemu", (char *)tmp_path("fake-qemu"),
			 "--only", "hang,null_rpc_tasks", "--timeout", "1", "--run-id", "R3",
			 "--results-dir", (char *)tmp_path("res"), (char *)tmp_path("default"), NULL };
	static const char *const said[] = {
		"default/hang: FAILED in",
		"  default/hang: no BENCH end: records incomplete (guest timed out",
		"summary: 1 units ok, 1 failed; 2 rows written to ", NULL,
	};
	expect_bench_run(__LINE__, args, CMD_EXIT_FAILED, said, "res/R3.csv",
			 "R3,unknown,tcg-icount,default,null_rpc_tasks,-,insn,3,380,400,420,420,420,1,machlab\n"
			 "R3,unknown,tcg-icount,default,hang,-,insn,1,7,7,7,7,7,0,machlab\n");
}

static void cmd_bench_silent_kernel_fails_one_benchmark_as_hang(void)
{
	bench_fixture();
	char *args[] = { "bench", "--bench", (char *)tmp_path("bench-mk.elf"), "--list",
			 (char *)tmp_path("BENCHMARKS"), "--qemu", (char *)tmp_path("fake-qemu"),
			 "--only", "hang,null_rpc_tasks", "--timeout", "60", "--hang-timeout", "1",
			 "--run-id", "R4", "--results-dir", (char *)tmp_path("res"),
			 (char *)tmp_path("default"), NULL };
	static const char *const said[] = {
		"  default/hang: kernel hang: no output for 1 s",
		"summary: 1 units ok, 1 failed; 2 rows written to ", NULL,
	};
	int64_t start_ms = proc_clock_ms();
	expect_bench_run(__LINE__, args, CMD_EXIT_FAILED, said, "res/R4.csv",
			 "R4,unknown,tcg-icount,default,null_rpc_tasks,-,insn,3,380,400,420,420,420,1,machlab\n"
			 "R4,unknown,tcg-icount,default,hang,-,insn,1,7,7,7,7,7,0,machlab\n");
	EXPECT_TRUE(proc_clock_ms() - start_ms < 10000);
	char *log = file_read(tmp_path("res/R4.log"));
	EXPECT_TRUE(strstr(log, "=== machlab: default/hang ended: kernel hang: no output for 1 s\n"));
	free(log);
}

static void cmd_bench_refuses_bad_input_before_booting(void)
{
	bench_fixture();
	char *args[] = { "bench", "--bench", (char *)tmp_path("bench-mk.elf"), "--list",
			 (char *)tmp_path("BENCHMARKS"), "--qemu", (char *)tmp_path("fake-qemu"),
			 "--only", "nope", "--results-dir", (char *)tmp_path("res"),
			 (char *)tmp_path("default"), NULL };
	char *out;
	EXPECT_INT(CMD_EXIT_USAGE, cmd_bench_capture(args, &out));
	EXPECT_TRUE(strstr(out, "--only: no benchmark named \"nope\""));
	free(out);
	args[8] = "sizes";
	args[2] = (char *)tmp_path("no-such.elf");
	EXPECT_INT(CMD_EXIT_USAGE, cmd_bench_capture(args, &out));
	EXPECT_TRUE(strstr(out, "no-such.elf: No such file or directory"));
	free(out);
	char *pmu[] = { "bench", "--bench", (char *)tmp_path("bench-mk.elf"), "--list",
			(char *)tmp_path("BENCHMARKS"), "--qemu", (char *)tmp_path("fake-qemu"),
			"--pmu", "NO_SUCH_EVENT", "--results-dir", (char *)tmp_path("res"),
			(char *)tmp_path("default"), NULL };
	setenv("LIBPFM_FORCE_PMU", "skl", 1);
	EXPECT_INT(CMD_EXIT_USAGE, cmd_bench_capture(pmu, &out));
	EXPECT_TRUE(strstr(out, "--pmu: NO_SUCH_EVENT: event not found"));
	free(out);
}

/* ---- plots ---- */

static void plots_render_figures_without_warnings(void)
{
	char gnuplot[PATH_MAX];
	if (proc_path_resolve(PLOTS_GNUPLOT_BINARY, gnuplot, sizeof gnuplot) < 0) {
		test_skipped = true;
		snprintf(test_why, sizeof test_why, "gnuplot is not installed");
		return;
	}
	struct bench_table t = sample_table();
	mkdir(tmp_path("figs"), 0755);
	EXPECT_INT(0, csv_write(tmp_path("figs/20240101T000000Z.csv"), &t));
	file_write(tmp_path("figs/20231231T235959Z.csv"), "older\n", 0644);
	char *newest = NULL;
	EXPECT_INT(0, plots_newest_csv(tmp_path("figs"), &newest));
	EXPECT_STR(tmp_path("figs/20240101T000000Z.csv"), newest);
	struct plots_spec spec = { .gnuplot_path = gnuplot, .csv_path = newest ? newest : "",
				   .scripts_dir = "plots", .out_dir = tmp_path("figs"),
				   .timeout_ms = PLOTS_TIMEOUT_MS };
	struct plots_result result;
	EXPECT_INT(0, plots_render(&spec, &result));
	EXPECT_INT(9, result.rendered);
	EXPECT_INT(0, result.failed);
	EXPECT_INT(0, result.warnings);
	struct stat st;
	EXPECT_TRUE(stat(tmp_path("figs/rpc_size.png"), &st) == 0 && st.st_size > 0);
	EXPECT_TRUE(stat(tmp_path("figs/scalars.svg"), &st) == 0 && st.st_size > 0);
	EXPECT_TRUE(stat(tmp_path("figs/overview.svg"), &st) == 0 && st.st_size > 0);
	EXPECT_TRUE(stat(tmp_path("figs/overview.png"), &st) == 0 && st.st_size > 0);
	EXPECT_TRUE(stat(tmp_path("figs/unix.png"), &st) == 0 && st.st_size > 0);
	EXPECT_TRUE(stat(tmp_path("figs/units.png"), &st) == 0 && st.st_size > 0);
	EXPECT_TRUE(stat(tmp_path("figs/profile.svg"), &st) == 0 && st.st_size > 0);
	spec.gnuplot_path = tmp_path("no-gnuplot");
	EXPECT_INT(0, plots_render(&spec, &result));
	EXPECT_INT(9, result.failed);
	free(newest);
}

/* ---- driver ---- */

static const struct check_test tests[] = {
	TEST(records_concatenate_lines_of_one_measure),
	TEST(records_count_flagged_values_apart),
	TEST(records_refuse_garbage_truncated_and_out_of_range_lines),
	TEST(cmd_bench_adds_kvm_twins_where_kvm_works),
	TEST(pmu_encodes_event_names_for_a_forced_pmu),
	TEST(records_take_64_values_and_refuse_65),
	TEST(records_ignore_lines_outside_the_markers),
	TEST(records_without_end_marker_keep_complete_lines),
	TEST(stats_use_nearest_rank_and_lower_median),
	TEST(stats_exclude_flagged_samples_and_keep_empty_groups),
	TEST(csv_writes_exact_bytes_in_table_order),
	TEST(csv_failed_write_leaves_old_file_intact),
	TEST(report_md_rewrites_regions_and_keeps_the_rest),
	TEST(report_md_refuses_unterminated_region_and_leaves_file),
	TEST(report_tables_show_medians_ratios_and_headline),
	TEST(cmd_bench_writes_sorted_csv_log_and_progress),
	TEST(cmd_bench_without_its_plugin_still_writes_the_rows),
	TEST(cmd_bench_hang_fails_one_unit_and_keeps_the_rest),
	TEST(cmd_bench_silent_kernel_fails_one_benchmark_as_hang),
	TEST(cmd_bench_refuses_bad_input_before_booting),
	TEST(cmd_bench_runs_the_emulated_unix_suite_on_the_microkernel),
	TEST(plots_render_figures_without_warnings),
};

/* Makes res/, the results directory every "machlab bench" run writes to. */
static void setup_results_dir(void)
{
	mkdir(tmp_path("res"), 0755);
}

/* Runs every test; the harness' own chatter goes to a file in tmp_dir. */
int main(void)
{
	return check_main(tests, sizeof tests / sizeof tests[0], "/tmp/machlab-bench-test-",
			  setup_results_dir, true);
}

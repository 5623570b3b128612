/* cmd_test.c: "machlab test [options] TARGET_DIR...": checks its inputs, runs
 * the host unit tests, then the guest suite on every target (up to --jobs at
 * once; a boot silent for --hang-timeout is a kernel hang that fails the
 * running test), and ends with a summary whose last line is "N passed, N
 * failed". */
#include "cmd_test.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_unit.h"
#include "jobs.h"
#include "linux_boot.h"
#include "bench_list.h"
#include "bench_model.h"
#include "bench_run.h"
#include "cmd_profile.h"
#include "manifest.h"
#include "profile.h"
#include "qemu.h"
#include "repeat_check.h"
#include "results.h"
#include "report.h"
#include "strlist.h"
#include "target.h"

#define PROFILE_CHECK_NAME "profile_counts_equal_the_insn_figures"
#define PROFILE_SPACES_NAME "profile_separates_address_spaces"
#define MODEL_CHECK_NAME "cost_model_matches_its_table"
#define PROFILE_CHECK_TARGETS 2   /* the first targets given */
#define PROFILE_CHECK_NAMES_MAX 16

#define TEST_TIMEOUT_DEFAULT_S 120
#define TEST_TIMEOUT_MAX_S (INT_MAX / 1000)
#define TEST_HANG_TIMEOUT_DEFAULT_S 30 /* the guest runner prints at least every few s */
#define TEST_JOBS_MAX 1024
#define TEST_ERR_MAX_BYTES 512
#define TEST_UNIT_MAX 8 /* --unit binaries one run takes */
#define LITTLE_RAM_MIB_MAX 4096

struct test_options {
	const char *unit_paths[TEST_UNIT_MAX];
	size_t unit_count;
	const char *manifest_path;
	const char *tests_path;
	const char *qemu_path;
	const char *log_dir; /* NULL: each target's own directory */
	const char *repeat_bench; /* benchmark program for the repeatability check, or NULL */
	const char *repeat_args;  /* what it runs */
	const char *smoke_list;   /* bench/BENCHMARKS: run them all on every target, or NULL */
	const char *little_ram;   /* a manifest of tests for a boot with little RAM, or NULL */
	const char *linux_dir;    /* a Linux target to boot once with the Unix suite, or NULL */
	const char *linux_list;   /* bench/unix/BENCHMARKS: what that boot must measure */
	const char *profile_plugin; /* profile these on the first targets with this plugin, or NULL */
	const char *marker_check;   /* the benchmark program built without markers, or NULL */
	const char *profile_names;  /* space-separated benchmarks */
	long little_ram_mib;
	long timeout_s;
	long hang_timeout_s; /* no serial line for this long: a kernel hang */
	long jobs;
	char **target_dirs;
	size_t target_count;
};

/* Everything one run holds, shared with the target threads. */
struct test_run {
	struct test_options opt;
	struct strlist manifest;
	struct target_suite suite;
	struct target *targets;
	struct host_unit_result units[TEST_UNIT_MAX];
	bool repeat_ok;
	char repeat_reason[TEST_ERR_MAX_BYTES];
	bool marker_ok;
	char marker_reason[TEST_ERR_MAX_BYTES];
	struct strlist smoke_names;
	char (*smoke_reasons)[TEST_ERR_MAX_BYTES];   /* per target; "" when it passed */
	struct strlist little_ram_names;
	struct results *little_ram;                  /* per target */
	struct strlist linux_names;
	char linux_reason[TEST_ERR_MAX_BYTES];       /* "" when the Linux boot passed */
	char profile_reasons[PROFILE_CHECK_TARGETS][TEST_ERR_MAX_BYTES]; /* "" when it passed */
	char spaces_reasons[PROFILE_CHECK_TARGETS][TEST_ERR_MAX_BYTES];  /* the same boot's
									  address spaces */
	size_t profile_checked;                      /* targets the profile check ran on */
	bool model_checked;                          /* the cost model's check ran */
	char model_reason[TEST_ERR_MAX_BYTES];       /* "" when it passed */
};

static const char test_usage[] =
	"usage: machlab test [--unit PATH]... [--manifest PATH --tests PATH] [--timeout SECONDS]\n"
	"                    [--hang-timeout SECONDS] [--jobs N] [--qemu PATH] [--log-dir DIR]\n"
	"                    [--repeat-bench PATH --repeat-args ARGS [--smoke-list PATH]]\n"
	"                    [--little-ram MANIFEST --little-ram-mib N]\n"
	"                    [--linux DIR --linux-list PATH]\n"
	"                    [--profile PLUGIN --profile-names \"NAME...\"] [--marker-check PATH]\n"
	"                    TARGET_DIR...\n";

bool cmd_number_parse(const char *s, long max, long *out)
{
	char *end;
	errno = 0;
	*out = strtol(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && *out >= 1 && *out <= max;
}

/* Fills opt from the command line. Returns 0, or -EINVAL after printing why. */
static int test_options_parse(int argc, char **argv, struct test_options *opt)
{
	static const struct option longopts[] = {
		{ "unit", required_argument, NULL, 'u' }, { "manifest", required_argument, NULL, 'm' },
		{ "tests", required_argument, NULL, 't' }, { "timeout", required_argument, NULL, 'T' },
		{ "jobs", required_argument, NULL, 'j' }, { "qemu", required_argument, NULL, 'q' },
		{ "log-dir", required_argument, NULL, 'l' }, { "help", no_argument, NULL, 'h' },
		{ "repeat-bench", required_argument, NULL, 'r' },
		{ "repeat-args", required_argument, NULL, 'a' },
		{ "smoke-list", required_argument, NULL, 's' },
		{ "little-ram", required_argument, NULL, 'L' },
		{ "little-ram-mib", required_argument, NULL, 'M' },
		{ "linux", required_argument, NULL, 'X' },
		{ "linux-list", required_argument, NULL, 'Y' },
		{ "profile", required_argument, NULL, 'P' },
		{ "profile-names", required_argument, NULL, 'N' },
		{ "marker-check", required_argument, NULL, 'K' },
		{ "hang-timeout", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	*opt = (struct test_options){ .qemu_path = QEMU_DEFAULT_BINARY, .jobs = cpus > 0 ? cpus : 1,
				      .timeout_s = TEST_TIMEOUT_DEFAULT_S,
				      .hang_timeout_s = TEST_HANG_TIMEOUT_DEFAULT_S };
	optind = 1;
	for (int c; (c = getopt_long(argc, argv, "", longopts, NULL)) != -1;) {
		bool ok = true;
		switch (c) {
		case 'u':
			ok = opt->unit_count < TEST_UNIT_MAX;
			if (ok)
				opt->unit_paths[opt->unit_count++] = optarg;
			break;
		case 'm': opt->manifest_path = optarg; break;
		case 't': opt->tests_path = optarg; break;
		case 'q': opt->qemu_path = optarg; break;
		case 'l': opt->log_dir = optarg; break;
		case 'r': opt->repeat_bench = optarg; break;
		case 'a': opt->repeat_args = optarg; break;
		case 's': opt->smoke_list = optarg; break;
		case 'L': opt->little_ram = optarg; break;
		case 'X': opt->linux_dir = optarg; break;
		case 'Y': opt->linux_list = optarg; break;
		case 'P': opt->profile_plugin = optarg; break;
		case 'N': opt->profile_names = optarg; break;
		case 'K': opt->marker_check = optarg; break;
		case 'M': ok = cmd_number_parse(optarg, LITTLE_RAM_MIB_MAX, &opt->little_ram_mib); break;
		case 'T': ok = cmd_number_parse(optarg, TEST_TIMEOUT_MAX_S, &opt->timeout_s); break;
		case 'H': ok = cmd_number_parse(optarg, TEST_TIMEOUT_MAX_S, &opt->hang_timeout_s); break;
		case 'j': ok = cmd_number_parse(optarg, TEST_JOBS_MAX, &opt->jobs); break;
		default: ok = false; break;
		}
		if (!ok) {
			if (c == 'T' || c == 'H' || c == 'j' || c == 'M')
				fprintf(stderr, "machlab test: bad number \"%s\"\n", optarg);
			fputs(test_usage, stderr);
			return -EINVAL;
		}
	}
	opt->target_dirs = argv + optind;
	opt->target_count = (size_t)(argc - optind);
	bool guest_inputs = opt->manifest_path && opt->tests_path;
	if ((opt->target_count == 0 && !opt->unit_count) || (opt->target_count > 0 && !guest_inputs)) {
		fprintf(stderr, "machlab test: give --unit or TARGET_DIRs (which need --manifest"
			" and --tests)\n%s", test_usage);
		return -EINVAL;
	}
	return 0;
}

/* Checks an executable exists. Returns 0, or -errno with err set. */
static int test_check_program(const char *name, char *err)
{
	char path[PATH_MAX];
	int rc = proc_path_resolve(name, path, sizeof path);
	if (rc < 0)
		snprintf(err, TEST_ERR_MAX_BYTES, "%s: %s", name, strerror(-rc));
	return rc;
}

/* Reads the manifest and opens every target, so that a bad input stops the
 * run before anything boots. Returns 0, or -errno with err set. */
static int test_run_prepare(struct test_run *run, char *err)
{
	struct test_options *opt = &run->opt;
	int rc = 0;
	for (size_t i = 0; i < opt->unit_count && rc == 0; i++)
		rc = test_check_program(opt->unit_paths[i], err);
	if (rc < 0 || opt->target_count == 0)
		return rc;
	if ((rc = manifest_read(opt->manifest_path, &run->manifest, err, TEST_ERR_MAX_BYTES)) < 0)
		return rc;
	if (opt->little_ram) {
		if (!opt->little_ram_mib) {
			snprintf(err, TEST_ERR_MAX_BYTES, "--little-ram needs --little-ram-mib");
			return -EINVAL;
		}
		if ((rc = manifest_read(opt->little_ram, &run->little_ram_names, err,
					TEST_ERR_MAX_BYTES)) < 0)
			return rc;
		if (!(run->little_ram = calloc(opt->target_count, sizeof *run->little_ram)))
			return -ENOMEM;
	}
	if (opt->marker_check && !opt->repeat_bench) {
		snprintf(err, TEST_ERR_MAX_BYTES, "--marker-check needs --repeat-bench");
		return -EINVAL;
	}
	if (opt->profile_plugin && (!opt->profile_names || !opt->repeat_bench)) {
		snprintf(err, TEST_ERR_MAX_BYTES, "--profile needs --profile-names and --repeat-bench");
		return -EINVAL;
	}
	if (!opt->linux_dir != !opt->linux_list) {
		snprintf(err, TEST_ERR_MAX_BYTES, "--linux and --linux-list go together");
		return -EINVAL;
	}
	if (opt->linux_list && (rc = bench_list_read(opt->linux_list, &run->linux_names, err,
						     TEST_ERR_MAX_BYTES)) < 0)
		return rc;
	if (opt->smoke_list && !opt->repeat_bench) {
		snprintf(err, TEST_ERR_MAX_BYTES, "--smoke-list needs --repeat-bench");
		return -EINVAL;
	}
	if (opt->smoke_list) {
		if ((rc = bench_list_read(opt->smoke_list, &run->smoke_names, err,
					  TEST_ERR_MAX_BYTES)) < 0)
			return rc;
		if (!(run->smoke_reasons = calloc(opt->target_count, sizeof *run->smoke_reasons)))
			return -ENOMEM;
	}
	if (access(opt->tests_path, R_OK) < 0 || strchr(opt->tests_path, ' ')) {
		rc = strchr(opt->tests_path, ' ') ? -EINVAL : -errno;
		snprintf(err, TEST_ERR_MAX_BYTES, "%s: %s", opt->tests_path,
			 rc == -EINVAL ? "a boot module path cannot hold a space" : strerror(-rc));
		return rc;
	}
	if ((rc = test_check_program(opt->qemu_path, err)) < 0)
		return rc;
	for (size_t i = 0; i < opt->target_count && rc == 0; i++) {
		rc = target_open(&run->targets[i], opt->target_dirs[i], opt->log_dir, err,
				 TEST_ERR_MAX_BYTES);
		run->targets[i].index = i;
		run->targets[i].total = opt->target_count;
		for (size_t j = 0; j < i && rc == 0; j++)
			if (strcmp(run->targets[j].name, run->targets[i].name) == 0) {
				snprintf(err, TEST_ERR_MAX_BYTES, "two targets are named %s",
					 run->targets[i].name);
				rc = -EINVAL;
			}
	}
	return rc;
}

/* Job body: runs the guest suite on target index. */
static void test_run_target(void *ctx, size_t index)
{
	struct test_run *run = ctx;
	target_test(&run->targets[index], &run->suite);
}

/* A single-boot check of target i's kernel (its path goes into kernel,
 * PATH_MAX bytes) running program, in the usual machine. */
static struct repeat_check test_check_on(const struct test_run *run, size_t i, char *kernel,
					 const char *program)
{
	snprintf(kernel, PATH_MAX, "%s/kernel.elf", run->opt.target_dirs[i]);
	return (struct repeat_check){
		.qemu_path = run->opt.qemu_path, .kernel_path = kernel, .bench_path = program,
		.timeout_ms = (int)run->opt.timeout_s * 1000,
		.hang_timeout_ms = (int)run->opt.hang_timeout_s * 1000,
	};
}

/* Boots the first target twice with a benchmark: the counts must be identical. */
static void test_run_repeat_check(struct test_run *run)
{
	char kernel[PATH_MAX];
	struct repeat_check rc = test_check_on(run, 0, kernel, run->opt.repeat_bench);

	rc.bench_args = run->opt.repeat_args;
	run->repeat_ok = repeat_check_run(&rc, run->repeat_reason, sizeof run->repeat_reason);
	if (run->repeat_ok)
		report_line("ok   %s", REPEAT_CHECK_NAME);
	else
		report_line("FAIL %s: %s", REPEAT_CHECK_NAME, run->repeat_reason);
}

/* Boots the first target with the benchmark program and with its build
 * without profiling markers: the figures must be the same. */
static void test_run_marker_check(struct test_run *run)
{
	char kernel[PATH_MAX];
	struct repeat_check rc = test_check_on(run, 0, kernel, run->opt.repeat_bench);
	rc.bench_args = run->opt.repeat_args;
	run->marker_ok = marker_check_run(&rc, run->opt.marker_check, run->marker_reason,
					  sizeof run->marker_reason);
	if (run->marker_ok)
		report_line("ok   %s", MARKER_CHECK_NAME);
	else
		report_line("FAIL %s: %s", MARKER_CHECK_NAME, run->marker_reason);
}

/* Boots every target once with every benchmark in quick mode. */
static void test_run_bench_smoke(struct test_run *run)
{
	for (size_t i = 0; i < run->opt.target_count; i++) {
		char kernel[PATH_MAX];
		struct repeat_check rc = test_check_on(run, i, kernel, run->opt.repeat_bench);

		rc.bench_args = "--quick";
		if (bench_smoke_run(&rc, &run->smoke_names, run->smoke_reasons[i],
				    sizeof run->smoke_reasons[i]))
			report_line("ok   %s/%s", run->targets[i].name, BENCH_SMOKE_NAME);
		else
			report_line("FAIL %s/%s: %s", run->targets[i].name, BENCH_SMOKE_NAME,
				    run->smoke_reasons[i]);
	}
}

/* Boots the Linux target once with every benchmark of the Unix suite in quick
 * mode: each must print samples and the boot must end cleanly. */
static void test_run_linux(struct test_run *run)
{
	char *kernel = path_join(run->opt.linux_dir, LINUX_KERNEL_FILE);
	char *initrd = path_join(run->opt.linux_dir, LINUX_ROOT_FILE);
	char *names = strlist_join(&run->linux_names, " ");
	char args[TEST_ERR_MAX_BYTES];
	struct repeat_check rc = {
		.qemu_path = run->opt.qemu_path, .kernel_path = kernel, .initrd_path = initrd,
		.bench_args = args, .timeout_ms = (int)run->opt.timeout_s * 1000,
		.hang_timeout_ms = (int)run->opt.hang_timeout_s * 1000,
	};
	if (run->linux_names.count == 0)
		snprintf(run->linux_reason, sizeof run->linux_reason, "%s names no benchmark",
			 run->opt.linux_list);
	else if (!kernel || !initrd || !names ||
	    (size_t)snprintf(args, sizeof args, "bench --quick %s", names) >= sizeof args)
		snprintf(run->linux_reason, sizeof run->linux_reason, "out of memory or too many names");
	else if (bench_smoke_run(&rc, &run->linux_names, run->linux_reason,
				 sizeof run->linux_reason))
		run->linux_reason[0] = '\0';
	if (run->linux_reason[0])
		report_line("FAIL %s: %s", LINUX_SMOKE_NAME, run->linux_reason);
	else
		report_line("ok   %s (%zu benchmarks, %s)", LINUX_SMOKE_NAME, run->linux_names.count,
			    run->opt.linux_dir);
	free(kernel);
	free(initrd);
	free(names);
}

/* The tasks whose user code runs in one sample of a benchmark, for the
 * address-space check: names of the profiled set not here are not checked. */
static const struct {
	const char *benchmark;
	size_t user_spaces;
} profile_spaces_expected[] = {
	{ "null_rpc_tasks", 2 },  /* client and server */
	{ "zero_fill_fault", 1 }, /* the faulting task; the kernel serves it */
	{ "pager_fault", 2 },     /* the faulting task and its external pager */
};

/* Checks spaces[k], the address spaces that ran user code in names[k]'s
 * median sample, against profile_spaces_expected. Returns 0, or -1 with
 * reason set. */
static int profile_spaces_check(char **names, int count, const size_t *spaces, char *reason)
{
	size_t checked = 0;
	for (int k = 0; k < count; k++)
		for (size_t e = 0; e < sizeof profile_spaces_expected / sizeof *profile_spaces_expected;
		     e++) {
			if (strcmp(names[k], profile_spaces_expected[e].benchmark) != 0)
				continue;
			checked++;
			if (spaces[k] != profile_spaces_expected[e].user_spaces) {
				snprintf(reason, TEST_ERR_MAX_BYTES, "%s: user code ran in %zu address "
					 "spaces, expected %zu", names[k], spaces[k],
					 profile_spaces_expected[e].user_spaces);
				return -1;
			}
		}
	if (checked == 0) {
		snprintf(reason, TEST_ERR_MAX_BYTES, "none of the profiled benchmarks has an "
			 "expected number of address spaces");
		return -1;
	}
	return 0;
}

/* Profiles the named benchmarks on the first targets: the plugin's count of
 * every sample must equal the guest's figure (see profile.h), and the
 * benchmarks of profile_spaces_expected must show their tasks' address
 * spaces apart. The second target runs with the cost model on (cyc-model):
 * its counts must be the same, every sample must have its cycles, and a
 * second boot must give the same cycles. */
static void test_run_profile(struct test_run *run)
{
	char *names = strdup(run->opt.profile_names), *argv[PROFILE_CHECK_NAMES_MAX];
	int count = profile_names_split(names, argv, PROFILE_CHECK_NAMES_MAX);
	size_t spaces[PROFILE_CHECK_NAMES_MAX];
	for (size_t i = 0; i < run->opt.target_count && i < PROFILE_CHECK_TARGETS; i++) {
		char *reason = run->profile_reasons[i], *spaces_reason = run->spaces_reasons[i];
		run->profile_checked++;
		if (count == 0)
			snprintf(reason, TEST_ERR_MAX_BYTES, "no benchmark named (out of memory?)");
		else if (profile_verify(run->opt.target_dirs[i], run->opt.repeat_bench,
					run->opt.profile_plugin, run->opt.qemu_path, argv, count,
					i == 1, spaces, reason, TEST_ERR_MAX_BYTES) == 0)
			reason[0] = '\0';
		if (reason[0])
			snprintf(spaces_reason, TEST_ERR_MAX_BYTES, "the profile failed");
		else if (profile_spaces_check(argv, count, spaces, spaces_reason) == 0)
			spaces_reason[0] = '\0';
		if (reason[0])
			report_line("FAIL %s/%s: %s", run->targets[i].name, PROFILE_CHECK_NAME, reason);
		else
			report_line("ok   %s/%s (%s)", run->targets[i].name, PROFILE_CHECK_NAME,
				    run->opt.profile_names);
		if (spaces_reason[0])
			report_line("FAIL %s/%s: %s", run->targets[i].name, PROFILE_SPACES_NAME,
				    spaces_reason);
		else
			report_line("ok   %s/%s", run->targets[i].name, PROFILE_SPACES_NAME);
	}
	free(names);
}

/* The cost model in a real guest (bench_model_validate): the first target
 * boots the validation micro-programs with the plugin, and their cyc-model
 * figures must be what the model's table predicts. */
static void test_run_model_check(struct test_run *run)
{
	char kernel[PATH_MAX];
	struct bench_setup setup = {
		.qemu_path = run->opt.qemu_path, .bench_path = run->opt.repeat_bench, .quick = true,
		.timeout_ms = (int)run->opt.timeout_s * 1000,
		.hang_timeout_ms = (int)run->opt.hang_timeout_s * 1000, .log = tmpfile(),
	};
	snprintf(kernel, sizeof kernel, "%s/kernel.elf", run->opt.target_dirs[0]);
	run->model_checked = true;
	if (!setup.log)
		snprintf(run->model_reason, sizeof run->model_reason, "no scratch file for the log");
	else if (bench_model_validate(&setup, run->opt.target_dirs[0], kernel,
				      run->opt.profile_plugin, run->model_reason,
				      sizeof run->model_reason) == 0)
		run->model_reason[0] = '\0';
	if (setup.log)
		fclose(setup.log);
	if (run->model_reason[0])
		report_line("FAIL %s/%s: %s", run->targets[0].name, MODEL_CHECK_NAME,
			    run->model_reason);
	else
		report_line("ok   %s/%s", run->targets[0].name, MODEL_CHECK_NAME);
}

/* Boots every target once with little RAM and the tests that need it. */
static void test_run_little_ram(struct test_run *run)
{
	for (size_t i = 0; i < run->opt.target_count; i++) {
		char kernel[PATH_MAX];
		struct repeat_check rc = test_check_on(run, i, kernel, run->opt.tests_path);
		struct results *r = &run->little_ram[i];

		rc.memory_mib = (int)run->opt.little_ram_mib;
		if (little_ram_run(&rc, &run->little_ram_names, r) < 0) {
			report_line("FAIL %s: out of memory for the little-RAM boot", run->targets[i].name);
			continue;
		}
		for (size_t k = 0; k < r->count; k++)
			if (r->tests[k].state == TEST_PASSED)
				report_line("ok   %s/%s (%ld MiB)", run->targets[i].name, r->tests[k].name,
					    run->opt.little_ram_mib);
			else
				report_line("FAIL %s/%s (%ld MiB): %s", run->targets[i].name,
					    r->tests[k].name, run->opt.little_ram_mib, r->tests[k].reason);
	}
}

/* Prints every target's failures again, so they are found without scrolling. */
static void test_print_failures(const struct test_run *run)
{
	if (run->opt.repeat_bench && !run->repeat_ok)
		report_line("  FAIL %s: %s", REPEAT_CHECK_NAME, run->repeat_reason);
	if (run->opt.marker_check && !run->marker_ok)
		report_line("  FAIL %s: %s", MARKER_CHECK_NAME, run->marker_reason);
	if (run->opt.linux_dir && run->linux_reason[0])
		report_line("  FAIL %s: %s", LINUX_SMOKE_NAME, run->linux_reason);
	if (run->model_checked && run->model_reason[0])
		report_line("  FAIL %s/%s: %s", run->targets[0].name, MODEL_CHECK_NAME,
			    run->model_reason);
	for (size_t i = 0; i < run->profile_checked; i++) {
		if (run->profile_reasons[i][0])
			report_line("  FAIL %s/%s: %s", run->targets[i].name, PROFILE_CHECK_NAME,
				    run->profile_reasons[i]);
		if (run->spaces_reasons[i][0])
			report_line("  FAIL %s/%s: %s", run->targets[i].name, PROFILE_SPACES_NAME,
				    run->spaces_reasons[i]);
	}
	for (size_t i = 0; run->little_ram && i < run->opt.target_count; i++)
		for (size_t k = 0; k < run->little_ram[i].count; k++)
			if (run->little_ram[i].tests[k].state != TEST_PASSED)
				report_line("  FAIL %s/%s (%ld MiB): %s", run->targets[i].name,
					    run->little_ram[i].tests[k].name, run->opt.little_ram_mib,
					    run->little_ram[i].tests[k].reason);
	for (size_t i = 0; run->smoke_reasons && i < run->opt.target_count; i++)
		if (run->smoke_reasons[i][0])
			report_line("  FAIL %s/%s: %s", run->targets[i].name, BENCH_SMOKE_NAME,
				    run->smoke_reasons[i]);
	for (size_t i = 0; i < run->opt.unit_count; i++)
		if (run->units[i].reason[0])
			report_line("  FAIL %s (%s): %s", HOST_UNIT_NAME, run->opt.unit_paths[i],
				    run->units[i].reason);
	for (size_t i = 0; i < run->opt.target_count; i++) {
		const struct target *t = &run->targets[i];
		for (size_t k = 0; k < t->results.count + t->results.extra_count; k++) {
			const struct test_result *r = k < t->results.count
				? &t->results.tests[k] : &t->results.extras[k - t->results.count];
			if (r->state == TEST_FAILED)
				report_line("  FAIL %s/%s: %s", t->name, r->name, r->reason);
		}
	}
}

/* Prints the per-target summary and the final totals line; returns the exit
 * status. */
static int test_run_summarize(const struct test_run *run)
{
	unsigned passed = 0, failed = 0;
	report_line("summary:");
	for (size_t i = 0; i < run->opt.unit_count; i++) {
		const struct unit_counts *c = &run->units[i].counts;
		report_line("  %s: %u passed, %u failed, %u skipped", run->opt.unit_paths[i],
			    c->passed, c->failed, c->skipped);
		passed += c->passed;
		failed += c->failed;
	}
	if (run->opt.repeat_bench) {
		report_line("  %s: %s", REPEAT_CHECK_NAME, run->repeat_ok ? "ok" : "FAILED");
		passed += run->repeat_ok;
		failed += !run->repeat_ok;
	}
	if (run->opt.marker_check && run->opt.target_count > 0) {
		report_line("  %s: %s", MARKER_CHECK_NAME, run->marker_ok ? "ok" : "FAILED");
		passed += run->marker_ok;
		failed += !run->marker_ok;
	}
	for (size_t i = 0; i < run->profile_checked; i++) {
		bool ok = !run->profile_reasons[i][0], spaces_ok = !run->spaces_reasons[i][0];
		report_line("  %s/%s: %s", run->targets[i].name, PROFILE_CHECK_NAME, ok ? "ok" : "FAILED");
		report_line("  %s/%s: %s", run->targets[i].name, PROFILE_SPACES_NAME,
			    spaces_ok ? "ok" : "FAILED");
		passed += ok + spaces_ok;
		failed += !ok + !spaces_ok;
	}
	if (run->model_checked) {
		bool ok = !run->model_reason[0];
		report_line("  %s/%s: %s", run->targets[0].name, MODEL_CHECK_NAME, ok ? "ok" : "FAILED");
		passed += ok;
		failed += !ok;
	}
	if (run->opt.linux_dir) {
		bool ok = !run->linux_reason[0];
		report_line("  %s: %s", LINUX_SMOKE_NAME, ok ? "ok" : "FAILED");
		passed += ok;
		failed += !ok;
	}
	for (size_t i = 0; run->little_ram && i < run->opt.target_count; i++) {
		unsigned p, f;

		results_count(&run->little_ram[i], &p, &f);
		f += (unsigned)(run->little_ram_names.count - run->little_ram[i].count);
		report_line("  %s (%ld MiB): %u passed, %u failed", run->targets[i].name,
			    run->opt.little_ram_mib, p, f);
		passed += p;
		failed += f;
	}
	for (size_t i = 0; run->smoke_reasons && i < run->opt.target_count; i++) {
		bool ok = !run->smoke_reasons[i][0];

		report_line("  %s/%s: %s", run->targets[i].name, BENCH_SMOKE_NAME, ok ? "ok" : "FAILED");
		passed += ok;
		failed += !ok;
	}
	for (size_t i = 0; i < run->opt.target_count; i++) {
		const struct target *t = &run->targets[i];
		unsigned p, f;
		results_count(&t->results, &p, &f);
		f += (unsigned)(run->manifest.count - t->results.count); /* never set up */
		report_line("  %s: %u passed, %u failed (%u boots, %.1f s, log %s)", t->name, p, f,
			    t->boots, t->elapsed_s, t->log_path);
		passed += p;
		failed += f;
	}
	if (failed > 0)
		report_line("failures:");
	test_print_failures(run);
	report_line("%u passed, %u failed", passed, failed);
	return failed == 0 && passed > 0 ? CMD_EXIT_OK : CMD_EXIT_FAILED;
}

/* Frees everything the run holds. */
static void test_run_free(struct test_run *run)
{
	for (size_t i = 0; run->targets && i < run->opt.target_count; i++)
		target_close(&run->targets[i]);
	free(run->targets);
	free(run->smoke_reasons);
	for (size_t i = 0; run->little_ram && i < run->opt.target_count; i++)
		results_free(&run->little_ram[i]);
	free(run->little_ram);
	strlist_free(&run->little_ram_names);
	strlist_free(&run->smoke_names);
	strlist_free(&run->linux_names);
	strlist_free(&run->manifest);
}

/* Entry point of "machlab test"; argv[0] is "test". Returns the exit status. */
int cmd_test_main(int argc, char **argv)
{
	struct test_run run = { 0 };
	char err[TEST_ERR_MAX_BYTES] = "out of memory";
	if (test_options_parse(argc, argv, &run.opt) < 0)
		return CMD_EXIT_USAGE;
	run.targets = calloc(run.opt.target_count + 1, sizeof *run.targets);
	if (!run.targets || test_run_prepare(&run, err) < 0) {
		fprintf(stderr, "machlab test: %s\n", err);
		test_run_free(&run);
		return CMD_EXIT_USAGE;
	}
	run.suite = (struct target_suite){
		.qemu_path = run.opt.qemu_path, .tests_path = run.opt.tests_path,
		.manifest = &run.manifest, .timeout_ms = (int)run.opt.timeout_s * 1000,
		.hang_timeout_ms = (int)run.opt.hang_timeout_s * 1000,
	};
	for (size_t i = 0; i < run.opt.unit_count; i++)
		host_unit_run(run.opt.unit_paths[i], run.suite.timeout_ms, &run.units[i]);
	jobs_run(run.opt.target_count, (unsigned)run.opt.jobs, test_run_target, &run);
	if (run.opt.repeat_bench && run.opt.target_count > 0)
		test_run_repeat_check(&run);
	if (run.opt.marker_check && run.opt.target_count > 0)
		test_run_marker_check(&run);
	if (run.smoke_reasons)
		test_run_bench_smoke(&run);
	if (run.little_ram)
		test_run_little_ram(&run);
	if (run.opt.linux_dir)
		test_run_linux(&run);
	if (run.opt.profile_plugin && run.opt.target_count > 0) {
		test_run_profile(&run);
		test_run_model_check(&run);
	}
	int status = test_run_summarize(&run);
	test_run_free(&run);
	return status;
}

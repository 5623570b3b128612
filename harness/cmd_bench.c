/* cmd_bench.c: "machlab bench [options] TARGET_DIR...": boots every target
 * once per benchmark it runs (up to --jobs boots at once): a microkernel
 * target (a build directory with kernel.elf) runs bench/BENCHMARKS through
 * the native program, a Linux target (a directory with vmlinux, see
 * linux_boot.h) runs bench/unix/BENCHMARKS from its root archive; with
 * --model each boot runs the profiling plugin's cost model too, and every
 * insn measurement gains a cyc-model one of the same samples
 * (bench_model.h). Where KVM works (kvm_probe.h) every target also gets a
 * twin "<name>-kvm" booted under KVM, whose figures are TSC cycles (unit
 * cyc), whose native benchmarks read the hardware counters --pmu names
 * (units pmc<i>), and which runs under perf stat as a cross-check. It turns
 * the records into statistics, writes <results-dir>/<run-id>.csv (and .log
 * as the run goes), optionally profiles a set of benchmarks on every target
 * (bench_profile.h), updates REPORT.md's regions and renders the plots. A
 * failed boot loses one benchmark on one target, and a failed profile only
 * the profile: the rest is still written, and the exit status says
 * something failed. */
#include "cmd_bench.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "bench_list.h"
#include "bench_profile.h"
#include "bench_run.h"
#include "bench_model.h"
#include "cmd_profile.h"
#include "cmd_test.h"
#include "csv.h"
#include "jobs.h"
#include "kvm_probe.h"
#include "linux_boot.h"
#include "linux_pkg.h"
#include "plots.h"
#include "pmu.h"
#include "qemu.h"
#include "report.h"
#include "report_md.h"
#include "report_model.h"
#include "report_tables.h"
#include "target.h"

#define BENCH_PROGRAM_DEFAULT "build/user/bench-mk.elf"
#define BENCH_LIST_DEFAULT "bench/BENCHMARKS"
#define BENCH_UNIX_LIST_DEFAULT "bench/unix/BENCHMARKS"
#define BENCH_RESULTS_DIR_DEFAULT "results"
#define BENCH_COMMIT_DEFAULT "unknown"
#define BENCH_RUN_ID_FORMAT "%Y%m%dT%H%M%SZ" /* UTC: run ids sort by time */
#define BENCH_TIMEOUT_DEFAULT_S 300
#define BENCH_TIMEOUT_MAX_S (INT_MAX / 1000 / BENCH_MODEL_SLOWDOWN) /* (model boots: x4) */
#define BENCH_HANG_TIMEOUT_DEFAULT_S 60 /* a measurement prints within this; see README */
#define BENCH_JOBS_MAX 1024
#define BENCH_ERR_MAX_BYTES 512
#define BENCH_RUN_ID_MAX_BYTES 64
#define BENCH_RUN_ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"
#define BENCH_RESULTS_DIR_MODE 0755
#define BENCH_PMC_EVENTS_MAX 8     /* --pmu events (the kernel's MK_PMC_MAX counters) */
#define BENCH_PERF "perf"          /* the KVM boots' whole-run cross-check, when on PATH */

struct bench_options {
	const char *bench_path, *list_path, *unix_list_path, *only, *qemu_path, *results_dir;
	const char *emulated_list_path, *unix_run_path; /* the Unix suite on the microkernel */
	const char *unix_root_path;      /* its root archive (the second module), or NULL */
	const char *commit, *run_id, *report_path, *plots_dir;
	const char *profile_plugin, *profile_set; /* profile the set with the plugin, or NULL */
	const char *profile_unix_set, *profile_unix_bench; /* the same on Linux targets */
	bool model;   /* the cost model in every boot (bench_model.h): cyc-model rows */
	bool kvm_off; /* --kvm off: no KVM probe, no KVM twins */
	const char *pmu;  /* --pmu EVENT,...: counters the KVM twins read (pmu.h), or NULL */
	const char *model_params[PROFILE_MODEL_PARAMS_MAX]; /* its overrides, NAME=VALUE */
	size_t model_param_count;
	bool quick;
	long timeout_s, hang_timeout_s, jobs;
	char **target_dirs;
	size_t target_count;
	char run_id_default[BENCH_RUN_ID_MAX_BYTES];
};

/* Everything one run holds, shared with the job threads. */
struct bench_cmd {
	struct bench_options opt;
	struct strlist all, selected; /* BENCHMARKS then unix/BENCHMARKS, and the ones this run runs */
	struct strlist emulated;      /* of the Unix suite, what microkernel targets run too */
	size_t native_count;             /* the first native_count of all are bench/BENCHMARKS */
	struct strlist targets, kernels; /* target names and their kernel paths */
	struct strlist initrds;          /* a Linux target's root archive; "" for the microkernel */
	struct strlist kernel_ids;       /* what each target's kernel is, for the CSV */
	struct strlist model_args;       /* per target: the cost model's -plugin argument (--model) */
	size_t tcg_count;                /* targets from the command line; those after them are
					    their KVM twins (kvm_probe.h), when KVM works */
	char *pmc_args;                  /* "--pmc SELECT,...": --pmu's encodings, or NULL */
	char perf_path[PATH_MAX];        /* perf for the KVM twins' cross-check, or "" */
	bool *target_linux;              /* per target: a Linux one (initrds item not "") */
	struct bench_job *jobs;
	size_t job_count;
	struct bench_setup setup;
	char *csv_path, *log_path;
	pthread_mutex_t lock; /* guards the progress counters below */
	size_t done;
	double busy_s;  /* sum of finished jobs' times */
	int64_t start_ms;
};

static const char bench_usage[] =
	"usage: machlab bench [--bench PATH] [--list PATH] [--unix-list PATH]\n"
	"                     [--emulated-list PATH --unix-run PATH [--unix-root PATH]]\n"
	"                     [--only NAME[,NAME...]] [--quick]\n"
	"                     [--timeout SECONDS] [--hang-timeout SECONDS] [--jobs N]\n"
	"                     [--results-dir DIR] [--commit STR]\n"
	"                     [--run-id STR] [--report PATH] [--plots-dir DIR] [--qemu PATH]\n"
	"                     [--profile-plugin PATH --profile-set \"BENCH[:PARAM]...\"\n"
	"                      [--profile-unix-set \"BENCH...\" --profile-unix-bench PATH]]\n"
	"                     [--model [--model-param NAME=VALUE]...] (with --profile-plugin)\n"
	"                     [--kvm auto|off] [--pmu EVENT[,EVENT...]]\n"
	"                     TARGET_DIR...\n";

/* Applies one option to opt. Returns false when its value is bad. */
static bool bench_option_apply(struct bench_options *opt, int c, const char *arg)
{
	switch (c) {
	case 'b': opt->bench_path = arg; return true;
	case 'l': opt->list_path = arg; return true;
	case 'u': opt->unix_list_path = arg; return true;
	case 'e': opt->emulated_list_path = arg; return true;
	case 'x': opt->unix_run_path = arg; return true;
	case 'F': opt->unix_root_path = arg; return true;
	case 'P': opt->profile_plugin = arg; return true;
	case 'S': opt->profile_set = arg; return true;
	case 'U': opt->profile_unix_set = arg; return true;
	case 'B': opt->profile_unix_bench = arg; return true;
	case 'o': opt->only = arg; return true;
	case 'Q': opt->quick = true; return true;
	case 'm': opt->model = true; return true;
	case 'E': opt->pmu = arg; return true;
	case 'K':
		opt->kvm_off = strcmp(arg, "off") == 0;
		return opt->kvm_off || strcmp(arg, "auto") == 0;
	case 'M': return profile_model_param_add(opt->model_params, &opt->model_param_count, arg);
	case 'q': opt->qemu_path = arg; return true;
	case 'd': opt->results_dir = arg; return true;
	case 'c': opt->commit = arg; return true;
	case 'r': opt->run_id = arg; return true;
	case 'R': opt->report_path = arg; return true;
	case 'p': opt->plots_dir = arg; return true;
	case 'T': return cmd_number_parse(arg, BENCH_TIMEOUT_MAX_S, &opt->timeout_s);
	case 'H': return cmd_number_parse(arg, BENCH_TIMEOUT_MAX_S, &opt->hang_timeout_s);
	case 'j': return cmd_number_parse(arg, BENCH_JOBS_MAX, &opt->jobs);
	default: return false;
	}
}

/* Fills opt from the command line. Returns 0, or -EINVAL after printing why. */
static int bench_options_parse(int argc, char **argv, struct bench_options *opt)
{
	static const struct option longopts[] = {
		{ "bench", required_argument, NULL, 'b' }, { "list", required_argument, NULL, 'l' },
		{ "only", required_argument, NULL, 'o' }, { "quick", no_argument, NULL, 'Q' },
		{ "timeout", required_argument, NULL, 'T' }, { "jobs", required_argument, NULL, 'j' },
		{ "results-dir", required_argument, NULL, 'd' }, { "commit", required_argument, NULL, 'c' },
		{ "run-id", required_argument, NULL, 'r' }, { "report", required_argument, NULL, 'R' },
		{ "plots-dir", required_argument, NULL, 'p' }, { "qemu", required_argument, NULL, 'q' },
		{ "hang-timeout", required_argument, NULL, 'H' },
		{ "unix-list", required_argument, NULL, 'u' },
		{ "emulated-list", required_argument, NULL, 'e' },
		{ "unix-run", required_argument, NULL, 'x' },
		{ "unix-root", required_argument, NULL, 'F' },
		{ "profile-plugin", required_argument, NULL, 'P' },
		{ "profile-set", required_argument, NULL, 'S' },
		{ "profile-unix-set", required_argument, NULL, 'U' },
		{ "profile-unix-bench", required_argument, NULL, 'B' },
		{ "model", no_argument, NULL, 'm' }, { "model-param", required_argument, NULL, 'M' },
		{ "kvm", required_argument, NULL, 'K' }, { "pmu", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct tm tm;
	time_t now = time(NULL);
	*opt = (struct bench_options){
		.bench_path = BENCH_PROGRAM_DEFAULT, .list_path = BENCH_LIST_DEFAULT,
		.unix_list_path = BENCH_UNIX_LIST_DEFAULT,
		.qemu_path = QEMU_DEFAULT_BINARY, .results_dir = BENCH_RESULTS_DIR_DEFAULT,
		.commit = BENCH_COMMIT_DEFAULT,
		.timeout_s = BENCH_TIMEOUT_DEFAULT_S, .hang_timeout_s = BENCH_HANG_TIMEOUT_DEFAULT_S,
		.jobs = cpus > 0 ? cpus : 1,
	};
	strftime(opt->run_id_default, sizeof opt->run_id_default, BENCH_RUN_ID_FORMAT,
		 gmtime_r(&now, &tm));
	opt->run_id = opt->run_id_default;
	optind = 1;
	for (int c; (c = getopt_long(argc, argv, "", longopts, NULL)) != -1;)
		if (!bench_option_apply(opt, c, optarg)) {
			if (c == 'T' || c == 'H' || c == 'j')
				fprintf(stderr, "machlab bench: bad number \"%s\"\n", optarg);
			fputs(bench_usage, stderr);
			return -EINVAL;
		}
	opt->target_dirs = argv + optind;
	opt->target_count = (size_t)(argc - optind);
	if (!opt->profile_plugin != !opt->profile_set ||
	    !opt->profile_unix_set != !opt->profile_unix_bench ||
	    (opt->profile_unix_set && !opt->profile_plugin)) {
		fprintf(stderr, "machlab bench: --profile-plugin and --profile-set go together, and "
			"--profile-unix-set and --profile-unix-bench with them\n");
		return -EINVAL;
	}
	if ((opt->model && !opt->profile_plugin) || (opt->model_param_count && !opt->model)) {
		fprintf(stderr, "machlab bench: --model needs --profile-plugin (the plugin runs the "
			"model), and --model-param needs --model\n");
		return -EINVAL;
	}
	if (!opt->emulated_list_path != !opt->unix_run_path ||
	    (opt->unix_root_path && !opt->unix_run_path)) {
		fprintf(stderr, "machlab bench: --emulated-list and --unix-run go together, and "
			"--unix-root with them\n");
		return -EINVAL;
	}
	if (opt->target_count == 0) {
		fprintf(stderr, "machlab bench: give at least one TARGET_DIR\n%s", bench_usage);
		return -EINVAL;
	}
	return 0;
}

/* Fills kernel, initrd and id for the target in dir: kernel.elf for the
 * microkernel; vmlinux, root.cpio and the package version for Linux. Returns
 * 0, or -errno with err set. */
static int bench_target_files(const char *dir, char **kernel, char **initrd, char *id,
			      size_t id_bytes, char *err)
{
	bool is_linux = linux_target_is(dir);
	*kernel = path_join(dir, is_linux ? LINUX_KERNEL_FILE : TARGET_KERNEL_FILE);
	*initrd = is_linux ? path_join(dir, LINUX_ROOT_FILE) : strdup("");
	if (!*kernel || !*initrd) {
		snprintf(err, BENCH_ERR_MAX_BYTES, "out of memory");
		return -ENOMEM;
	}
	const char *bad = access(*kernel, R_OK) < 0 ? *kernel
			  : is_linux && access(*initrd, R_OK) < 0 ? *initrd : NULL;
	if (bad) {
		int rc = -errno;
		snprintf(err, BENCH_ERR_MAX_BYTES, "%.400s: %s", bad, strerror(-rc));
		return rc;
	}
	if (!is_linux) {
		snprintf(id, id_bytes, "%s", CSV_KERNEL_MACHLAB);
		return 0;
	}
	int rc = linux_version_read(dir, id, id_bytes);
	if (rc < 0)
		snprintf(err, BENCH_ERR_MAX_BYTES, "%s/%s: %s (make linux-target writes it)", dir,
			 LINUX_PKG_VERSION_FILE, rc == -EINVAL ? "not \"<package> <version>\""
							      : strerror(-rc));
	return rc;
}

/* Names and checks the target in dir and adds it. Returns 0, or -errno
 * with err set. */
static int bench_target_add(struct bench_cmd *cmd, const char *dir, char *err)
{
	char *name = target_name_from_dir(dir), *kernel = NULL, *initrd = NULL, *model_arg = NULL;
	char id[LINUX_PKG_NAME_MAX_BYTES + LINUX_PKG_VERSION_MAX_BYTES];
	int rc = -EINVAL;
	if (!name || !csv_field_valid(name)) {
		snprintf(err, BENCH_ERR_MAX_BYTES, "%s: cannot name a target after this directory"
			 " (names cannot hold blanks, commas or quotes)", dir);
	} else if (strlist_find(&cmd->targets, name) >= 0) {
		snprintf(err, BENCH_ERR_MAX_BYTES, "two targets are named %s", name);
	} else if ((rc = bench_target_files(dir, &kernel, &initrd, id, sizeof id, err)) < 0) {
		/* err says why */
	} else if (cmd->opt.model &&
		   (rc = bench_model_plugin_arg(cmd->opt.profile_plugin, dir, cmd->opt.model_params,
						cmd->opt.model_param_count, &model_arg, err,
						BENCH_ERR_MAX_BYTES)) < 0) {
		/* err says why */
	} else if ((model_arg && strlist_push(&cmd->model_args, model_arg) < 0) ||
		   strlist_push(&cmd->targets, name) < 0 || strlist_push(&cmd->kernels, kernel) < 0 ||
		   strlist_push(&cmd->initrds, initrd) < 0 || strlist_push(&cmd->kernel_ids, id) < 0) {
		rc = -ENOMEM;
		snprintf(err, BENCH_ERR_MAX_BYTES, "out of memory");
	}
	free(name);
	free(kernel);
	free(initrd);
	free(model_arg);
	return rc;
}

/* True when target index k is a Linux target. */
static bool bench_target_linux(const struct bench_cmd *cmd, size_t k)
{
	return cmd->target_linux[k];
}

/* True when target index k is the KVM twin of a command-line target. */
static bool bench_target_kvm(const struct bench_cmd *cmd, size_t k)
{
	return k >= cmd->tcg_count;
}

/* When KVM works here (kvm_probe.h, with the first microkernel target),
 * adds a KVM twin of every target, "<name>-kvm", booted under KVM: its
 * figures are TSC cycles. Otherwise says in one line why not. Returns 0,
 * or -errno with err set. */
static int bench_kvm_twins(struct bench_cmd *cmd, char *err)
{
	char why[BENCH_ERR_MAX_BYTES];
	size_t k0 = 0;
	if (cmd->opt.kvm_off)
		return 0;
	while (k0 < cmd->tcg_count && bench_target_linux(cmd, k0))
		k0++;
	if (k0 == cmd->tcg_count) {
		report_line("kvm: not probed (no microkernel target to probe with)");
		return 0;
	}
	if (!kvm_probe(cmd->opt.qemu_path, cmd->kernels.items[k0], cmd->opt.bench_path, why,
		       sizeof why)) {
		report_line("kvm: not used, no cyc figures: %s", why);
		return 0;
	}
	report_line("kvm: works: every target also runs under KVM as <name>%s (unit cyc)",
		    KVM_TARGET_SUFFIX);
	for (size_t k = 0; k < cmd->tcg_count; k++) {
		char name[BENCH_NAME_MAX_BYTES + sizeof KVM_TARGET_SUFFIX];
		snprintf(name, sizeof name, "%s%s", cmd->targets.items[k], KVM_TARGET_SUFFIX);
		if (strlist_push(&cmd->targets, name) < 0 ||
		    strlist_push(&cmd->kernels, cmd->kernels.items[k]) < 0 ||
		    strlist_push(&cmd->initrds, cmd->initrds.items[k]) < 0 ||
		    strlist_push(&cmd->kernel_ids, cmd->kernel_ids.items[k]) < 0) {
			snprintf(err, BENCH_ERR_MAX_BYTES, "out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

/* --pmu EVENT,...: each name's counter encoding (pmu.h), without the
 * interrupt-on-overflow bit the kernel refuses (kern/pmc.h), into
 * cmd->pmc_args for the KVM twins' benchmark program; says which counter
 * is which. Returns 0, or -EINVAL with err set (a name libpfm4 does not
 * know, or too many). */
static int bench_pmu_encode(struct bench_cmd *cmd, char *err)
{
	char *names = strdup(cmd->opt.pmu), *save = NULL;
	size_t len = 0, cap = sizeof "--pmc " + BENCH_PMC_EVENTS_MAX * 20;
	int count = 0, rc = 0;
	cmd->pmc_args = malloc(cap);
	if (!names || !cmd->pmc_args) {
		free(names);
		snprintf(err, BENCH_ERR_MAX_BYTES, "out of memory");
		return -ENOMEM;
	}
	len = (size_t)snprintf(cmd->pmc_args, cap, "--pmc ");
	for (char *e = strtok_r(names, ",", &save); e && rc == 0; e = strtok_r(NULL, ",", &save)) {
		uint64_t raw;
		char why[BENCH_ERR_MAX_BYTES - 32];
		if (count == BENCH_PMC_EVENTS_MAX) {
			snprintf(err, BENCH_ERR_MAX_BYTES, "--pmu: at most %d events",
				 BENCH_PMC_EVENTS_MAX);
			rc = -EINVAL;
		} else if (pmu_encode(e, &raw, why, sizeof why) < 0) {
			snprintf(err, BENCH_ERR_MAX_BYTES, "--pmu: %s", why);
			rc = -EINVAL;
		} else {
			raw &= ~PMU_SELECT_INT;
			len += (size_t)snprintf(cmd->pmc_args + len, cap - len, "%s0x%" PRIx64,
						count ? "," : "", raw);
			report_line("pmu: unit pmc%d is %s (select 0x%" PRIx64 ")", count, e, raw);
			count++;
		}
	}
	free(names);
	if (rc == 0 && count == 0) {
		snprintf(err, BENCH_ERR_MAX_BYTES, "--pmu: name at least one event");
		rc = -EINVAL;
	}
	return rc;
}

/* Fills cmd->target_linux from cmd->initrds. Returns 0 or -ENOMEM. */
static int bench_target_kinds(struct bench_cmd *cmd)
{
	free(cmd->target_linux);
	cmd->target_linux = calloc(cmd->targets.count + 1, sizeof *cmd->target_linux);
	if (!cmd->target_linux)
		return -ENOMEM;
	for (size_t k = 0; k < cmd->targets.count; k++)
		cmd->target_linux[k] = cmd->initrds.items[k][0] != '\0';
	return 0;
}

/* Appends the Unix suite's list to cmd->all when a Linux target runs, or a
 * microkernel target runs some of it under the Unix emulation (the
 * --emulated-list, into cmd->emulated). Returns 0, or -errno with err set
 * (a name in both lists, or an emulated one not in the Unix suite, is
 * refused). */
static int bench_unix_list_add(struct bench_cmd *cmd, char *err)
{
	struct strlist unix_names = { 0 };
	bool any_linux = false, any_microkernel = false;
	int rc = 0;
	cmd->native_count = cmd->all.count;
	for (size_t k = 0; k < cmd->targets.count; k++) {
		any_linux = any_linux || bench_target_linux(cmd, k);
		any_microkernel = any_microkernel || !bench_target_linux(cmd, k);
	}
	if (cmd->opt.emulated_list_path && any_microkernel)
		rc = bench_list_read(cmd->opt.emulated_list_path, &cmd->emulated, err,
				     BENCH_ERR_MAX_BYTES);
	if (rc < 0 || (!any_linux && !cmd->emulated.count))
		return rc;
	rc = bench_list_read(cmd->opt.unix_list_path, &unix_names, err, BENCH_ERR_MAX_BYTES);
	for (size_t i = 0; rc == 0 && i < unix_names.count; i++) {
		if (strlist_find(&cmd->all, unix_names.items[i]) >= 0) {
			snprintf(err, BENCH_ERR_MAX_BYTES, "%s and %s both name a benchmark %s",
				 cmd->opt.list_path, cmd->opt.unix_list_path, unix_names.items[i]);
			rc = -EINVAL;
		} else if ((rc = strlist_push(&cmd->all, unix_names.items[i])) < 0) {
			snprintf(err, BENCH_ERR_MAX_BYTES, "out of memory");
		}
	}
	strlist_free(&unix_names);
	for (size_t i = 0; rc == 0 && i < cmd->emulated.count; i++)
		if (strlist_find(&cmd->all, cmd->emulated.items[i]) < (long)cmd->native_count) {
			snprintf(err, BENCH_ERR_MAX_BYTES, "%s names %s, which %s does not",
				 cmd->opt.emulated_list_path, cmd->emulated.items[i],
				 cmd->opt.unix_list_path);
			rc = -EINVAL;
		}
	return rc;
}

/* True when target k runs benchmark index b of cmd->all: the native suite on
 * the microkernel, the Unix suite on Linux, and its emulated part on the
 * microkernel too. */
static bool bench_target_runs(const struct bench_cmd *cmd, size_t k, size_t b)
{
	if (b < cmd->native_count)
		return !bench_target_linux(cmd, k);
	return bench_target_linux(cmd, k) || strlist_find(&cmd->emulated, cmd->all.items[b]) >= 0;
}

/* Checks the strings that go into file names, CSV rows and the boot module
 * line. Returns 0, or -errno with err set. */
static int bench_names_check(const struct bench_options *opt, char *err)
{
	size_t id_len = strlen(opt->run_id);
	if (id_len == 0 || id_len >= BENCH_RUN_ID_MAX_BYTES || opt->run_id[0] == '.' ||
	    strspn(opt->run_id, BENCH_RUN_ID_CHARS) != id_len) {
		snprintf(err, BENCH_ERR_MAX_BYTES, "--run-id \"%s\": use [A-Za-z0-9._-], not first '.'",
			 opt->run_id);
		return -EINVAL;
	}
	if (!csv_field_valid(opt->commit)) {
		snprintf(err, BENCH_ERR_MAX_BYTES, "--commit \"%s\": no blanks, commas or quotes",
			 opt->commit);
		return -EINVAL;
	}
	const char *programs[] = { opt->bench_path, opt->unix_run_path, opt->unix_root_path };
	for (size_t i = 0; i < sizeof programs / sizeof programs[0]; i++) {
		if (!programs[i])
			continue;
		if (strchr(programs[i], ' ')) {
			snprintf(err, BENCH_ERR_MAX_BYTES,
				 "%s: a boot module path cannot hold a space", programs[i]);
			return -EINVAL;
		}
		if (access(programs[i], R_OK) < 0) {
			int rc = -errno;
			snprintf(err, BENCH_ERR_MAX_BYTES, "%s: %s", programs[i], strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* Sets up the results directory, the log and the CSV path. Returns 0, or
 * -errno with err set. */
static int bench_outputs_open(struct bench_cmd *cmd, char *err)
{
	const struct bench_options *opt = &cmd->opt;
	size_t bytes = strlen(opt->results_dir) + strlen(opt->run_id) + sizeof "/.csv";
	cmd->csv_path = malloc(bytes);
	cmd->log_path = malloc(bytes);
	if (!cmd->csv_path || !cmd->log_path) {
		snprintf(err, BENCH_ERR_MAX_BYTES, "out of memory");
		return -ENOMEM;
	}
	snprintf(cmd->csv_path, bytes, "%s/%s.csv", opt->results_dir, opt->run_id);
	snprintf(cmd->log_path, bytes, "%s/%s.log", opt->results_dir, opt->run_id);
	const char *bad = NULL;
	if (mkdir(opt->results_dir, BENCH_RESULTS_DIR_MODE) < 0 && errno != EEXIST)
		bad = opt->results_dir;
	else if (!(cmd->setup.log = fopen(cmd->log_path, "we")))
		bad = cmd->log_path;
	if (bad) {
		int rc = -errno;
		snprintf(err, BENCH_ERR_MAX_BYTES, "%s: %s", bad, strerror(-rc));
		return rc;
	}
	return 0;
}

/* Reads and checks every input, so that nothing boots on a bad one.
 * Returns 0, or -errno with err set. */
static int bench_prepare(struct bench_cmd *cmd, char *err)
{
	const struct bench_options *opt = &cmd->opt;
	char qemu[PATH_MAX];
	int rc = bench_list_read(opt->list_path, &cmd->all, err, BENCH_ERR_MAX_BYTES);
	for (size_t i = 0; rc == 0 && i < opt->target_count; i++)
		rc = bench_target_add(cmd, opt->target_dirs[i], err);
	if (rc == 0 && (rc = proc_path_resolve(opt->qemu_path, qemu, sizeof qemu)) < 0)
		snprintf(err, BENCH_ERR_MAX_BYTES, "%s: %s", opt->qemu_path, strerror(-rc));
	if (rc == 0)
		rc = bench_names_check(opt, err);
	cmd->tcg_count = cmd->targets.count;
	if (rc == 0 && (rc = bench_target_kinds(cmd)) < 0)
		snprintf(err, BENCH_ERR_MAX_BYTES, "out of memory");
	if (rc == 0)
		rc = bench_unix_list_add(cmd, err);
	if (rc == 0)
		rc = bench_list_select(&cmd->all, opt->only, &cmd->selected, err, BENCH_ERR_MAX_BYTES);
	if (rc == 0 && opt->pmu)
		rc = bench_pmu_encode(cmd, err);
	if (rc == 0 && (rc = bench_kvm_twins(cmd, err)) == 0 && cmd->targets.count > cmd->tcg_count &&
	    (rc = bench_target_kinds(cmd)) < 0)
		snprintf(err, BENCH_ERR_MAX_BYTES, "out of memory");
	if (rc == 0 && opt->pmu && cmd->targets.count == cmd->tcg_count)
		report_line("pmu: no KVM target: the counters are read on none");
	if (rc == 0 && cmd->targets.count > cmd->tcg_count &&
	    proc_path_resolve(BENCH_PERF, cmd->perf_path, sizeof cmd->perf_path) < 0) {
		report_line("kvm: no %s on PATH: no perf stat cross-check of the KVM boots",
			    BENCH_PERF);
		cmd->perf_path[0] = '\0';
	}
	return rc == 0 ? bench_outputs_open(cmd, err) : rc;
}

/* Makes one job per (benchmark, target) where the target runs that benchmark,
 * benchmark-major, so that one benchmark finishes on every target before the
 * next starts. Returns 0, -EINVAL with err set when no target runs any
 * selected benchmark, or -ENOMEM. */
static int bench_jobs_create(struct bench_cmd *cmd, char *err)
{
	size_t targets = cmd->targets.count;
	cmd->jobs = calloc(cmd->selected.count * targets + 1, sizeof *cmd->jobs);
	if (!cmd->jobs)
		return -ENOMEM;
	for (size_t i = 0; i < cmd->selected.count; i++) {
		const char *bench = cmd->selected.items[i];
		size_t b = (size_t)strlist_find(&cmd->all, bench);
		for (size_t k = 0; k < targets; k++)
			if (bench_target_runs(cmd, k, b))
				cmd->jobs[cmd->job_count++] = (struct bench_job){
					.target = cmd->targets.items[k],
					.kernel_path = cmd->kernels.items[k],
					.initrd_path = bench_target_linux(cmd, k) ? cmd->initrds.items[k]
										  : NULL,
					.target_index = k, .bench_index = b,
					.program = !bench_target_linux(cmd, k) &&
						   b >= cmd->native_count ? cmd->opt.unix_run_path
									  : NULL,
					.root = !bench_target_linux(cmd, k) &&
						b >= cmd->native_count ? cmd->opt.unix_root_path : NULL,
					.kvm = bench_target_kvm(cmd, k),
					.pmc_args = bench_target_kvm(cmd, k) && b < cmd->native_count
						    ? cmd->pmc_args : NULL,
					.model_plugin = cmd->opt.model && !bench_target_kvm(cmd, k)
							? cmd->model_args.items[k] : NULL,
					.records = { .benchmark = bench },
				};
	}
	if (cmd->job_count == 0) {
		snprintf(err, BENCH_ERR_MAX_BYTES, "no target runs the benchmarks selected (%s ones "
			 "run on microkernel targets, %s ones on Linux targets)", cmd->opt.list_path,
			 cmd->opt.unix_list_path);
		return -EINVAL;
	}
	return 0;
}

/* Job body: runs job index, then prints the progress line. */
static void bench_job_thread(void *ctx, size_t index)
{
	struct bench_cmd *cmd = ctx;
	struct bench_job *job = &cmd->jobs[index];
	report_line("%s/%s: started", job->target, job->records.benchmark);
	bench_job_run(job, &cmd->setup);
	pthread_mutex_lock(&cmd->lock);
	size_t done = ++cmd->done;
	cmd->busy_s += job->elapsed_s;
	size_t parallel = (size_t)cmd->opt.jobs < cmd->job_count ? (size_t)cmd->opt.jobs
								     : cmd->job_count;
	double left_s = cmd->busy_s / (double)done * (double)(cmd->job_count - done) /
			(double)parallel;
	pthread_mutex_unlock(&cmd->lock);
	report_line("[%zu/%zu] %s/%s: %s in %.1f s%s%s (elapsed %.1f s, about %.0f s left)", done,
		    cmd->job_count, job->target, job->records.benchmark, job->ok ? "done" : "FAILED",
		    job->elapsed_s, job->ok ? "" : ": ", job->ok ? "" : job->reason,
		    (double)(proc_clock_ms() - cmd->start_ms) / 1000, left_s);
}

/* Fills t with one row per group of every job (failed ones included: they
 * keep what arrived), sorted. Returns 0 or -ENOMEM. */
static int bench_table_build(const struct bench_cmd *cmd, struct bench_table *t)
{
	size_t count = 0;
	for (size_t i = 0; i < cmd->job_count; i++)
		count += cmd->jobs[i].records.group_count;
	t->rows = calloc(count + 1, sizeof *t->rows);
	if (!t->rows)
		return -ENOMEM;
	for (size_t i = 0; i < cmd->job_count; i++) {
		const struct bench_job *job = &cmd->jobs[i];
		for (size_t g = 0; g < job->records.group_count; g++) {
			const struct bench_group *group = &job->records.groups[g];
			struct bench_row *row = &t->rows[t->count++];
			*row = (struct bench_row){ .bench_index = job->bench_index,
						   .target_index = job->target_index, .key = group->key };
			if (stats_compute(group->values, group->count, group->flagged, &row->stats) < 0)
				return -ENOMEM;
		}
	}
	csv_rows_sort(t->rows, t->count);
	return 0;
}

/* Rewrites REPORT.md's regions from t: the native suite on the microkernel
 * targets (results, ratios), the Unix suite on every target (unix: Linux,
 * and the microkernel's under the Unix emulation where it runs them;
 * unix-ratios: each target's median over Linux's), the
 * headline from all, the cost model's validation (report_model.h) and the
 * profile when there is one. Returns true on
 * success. */
static bool bench_report_update(const struct bench_cmd *cmd, const struct bench_table *t,
				const char *profile)
{
	struct bench_table native, unix_suite, over_linux;
	int rc = report_view_make(t, REPORT_VIEW_MICROKERNEL, 0, cmd->native_count, &native);
	if (report_view_make(t, cmd->emulated.count ? REPORT_VIEW_ALL : REPORT_VIEW_LINUX,
			     cmd->native_count, cmd->all.count, &unix_suite) < 0)
		rc = -ENOMEM;
	if (report_view_make(t, REPORT_VIEW_LINUX_FIRST, cmd->native_count, cmd->all.count,
			     &over_linux) < 0)
		rc = -ENOMEM;
	struct report_region regions[] = {
		{ "results", rc ? NULL : report_tables_results(&native, cmd->csv_path) },
		{ "ratios", rc ? NULL : report_tables_ratios(&native) },
		{ "headline", report_tables_headline(t) },
		{ "unix", rc ? NULL : report_tables_results(&unix_suite, cmd->csv_path) },
		{ "unix-ratios", rc ? NULL : report_tables_ratios(&over_linux) },
		{ "units", report_model_units(t) },
		{ "model-validation", report_model_validation(t) },
		{ "profile", profile ? strdup(profile) : NULL },
	};
	size_t count = sizeof regions / sizeof regions[0] - !profile;
	struct strlist notes = { 0 };
	char err[BENCH_ERR_MAX_BYTES] = "out of memory";
	for (size_t i = 0; i < count; i++)
		rc = regions[i].text ? rc : -ENOMEM;
	if (rc == 0)
		rc = report_md_update(cmd->opt.report_path, regions, count, &notes, err, sizeof err);
	for (size_t i = 0; i < notes.count; i++)
		report_line("note: %s: %s", cmd->opt.report_path, notes.items[i]);
	if (rc < 0)
		report_line("FAIL report: %s (left untouched)", err);
	else
		report_line("report: %s: %zu of %zu regions rewritten", cmd->opt.report_path,
			    count - notes.count, count);
	for (size_t i = 0; i < count; i++)
		free((char *)regions[i].text);
	strlist_free(&notes);
	report_view_free(&native);
	report_view_free(&unix_suite);
	report_view_free(&over_linux);
	return rc == 0;
}

/* Profiles the set on every microkernel target (bench_profile.h); *region
 * gets the report text. Returns true when it worked; the benchmark rows are
 * written whatever happens here. */
static bool bench_profile(const struct bench_cmd *cmd, char **region)
{
	char err[BENCH_ERR_MAX_BYTES];
	struct bench_profile_spec spec = {
		.plugin = cmd->opt.profile_plugin, .set = cmd->opt.profile_set,
		.bench_path = cmd->opt.bench_path, .qemu_path = cmd->opt.qemu_path,
		.unix_set = cmd->opt.profile_unix_set, .unix_bench_path = cmd->opt.profile_unix_bench,
		.results_dir = cmd->opt.results_dir, .run_id = cmd->opt.run_id,
		.target_dirs = cmd->opt.target_dirs, .target_names = cmd->targets.items,
		.target_linux = cmd->target_linux, .target_count = cmd->tcg_count,
	};
	if (bench_profile_run(&spec, region, err, sizeof err) == 0)
		return true;
	report_line("FAIL profile: %s (the benchmark rows are written)", err);
	return false;
}

/* Renders the plots from the CSV. Returns true when every script worked. */
static bool bench_plots_render(const struct bench_cmd *cmd)
{
	struct plots_spec spec = { .gnuplot_path = PLOTS_GNUPLOT_BINARY, .csv_path = cmd->csv_path,
				   .scripts_dir = cmd->opt.plots_dir, .out_dir = cmd->opt.plots_dir,
				   .timeout_ms = PLOTS_TIMEOUT_MS };
	struct plots_result result;
	int rc = plots_render(&spec, &result);
	if (rc < 0)
		report_line("FAIL plots: %s/*.gp: %s", cmd->opt.plots_dir, strerror(-rc));
	return rc == 0 && result.failed == 0;
}

/* Writes the CSV, then the report and the plots if asked. Returns true when
 * all of it worked; *rows is the number of rows written. */
static bool bench_outputs_write(const struct bench_cmd *cmd, size_t *rows)
{
	struct bench_table t = { .run_id = cmd->opt.run_id, .commit = cmd->opt.commit,
				 .accelerator = QEMU_ACCELERATOR_NAME, .targets = cmd->targets.items,
				 .target_kernels = cmd->kernel_ids.items, .target_linux = cmd->target_linux,
				 .target_count = cmd->targets.count };
	const char **accelerators = calloc(cmd->targets.count + 1, sizeof *accelerators);
	for (size_t k = 0; accelerators && k < cmd->targets.count; k++)
		accelerators[k] = bench_target_kvm(cmd, k) ? QEMU_KVM_ACCELERATOR_NAME
							   : QEMU_ACCELERATOR_NAME;
	t.target_accelerators = accelerators;
	int rc = accelerators ? bench_table_build(cmd, &t) : -ENOMEM;
	const char *why = rc < 0 ? "out of memory" : t.count == 0 ? "no samples arrived" : NULL;
	if (!why && (rc = csv_write(cmd->csv_path, &t)) < 0)
		why = strerror(-rc);
	if (why)
		report_line("FAIL csv: %s not written: %s", cmd->csv_path, why);
	*rows = why ? 0 : t.count;
	bool ok = !why;
	char *profile = NULL;
	bool any_profiled = false;
	for (size_t k = 0; k < cmd->tcg_count; k++)
		any_profiled = any_profiled || !cmd->target_linux[k] || cmd->opt.profile_unix_set;
	if (!why && cmd->opt.profile_plugin && any_profiled)
		ok = bench_profile(cmd, &profile) && ok;
	if (!why && cmd->opt.report_path)
		ok = bench_report_update(cmd, &t, profile) && ok;
	free(profile);
	if (!why && cmd->opt.plots_dir)
		ok = bench_plots_render(cmd) && ok;
	free(t.rows);
	free(accelerators);
	return ok;
}

/* Prints the failed jobs and the summary line; returns the exit status. */
static int bench_summarize(const struct bench_cmd *cmd, bool outputs_ok, size_t rows)
{
	size_t failed = 0;
	for (size_t i = 0; i < cmd->job_count; i++) {
		const struct bench_job *job = &cmd->jobs[i];
		if (job->ok)
			continue;
		if (failed++ == 0)
			report_line("failed:");
		report_line("  %s/%s: %s", job->target, job->records.benchmark, job->reason);
	}
	report_line("log: %s", cmd->log_path);
	report_line("summary: %zu units ok, %zu failed; %zu rows written to %s; %.1f s in all",
		    cmd->job_count - failed, failed, rows, rows ? cmd->csv_path : "no CSV",
		    (double)(proc_clock_ms() - cmd->start_ms) / 1000);
	return failed == 0 && outputs_ok ? CMD_EXIT_OK : CMD_EXIT_FAILED;
}

/* Frees everything the run holds. */
static void bench_cmd_free(struct bench_cmd *cmd)
{
	for (size_t i = 0; cmd->jobs && i < cmd->job_count; i++)
		bench_records_free(&cmd->jobs[i].records);
	free(cmd->jobs);
	if (cmd->setup.log)
		fclose(cmd->setup.log);
	free(cmd->csv_path);
	free(cmd->log_path);
	strlist_free(&cmd->all);
	strlist_free(&cmd->selected);
	strlist_free(&cmd->targets);
	strlist_free(&cmd->kernels);
	strlist_free(&cmd->initrds);
	strlist_free(&cmd->emulated);
	strlist_free(&cmd->kernel_ids);
	strlist_free(&cmd->model_args);
	free(cmd->pmc_args);
	free(cmd->target_linux);
	pthread_mutex_destroy(&cmd->lock);
}

/* Entry point of "machlab bench"; argv[0] is "bench". Returns the exit status. */
int cmd_bench_main(int argc, char **argv)
{
	struct bench_cmd cmd = { .lock = PTHREAD_MUTEX_INITIALIZER, .start_ms = proc_clock_ms() };
	char err[BENCH_ERR_MAX_BYTES] = "out of memory";
	if (bench_options_parse(argc, argv, &cmd.opt) < 0)
		return CMD_EXIT_USAGE;
	if (bench_prepare(&cmd, err) < 0 || bench_jobs_create(&cmd, err) < 0) {
		fprintf(stderr, "machlab bench: %s\n", err);
		bench_cmd_free(&cmd);
		return CMD_EXIT_USAGE;
	}
	atomic_file_signals_install();
	cmd.setup.qemu_path = cmd.opt.qemu_path;
	cmd.setup.bench_path = cmd.opt.bench_path;
	cmd.setup.quick = cmd.opt.quick;
	cmd.setup.perf_path = cmd.perf_path[0] ? cmd.perf_path : NULL;
	cmd.setup.timeout_ms = (int)cmd.opt.timeout_s * 1000;
	cmd.setup.hang_timeout_ms = (int)cmd.opt.hang_timeout_s * 1000;
	report_line("machlab bench: run %s, %zu benchmarks on %zu targets: %zu boots, %ld at once%s",
		    cmd.opt.run_id, cmd.selected.count, cmd.targets.count, cmd.job_count, cmd.opt.jobs,
		    cmd.opt.model ? "; the cost model on in each (cyc-model rows)" : "");
	jobs_run(cmd.job_count, (unsigned)cmd.opt.jobs, bench_job_thread, &cmd);
	size_t rows;
	bool outputs_ok = bench_outputs_write(&cmd, &rows);
	int status = bench_summarize(&cmd, outputs_ok, rows);
	bench_cmd_free(&cmd);
	return status;
}

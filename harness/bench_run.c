/* bench_run.c: runs one benchmark job (see bench_run.h). The job succeeds
 * when the guest printed BENCH begin, some samples and BENCH end, and QEMU
 * then shut down cleanly; otherwise the samples that did arrive are kept
 * and the job is failed with the reason ("kernel hang: ..." when the
 * silence watchdog killed the boot). Log lines are written with one
 * fprintf each (or under flockfile), which stdio serialises between the
 * parallel jobs. */
#include "bench_run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_model.h"
#include "errmsg.h"
#include "linux_boot.h"
#include "qemu.h"
#include "report.h"

#define BENCH_ARGS_MAX_BYTES (BENCH_NAME_MAX_BYTES + 256) /* with --pmc and 8 selects */
#define BENCH_PERF_EVENTS "cycles,instructions"
#define BENCH_PERF_WORDS 9 /* perf stat -x, -e EVENTS -o FILE -- and the NULL */
#define BENCH_HOW_MAX_BYTES 160 /* how a boot ended; fits in a reason with words around it */

/* The job's view from the line and tick callbacks. */
struct bench_boot {
	struct bench_job *job;
	FILE *log;
	int64_t start_ms;
	struct profile_measures measures; /* the guest's insn records, for the cost model's check */
	bool measures_short;              /* memory ran out keeping them */
};

/* Logs one serial line and feeds it to the record parser. */
static void bench_on_line(void *ctx, const char *line)
{
	struct bench_boot *b = ctx;
	struct bench_job *job = b->job;
	char why[128];
	fprintf(b->log, "%s/%s: %s\n", job->target, job->records.benchmark, line);
	if (job->model_plugin && profile_measures_feed(&b->measures, line) < 0)
		b->measures_short = true;
	switch (bench_records_feed(&job->records, line, why, sizeof why)) {
	case BENCH_LINE_MALFORMED:
		report_line("warning: %s/%s: malformed record ignored (%s): %s", job->target,
			    job->records.benchmark, why, line);
		break;
	case BENCH_LINE_NO_MEMORY:
		report_line("warning: %s/%s: out of memory keeping samples", job->target,
			    job->records.benchmark);
		break;
	default:
		break;
	}
}

/* Says the boot is still running, so a long benchmark is not taken for a hang. */
static void bench_on_tick(void *ctx)
{
	struct bench_boot *b = ctx;
	report_line("%s/%s: running, %.0f s", b->job->target, b->job->records.benchmark,
		    (double)(proc_clock_ms() - b->start_ms) / 1000);
}

/* Writes the boot's QEMU command line to the log, quoted for a shell, as
 * one line even while other jobs write theirs. */
static void bench_log_command(struct bench_boot *b, const struct qemu_boot *boot)
{
	struct strlist argv = { 0 };
	qemu_argv_build(boot, &argv);
	flockfile(b->log);
	fprintf(b->log, "=== machlab: %s/%s boot:", b->job->target, b->job->records.benchmark);
	for (size_t i = 0; i < argv.count; i++)
		fprintf(b->log, strpbrk(argv.items[i], " ,") ? " '%s'" : " %s", argv.items[i]);
	fputc('\n', b->log);
	funlockfile(b->log);
	strlist_free(&argv);
}

/* Decides whether the job succeeded, once its boot ended as status says
 * (NULL: QEMU never ran) and how describes. */
static void bench_judge(struct bench_job *job, const struct proc_status *status, const char *how)
{
	const struct bench_records *r = &job->records;
	size_t n = sizeof job->reason;
	job->ok = false;
	if (!status || status->silent)
		snprintf(job->reason, n, "%s", how); /* "kernel hang: no output for N s" */
	else if (!r->begun)
		snprintf(job->reason, n, "no BENCH begin (%s)", how);
	else if (!r->ended)
		snprintf(job->reason, n, "no BENCH end: records incomplete (%s)", how);
	else if (!qemu_status_clean(status))
		snprintf(job->reason, n, "%s after BENCH end", how);
	else if (r->group_count == 0)
		snprintf(job->reason, n, "no samples between BENCH begin and end");
	else
		job->ok = true;
}

/* After a good boot with the cost model on: its cyc-model figures join the
 * records, or the job fails saying why. */
static void bench_model_take(struct bench_job *job, const struct bench_boot *b, const char *out)
{
	char err[BENCH_REASON_MAX_BYTES - 16];
	uint64_t off = 0;
	if (b->measures_short) {
		errmsg_fail(err, sizeof err, "out of memory keeping the guest's records");
	} else if (bench_model_records(out, &b->measures, &job->records, &off, err,
				       sizeof err) == 0) {
		if (off)
			report_line("note: %s/%s: the cost model's instruction count was off by up to "
				    "%llu (within %d ppm of the figure: kept)", job->target,
				    job->records.benchmark, (unsigned long long)off,
				    BENCH_MODEL_SLACK_PPM);
		return;
	}
	job->ok = false;
	snprintf(job->reason, sizeof job->reason, "cost model: %s", err);
}

/* A scratch file for the plugin and the -plugin argument naming it, for a
 * job with the cost model on (*arg stays NULL otherwise). Returns 0, or -1
 * with job->reason set. */
static int bench_model_open(struct bench_job *job, char out[], char **arg)
{
	*arg = NULL;
	if (!job->model_plugin)
		return 0;
	int fd = mkstemp(out);
	size_t bytes = strlen(job->model_plugin) + strlen(out) + sizeof ",out=";
	if (fd < 0 || !(*arg = malloc(bytes))) {
		snprintf(job->reason, sizeof job->reason, "cost model: %s: %s", out,
			 fd < 0 ? strerror(errno) : "out of memory");
		if (fd >= 0) {
			close(fd);
			unlink(out);
		}
		return -1;
	}
	close(fd);
	snprintf(*arg, bytes, "%s,out=%s", job->model_plugin, out);
	return 0;
}

/* The words that run a KVM boot under perf stat writing to out (a scratch
 * file), into words; false when the job gets none (no perf, not a KVM
 * boot, no scratch file). */
static bool bench_perf_wrap(const struct bench_job *job, const struct bench_setup *setup,
			    char out[], const char *words[BENCH_PERF_WORDS])
{
	if (!job->kvm || !setup->perf_path)
		return false;
	int fd = mkstemp(out);
	if (fd < 0)
		return false;
	close(fd);
	const char *w[BENCH_PERF_WORDS] = { setup->perf_path, "stat", "-x,", "-e", BENCH_PERF_EVENTS,
					    "-o", out, "--", NULL };
	memcpy(words, w, sizeof w);
	return true;
}

/* Writes perf stat's figures of the boot (the file out, perf's CSV form:
 * value,unit,event,...) to the log as one line. */
static void bench_perf_log(const struct bench_job *job, FILE *log, const char *out)
{
	char line[256], text[512] = "";
	size_t len = 0;
	FILE *f = fopen(out, "re");
	while (f && fgets(line, sizeof line, f)) {
		char *unit = strchr(line, ','), *event = unit ? strchr(unit + 1, ',') : NULL;
		if (line[0] == '#' || !event)
			continue;
		*unit = '\0';
		event[strcspn(event + 1, ",\n") + 1] = '\0';
		if (len < sizeof text)
			len += (size_t)snprintf(text + len, sizeof text - len, "%s%s %s", len ? ", " : "",
						event + 1, line);
	}
	if (f)
		fclose(f);
	fprintf(log, "%s/%s: perf stat (the whole QEMU process, host side): %s\n", job->target,
		job->records.benchmark, len ? text : "no figures");
}

/* Boots job's target running job's benchmark, and fills in the job. */
void bench_job_run(struct bench_job *job, const struct bench_setup *setup)
{
	struct bench_boot b = { .job = job, .log = setup->log, .start_ms = proc_clock_ms() };
	char args[BENCH_ARGS_MAX_BYTES], how[BENCH_HOW_MAX_BYTES];
	char model_out[] = "/tmp/machlab-model-XXXXXX", *plugin = NULL;
	job->ok = false;
	job->records.insn_is_cyc = job->kvm;
	if (bench_model_open(job, model_out, &plugin) < 0)
		return;
	snprintf(args, sizeof args, "%s%s%s%s%s", job->initrd_path ? "bench " : "",
		 setup->quick ? "--quick " : "", job->pmc_args ? job->pmc_args : "",
		 job->pmc_args ? " " : "", job->records.benchmark);
	char perf_out[] = "/tmp/machlab-perf-XXXXXX";
	const char *perf_words[BENCH_PERF_WORDS];
	bool perf = bench_perf_wrap(job, setup, perf_out, perf_words);
	char *cmdline = job->initrd_path ? linux_cmdline(args) : NULL;
	struct qemu_module modules[] = {
		{ .path = job->program ? job->program : setup->bench_path, .args = args },
		{ .path = job->root },
	};
	struct qemu_boot boot = {
		.qemu_path = setup->qemu_path, .kernel_path = job->kernel_path,
		.modules = job->initrd_path ? NULL : modules,
		.module_count = job->initrd_path ? 0 : job->root ? 2 : 1,
		.initrd_path = job->initrd_path, .append = cmdline, .plugin = plugin, .kvm = job->kvm,
		.wrapper = perf ? perf_words : NULL,
		.timeout_ms = setup->timeout_ms * (plugin ? BENCH_MODEL_SLOWDOWN : 1),
		.silence_timeout_ms = setup->hang_timeout_ms * (plugin ? BENCH_MODEL_SLOWDOWN : 1),
		.on_line = bench_on_line,
		.on_tick = bench_on_tick, .tick_interval_ms = BENCH_TICK_INTERVAL_MS, .ctx = &b,
	};
	struct qemu_result result = { 0 };
	int rc = job->initrd_path && !cmdline ? -ENOMEM : 0;
	if (rc == 0) {
		bench_log_command(&b, &boot);
		rc = qemu_run(&boot, &result);
	}
	if (rc < 0)
		snprintf(how, sizeof how, "cannot run %s: %s", setup->qemu_path, strerror(-rc));
	else
		qemu_status_describe(&result.status, &boot, how, sizeof how);
	fprintf(setup->log, "=== machlab: %s/%s ended: %s\n", job->target, job->records.benchmark,
		how);
	fflush(setup->log);
	bench_judge(job, rc == 0 ? &result.status : NULL, how);
	if (job->ok && plugin)
		bench_model_take(job, &b, model_out);
	if (plugin)
		unlink(model_out);
	if (perf) {
		bench_perf_log(job, setup->log, perf_out);
		unlink(perf_out);
	}
	qemu_result_free(&result);
	profile_measures_free(&b.measures);
	free(plugin);
	free(cmdline);
	job->elapsed_s = (double)(proc_clock_ms() - b.start_ms) / 1000;
}

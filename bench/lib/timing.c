/*
 * timing.c — the shared timing loop and the record format (timing.h).
 *
 * Record lines (read by harness/bench_records.c):
 *   BENCH begin
 *   BENCH samples <benchmark> <parameter|-> insn <v> [!<v> flagged] ...
 *   BENCH samples <benchmark> <parameter|-> msg <count> ...   (bench_count)
 *   BENCH samples <benchmark> <parameter|-> pmc<i> <v> ...    (bench_pmc_set)
 *   BENCH end
 *
 * Everything platform-specific (cycle counter, disturbance count, printing,
 * exiting, error names, snprintf, strcmp) comes from bench_platform.h: bench/mk's
 * for the microkernel, bench/unix's for the static Linux programs.
 */
#include "timing.h"
#include "bench_platform.h"
#include "profile_marker.h"

#define VALUES_PER_LINE     16
#define OVERHEAD_RUNS       64
#define BUDGET_INSN         (300UL * 1000 * 1000)  /* timed instructions per measurement */
#define QUICK_DIVISOR       10
#define LINE_BYTES_MAX      (VALUES_PER_LINE * 22 + 128)

static uint64_t samples[BENCH_SAMPLES_MAX];
static bool flagged[BENCH_SAMPLES_MAX];
static bool quick_mode;
static int pmc_count;                     /* counters read around each sample */
static uint64_t pmc_samples[BENCH_PMC_MAX][BENCH_SAMPLES_MAX];

void bench_pmc_set(int count)
{
	pmc_count = count < 0 ? 0 : count > BENCH_PMC_MAX ? BENCH_PMC_MAX : count;
}

static uint64_t bench_rdpmc(int index)
{
	uint32_t lo, hi;

	__asm__ volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(index));
	return ((uint64_t)hi << 32) | lo;
}

/* The entry of table (count entries) called name, or NULL. */
const struct bench_entry *bench_entry_find(const struct bench_entry *table, size_t count,
					   const char *name)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

void bench_set_quick(bool quick)
{
	quick_mode = quick;
}

bool bench_quick(void)
{
	return quick_mode;
}

void bench_begin(void)
{
	bench_puts("BENCH begin");
}

void bench_end(void)
{
	bench_puts("BENCH end");
}

void bench_fail(const char *name, const char *what, int code)
{
	char line[LINE_BYTES_MAX];

	snprintf(line, sizeof(line), "bench %s: %s failed: %s (" BENCH_ERROR_CODE_FMT ")",
		 name, what, bench_error_string(code), code);
	bench_puts(line);
	bench_exit(1);
}

static void bench_nothing(void *ctx)
{
	(void)ctx;
}

/*
 * One timed run of op: its cycles (timer overhead included) and whether it
 * was disturbed (the counters, when programmed, are read around it by
 * bench_pmc_read, outside the timed region). The two profiling markers inside the timed region (see
 * profile_marker.h) are in the samples and in the overhead runs alike, so
 * they cancel out of every figure.
 */
static uint64_t bench_time_once(bench_op op, void *ctx, bool *disturbed)
{
	uint64_t d0 = bench_disturbances(), t0, t1;

	t0 = profile_cycles_then_begin();
	op(ctx);
	t1 = profile_end_then_cycles();
	*disturbed = bench_disturbances() != d0;
	return t1 - t0;
}

/* The counters now (into pmc), or (since) what they counted since pmc was
 * read. Out of line and outside bench_time_once, so that the timed code is
 * the same with or without counters. */
static __attribute__((noinline)) void bench_pmc_read(uint64_t *pmc, bool since)
{
	for (int i = 0; i < pmc_count; i++)
		pmc[i] = bench_rdpmc(i) - (since ? pmc[i] : 0);
}

/* The timer's own cost: the least an empty operation measures; pmc gets
 * each counter's least. */
static uint64_t bench_overhead(uint64_t *pmc)
{
	uint64_t best = ~0UL, counted[BENCH_PMC_MAX];
	bool disturbed;

	for (int k = 0; k < pmc_count; k++)
		pmc[k] = ~0UL;
	PROFILE_MARK(PROFILE_MARK_CAL_START);
	for (int i = 0; i < OVERHEAD_RUNS; i++) {
		uint64_t t;

		if (pmc_count)
			bench_pmc_read(counted, false);
		t = bench_time_once(bench_nothing, NULL, &disturbed);
		if (pmc_count)
			bench_pmc_read(counted, true);
		if (!disturbed && t < best)
			best = t;
		for (int k = 0; k < pmc_count; k++)
			if (!disturbed && counted[k] < pmc[k])
				pmc[k] = counted[k];
	}
	PROFILE_MARK(PROFILE_MARK_CAL_STOP);
	return best;
}

struct bench_plan bench_plan_for(uint64_t est_insn)
{
	uint64_t n = BUDGET_INSN / (est_insn ? est_insn : 1);
	struct bench_plan p;

	if (n > BENCH_SAMPLES_MAX)
		n = BENCH_SAMPLES_MAX;
	if (quick_mode)
		n /= QUICK_DIVISOR;
	if (n < 10)
		n = 10;
	p.samples = (int)n;
	p.warmup = p.samples / 10 + 2;
	p.keep_disturbed = false;
	return p;
}

static void bench_print(const char *name, long param, const char *unit,
			const uint64_t *values, const bool *flags, int n)
{
	char pbuf[24];

	if (param == BENCH_NO_PARAM)
		snprintf(pbuf, sizeof(pbuf), "-");
	else
		snprintf(pbuf, sizeof(pbuf), "%ld", param);
	for (int i = 0; i < n; i += VALUES_PER_LINE) {
		char line[LINE_BYTES_MAX];
		int len = snprintf(line, sizeof(line), "BENCH samples %s %s %s", name, pbuf, unit);

		for (int k = i; k < n && k < i + VALUES_PER_LINE; k++)
			len += snprintf(line + len, sizeof(line) - len, " %s%lu",
					flags && flags[k] ? "!" : "", values[k]);
		bench_puts(line);
	}
}

void bench_measure(const char *name, long param, struct bench_plan plan, bench_op op, void *ctx)
{
	uint64_t pmc_overhead[BENCH_PMC_MAX], counted[BENCH_PMC_MAX];
	uint64_t overhead = bench_overhead(pmc_overhead);
	int n = plan.samples > BENCH_SAMPLES_MAX ? BENCH_SAMPLES_MAX : plan.samples;

	for (int i = 0; i < plan.warmup; i++)
		op(ctx);
	for (int i = 0; i < n; i++) {
		uint64_t t;

		if (pmc_count)
			bench_pmc_read(counted, false);
		t = bench_time_once(op, ctx, &flagged[i]);
		if (pmc_count)
			bench_pmc_read(counted, true);
		samples[i] = t > overhead ? t - overhead : 0;
		for (int k = 0; k < pmc_count; k++)
			pmc_samples[k][i] = counted[k] > pmc_overhead[k] ? counted[k] - pmc_overhead[k] : 0;
		if (flagged[i] && !plan.keep_disturbed)
			PROFILE_MARK(PROFILE_MARK_DISCARD);
	}
	bench_print(name, param, "insn", samples, plan.keep_disturbed ? NULL : flagged, n);
	for (int k = 0; k < pmc_count; k++) {
		char unit[16];

		snprintf(unit, sizeof(unit), "pmc%d", k);
		bench_print(name, param, unit, pmc_samples[k], plan.keep_disturbed ? NULL : flagged, n);
	}
}

void bench_count(const char *name, long param, const uint64_t *counts, int n)
{
	bench_print(name, param, "msg", counts, NULL, n);
}

void bench_report(const char *name, long param, const char *unit, const uint64_t *values, int n)
{
	bench_print(name, param, unit, values, NULL, n);
}

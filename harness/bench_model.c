/* bench_model.c: the cost model's figures of machlab bench's boots
 * (bench_model.h). */
#include "bench_model.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_run.h"
#include "cmd_profile.h"
#include "elf_syms.h"
#include "errmsg.h"
#include "linux_boot.h"
#include "report.h"
#include "stats.h"

/* Sets *arg (malloc'd) to the plugin's -plugin argument for the target in
 * target_dir without its out=PATH (each boot adds its own file): the
 * kernel's fault entries and TLB flushes, addrs=off, the model on with the
 * overrides params. Returns 0, or -1 with err set. */
int bench_model_plugin_arg(const char *plugin, const char *target_dir,
			   const char *const *params, size_t param_count, char **arg, char *err,
			   size_t err_bytes)
{
	struct profile_plugin_spec spec = {
		.plugin = plugin, .target = target_dir, .linux_target = linux_target_is(target_dir),
		.addrs_off = true, .model = true, .model_params = params,
		.model_param_count = param_count,
	};
	struct elf_symtab syms = { 0 };
	char buf[PROFILE_PLUGIN_ARG_MAX_BYTES];
	int rc = profile_kernel_symbols_load(target_dir, spec.linux_target, &syms, err, err_bytes);
	if (rc == 0)
		rc = profile_plugin_arg(&spec, &syms, NULL, buf, sizeof buf, err, err_bytes);
	if (rc == 0 && !(*arg = strdup(buf)))
		rc = errmsg_fail(err, err_bytes, "out of memory");
	elf_symtab_free(&syms);
	return rc;
}

/* Adds group g's samples, in cycles less its empty operation's, to r as
 * measure x's cyc-model group. Returns 0, or -1 with err set. */
static int model_group_add(const struct profile_group *g, const struct profile_measure *x,
			   struct bench_records *r, char *err, size_t err_bytes)
{
	struct bench_key key = { .has_parameter = strcmp(x->parameter, "-") != 0,
				 .unit = BENCH_UNIT_CYC_MODEL };
	uint64_t *values = malloc((g->count + 1) * sizeof *values);
	size_t kept = 0;
	if (!values)
		return errmsg_fail(err, err_bytes, "out of memory");
	snprintf(key.benchmark, sizeof key.benchmark, "%s", x->benchmark);
	if (key.has_parameter)
		key.parameter = strtoull(x->parameter, NULL, 10);
	for (size_t k = 0; k < g->count; k++) {
		const struct profile_sample *y = &g->samples[k];
		if (!y->discarded)
			values[kept++] = y->cycles > g->calibration_cycles
					 ? y->cycles - g->calibration_cycles : 0;
	}
	int rc = bench_records_add(r, &key, values, kept, g->count - kept);
	free(values);
	return rc < 0 ? errmsg_fail(err, err_bytes, "out of memory") : 0;
}

/* Returns 0 when every sample of d has modelled cycles, else -1 with err set. */
static int model_cycles_check(const struct profile_data *d, const struct profile_measures *m,
			      char *err, size_t err_bytes)
{
	for (size_t i = 0; i < d->count; i++)
		for (size_t k = 0; k < d->groups[i].count; k++)
			if (!d->groups[i].samples[k].has_cycles)
				return errmsg_fail(err, err_bytes, "%s %s sample %zu: no modelled "
						   "cycles (was the model on?)", m->items[i].benchmark,
						   m->items[i].parameter, k + 1);
	return 0;
}

/* Reads the plugin's file at path, checks it against the guest's insn
 * measures m (within BENCH_MODEL_SLACK_PPM: *off_max gets the largest
 * difference let through) and adds each measure's cyc-model group to r.
 * Returns 0, or -1 with err set (nothing added then, unless memory ran
 * out). */
int bench_model_records(const char *path, const struct profile_measures *m,
			struct bench_records *r, uint64_t *off_max, char *err, size_t err_bytes)
{
	struct profile_data d = { 0 };
	int rc = profile_read(path, &d, err, err_bytes);
	if (rc == 0)
		rc = profile_check(&d, m, BENCH_MODEL_SLACK_PPM, off_max, err, err_bytes);
	if (rc == 0)
		rc = model_cycles_check(&d, m, err, err_bytes);
	for (size_t i = 0; rc == 0 && i < m->count; i++)
		rc = model_group_add(&d.groups[i], &m->items[i], r, err, err_bytes);
	profile_free(&d);
	return rc;
}

/* Of a region of bytes walked as bench/mk/chase.c walks it, whether a
 * physically indexed cache of cache_bytes keeps it (true: every load hits)
 * or loses it (false: every load misses); *known turns false when the size
 * is too close to the capacity to say (the frames' colours would decide). */
static bool chase_fits(uint64_t bytes, uint64_t cache_bytes, bool *known)
{
	*known = *known && (2 * bytes <= cache_bytes || bytes >= 2 * cache_bytes);
	return 2 * bytes <= cache_bytes;
}

/* The same for a set-associative TLB of entries in ways, by virtual page:
 * the walk's consecutive pages fill its sets evenly, so it hits when no set
 * holds more of them than it has ways. */
static bool chase_tlb_fits(uint64_t pages, uint64_t entries, uint64_t ways)
{
	uint64_t sets = entries / ways;
	return (pages + sets - 1) / sets <= ways;
}

/* The cycles beyond one an instruction that the model's table predicts for
 * each load of mem_chase over kib KiB, and in what the level it is served
 * from; false when the size sits too close to a cache's capacity. */
static bool chase_step_extra(uint64_t kib, const struct cm_params *p, uint64_t *extra,
			     char *what, size_t what_bytes)
{
	uint64_t bytes = kib << 10, pages = bytes >> 12;
	bool known = true;
	/* the L1d's sets are indexed within a page: each holds one line of every page */
	bool l1 = pages <= p->l1d_ways;
	bool l2 = !l1 && chase_fits(bytes, p->l2_bytes, &known);
	bool llc = !l1 && !l2 && chase_fits(bytes, p->llc_bytes, &known);
	bool dtlb = chase_tlb_fits(pages, p->dtlb_entries, p->dtlb_ways);
	bool stlb = chase_tlb_fits(pages, p->stlb_entries, p->stlb_ways);
	*extra = l1 ? 0 : l2 ? p->l2_cycles : llc ? p->llc_cycles : p->mem_cycles;
	*extra += dtlb ? 0 : stlb ? p->stlb_cycles : p->stlb_cycles + p->walk_cycles;
	snprintf(what, what_bytes, "%s, %s", l1 ? "L1d hit" : l2 ? "L2 hit" : llc ? "LLC hit"
		 : "memory", dtlb ? "dTLB hit" : stlb ? "STLB hit" : "page walk");
	return known && p->l1d_bytes / p->l1d_ways == 4096;
}

/* The cycles the model's table predicts for a validation micro-program
 * whose figure is insn instructions: mem_chase:KIB (each of its loads an
 * extra latency by level, chase_step_extra), null_trap (its syscall's and
 * sysret's penalties: no miss in the steady state). False for any other
 * benchmark, or a size the table cannot decide. *what says what it is. */
bool bench_model_predict(const char *benchmark, bool has_parameter, uint64_t parameter,
			 uint64_t insn, const struct cm_params *p, uint64_t *cycles, char *what,
			 size_t what_bytes)
{
	uint64_t extra;
	if (strcmp(benchmark, BENCH_MODEL_CHASE) == 0 && has_parameter &&
	    chase_step_extra(parameter, p, &extra, what, what_bytes)) {
		*cycles = insn * p->insn_cycles + BENCH_MODEL_CHASE_STEPS * extra;
		return true;
	}
	if (strcmp(benchmark, BENCH_MODEL_TRAP) == 0 && !has_parameter) {
		*cycles = insn * p->insn_cycles + p->syscall_cycles + p->sysret_cycles;
		snprintf(what, what_bytes, "syscall + sysret, all hits");
		return true;
	}
	return false;
}

/* Boots benchmark on the target (kernel) with the model's -plugin argument
 * arg; *out gets its records. Returns 0, or -1 with err set. */
static int validate_boot(const struct bench_setup *setup, const char *kernel, const char *arg,
			 const char *benchmark, struct bench_records *out, char *err,
			 size_t err_bytes)
{
	struct bench_job job = { .target = "validation", .kernel_path = kernel,
				 .model_plugin = arg, .records = { .benchmark = benchmark } };
	bench_job_run(&job, setup);
	if (!job.ok) {
		bench_records_free(&job.records);
		return errmsg_fail(err, err_bytes, "%s: %s", benchmark, job.reason);
	}
	*out = job.records;
	return 0;
}

/* The median of key's group in r (unit as given); false when r has none. */
static bool records_median(const struct bench_records *r, const struct bench_key *key,
			   enum bench_unit unit, uint64_t *median)
{
	struct bench_key k = *key;
	struct bench_stats stats;
	k.unit = unit;
	for (size_t i = 0; i < r->group_count; i++)
		if (bench_key_equal(&r->groups[i].key, &k) &&
		    stats_compute(r->groups[i].values, r->groups[i].count, r->groups[i].flagged,
				  &stats) == 0 && stats.n) {
			*median = stats.median;
			return true;
		}
	return false;
}

/* Compares every measurement of r that the table predicts with its
 * cyc-model median; *checked counts them. Returns 0, or -1 with err set at
 * the first that misses by more than the tolerance. */
static int validate_predictions(const struct bench_records *r, const struct cm_params *p,
				size_t *checked, char *err, size_t err_bytes)
{
	for (size_t i = 0; i < r->group_count; i++) {
		const struct bench_key *key = &r->groups[i].key;
		uint64_t insn, modelled, predicted;
		char what[64];
		if (key->unit != BENCH_UNIT_INSN || !records_median(r, key, BENCH_UNIT_INSN, &insn) ||
		    !bench_model_predict(key->benchmark, key->has_parameter, key->parameter, insn, p,
					 &predicted, what, sizeof what))
			continue;
		if (!records_median(r, key, BENCH_UNIT_CYC_MODEL, &modelled))
			return errmsg_fail(err, err_bytes, "%s: no cyc-model figure", key->benchmark);
		uint64_t off = modelled > predicted ? modelled - predicted : predicted - modelled;
		bool ok = off * 1000 <= predicted * BENCH_MODEL_TOLERANCE_PERMILLE;
		char name[BENCH_NAME_MAX_BYTES + 24];
		snprintf(name, sizeof name, key->has_parameter ? "%s %" PRIu64 : "%s", key->benchmark,
			 key->parameter);
		report_line("%s cost model: %s (%s): %" PRIu64 " insn, %" PRIu64 " cyc-model, %" PRIu64
			    " predicted", ok ? "ok  " : "FAIL", name, what, insn, modelled, predicted);
		if (!ok)
			return errmsg_fail(err, err_bytes, "%s (%s): %" PRIu64 " cyc-model, the table "
					   "predicts %" PRIu64, name, what, modelled, predicted);
		(*checked)++;
	}
	return 0;
}

/* The address-space switch: the short RPC between two tasks with the CR3
 * write's penalty and without; the difference must be the penalty of its
 * two writes exactly (each switch recognised, charged once). Returns 0, or
 * -1 with err set. */
static int validate_switch(const struct bench_setup *setup, const char *kernel, const char *arg,
			   const char *arg_free, const struct cm_params *p, char *err,
			   size_t err_bytes)
{
	struct bench_records with = { 0 }, without = { 0 };
	struct bench_key key = { .benchmark = BENCH_MODEL_SWITCH };
	uint64_t a = 0, b = 0;
	int rc = validate_boot(setup, kernel, arg, BENCH_MODEL_SWITCH, &with, err, err_bytes);
	if (rc == 0)
		rc = validate_boot(setup, kernel, arg_free, BENCH_MODEL_SWITCH, &without, err,
				   err_bytes);
	if (rc == 0 && (!records_median(&with, &key, BENCH_UNIT_CYC_MODEL, &a) ||
			!records_median(&without, &key, BENCH_UNIT_CYC_MODEL, &b)))
		rc = errmsg_fail(err, err_bytes, "%s: no cyc-model figure", BENCH_MODEL_SWITCH);
	uint64_t expected = (uint64_t)BENCH_MODEL_SWITCH_CR3_WRITES * p->cr3_cycles;
	if (rc == 0) {
		report_line("%s cost model: %s with cr3_cycles=%" PRIu32 ": %" PRIu64 " cyc-model, "
			    "with 0: %" PRIu64 "; %u CR3 writes predict %" PRIu64, a - b == expected
			    ? "ok  " : "FAIL", BENCH_MODEL_SWITCH, p->cr3_cycles, a, b,
			    BENCH_MODEL_SWITCH_CR3_WRITES, expected);
		if (a - b != expected)
			rc = errmsg_fail(err, err_bytes, "%s: the CR3 writes' penalty adds %" PRId64
					 " cycles, the table predicts %" PRIu64, BENCH_MODEL_SWITCH,
					 (int64_t)(a - b), expected);
	}
	bench_records_free(&with);
	bench_records_free(&without);
	return rc;
}

/* make test's check of the model in a real guest: boots the target in
 * target_dir (kernel kernel_path, the benchmark program of setup) with the
 * plugin and compares mem_chase's and null_trap's cyc-model figures with
 * what the table predicts from their insn figures (within
 * BENCH_MODEL_TOLERANCE_PERMILLE), and the short RPC's CR3 penalty with its
 * two writes. Prints each comparison. Returns 0, or -1 with err set. */
int bench_model_validate(const struct bench_setup *setup, const char *target_dir,
			 const char *kernel_path, const char *plugin, char *err, size_t err_bytes)
{
	static const char *const no_cr3_penalty[] = { "cr3_cycles=0" };
	static const char *const programs[] = { BENCH_MODEL_CHASE, BENCH_MODEL_TRAP };
	struct cm_params p;
	char *arg = NULL, *arg_free = NULL;
	size_t checked = 0;
	cm_params_default(&p);
	int rc = bench_model_plugin_arg(plugin, target_dir, NULL, 0, &arg, err, err_bytes);
	if (rc == 0)
		rc = bench_model_plugin_arg(plugin, target_dir, no_cr3_penalty, 1, &arg_free, err,
					    err_bytes);
	for (size_t i = 0; rc == 0 && i < sizeof programs / sizeof *programs; i++) {
		struct bench_records r = { 0 };
		rc = validate_boot(setup, kernel_path, arg, programs[i], &r, err, err_bytes);
		if (rc == 0)
			rc = validate_predictions(&r, &p, &checked, err, err_bytes);
		bench_records_free(&r);
	}
	if (rc == 0 && checked < 2)
		rc = errmsg_fail(err, err_bytes, "only %zu figures had a prediction", checked);
	if (rc == 0)
		rc = validate_switch(setup, kernel_path, arg, arg_free, &p, err, err_bytes);
	free(arg);
	free(arg_free);
	return rc;
}

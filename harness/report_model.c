/* report_model.c: REPORT.md's "model-validation" region (report_model.h). */
#include "report_model.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_model.h"
#include "report_tables.h"

/*
 * Published real-hardware figures for pairs of operations, next to which the
 * region puts this run's pair: a ratio in instructions and one in cycles, and
 * what the cycle ratio adds to the instruction ratio (their quotient, the
 * "amplification": what the cost model is there to show).
 *  [L4RE] L4Re's IPC benchmark, https://l4re.org/perf (retrieved 2026):
 *         fixed-function counters, core cycles (counter 1) and instructions
 *         retired (counter 0) of one IPC within an address space, between
 *         two, and of a system call, on an Intel N100 and a Xeon Platinum
 *         8352S.
 *  [SOSP97] Härtig et al., "The Performance of µ-Kernel-Based Systems",
 *         SOSP'97 (abstract): AIM maximum throughput 5% below native Linux
 *         for L4Linux, a penalty 5 times higher for in-kernel MkLinux and 7
 *         times higher for user-level MkLinux, on a 133 MHz Pentium; a
 *         throughput 1 - p of Linux's is a time 1 / (1 - p) of Linux's.
 */
struct model_pair {
	const char *label;
	const char *benchmark, *base_benchmark; /* this run's pair: benchmark / base_benchmark */
	const char *target, *base_target;        /* NULL: the first microkernel target; "linux":
						    the first Linux target */
	const char *published;                   /* the published figures, as text */
	const char *source;
};

static const struct model_pair model_pairs[] = {
	{ "IPC between two address spaces / IPC within one", "null_rpc_tasks", "null_rpc_threads",
	  NULL, NULL,
	  "insn ×1.08; cycles ×2.24 (N100: 1,395 / 622), ×1.74 (Xeon 8352S: 1,128 / 649); "
	  "amplification 2.07, 1.61", "[L4RE]" },
	{ "IPC between two address spaces / null system call", "null_rpc_short", "null_trap",
	  NULL, NULL,
	  "insn ×3.97 (587 / 148); cycles ×7.34 (N100: 1,395 / 190), ×7.05 (Xeon: 1,128 / 160); "
	  "amplification 1.85, 1.78", "[L4RE]" },
	{ "AIM-like workload, user-level Unix server / Linux", "macro_shell", "macro_shell",
	  NULL, "linux",
	  "time ×1.54 (user-level MkLinux, throughput −35%); ×1.05 (L4Linux, −5%)", "[SOSP97]" },
	{ "AIM-like workload, Unix server in the kernel / Linux", "macro_shell", "macro_shell",
	  "unix-colocated", "linux", "time ×1.33 (in-kernel MkLinux, throughput −25%)",
	  "[SOSP97]" },
};

/* The index of the target named name ("linux": the first Linux target;
 * NULL: the first microkernel target), or t->target_count when none. */
static size_t model_target(const struct bench_table *t, const char *name)
{
	for (size_t k = 0; k < t->target_count; k++) {
		bool is_linux = t->target_linux && t->target_linux[k];
		if (name ? (strcmp(name, "linux") == 0 ? is_linux : strcmp(t->targets[k], name) == 0)
			 : !is_linux)
			return k;
	}
	return t->target_count;
}

/* The median of (benchmark, parameter) in unit on target k, or 0 when the
 * run has none. */
static uint64_t model_median(const struct bench_table *t, const char *benchmark,
			     bool has_parameter, uint64_t parameter, enum bench_unit unit, size_t k)
{
	struct bench_key key = { .has_parameter = has_parameter, .parameter = parameter,
				 .unit = unit };
	snprintf(key.benchmark, sizeof key.benchmark, "%s", benchmark);
	const struct bench_row *r = k < t->target_count ? report_table_find(t, &key, k) : NULL;
	return r && r->stats.n ? r->stats.median : 0;
}

/* The micro-programs' table: every measure of the first microkernel
 * target that the table predicts. Returns how many lines it printed. */
static size_t model_programs_print(FILE *out, const struct bench_table *t, size_t k)
{
	struct cm_params p;
	size_t lines = 0;
	cm_params_default(&p);
	for (size_t i = 0; i < t->count; i++) {
		const struct bench_row *r = &t->rows[i];
		uint64_t predicted, modelled;
		char what[64], a[NUMBER_MAX_BYTES], b[NUMBER_MAX_BYTES], c[NUMBER_MAX_BYTES];
		char d[NUMBER_MAX_BYTES];
		if (r->target_index != k || r->key.unit != BENCH_UNIT_INSN || !r->stats.n ||
		    !bench_model_predict(r->key.benchmark, r->key.has_parameter, r->key.parameter,
					 r->stats.median, &p, &predicted, what, sizeof what))
			continue;
		modelled = model_median(t, r->key.benchmark, r->key.has_parameter, r->key.parameter,
					BENCH_UNIT_CYC_MODEL, k);
		if (lines++ == 0)
			fputs("| micro-program | parameter | served from (the table's geometry) | insn | "
			      "cyc-model predicted | cyc-model measured | off |\n"
			      "| --- | ---: | --- | ---: | ---: | ---: | ---: |\n", out);
		fprintf(out, "| %s | %s | %s | %s | %s | %s | %+.2f%% |\n", r->key.benchmark,
			r->key.has_parameter ? number_format(r->key.parameter, a) : "-", what,
			number_format(r->stats.median, b), number_format(predicted, c),
			modelled ? number_format(modelled, d) : "not measured",
			modelled ? 100.0 * ((double)modelled - (double)predicted) / (double)predicted
				 : 0.0);
	}
	return lines;
}

/* One pair's line: this run's ratios in both units next to the published. */
static void model_pair_print(FILE *out, const struct bench_table *t, const struct model_pair *x)
{
	size_t k = model_target(t, x->target), base = model_target(t, x->base_target);
	uint64_t v[2], w[2];
	for (int u = 0; u < 2; u++) {
		enum bench_unit unit = u ? BENCH_UNIT_CYC_MODEL : BENCH_UNIT_INSN;
		v[u] = model_median(t, x->benchmark, false, 0, unit, k);
		w[u] = model_median(t, x->base_benchmark, false, 0, unit, base);
	}
	fprintf(out, "| %s | `%s` %s / `%s` %s |", x->label, k < t->target_count ? t->targets[k]
		: "—", x->benchmark, base < t->target_count ? t->targets[base] : "—",
		x->base_benchmark);
	double ratio[2] = { 0, 0 };
	for (int u = 0; u < 2; u++) {
		ratio[u] = v[u] && w[u] ? (double)v[u] / (double)w[u] : 0;
		if (ratio[u])
			fprintf(out, " ×%.2f |", ratio[u]);
		else
			fputs(" not measured |", out);
	}
	if (ratio[0] && ratio[1])
		fprintf(out, " %.2f |", ratio[1] / ratio[0]);
	else
		fputs(" — |", out);
	fprintf(out, " %s %s |\n", x->published, x->source);
}

/* The "model-validation" region (report_model.h). */
char *report_model_validation(const struct bench_table *t)
{
	char *text = NULL;
	size_t bytes;
	FILE *out = open_memstream(&text, &bytes);
	if (!out)
		return NULL;
	size_t k = model_target(t, NULL);
	if (k == t->target_count || model_programs_print(out, t, k) == 0)
		fputs("No validation micro-program (mem_chase, null_trap) with cyc-model figures on a "
		      "microkernel target in this run.\n", out);
	else
		fprintf(out, "\nOn `%s`, run `%s`: each figure is a median; *predicted* is what "
			"the model's table (harness/plugin/cost_model.c, its defaults) gives for the "
			"insn figure: one cycle an instruction, plus, for each of mem_chase's %d "
			"loads, the latency of the level it is served from and of its TLB miss, and "
			"for null_trap the syscall and sysret penalties (make test checks these "
			"within %d‰, and the two CR3 writes of a short RPC exactly).\n\n",
			t->targets[k], t->run_id, BENCH_MODEL_CHASE_STEPS,
			BENCH_MODEL_TOLERANCE_PERMILLE);
	fputs("| pair | this run | insn | cyc-model | amplification | published (real hardware) | |\n"
	      "| --- | --- | ---: | ---: | ---: | --- | --- |\n", out);
	for (size_t i = 0; i < sizeof model_pairs / sizeof *model_pairs; i++)
		model_pair_print(out, t, &model_pairs[i]);
	fprintf(out, "\n*amplification*: the cyc-model ratio over the insn ratio, what the model "
		"adds to the instruction count's answer (published: the cycle ratio over the "
		"instruction ratio). [L4RE]: L4Re's IPC benchmark (https://l4re.org/perf), core "
		"cycles and instructions retired from the fixed-function counters, Intel N100 and "
		"Xeon Platinum 8352S. [SOSP97]: Härtig et al., SOSP'97, AIM maximum throughput on a "
		"133 MHz Pentium (a throughput 1 − p of Linux's is a time 1 / (1 − p)).\n");
	return report_text_finish(out, &text);
}

/* The ratio of key's median on target k to its median on target base, in
 * unit; 0 when either is missing. */
static double model_ratio(const struct bench_table *t, const struct bench_key *key,
			  enum bench_unit unit, size_t k, size_t base)
{
	uint64_t v = model_median(t, key->benchmark, key->has_parameter, key->parameter, unit, k);
	uint64_t w = model_median(t, key->benchmark, key->has_parameter, key->parameter, unit, base);
	return v && w ? (double)v / (double)w : 0;
}

/* The "units" region (report_model.h). */
char *report_model_units(const struct bench_table *t)
{
	char *text = NULL;
	size_t bytes, lines = 0, base = model_target(t, "linux");
	FILE *out = open_memstream(&text, &bytes);
	if (!out)
		return NULL;
	if (base == t->target_count) {
		fprintf(out, "Run `%s` has no Linux target: no ratio to Linux.\n", t->run_id);
		return report_text_finish(out, &text);
	}
	fputs("| benchmark | parameter |", out);
	for (size_t k = 0; k < t->target_count; k++)
		if (k != base)
			fprintf(out, " %s |", t->targets[k]);
	fputs("\n| --- | ---: |", out);
	for (size_t k = 0; k < t->target_count; k++)
		if (k != base)
			fputs(" ---: |", out);
	fputc('\n', out);
	for (size_t i = 0; i < t->count; i++) {
		const struct bench_row *r = &t->rows[i];
		char param[NUMBER_MAX_BYTES] = "-";
		if (r->target_index != base || r->key.unit != BENCH_UNIT_INSN ||
		    !model_median(t, r->key.benchmark, r->key.has_parameter, r->key.parameter,
				  BENCH_UNIT_CYC_MODEL, base))
			continue;
		if (r->key.has_parameter)
			number_format(r->key.parameter, param);
		fprintf(out, "| %s | %s |", r->key.benchmark, param);
		for (size_t k = 0; k < t->target_count; k++) {
			double insn = model_ratio(t, &r->key, BENCH_UNIT_INSN, k, base);
			double cyc = model_ratio(t, &r->key, BENCH_UNIT_CYC_MODEL, k, base);
			if (k == base)
				continue;
			if (insn && cyc)
				fprintf(out, " %.2f× → %.2f× |", insn, cyc);
			else
				fputs(" — |", out);
		}
		fputc('\n', out);
		lines++;
	}
	if (lines == 0)
		fprintf(out, "| (run `%s` has no cyc-model figures on `%s`) | |\n", t->run_id,
			t->targets[base]);
	fprintf(out, "\nEach cell: the target's median over `%s`'s, in insn → in cyc-model, "
		"both from run `%s` (the same samples in both units: the cost model ran in every "
		"boot).\n", t->targets[base], t->run_id);
	return report_text_finish(out, &text);
}

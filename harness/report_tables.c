/* report_tables.c: Markdown tables of a run's results (see report_tables.h).
 * A "measure" is one (benchmark, parameter, unit); each table has one line
 * per measure, in CSV order, and one column per target where it applies. */
#include "report_tables.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refs.h"


/* Returns t's row for key on target, or NULL when that target has none. */
const struct bench_row *report_table_find(const struct bench_table *t, const struct bench_key *key,
					  size_t target)
{
	for (size_t i = 0; i < t->count; i++)
		if (t->rows[i].target_index == target && bench_key_equal(&t->rows[i].key, key))
			return &t->rows[i];
	return NULL;
}

/* True when row i is the first row of its measure. */
static bool table_measure_first(const struct bench_table *t, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (bench_key_equal(&t->rows[j].key, &t->rows[i].key))
			return false;
	return true;
}

/* Formats v with thousands separators ("1,946") into buf. */
const char *number_format(uint64_t v, char buf[NUMBER_MAX_BYTES])
{
	char digits[NUMBER_MAX_BYTES];
	int n = snprintf(digits, sizeof digits, "%" PRIu64, v);
	char *out = buf;
	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			*out++ = ',';
		*out++ = digits[i];
	}
	*out = '\0';
	return buf;
}

/* Closes the memory stream out and returns its text, or NULL (text freed)
 * when it ran out of memory. */
char *report_text_finish(FILE *out, char **text)
{
	if (fclose(out) == 0)
		return *text; /* the stream updates *text only when it closes */
	free(*text);
	return NULL;
}

/* Prints "| benchmark | parameter | unit |" for key, opening a table line. */
static void measure_print(FILE *out, const struct bench_key *key)
{
	char param[NUMBER_MAX_BYTES] = "-";
	if (key->has_parameter)
		snprintf(param, sizeof param, "%" PRIu64, key->parameter);
	fprintf(out, "| %s | %s | %s |", key->benchmark, param, bench_unit_name(key->unit));
}

/* Prints one target's results cell: "median <sub>min–p99</sub>". */
static void results_cell_print(FILE *out, const struct bench_row *r)
{
	char a[NUMBER_MAX_BYTES], b[NUMBER_MAX_BYTES], c[NUMBER_MAX_BYTES];
	if (!r)
		fputs(" — |", out);
	else if (r->stats.n == 0)
		fputs(" no samples |", out);
	else
		fprintf(out, " %s <sub>%s–%s</sub> |", number_format(r->stats.median, a),
			number_format(r->stats.min, b), number_format(r->stats.p99, c));
}

/* Prints the header of a table whose columns after the measure are the
 * targets from first_target on, each with suffix, then extra (may be ""). */
static void table_header_print(FILE *out, const struct bench_table *t, size_t first_target,
			       const char *suffix, const char *extra)
{
	fputs("| benchmark | parameter | unit |", out);
	for (size_t i = first_target; i < t->target_count; i++)
		fprintf(out, " %s%s |", t->targets[i], suffix);
	fprintf(out, "%s\n| --- | ---: | --- |", extra);
	for (size_t i = first_target; i < t->target_count + (extra[0] != '\0'); i++)
		fputs(" ---: |", out);
	fputc('\n', out);
}

/* The "results" region: every measure, one column per target, flagged
 * counts per target, and a line saying where the numbers come from. */
char *report_tables_results(const struct bench_table *t, const char *csv_path)
{
	char *text = NULL;
	size_t bytes;
	FILE *out = open_memstream(&text, &bytes);
	if (!out)
		return NULL;
	table_header_print(out, t, 0, "", " flagged |");
	for (size_t i = 0; i < t->count; i++) {
		if (!table_measure_first(t, i))
			continue;
		measure_print(out, &t->rows[i].key);
		for (size_t k = 0; k < t->target_count; k++)
			results_cell_print(out, report_table_find(t, &t->rows[i].key, k));
		for (size_t k = 0; k < t->target_count; k++) {
			const struct bench_row *r = report_table_find(t, &t->rows[i].key, k);
			fputs(k ? " / " : " ", out);
			if (r)
				fprintf(out, "%zu", r->stats.flagged);
			else
				fputs("—", out);
		}
		fputs(" |\n", out);
	}
	fprintf(out, "\nRun `%s`, commit `%s`, accelerator `%s`; data: `%s`. Each cell is the "
		"median of the unflagged samples, with their min–p99 below it; *flagged* counts, "
		"per target, the samples the guest flagged (an interrupt or an idle period) and "
		"left out.\n", t->run_id, t->commit, t->accelerator, csv_path);
	for (size_t k = 0; t->target_kernels && k < t->target_count; k++)
		if (strcmp(t->target_kernels[k], CSV_KERNEL_MACHLAB) != 0)
			fprintf(out, "Target `%s` runs the kernel package `%s`.\n", t->targets[k],
				t->target_kernels[k]);
	return report_text_finish(out, &text);
}

/* True when r holds a median that can divide. */
static bool ratio_usable(const struct bench_row *r)
{
	return r && r->stats.n > 0 && r->stats.median > 0;
}

/* Prints the ratios line of the measure of row i, if the first target and
 * another one measured it. Returns true when it printed. */
static bool ratios_line_print(FILE *out, const struct bench_table *t, size_t i)
{
	const struct bench_key *key = &t->rows[i].key;
	const struct bench_row *base = report_table_find(t, key, 0);
	bool other = false;
	for (size_t k = 1; k < t->target_count; k++)
		other = other || ratio_usable(report_table_find(t, key, k));
	if (!ratio_usable(base) || !other)
		return false;
	measure_print(out, key);
	for (size_t k = 1; k < t->target_count; k++) {
		const struct bench_row *r = report_table_find(t, key, k);
		if (ratio_usable(r))
			fprintf(out, " %.2f× |", (double)r->stats.median / (double)base->stats.median);
		else
			fputs(" — |", out);
	}
	fputc('\n', out);
	return true;
}

/* The "ratios" region: each target's median over the first target's, for
 * every measure both have. */
char *report_tables_ratios(const struct bench_table *t)
{
	char *text = NULL;
	size_t bytes, printed = 0;
	FILE *out = open_memstream(&text, &bytes);
	if (!out)
		return NULL;
	if (t->target_count < 2) {
		fprintf(out, "Ratios need two targets; run `%s` measured only `%s`.\n", t->run_id,
			t->target_count ? t->targets[0] : "none");
		return report_text_finish(out, &text);
	}
	char suffix[BENCH_NAME_MAX_BYTES + 8];
	snprintf(suffix, sizeof suffix, " / %s", t->targets[0]);
	table_header_print(out, t, 1, suffix, "");
	for (size_t i = 0; i < t->count; i++)
		if (table_measure_first(t, i))
			printed += ratios_line_print(out, t, i);
	if (printed == 0)
		fprintf(out, "\nNo benchmark was measured both on `%s` and on another target.\n",
			t->targets[0]);
	else
		fprintf(out, "\nEach figure is a target's median divided by `%s`'s median, both "
			"from run `%s`.\n", t->targets[0], t->run_id);
	return report_text_finish(out, &text);
}

/* Fills key with the measure (benchmark, parameter) in unit. */
static void ref_key(const char *benchmark, const char *parameter, enum bench_unit unit,
		    struct bench_key *key)
{
	*key = (struct bench_key){ .has_parameter = strcmp(parameter, "-") != 0, .unit = unit };
	snprintf(key->benchmark, sizeof key->benchmark, "%s", benchmark);
	if (key->has_parameter)
		key->parameter = strtoull(parameter, NULL, 10);
}

/* Returns s, or "—" when s is empty. */
static const char *ref_figure(const char *s)
{
	return s[0] ? s : "—";
}

/* True when target k of t is a Linux target. */
static bool table_target_linux(const struct bench_table *t, size_t k)
{
	return t->target_linux && t->target_linux[k];
}

/* Prints a headline cell: the median of key on target k, or why there is none. */
static void headline_cell_print(FILE *out, const struct bench_table *t, const struct bench_key *key,
				size_t k)
{
	char num[NUMBER_MAX_BYTES];
	const struct bench_row *r = report_table_find(t, key, k);
	fprintf(out, " %s |", r && r->stats.n ? number_format(r->stats.median, num) : "not measured");
}

/* Prints the Linux cell of ref: the first Linux target's median of the
 * equivalent benchmark, or "—" when there is none, "not measured" when no
 * Linux target ran it. */
static void headline_linux_print(FILE *out, const struct bench_table *t, const struct bench_ref *ref)
{
	struct bench_key key;
	size_t k = 0;
	while (k < t->target_count && !table_target_linux(t, k))
		k++;
	if (!ref->linux_benchmark[0]) {
		fputs(" — |", out);
		return;
	}
	ref_key(ref->linux_benchmark, ref->linux_parameter, ref->unit, &key);
	if (k == t->target_count)
		fputs(" not measured |", out);
	else
		headline_cell_print(out, t, &key, k);
}

/* The "headline" region: one line per reference (refs.c): this run's median
 * on every microkernel target next to the other kernels' figures, the Linux
 * target's median of the equivalent benchmark (same run) with the anchor
 * figure it is checked against, and machlab's goal. */
char *report_tables_headline(const struct bench_table *t)
{
	char *text = NULL;
	size_t bytes;
	FILE *out = open_memstream(&text, &bytes);
	if (!out)
		return NULL;
	fputs("| figure | unit |", out);
	size_t columns = 0;
	for (size_t k = 0; k < t->target_count; k++)
		if (!table_target_linux(t, k) && ++columns)
			fprintf(out, " machlab %s |", t->targets[k]);
	fputs(" seL4 | GNU Mach | Linux (measured) | Linux anchor | machlab goal |\n| --- | --- |",
	      out);
	for (size_t k = 0; k < columns + 4; k++)
		fputs(" ---: |", out);
	fputs(" --- |\n", out);
	for (size_t i = 0; i < bench_ref_count; i++) {
		const struct bench_ref *ref = &bench_refs[i];
		struct bench_key key;
		ref_key(ref->benchmark, ref->parameter, ref->unit, &key);
		fprintf(out, "| %s | %s |", ref->label, bench_unit_name(ref->unit));
		for (size_t k = 0; k < t->target_count; k++)
			if (!table_target_linux(t, k))
				headline_cell_print(out, t, &key, k);
		fprintf(out, " %s | %s |", ref_figure(ref->sel4), ref_figure(ref->gnu_mach));
		headline_linux_print(out, t, ref);
		fprintf(out, " %s | %s |\n", ref_figure(ref->linux_anchor), ref_figure(ref->goal));
	}
	fprintf(out, "\nmachlab and Linux (measured) figures are medians from run `%s`; seL4, "
		"GNU Mach and the Linux anchor figures were measured in the same QEMU setup "
		"(DESIGN.md section 6; the anchors by hand, in the issue that added the Linux "
		"target).\n", t->run_id);
	return report_text_finish(out, &text);
}

/* Whether target k of t is one of targets (REPORT_VIEW_*). */
static bool view_has_target(const struct bench_table *t, size_t k, int targets)
{
	return targets == REPORT_VIEW_ALL || targets == REPORT_VIEW_LINUX_FIRST ||
	       table_target_linux(t, k) == (targets == REPORT_VIEW_LINUX);
}

/* Fills view with the rows of t whose benchmark index is in [first, end) on
 * the targets of targets (REPORT_VIEW_*), renumbered; the view borrows t's
 * names. Returns 0 or -ENOMEM; free with report_view_free either way. */
int report_view_make(const struct bench_table *t, int targets, size_t first, size_t end,
		     struct bench_table *view)
{
	*view = (struct bench_table){ .run_id = t->run_id, .commit = t->commit,
				      .accelerator = t->accelerator };
	size_t *index = calloc(t->target_count + 1, sizeof *index);
	char **names = calloc(t->target_count + 1, sizeof *names);
	char **kernels = calloc(t->target_count + 1, sizeof *kernels);
	view->rows = calloc(t->count + 1, sizeof *view->rows);
	view->targets = names;
	view->target_kernels = t->target_kernels ? kernels : NULL;
	view->owned_kernels = kernels;
	if (!index || !names || !kernels || !view->rows) {
		free(index);
		return -ENOMEM;
	}
	/* (REPORT_VIEW_LINUX_FIRST: a pass for Linux's targets, then one for the others) */
	for (int pass = targets == REPORT_VIEW_LINUX_FIRST ? 0 : 1; pass < 2; pass++)
		for (size_t k = 0; k < t->target_count; k++)
			if (view_has_target(t, k, targets) &&
			    (targets != REPORT_VIEW_LINUX_FIRST || table_target_linux(t, k) == !pass)) {
				index[k] = view->target_count;
				kernels[view->target_count] =
					t->target_kernels ? t->target_kernels[k] : NULL;
				names[view->target_count++] = t->targets[k];
			}
	for (size_t i = 0; i < t->count; i++) {
		const struct bench_row *r = &t->rows[i];
		if (r->bench_index < first || r->bench_index >= end ||
		    !view_has_target(t, r->target_index, targets))
			continue;
		view->rows[view->count] = *r;
		view->rows[view->count++].target_index = index[r->target_index];
	}
	free(index);
	return 0;
}

/* Frees what report_view_make allocated. */
void report_view_free(struct bench_table *view)
{
	free((void *)view->targets);
	free(view->owned_kernels);
	free(view->rows);
}

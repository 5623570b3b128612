/* csv.c: writes the result table as CSV. Rows are ordered by benchmark (the
 * BENCHMARKS order), then parameter ("-" first, then numerically), then
 * target (command-line order), then unit. Fields are never quoted: the
 * harness refuses names that would need it (csv_field_valid). */
#include "csv.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"

#define CSV_FILE_MODE 0644

/* True when s can be a CSV field as is: non-empty, printable, no comma,
 * quote or blank (names are also gnuplot words and file names). */
bool csv_field_valid(const char *s)
{
	for (const char *p = s; *p; p++)
		if (*p <= ' ' || *p == ',' || *p == '"' || *p == '\'' || *p == 0x7f)
			return false;
	return s[0] != '\0';
}

/* Three-way comparison of two unsigned numbers. */
static int csv_compare_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

/* qsort order of rows (see the top of this file). */
static int csv_row_compare(const void *pa, const void *pb)
{
	const struct bench_row *a = pa, *b = pb;
	int c = csv_compare_u64(a->bench_index, b->bench_index);
	if (c == 0)
		c = csv_compare_u64(a->key.has_parameter, b->key.has_parameter);
	if (c == 0)
		c = csv_compare_u64(a->key.parameter, b->key.parameter);
	if (c == 0)
		c = csv_compare_u64(a->target_index, b->target_index);
	return c ? c : csv_compare_u64(a->key.unit, b->key.unit);
}

/* Puts rows in the table's order. */
void csv_rows_sort(struct bench_row *rows, size_t count)
{
	qsort(rows, count, sizeof *rows, csv_row_compare);
}

/* Prints one row; a row without unflagged samples has empty figures. */
static void csv_row_print(FILE *out, const struct bench_table *t, const struct bench_row *r)
{
	const struct bench_stats *s = &r->stats;
	fprintf(out, "%s,%s,%s,%s,%s,", t->run_id, t->commit,
		t->target_accelerators ? t->target_accelerators[r->target_index] : t->accelerator,
		t->targets[r->target_index], r->key.benchmark);
	if (r->key.has_parameter)
		fprintf(out, "%" PRIu64, r->key.parameter);
	else
		fputc('-', out);
	fprintf(out, ",%s,%zu,", bench_unit_name(r->key.unit), s->n);
	if (s->n > 0)
		fprintf(out, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, s->min,
			s->median, s->p90, s->p99, s->max);
	else
		fputs(",,,,", out);
	fprintf(out, ",%zu,%s\n", s->flagged,
		t->target_kernels ? t->target_kernels[r->target_index] : "");
}

/* Prints the header and every row, in the order the rows are in. */
void csv_print(FILE *out, const struct bench_table *t)
{
	fputs(CSV_HEADER "\n", out);
	for (size_t i = 0; i < t->count; i++)
		csv_row_print(out, t, &t->rows[i]);
}

/* Writes the table to path atomically (see atomic_file.h). Returns 0 or
 * -errno; on failure an existing file at path is left as it was. */
int csv_write(const char *path, const struct bench_table *t)
{
	struct atomic_file af;
	int rc = atomic_file_open(&af, path, CSV_FILE_MODE);
	if (rc < 0)
		return rc;
	csv_print(af.f, t);
	return atomic_file_commit(&af);
}

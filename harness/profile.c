/* profile.c: reading the plugin's output and the guest's records of one
 * boot, and checking that they agree (see profile.h). */
#include "profile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "elf_syms.h"
#include "errmsg.h"
#include "profile_components.h"

#define PROFILE_LINE_MAX_BYTES 256
#define PROFILE_MAGIC "PROFILE 1"
#define PROFILE_RECORD_PREFIX "BENCH samples "
#define PROFILE_UNIT_INSN "insn"

/* Applies one line of the plugin's file to d. Returns 1 at END, 0 to go
 * on, or -1 with err set. */
static int profile_line(struct profile_data *d, const char *line, char *err, size_t err_bytes)
{
	struct profile_group *g = d->count ? &d->groups[d->count - 1] : NULL;
	struct profile_sample *x = g && g->count ? &g->samples[g->count - 1] : NULL;
	unsigned long long a, b;
	unsigned space;
	size_t index;
	if (strcmp(line, "END") == 0)
		return 1;
	if (sscanf(line, "GROUP %zu", &index) == 1) {
		if (index != d->count ||
		    array_grow((void **)&d->groups, sizeof *g, d->count + 1, &d->cap) < 0)
			return errmsg_fail(err, err_bytes, "group %zu out of order, or out of memory",
					   index);
		d->groups[d->count++] = (struct profile_group){ 0 };
		return 0;
	}
	if (g && sscanf(line, "CALIBRATION_CYCLES %llu", &a) == 1) {
		g->calibration_cycles = a;
		return 0;
	}
	if (g && sscanf(line, "CALIBRATION %llu", &a) == 1) {
		g->calibration = a;
		return 0;
	}
	if (g && sscanf(line, "S %llu", &a) == 1) {
		if (array_grow((void **)&g->samples, sizeof *g->samples, g->count + 1, &g->cap) < 0)
			return errmsg_fail(err, err_bytes, "out of memory");
		g->samples[g->count++] = (struct profile_sample){ .total = a };
		return 0;
	}
	if (x && sscanf(line, "C %llu", &a) == 1) {
		x->cycles = a;
		x->has_cycles = true;
		return 0;
	}
	if (x && strcmp(line, "D") == 0) {
		x->discarded = true;
		return 0;
	}
	unsigned long long cycles = 0;
	int fields;
	if (x && (fields = sscanf(line, "A %llx %llu %u %llu", &a, &b, &space, &cycles)) >= 3) {
		if (fields == 4 && !x->has_cycles)
			return errmsg_fail(err, err_bytes, "an address's cycles with none for its sample");
		if (array_grow((void **)&x->addrs, sizeof *x->addrs, x->addr_count + 1,
			       &x->addr_cap) < 0)
			return errmsg_fail(err, err_bytes, "out of memory");
		x->addrs[x->addr_count++] = (struct profile_addr){ .addr = a, .count = b, .space = space,
								   .cycles = cycles };
		return 0;
	}
	return errmsg_fail(err, err_bytes, "unexpected line \"%.80s\"", line);
}

/* Reads the plugin's file at path into d (empty at first). Returns 0, or
 * -1 with err set (a file without its END line was cut short: the boot did
 * not end cleanly, or the plugin ran out of memory). */
int profile_read(const char *path, struct profile_data *d, char *err, size_t err_bytes)
{
	char line[PROFILE_LINE_MAX_BYTES];
	FILE *f = fopen(path, "re");
	int rc = 0, number = 1;
	if (!f)
		return errmsg_fail(err, err_bytes, "%s: %s (did the plugin load?)", path,
				   strerror(errno));
	if (!fgets(line, sizeof line, f) || strncmp(line, PROFILE_MAGIC, strlen(PROFILE_MAGIC)) != 0)
		rc = errmsg_fail(err, err_bytes, "%s: not a profile (no \"%s\" line)", path,
				 PROFILE_MAGIC);
	while (rc == 0 && fgets(line, sizeof line, f)) {
		char why[PROFILE_LINE_MAX_BYTES];
		number++;
		line[strcspn(line, "\n")] = '\0';
		rc = profile_line(d, line, why, sizeof why);
		if (rc < 0)
			errmsg_fail(err, err_bytes, "%s:%d: %s", path, number, why);
	}
	fclose(f);
	if (rc == 0)
		return errmsg_fail(err, err_bytes, "%s: no END line: cut short (the boot did not end "
				   "cleanly, or the plugin ran out of memory)", path);
	return rc < 0 ? -1 : 0;
}

/* Frees what profile_read allocated. */
void profile_free(struct profile_data *d)
{
	for (size_t i = 0; i < d->count; i++) {
		for (size_t k = 0; k < d->groups[i].count; k++)
			free(d->groups[i].samples[k].addrs);
		free(d->groups[i].samples);
	}
	free(d->groups);
	*d = (struct profile_data){ 0 };
}

/* Returns m's measure (benchmark, parameter), appending it when new, or NULL
 * when out of memory. */
static struct profile_measure *measure_get(struct profile_measures *m, const char *benchmark,
					   const char *parameter)
{
	for (size_t i = 0; i < m->count; i++)
		if (strcmp(m->items[i].benchmark, benchmark) == 0 &&
		    strcmp(m->items[i].parameter, parameter) == 0)
			return &m->items[i];
	if (array_grow((void **)&m->items, sizeof *m->items, m->count + 1, &m->cap) < 0)
		return NULL;
	struct profile_measure *x = &m->items[m->count++];
	*x = (struct profile_measure){ 0 };
	snprintf(x->benchmark, sizeof x->benchmark, "%s", benchmark);
	snprintf(x->parameter, sizeof x->parameter, "%s", parameter);
	return x;
}

/* Takes one serial line: an insn "BENCH samples" record adds its values, in
 * order, flags kept; anything else is ignored. Returns 0 or -ENOMEM. */
int profile_measures_feed(struct profile_measures *m, const char *line)
{
	char benchmark[BENCH_NAME_MAX_BYTES], parameter[PROFILE_PARAM_MAX_BYTES], unit[16];
	int used = 0;
	if (strncmp(line, PROFILE_RECORD_PREFIX, strlen(PROFILE_RECORD_PREFIX)) != 0 ||
	    sscanf(line + strlen(PROFILE_RECORD_PREFIX), "%63s %23s %15s%n", benchmark, parameter,
		   unit, &used) != 3 || strcmp(unit, PROFILE_UNIT_INSN) != 0)
		return 0;
	struct profile_measure *x = measure_get(m, benchmark, parameter);
	if (!x)
		return -ENOMEM;
	const char *p = line + strlen(PROFILE_RECORD_PREFIX) + used;
	for (;;) {
		while (*p == ' ')
			p++;
		bool flagged = *p == '!';
		char *end;
		uint64_t v = strtoull(p + flagged, &end, 10);
		if (end == p + flagged)
			return 0;
		if (array_grow((void **)&x->values, sizeof *x->values, x->count + 1, &x->cap) < 0)
			return -ENOMEM;
		x->values[x->count++] = (struct profile_value){ .value = v, .flagged = flagged };
		p = end;
	}
}

/* True when name (BENCH or BENCH:PARAM, as machlab profile takes them)
 * names the measure (benchmark, parameter). */
bool profile_name_matches(const char *name, const char *benchmark, const char *parameter)
{
	const char *colon = strchr(name, ':');
	size_t len = colon ? (size_t)(colon - name) : strlen(name);
	return strlen(benchmark) == len && strncmp(benchmark, name, len) == 0 &&
	       (!colon || strcmp(colon + 1, parameter) == 0);
}

/* Splits text (modified) at blanks into names, at most max of them.
 * Returns how many. */
int profile_names_split(char *text, char **names, int max)
{
	char *save = NULL;
	int count = 0;
	for (char *w = text ? strtok_r(text, " ", &save) : NULL; w && count < max;
	     w = strtok_r(NULL, " ", &save))
		names[count++] = w;
	return count;
}

/* Frees what profile_measures_feed allocated. */
void profile_measures_free(struct profile_measures *m)
{
	for (size_t i = 0; i < m->count; i++) {
		free(m->items[i].values);
	}
	free(m->items);
	*m = (struct profile_measures){ 0 };
}

/* qsort order of sample totals. */
static int total_compare(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
	return (a > b) - (a < b);
}

/* The median sample of g: the first kept (not discarded) sample whose total
 * is the median of the kept totals (the lower one of an even count, as the
 * harness's statistics take it); *kept says how many were kept. NULL when
 * none was kept or out of memory. */
const struct profile_sample *profile_median_sample(const struct profile_group *g, size_t *kept)
{
	uint64_t *totals = malloc((g->count + 1) * sizeof *totals);
	*kept = 0;
	if (!totals)
		return NULL;
	for (size_t i = 0; i < g->count; i++)
		if (!g->samples[i].discarded)
			totals[(*kept)++] = g->samples[i].total;
	const struct profile_sample *found = NULL;
	if (*kept) {
		qsort(totals, *kept, sizeof *totals, total_compare);
		uint64_t median = totals[(*kept - 1) / 2];
		for (size_t i = 0; !found && i < g->count; i++)
			if (!g->samples[i].discarded && g->samples[i].total == median)
				found = &g->samples[i];
	}
	free(totals);
	return found;
}

/* Checks that d and m describe the same samples and the same figures (see
 * profile.h): the same samples flagged, and each unflagged one's count
 * within slack_ppm millionths of the guest's figure
 * (0: exactly; what is below a million instructions is always exact);
 * *off_max (may be NULL) gets the largest difference let through. Returns
 * 0, or -1 with err saying the first difference beyond that. */
int profile_check(const struct profile_data *d, const struct profile_measures *m,
		  uint64_t slack_ppm, uint64_t *off_max, char *err, size_t err_bytes)
{
	if (off_max)
		*off_max = 0;
	if (d->count != m->count)
		return errmsg_fail(err, err_bytes, "the plugin saw %zu measurements, the guest printed "
				   "%zu", d->count, m->count);
	for (size_t i = 0; i < m->count; i++) {
		const struct profile_group *g = &d->groups[i];
		const struct profile_measure *x = &m->items[i];
		if (g->count != x->count)
			return errmsg_fail(err, err_bytes, "%s %s: the plugin saw %zu samples, the guest "
					   "printed %zu", x->benchmark, x->parameter, g->count,
					   x->count);
		for (size_t k = 0; k < x->count; k++) {
			const struct profile_sample *y = &g->samples[k];
			const struct profile_value *v = &x->values[k];
			uint64_t plugin = y->total - g->calibration;
			uint64_t off = plugin > v->value ? plugin - v->value : v->value - plugin;
			if (y->discarded == v->flagged && v->flagged)
				continue; /* an interrupt: it may fall between a counter read and its
					     marker, where the guest counts it and the plugin does not */
			if (off && off <= v->value / 1000000 * slack_ppm && y->discarded == v->flagged) {
				if (off_max && off > *off_max)
					*off_max = off;
				continue;
			}
			if (plugin != v->value || y->discarded != v->flagged)
				return errmsg_fail(err, err_bytes, "%s %s sample %zu: the plugin counted "
						   "%" PRIu64 "%s, the guest printed %s%" PRIu64,
						   x->benchmark, x->parameter, k + 1, plugin,
						   y->discarded ? " (flagged)" : "",
						   v->flagged ? "!" : "", v->value);
		}
	}
	return 0;
}

/* Adds a's instructions to rows (one per function and address space, and
 * one "unknown" per privilege and space: an address no symbol holds is
 * counted, never dropped). Returns 0 or -ENOMEM. */
static int rows_add(struct profile_row **rows, size_t *count, size_t *cap,
		    const struct elf_symtab *syms, const struct profile_addr *a)
{
	const struct elf_sym *s = elf_symtab_find(syms, a->addr);
	bool kernel = a->addr >= PROFILE_KERNEL_BASE;
	const char *function = s ? s->name : NULL;
	for (size_t i = 0; i < *count; i++)
		if ((*rows)[i].kernel == kernel && (*rows)[i].function == function &&
		    (*rows)[i].space == a->space) {
			(*rows)[i].count += a->count;
			(*rows)[i].cycles += a->cycles;
			return 0;
		}
	if (array_grow((void **)rows, sizeof **rows, *count + 1, cap) < 0)
		return -ENOMEM;
	const char *source = s ? s->source : NULL;
	(*rows)[(*count)++] = (struct profile_row){
		.function = function, .source = source, .kernel = kernel, .space = a->space,
		.count = a->count, .cycles = a->cycles,
		.component = profile_component(source, function, kernel),
	};
	return 0;
}

/* qsort order: most instructions first, then by name and space. */
static int row_compare(const void *pa, const void *pb)
{
	const struct profile_row *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	int by_name = strcmp(a->function ? a->function : "", b->function ? b->function : "");
	if (by_name)
		return by_name;
	return (a->space > b->space) - (a->space < b->space);
}

/* Fills *rows (malloc'd, *count of them, most instructions first) with the
 * sample's addresses grouped by function. Returns 0 or -ENOMEM (*rows freed). */
int profile_rows_build(const struct elf_symtab *syms, const struct profile_sample *sample,
		       struct profile_row **rows, size_t *count)
{
	size_t cap = 0;
	*rows = NULL;
	*count = 0;
	for (size_t k = 0; k < sample->addr_count; k++)
		if (rows_add(rows, count, &cap, syms, &sample->addrs[k]) < 0) {
			free(*rows);
			*rows = NULL;
			return -ENOMEM;
		}
	qsort(*rows, *count, sizeof **rows, row_compare);
	return 0;
}

/* Sums rows (most instructions first) per address space into sums, in
 * space order, at most PROFILE_SPACES_MAX (a space beyond goes with the
 * last one kept). Returns how many. */
size_t profile_spaces_sum(const struct profile_row *rows, size_t count,
			  struct profile_space_sum sums[PROFILE_SPACES_MAX])
{
	size_t n = 0;
	for (size_t i = 0; i < count; i++) {
		const struct profile_row *r = &rows[i];
		size_t k = 0;
		while (k < n && sums[k].space != r->space)
			k++;
		if (k == n && n < PROFILE_SPACES_MAX)
			sums[n++] = (struct profile_space_sum){ .space = r->space };
		else if (k == n)
			k = n - 1;
		if (r->kernel) {
			sums[k].kernel += r->count;
		} else {
			sums[k].user += r->count;
			if (!sums[k].top_user[0] && r->function)
				snprintf(sums[k].top_user, sizeof sums[k].top_user, "%s", r->function);
		}
	}
	for (size_t i = 1; i < n; i++) /* insertion sort by space: n is small */
		for (size_t k = i; k > 0 && sums[k - 1].space > sums[k].space; k--) {
			struct profile_space_sum t = sums[k];
			sums[k] = sums[k - 1];
			sums[k - 1] = t;
		}
	return n;
}

/* Writes "1: K kernel + U user (F); 2: ..." for sums into buf. Returns the
 * length it wanted (snprintf's rule). */
int profile_spaces_format(const struct profile_space_sum *sums, size_t count, char *buf,
			  size_t buf_bytes)
{
	size_t len = 0;
	if (buf_bytes)
		buf[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		int n = snprintf(buf + (len < buf_bytes ? len : buf_bytes),
				 len < buf_bytes ? buf_bytes - len : 0,
				 "%s%u: %" PRIu64 " kernel + %" PRIu64 " user%s%s%s", i ? "; " : "",
				 sums[i].space, sums[i].kernel, sums[i].user,
				 sums[i].top_user[0] ? " (" : "", sums[i].top_user,
				 sums[i].top_user[0] ? ")" : "");
		if (n < 0)
			return n;
		len += (size_t)n;
	}
	return (int)len;
}

/* How many address spaces (numbered, not 0) ran user code in sample s. */
size_t profile_user_spaces(const struct profile_sample *s)
{
	size_t n = 0;
	for (unsigned space = 1; space <= PROFILE_SPACE_NUMBER_MAX; space++)
		for (size_t k = 0; k < s->addr_count; k++)
			if (s->addrs[k].space == space && s->addrs[k].addr < PROFILE_KERNEL_BASE &&
			    s->addrs[k].count) {
				n++;
				break;
			}
	return n;
}

/* One CSV row (PROFILE_CSV_HEADER's columns) for r of measure x. */
void profile_row_csv(FILE *f, const char *target, const struct profile_measure *x,
		     const struct profile_row *r)
{
	fprintf(f, "%s,%s,%s,%u,%s,%s,%s,%s,%" PRIu64 "\n", target, x->benchmark, x->parameter,
		r->space, r->kernel ? "kernel" : "user", r->component,
		r->function ? r->function : "unknown", r->source ? r->source : "", r->count);
}

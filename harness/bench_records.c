/* bench_records.c: parses benchmark record lines (format in bench_records.h)
 * strictly: a samples line is checked whole before any of its values is
 * kept, so a truncated or garbled line adds nothing. */
#include "bench_records.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"

#define RECORD_BLANKS " \t\r"
#define RECORD_WORDS_MAX (BENCH_LINE_VALUES_MAX + 6) /* one more to see an excess */

static const char *const bench_unit_names[] = {
	[BENCH_UNIT_INSN] = "insn", [BENCH_UNIT_CYC_MODEL] = "cyc-model",
	[BENCH_UNIT_CYC] = "cyc", [BENCH_UNIT_NS] = "ns", [BENCH_UNIT_MSG] = "msg",
	[BENCH_UNIT_BYTES] = "bytes", [BENCH_UNIT_PMC0] = "pmc0", [BENCH_UNIT_PMC1] = "pmc1",
	[BENCH_UNIT_PMC2] = "pmc2", [BENCH_UNIT_PMC3] = "pmc3", [BENCH_UNIT_PMC4] = "pmc4",
	[BENCH_UNIT_PMC5] = "pmc5", [BENCH_UNIT_PMC6] = "pmc6", [BENCH_UNIT_PMC7] = "pmc7",
};

/* One samples line, checked but not yet kept. */
struct samples_line {
	struct bench_key key;
	uint64_t values[BENCH_LINE_VALUES_MAX];
	bool flagged[BENCH_LINE_VALUES_MAX];
	size_t count;
};

/* Returns the name of unit as it appears in records and the CSV. */
const char *bench_unit_name(enum bench_unit unit)
{
	return bench_unit_names[unit];
}

/* True when a and b name the same measurement. */
bool bench_key_equal(const struct bench_key *a, const struct bench_key *b)
{
	return strcmp(a->benchmark, b->benchmark) == 0 && a->has_parameter == b->has_parameter &&
	       (!a->has_parameter || a->parameter == b->parameter) && a->unit == b->unit;
}

/* Parses a whole unsigned decimal that fits 64 bits. */
static bool record_u64_parse(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		uint64_t digit = (uint64_t)(*s - '0');
		if (v > (UINT64_MAX - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	*out = v;
	return true;
}

/* Fills key from the words <benchmark> <parameter> <unit>. Returns NULL or
 * why they are wrong. */
static const char *record_key_parse(char **words, struct bench_key *key)
{
	if (!bench_name_valid(words[0]))
		return "bad benchmark name";
	*key = (struct bench_key){ .has_parameter = strcmp(words[1], "-") != 0 };
	snprintf(key->benchmark, sizeof key->benchmark, "%s", words[0]);
	if (key->has_parameter && !record_u64_parse(words[1], &key->parameter))
		return "parameter is neither \"-\" nor an unsigned 64-bit number";
	for (size_t u = 0; u < sizeof bench_unit_names / sizeof bench_unit_names[0]; u++)
		if (strcmp(words[2], bench_unit_names[u]) == 0) {
			key->unit = (enum bench_unit)u;
			return NULL;
		}
	return "unknown unit";
}

/* Parses the words after "BENCH samples" into *out. Returns NULL or why the
 * line is malformed. */
static const char *samples_line_parse(char **words, size_t count, const char *expected,
				      struct samples_line *out)
{
	if (count < 4)
		return "truncated: needs a benchmark, a parameter, a unit and values";
	if (count - 3 > BENCH_LINE_VALUES_MAX)
		return "more than 64 values";
	const char *why = record_key_parse(words, &out->key);
	if (!why && expected && strcmp(out->key.benchmark, expected) != 0)
		why = "samples for another benchmark than the one this boot runs";
	if (!why && out->key.unit == BENCH_UNIT_CYC_MODEL)
		why = "cyc-model figures come from the harness's cost model, not the guest";
	for (size_t i = 0; !why && i < count - 3; i++) {
		const char *w = words[3 + i];
		out->flagged[i] = w[0] == '!';
		if (!record_u64_parse(w + out->flagged[i], &out->values[i]))
			why = "a value is not an unsigned 64-bit number";
	}
	out->count = count - 3;
	return why;
}

/* Returns the group for key, created empty if new; NULL when out of memory. */
static struct bench_group *records_group(struct bench_records *r, const struct bench_key *key)
{
	for (size_t i = 0; i < r->group_count; i++)
		if (bench_key_equal(&r->groups[i].key, key))
			return &r->groups[i];
	if (r->group_count == r->group_cap) {
		size_t cap = r->group_cap ? 2 * r->group_cap : 4;
		struct bench_group *groups = realloc(r->groups, cap * sizeof *groups);
		if (!groups)
			return NULL;
		r->groups = groups;
		r->group_cap = cap;
	}
	r->groups[r->group_count] = (struct bench_group){ .key = *key };
	return &r->groups[r->group_count++];
}

/* Adds a checked samples line to its group. Returns 0 or -ENOMEM. */
static int records_add(struct bench_records *r, const struct samples_line *s)
{
	uint64_t kept[BENCH_LINE_VALUES_MAX];
	size_t count = 0;
	struct bench_key key = s->key;
	if (r->insn_is_cyc && key.unit == BENCH_UNIT_INSN)
		key.unit = BENCH_UNIT_CYC;
	for (size_t i = 0; i < s->count; i++)
		if (!s->flagged[i])
			kept[count++] = s->values[i];
	return bench_records_add(r, &key, kept, count, s->count - count);
}

/* Adds count values and flagged flagged samples to key's group: the
 * harness's own figures of the boot (the cost model's). Returns 0 or -ENOMEM. */
int bench_records_add(struct bench_records *r, const struct bench_key *key,
		      const uint64_t *values, size_t count, size_t flagged)
{
	struct bench_group *g = records_group(r, key);
	if (!g)
		return -ENOMEM;
	if (g->count + count > g->cap) {
		size_t cap = 2 * (g->count + count);
		uint64_t *grown = realloc(g->values, cap * sizeof *grown);
		if (!grown)
			return -ENOMEM;
		g->values = grown;
		g->cap = cap;
	}
	memcpy(g->values + g->count, values, count * sizeof *values);
	g->count += count;
	g->flagged += flagged;
	return 0;
}

/* Splits line (a copy, changed in place) at blanks; returns the word count,
 * at most RECORD_WORDS_MAX. */
static size_t record_split(char *line, char **words)
{
	size_t count = 0;
	char *save = NULL;
	for (char *w = strtok_r(line, RECORD_BLANKS, &save); w && count < RECORD_WORDS_MAX;
	     w = strtok_r(NULL, RECORD_BLANKS, &save))
		words[count++] = w;
	return count;
}

/* Handles one serial-console line of the boot. Returns what it was; for
 * BENCH_LINE_MALFORMED, why holds the reason. */
enum bench_line_kind bench_records_feed(struct bench_records *r, const char *line, char *why,
					size_t why_bytes)
{
	char copy[PROC_LINE_MAX_BYTES], *words[RECORD_WORDS_MAX];
	snprintf(copy, sizeof copy, "%s", line);
	size_t count = record_split(copy, words);
	bool inside = r->begun && !r->ended;
	bool marker = count == 2 && strcmp(words[0], "BENCH") == 0;
	if (count == 0 || strcmp(words[0], "BENCH") != 0)
		return BENCH_LINE_LOG;
	if (marker && strcmp(words[1], "begin") == 0 && !r->begun) {
		r->begun = true;
		return BENCH_LINE_BEGIN;
	}
	if (!inside)
		return BENCH_LINE_LOG;
	if (marker && strcmp(words[1], "end") == 0) {
		r->ended = true;
		return BENCH_LINE_END;
	}
	struct samples_line s;
	const char *bad = count < 2 || strcmp(words[1], "samples") != 0 ? "unknown record"
		: samples_line_parse(words + 2, count - 2, r->benchmark, &s);
	if (bad) {
		snprintf(why, why_bytes, "%s", bad);
		return BENCH_LINE_MALFORMED;
	}
	return records_add(r, &s) == 0 ? BENCH_LINE_SAMPLES : BENCH_LINE_NO_MEMORY;
}

/* Frees every group; r is empty afterwards (its benchmark is kept). */
void bench_records_free(struct bench_records *r)
{
	for (size_t i = 0; i < r->group_count; i++)
		free(r->groups[i].values);
	free(r->groups);
	*r = (struct bench_records){ .benchmark = r->benchmark, .insn_is_cyc = r->insn_is_cyc };
}

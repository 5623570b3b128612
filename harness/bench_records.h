/* bench_records.h: the benchmark record lines a guest prints on the serial
 * console, and the samples one boot collects from them:
 *   BENCH begin
 *   BENCH samples <benchmark> <parameter> <unit> <v> !<v> ...
 *   BENCH end
 * Only lines between the markers count. <parameter> is a decimal number or
 * "-", <unit> one of insn, cyc-model, cyc, ns, msg, bytes, pmc0..pmc7, and each of the 1 to 64
 * values an unsigned 64-bit decimal; a '!' prefix flags a sample disturbed
 * by an interrupt or an idle period: it is counted, never used. Lines for
 * the same (benchmark, parameter, unit) add up. The unit cyc-model is the
 * harness's own (its cost model's figures of the boot, bench_records_add):
 * a guest record in it is malformed. */
#ifndef MACHLAB_BENCH_RECORDS_H
#define MACHLAB_BENCH_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench_list.h"

#define BENCH_LINE_VALUES_MAX 64 /* samples on one line */

/* msg: messages the kernel counted to and from pagers for one operation. */
/* pmc0..pmc7: what performance counter i counted in a sample (a KVM boot with
 * --pmu: the event is the i-th one named, see the run's log). */
enum bench_unit { BENCH_UNIT_INSN, BENCH_UNIT_CYC_MODEL, BENCH_UNIT_CYC, BENCH_UNIT_NS,
		  BENCH_UNIT_MSG, BENCH_UNIT_BYTES, BENCH_UNIT_PMC0, BENCH_UNIT_PMC1,
		  BENCH_UNIT_PMC2, BENCH_UNIT_PMC3, BENCH_UNIT_PMC4, BENCH_UNIT_PMC5,
		  BENCH_UNIT_PMC6, BENCH_UNIT_PMC7 };

/* What one group of samples measured. */
struct bench_key {
	char benchmark[BENCH_NAME_MAX_BYTES];
	bool has_parameter; /* false for "-" */
	uint64_t parameter;
	enum bench_unit unit;
};

struct bench_group {
	struct bench_key key;
	uint64_t *values; /* the unflagged samples, in arrival order */
	size_t count, cap;
	size_t flagged; /* flagged samples seen (their values are dropped) */
};

/* The records of one boot. */
struct bench_records {
	const char *benchmark; /* the one this boot runs: samples for others are refused */
	bool insn_is_cyc;      /* a KVM boot: the guest's counter reads the TSC, so the
				  figures it prints as insn are kept as cyc */
	bool begun, ended;     /* BENCH begin / BENCH end seen */
	struct bench_group *groups;
	size_t group_count, group_cap;
};

enum bench_line_kind {
	BENCH_LINE_LOG,       /* not a record (or outside the markers): log only */
	BENCH_LINE_BEGIN,
	BENCH_LINE_END,
	BENCH_LINE_SAMPLES,   /* samples recorded */
	BENCH_LINE_MALFORMED, /* a bad record between the markers: ignored, why says why */
	BENCH_LINE_NO_MEMORY,
};

const char *bench_unit_name(enum bench_unit unit);
bool bench_key_equal(const struct bench_key *a, const struct bench_key *b);
enum bench_line_kind bench_records_feed(struct bench_records *r, const char *line, char *why,
					size_t why_bytes);
int bench_records_add(struct bench_records *r, const struct bench_key *key,
		      const uint64_t *values, size_t count, size_t flagged);
void bench_records_free(struct bench_records *r);

#endif

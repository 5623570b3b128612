/* profile.h: what the profiling plugin (harness/plugin/profile_plugin.c)
 * wrote for one boot, the guest's sample records of the same boot, and the
 * check that ties them: measurement i of the guest (its i-th insn record,
 * in order) is the plugin's group i, sample for sample, the same samples
 * are flagged, and every unflagged sample's plugin count minus the group's
 * empty-operation count equals the figure the guest printed (a flagged
 * one's need not: its interrupt may fall between a counter read and its
 * marker, where the guest counts it and the plugin does not). */
#ifndef MACHLAB_PROFILE_H
#define MACHLAB_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bench_list.h"

#define PROFILE_PARAM_MAX_BYTES 24

/* Instructions one code address executed in one sample, in one address
 * space: 1 is the one the sample started in, 2... the others in order of
 * first appearance, 0 one in which no user code ran (see the plugin). */
struct profile_addr {
	uint64_t addr, count;
	unsigned space;
	uint64_t cycles;      /* modelled (the plugin's cost model on), else 0 */
};

/* One sample as the plugin saw it. */
struct profile_sample {
	uint64_t total;       /* instructions between the two counter reads */
	uint64_t cycles;      /* modelled cycles (has_cycles: the cost model was on) */
	bool has_cycles;
	bool discarded;       /* the guest flagged it */
	struct profile_addr *addrs;
	size_t addr_count, addr_cap;
};

/* One measurement as the plugin saw it. */
struct profile_group {
	uint64_t calibration; /* the least count of the empty operation */
	uint64_t calibration_cycles; /* its least modelled cycles (cost model on) */
	struct profile_sample *samples;
	size_t count, cap;
};

struct profile_data {
	struct profile_group *groups;
	size_t count, cap;
};

/* One sample as the guest printed it. */
struct profile_value {
	uint64_t value;
	bool flagged; /* "!": an interrupt fell in it */
};

/* One measurement as the guest printed it (unit insn). */
struct profile_measure {
	char benchmark[BENCH_NAME_MAX_BYTES];
	char parameter[PROFILE_PARAM_MAX_BYTES]; /* "-" or a number */
	struct profile_value *values;
	size_t count, cap;
};

struct profile_measures {
	struct profile_measure *items;
	size_t count, cap;
};

/* One function's share of a sample: its instructions in it. */
struct profile_row {
	const char *function; /* NULL: no symbol holds the address ("unknown") */
	const char *source;   /* NULL when unknown */
	const char *component;
	bool kernel;          /* a kernel address (upper half) */
	unsigned space;       /* the address space (struct profile_addr) */
	uint64_t count;
	uint64_t cycles;      /* modelled, when the sample has them */
};

#define PROFILE_KERNEL_BASE 0xffff800000000000ull /* addresses from here up are the kernel's */
#define PROFILE_CSV_HEADER \
	"target,benchmark,parameter,address_space,privilege,component,function,source,insn_per_sample"

#define PROFILE_FUNCTION_MAX_BYTES 64 /* a space's top user function, cut to this */
/* One address space's share of a sample (profile_spaces_sum). */
struct profile_space_sum {
	unsigned space;
	uint64_t kernel, user;
	char top_user[PROFILE_FUNCTION_MAX_BYTES]; /* its user function with most
						      instructions ("": none) */
};

#define PROFILE_SPACES_MAX 8
#define PROFILE_SPACE_NUMBER_MAX 32 /* the plugin numbers at most this many (SPACES_MAX) */ /* spaces summed per sample; the rest go with the last */

struct elf_symtab;

int profile_read(const char *path, struct profile_data *d, char *err, size_t err_bytes);
void profile_free(struct profile_data *d);
int profile_measures_feed(struct profile_measures *m, const char *line);
bool profile_name_matches(const char *name, const char *benchmark, const char *parameter);
int profile_names_split(char *text, char **names, int max);
void profile_measures_free(struct profile_measures *m);
int profile_check(const struct profile_data *d, const struct profile_measures *m,
		  uint64_t slack_ppm, uint64_t *off_max, char *err, size_t err_bytes);
const struct profile_sample *profile_median_sample(const struct profile_group *g, size_t *kept);
size_t profile_spaces_sum(const struct profile_row *rows, size_t count,
			  struct profile_space_sum sums[PROFILE_SPACES_MAX]);
int profile_spaces_format(const struct profile_space_sum *sums, size_t count, char *buf,
			  size_t buf_bytes);
void profile_row_csv(FILE *f, const char *target, const struct profile_measure *x,
		     const struct profile_row *r);
size_t profile_user_spaces(const struct profile_sample *s);
int profile_rows_build(const struct elf_symtab *syms, const struct profile_sample *sample,
		       struct profile_row **rows, size_t *count);

#endif

/* bench_model.c: the cost model's figures of machlab bench's boots
 * (bench_model.h). */
#include "bench_model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_profile.h"
#include "elf_syms.h"
#include "errmsg.h"
#include "linux_boot.h"

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
 * measures m and adds each measure's cyc-model group to r. Returns 0, or
 * -1 with err set (nothing added then, unless memory ran out). */
int bench_model_records(const char *path, const struct profile_measures *m,
			struct bench_records *r, char *err, size_t err_bytes)
{
	struct profile_data d = { 0 };
	int rc = profile_read(path, &d, err, err_bytes);
	if (rc == 0)
		rc = profile_check(&d, m, err, err_bytes);
	if (rc == 0)
		rc = model_cycles_check(&d, m, err, err_bytes);
	for (size_t i = 0; rc == 0 && i < m->count; i++)
		rc = model_group_add(&d.groups[i], &m->items[i], r, err, err_bytes);
	profile_free(&d);
	return rc;
}

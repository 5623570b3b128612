/* bench_model.h: the cost model in machlab bench's boots. With --model every
 * benchmark boot runs the profiling plugin (harness/plugin/profile_plugin.c)
 * with its cost model on and nothing counted per address (addrs=off); after
 * the boot its file is checked against the guest's records, sample for
 * sample (profile_check: the plugin's instruction count of every sample
 * equals the figure the guest printed), and each insn measurement gains a
 * cyc-model one of the same samples: a sample's modelled cycles less the
 * least modelled cycles of the group's empty operation (as the guest
 * subtracts the empty operation's instructions; a sample below it counts
 * 0), flagged samples counted and dropped as in insn. */
#ifndef MACHLAB_BENCH_MODEL_H
#define MACHLAB_BENCH_MODEL_H

#include <stddef.h>

#include "bench_records.h"
#include "profile.h"

int bench_model_plugin_arg(const char *plugin, const char *target_dir,
			   const char *const *params, size_t param_count, char **arg, char *err,
			   size_t err_bytes);
int bench_model_records(const char *path, const struct profile_measures *m,
			struct bench_records *r, char *err, size_t err_bytes);

#endif

/* bench_model.h: the cost model in machlab bench's boots. With --model every
 * benchmark boot runs the profiling plugin (harness/plugin/profile_plugin.c)
 * with its cost model on and nothing counted per address (addrs=off); after
 * the boot its file is checked against the guest's records, sample for
 * sample (profile_check: the plugin's instruction count of every sample
 * equals the figure the guest printed, exactly below a million
 * instructions and within BENCH_MODEL_SLACK_PPM above: on whole workloads
 * of many processes running the same code, such as macro_shell, the
 * plugin's take-back of faulting instructions, which matches them by
 * address, misses or takes back one now and then: a few instructions in
 * 10^8), and each insn measurement gains a
 * cyc-model one of the same samples: a sample's modelled cycles less the
 * least modelled cycles of the group's empty operation (as the guest
 * subtracts the empty operation's instructions; a sample below it counts
 * 0), flagged samples counted and dropped as in insn.
 *
 * Validation (make test, and REPORT.md's model-validation region): for
 * the micro-programs whose behaviour is known, bench_model_predict gives
 * the cycles the model's table predicts from their instruction count, and
 * bench_model_validate boots them and compares. */
#ifndef MACHLAB_BENCH_MODEL_H
#define MACHLAB_BENCH_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench_records.h"
#include "profile.h"
#include "plugin/cost_model.h"

struct bench_setup;

/* The validation micro-programs (bench/mk/chase.c, the null trap, the
 * short RPC between two tasks) and what the table predicts of them. */
#define BENCH_MODEL_CHASE "mem_chase"
#define BENCH_MODEL_CHASE_STEPS 64   /* loads per operation (bench/mk/chase.c) */
#define BENCH_MODEL_TRAP "null_trap"
#define BENCH_MODEL_SWITCH "null_rpc_short"
#define BENCH_MODEL_SWITCH_CR3_WRITES 2 /* a round trip between two tasks switches twice */
#define BENCH_MODEL_TOLERANCE_PERMILLE 10 /* a mem_chase figure within 1% of its prediction */
#define BENCH_MODEL_SLACK_PPM 1  /* the plugin's count of a sample within 1 ppm of the guest's */

int bench_model_plugin_arg(const char *plugin, const char *target_dir,
			   const char *const *params, size_t param_count, char **arg, char *err,
			   size_t err_bytes);
bool bench_model_predict(const char *benchmark, bool has_parameter, uint64_t parameter,
			 uint64_t insn, const struct cm_params *p, uint64_t *cycles, char *what,
			 size_t what_bytes);
int bench_model_validate(const struct bench_setup *setup, const char *target_dir,
			 const char *kernel_path, const char *plugin, char *err, size_t err_bytes);
int bench_model_records(const char *path, const struct profile_measures *m,
			struct bench_records *r, uint64_t *off_max, char *err, size_t err_bytes);

#endif

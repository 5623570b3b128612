/* report_model.h: the text of REPORT.md's regions about the cost model,
 * made from one run's result table. "units": each target's median over
 * Linux's for every measure Linux has in both units, insn → cyc-model side
 * by side. "model-validation": the validation micro-programs' cyc-model
 * figures next to what the cost model's table predicts of them
 * (bench_model_predict), and pairs of this run's benchmarks next to the
 * published real-hardware ratios of the same pairs. Each returns malloc'd
 * text, or NULL when out of memory. */
#ifndef MACHLAB_REPORT_MODEL_H
#define MACHLAB_REPORT_MODEL_H

#include "csv.h"

char *report_model_units(const struct bench_table *t);
char *report_model_validation(const struct bench_table *t);

#endif

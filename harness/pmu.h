/* pmu.h: hardware event names to the raw encodings a performance counter
 * takes (IA32_PERFEVTSELx on x86), through libpfm4, for the KVM path of
 * the cost-model issue: the names given to the harness (e.g.
 * INST_RETIRED:ANY_P, DTLB_LOAD_MISSES:MISS_CAUSES_A_WALK) become the
 * numbers a guest kernel would write to its counters' select registers,
 * counting in user and kernel mode. libpfm4 encodes for the host's PMU; with
 * LIBPFM_FORCE_PMU set (e.g. "skl") it encodes for that model, which is how
 * the tests cover it on a host without a PMU. "machlab pmu-encode EVENT..."
 * prints them. */
#ifndef MACHLAB_PMU_H
#define MACHLAB_PMU_H

#include <stddef.h>
#include <stdint.h>

#define PMU_SELECT_INT (1ULL << 20) /* interrupt on overflow: libpfm4 sets it, a guest clears it */

int pmu_encode(const char *event, uint64_t *raw, char *err, size_t err_bytes);
int cmd_pmu_encode_main(int argc, char **argv);

#endif

/* refs.c: the reference table behind REPORT.md's headline figures (see
 * refs.h). Figures are strings, written as DESIGN.md section 6 gives them. */
#include "refs.h"

const struct bench_ref bench_refs[] = {
	{ .benchmark = "null_rpc_tasks", .parameter = "-", .unit = BENCH_UNIT_INSN,
	  .label = "null RPC round trip, two tasks", .sel4 = "475", .gnu_mach = "1,946",
	  .linux_figure = "", .goal = "≤ 475" },
	{ .benchmark = "null_rpc_threads", .parameter = "-", .unit = BENCH_UNIT_INSN,
	  .label = "null RPC round trip, threads in one task", .sel4 = "", .gnu_mach = "",
	  .linux_figure = "", .goal = "≤ 475" },
};

const size_t bench_ref_count = sizeof bench_refs / sizeof bench_refs[0];

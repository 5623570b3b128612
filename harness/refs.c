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
	{ .benchmark = "zero_fill_fault", .parameter = "-", .unit = BENCH_UNIT_INSN,
	  .label = "zero-fill page fault", .sel4 = "", .gnu_mach = "~6,470",
	  .linux_figure = "~2,750", .goal = "≤ 2,750" },
	{ .benchmark = "default_pager_fault", .parameter = "-", .unit = BENCH_UNIT_INSN,
	  .label = "miss served by the default pager (paged out, read back)",
	  .sel4 = "", .gnu_mach = "", .linux_figure = "", .goal = "" },
	{ .benchmark = "pager_fault", .parameter = "-", .unit = BENCH_UNIT_INSN,
	  .label = "fault served by a user-level pager (page ready)", .sel4 = "2,095",
	  .gnu_mach = "", .linux_figure = "", .goal = "≤ 2,100" },
	{ .benchmark = "ool_transfer", .parameter = "1048576", .unit = BENCH_UNIT_INSN,
	  .label = "out-of-line 1 MiB round trip (MSG=cow: copy-on-write; MSG=copy: copied)", .sel4 = "",
	  .gnu_mach = "6,040", .linux_figure = "", .goal = "≥ 200× cheaper than in-line" },
	{ .benchmark = "rpc_inline", .parameter = "1048576", .unit = BENCH_UNIT_INSN,
	  .label = "in-line 1 MiB round trip", .sel4 = "", .gnu_mach = "986,780",
	  .linux_figure = "", .goal = "" },
	{ .benchmark = "pt_footprint", .parameter = "512", .unit = BENCH_UNIT_BYTES,
	  .label = "page-table footprint, 256 pages touched one per 2 MiB", .sel4 = "",
	  .gnu_mach = "", .linux_figure = "", .goal = "hashed ≤ 1/8 of radix" },
	{ .benchmark = "task_spawn_wait", .parameter = "-", .unit = BENCH_UNIT_INSN,
	  .label = "task spawn + exit + wait (Linux: fork + exit + wait)", .sel4 = "",
	  .gnu_mach = "", .linux_figure = "~152,000", .goal = "≤ 2× Linux" },
};

const size_t bench_ref_count = sizeof bench_refs / sizeof bench_refs[0];

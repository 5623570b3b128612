/*
 * main.c — fuzz.elf, the bootstrap task of `make fuzz`: runs a campaign
 * (fuzz.h) and prints one summary line; its children are this same image
 * ("--fuzz-child", "--fuzz-idle").
 *
 *   fuzz.elf [--seed S] [--ops N] [--ops-per-batch K] [--batch B]
 *            [--skip-known-bugs] [--skip-bug a|b|c] [--trace] [--quiet]
 *
 * --batch B re-runs exactly batch B of seed S (with the same --ops-per-batch);
 * --skip-bug leaves out one of the kernel bugs known on the fuzzer's branch,
 * --skip-known-bugs all of them (see fuzz.h); the exit code is 0
 * when the kernel survived every batch with nothing leaked or inconsistent.
 */
#include "fuzz.h"

#define FUZZ_DEFAULT_SEED 1
#define FUZZ_DEFAULT_OPS  1000000

int main(int argc, char **argv)
{
	struct fuzz_config cfg = { .seed = FUZZ_DEFAULT_SEED, .ops = FUZZ_DEFAULT_OPS,
				   .only_batch = -1, .argv0 = "fuzz.elf" };
	struct fuzz_result res;
	uint64_t t0 = mk_kernel_stat(KSTAT_TICKS);
	int rc;

	if (fuzz_main_dispatch(argc, argv, &rc))
		return rc;
	if (fuzz_parse_args(argc, argv, &cfg)) {
		mk_printf("usage: fuzz.elf [--seed S] [--ops N] [--ops-per-batch K] [--batch B] "
			  "[--skip-known-bugs] [--skip-bug a|b|c] [--trace] [--quiet]\n");
		return 64;
	}
	mk_printf("FUZZ start seed=%lu ops=%lu ops-per-batch=%lu%s%s\n", (unsigned long)cfg.seed,
		  (unsigned long)cfg.ops, (unsigned long)cfg.ops_per_batch,
		  cfg.only_batch >= 0 ? " (one batch)" : "",
		  (cfg.flags & FUZZ_SKIP_KNOWN_BUGS) ? " (some known bugs skipped)" : "");
	rc = fuzz_campaign(&cfg, &res);
	mk_printf("FUZZ %s ops=%lu batches=%lu combos=%lu pairs=%lu traps=%lu checks=%lu panics=0 "
		  "leaks=%lu inconsistent=%lu hangs=%lu violations=%lu skipped=%lu children_ended=%lu "
		  "seed=%lu virtual_ms=%lu\n", rc ? "FAILED" : "done",
		  (unsigned long)res.ops, (unsigned long)res.batches, (unsigned long)res.combos,
		  (unsigned long)res.pairs, (unsigned long)res.traps, (unsigned long)res.checks,
		  (unsigned long)res.leaks, (unsigned long)res.inconsistent, (unsigned long)res.hangs,
		  (unsigned long)res.violations, (unsigned long)res.skipped,
		  (unsigned long)res.children_ended, (unsigned long)cfg.seed,
		  (unsigned long)(mk_kernel_stat(KSTAT_TICKS) - t0));
	return rc ? 1 : 0;
}

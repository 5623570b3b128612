/*
 * test_fuzz.c — the short form of `make fuzz` in the guest suite: a campaign
 * of FUZZ_SHORT_OPS operations with a fixed seed (tests/fuzz/) in children
 * without the host right; after each batch every count must be back and
 * mk_kernel_check must pass. A failure names the seed and batch, which
 * `fuzz.elf --seed S --batch B --ops-per-batch K` re-runs alone.
 */
#include "guest.h"
#include "fuzz.h"

#define FUZZ_SHORT_SEED      3      /* (the campaign's length varies with the seed and with the
				     * trap count: seed 7 took 6.2 virtual s once there were 50) */
#define FUZZ_SHORT_OPS       1000
#define FUZZ_SHORT_PER_BATCH 1000   /* one batch: 2.3 virtual s of the runner's 5 (two take 7) */
#define FUZZ_SHORT_FLAGS     0      /* every class, the once-known bugs (fuzz.h) included */

void test_fuzz_short_campaign_leaves_kernel_consistent(void)
{
	struct fuzz_config cfg = { .seed = FUZZ_SHORT_SEED, .ops = FUZZ_SHORT_OPS,
				   .ops_per_batch = FUZZ_SHORT_PER_BATCH, .only_batch = -1,
				   .flags = FUZZ_SHORT_FLAGS, .argv0 = "guest-tests", .quiet = true };
	struct fuzz_result res;

	if (fuzz_campaign(&cfg, &res))
		guest_fail(__FILE__, __LINE__, "fuzz seed %d: expected a clean campaign got leaks %lu, "
			   "inconsistent %lu, hangs %lu, violations %lu (FUZZ FAIL line above)",
			   FUZZ_SHORT_SEED, (unsigned long)res.leaks, (unsigned long)res.inconsistent,
			   (unsigned long)res.hangs, (unsigned long)res.violations);
	EXPECT(res.ops >= FUZZ_SHORT_OPS);
	EXPECT_EQ(FUZZ_SHORT_OPS / FUZZ_SHORT_PER_BATCH, res.batches);
	EXPECT_EQ(0, res.children_ended);
	mk_printf("fuzz short campaign: ops=%lu combos=%lu traps=%lu checks=%lu\n",
		  (unsigned long)res.ops, (unsigned long)res.combos, (unsigned long)res.traps,
		  (unsigned long)res.checks);
}

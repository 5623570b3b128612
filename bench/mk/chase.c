/*
 * chase.c — mem_chase, the cost model's validation micro-program (issue
 * "beyond instruction counts"): a pointer chase over N KiB whose cache and
 * TLB behaviour is known in advance, so that the cyc-model figure can be
 * checked against what the model's table predicts (harness/bench_model.c).
 *
 * The region holds one pointer per 64-byte line, linked into one cycle
 * through every line, in this order: for r = 0..63, for page p = 0..P-1,
 * line (r + p) mod 64 of page p. Consecutive loads go to consecutive pages,
 * so each page, and each line, comes back once per round, always in the
 * same order: with LRU, a set (of a cache or a TLB) that holds more lines
 * or pages of the cycle than it has ways misses on every load, and one
 * that holds no more hits on every load. The sizes are chosen for the
 * model's default geometry (cost_model.c: 32 KiB L1d, 256 KiB L2, 8 MiB
 * LLC, 64-entry dTLB, 1,536-entry STLB): 16 KiB stays in L1d; 64 KiB misses
 * L1d and hits L2; 2 MiB misses L2 and the dTLB and hits the LLC and the
 * STLB; 16 MiB misses everything and walks the page tables. (The L2 and LLC
 * are indexed by physical address: a set holds the lines of the pages whose
 * frames share its colour, so the split relies on the frames being spread;
 * the check allows for a few.)
 *
 * One operation is CHASE_STEPS dependent loads; the region is walked once
 * whole before the samples, so the caches and TLBs hold what they hold in
 * the steady state.
 */
#include "bench_mk.h"

#define CHASE_LINE_BYTES 64UL
#define CHASE_PAGE_BYTES 4096UL
#define CHASE_LINES_PER_PAGE (CHASE_PAGE_BYTES / CHASE_LINE_BYTES)
#define CHASE_STEPS 64      /* loads per operation (the unrolled body below) */

static const long chase_kib[] = { 16, 64, 2048, 16384 };

struct chase_ctx {
	void **at;
};

#define CHASE_4(p) p = (void **)*p; p = (void **)*p; p = (void **)*p; p = (void **)*p;
#define CHASE_16(p) CHASE_4(p) CHASE_4(p) CHASE_4(p) CHASE_4(p)

static void chase_once(void *ctx)
{
	struct chase_ctx *c = ctx;
	void **p = c->at;

	CHASE_16(p) CHASE_16(p) CHASE_16(p) CHASE_16(p)
	c->at = p;
}

/* The address of the k-th line of the cycle over pages pages at base. */
static void **chase_line(vm_address_t base, size_t pages, size_t k)
{
	size_t r = k / pages, p = k % pages;

	return (void **)(base + p * CHASE_PAGE_BYTES +
			 ((r + p) % CHASE_LINES_PER_PAGE) * CHASE_LINE_BYTES);
}

void bench_mem_chase(void)
{
	for (size_t i = 0; i < sizeof(chase_kib) / sizeof(chase_kib[0]); i++) {
		vm_size_t bytes = (vm_size_t)chase_kib[i] << 10;
		size_t pages = bytes / CHASE_PAGE_BYTES, lines = bytes / CHASE_LINE_BYTES;
		vm_address_t base = 0;
		struct chase_ctx c;
		kern_return_t kr = mk_vm_allocate(MACH_PORT_TASK_SELF, &base, bytes,
						  VM_ALLOC_ANYWHERE);

		if (kr != KERN_SUCCESS)
			bench_fail("mem_chase", "vm_allocate", kr);
		for (size_t k = 0; k < lines; k++)
			*chase_line(base, pages, k) = chase_line(base, pages, (k + 1) % lines);
		c.at = chase_line(base, pages, 0);
		for (size_t k = 0; k < lines / CHASE_STEPS; k++)
			chase_once(&c);
		bench_measure("mem_chase", chase_kib[i], bench_plan_for(CHASE_STEPS * 4), chase_once,
			      &c);
		kr = mk_vm_deallocate(MACH_PORT_TASK_SELF, base, bytes);
		if (kr != KERN_SUCCESS)
			bench_fail("mem_chase", "vm_deallocate", kr);
	}
}

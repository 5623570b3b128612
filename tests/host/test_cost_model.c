/*
 * test_cost_model.c — the `cyc-model` cost model (harness/plugin/cost_model.c)
 * on event streams whose modelled cost the parameter table predicts exactly:
 * instructions alone, a pointer chase sized for each cache level, CR3 writes
 * between touches of a few pages, a system-call loop, a rep string store,
 * and the parameter checks. Expected figures are written from the table's
 * values, so a change of a default changes what they expect, not whether
 * they hold.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness_check.h"
#include "../../harness/plugin/cost_model.h"

#define USER_BASE   0x10000000ULL         /* a user address (virtual = physical here) */
#define KERNEL_BASE 0xFFFFFFFF80000000ULL /* a kernel-half address */
#define PAGE        4096ULL

static struct cm_params params(void)
{
	struct cm_params p;

	cm_params_default(&p);
	return p;
}

static void model(struct cost_model *m, const struct cm_params *p)
{
	if (!cm_init(m, p))
		expect_fail(__LINE__, "cm_init", "refused its parameters or ran out of memory");
}

/* 1,000 instructions looping in one line: their count, plus one cold fetch
 * (first-level and second-level TLB misses and a walk; a miss at every cache
 * level, served by memory). */
static void instructions_alone_cost_their_count(void)
{
	struct cm_params p = params();
	struct cost_model m;

	model(&m, &p);
	for (int i = 0; i < 1000; i++)
		cm_insn(&m, USER_BASE + (uint64_t)(i % 10) * 4, USER_BASE + (uint64_t)(i % 10) * 4);
	EXPECT_INT(1000 * p.insn_cycles + p.stlb_cycles + p.walk_cycles + p.mem_cycles,
		   cm_cycles(&m));
	EXPECT_INT(1000, m.stats.insns);
	EXPECT_INT(1, m.stats.l1i_misses);
	EXPECT_INT(1, m.stats.itlb_misses);
	cm_free(&m);
}

/* One pass of loads, one per line, over bytes of memory; the cycles it added. */
static uint64_t chase_pass(struct cost_model *m, uint64_t bytes)
{
	uint64_t before = cm_cycles(m);

	for (uint64_t a = 0; a < bytes; a += m->p.line_bytes)
		cm_access(m, USER_BASE + a, USER_BASE + a, 8);
	return cm_cycles(m) - before;
}

/*
 * A second pass over a working set that fits L1 costs nothing more; one
 * that fits L2 but not L1 an L2 hit a line (LRU on a cyclic sweep keeps
 * nothing of a larger set); one that fits the LLC an LLC hit a line and an
 * STLB hit a page (more pages than the dTLB holds, fewer than the STLB);
 * one larger than the LLC a memory access a line and a walk a page.
 */
static void pointer_chase_costs_what_its_level_says(void)
{
	struct cm_params p = params();
	const uint64_t sizes[] = { 16 << 10, 128 << 10, 4 << 20, 64 << 20 };
	uint64_t want[4];

	want[0] = 0;
	want[1] = (128 << 10) / p.line_bytes * p.l2_cycles;
	want[2] = (4 << 20) / p.line_bytes * p.llc_cycles + (4 << 20) / PAGE * p.stlb_cycles;
	want[3] = (64 << 20) / p.line_bytes * p.mem_cycles +
		  (64 << 20) / PAGE * (p.stlb_cycles + p.walk_cycles);
	for (int i = 0; i < 4; i++) {
		struct cost_model m;
		uint64_t got;

		model(&m, &p);
		chase_pass(&m, sizes[i]);                 /* warm-up */
		got = chase_pass(&m, sizes[i]);
		if (got != want[i])
			expect_fail(__LINE__, "chase_pass", "%llu KiB: expected %llu cycles got %llu",
				    (unsigned long long)(sizes[i] >> 10),
				    (unsigned long long)want[i], (unsigned long long)got);
		cm_free(&m);
	}
}

/* Loads from 8 user pages between CR3 writes: every write costs its penalty
 * and a TLB refill (STLB miss and walk) per page after it; with global
 * kernel pages, kernel-half entries survive and only the write is charged. */
static void cr3_write_flushes_the_tlbs(void)
{
	struct cm_params p = params();
	struct cost_model m;
	uint64_t before;

	for (int global = 0; global < 2; global++) {
		uint64_t base = global ? KERNEL_BASE : USER_BASE;

		p.kernel_tlb_global = (uint32_t)global;
		model(&m, &p);
		for (int k = 0; k < 8; k++)                   /* warm: pages and lines */
			cm_access(&m, base + (uint64_t)k * PAGE, USER_BASE + (uint64_t)k * PAGE, 8);
		before = cm_cycles(&m);
		for (int round = 0; round < 10; round++) {
			cm_event(&m, CM_CR3_WRITE);
			for (int k = 0; k < 8; k++)
				cm_access(&m, base + (uint64_t)k * PAGE,
					  USER_BASE + (uint64_t)k * PAGE, 8);
		}
		EXPECT_INT(10 * (p.cr3_cycles + (global ? 0 : 8 * (p.stlb_cycles + p.walk_cycles))),
			   cm_cycles(&m) - before);
		EXPECT_INT(10, m.stats.tlb_flushes);
		cm_free(&m);
	}
}

/* A warm loop of 20 instructions, a syscall and a sysret: 20 + both penalties a round. */
static void syscall_loop_costs_its_penalties(void)
{
	struct cm_params p = params();
	struct cost_model m;
	uint64_t before = 0;

	model(&m, &p);
	for (int round = 0; round < 101; round++) {
		if (round == 1)
			before = cm_cycles(&m);
		for (int i = 0; i < 20; i++)
			cm_insn(&m, USER_BASE + (uint64_t)i * 3, USER_BASE + (uint64_t)i * 3);
		cm_event(&m, CM_SYSCALL);
		cm_event(&m, CM_SYSRET);
	}
	EXPECT_INT(100 * (20 * p.insn_cycles + p.syscall_cycles + p.sysret_cycles),
		   cm_cycles(&m) - before);
	EXPECT_INT(101, m.stats.events[CM_SYSCALL]);
	cm_free(&m);
}

/* A 4 KiB rep stosb over warm lines: the start-up and 4,096 bytes at the
 * fast-string rate, one instruction, where icount counts 4,096; the next
 * rep instruction starts up again. */
static void rep_string_costs_start_up_and_throughput(void)
{
	struct cm_params p = params();
	struct cost_model m;
	uint64_t before;

	model(&m, &p);
	cm_insn(&m, USER_BASE, USER_BASE);                    /* the code's page and line */
	for (uint64_t a = 0; a < PAGE; a += p.line_bytes)     /* the destination, warm */
		cm_access(&m, USER_BASE + PAGE + a, USER_BASE + PAGE + a, 8);
	before = cm_cycles(&m);
	for (uint64_t b = 0; b < PAGE; b++) {
		cm_rep_element(&m, USER_BASE + 2, USER_BASE + 2, 1);
		cm_access(&m, USER_BASE + PAGE + b, USER_BASE + PAGE + b, 1);
	}
	EXPECT_INT(p.rep_startup_cycles + PAGE / p.rep_bytes_per_cycle, cm_cycles(&m) - before);
	EXPECT_INT(2, m.stats.insns);
	EXPECT_INT(PAGE, m.stats.rep_elements);
	before = cm_cycles(&m);
	cm_insn(&m, USER_BASE + 4, USER_BASE + 4);
	cm_rep_element(&m, USER_BASE + 2, USER_BASE + 2, 8);
	EXPECT_INT(p.insn_cycles + p.rep_startup_cycles, cm_cycles(&m) - before);
	cm_free(&m);
}

/* The same clear of a cold page (another page, never touched): each of its
 * 64 lines misses every level, and the misses stream rep_miss_overlap at a
 * time; its one dTLB and STLB miss walks; an ordinary load that misses
 * after it pays the whole latency. */
static void rep_string_misses_overlap(void)
{
	struct cm_params p = params();
	struct cost_model m;
	uint64_t before, misses, dest = USER_BASE + 8 * PAGE;

	model(&m, &p);
	cm_insn(&m, USER_BASE, USER_BASE);
	before = cm_cycles(&m);
	misses = m.stats.llc_misses;
	for (uint64_t b = 0; b < PAGE; b++) {
		cm_rep_element(&m, USER_BASE + 2, USER_BASE + 2, 1);
		cm_access(&m, dest + b, dest + b, 1);
	}
	EXPECT_INT(p.rep_startup_cycles + PAGE / p.rep_bytes_per_cycle +
		   p.stlb_cycles + p.walk_cycles +
		   PAGE / p.line_bytes * p.mem_cycles / p.rep_miss_overlap, cm_cycles(&m) - before);
	EXPECT_INT(PAGE / p.line_bytes, m.stats.llc_misses - misses);
	before = cm_cycles(&m);
	cm_insn(&m, USER_BASE + 4, USER_BASE + 4);
	cm_access(&m, dest + 2 * PAGE, dest + 2 * PAGE, 8);
	EXPECT_INT(p.insn_cycles + p.stlb_cycles + p.walk_cycles + p.mem_cycles,
		   cm_cycles(&m) - before);
	cm_free(&m);
}

static void parameters_are_checked_and_set_by_name(void)
{
	struct cm_params p = params();
	const char *why = NULL;

	EXPECT_TRUE(cm_params_check(&p, &why));
	EXPECT_TRUE(cm_params_set(&p, "l2_bytes", 512 << 10));
	EXPECT_INT(512 << 10, p.l2_bytes);
	EXPECT_TRUE(cm_params_set(&p, "cr3_cycles", 200));
	EXPECT_INT(200, p.cr3_cycles);
	EXPECT_TRUE(!cm_params_set(&p, "l1d_bytes", 48 << 10));     /* 96 sets */
	EXPECT_INT(32 << 10, p.l1d_bytes);                          /* unchanged */
	EXPECT_TRUE(!cm_params_set(&p, "line_bytes", 48));
	EXPECT_TRUE(!cm_params_set(&p, "rep_bytes_per_cycle", 0));
	EXPECT_TRUE(!cm_params_set(&p, "kernel_tlb_global", 2));
	EXPECT_TRUE(!cm_params_set(&p, "no_such_parameter", 1));
	EXPECT_TRUE(!cm_params_set(&p, "mem_cycles", 1ULL << 32));
	p.dtlb_ways = 0;
	EXPECT_TRUE(!cm_params_check(&p, &why));
	EXPECT_TRUE(why != NULL);
}

static const struct check_test tests[] = {
	TEST(instructions_alone_cost_their_count),
	TEST(pointer_chase_costs_what_its_level_says),
	TEST(cr3_write_flushes_the_tlbs),
	TEST(syscall_loop_costs_its_penalties),
	TEST(rep_string_costs_start_up_and_throughput),
	TEST(rep_string_misses_overlap),
	TEST(parameters_are_checked_and_set_by_name),
};

int main(void)
{
	return check_main(tests, sizeof tests / sizeof tests[0], "/tmp/machlab-cost-model-test-",
			  NULL, false);
}

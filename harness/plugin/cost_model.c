/* cost_model.c: the `cyc-model` cost model (see cost_model.h). */
#include "cost_model.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define CM_FRACTION_BITS 8              /* cycles are kept in 1/256ths */
#define CM_PAGE_SHIFT 12                /* 4 KiB pages */
#define CM_KERNEL_HALF 0xFFFF800000000000ULL

/*
 * The defaults: an Intel Skylake client core (Core i7-6700 class), the
 * machine the project's seL4, GNU Mach and Linux anchors are compared to
 * in spirit, not measured on. Sources:
 *  [IOM]  Intel 64 and IA-32 Architectures Optimization Reference Manual,
 *         Skylake client microarchitecture (cache and TLB parameters).
 *  [7CPU] 7-cpu.com's Skylake measurements (latencies in cycles).
 *  [AF]   Agner Fog, "The microarchitecture of Intel, AMD and VIA CPUs".
 *  [EST]  an estimate of this model's author from published orders of
 *         magnitude (Liedtke, SOSP'95: kernel entry and exit about 107
 *         cycles on a 486; Soares and Stumm, OSDI'10: a null system call's
 *         mode switches costing on the order of 100 cycles on Core i7),
 *         to be checked by the validation the cost-model issue asks for.
 */
static const struct cm_params cm_defaults = {
	.insn_cycles = 1,                 /* in-order, one per instruction [EST] */
	.line_bytes = 64,                 /* [IOM] */
	.l1i_bytes = 32 << 10, .l1i_ways = 8,     /* [IOM] */
	.l1d_bytes = 32 << 10, .l1d_ways = 8,     /* [IOM] */
	.l2_bytes = 256 << 10, .l2_ways = 4,      /* [IOM] */
	.llc_bytes = 8 << 20, .llc_ways = 16,     /* [IOM]: 2 MiB a core, four cores */
	.l2_cycles = 12,                  /* [7CPU] L2 latency */
	.llc_cycles = 42,                 /* [7CPU] L3 latency */
	.mem_cycles = 250,                /* [7CPU] 42 cycles + 51 ns at 4 GHz */
	.itlb_entries = 128, .itlb_ways = 8,      /* [IOM] 4 KiB pages */
	.dtlb_entries = 64, .dtlb_ways = 4,       /* [IOM] */
	.stlb_entries = 1536, .stlb_ways = 12,    /* [IOM] */
	.stlb_cycles = 9,                 /* [7CPU] an L1 TLB miss that hits the STLB */
	.walk_cycles = 30,                /* [EST] a walk whose entries hit the caches */
	.kernel_tlb_global = 0,           /* machlab maps its kernel without the G bit */
	.syscall_cycles = 50,             /* [EST] with sysret, the ~100 of a mode switch */
	.sysret_cycles = 50,              /* [EST] */
	.exception_cycles = 150,          /* [EST] exception or interrupt delivery */
	.iret_cycles = 60,                /* [AF] iretq is microcoded, tens of cycles */
	.cr3_cycles = 130,                /* [EST] mov to CR3 without PCID */
	.rep_startup_cycles = 35,         /* [IOM] fast-string start-up overhead */
	.rep_bytes_per_cycle = 32,        /* [IOM] fast strings, a 32-byte store a cycle */
	.rep_miss_overlap = 10,           /* [IOM] Skylake's 10 L1d fill buffers: a string
					     instruction's line misses stream, ten in flight */
};

void cm_params_default(struct cm_params *p)
{
	*p = cm_defaults;
}

/* The parameters by name, for cm_params_set. */
static const struct {
	const char *name;
	size_t offset;
} cm_names[] = {
#define CM_P(f) { #f, offsetof(struct cm_params, f) }
	CM_P(insn_cycles), CM_P(line_bytes), CM_P(l1i_bytes), CM_P(l1i_ways), CM_P(l1d_bytes),
	CM_P(l1d_ways), CM_P(l2_bytes), CM_P(l2_ways), CM_P(llc_bytes), CM_P(llc_ways),
	CM_P(l2_cycles), CM_P(llc_cycles), CM_P(mem_cycles), CM_P(itlb_entries), CM_P(itlb_ways),
	CM_P(dtlb_entries), CM_P(dtlb_ways), CM_P(stlb_entries), CM_P(stlb_ways),
	CM_P(stlb_cycles), CM_P(walk_cycles), CM_P(kernel_tlb_global), CM_P(syscall_cycles),
	CM_P(sysret_cycles), CM_P(exception_cycles), CM_P(iret_cycles), CM_P(cr3_cycles),
	CM_P(rep_startup_cycles), CM_P(rep_bytes_per_cycle), CM_P(rep_miss_overlap),
#undef CM_P
};

bool cm_params_set(struct cm_params *p, const char *name, uint64_t value)
{
	struct cm_params trial = *p;
	const char *why;

	if (value > UINT32_MAX)
		return false;
	for (size_t i = 0; i < sizeof cm_names / sizeof cm_names[0]; i++)
		if (strcmp(cm_names[i].name, name) == 0) {
			*(uint32_t *)((char *)&trial + cm_names[i].offset) = (uint32_t)value;
			if (!cm_params_check(&trial, &why))
				return false;
			*p = trial;
			return true;
		}
	return false;
}

static bool cm_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* entries of `unit` bytes each in ways: a whole power-of-two count of sets. */
static bool cm_geometry_ok(uint64_t bytes, uint64_t unit, uint64_t ways)
{
	return unit && ways && bytes % (unit * ways) == 0 && cm_pow2(bytes / (unit * ways));
}

bool cm_params_check(const struct cm_params *p, const char **why)
{
	*why = NULL;
	if (!cm_pow2(p->line_bytes) || p->line_bytes < 8 || p->line_bytes > 4096)
		*why = "line_bytes must be a power of two from 8 to 4096";
	else if (!cm_geometry_ok(p->l1i_bytes, p->line_bytes, p->l1i_ways) ||
		 !cm_geometry_ok(p->l1d_bytes, p->line_bytes, p->l1d_ways) ||
		 !cm_geometry_ok(p->l2_bytes, p->line_bytes, p->l2_ways) ||
		 !cm_geometry_ok(p->llc_bytes, p->line_bytes, p->llc_ways))
		*why = "each cache's bytes / (line_bytes * ways) must be a power of two";
	else if (!cm_geometry_ok(p->itlb_entries, 1, p->itlb_ways) ||
		 !cm_geometry_ok(p->dtlb_entries, 1, p->dtlb_ways) ||
		 !cm_geometry_ok(p->stlb_entries, 1, p->stlb_ways))
		*why = "each TLB's entries / ways must be a power of two";
	else if (!p->rep_bytes_per_cycle)
		*why = "rep_bytes_per_cycle must be at least 1";
	else if (!p->rep_miss_overlap)
		*why = "rep_miss_overlap must be at least 1";
	else if (p->kernel_tlb_global > 1)
		*why = "kernel_tlb_global is 0 or 1";
	return *why == NULL;
}

static bool cm_assoc_init(struct cm_assoc *a, uint64_t entries, uint32_t ways, uint32_t shift)
{
	*a = (struct cm_assoc){ .sets = (uint32_t)(entries / ways), .ways = ways, .shift = shift };
	a->tags = calloc(entries, sizeof *a->tags);
	a->ages = calloc(entries, sizeof *a->ages);
	return a->tags && a->ages;
}

static void cm_assoc_free(struct cm_assoc *a)
{
	free(a->tags);
	free(a->ages);
	a->tags = NULL;
	a->ages = NULL;
}

/* Look addr up, filling it on a miss (the least recently used way goes);
 * true on a hit. */
static bool cm_assoc_touch(struct cm_assoc *a, uint64_t addr)
{
	uint64_t tag = (addr >> a->shift) + 1;
	size_t base = (size_t)((tag - 1) & (a->sets - 1)) * a->ways;
	size_t victim = base;

	a->clock++;
	for (size_t w = base; w < base + a->ways; w++) {
		if (a->tags[w] == tag) {
			a->ages[w] = a->clock;
			return true;
		}
		if (a->ages[w] < a->ages[victim])   /* (empty ways have age 0: taken first) */
			victim = w;
	}
	a->tags[victim] = tag;
	a->ages[victim] = a->clock;
	return false;
}

/* Forget every entry, or only the user half's (keep_kernel). */
static void cm_assoc_flush(struct cm_assoc *a, bool keep_kernel)
{
	uint64_t kernel_tag = (CM_KERNEL_HALF >> a->shift) + 1;

	for (size_t w = 0; w < (size_t)a->sets * a->ways; w++)
		if (!keep_kernel || a->tags[w] < kernel_tag) {
			a->tags[w] = 0;
			a->ages[w] = 0;
		}
}

bool cm_init(struct cost_model *m, const struct cm_params *p)
{
	const char *why;
	uint32_t line_shift = 0;

	memset(m, 0, sizeof *m);
	if (!cm_params_check(p, &why))
		return false;
	m->p = *p;
	while ((1u << line_shift) < p->line_bytes)
		line_shift++;
	if (cm_assoc_init(&m->l1i, p->l1i_bytes / p->line_bytes, p->l1i_ways, line_shift) &&
	    cm_assoc_init(&m->l1d, p->l1d_bytes / p->line_bytes, p->l1d_ways, line_shift) &&
	    cm_assoc_init(&m->l2, p->l2_bytes / p->line_bytes, p->l2_ways, line_shift) &&
	    cm_assoc_init(&m->llc, p->llc_bytes / p->line_bytes, p->llc_ways, line_shift) &&
	    cm_assoc_init(&m->itlb, p->itlb_entries, p->itlb_ways, CM_PAGE_SHIFT) &&
	    cm_assoc_init(&m->dtlb, p->dtlb_entries, p->dtlb_ways, CM_PAGE_SHIFT) &&
	    cm_assoc_init(&m->stlb, p->stlb_entries, p->stlb_ways, CM_PAGE_SHIFT))
		return true;
	cm_free(m);
	return false;
}

void cm_free(struct cost_model *m)
{
	struct cm_assoc *all[] = { &m->l1i, &m->l1d, &m->l2, &m->llc, &m->itlb, &m->dtlb,
				   &m->stlb };

	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		cm_assoc_free(all[i]);
}

static void cm_charge(struct cost_model *m, uint64_t cycles)
{
	m->cycles256 += cycles << CM_FRACTION_BITS;
}

/* A cache miss's latency: in full, or, for a data access of a rep string
 * instruction under way, a rep_miss_overlap-th of it (misses stream). */
static void cm_charge_miss(struct cost_model *m, uint64_t cycles, bool data)
{
	if (data && m->rep_insn)
		m->cycles256 += (cycles << CM_FRACTION_BITS) / m->p.rep_miss_overlap;
	else
		cm_charge(m, cycles);
}

/* addr through a hierarchy of n levels (a first-level TLB and the STLB, or
 * an L1, L2 and the LLC), each filled on its miss: a hit at level k > 0
 * costs cost[k - 1], a miss everywhere cost[n - 1] (data_line: a data
 * line's misses, which overlap inside a rep string: cm_charge_miss);
 * missed[k] counts level k's misses. */
static void cm_hierarchy(struct cost_model *m, struct cm_assoc *const level[],
			 uint64_t *const missed[], const uint32_t cost[], size_t n, uint64_t addr,
			 bool data_line)
{
	for (size_t k = 0; k < n; k++) {
		if (cm_assoc_touch(level[k], addr)) {
			if (k)
				cm_charge_miss(m, cost[k - 1], data_line);
			return;
		}
		(*missed[k])++;
	}
	cm_charge_miss(m, cost[n - 1], data_line);
}

/* A translation through a first-level TLB, backed by the STLB and a walk. */
static void cm_translate(struct cost_model *m, struct cm_assoc *l1tlb, uint64_t *misses,
			 uint64_t va)
{
	struct cm_assoc *const level[] = { l1tlb, &m->stlb };
	uint64_t *const missed[] = { misses, &m->stats.stlb_misses };
	const uint32_t cost[] = { m->p.stlb_cycles, m->p.stlb_cycles + m->p.walk_cycles };

	cm_hierarchy(m, level, missed, cost, 2, va, false);
}

/* A line through an L1, then L2, the LLC and memory. */
static void cm_line(struct cost_model *m, struct cm_assoc *l1, uint64_t *misses, uint64_t addr)
{
	bool data = l1 == &m->l1d;
	struct cm_assoc *const level[] = { l1, &m->l2, &m->llc };
	uint64_t *const missed[] = { misses, &m->stats.l2_misses, &m->stats.llc_misses };
	const uint32_t cost[] = { m->p.l2_cycles, m->p.llc_cycles, m->p.mem_cycles };

	cm_hierarchy(m, level, missed, cost, 3, addr, data);
}

/* The fetch of an instruction: its page and line (its first byte's: an
 * instruction across two lines is charged for one). */
static void cm_fetch(struct cost_model *m, uint64_t va, uint64_t pa)
{
	cm_translate(m, &m->itlb, &m->stats.itlb_misses, va);
	cm_line(m, &m->l1i, &m->stats.l1i_misses, pa);
}

void cm_insn(struct cost_model *m, uint64_t va, uint64_t pa)
{
	m->rep_insn = 0;
	m->stats.insns++;
	cm_charge(m, m->p.insn_cycles);
	cm_fetch(m, va, pa);
}

void cm_rep_element(struct cost_model *m, uint64_t va, uint64_t pa, uint32_t elem_bytes)
{
	m->stats.rep_elements++;
	if (m->rep_insn != va + 1) {            /* the first element: fetch and start-up */
		m->rep_insn = va + 1;
		m->stats.insns++;
		cm_charge(m, m->p.rep_startup_cycles);
		cm_fetch(m, va, pa);
	}
	m->cycles256 += ((uint64_t)elem_bytes << CM_FRACTION_BITS) / m->p.rep_bytes_per_cycle;
}

void cm_access(struct cost_model *m, uint64_t va, uint64_t pa, uint32_t size)
{
	uint64_t line = m->p.line_bytes, last = pa + (size ? size - 1 : 0);

	cm_translate(m, &m->dtlb, &m->stats.dtlb_misses, va);
	if ((va >> CM_PAGE_SHIFT) != ((va + (size ? size - 1 : 0)) >> CM_PAGE_SHIFT))
		cm_translate(m, &m->dtlb, &m->stats.dtlb_misses, va + size - 1);
	for (uint64_t a = pa & ~(line - 1); a <= last; a += line)
		cm_line(m, &m->l1d, &m->stats.l1d_misses, a);
}

void cm_event(struct cost_model *m, enum cm_event e)
{
	static const size_t penalty[CM_EVENT_COUNT] = {
		[CM_SYSCALL] = offsetof(struct cm_params, syscall_cycles),
		[CM_SYSRET] = offsetof(struct cm_params, sysret_cycles),
		[CM_EXCEPTION] = offsetof(struct cm_params, exception_cycles),
		[CM_IRET] = offsetof(struct cm_params, iret_cycles),
		[CM_CR3_WRITE] = offsetof(struct cm_params, cr3_cycles),
	};

	if ((unsigned)e >= CM_EVENT_COUNT)
		return;
	m->stats.events[e]++;
	cm_charge(m, *(const uint32_t *)((const char *)&m->p + penalty[e]));
	if (e == CM_CR3_WRITE) {
		bool keep = m->p.kernel_tlb_global != 0;

		m->stats.tlb_flushes++;
		cm_assoc_flush(&m->itlb, keep);
		cm_assoc_flush(&m->dtlb, keep);
		cm_assoc_flush(&m->stlb, keep);
	}
}

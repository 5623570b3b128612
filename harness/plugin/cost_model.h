/*
 * cost_model.h — the `cyc-model` cost model (issue: beyond instruction
 * counts): a modelled cycle count for a stream of guest events, meant for
 * machlab profile's TCG plugin, which sees every executed instruction
 * (its virtual and host address), every memory access (virtual and
 * physical address, size, load or store) and recognises at translation time
 * the instructions that cost what icount cannot see.
 *
 * The model is additive and in-order: each retired instruction costs
 * insn_cycles; to that it adds the latency of every TLB and cache miss
 * (instruction fetches through the iTLB and L1i, data accesses through the
 * dTLB and L1d, both backed by a second-level TLB, a unified L2 and a
 * last-level cache), a fixed penalty per trap entry (syscall, exception or
 * interrupt), per sysret and iretq, and per CR3 write, which also flushes
 * the TLBs (qemu64 has no PCID; entries for the kernel half survive when
 * kernel_tlb_global says the kernel maps itself with global pages, as
 * Linux does and machlab does not). A rep-prefixed string instruction,
 * which icount charges once per element, costs rep_startup_cycles plus its
 * bytes at rep_bytes_per_cycle (the fast-string microcode), not one
 * instruction per element; its cache misses overlap rep_miss_overlap at a
 * time (the fill buffers a streaming copy or clear keeps busy). Nothing
 * else overlaps: no out-of-order execution, no prefetch, no miss-level
 * parallelism elsewhere, so a modelled figure is an upper bound of its kind, good for comparing where cycles go, not for
 * predicting a machine's. Caches are set-associative with LRU
 * replacement, indexed by physical address (for instructions, what the
 * plugin derives from their virtual and host addresses: profile_plugin.c);
 * TLBs are set-associative with LRU, by virtual page (4 KiB pages only).
 *
 * Every size and penalty is in struct cm_params, whose defaults
 * (cm_params_default, cost_model.c) say where each value comes from, and
 * cm_params_set overrides any of them by name (the harness's command
 * line). Cycles are kept in 1/256ths so fractional per-element costs add
 * up exactly.
 */
#ifndef MACHLAB_COST_MODEL_H
#define MACHLAB_COST_MODEL_H

#include <stdbool.h>
#include <stdint.h>

struct cm_params {
	uint32_t insn_cycles;           /* per retired instruction */
	uint32_t line_bytes;            /* cache line */
	uint32_t l1i_bytes, l1i_ways;
	uint32_t l1d_bytes, l1d_ways;
	uint32_t l2_bytes, l2_ways;     /* unified, private */
	uint32_t llc_bytes, llc_ways;   /* unified, last level */
	uint32_t l2_cycles;             /* an L1 miss that hits L2 */
	uint32_t llc_cycles;            /* an L2 miss that hits the LLC */
	uint32_t mem_cycles;            /* an LLC miss */
	uint32_t itlb_entries, itlb_ways;
	uint32_t dtlb_entries, dtlb_ways;
	uint32_t stlb_entries, stlb_ways;   /* second level, shared */
	uint32_t stlb_cycles;           /* a first-level TLB miss that hits the STLB */
	uint32_t walk_cycles;           /* an STLB miss: the page walk */
	uint32_t kernel_tlb_global;     /* 1: kernel-half entries survive CR3 writes */
	uint32_t syscall_cycles;        /* syscall (entry) */
	uint32_t sysret_cycles;
	uint32_t exception_cycles;      /* an exception or interrupt delivered */
	uint32_t iret_cycles;
	uint32_t cr3_cycles;            /* a mov to CR3 (the flush's refills are counted apart) */
	uint32_t rep_startup_cycles;    /* a rep string instruction's start */
	uint32_t rep_bytes_per_cycle;   /* its throughput after that */
	uint32_t rep_miss_overlap;      /* a rep string's cache misses in flight at once: each
					   costs its latency / this (the rest of the model
					   charges every miss in full, one after another) */
};

/* The events the plugin recognises (cm_event). */
enum cm_event {
	CM_SYSCALL,
	CM_SYSRET,
	CM_EXCEPTION,                   /* or interrupt: one delivery */
	CM_IRET,
	CM_CR3_WRITE,                   /* charged, and the TLBs flushed */
	CM_EVENT_COUNT
};

/* One set-associative structure with LRU (a cache by line, or a TLB by page). */
struct cm_assoc {
	uint32_t sets, ways, shift;     /* tag = address >> shift; set = tag % sets */
	uint64_t *tags;                 /* sets * ways; 0 = empty (tags are stored + 1) */
	uint64_t *ages;                 /* last use, per way */
	uint64_t clock;
};

/* What the model counted (for the tests and the profile's breakdown). */
struct cm_stats {
	uint64_t insns, l1i_misses, l1d_misses, l2_misses, llc_misses;
	uint64_t itlb_misses, dtlb_misses, stlb_misses, tlb_flushes;
	uint64_t events[CM_EVENT_COUNT];
	uint64_t rep_elements;
};

struct cost_model {
	struct cm_params p;
	struct cm_assoc l1i, l1d, l2, llc, itlb, dtlb, stlb;
	uint64_t cycles256;             /* modelled cycles, in 1/256ths */
	uint64_t rep_insn;              /* the rep instruction under way (its address), or 0 */
	struct cm_stats stats;
};

/* The defaults (cost_model.c says where each comes from). */
void cm_params_default(struct cm_params *p);
/* Set parameter name (a field of struct cm_params) to value; false if there
 * is no such parameter or the value is out of range (sizes must give whole,
 * power-of-two set counts). */
bool cm_params_set(struct cm_params *p, const char *name, uint64_t value);
/* Check a whole parameter set (what cm_init needs); false with *why set. */
bool cm_params_check(const struct cm_params *p, const char **why);

/* Build the model (false: out of memory or bad parameters); cm_free undoes it. */
bool cm_init(struct cost_model *m, const struct cm_params *p);
void cm_free(struct cost_model *m);

/* An instruction retired, fetched from virtual address va, physical pa. A rep
 * string instruction calls cm_rep_element instead, once per element, as
 * icount charges it. */
void cm_insn(struct cost_model *m, uint64_t va, uint64_t pa);
void cm_rep_element(struct cost_model *m, uint64_t va, uint64_t pa, uint32_t elem_bytes);
/* A data access of size bytes at virtual va, physical pa. */
void cm_access(struct cost_model *m, uint64_t va, uint64_t pa, uint32_t size);
void cm_event(struct cost_model *m, enum cm_event e);

/* Modelled cycles so far (whole cycles, rounded down). */
static inline uint64_t cm_cycles(const struct cost_model *m)
{
	return m->cycles256 >> 8;
}

#endif

/*
 * pt.h — x86-64 page-table pages and the per-frame reverse mappings, the
 * parts both pmaps share (variants/pmap-radix: the tables are the whole
 * pmap; variants/pmap-hashed: they are a small cache in front of the hash
 * table). Callers hold their pmap lock.
 */
#ifndef ARCH_PT_H
#define ARCH_PT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mach/types.h>
#include "lib/list.h"
#include "param.h"
#include "vm/phys.h"
#include "kern/cpu.h"
#include "arch/x86.h"

#define PTE_P     (1UL << 0)
#define PTE_W     (1UL << 1)
#define PTE_U     (1UL << 2)
#define PTE_A     (1UL << 5)
#define PTE_D     (1UL << 6)
#define PTE_PS    (1UL << 7)
#define PTE_NX    (1UL << 63)
#define PTE_ADDR  0x000FFFFFFFFFF000UL
#define PT_ENTRIES 512
#define PT_LEVELS  4               /* level 3 is the PML4, level 0 a page table */

struct pmap;

extern uint64_t boot_pml4[PT_ENTRIES];

static inline unsigned pt_index(vm_address_t va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * level)) & (PT_ENTRIES - 1);
}

extern bool cpu_has_nx;

/* The table an entry points to. */
static inline uint64_t *pt_virt(uint64_t entry)
{
	return phys_to_virt(entry & PTE_ADDR);
}

/* PTE bits for prot (VM_PROT_NONE: present, kernel only). */
static inline uint64_t pt_bits(vm_prot_t prot)
{
	uint64_t bits = PTE_P;

	if (prot != VM_PROT_NONE)
		bits |= PTE_U;
	if (prot & VM_PROT_WRITE)
		bits |= PTE_W;
	if (cpu_has_nx && !(prot & VM_PROT_EXECUTE))
		bits |= PTE_NX;
	return bits;
}

/* And back. */
static inline vm_prot_t pt_prot(uint64_t pte)
{
	vm_prot_t prot;

	if (!(pte & PTE_U))
		return VM_PROT_NONE;
	prot = VM_PROT_READ;
	if (pte & PTE_W)
		prot |= VM_PROT_WRITE;
	if (!cpu_has_nx || !(pte & PTE_NX))
		prot |= VM_PROT_EXECUTE;
	return prot;
}

/* Adopt the boot tables (dropping the boot stub's identity map); returns their PML4. */
uint64_t pt_bootstrap(void);
/* The tables loaded on each CPU (inline: every context switch asks). */
extern uint64_t pt_active_pml4[MAX_CPUS];

static inline bool pt_is_active(uint64_t pml4_pa)
{
	return pt_active_pml4[cpu_current()->id] == pml4_pa;
}

/* Load the tables under pml4_pa on this CPU (nothing if they are loaded). */
static inline void pt_activate(uint64_t pml4_pa)
{
	int cpu = cpu_current()->id;

	if (pt_active_pml4[cpu] == pml4_pa)
		return;
	pt_active_pml4[cpu] = pml4_pa;
	write_cr3(pml4_pa);
}

/* A new PML4 sharing the kernel's upper half; 0 when out of memory. */
uint64_t pt_pml4_create(void);

struct ledger;

/* The table pages below one PML4: how many it holds, and the spares among them. */
struct pt_pages {
	size_t held;              /* in the tables or spare */
	size_t spares;
	uint64_t spare;           /* the spares, linked through their first word; 0 ends */
	struct ledger *ledger;    /* charged for every page held (LEDGER_PAGE_TABLES; NULL: none) */
	bool refused;             /* the last pt_page_get failed because the ledger was full */
	uint64_t *leaf;           /* the page table pt_walk reached last (a hint; NULL once any
				   * table page is put back: pt_page_put) */
	vm_address_t leaf_base;   /* the PT_LEAF_SPAN it maps */
};

#define PT_LEAF_SPAN (1UL << (PAGE_SHIFT + 9))   /* what one page table maps: 2 MiB */

/* A zeroed table page for pages: a spare, or a new one (0 when none is left or the ledger is full). */
uint64_t pt_page_get(struct pt_pages *pages);

/*
 * The level-0 entry for va under the PML4 at pml4_pa. Missing tables are
 * made when create is set, from a spare page if there is one; NULL when
 * one is missing and create is not set, or no page is left. (Inline: it is
 * on every fault's path.) The page table it ends in is kept as a hint: the
 * next walk in the same 2 MiB (the next fault, usually) starts there.
 */
static inline uint64_t *pt_walk(uint64_t pml4_pa, vm_address_t va, bool create,
				struct pt_pages *pages)
{
	uint64_t *table = phys_to_virt(pml4_pa);

	if (pages->leaf && (va & ~(PT_LEAF_SPAN - 1)) == pages->leaf_base)
		return &pages->leaf[pt_index(va, 0)];
	for (int level = PT_LEVELS - 1; level > 0; level--) {
		uint64_t *e = &table[pt_index(va, level)];

		if (!(*e & PTE_P)) {
			uint64_t pa;

			if (!create || !(pa = pt_page_get(pages)))
				return NULL;
			*e = pa | PTE_P | PTE_W | PTE_U;
		}
		table = pt_virt(*e);
	}
	pages->leaf = table;
	pages->leaf_base = va & ~(PT_LEAF_SPAN - 1);
	return &table[pt_index(va, 0)];
}

/* How many table pages a translation at va still needs (0: its page table exists). */
int pt_missing(uint64_t pml4_pa, vm_address_t va);

/* Called for each translation left in tables pt_clear_user_tables takes down. */
typedef void (*pt_leaf_fn)(void *ctx, vm_address_t va, uint64_t pte);

/*
 * Take down every table below the PML4's user half (fn sees the
 * translations left in them): freed, or kept as spares when keep is set.
 */
void pt_clear_user_tables(uint64_t pml4_pa, pt_leaf_fn fn, void *ctx, struct pt_pages *pages,
			  bool keep);
void pt_free_spares(struct pt_pages *pages);

/*
 * Take down the page table (level 0) mapping va, keeping its page as a
 * spare; the translations in it are gone (the caller flushes the TLB).
 * False if there is no such table.
 */
bool pt_drop_leaf(uint64_t pml4_pa, vm_address_t va, struct pt_pages *pages);

/* ---- reverse mappings: frame -> (pmap, va) ---- */

struct pv_entry {
	struct list link;
	struct pmap *pmap;
	vm_address_t va;
};

void pv_init(void);                          /* one list per page-pool frame */
struct list *pv_head(uint64_t pa);           /* NULL: not a pool frame (device memory) */
bool pv_add(struct pmap *p, vm_address_t va, uint64_t pa);   /* false: out of memory */
void pv_remove(struct pmap *p, vm_address_t va, uint64_t pa);
void pv_unlink(struct pv_entry *pv);         /* take pv off its list and free it */

#endif

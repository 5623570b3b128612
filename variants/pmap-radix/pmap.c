/*
 * pmap.c (PMAP=radix) — per-task x86-64 4-level page tables.
 *
 * Each pmap owns a PML4 whose upper half (entries 256..511: the direct map
 * and the kernel image) is copied from the kernel's, so the kernel is
 * mapped in every address space. Table pages are allocated on demand and
 * freed with the pmap. The pmap is only a cache of the VM layer's maps and
 * objects: removing a translation never loses data. VM_PROT_NONE as a
 * protection removes the translations. TLB entries are flushed with invlpg
 * when the pmap is loaded on this CPU (single CPU for now; shootdown comes
 * with SMP). Removing or protecting a range visits every entry of the table
 * pages under it (skipping absent tables whole), so its cost follows the
 * span of address space, not the number of translations. The table walk,
 * the per-frame reverse mappings and the loaded-PML4 record are shared
 * with PMAP=hashed (arch/pt.h).
 */
#include "pmap.h"
#include "arch/pt.h"
#include "vm/page_alloc.h"
#include "vm/phys.h"
#include "kern/cpu.h"
#include "kern/kprintf.h"
#include "kern/lock.h"
#include "kern/zalloc.h"
#include "arch/x86.h"
#include "param.h"

#define PMAP_FLUSH_ALL_PAGES 32      /* above this, reload CR3 instead of invlpg */

struct pmap {
	uint64_t pml4_pa;
	struct pt_pages tables;  /* page-table pages below the PML4 */
};

/*
 * One lock for every pmap and the reverse mappings (taken after vm_lock):
 * page_protect goes from a frame to many pmaps, so per-pmap locks would need
 * an ordering dance that one CPU does not need yet.
 */
static spinlock_t pmap_lock = SPINLOCK_INIT;

static struct pmap kernel_pmap;
static struct zone pmap_zone;

void pmap_bootstrap(void)
{
	zone_init(&pmap_zone, "pmap", sizeof(struct pmap));
	kernel_pmap.pml4_pa = pt_bootstrap();
}

void pmap_init(void)
{
	pv_init();
}

struct pmap *pmap_kernel(void)
{
	return &kernel_pmap;
}

struct pmap *pmap_create(struct ledger *ledger)
{
	struct pmap *p = zalloc(&pmap_zone);

	if (!p)
		return NULL;
	p->pml4_pa = pt_pml4_create();
	if (!p->pml4_pa) {
		zfree(&pmap_zone, p);
		return NULL;
	}
	p->tables = (struct pt_pages){ .ledger = ledger };
	return p;
}

void pmap_destroy(struct pmap *p)
{
	if (pmap_is_active(p))
		pmap_activate(&kernel_pmap);
	/* the VM layer removed its translations; the comm page above its maps is left */
	pmap_remove(p, USER_SPACE_END, USER_SPACE_END + PAGE_SIZE, NULL, NULL);
	pt_clear_user_tables(p->pml4_pa, NULL, NULL, &p->tables, false);
	assert(p->tables.held == 0);
	page_free(p->pml4_pa);
	zfree(&pmap_zone, p);
}

/* The level-0 entry for va, creating tables if asked; NULL if absent or out of memory. */
static uint64_t *pmap_walk(struct pmap *p, vm_address_t va, bool create)
{
	return pt_walk(p->pml4_pa, va, create, &p->tables);
}

bool pmap_is_active(struct pmap *p)
{
	return pt_is_active(p->pml4_pa);
}

kern_return_t pmap_enter(struct pmap *p, vm_address_t va, uint64_t pa, vm_prot_t prot)
{
	uint64_t f = spin_lock(&pmap_lock);
	uint64_t *pte = pmap_walk(p, va, true);
	bool was_present;

	if (!pte) {                      /* no frame, or the task's ledger is out of tables */
		spin_unlock(&pmap_lock, f);
		return p->tables.refused ? KERN_NO_SPACE : KERN_RESOURCE_SHORTAGE;
	}
	was_present = *pte & PTE_P;
	if (!was_present || (*pte & PTE_ADDR) != (pa & PTE_ADDR)) {
		if (!pv_add(p, va, pa)) {
			spin_unlock(&pmap_lock, f);
			return KERN_RESOURCE_SHORTAGE;
		}
		if (was_present)
			pv_remove(p, va, *pte & PTE_ADDR);
	}
	*pte = (pa & PTE_ADDR) | pt_bits(prot);
	if (was_present && pmap_is_active(p))
		invlpg(va);
	spin_unlock(&pmap_lock, f);
	return KERN_SUCCESS;
}

/*
 * Visit every present level-1 entry in [start, end), skipping absent
 * tables a whole subtree at a time. fn may change the entry; when the pmap
 * is loaded here, each changed translation is flushed from the TLB (or the
 * whole TLB, past PMAP_FLUSH_ALL_PAGES).
 */
typedef void (*pte_fn)(void *ctx, vm_address_t va, uint64_t *pte);

struct pte_walk {
	pte_fn fn;
	void *ctx;
	bool active;              /* the pmap is loaded here: flush what changes */
	size_t visited;
};

/* Visit the present entries of one table at level covering base, within [start, end). */
static void pmap_walk_range(uint64_t *table, int level, vm_address_t base, vm_address_t start,
			    vm_address_t end, struct pte_walk *w)
{
	vm_address_t span = 1UL << (PAGE_SHIFT + 9 * level);

	for (unsigned i = pt_index(start > base ? start : base, level); i < PT_ENTRIES; i++) {
		vm_address_t va = base + i * span;

		if (va >= end)
			return;
		if (!(table[i] & PTE_P))
			continue;
		if (level > 0) {
			pmap_walk_range(pt_virt(table[i]), level - 1, va, start, end, w);
			continue;
		}
		w->fn(w->ctx, va, &table[i]);
		if (w->active && ++w->visited <= PMAP_FLUSH_ALL_PAGES)
			invlpg(va);
	}
}

/*
 * Visit every present level-1 entry in [start, end), descending only into
 * tables that exist. fn may change the entry; when the pmap is loaded here,
 * each changed translation is flushed from the TLB (or the whole TLB, past
 * PMAP_FLUSH_ALL_PAGES).
 */
static void pmap_for_each_pte(struct pmap *p, vm_address_t start, vm_address_t end,
			      pte_fn fn, void *ctx)
{
	struct pte_walk w = { fn, ctx, pmap_is_active(p), 0 };

	if (end - start == PAGE_SIZE) {          /* one page (most faults and messages): */
		uint64_t *pte = pmap_walk(p, start, false);  /* straight down, no loops */

		if (pte && (*pte & PTE_P)) {
			fn(ctx, start, pte);
			if (w.active)
				invlpg(start);
		}
		return;
	}
	if (start < end)
		pmap_walk_range(phys_to_virt(p->pml4_pa), 3, 0, start, end, &w);
	if (w.active && w.visited > PMAP_FLUSH_ALL_PAGES)
		write_cr3(p->pml4_pa);
}

struct pmap_remove_ctx {
	struct pmap *pmap;
	pmap_unmap_fn fn;
	void *ctx;
};

static void pmap_remove_one(void *ctx, vm_address_t va, uint64_t *pte)
{
	struct pmap_remove_ctx *rc = ctx;
	uint64_t pa = *pte & PTE_ADDR;

	*pte = 0;
	pv_remove(rc->pmap, va, pa);
	if (rc->fn)
		rc->fn(rc->ctx, va, pa);
}

void pmap_remove(struct pmap *p, vm_address_t start, vm_address_t end,
		 pmap_unmap_fn fn, void *ctx)
{
	struct pmap_remove_ctx rc = { p, fn, ctx };
	uint64_t f = spin_lock(&pmap_lock);
	pmap_for_each_pte(p, start, end, pmap_remove_one, &rc);
	spin_unlock(&pmap_lock, f);
}

static void pmap_protect_one(void *ctx, vm_address_t va, uint64_t *pte)
{
	(void)va;
	*pte = (*pte & PTE_ADDR) | pt_bits(*(vm_prot_t *)ctx);
}

void pmap_protect(struct pmap *p, vm_address_t start, vm_address_t end, vm_prot_t prot)
{
	if (prot == VM_PROT_NONE) {          /* nothing may be accessed: drop the translations */
		pmap_remove(p, start, end, NULL, NULL);
		return;
	}
	uint64_t f = spin_lock(&pmap_lock);
	pmap_for_each_pte(p, start, end, pmap_protect_one, &prot);
	spin_unlock(&pmap_lock, f);
}

bool pmap_extract(struct pmap *p, vm_address_t va, uint64_t *pa, vm_prot_t *prot)
{
	uint64_t f = spin_lock(&pmap_lock);
	uint64_t *pte = pmap_walk(p, va, false);
	bool present = pte && (*pte & PTE_P);

	if (present) {
		*pa = *pte & PTE_ADDR;
		*prot = pt_prot(*pte);
	}
	spin_unlock(&pmap_lock, f);
	return present;
}

void pmap_activate(struct pmap *p)
{
	pt_activate(p->pml4_pa);
}

void pmap_footprint(struct pmap *p, struct pmap_footprint_info *out)
{
	uint64_t f = spin_lock(&pmap_lock);

	*out = (struct pmap_footprint_info){
		.kind = PMAP_KIND_RADIX,
		.table_pages = p->tables.held + 1,
		.bytes = (p->tables.held + 1) * PAGE_SIZE,
	};
	spin_unlock(&pmap_lock, f);
}

/* The tables are the hardware's: a fault means the VM layer must act. */
bool pmap_refill(struct pmap *p, vm_address_t va, vm_prot_t access)
{
	(void)p, (void)va, (void)access;
	return false;
}

/* Limit every mapping of frame pa to prot (VM_PROT_NONE removes them), in every pmap. */
void pmap_page_protect(uint64_t pa, vm_prot_t prot)
{
	uint64_t f = spin_lock(&pmap_lock);
	struct list *head = pv_head(pa);

	if (head) {
		list_for_each_safe(l, head) {
			struct pv_entry *pv = list_entry(l, struct pv_entry, link);
			uint64_t *pte = pmap_walk(pv->pmap, pv->va, false);

			if (!pte || !(*pte & PTE_P))
				continue;
			if (prot == VM_PROT_NONE)
				*pte = 0;
			else
				*pte = (*pte & ~(PTE_W | PTE_NX)) |
				       (pt_bits(pt_prot(*pte) & prot) & (PTE_W | PTE_NX));
			if (pmap_is_active(pv->pmap))
				invlpg(pv->va);
			if (prot == VM_PROT_NONE)
				pv_unlink(pv);
		}
	}
	spin_unlock(&pmap_lock, f);
}

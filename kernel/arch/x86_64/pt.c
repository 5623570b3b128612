/*
 * pt.c — x86-64 page-table pages and per-frame reverse mappings (pt.h),
 * shared by both pmap variants. Nothing here locks: the pmap's lock covers
 * its tables and the reverse mappings.
 */
#include "arch/pt.h"
#include "kern/ledger.h"
#include "vm/page_alloc.h"
#include "vm/phys.h"
#include "kern/cpu.h"
#include "kern/kprintf.h"
#include "kern/zalloc.h"
#include "arch/x86.h"
#include "param.h"

uint64_t pt_active_pml4[MAX_CPUS];
/*
 * Per frame number: the list of the frame's mappings, and an entry of its
 * own for the first of them (most frames are mapped once: a fault then
 * takes no allocation); further mappings' entries come from pv_zone.
 */
struct pv_frame {
	struct list head;
	struct pv_entry own;           /* free when own.pmap is NULL */
};

static struct pv_frame *pv_table;
static size_t pv_frames;
static struct zone pv_zone;

uint64_t pt_bootstrap(void)
{
	boot_pml4[0] = 0;                 /* the boot stub's identity map */
	pt_active_pml4[0] = virt_to_phys(boot_pml4);
	write_cr3(pt_active_pml4[0]);
	return pt_active_pml4[0];
}

uint64_t pt_pml4_create(void)
{
	uint64_t pa = page_alloc_zeroed();
	uint64_t *pml4;

	if (!pa)
		return 0;
	pml4 = phys_to_virt(pa);
	for (int i = PT_ENTRIES / 2; i < PT_ENTRIES; i++)
		pml4[i] = boot_pml4[i];
	return pa;
}

uint64_t pt_page_get(struct pt_pages *pages)
{
	uint64_t pa = pages->spare;

	if (!pa) {
		pages->refused = ledger_charge(pages->ledger, LEDGER_PAGE_TABLES, 1) != KERN_SUCCESS;
		if (pages->refused)
			return 0;
		pa = page_alloc_zeroed();
		if (pa)
			pages->held++;
		else
			ledger_credit(pages->ledger, LEDGER_PAGE_TABLES, 1);
		return pa;
	}
	pages->spare = *(uint64_t *)phys_to_virt(pa);
	pages->spares--;
	page_zero(pa);
	return pa;
}

static void pt_page_put(struct pt_pages *pages, uint64_t pa, bool keep)
{
	pages->leaf = NULL;                 /* it may have been the hint */
	if (keep) {
		*(uint64_t *)phys_to_virt(pa) = pages->spare;
		pages->spare = pa;
		pages->spares++;
	} else {
		page_free(pa);
		pages->held--;
		ledger_credit(pages->ledger, LEDGER_PAGE_TABLES, 1);
	}
}

void pt_free_spares(struct pt_pages *pages)
{
	while (pages->spare) {
		uint64_t pa = pages->spare;

		pages->spare = *(uint64_t *)phys_to_virt(pa);
		pages->spares--;
		page_free(pa);
		pages->held--;
		ledger_credit(pages->ledger, LEDGER_PAGE_TABLES, 1);
	}
}

int pt_missing(uint64_t pml4_pa, vm_address_t va)
{
	uint64_t *table = phys_to_virt(pml4_pa);

	for (int level = PT_LEVELS - 1; level > 0; level--) {
		uint64_t e = table[pt_index(va, level)];

		if (!(e & PTE_P))
			return level;
		table = pt_virt(e);
	}
	return 0;
}

bool pt_drop_leaf(uint64_t pml4_pa, vm_address_t va, struct pt_pages *pages)
{
	uint64_t *table = phys_to_virt(pml4_pa), *e = NULL;

	for (int level = PT_LEVELS - 1; level > 0; level--) {
		e = &table[pt_index(va, level)];
		if (!(*e & PTE_P))
			return false;
		table = pt_virt(*e);
	}
	uint64_t pa = *e & PTE_ADDR;

	*e = 0;
	pt_page_put(pages, pa, true);
	return true;
}

struct pt_clear {
	pt_leaf_fn fn;
	void *ctx;
	struct pt_pages *pages;
	bool keep;
};

/* Take down the tables below table (at level) covering base onwards. */
static void pt_clear_below(uint64_t *table, int level, int entries, vm_address_t base,
			   struct pt_clear *c)
{
	vm_address_t span = 1UL << (PAGE_SHIFT + 9 * level);

	for (int i = 0; i < entries; i++) {
		uint64_t pa = table[i] & PTE_ADDR;

		if (!(table[i] & PTE_P))
			continue;
		if (level == 0) {
			if (c->fn)
				c->fn(c->ctx, base + i * span, table[i]);
			continue;
		}
		if (level > 1 || c->fn)           /* a page table's entries matter only to fn */
			pt_clear_below(pt_virt(table[i]), level - 1, PT_ENTRIES, base + i * span, c);
		table[i] = 0;
		pt_page_put(c->pages, pa, c->keep);
	}
}

void pt_clear_user_tables(uint64_t pml4_pa, pt_leaf_fn fn, void *ctx, struct pt_pages *pages,
			  bool keep)
{
	struct pt_clear c = { fn, ctx, pages, keep };

	pt_clear_below(phys_to_virt(pml4_pa), PT_LEVELS - 1, PT_ENTRIES / 2, 0, &c);
}

/* The reverse-mapping table: one list head per frame of the page pool (after kmem_init). */
void pv_init(void)
{
	struct page_pool *pool = page_pool_kernel();

	pv_frames = pool->nframes;
	while (pv_frames > 0 && page_pool_frame_in_use(pool, pv_frames - 1))
		pv_frames--;
	pv_table = kmem_pages_alloc((pv_frames * sizeof(*pv_table) + PAGE_SIZE - 1) / PAGE_SIZE);
	if (!pv_table)
		panic("no memory for reverse mappings");
	for (size_t i = 0; i < pv_frames; i++) {
		list_init(&pv_table[i].head);
		pv_table[i].own.pmap = NULL;
	}
	zone_init(&pv_zone, "pv_entry", sizeof(struct pv_entry));
	zone_keep_empty(&pv_zone);
}

static struct pv_frame *pv_frame_of(uint64_t pa)
{
	size_t f = pa / PAGE_SIZE;

	return pv_table && f < pv_frames ? &pv_table[f] : NULL;
}

struct list *pv_head(uint64_t pa)
{
	struct pv_frame *fr = pv_frame_of(pa);

	return fr ? &fr->head : NULL;
}

bool pv_add(struct pmap *p, vm_address_t va, uint64_t pa)
{
	struct pv_frame *fr = pv_frame_of(pa);
	struct pv_entry *pv;

	if (!fr)
		return true;
	pv = !fr->own.pmap ? &fr->own : zalloc_uninit(&pv_zone);   /* every field set below */
	if (!pv)
		return false;
	pv->pmap = p;
	pv->va = va;
	list_push_front(&fr->head, &pv->link);
	return true;
}

void pv_unlink(struct pv_entry *pv)
{
	list_unlink(&pv->link);
	if ((uintptr_t)pv - (uintptr_t)pv_table < pv_frames * sizeof(*pv_table))
		pv->pmap = NULL;                     /* a frame's own entry: free again */
	else
		zfree(&pv_zone, pv);
}

void pv_remove(struct pmap *p, vm_address_t va, uint64_t pa)
{
	struct list *head = pv_head(pa);

	if (!head)
		return;
	list_for_each(l, head) {
		struct pv_entry *pv = list_entry(l, struct pv_entry, link);

		if (pv->pmap == p && pv->va == va) {
			pv_unlink(pv);
			return;
		}
	}
}

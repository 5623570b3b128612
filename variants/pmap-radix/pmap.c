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
 * with SMP).
 */
#include "pmap.h"
#include "vm/page_alloc.h"
#include "vm/phys.h"
#include "kern/cpu.h"
#include "kern/kprintf.h"
#include "kern/lock.h"
#include "kern/zalloc.h"
#include "arch/x86.h"
#include "param.h"

#define PTE_P     (1UL << 0)
#define PTE_W     (1UL << 1)
#define PTE_U     (1UL << 2)
#define PTE_A     (1UL << 5)
#define PTE_D     (1UL << 6)
#define PTE_PS    (1UL << 7)
#define PTE_NX    (1UL << 63)
#define PTE_ADDR  0x000FFFFFFFFFF000UL
#define PT_ENTRIES 512
#define PMAP_FLUSH_ALL_PAGES 32      /* above this, reload CR3 instead of invlpg */

struct pmap {
	uint64_t pml4_pa;
	size_t table_pages;      /* page-table pages below the PML4 */
};

/* A reverse mapping: frame -> (pmap, va), on the frame's pv list. */
struct pv_entry {
	struct list link;
	struct pmap *pmap;
	vm_address_t va;
};

/*
 * One lock for every pmap and the reverse mappings (taken after vm_lock):
 * page_protect goes from a frame to many pmaps, so per-pmap locks would need
 * an ordering dance that one CPU does not need yet.
 */
static spinlock_t pmap_lock = SPINLOCK_INIT;
static struct list *pv_heads;      /* per frame number */
static size_t pv_frames;
static struct zone pv_zone;

extern uint64_t boot_pml4[PT_ENTRIES];
extern bool cpu_has_nx;

static struct pmap kernel_pmap;
static struct zone pmap_zone;
static struct pmap *active_pmap[MAX_CPUS];

static uint64_t *pt_virt(uint64_t entry)
{
	return phys_to_virt(entry & PTE_ADDR);
}

static unsigned pt_index(vm_address_t va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * level)) & (PT_ENTRIES - 1);
}

void pmap_bootstrap(void)
{
	zone_init(&pmap_zone, "pmap", sizeof(struct pmap));
	kernel_pmap.pml4_pa = virt_to_phys(boot_pml4);
	boot_pml4[0] = 0;                 /* the boot stub's identity map */
	write_cr3(kernel_pmap.pml4_pa);
	active_pmap[0] = &kernel_pmap;
}

/* The reverse-mapping table: one list head per frame of the page pool (after kmem_init). */
void pmap_init(void)
{
	struct page_pool *pool = page_pool_kernel();

	pv_frames = pool->nframes;
	while (pv_frames > 0 && page_pool_frame_in_use(pool, pv_frames - 1))
		pv_frames--;
	pv_heads = kmem_pages_alloc((pv_frames * sizeof(*pv_heads) + PAGE_SIZE - 1) / PAGE_SIZE);
	if (!pv_heads)
		panic("no memory for reverse mappings");
	for (size_t i = 0; i < pv_frames; i++)
		list_init(&pv_heads[i]);
	zone_init(&pv_zone, "pv_entry", sizeof(struct pv_entry));
}

static struct list *pv_head(uint64_t pa)
{
	size_t f = pa / PAGE_SIZE;

	return pv_heads && f < pv_frames ? &pv_heads[f] : NULL;
}

/* Record that p maps pa at va (pmap_lock held); false when out of memory. */
static bool pv_add(struct pmap *p, vm_address_t va, uint64_t pa)
{
	struct list *head = pv_head(pa);
	struct pv_entry *pv;

	if (!head)
		return true;                  /* not a pool frame (device memory) */
	pv = zalloc(&pv_zone);
	if (!pv)
		return false;
	pv->pmap = p;
	pv->va = va;
	list_push_front(head, &pv->link);
	return true;
}

static void pv_remove(struct pmap *p, vm_address_t va, uint64_t pa)
{
	struct list *head = pv_head(pa);

	if (!head)
		return;
	list_for_each(l, head) {
		struct pv_entry *pv = list_entry(l, struct pv_entry, link);

		if (pv->pmap == p && pv->va == va) {
			list_unlink(&pv->link);
			zfree(&pv_zone, pv);
			return;
		}
	}
}

struct pmap *pmap_kernel(void)
{
	return &kernel_pmap;
}

struct pmap *pmap_create(void)
{
	struct pmap *p = zalloc(&pmap_zone);
	uint64_t *pml4;

	if (!p)
		return NULL;
	p->pml4_pa = page_alloc_zeroed();
	if (!p->pml4_pa) {
		zfree(&pmap_zone, p);
		return NULL;
	}
	pml4 = phys_to_virt(p->pml4_pa);
	for (int i = PT_ENTRIES / 2; i < PT_ENTRIES; i++)
		pml4[i] = boot_pml4[i];
	return p;
}

/* Free the tables below `table` (at level: 3 is the PML4, 0 a page table) that cover base
 * onwards, and forget the translations still in them (the comm page). */
static size_t pmap_free_tables(struct pmap *p, uint64_t *table, int level, int entries,
			       vm_address_t base)
{
	vm_address_t span = 1UL << (PAGE_SHIFT + 9 * level);
	size_t freed = 0;

	for (int i = 0; i < entries; i++) {
		if (!(table[i] & PTE_P))
			continue;
		if (level == 0) {                 /* a translation left behind (the comm page) */
			pv_remove(p, base + i * span, table[i] & PTE_ADDR);
			continue;
		}
		freed += pmap_free_tables(p, pt_virt(table[i]), level - 1, PT_ENTRIES,
					  base + i * span);
		page_free(table[i] & PTE_ADDR);
		freed++;
	}
	return freed;
}

void pmap_destroy(struct pmap *p)
{
	int cpu = cpu_current()->id;

	if (active_pmap[cpu] == p)
		pmap_activate(&kernel_pmap);
	p->table_pages -= pmap_free_tables(p, phys_to_virt(p->pml4_pa), 3, PT_ENTRIES / 2, 0);
	assert(p->table_pages == 0);
	page_free(p->pml4_pa);
	zfree(&pmap_zone, p);
}

/* The level-1 entry for va, creating tables if asked; NULL if absent or out of memory. */
static uint64_t *pmap_walk(struct pmap *p, vm_address_t va, bool create)
{
	uint64_t *table = phys_to_virt(p->pml4_pa);

	for (int level = 3; level > 0; level--) {
		uint64_t *e = &table[pt_index(va, level)];

		if (!(*e & PTE_P)) {
			uint64_t pa;

			if (!create || !(pa = page_alloc_zeroed()))
				return NULL;
			*e = pa | PTE_P | PTE_W | PTE_U;
			p->table_pages++;
		}
		table = pt_virt(*e);
	}
	return &table[pt_index(va, 0)];
}

bool pmap_is_active(struct pmap *p)
{
	return active_pmap[cpu_current()->id] == p;
}

static uint64_t pmap_pte_bits(vm_prot_t prot)
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

static vm_prot_t pmap_pte_prot(uint64_t pte)
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

kern_return_t pmap_enter(struct pmap *p, vm_address_t va, uint64_t pa, vm_prot_t prot)
{
	uint64_t f = spin_lock(&pmap_lock);
	uint64_t *pte = pmap_walk(p, va, true);
	bool was_present;

	if (!pte) {
		spin_unlock(&pmap_lock, f);
		return KERN_RESOURCE_SHORTAGE;
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
	*pte = (pa & PTE_ADDR) | pmap_pte_bits(prot);
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
	*pte = (*pte & PTE_ADDR) | pmap_pte_bits(*(vm_prot_t *)ctx);
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
		*prot = pmap_pte_prot(*pte);
	}
	spin_unlock(&pmap_lock, f);
	return present;
}

void pmap_activate(struct pmap *p)
{
	int cpu = cpu_current()->id;

	if (active_pmap[cpu] == p)
		return;
	active_pmap[cpu] = p;
	write_cr3(p->pml4_pa);
}

size_t pmap_footprint(struct pmap *p)
{
	return (p->table_pages + 1) * PAGE_SIZE;
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
			if (prot == VM_PROT_NONE) {
				*pte = 0;
				list_unlink(&pv->link);
			} else {
				*pte = (*pte & ~(PTE_W | PTE_NX)) |
				       (pmap_pte_bits(pmap_pte_prot(*pte) & prot) & (PTE_W | PTE_NX));
			}
			if (pmap_is_active(pv->pmap))
				invlpg(pv->va);
			if (prot == VM_PROT_NONE)
				zfree(&pv_zone, pv);
		}
	}
	spin_unlock(&pmap_lock, f);
}

/* Accessed/dirty bits of every mapping of pa: report them, and clear them if asked. */
static bool pmap_page_bits(uint64_t pa, uint64_t bit, bool clear)
{
	uint64_t f = spin_lock(&pmap_lock);
	struct list *head = pv_head(pa);
	bool any = false;

	if (head) {
		list_for_each(l, head) {
			struct pv_entry *pv = list_entry(l, struct pv_entry, link);
			uint64_t *pte = pmap_walk(pv->pmap, pv->va, false);

			if (pte && (*pte & bit)) {
				any = true;
				if (clear) {
					*pte &= ~bit;
					if (pmap_is_active(pv->pmap))
						invlpg(pv->va);
				}
			}
		}
	}
	spin_unlock(&pmap_lock, f);
	return any;
}

bool pmap_is_referenced(uint64_t pa)
{
	return pmap_page_bits(pa, PTE_A, false);
}

bool pmap_is_modified(uint64_t pa)
{
	return pmap_page_bits(pa, PTE_D, false);
}

void pmap_clear_reference(uint64_t pa)
{
	pmap_page_bits(pa, PTE_A, true);
}

void pmap_clear_modify(uint64_t pa)
{
	pmap_page_bits(pa, PTE_D, true);
}

/* Drop every user translation of p: the VM layer rebuilds them on demand. */
void pmap_collect(struct pmap *p)
{
	pmap_remove(p, USER_SPACE_START, USER_SPACE_END, NULL, NULL);
}

/*
 * pmap.c (PMAP=radix) — per-task x86-64 4-level page tables.
 *
 * Each pmap owns a PML4 whose upper half (entries 256..511: the direct map
 * and the kernel image) is copied from the kernel's, so the kernel is
 * mapped in every address space. Table pages are allocated on demand and
 * freed with the pmap. VM_PROT_NONE is a present, supervisor-only entry:
 * the frame stays attached (the VM layer keeps anonymous pages in the
 * pmap) but every user access faults. TLB entries are flushed with invlpg
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
#define PTE_PS    (1UL << 7)
#define PTE_NX    (1UL << 63)
#define PTE_ADDR  0x000FFFFFFFFFF000UL
#define PT_ENTRIES 512
#define PMAP_FLUSH_ALL_PAGES 32      /* above this, reload CR3 instead of invlpg */

struct pmap {
	uint64_t pml4_pa;
	spinlock_t lock;
	size_t table_pages;      /* page-table pages below the PML4 */
};

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
	kernel_pmap.lock = (spinlock_t)SPINLOCK_INIT;
	boot_pml4[0] = 0;                 /* the boot stub's identity map */
	write_cr3(kernel_pmap.pml4_pa);
	active_pmap[0] = &kernel_pmap;
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
	p->lock = (spinlock_t)SPINLOCK_INIT;
	return p;
}

/* Free the user half's tables below level (3 = PDPTs under the PML4). */
static size_t pmap_free_tables(uint64_t *table, int level, int entries)
{
	size_t freed = 0;

	for (int i = 0; i < entries; i++) {
		if (!(table[i] & PTE_P))
			continue;
		if (level > 1)
			freed += pmap_free_tables(pt_virt(table[i]), level - 1, PT_ENTRIES);
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
	p->table_pages -= pmap_free_tables(phys_to_virt(p->pml4_pa), 3, PT_ENTRIES / 2);
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
	uint64_t f = spin_lock(&p->lock);
	uint64_t *pte = pmap_walk(p, va, true);
	bool was_present;

	if (!pte) {
		spin_unlock(&p->lock, f);
		return KERN_RESOURCE_SHORTAGE;
	}
	was_present = *pte & PTE_P;
	*pte = (pa & PTE_ADDR) | pmap_pte_bits(prot);
	if (was_present && pmap_is_active(p))
		invlpg(va);
	spin_unlock(&p->lock, f);
	return KERN_SUCCESS;
}

/*
 * Visit every present level-1 entry in [start, end), skipping absent
 * tables a whole subtree at a time. fn may change the entry; when the pmap
 * is loaded here, each changed translation is flushed from the TLB (or the
 * whole TLB, past PMAP_FLUSH_ALL_PAGES).
 */
typedef void (*pte_fn)(void *ctx, vm_address_t va, uint64_t *pte);

static void pmap_for_each_pte(struct pmap *p, vm_address_t start, vm_address_t end,
			      pte_fn fn, void *ctx)
{
	bool active = pmap_is_active(p);
	vm_address_t va = start;
	size_t visited = 0;

	while (va < end) {
		uint64_t *table = phys_to_virt(p->pml4_pa);
		int level;

		for (level = 3; level > 0; level--) {
			uint64_t e = table[pt_index(va, level)];

			if (!(e & PTE_P))
				break;
			table = pt_virt(e);
		}
		if (level > 0) {              /* skip the absent subtree */
			vm_address_t span = 1UL << (PAGE_SHIFT + 9 * level);
			vm_address_t next = (va + span) & ~(span - 1);

			if (next <= va)
				break;
			va = next;
			continue;
		}
		uint64_t *pte = &table[pt_index(va, 0)];

		if (*pte & PTE_P) {
			fn(ctx, va, pte);
			if (active && ++visited <= PMAP_FLUSH_ALL_PAGES)
				invlpg(va);
		}
		va += PAGE_SIZE;
	}
	if (active && visited > PMAP_FLUSH_ALL_PAGES)
		write_cr3(p->pml4_pa);
}

struct pmap_remove_ctx {
	pmap_unmap_fn fn;
	void *ctx;
};

static void pmap_remove_one(void *ctx, vm_address_t va, uint64_t *pte)
{
	struct pmap_remove_ctx *rc = ctx;
	uint64_t pa = *pte & PTE_ADDR;

	*pte = 0;
	if (rc->fn)
		rc->fn(rc->ctx, va, pa);
}

void pmap_remove(struct pmap *p, vm_address_t start, vm_address_t end,
		 pmap_unmap_fn fn, void *ctx)
{
	struct pmap_remove_ctx rc = { fn, ctx };
	uint64_t f = spin_lock(&p->lock);
	pmap_for_each_pte(p, start, end, pmap_remove_one, &rc);
	spin_unlock(&p->lock, f);
}

static void pmap_protect_one(void *ctx, vm_address_t va, uint64_t *pte)
{
	(void)va;
	*pte = (*pte & PTE_ADDR) | pmap_pte_bits(*(vm_prot_t *)ctx);
}

void pmap_protect(struct pmap *p, vm_address_t start, vm_address_t end, vm_prot_t prot)
{
	uint64_t f = spin_lock(&p->lock);
	pmap_for_each_pte(p, start, end, pmap_protect_one, &prot);
	spin_unlock(&p->lock, f);
}

bool pmap_extract(struct pmap *p, vm_address_t va, uint64_t *pa, vm_prot_t *prot)
{
	uint64_t f = spin_lock(&p->lock);
	uint64_t *pte = pmap_walk(p, va, false);
	bool present = pte && (*pte & PTE_P);

	if (present) {
		*pa = *pte & PTE_ADDR;
		*prot = pmap_pte_prot(*pte);
	}
	spin_unlock(&p->lock, f);
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

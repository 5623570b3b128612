/*
 * pmap.c (PMAP=hashed) — one global hashed page table, with small bounded
 * per-task x86-64 tables in front of it.
 *
 * The VM layer's maps and objects are the truth; this pmap caches their
 * translations twice over. The hashed page table (HPT) holds one entry per
 * translation, keyed by (address-space id, virtual page). It is
 * set-associative (HPT_WAYS entries a bucket) and sized at boot in
 * proportion to physical memory (HPT_ENTRIES_PER_FRAME entries per frame
 * of the page pool). Inserting into a full bucket evicts one of its entries
 * (round robin), as a cache would: the translation leaves the hardware
 * tables too, and the next access to it takes the VM fault path, which
 * rebuilds it from the maps and objects.
 *
 * The MMU walks radix tables, so each task has a PML4 and at most
 * HW_TABLE_BUDGET table pages below it: a cache of the HPT. pmap_enter
 * fills both; a page fault on a translation the HPT holds is served by
 * pmap_refill from the HPT alone, without entering the VM fault path
 * (KSTAT_PMAP_REFILLS). When a task would need more table pages than its
 * budget allows, its oldest page table (2 MiB of translations) is taken
 * down, first in first out (a trim, KSTAT_PMAP_TRIMS). When only
 * HW_LEAVES_MIN page tables are left, the rest of the budget is upper-level
 * tables (a task touching one page per GiB needs a page directory for
 * each): then every table below the PML4 goes, since one instruction may
 * need several page tables at once (code, stack, two operands) and taking
 * their tables from each other in turn would never end. The pages stay
 * with the task as spares, so once a task holds its budget a refill never
 * needs a free frame (which, when memory runs out, only the pager could
 * give back). A task whose pages span more page tables than the budget
 * refills each page table's translations again after it was trimmed. At
 * most PMAP_IDS - 1 address spaces exist at once (task creation fails
 * with a resource shortage beyond).
 *
 * The one translation the VM layer does not know — the comm page, above
 * the user maps — cannot be rebuilt by a fault, so it is kept in the pmap
 * (fixed_va, fixed_pte), never in the HPT, and refilled from there.
 *
 * Reverse mappings (frame -> HPT entries) are the per-frame pv lists of
 * arch/pt.h, one per HPT entry. One lock covers the HPT, every pmap and
 * the reverse mappings (taken after vm_lock), as in PMAP=radix.
 */
#include "pmap.h"
#include "arch/pt.h"
#include "vm/page_alloc.h"
#include "vm/phys.h"
#include "kern/cpu.h"
#include "kern/kprintf.h"
#include "kern/lock.h"
#include "kern/stats.h"
#include "kern/zalloc.h"
#include "lib/string.h"
#include "arch/x86.h"
#include "param.h"

#define HPT_WAYS              4       /* entries a bucket */
#define HPT_ENTRIES_PER_FRAME 1       /* HPT size: entries per managed frame (rounded up to 2^n) */
#define HW_TABLE_BUDGET       16      /* hardware table pages a task may hold below its PML4 */
#define HW_LEAVES_MAX         HW_TABLE_BUDGET   /* page tables a task holds: a FIFO of them */
#define HW_LEAVES_MIN         4       /* fewer left: upper tables hog the budget, drop them all */
#define HW_INSN_TABLES_MAX    13      /* tables one instruction may need at once (see below) */

/*
 * One instruction can need several translations at once: two code pages,
 * the stack, and two memory operands (movs). In the worst case each sits in
 * its own 512 GiB region and needs three table pages of its own (the two
 * code pages share their upper tables): 13. A budget below that could make
 * their refills take each other's tables forever (a stress run with a
 * budget of 8 hung in task spawning).
 */
_Static_assert(HW_TABLE_BUDGET >= HW_INSN_TABLES_MAX, "the budget must hold one instruction's tables");
#define PMAP_IDS              4096    /* address-space ids; 0 is the kernel's, never hashed */
#define HPT_VPN_BITS          36      /* virtual page numbers of user addresses (47-bit) */
#define PMAP_FLUSH_ALL_PAGES  32      /* above this, reload CR3 instead of invlpg */

/* One translation: 24 bytes. */
struct hpte {
	uint64_t tag;            /* id << HPT_VPN_BITS | virtual page number; 0: free */
	uint64_t pte;            /* the translation as the hardware tables get it */
	uint32_t next, prev;     /* the owner's entries: index + 1, 0 ends the list */
};

struct pmap {
	uint64_t pml4_pa;
	uint32_t id;
	uint32_t first;          /* its HPT entries (index + 1) */
	size_t entries;
	struct pt_pages tables;  /* hardware table pages below the PML4 (spares included) */
	vm_address_t fixed_va;   /* a translation outside the VM's maps (the comm page); 0: none */
	uint64_t fixed_pte;
	vm_address_t leaves[HW_LEAVES_MAX];   /* its page tables (by 2 MiB base), oldest first */
	unsigned leaf_first, leaf_count;
};

/* TLB entries to drop for one pmap: single pages, or the whole TLB past a threshold. */
struct flush {
	struct pmap *pmap;
	size_t pages;
};

static spinlock_t pmap_lock = SPINLOCK_INIT;
static struct hpte *hpt;
static size_t hpt_capacity;              /* entries */
static unsigned hpt_bucket_bits;         /* buckets = 2^hpt_bucket_bits */
static unsigned hpt_clock;               /* the next victim way */
static struct pmap *pmap_of_id[PMAP_IDS];
static uint32_t next_id = 1;

static struct pmap kernel_pmap;
static struct zone pmap_zone;

void pmap_bootstrap(void)
{
	zone_init(&pmap_zone, "pmap", sizeof(struct pmap));
	kernel_pmap.pml4_pa = pt_bootstrap();
}

/* The HPT and the reverse mappings (after the zone allocator). */
void pmap_init(void)
{
	size_t want = page_total_count() * HPT_ENTRIES_PER_FRAME;
	size_t bytes;

	pv_init();
	hpt_bucket_bits = 0;
	while ((1UL << hpt_bucket_bits) * HPT_WAYS < want)
		hpt_bucket_bits++;
	hpt_capacity = (1UL << hpt_bucket_bits) * HPT_WAYS;
	bytes = hpt_capacity * sizeof(*hpt);
	hpt = kmem_pages_alloc((bytes + PAGE_SIZE - 1) / PAGE_SIZE);
	if (!hpt)
		panic("no memory for a hashed page table of %zu entries", hpt_capacity);
	memset(hpt, 0, bytes);
	kprintf("machlab: hashed page table: %zu entries (%zu KiB), %d-way\n", hpt_capacity,
		bytes / 1024, HPT_WAYS);
}

struct pmap *pmap_kernel(void)
{
	return &kernel_pmap;
}

bool pmap_is_active(struct pmap *p)
{
	return pt_is_active(p->pml4_pa);
}

void pmap_activate(struct pmap *p)
{
	pt_activate(p->pml4_pa);
}

static void flush_page(struct flush *fl, vm_address_t va)
{
	if (pmap_is_active(fl->pmap) && ++fl->pages <= PMAP_FLUSH_ALL_PAGES)
		invlpg(va);
}

static void flush_done(struct flush *fl)
{
	if (fl->pages > PMAP_FLUSH_ALL_PAGES && pmap_is_active(fl->pmap))
		write_cr3(fl->pmap->pml4_pa);
}

/* ---- the hashed page table ---- */

static uint64_t hpt_tag(const struct pmap *p, vm_address_t va)
{
	return (uint64_t)p->id << HPT_VPN_BITS | va >> PAGE_SHIFT;
}

static vm_address_t hpt_va(const struct hpte *e)
{
	return (e->tag & ((1UL << HPT_VPN_BITS) - 1)) << PAGE_SHIFT;
}

static struct pmap *hpt_owner(const struct hpte *e)
{
	return pmap_of_id[e->tag >> HPT_VPN_BITS];
}

static struct hpte *hpt_bucket(uint64_t tag)
{
	uint64_t h = tag * 0x9E3779B97F4A7C15UL;      /* Fibonacci hashing: the top bits */

	return &hpt[(hpt_bucket_bits ? h >> (64 - hpt_bucket_bits) : 0) * HPT_WAYS];
}

static struct hpte *hpt_at(uint32_t i)
{
	return i ? &hpt[i - 1] : NULL;
}

static uint32_t hpt_index(const struct hpte *e)
{
	return (uint32_t)(e - hpt) + 1;
}

static struct hpte *hpt_find(const struct pmap *p, vm_address_t va)
{
	uint64_t tag = hpt_tag(p, va);
	struct hpte *b = hpt_bucket(tag);

	for (int w = 0; w < HPT_WAYS; w++)
		if (b[w].tag == tag)
			return &b[w];
	return NULL;
}

static void hpt_link(struct pmap *p, struct hpte *e)
{
	e->prev = 0;
	e->next = p->first;
	if (p->first)
		hpt_at(p->first)->prev = hpt_index(e);
	p->first = hpt_index(e);
	p->entries++;
}

static void hpt_unlink(struct pmap *p, struct hpte *e)
{
	if (e->prev)
		hpt_at(e->prev)->next = e->next;
	else
		p->first = e->next;
	if (e->next)
		hpt_at(e->next)->prev = e->prev;
	p->entries--;
	*e = (struct hpte){ 0 };
}

/* ---- the hardware tables: a bounded cache of the HPT ---- */

static uint64_t *hw_slot(struct pmap *p, vm_address_t va)
{
	return pt_walk(p->pml4_pa, va, false, &p->tables);
}

#define LEAF_SPAN (PAGE_SIZE * PT_ENTRIES)   /* what one page table maps */

/* Take down every table of p below its PML4, keeping the pages (the HPT keeps the translations). */
static void hw_trim_all(struct pmap *p)
{
	pt_clear_user_tables(p->pml4_pa, NULL, NULL, &p->tables, true);
	p->leaf_count = 0;
}

/* Take down p's oldest page table; false if it has none. */
static bool hw_trim_oldest(struct pmap *p)
{
	while (p->leaf_count) {
		vm_address_t base = p->leaves[p->leaf_first];

		p->leaf_first = (p->leaf_first + 1) % HW_LEAVES_MAX;
		p->leaf_count--;
		if (pt_drop_leaf(p->pml4_pa, base, &p->tables))
			return true;
	}
	return false;
}

/* Make room for missing more table pages within the budget. */
static void hw_make_room(struct pmap *p, size_t missing)
{
	bool trimmed = false;

	while (missing > p->tables.spares &&
	       p->tables.held + missing - p->tables.spares > HW_TABLE_BUDGET) {
		trimmed = true;
		if (p->leaf_count <= HW_LEAVES_MIN || !hw_trim_oldest(p)) {
			hw_trim_all(p);
			break;
		}
	}
	if (!trimmed)
		return;
	if (pmap_is_active(p))
		write_cr3(p->pml4_pa);           /* the dropped tables' translations leave the TLB */
	stats_inc(STAT_PMAP_TRIMS);
}

/* Put pte at va in p's hardware tables, making room within the budget first. */
static bool hw_set(struct pmap *p, vm_address_t va, uint64_t pte)
{
	size_t missing = pt_missing(p->pml4_pa, va);
	uint64_t *slot;
	bool was_present;

	if (missing)
		hw_make_room(p, missing);
	slot = pt_walk(p->pml4_pa, va, true, &p->tables);
	if (!slot)
		return false;
	if (missing) {                           /* a new page table: the newest in the FIFO */
		assert(p->leaf_count < HW_LEAVES_MAX); /* each needs upper tables in the budget too */
		p->leaves[(p->leaf_first + p->leaf_count++) % HW_LEAVES_MAX] = va & ~(LEAF_SPAN - 1);
	}
	was_present = *slot & PTE_P;
	*slot = pte;
	if (was_present && pmap_is_active(p))
		invlpg(va);
	return true;
}

/* ---- translations ---- */

/* Remove e (p's) from the HPT, the hardware tables and the reverse mappings. */
static void hpt_drop(struct pmap *p, struct hpte *e, struct flush *fl)
{
	vm_address_t va = hpt_va(e);
	uint64_t *slot = hw_slot(p, va);

	if (slot && (*slot & PTE_P)) {
		*slot = 0;
		flush_page(fl, va);
	}
	pv_remove(p, va, e->pte & PTE_ADDR);
	hpt_unlink(p, e);
}

/* A free entry for (p, va) in its bucket, evicting one if the bucket is full. */
static struct hpte *hpt_insert(struct pmap *p, vm_address_t va)
{
	uint64_t tag = hpt_tag(p, va);
	struct hpte *b = hpt_bucket(tag), *e = NULL;

	for (int w = 0; w < HPT_WAYS && !e; w++)
		if (!b[w].tag)
			e = &b[w];
	if (!e) {
		struct flush fl;

		e = &b[hpt_clock++ % HPT_WAYS];
		fl = (struct flush){ hpt_owner(e), 0 };
		hpt_drop(fl.pmap, e, &fl);
		flush_done(&fl);
		stats_inc(STAT_PMAP_EVICTIONS);
	}
	e->tag = tag;
	hpt_link(p, e);
	return e;
}

static uint32_t pmap_id_alloc(struct pmap *p)
{
	for (uint32_t n = 1; n < PMAP_IDS; n++) {
		uint32_t id = next_id;

		next_id = next_id + 1 < PMAP_IDS ? next_id + 1 : 1;
		if (!pmap_of_id[id]) {
			pmap_of_id[id] = p;
			return id;
		}
	}
	return 0;
}

struct pmap *pmap_create(struct ledger *ledger)
{
	struct pmap *p = zalloc(&pmap_zone);
	uint64_t f;

	if (!p)
		return NULL;
	*p = (struct pmap){ .pml4_pa = pt_pml4_create(), .tables.ledger = ledger };
	f = spin_lock(&pmap_lock);
	p->id = p->pml4_pa ? pmap_id_alloc(p) : 0;
	spin_unlock(&pmap_lock, f);
	if (!p->id) {
		if (p->pml4_pa)
			page_free(p->pml4_pa);
		zfree(&pmap_zone, p);
		return NULL;
	}
	return p;
}

void pmap_destroy(struct pmap *p)
{
	struct flush fl = { p, 0 };
	uint64_t f;

	if (pmap_is_active(p))
		pmap_activate(&kernel_pmap);
	f = spin_lock(&pmap_lock);
	while (p->first)
		hpt_drop(p, hpt_at(p->first), &fl);
	pt_clear_user_tables(p->pml4_pa, NULL, NULL, &p->tables, false);
	pt_free_spares(&p->tables);
	assert(p->tables.held == 0);
	pmap_of_id[p->id] = NULL;
	spin_unlock(&pmap_lock, f);
	page_free(p->pml4_pa);
	zfree(&pmap_zone, p);
}

kern_return_t pmap_enter(struct pmap *p, vm_address_t va, uint64_t pa, vm_prot_t prot)
{
	uint64_t pte = (pa & PTE_ADDR) | pt_bits(prot);
	uint64_t f = spin_lock(&pmap_lock);
	kern_return_t kr = KERN_SUCCESS;

	if (va >= USER_SPACE_END) {              /* not the VM layer's: kept in the pmap */
		p->fixed_va = va;
		p->fixed_pte = pte;
	} else {
		struct hpte *e = hpt_find(p, va);

		if (!e || (e->pte & PTE_ADDR) != (pa & PTE_ADDR)) {
			if (!pv_add(p, va, pa)) {
				spin_unlock(&pmap_lock, f);
				return KERN_RESOURCE_SHORTAGE;
			}
			if (e)
				pv_remove(p, va, e->pte & PTE_ADDR);
			else
				e = hpt_insert(p, va);
		}
		e->pte = pte;
	}
	if (!hw_set(p, va, pte))
		kr = KERN_RESOURCE_SHORTAGE;     /* the HPT has it; a refill retries the tables */
	spin_unlock(&pmap_lock, f);
	return kr;
}

/* What to do with each of a pmap's translations in a range. */
typedef void (*hpt_fn)(struct pmap *p, struct hpte *e, struct flush *fl, void *ctx);

/*
 * Apply fn to each of p's HPT entries in [start, end) (pmap_lock held):
 * looking each page up when the range has fewer pages than p has entries,
 * otherwise walking p's list of entries.
 */
static void hpt_for_range(struct pmap *p, vm_address_t start, vm_address_t end, hpt_fn fn,
			  void *ctx)
{
	struct flush fl = { p, 0 };

	start &= ~(PAGE_SIZE - 1);
	if (start >= end)
		return;
	if ((end - start) / PAGE_SIZE <= p->entries) {
		for (vm_address_t va = start; va < end; va += PAGE_SIZE) {
			struct hpte *e = hpt_find(p, va);

			if (e)
				fn(p, e, &fl, ctx);
		}
	} else {
		for (uint32_t i = p->first, next; i; i = next) {
			struct hpte *e = hpt_at(i);
			vm_address_t va = hpt_va(e);

			next = e->next;
			if (va >= start && va < end)
				fn(p, e, &fl, ctx);
		}
	}
	flush_done(&fl);
}

struct remove_ctx {
	pmap_unmap_fn fn;
	void *ctx;
};

static void hpt_remove_one(struct pmap *p, struct hpte *e, struct flush *fl, void *ctx)
{
	struct remove_ctx *rc = ctx;
	vm_address_t va = hpt_va(e);
	uint64_t pa = e->pte & PTE_ADDR;

	hpt_drop(p, e, fl);
	if (rc->fn)
		rc->fn(rc->ctx, va, pa);
}

void pmap_remove(struct pmap *p, vm_address_t start, vm_address_t end,
		 pmap_unmap_fn fn, void *ctx)
{
	struct remove_ctx rc = { fn, ctx };
	uint64_t f = spin_lock(&pmap_lock);

	hpt_for_range(p, start, end, hpt_remove_one, &rc);
	spin_unlock(&pmap_lock, f);
}

/* Give e (and its hardware entry, if cached) the protection prot. */
static void hpt_protect_one(struct pmap *p, struct hpte *e, struct flush *fl, void *ctx)
{
	vm_address_t va = hpt_va(e);
	uint64_t *slot = hw_slot(p, va);

	e->pte = (e->pte & PTE_ADDR) | pt_bits(*(vm_prot_t *)ctx);
	if (slot && (*slot & PTE_P)) {
		*slot = e->pte;
		flush_page(fl, va);
	}
}

void pmap_protect(struct pmap *p, vm_address_t start, vm_address_t end, vm_prot_t prot)
{
	uint64_t f;

	if (prot == VM_PROT_NONE) {          /* nothing may be accessed: drop the translations */
		pmap_remove(p, start, end, NULL, NULL);
		return;
	}
	f = spin_lock(&pmap_lock);
	hpt_for_range(p, start, end, hpt_protect_one, &prot);
	spin_unlock(&pmap_lock, f);
}

/* The translation p holds for va (HPT or fixed), or 0. */
static uint64_t pmap_lookup(struct pmap *p, vm_address_t va)
{
	struct hpte *e;

	va &= ~(PAGE_SIZE - 1);
	if (p->fixed_va && va == p->fixed_va)
		return p->fixed_pte;
	e = va < USER_SPACE_END ? hpt_find(p, va) : NULL;
	return e ? e->pte : 0;
}

bool pmap_extract(struct pmap *p, vm_address_t va, uint64_t *pa, vm_prot_t *prot)
{
	uint64_t f = spin_lock(&pmap_lock);
	uint64_t pte = pmap_lookup(p, va);

	if (pte) {
		*pa = pte & PTE_ADDR;
		*prot = pt_prot(pte);
	}
	spin_unlock(&pmap_lock, f);
	return pte != 0;
}

/*
 * A fault at va: if the HPT (or the fixed translation) allows access and
 * the hardware tables lack it, put it there. A translation already in the
 * tables, or one that does not allow access, is the VM layer's business.
 */
bool pmap_refill(struct pmap *p, vm_address_t va, vm_prot_t access)
{
	uint64_t f = spin_lock(&pmap_lock);
	uint64_t pte = pmap_lookup(p, va), *slot;
	bool done = false;

	va &= ~(PAGE_SIZE - 1);
	slot = pte ? hw_slot(p, va) : NULL;
	if (pte && (pt_prot(pte) & access) == access && !(slot && (*slot & PTE_P)) &&
	    hw_set(p, va, pte)) {
		stats_inc(STAT_PMAP_REFILLS);
		done = true;
	}
	spin_unlock(&pmap_lock, f);
	return done;
}

void pmap_footprint(struct pmap *p, struct pmap_footprint_info *out)
{
	uint64_t f = spin_lock(&pmap_lock);

	*out = (struct pmap_footprint_info){
		.kind = PMAP_KIND_HASHED,
		.table_pages = p->tables.held + 1,
		.table_budget = HW_TABLE_BUDGET + 1,
		.hash_entries = p->entries,
		.hash_entry_bytes = sizeof(struct hpte),
		.hash_capacity = hpt_capacity,
		.bytes = p->entries * sizeof(struct hpte) + (p->tables.held + 1) * PAGE_SIZE,
	};
	spin_unlock(&pmap_lock, f);
}

/* ---- every mapping of one frame, through the reverse mappings ---- */

void pmap_page_protect(uint64_t pa, vm_prot_t prot)
{
	uint64_t f = spin_lock(&pmap_lock);
	struct list *head = pv_head(pa);

	if (head) {
		list_for_each_safe(l, head) {
			struct pv_entry *pv = list_entry(l, struct pv_entry, link);
			struct hpte *e = hpt_find(pv->pmap, pv->va);
			struct flush fl = { pv->pmap, 0 };

			if (!e)
				continue;
			if (prot == VM_PROT_NONE) {
				hpt_drop(pv->pmap, e, &fl);       /* frees pv too */
			} else {
				vm_prot_t reduced = pt_prot(e->pte) & prot;

				hpt_protect_one(pv->pmap, e, &fl, &reduced);
			}
		}
	}
	spin_unlock(&pmap_lock, f);
}

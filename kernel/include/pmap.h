/*
 * pmap.h — the physical map: the hardware translation layer under the VM
 * system (one variant axis: PMAP=radix|hashed, see DESIGN.md section 2).
 *
 * The VM layer's maps are the truth; a pmap only caches translations of
 * them. Implementations live in variants/pmap-<value>/pmap.c.
 */
#ifndef PMAP_H
#define PMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mach/kern_return.h>
#include <mach/types.h>

struct pmap;

/* Called by pmap_remove for every translation it drops. */
typedef void (*pmap_unmap_fn)(void *ctx, vm_address_t va, uint64_t pa);

void pmap_bootstrap(void);                 /* adopt the boot tables, drop the identity map */
void pmap_init(void);                      /* reverse mappings (after the zone allocator) */
struct pmap *pmap_kernel(void);
struct ledger;
/* NULL when out of memory; its page-table pages are charged to ledger (LEDGER_PAGE_TABLES) */
struct pmap *pmap_create(struct ledger *ledger);
void pmap_destroy(struct pmap *p);         /* the VM layer removed its translations first */

/*
 * Map the page at va to frame pa. VM_PROT_NONE keeps the frame but denies
 * user access. KERN_RESOURCE_SHORTAGE: no frame for a table (paging one
 * out may help); KERN_NO_SPACE: the task's ledger holds all the page-table
 * pages it may (nothing but unmapping helps).
 */
kern_return_t pmap_enter(struct pmap *p, vm_address_t va, uint64_t pa, vm_prot_t prot);
void pmap_remove(struct pmap *p, vm_address_t start, vm_address_t end,
		 pmap_unmap_fn fn, void *ctx);
void pmap_protect(struct pmap *p, vm_address_t start, vm_address_t end, vm_prot_t prot);
bool pmap_extract(struct pmap *p, vm_address_t va, uint64_t *pa, vm_prot_t *prot);
void pmap_activate(struct pmap *p);        /* load on this CPU */
bool pmap_is_active(struct pmap *p);       /* loaded on this CPU? */

/*
 * A page fault at va: reload the hardware translation from the pmap's own
 * structures if they hold one allowing access, without the VM layer (true:
 * done, retry the access). PMAP=radix's tables are the hardware's, so it
 * never can; PMAP=hashed refills its small hardware tables from the hash.
 */
bool pmap_refill(struct pmap *p, vm_address_t va, vm_prot_t access);

/* What p's translation structures hold (the footprint query, mk_pmap_footprint). */
struct pmap_footprint_info;
void pmap_footprint(struct pmap *p, struct pmap_footprint_info *out);

/*
 * Every mapping of one frame, through the per-frame reverse mappings.
 * (No referenced/modified queries: pageout picks victims oldest first and
 * writes every victim, so nothing reads the accessed and dirty bits.)
 */
void pmap_page_protect(uint64_t pa, vm_prot_t prot);  /* VM_PROT_NONE removes them */

#endif

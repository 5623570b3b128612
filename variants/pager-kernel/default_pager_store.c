/*
 * default_pager_store.c (PAGER=kernel) — the default pager's store in the
 * kernel: DEFAULT_PAGER_SLOTS pages of RAM reserved at boot as a RAM disk,
 * slot i for record i. Pages go and come back by direct calls: no fault
 * ever sends a message. vm_lock is held throughout.
 */
#include "pager.h"
#include "vm/vm_object.h"
#include "vm/page_alloc.h"
#include "vm/phys.h"
#include "kern/kprintf.h"
#include "kern/stats.h"
#include "lib/string.h"
#include "param.h"
#include <mach/types.h>

static uint64_t store_pa;

static void *dp_slot(const struct ds_record *r)
{
	return phys_to_virt(store_pa + ds_record_index(r) * PAGE_SIZE);
}

void dp_store_init(void)
{
	store_pa = page_alloc_contig(DEFAULT_PAGER_SLOTS);
	if (!store_pa)
		panic("no memory for the default pager's backing store");
}

bool dp_store_ready(void)
{
	return true;
}

bool dp_store_page(struct vm_page *page, struct ds_record *r)
{
	memcpy(dp_slot(r), phys_to_virt(vm_page_pa(page)), PAGE_SIZE);
	vm_page_free(page);
	return true;
}

struct vm_page *dp_fetch_page(struct vm_object *obj, uint64_t offset, struct ds_record *r,
			      bool *wait)
{
	struct vm_page *page = vm_page_alloc(obj, offset, false);

	(void)wait;
	if (!page)
		return NULL;
	memcpy(phys_to_virt(vm_page_pa(page)), dp_slot(r), PAGE_SIZE);
	ds_free(r);
	stats_inc(STAT_PAGEINS);
	return page;
}

kern_return_t dp_register(struct vm_map *map, struct port *pager)
{
	(void)map, (void)pager;
	return KERN_FAILURE;               /* this kernel's default pager is built in */
}

uint32_t dp_kind(void)
{
	return DEFAULT_PAGER_KIND_KERNEL;
}

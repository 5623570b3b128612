/*
 * comm_page.c — one page of counters the kernel updates and every task can
 * read (include/mach/comm_page.h). It sits above the end of every address
 * map, so the VM layer never sees it: deallocation cannot reach it and
 * destroying a map does not free it.
 */
#include "kern/comm_page.h"
#include "kern/kprintf.h"
#include "vm/page_alloc.h"
#include "vm/phys.h"
#include "arch/lapic.h"
#include "pmap.h"
#include "param.h"

_Static_assert(MK_COMM_PAGE_ADDR == USER_SPACE_END, "the comm page is the page above user maps");

struct mk_comm_page *comm_page;
static uint64_t comm_page_pa;

void comm_page_init(void)
{
	comm_page_pa = page_alloc_zeroed();
	if (!comm_page_pa)
		panic("no memory for the comm page");
	comm_page = phys_to_virt(comm_page_pa);
	comm_page->tick_ns = lapic_tick_ns();
}

kern_return_t comm_page_map(struct pmap *pmap)
{
	return pmap_enter(pmap, MK_COMM_PAGE_ADDR, comm_page_pa, VM_PROT_READ);
}

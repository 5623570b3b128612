/*
 * comm_page.h — the kernel side of the read-only counter page
 * (include/mach/comm_page.h).
 */
#ifndef KERN_COMM_PAGE_H
#define KERN_COMM_PAGE_H

#include <mach/comm_page.h>
#include <mach/kern_return.h>

struct pmap;

extern struct mk_comm_page *comm_page;

void comm_page_init(void);
kern_return_t comm_page_map(struct pmap *pmap);

#endif

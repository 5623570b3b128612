/*
 * zalloc.h — the kernel object allocator (Mach-style zones).
 *
 * A zone hands out fixed-size elements carved from whole pages. Each page
 * starts with a small header (its zone, its free list, its use count), so
 * freeing finds the page by rounding down, and a page whose last element is
 * freed goes straight back to the page pool: kernel memory returns to where
 * it was when the objects die. A zone that zone_keep_empty registers keeps
 * one such page instead, for its next zalloc: a zone whose last object dies
 * and is born again on every message (a message buffer, a copy object)
 * then takes no page from the pool each time. Kept pages count as free
 * (zone_kept_pages) and the page allocator takes them back when it is
 * short (zone_reclaim). kmem_alloc/kmem_free serve other sizes from
 * power-of-two zones, and whole pages above the largest zone.
 */
#ifndef KERN_ZALLOC_H
#define KERN_ZALLOC_H

#include <stddef.h>
#include <stdint.h>
#include "kern/lock.h"
#include "lib/list.h"

struct zone {
	const char *name;
	size_t elem_size;        /* bytes per element, rounded to 16 */
	size_t per_page;         /* elements per page */
	spinlock_t lock;
	struct list partial;     /* pages with at least one free element */
	struct list full;        /* pages with none */
	size_t in_use;           /* elements allocated */
	size_t pages;            /* pages held (a kept one included) */
	bool keeps;              /* zone_keep_empty registered it */
	struct zone_page *kept;  /* an empty page kept for the next zalloc, or NULL */
};

#define ZONE_ELEM_MAX 2048   /* largest element a zone serves */

void zone_init(struct zone *z, const char *name, size_t elem_size);
void zone_keep_empty(struct zone *z); /* static zones only: it is registered for good */
size_t zone_reclaim(void);            /* kept pages back to the pool; how many */
size_t zone_kept_pages(void);
void *zalloc(struct zone *z);        /* zeroed element, or NULL */
void *zalloc_uninit(struct zone *z); /* an element as its last user left it, or NULL */
void zfree(struct zone *z, void *elem);

void kmem_init(void);
void *kmem_alloc(size_t bytes);      /* zeroed, or NULL */
void *kmem_alloc_uninit(size_t bytes); /* not zeroed (the caller fills every byte) */
void kmem_free(void *p, size_t bytes);

/* Supplied by the page allocator (or, in host tests, by the test). */
void *kmem_page_alloc(void);
void kmem_page_free(void *va);
void *kmem_pages_alloc(size_t count);
void kmem_pages_free(void *va, size_t count);

#endif

/*
 * vm_object.h — memory objects and their resident pages.
 *
 * Physical memory is a cache of memory objects: every resident page belongs
 * to one (object, offset) and is found through a hash on that pair. An
 * object may have a shadow — the object it is a copy-on-write copy of —
 * at shadow_offset: a page the object does not hold is looked up down the
 * chain. A page nobody ever wrote is not resident anywhere and reads as
 * zeros (zero fill on demand, no pager asked). Pagers (issue "Virtual
 * memory", later part) back objects whose pages can be paged out.
 *
 * Locking: vm_lock covers every object, the page hash and each page's
 * identity (lock order: map lock, vm_lock, pmap lock).
 */
#ifndef VM_VM_OBJECT_H
#define VM_VM_OBJECT_H

#include <stdbool.h>
#include <stdint.h>
#include "kern/lock.h"
#include "kern/deferred.h"
#include "kern/sched.h"
#include "lib/list.h"

struct vm_object {
	uint32_t refs;              /* map entries, shadowing objects, message copies */
	uint64_t size;              /* bytes */
	uint64_t id;                /* an opaque name for vm_region/vm_debug */
	struct list pages;          /* resident struct vm_page, in no order */
	uint32_t resident;
	struct vm_object *shadow;   /* copy-on-write source (referenced), or NULL */
	uint64_t shadow_offset;     /* where this object's offset 0 is in the shadow */
	struct list shadowers;      /* objects whose shadow this is */
	struct list shadow_link;    /* in shadow->shadowers */
	struct port *pager;         /* memory object port (a send right the kernel holds), or NULL */
	struct port *control;       /* its control port (kernel-served) */
	uint64_t error_start, error_end;   /* the last range the pager reported DATA_ERROR for */
	struct waitq waiters;       /* faults waiting for the pager */
	uint64_t fills;             /* pager answers so far (a waiting fault rechecks on change) */
	struct deferred_work dead_work;   /* its pager link's teardown, after the last reference */
	struct list paged_out;      /* its pages the default pager holds */
	bool wired;                 /* never paged out (the default pager's own memory) */
	bool default_paged;         /* its pager is the user-level default pager */
	bool return_pages;          /* its pages go back to its pager at its end (VM_MAP_RETURN_PAGES) */
};

/* One per physical frame the kernel manages (vm_page_of). */
struct vm_page {
	struct vm_object *object;   /* NULL: not an object page */
	uint64_t offset;
	struct list hash_link;      /* bucket of the (object, offset) hash */
	struct list object_link;    /* object->pages */
	struct list fifo_link;      /* resident object pages, oldest first (pageout) */
	bool busy;                  /* a fault is using it: not a pageout victim */
	bool in_fifo;               /* counted among resident object pages */
};

extern spinlock_t vm_lock;

void vm_page_init(void);
struct vm_page *vm_page_of(uint64_t pa);
extern struct vm_page *vm_pages;   /* indexed by frame number (vm_object.c) */

/* The frame's physical address (inline: the fault path asks for it three times). */
static inline uint64_t vm_page_pa(const struct vm_page *page)
{
	return (uint64_t)(page - vm_pages) * PAGE_SIZE;
}

/* All of these need vm_lock. */
struct vm_object *vm_object_allocate(uint64_t size);
void vm_object_reference(struct vm_object *obj);
void vm_object_deallocate(struct vm_object *obj);
struct vm_page *vm_page_lookup(struct vm_object *obj, uint64_t offset);
struct vm_page *vm_page_alloc(struct vm_object *obj, uint64_t offset, bool zero);
/* vm_page_alloc in two steps, for a frame filled with no lock held: the frame, then the page. */
uint64_t vm_page_frame_alloc(bool zero);
struct vm_page *vm_page_insert_frame(struct vm_object *obj, uint64_t offset, uint64_t pa);
void vm_page_free(struct vm_page *page);
struct pager_miss;
struct vm_page *vm_object_find_page(struct vm_object *obj, uint64_t offset, uint32_t *depth,
				    struct pager_miss *miss);
struct vm_page *vm_object_find_resident(struct vm_object *obj, uint64_t offset, uint32_t *depth);
void vm_object_shadow(struct vm_object **obj, uint64_t *offset, uint64_t size);
void vm_object_page_remove(struct vm_object *obj, uint64_t start, uint64_t end);
void vm_object_collapse(struct vm_object *obj);
void vm_object_free(struct vm_object *obj);
void vm_page_move(struct vm_page *page, struct vm_object *to, uint64_t offset);
void vm_object_wire(struct vm_object *obj);
struct vm_object *vm_object_pager_of(struct vm_object *obj, uint64_t *offset);
struct vm_object *vm_object_split(struct vm_object *obj, uint64_t at);
struct vm_object *vm_object_copy_now(struct vm_object *src, uint64_t offset, uint64_t size);

#endif

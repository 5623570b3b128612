/*
 * vm_object.c — memory objects, the resident-page hash, shadow chains and
 * their collapse (vm_object.h).
 *
 * Copy strategy: symmetric copy-on-write with shadow objects (Mach's
 * "delayed copy" for internal memory). A copied region's entries (source and
 * copy) both point at the same object with needs_copy set; the first write
 * through either puts a fresh shadow object in front of it and copies the
 * page up. An object whose only reference is its shadowing object is merged
 * into it (collapse), so repeated copies do not grow chains without bound.
 * Memory mapped by several entries at once (SHARE inheritance) is copied
 * physically when a copy is asked for (vm_object_copy_now): the symmetric
 * scheme cannot protect a sharer's writable mappings.
 */
#include "vm/vm_object.h"
#include "kern/ledger.h"
#include "kern/task.h"
#include "vm/page_alloc.h"
#include "vm/phys.h"
#include "kern/kprintf.h"
#include "kern/zalloc.h"
#include "pager.h"
#include "vm/vm_fault.h"
#include "pmap.h"
#include "param.h"

spinlock_t vm_lock = SPINLOCK_INIT;

static struct zone object_zone;
struct vm_page *vm_pages;                /* indexed by frame number */
static size_t vm_page_count;
static struct list *page_hash;
static size_t page_hash_mask;
static uint64_t next_object_id = 1;

/* One struct vm_page per frame of the page pool, and the page hash. */
void vm_page_init(void)
{
	struct page_pool *pool = page_pool_kernel();
	size_t frames = 0, buckets = 1;

	for (size_t f = 0; f < pool->nframes; f++)
		if (!page_pool_frame_in_use(pool, f))
			frames = f + 1;
	while (buckets < frames / 4)
		buckets <<= 1;
	vm_page_count = frames;
	vm_pages = kmem_pages_alloc((frames * sizeof(*vm_pages) + PAGE_SIZE - 1) / PAGE_SIZE);
	page_hash = kmem_pages_alloc((buckets * sizeof(*page_hash) + PAGE_SIZE - 1) / PAGE_SIZE);
	if (!vm_pages || !page_hash)
		panic("no memory for the page table of %zu frames", frames);
	for (size_t i = 0; i < frames; i++) {
		vm_pages[i] = (struct vm_page){ 0 };
		list_init(&vm_pages[i].hash_link);
		list_init(&vm_pages[i].object_link);
		list_init(&vm_pages[i].fifo_link);
	}
	for (size_t i = 0; i < buckets; i++)
		list_init(&page_hash[i]);
	page_hash_mask = buckets - 1;
	zone_init(&object_zone, "vm_object", sizeof(struct vm_object));
	zone_keep_empty(&object_zone);
}

struct vm_page *vm_page_of(uint64_t pa)
{
	size_t f = pa / PAGE_SIZE;

	return f < vm_page_count ? &vm_pages[f] : NULL;
}

static struct list *page_bucket(const struct vm_object *obj, uint64_t offset)
{
	uint64_t h = ((uintptr_t)obj >> 6) * 0x9E3779B97F4A7C15UL + offset / PAGE_SIZE;

	return &page_hash[(h ^ (h >> 29)) & page_hash_mask];
}

struct vm_object *vm_object_allocate(uint64_t size)
{
	struct vm_object *obj = zalloc(&object_zone);

	if (!obj)
		return NULL;
	obj->refs = 1;
	obj->size = size;
	obj->id = next_object_id++;
	list_init(&obj->pages);
	list_init(&obj->shadowers);
	list_init(&obj->shadow_link);
	list_init(&obj->paged_out);
	waitq_init(&obj->waiters);
	return obj;
}

void vm_object_reference(struct vm_object *obj)
{
	obj->refs++;
}

/* Make obj shadow `shadow` (whose reference the caller gives). */
static void vm_object_set_shadow(struct vm_object *obj, struct vm_object *shadow, uint64_t offset)
{
	list_unlink(&obj->shadow_link);
	obj->shadow = shadow;
	obj->shadow_offset = offset;
	if (shadow)
		list_push_back(&shadow->shadowers, &obj->shadow_link);
}

/*
 * Drop a reference; the last one frees the pages and lets go of the shadow.
 * An object left with one reference, held by the one object shadowing it,
 * is merged into that object at once (so a parent that keeps creating
 * copy-on-write children does not keep their old pages in its chain).
 */
void vm_object_deallocate(struct vm_object *obj)
{
	while (obj && --obj->refs == 0) {
		struct vm_object *shadow = obj->shadow;

		list_for_each_safe(l, &obj->pages)          /* (pages to return stay for the reap) */
			if (!obj->return_pages || !obj->pager)
				vm_page_free(list_entry(l, struct vm_page, object_link));
		default_pager_object_dead(obj);
		vm_object_set_shadow(obj, NULL, 0);
		if (obj->pager)
			pager_object_dead(obj);        /* freed once its pager link is gone */
		else
			zfree(&object_zone, obj);
		obj = shadow;
	}
	if (obj && obj->refs == 1 && obj->shadowers.next != &obj->shadowers &&
	    obj->shadowers.next->next == &obj->shadowers)
		vm_object_collapse(list_entry(obj->shadowers.next, struct vm_object, shadow_link));
}

struct vm_page *vm_page_lookup(struct vm_object *obj, uint64_t offset)
{
	struct list *b = page_bucket(obj, offset);

	list_for_each(l, b) {
		struct vm_page *p = list_entry(l, struct vm_page, hash_link);

		if (p->object == obj && p->offset == offset)
			return p;
	}
	return NULL;
}

static void vm_page_insert(struct vm_page *page, struct vm_object *obj, uint64_t offset)
{
	page->object = obj;
	page->offset = offset;
	list_push_front(page_bucket(obj, offset), &page->hash_link);
	list_push_back(&obj->pages, &page->object_link);
	obj->resident++;
	if (!obj->wired)
		default_pager_page_added(page);       /* pageable: counted against the limit */
}

static void vm_page_remove(struct vm_page *page)
{
	list_unlink(&page->hash_link);
	list_unlink(&page->object_link);
	page->object->resident--;
	page->object = NULL;
	page->busy = false;
	default_pager_page_removed(page);
}

/*
 * May the running code take one of the last free frames (1 in
 * 2^LEDGER_PAGE_RESERVE_SHIFT of the machine's) for memory-object pages?
 * Kernel threads and privileged ledgers may; an ordinary task may not, so
 * one that fills memory gets a failed fault while privileged tasks can
 * still spawn and run.
 */
static bool vm_page_reserve_ok(void)
{
	struct ledger *l = current_ledger();

	return !l || l->privileged ||
	       page_free_count() > page_total_count() >> LEDGER_PAGE_RESERVE_SHIFT;
}

/*
 * A fresh frame for a page of an object, in none yet (zeroed if asked), or
 * 0 when memory is out or the caller may not take the reserve; vm_lock held.
 */
uint64_t vm_page_frame_alloc(bool zero)
{
	while (default_pager_pressure() && default_pager_pageout_one())
		;                                     /* make room first */
	if (!vm_page_reserve_ok())
		return 0;
	return zero ? page_alloc_zeroed() : page_alloc();
}

/* Make the frame at pa (from vm_page_frame_alloc) page offset of obj; vm_lock held. */
struct vm_page *vm_page_insert_frame(struct vm_object *obj, uint64_t offset, uint64_t pa)
{
	struct vm_page *page = vm_page_of(pa);

	vm_page_insert(page, obj, offset);
	return page;
}

/* A fresh frame as page offset of obj (zeroed if asked), or NULL when memory is out. */
struct vm_page *vm_page_alloc(struct vm_object *obj, uint64_t offset, bool zero)
{
	uint64_t pa = vm_page_frame_alloc(zero);

	return pa ? vm_page_insert_frame(obj, offset, pa) : NULL;
}

/* Free a resident page, removing any translation still pointing at it. */
void vm_page_free(struct vm_page *page)
{
	pmap_page_protect(vm_page_pa(page), VM_PROT_NONE);
	vm_page_remove(page);
	page_free(vm_page_pa(page));
}

/* The resident page for offset of obj, looked up down the shadow chain (depth 0: obj). */
struct vm_page *vm_object_find_resident(struct vm_object *obj, uint64_t offset, uint32_t *depth)
{
	for (*depth = 0; obj; (*depth)++) {
		struct vm_page *p = vm_page_lookup(obj, offset);

		if (p)
			return p;
		offset += obj->shadow_offset;
		obj = obj->shadow;
	}
	return NULL;
}

/*
 * Like vm_object_find_resident, but a page the default pager holds comes
 * back in. If it must be waited for (a user-level default pager), NULL is
 * returned with miss filled in (the object referenced); callers that cannot
 * wait pass no miss and never meet such pages (see vm_copy.c).
 */
struct vm_page *vm_object_find_page(struct vm_object *obj, uint64_t offset, uint32_t *depth,
				    struct pager_miss *miss)
{
	for (*depth = 0; obj; (*depth)++) {
		struct vm_page *p = vm_page_lookup(obj, offset);
		bool wait = false;

		if (p || (p = default_pager_pagein(obj, offset, &wait)))
			return p;
		if (wait) {
			if (miss) {
				miss->object = obj;
				miss->offset = offset;
				vm_object_reference(obj);
			}
			return NULL;
		}
		offset += obj->shadow_offset;
		obj = obj->shadow;
	}
	return NULL;
}

/*
 * Put a new, empty object of size bytes in front of *obj (which it
 * shadows, taking over the caller's reference), and make the caller use it.
 */
void vm_object_shadow(struct vm_object **obj, uint64_t *offset, uint64_t size)
{
	struct vm_object *s = vm_object_allocate(size);

	if (!s)
		return;                       /* out of memory: the fault will retry */
	vm_object_set_shadow(s, *obj, *offset);
	*obj = s;
	*offset = 0;
	vm_object_collapse(s);
}

/* Free obj's resident pages in [start, end) (its only user has unmapped them). */
void vm_object_page_remove(struct vm_object *obj, uint64_t start, uint64_t end)
{
	list_for_each_safe(l, &obj->pages) {
		struct vm_page *p = list_entry(l, struct vm_page, object_link);

		if (p->offset >= start && p->offset < end)
			vm_page_free(p);
	}
}

/*
 * Merge shadows that only obj refers to into obj: their pages that obj
 * does not hide move up (pages outside obj are freed), and obj takes over
 * their shadow. Mapped frames stay where they are mapped.
 */
void vm_object_collapse(struct vm_object *obj)
{
	struct vm_object *backing;

	/* the user-level default pager knows pages by object: never merge its objects; nor
	 * an external pager's (its missing pages are the pager's to give) */
	while ((backing = obj->shadow) && backing->refs == 1 && !backing->default_paged &&
	       !obj->default_paged && !backing->pager) {
		list_for_each_safe(l, &backing->pages) {
			struct vm_page *p = list_entry(l, struct vm_page, object_link);
			uint64_t off = p->offset - obj->shadow_offset;

			if (p->offset < obj->shadow_offset || off >= obj->size ||
			    vm_page_lookup(obj, off)) {
				vm_page_free(p);
				continue;
			}
			vm_page_remove(p);
			vm_page_insert(p, obj, off);
		}
		default_pager_move(backing, obj, obj->shadow_offset, obj->shadow_offset + obj->size,
				   obj->shadow_offset);
		default_pager_object_dead(backing);
		vm_object_set_shadow(obj, backing->shadow, obj->shadow_offset + backing->shadow_offset);
		if (backing->shadow)                   /* obj holds backing's reference now */
			list_unlink(&backing->shadow_link);
		backing->shadow = NULL;
		backing->refs = 0;
		zfree(&object_zone, backing);
	}
}

/* A new object holding a copy of every page visible in [offset, offset+size) of src. */
struct vm_object *vm_object_copy_now(struct vm_object *src, uint64_t offset, uint64_t size)
{
	struct vm_object *copy = vm_object_allocate(size);
	uint32_t depth;

	for (uint64_t o = 0; copy && src && o < size; o += PAGE_SIZE) {
		struct vm_page *from = vm_object_find_page(src, offset + o, &depth, NULL), *to;

		if (!from)
			continue;
		from->busy = true;
		to = vm_page_alloc(copy, o, false);
		from->busy = false;
		if (!to) {
			vm_object_deallocate(copy);
			return NULL;
		}
		page_copy(vm_page_pa(to), vm_page_pa(from));
	}
	return copy;
}

/*
 * Split a private object: a new object takes obj's offsets from `at` on
 * (its pages move, it shadows what obj shadows). For clipping a map entry
 * whose object nobody else uses. Returns NULL if memory is short (the
 * caller then shares obj instead).
 */
struct vm_object *vm_object_split(struct vm_object *obj, uint64_t at)
{
	struct vm_object *hi = vm_object_allocate(obj->size > at ? obj->size - at : PAGE_SIZE);

	if (!hi)
		return NULL;
	list_for_each_safe(l, &obj->pages) {
		struct vm_page *p = list_entry(l, struct vm_page, object_link);

		if (p->offset < at)
			continue;
		vm_page_remove(p);
		vm_page_insert(p, hi, p->offset - at);
	}
	default_pager_move(obj, hi, at, ~0UL, at);
	if (obj->shadow) {
		vm_object_reference(obj->shadow);
		vm_object_set_shadow(hi, obj->shadow, obj->shadow_offset + at);
	}
	return hi;
}

/* Free an object struct whose pages and references are already gone. */
void vm_object_free(struct vm_object *obj)
{
	zfree(&object_zone, obj);
}

/*
 * The first object down obj's chain with an external pager, with offset
 * translated (objects the default pager serves ask only for the pages it
 * holds: see vm_object_find_page).
 */
struct vm_object *vm_object_pager_of(struct vm_object *obj, uint64_t *offset)
{
	for (; obj; obj = obj->shadow) {
		if (obj->pager && !obj->default_paged)
			return obj;
		*offset += obj->shadow_offset;
	}
	return NULL;
}

/* Move a resident page to offset of another object (its frame stays; nothing may map it). */
void vm_page_move(struct vm_page *page, struct vm_object *to, uint64_t offset)
{
	vm_page_remove(page);
	vm_page_insert(page, to, offset);
}

/*
 * obj and the objects it shadows are never paged out again, and their pages
 * no longer count against the resident limit (vm_lock held).
 */
void vm_object_wire(struct vm_object *obj)
{
	for (; obj && !obj->wired; obj = obj->shadow) {
		obj->wired = true;
		list_for_each(l, &obj->pages)
			default_pager_page_removed(list_entry(l, struct vm_page, object_link));
	}
}

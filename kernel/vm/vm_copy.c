/*
 * vm_copy.c — copies of address ranges: a child's map built from its
 * parent's by inheritance (blueprint tasks), out-of-line message regions
 * (vm_map_copy: copied in from the sender, copied out into the receiver),
 * and the vm_region/vm_debug queries.
 *
 * Copies are copy-on-write (see vm_object.c for the strategy): the copy's
 * entries reference the source's objects with needs_copy set on both
 * sides, and the source's translations lose write permission at once.
 * Memory shared by several entries (SHARE inheritance) is copied physically
 * instead, and so are the whole pages of an out-of-line region sent without
 * deallocate under MSG=copy (msg_ool.h chooses: vm_copy_shared or
 * vm_copy_physical). Partial pages at the ends of an unaligned out-of-line
 * region are copied, never shared, so the receiver sees none of the
 * sender's bytes around the region.
 */
#include "vm/vm_map.h"
#include "vm/vm_fault.h"
#include "pager.h"
#include "msg_ool.h"
#include "vm/vm_object.h"
#include "vm/page_alloc.h"
#include "vm/phys.h"
#include "kern/zalloc.h"
#include "lib/string.h"
#include "pmap.h"
#include "param.h"
#include <mach/types.h>

/* Entries one out-of-line region may span (less 2 for the partial pages at
 * its ends): as many as keep struct vm_map_copy within the largest kmem
 * zone (2,048 bytes), whose kept page serves the next message, instead of
 * whole pages from the page allocator, taken, zeroed and given back on
 * every message. */
#define VM_COPY_PIECES_MAX 62

/* One piece of a copy: a range of an object, or (edge) a private page. */
struct vm_copy_piece {
	struct vm_object *object;  /* referenced */
	uint64_t offset;
	uint64_t size;
	bool needs_copy;
};

/* Allocated unzeroed: every piece below npieces is written whole when it is
 * made (vm_copy_bytes, vm_copy_shared, vm_map_copy_of_object), the rest are
 * never read. */
struct vm_map_copy {
	uint64_t size;             /* bytes of the region */
	uint64_t page_offset;      /* where the region starts in its first page */
	uint32_t npieces;
	struct vm_copy_piece pieces[VM_COPY_PIECES_MAX];
};

_Static_assert(sizeof(struct vm_map_copy) <= ZONE_ELEM_MAX, "a copy fits a kmem zone");

/* A new copy of size bytes from page_offset on, with no piece yet; NULL when out of memory. */
static struct vm_map_copy *vm_map_copy_new(uint64_t size, uint64_t page_offset)
{
	struct vm_map_copy *copy = kmem_alloc_uninit(sizeof(*copy));

	if (copy) {                  /* the header only: the pieces are ~2 KiB */
		copy->size = size;
		copy->page_offset = page_offset;
		copy->npieces = 0;
	}
	return copy;
}

static vm_address_t trunc_page(vm_address_t a)
{
	return a & ~(PAGE_SIZE - 1);
}

static vm_address_t round_page(vm_address_t a)
{
	return (a + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

/*
 * The object and offset a copy of [start, end) of e should reference
 * (vm_lock and the map lock held): the shared object, now copy-on-write on
 * both sides, or a physical copy when e's object is shared writable.
 */
static struct vm_object *vm_copy_source(struct vm_map *map, struct vm_map_entry *e,
					vm_address_t start, vm_address_t end, uint64_t *offset,
					bool *needs_copy)
{
	uint64_t off = e->offset + (start - e->start);

	if (!e->object && !(e->object = vm_object_allocate(e->end - e->start)))
		return NULL;
	if (e->shared && e->object->refs == 1)
		e->shared = false;                    /* the other sharers are gone */
	if (e->shared) {
		*offset = 0;
		*needs_copy = false;
		return vm_object_copy_now(e->object, off, end - start);
	}
	if (!e->needs_copy) {
		e->needs_copy = true;
		if (e->pmapped)
			pmap_protect(map->pmap, e->start, e->end, e->prot & ~VM_PROT_WRITE);
	}
	vm_object_reference(e->object);
	*offset = off;
	*needs_copy = true;
	return e->object;
}

/* A new entry in child for [start, end) backed by obj at offset (child map locked). */
static kern_return_t vm_copy_enter(struct vm_map *child, struct vm_map_entry *proto,
				   vm_address_t start, vm_address_t end, struct vm_object *obj,
				   uint64_t offset, bool needs_copy)
{
	struct vm_map_entry *e = vm_map_entry_alloc(child);

	if (!e)
		return KERN_RESOURCE_SHORTAGE;
	*e = *proto;
	e->start = start;
	e->end = end;
	e->object = obj;
	e->offset = offset;
	e->needs_copy = needs_copy;
	vm_map_entry_link(child, child->entries.prev, e);
	return KERN_SUCCESS;
}

/* Build child's map (empty) from parent's entries by their inheritance. */
kern_return_t vm_map_fork(struct vm_map *parent, struct vm_map *child)
{
	kern_return_t kr = KERN_SUCCESS;
	uint64_t f = spin_lock(&parent->lock);
	uint64_t g = spin_lock(&child->lock);
	uint64_t h = spin_lock(&vm_lock);

	list_for_each(l, &parent->entries) {
		struct vm_map_entry *e = list_entry(l, struct vm_map_entry, link);
		struct vm_object *obj;
		uint64_t offset = e->offset;
		bool needs_copy = false;

		if (e->inherit == VM_INHERIT_NONE)
			continue;
		if (e->inherit == VM_INHERIT_SHARE) {
			if (!e->object && !(e->object = vm_object_allocate(e->end - e->start))) {
				kr = KERN_RESOURCE_SHORTAGE;
				break;
			}
			vm_object_reference(e->object);
			e->shared = true;
			vm_object_wire(e->object);      /* copied under locks: never paged out */
			obj = e->object;
			needs_copy = e->needs_copy;
		} else if (!e->object) {
			obj = NULL;                      /* nothing was ever written */
		} else if (!(obj = vm_copy_source(parent, e, e->start, e->end, &offset,
						  &needs_copy))) {
			kr = KERN_RESOURCE_SHORTAGE;
			break;
		}
		kr = vm_copy_enter(child, e, e->start, e->end, obj, offset, needs_copy);
		if (kr != KERN_SUCCESS) {
			vm_object_deallocate(obj);
			break;
		}
	}
	spin_unlock(&vm_lock, h);
	spin_unlock(&child->lock, g);
	spin_unlock(&parent->lock, f);
	return kr;
}

/* ---- out-of-line regions ---- */

/*
 * A private object holding the bytes of [addr, addr+n) of map at their page
 * offsets (the rest of its pages zero): a physical copy, made page by page
 * straight into the object's frames. vm_copyin faults the sender's pages in
 * as a user access would (any pager), so no lock is held while it copies;
 * the frame being filled is busy, so pageout leaves it alone.
 */
static kern_return_t vm_copy_bytes(struct vm_map *map, vm_address_t addr, size_t n,
				   struct vm_copy_piece *piece)
{
	vm_address_t first = trunc_page(addr), end = addr + n;
	uint64_t size = round_page(end) - first;
	kern_return_t kr = KERN_SUCCESS;
	uint64_t f = spin_lock(&vm_lock);

	piece->object = vm_object_allocate(size);
	spin_unlock(&vm_lock, f);
	if (!piece->object)
		return KERN_RESOURCE_SHORTAGE;
	piece->offset = 0;
	piece->size = size;
	piece->needs_copy = false;
	for (uint64_t o = 0; o < size && kr == KERN_SUCCESS; o += PAGE_SIZE) {
		vm_address_t from = addr > first + o ? addr : first + o;
		vm_address_t to = end < first + o + PAGE_SIZE ? end : first + o + PAGE_SIZE;
		struct vm_page *page;

		f = spin_lock(&vm_lock);
		page = vm_page_alloc(piece->object, o, to - from != PAGE_SIZE);
		if (page)
			page->busy = true;
		spin_unlock(&vm_lock, f);
		if (!page)
			return KERN_RESOURCE_SHORTAGE;
		kr = vm_copyin(map, from, (char *)phys_to_virt(vm_page_pa(page)) + (from - first - o),
			       to - from);
		f = spin_lock(&vm_lock);
		page->busy = false;
		spin_unlock(&vm_lock, f);
	}
	return kr;
}

/* MSG=copy: the whole pages [start, end) of map copied now, into one new object. */
kern_return_t vm_copy_physical(struct vm_map *map, vm_address_t start, vm_address_t end,
			       struct vm_map_copy *copy)
{
	kern_return_t kr = vm_copy_bytes(map, start, end - start, &copy->pieces[copy->npieces]);

	if (copy->pieces[copy->npieces].object)
		copy->npieces++;                  /* discarded with the copy on failure */
	return kr;
}

/* Copy-on-write pieces for the whole pages [start, end) of map (MSG=cow, and moves). */
kern_return_t vm_copy_shared(struct vm_map *map, vm_address_t start, vm_address_t end,
				    struct vm_map_copy *copy)
{
	kern_return_t kr = KERN_SUCCESS;
	vm_address_t cur = start;
	uint64_t f = spin_lock(&map->lock);
	uint64_t g = spin_lock(&vm_lock);

	while (cur < end && kr == KERN_SUCCESS) {
		struct vm_map_entry *e = vm_map_lookup_locked(map, cur);
		vm_address_t stop = e && e->end < end ? e->end : end;
		struct vm_copy_piece *p = &copy->pieces[copy->npieces];

		if (!e || !(e->prot & VM_PROT_READ))
			kr = e ? KERN_PROTECTION_FAILURE : KERN_INVALID_ADDRESS;
		else if (copy->npieces == VM_COPY_PIECES_MAX - 2)
			kr = KERN_NO_SPACE;
		else if (!(p->object = vm_copy_source(map, e, cur, stop, &p->offset,
						      &p->needs_copy)))
			kr = KERN_RESOURCE_SHORTAGE;
		else {
			p->size = stop - cur;
			copy->npieces++;
			cur = stop;
		}
	}
	spin_unlock(&vm_lock, g);
	spin_unlock(&map->lock, f);
	return kr;
}

/*
 * Copy [addr, addr+size) of map for a message. Partial pages at the ends
 * are copied; the whole pages between them are shared copy-on-write when
 * the region moves (the sender deallocates it) and otherwise as the MSG
 * axis says (msg_ool.h). Nothing in map changes but write permission on
 * shared pages.
 */
kern_return_t vm_map_copyin(struct vm_map *map, vm_address_t addr, vm_size_t size, bool move,
			    struct vm_map_copy **out)
{
	struct vm_map_copy *copy;
	vm_address_t first = trunc_page(addr), last = trunc_page(addr + size - 1);
	vm_address_t mid_start = addr == first ? first : first + PAGE_SIZE;
	vm_address_t mid_end = (addr + size) == round_page(addr + size) ? last + PAGE_SIZE : last;
	kern_return_t kr = KERN_SUCCESS;

	if (size == 0 || addr + size < addr || addr < map->min || addr + size > map->max)
		return KERN_INVALID_ADDRESS;
	copy = vm_map_copy_new(size, addr - first);
	if (!copy)
		return KERN_RESOURCE_SHORTAGE;
	if (mid_start > first)                     /* a partial first page */
		kr = vm_copy_bytes(map, addr, (first == last ? size : mid_start - addr),
				   &copy->pieces[copy->npieces++]);
	if (kr == KERN_SUCCESS && mid_start < mid_end)
		kr = move ? vm_copy_shared(map, mid_start, mid_end, copy)
			  : msg_ool_copy_pages(map, mid_start, mid_end, copy);
	if (kr == KERN_SUCCESS && mid_end <= last && !(first == last && mid_start > first))
		kr = vm_copy_bytes(map, mid_end, addr + size - mid_end,
				   &copy->pieces[copy->npieces++]);
	if (kr != KERN_SUCCESS) {
		vm_map_copy_discard(copy);
		return kr;
	}
	*out = copy;
	return KERN_SUCCESS;
}

void vm_map_copy_discard(struct vm_map_copy *copy)
{
	uint64_t f = spin_lock(&vm_lock);

	for (uint32_t i = 0; i < copy->npieces; i++)
		if (copy->pieces[i].object)
			vm_object_deallocate(copy->pieces[i].object);
	spin_unlock(&vm_lock, f);
	kmem_free(copy, sizeof(*copy));
}

/*
 * Map the copy anywhere in map (consuming it); *addr is where the region's
 * first byte is (its page offset is the sender's).
 */
kern_return_t vm_map_copyout(struct vm_map *map, struct vm_map_copy *copy, vm_address_t *addr)
{
	vm_size_t span = round_page(copy->page_offset + copy->size);
	uint64_t page_offset = copy->page_offset;
	vm_address_t base = 0, cur;
	kern_return_t kr = vm_map_allocate(map, &base, span, VM_ALLOC_ANYWHERE,
					   VM_PROT_READ | VM_PROT_WRITE);
	uint64_t f;

	if (kr != KERN_SUCCESS) {
		vm_map_copy_discard(copy);
		return kr;
	}
	f = spin_lock(&map->lock);
	cur = base;
	for (uint32_t i = 0; i < copy->npieces; i++) {
		struct vm_copy_piece *p = &copy->pieces[i];
		struct vm_map_entry *e = vm_map_lookup_locked(map, cur);

		/* the entry vm_map_allocate made is consumed piece by piece */
		if (e->end > cur + p->size) {
			struct vm_map_entry *rest = vm_map_entry_alloc(map);

			if (!rest) {
				kr = KERN_RESOURCE_SHORTAGE;
				break;
			}
			*rest = *e;
			rest->start = cur + p->size;
			vm_map_entry_link(map, &e->link, rest);
			e->end = rest->start;
		}
		e->object = p->object;
		e->offset = p->offset;
		e->needs_copy = p->needs_copy;
		p->object = NULL;
		cur += p->size;
	}
	spin_unlock(&map->lock, f);
	copy->npieces = 0;
	vm_map_copy_discard(copy);
	if (kr != KERN_SUCCESS) {
		vm_map_deallocate(map, base, span);
		return kr;
	}
	*addr = base + page_offset;
	return KERN_SUCCESS;
}

/* ---- queries ---- */

/* The region containing *addr, or the first one after it. */
kern_return_t vm_map_region(struct vm_map *map, vm_address_t *addr, struct vm_region_info *info)
{
	struct vm_map_entry *found = NULL;
	uint64_t f = spin_lock(&map->lock);

	list_for_each(l, &map->entries) {
		struct vm_map_entry *e = list_entry(l, struct vm_map_entry, link);

		if (e->end > *addr) {
			found = e;
			break;
		}
	}
	if (found) {
		uint64_t g = spin_lock(&vm_lock);

		*info = (struct vm_region_info){
			.start = found->start, .size = found->end - found->start,
			.prot = found->prot, .max_prot = found->max_prot,
			.inheritance = found->inherit,
			.shared = found->shared && found->object && found->object->refs > 1,
			.object_id = found->object ? found->object->id : 0,
			.offset = found->offset,
		};
		spin_unlock(&vm_lock, g);
		*addr = found->start;
	}
	spin_unlock(&map->lock, f);
	return found ? KERN_SUCCESS : KERN_NO_SPACE;
}

/* What backs the page at addr: the object and frame a read would find now. */
kern_return_t vm_map_debug(struct vm_map *map, vm_address_t addr, struct vm_debug_info *info)
{
	uint64_t f = spin_lock(&map->lock);
	struct vm_map_entry *e = vm_map_lookup_locked(map, trunc_page(addr));
	kern_return_t kr = e ? KERN_SUCCESS : KERN_INVALID_ADDRESS;

	*info = (struct vm_debug_info){ 0 };
	if (e && e->object) {
		uint64_t g = spin_lock(&vm_lock);
		uint64_t offset = e->offset + (trunc_page(addr) - e->start);
		struct vm_object *obj = e->object;
		uint32_t depth;
		struct vm_page *page = vm_object_find_resident(obj, offset, &depth);

		if (page) {
			*info = (struct vm_debug_info){
				.object_id = page->object->id, .offset = page->offset,
				.frame = vm_page_pa(page), .shadow_depth = depth, .resident = 1,
			};
		}
		spin_unlock(&vm_lock, g);
	}
	spin_unlock(&map->lock, f);
	return kr;
}

/*
 * The physical address of page index i of the copied region, as it reads
 * now (0 for a page never written: zeros). For a pager's DATA_SUPPLY;
 * vm_lock is held.
 */
/* The piece holding page i of the copy, with that page's offset in its object; NULL past the end. */
static struct vm_copy_piece *vm_map_copy_piece(struct vm_map_copy *copy, uint64_t i,
					       uint64_t *offset)
{
	uint64_t at = i * PAGE_SIZE;

	for (uint32_t k = 0; k < copy->npieces; k++) {
		struct vm_copy_piece *p = &copy->pieces[k];

		if (at < p->size) {
			*offset = p->offset + at;
			return p;
		}
		at -= p->size;
	}
	return NULL;
}

/* The frame holding page i of the copy, or 0 if it reads as zeros (vm_lock held). */
uint64_t vm_map_copy_page(struct vm_map_copy *copy, uint64_t i)
{
	uint64_t offset;
	uint32_t depth;
	struct vm_copy_piece *p = vm_map_copy_piece(copy, i, &offset);
	struct vm_page *page = p && p->object ?
		vm_object_find_page(p->object, offset, &depth, NULL) : NULL;

	return page ? vm_page_pa(page) : 0;
}

/*
 * Page i of the copy, for the caller to move away, when nothing else can
 * reach it: its object is the copy's alone (the sender gave the region up),
 * shadowed by none, and holds the page itself. NULL otherwise (the caller
 * copies from vm_map_copy_page). vm_lock held.
 */
struct vm_page *vm_map_copy_take_page(struct vm_map_copy *copy, uint64_t i)
{
	uint64_t offset;
	struct vm_copy_piece *p = copy->page_offset ? NULL : vm_map_copy_piece(copy, i, &offset);
	struct vm_page *page;

	if (!p || !p->object || p->object->refs != 1 || p->object->wired ||
	    !list_empty(&p->object->shadowers) || !(page = vm_page_lookup(p->object, offset)) ||
	    page->busy)
		return NULL;
	pmap_page_protect(vm_page_pa(page), VM_PROT_NONE);
	return page;
}

/* A copy of the first size bytes of obj (whose reference it takes), for a kernel message. */
struct vm_map_copy *vm_map_copy_of_object(struct vm_object *obj, uint64_t size)
{
	struct vm_map_copy *copy = vm_map_copy_new(size, 0);

	if (!copy)
		return NULL;
	copy->npieces = 1;
	copy->pieces[0] = (struct vm_copy_piece){ .object = obj, .offset = 0, .size = size };
	return copy;
}

/*
 * Make every page of the copy resident, waiting for the default pager where
 * it holds one (no lock held), so that vm_map_copy_page never has to.
 */
kern_return_t vm_map_copy_resident(struct vm_map_copy *copy)
{
	for (uint32_t k = 0; k < copy->npieces; k++) {
		struct vm_copy_piece *p = &copy->pieces[k];

		for (uint64_t at = 0; p->object && at < p->size; at += PAGE_SIZE) {
			struct pager_miss miss = { NULL, 0 };
			uint64_t f = spin_lock(&vm_lock);
			uint32_t depth;
			kern_return_t kr;

			vm_object_find_page(p->object, p->offset + at, &depth, &miss);
			spin_unlock(&vm_lock, f);
			if (!miss.object)
				continue;
			kr = pager_fault_wait(miss.object, miss.offset, VM_PROT_READ);
			f = spin_lock(&vm_lock);
			vm_object_deallocate(miss.object);
			spin_unlock(&vm_lock, f);
			if (kr != KERN_SUCCESS)
				return kr;
			at -= PAGE_SIZE;                       /* look again */
		}
	}
	return KERN_SUCCESS;
}

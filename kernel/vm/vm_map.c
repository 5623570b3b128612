/*
 * vm_map.c — address maps: entry arithmetic (find space, clip, insert,
 * remove, protect, inherit) over a sorted list of page-aligned ranges, each
 * backed by (part of) a memory object.
 *
 * Every operation validates its arguments and reserves the entries it may
 * need before it changes anything (check, then act), so a refused call
 * leaves the map as it was. No hardware dependence: the host unit tests
 * link this file with a fake pmap and fake objects. Copies of ranges
 * (blueprint tasks, out-of-line messages) are in vm_copy.c.
 */
#include "vm/vm_map.h"
#include "vm/vm_object.h"
#include "kern/ledger.h"
#include "kern/zalloc.h"
#include "pmap.h"
#include "param.h"

static struct zone vm_map_zone;
static struct zone vm_entry_zone;

void vm_map_init(void)
{
	zone_init(&vm_map_zone, "vm_map", sizeof(struct vm_map));
	zone_init(&vm_entry_zone, "vm_map_entry", sizeof(struct vm_map_entry));
	zone_keep_empty(&vm_entry_zone);     /* out-of-line regions map and unmap one */
}

static vm_address_t page_round(vm_address_t a)
{
	return (a + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

struct vm_map *vm_map_create(struct pmap *pmap, vm_address_t min, vm_address_t max)
{
	struct vm_map *map = zalloc(&vm_map_zone);

	if (!map)
		return NULL;
	map->lock = (spinlock_t)SPINLOCK_INIT;
	list_init(&map->entries);
	map->nentries = 0;
	map->min = min;
	map->max = max;
	map->pmap = pmap;
	map->wired = false;
	map->ledger = NULL;
	map->hint = NULL;
	return map;
}

/* Give back an entry map's ledger was charged for (linked or a spare). */
static void vm_map_entry_put(struct vm_map *map, struct vm_map_entry *e)
{
	zfree(&vm_entry_zone, e);
	ledger_credit(map->ledger, LEDGER_MAP_ENTRIES, 1);
}

/* Unlink and free an entry, dropping its object reference (map locked). */
static void vm_map_entry_free(struct vm_map *map, struct vm_map_entry *e)
{
	if (map->hint == e)
		map->hint = NULL;
	list_unlink(&e->link);
	map->nentries--;
	if (e->object) {
		uint64_t f = spin_lock(&vm_lock);

		vm_object_deallocate(e->object);
		spin_unlock(&vm_lock, f);
	}
	vm_map_entry_put(map, e);
}

/* A new entry for map, charged to its ledger; NULL if memory or the ledger is short. */
struct vm_map_entry *vm_map_entry_alloc(struct vm_map *map)
{
	struct vm_map_entry *e;

	if (ledger_charge(map->ledger, LEDGER_MAP_ENTRIES, 1) != KERN_SUCCESS)
		return NULL;
	e = zalloc(&vm_entry_zone);
	if (!e)
		ledger_credit(map->ledger, LEDGER_MAP_ENTRIES, 1);
	return e;
}

/* Insert a new entry for [start, end) after `after` (map locked). */
void vm_map_entry_link(struct vm_map *map, struct list *after, struct vm_map_entry *e)
{
	list_insert_after(after, &e->link);
	map->nentries++;
}

/*
 * Every object map holds, and every one it maps later (vm_fault wires them
 * on their first fault), is never paged out again: the default pager's
 * memory, and a task that must not lose pages to a default pager that dies.
 */
void vm_map_wire(struct vm_map *map)
{
	uint64_t f = spin_lock(&map->lock), g = spin_lock(&vm_lock);

	map->wired = true;
	list_for_each(l, &map->entries) {
		struct vm_map_entry *e = list_entry(l, struct vm_map_entry, link);

		if (e->object)
			vm_object_wire(e->object);
	}
	spin_unlock(&vm_lock, g);
	spin_unlock(&map->lock, f);
}

void vm_map_destroy(struct vm_map *map)
{
	uint64_t f = spin_lock(&map->lock);

	pmap_remove(map->pmap, map->min, map->max, NULL, NULL);
	list_for_each_safe(l, &map->entries)
		vm_map_entry_free(map, list_entry(l, struct vm_map_entry, link));
	spin_unlock(&map->lock, f);
	pmap_destroy(map->pmap);
	zfree(&vm_map_zone, map);
}

/* Validate [addr, addr+size): aligned start, non-empty, inside the map. */
kern_return_t vm_map_check_range(const struct vm_map *map, vm_address_t addr,
				 vm_size_t size, vm_address_t *end)
{
	vm_address_t e;

	if (size == 0 || (addr & (PAGE_SIZE - 1)))
		return KERN_INVALID_ARGUMENT;
	e = page_round(addr + size);
	if (e <= addr || addr < map->min || e > map->max)
		return KERN_INVALID_ADDRESS;
	*end = e;
	return KERN_SUCCESS;
}

/* The entry holding addr: the last one found if it still does (a fault
 * usually follows the previous one into the same region), else a walk. */
struct vm_map_entry *vm_map_lookup_locked(struct vm_map *map, vm_address_t addr)
{
	struct vm_map_entry *h = map->hint;

	if (h && addr >= h->start && addr < h->end)
		return h;
	list_for_each(l, &map->entries) {
		struct vm_map_entry *e = list_entry(l, struct vm_map_entry, link);

		if (addr < e->start)
			return NULL;
		if (addr < e->end) {
			map->hint = e;
			return e;
		}
	}
	return NULL;
}

/* The entry after which [start, end) would go, or NULL if it overlaps one. */
static struct list *vm_map_insert_point(struct vm_map *map, vm_address_t start,
					vm_address_t end)
{
	struct list *after = &map->entries;

	list_for_each(l, &map->entries) {
		struct vm_map_entry *e = list_entry(l, struct vm_map_entry, link);

		if (e->end <= start) {
			after = l;
			continue;
		}
		return e->start >= end ? after : NULL;
	}
	return after;
}

/* First fit at or above the map's anywhere start. */
static kern_return_t vm_map_find_space(struct vm_map *map, vm_size_t size,
				       vm_address_t *addr)
{
	vm_address_t cur = map->min > USER_ANYWHERE_START ? map->min :
			   (USER_ANYWHERE_START < map->max ? USER_ANYWHERE_START : map->min);

	list_for_each(l, &map->entries) {
		struct vm_map_entry *e = list_entry(l, struct vm_map_entry, link);

		if (e->end <= cur)
			continue;
		if (e->start >= cur && e->start - cur >= size)
			break;
		cur = e->end;
	}
	if (cur + size < cur || cur + size > map->max)
		return KERN_NO_SPACE;
	*addr = cur;
	return KERN_SUCCESS;
}

kern_return_t vm_map_allocate(struct vm_map *map, vm_address_t *addr, vm_size_t size,
			      int flags, vm_prot_t prot)
{
	return vm_map_enter(map, addr, size, flags, prot, NULL, 0);
}

/*
 * Fresh memory [start, end) right after prev, as prev's own (map locked):
 * prev grows over it instead of a new entry, as Mach's vm_map_enter
 * coalesces (and Linux merges areas), so a heap grown a page at a time by
 * brk stays one entry and lookups do not slow down with its length. Only
 * when nothing else could see the difference: prev is plain fresh memory
 * of the same protection, private, its object (if a fault made one yet)
 * its alone, with no shadow, pager or copy pending, ending where prev ends.
 */
static bool vm_map_extend(struct vm_map_entry *prev, vm_address_t start, vm_address_t end,
			  vm_prot_t prot)
{
	struct vm_object *o = prev->object;
	bool ok;
	uint64_t f;

	if (prev->end != start || prev->prot != prot || prev->max_prot != VM_PROT_ALL ||
	    prev->inherit != VM_INHERIT_COPY || prev->needs_copy || prev->shared)
		return false;
	if (!o) {
		prev->end = end;
		return true;
	}
	f = spin_lock(&vm_lock);
	ok = o->refs == 1 && !o->shadow && !o->pager && !o->wired && !o->default_paged &&
	     list_empty(&o->shadowers) && prev->offset + (prev->end - prev->start) == o->size;
	if (ok) {
		o->size += end - start;
		prev->end = end;
	}
	spin_unlock(&vm_lock, f);
	return ok;
}

/* Map [offset, offset+size) of obj (whose reference the map takes; NULL: fresh memory). */
kern_return_t vm_map_enter(struct vm_map *map, vm_address_t *addr, vm_size_t size, int flags,
			   vm_prot_t prot, struct vm_object *obj, uint64_t offset)
{
	struct vm_map_entry *e;
	struct list *after;
	vm_address_t start = *addr, end;
	kern_return_t kr;
	uint64_t f;

	if (flags & ~(VM_ALLOC_ANYWHERE | VM_ALLOC_EXTEND) || prot & ~VM_PROT_ALL || size == 0 ||
	    page_round(size) < size || ((flags & VM_ALLOC_EXTEND) && obj))
		return KERN_INVALID_ARGUMENT;
	size = page_round(size);
	e = vm_map_entry_alloc(map);
	if (!e)
		return KERN_RESOURCE_SHORTAGE;
	f = spin_lock(&map->lock);
	kr = (flags & VM_ALLOC_ANYWHERE) ? vm_map_find_space(map, size, &start) :
	     vm_map_check_range(map, start, size, &end);
	end = start + size;
	after = kr == KERN_SUCCESS ? vm_map_insert_point(map, start, end) : NULL;
	if (kr == KERN_SUCCESS && !after)
		kr = KERN_NO_SPACE;
	if (kr != KERN_SUCCESS) {
		spin_unlock(&map->lock, f);
		vm_map_entry_put(map, e);
		return kr;
	}
	*addr = start;
	if ((flags & VM_ALLOC_EXTEND) && after != &map->entries &&
	    vm_map_extend(list_entry(after, struct vm_map_entry, link), start, end, prot)) {
		spin_unlock(&map->lock, f);
		vm_map_entry_put(map, e);
		return KERN_SUCCESS;
	}
	e->start = start;
	e->end = end;
	e->prot = prot;
	e->max_prot = VM_PROT_ALL;
	e->inherit = VM_INHERIT_COPY;
	e->object = obj;
	e->offset = offset;
	vm_map_entry_link(map, after, e);
	spin_unlock(&map->lock, f);
	return KERN_SUCCESS;
}

/*
 * Split e at addr (strictly inside it) using the spare entry; e keeps the
 * low part. A private object (one reference) is split with it, so that
 * deallocating either part frees its pages; a shared one stays shared, and
 * so does one a pager backs (a split-off part would lose its pager: the
 * pages not yet in would read as zeros).
 */
static void vm_map_clip(struct vm_map *map, struct vm_map_entry *e, vm_address_t addr,
			struct vm_map_entry **spare)
{
	struct vm_map_entry *hi = *spare;
	uint64_t f;

	*spare = NULL;
	*hi = *e;
	hi->start = addr;
	hi->offset = e->offset + (addr - e->start);
	e->end = addr;
	if (e->object) {
		f = spin_lock(&vm_lock);
		hi->object = e->object->refs == 1 && !e->object->default_paged &&
			     !e->object->pager ? vm_object_split(e->object, hi->offset) : NULL;
		if (hi->object) {
			hi->offset = 0;
		} else {
			hi->object = e->object;
			vm_object_reference(e->object);
		}
		spin_unlock(&vm_lock, f);
	}
	vm_map_entry_link(map, &e->link, hi);
}

/* Clip entries so that start and end fall on entry boundaries. */
static void vm_map_clip_range(struct vm_map *map, vm_address_t start, vm_address_t end,
			      struct vm_map_entry **spare)
{
	struct vm_map_entry *e = vm_map_lookup_locked(map, start);

	if (e && e->start < start)
		vm_map_clip(map, e, start, &spare[0]);
	e = vm_map_lookup_locked(map, end - 1);
	if (e && e->end > end)
		vm_map_clip(map, e, end, &spare[1]);
}

/* Will clipping to [start, end) split an entry (map locked)? */
static bool vm_map_clip_needed(struct vm_map *map, vm_address_t start, vm_address_t end)
{
	struct vm_map_entry *e = vm_map_lookup_locked(map, start);

	if (e && e->start < start)
		return true;
	e = vm_map_lookup_locked(map, end - 1);
	return e && e->end > end;
}

static kern_return_t vm_map_spares_get(struct vm_map *map, struct vm_map_entry **spare)
{
	for (int i = 0; i < 2; i++)
		if (!spare[i])
			spare[i] = vm_map_entry_alloc(map);
	return spare[0] && spare[1] ? KERN_SUCCESS : KERN_RESOURCE_SHORTAGE;
}

/*
 * Lock map (*f) ready for vm_map_clip_range(start, end): when a clip is
 * needed, the two spare entries are allocated first, with the lock dropped
 * (an allocation may need memory), and the map is looked at again; a range
 * on entry boundaries, the usual case, allocates nothing. Without the lock
 * on error. Runs at most twice: the second time the spares are there.
 */
static kern_return_t vm_map_lock_for_clip(struct vm_map *map, vm_address_t start,
					  vm_address_t end, struct vm_map_entry **spare, uint64_t *f)
{
	for (;;) {
		*f = spin_lock(&map->lock);
		if ((spare[0] && spare[1]) || !vm_map_clip_needed(map, start, end))
			return KERN_SUCCESS;
		spin_unlock(&map->lock, *f);
		if (vm_map_spares_get(map, spare) != KERN_SUCCESS)
			return KERN_RESOURCE_SHORTAGE;
	}
}

static void vm_map_spares_put(struct vm_map *map, struct vm_map_entry **spare)
{
	for (int i = 0; i < 2; i++)
		if (spare[i])
			vm_map_entry_put(map, spare[i]);
}

kern_return_t vm_map_deallocate(struct vm_map *map, vm_address_t addr, vm_size_t size)
{
	struct vm_map_entry *spare[2] = { NULL, NULL };
	vm_address_t end;
	kern_return_t kr = vm_map_check_range(map, addr, size, &end);
	bool pmapped = false;
	uint64_t f;

	if (kr == KERN_SUCCESS)
		kr = vm_map_lock_for_clip(map, addr, end, spare, &f);
	if (kr != KERN_SUCCESS) {
		vm_map_spares_put(map, spare);
		return kr;
	}
	vm_map_clip_range(map, addr, end, spare);
	list_for_each_safe(l, &map->entries) {
		struct vm_map_entry *e = list_entry(l, struct vm_map_entry, link);

		if (e->start >= end)
			break;                        /* (sorted by start) */
		if (e->start >= addr && e->end <= end) {
			pmapped |= e->pmapped;
			vm_map_entry_free(map, e);
		}
	}
	if (pmapped)                          /* else no fault ever entered a translation */
		pmap_remove(map->pmap, addr, end, NULL, NULL);
	spin_unlock(&map->lock, f);
	vm_map_spares_put(map, spare);
	return KERN_SUCCESS;
}

/* Is [addr, end) covered by entries with no hole, each allowing prot? */
static kern_return_t vm_map_check_covered(struct vm_map *map, vm_address_t addr,
					  vm_address_t end, vm_prot_t prot)
{
	vm_address_t cur = addr;

	while (cur < end) {
		struct vm_map_entry *e = vm_map_lookup_locked(map, cur);

		if (!e)
			return KERN_INVALID_ADDRESS;
		if (prot & ~e->max_prot)
			return KERN_PROTECTION_FAILURE;
		cur = e->end;
	}
	return KERN_SUCCESS;
}

/* What vm_map_update changes in each entry of a range. */
enum vm_map_field {
	VM_MAP_SET_PROT,
	VM_MAP_SET_INHERIT,
};

/*
 * Set field to value in every entry of [addr, addr+size), which must be
 * mapped without a hole (and allow `value` as protection, for
 * VM_MAP_SET_PROT). Entries are clipped to the range first.
 */
static kern_return_t vm_map_update(struct vm_map *map, vm_address_t addr, vm_size_t size,
				   enum vm_map_field field, uint32_t value)
{
	struct vm_map_entry *spare[2] = { NULL, NULL };
	vm_address_t end;
	kern_return_t kr = vm_map_check_range(map, addr, size, &end);
	bool pmapped = false;
	uint64_t f;

	if (kr == KERN_SUCCESS)
		kr = vm_map_lock_for_clip(map, addr, end, spare, &f);
	if (kr != KERN_SUCCESS) {
		vm_map_spares_put(map, spare);
		return kr;
	}
	kr = vm_map_check_covered(map, addr, end,
				  field == VM_MAP_SET_PROT ? value : VM_PROT_NONE);
	if (kr == KERN_SUCCESS) {
		vm_map_clip_range(map, addr, end, spare);
		list_for_each(l, &map->entries) {
			struct vm_map_entry *e = list_entry(l, struct vm_map_entry, link);

			if (e->start >= end)
				break;                /* (sorted by start) */
			if (e->start < addr || e->end > end)
				continue;
			pmapped |= e->pmapped;
			if (field == VM_MAP_SET_PROT)
				e->prot = value;
			else
				e->inherit = value;
		}
	}
	/* Taking rights away is done at once; granting write is left to the next
	 * fault, which knows whether the page must be copied first. */
	if (kr == KERN_SUCCESS && field == VM_MAP_SET_PROT && pmapped) {
		if (value & VM_PROT_WRITE)
			pmap_remove(map->pmap, addr, end, NULL, NULL);
		else
			pmap_protect(map->pmap, addr, end, value);
	}
	spin_unlock(&map->lock, f);
	vm_map_spares_put(map, spare);
	return kr;
}

kern_return_t vm_map_protect(struct vm_map *map, vm_address_t addr, vm_size_t size,
			     vm_prot_t prot)
{
	if (prot & ~VM_PROT_ALL)
		return KERN_INVALID_ARGUMENT;
	return vm_map_update(map, addr, size, VM_MAP_SET_PROT, prot);
}

/* Set the inheritance of every entry in [addr, addr+size), which must be mapped. */
kern_return_t vm_map_inherit(struct vm_map *map, vm_address_t addr, vm_size_t size,
			     vm_inherit_t inherit)
{
	if (inherit > VM_INHERIT_COPY)
		return KERN_INVALID_ARGUMENT;
	return vm_map_update(map, addr, size, VM_MAP_SET_INHERIT, inherit);
}

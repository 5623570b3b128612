/*
 * test_vm_map.c — address maps (kernel/vm/vm_map.c) over the recording
 * fake pmap: fixed and anywhere allocation, refusals that leave the map as
 * it was, deallocation and protection that clip entries and ask the pmap
 * for exactly their range, lookup, and destroy returning every page.
 */
#include "unit.h"
#include "kern/zalloc.h"
#include "vm/vm_map.h"
#include "vm/vm_object.h"
#include "param.h"

#define MAP_MIN  USER_SPACE_START
#define MAP_MAX  USER_SPACE_END
#define PG       PAGE_SIZE
#define RW       (VM_PROT_READ | VM_PROT_WRITE)
#define ANY_BASE USER_ANYWHERE_START

static struct pmap pm;

/* A fresh map over [MAP_MIN, MAP_MAX) on fresh zones and a fresh fake pmap. */
static struct vm_map *map_new(void)
{
	struct vm_map *map;

	fake_zones_reset();
	fake_pmap_init(&pm);
	map = vm_map_create(&pm, MAP_MIN, MAP_MAX);
	CHECK(map != NULL);
	return map;
}

static void alloc_fixed(struct vm_map *map, vm_address_t addr, vm_size_t size,
			vm_prot_t prot)
{
	vm_address_t got = addr;

	CHECK_EQ(KERN_SUCCESS, vm_map_allocate(map, &got, size, VM_ALLOC_FIXED, prot));
	CHECK_EQ(addr, got);
}

static vm_address_t alloc_anywhere(struct vm_map *map, vm_size_t size)
{
	vm_address_t got = 0;

	CHECK_EQ(KERN_SUCCESS, vm_map_allocate(map, &got, size, VM_ALLOC_ANYWHERE, RW));
	return got;
}

/* vm_map_allocate's result for a fixed request of [addr, addr+size). */
static kern_return_t try_fixed(struct vm_map *map, vm_address_t addr, vm_size_t size)
{
	return vm_map_allocate(map, &addr, size, VM_ALLOC_FIXED, RW);
}

struct want_entry {
	vm_address_t start, end;
	vm_prot_t prot;
};

/* Pages the fake allocator has out, less the empty ones zones keep (the
 * kernel counts those as free: zalloc.h). */
static size_t pages_in_use(void)
{
	return fake_pages_outstanding() - zone_kept_pages();
}

/* The map holds exactly want[0..n), in address order. */
static void check_entries(struct vm_map *map, const struct want_entry *want, size_t n)
{
	size_t i = 0;

	CHECK_EQ(n, map->nentries);
	list_for_each(l, &map->entries) {
		struct vm_map_entry *e = list_entry(l, struct vm_map_entry, link);

		CHECK(i < n);
		CHECK_EQ(want[i].start, e->start);
		CHECK_EQ(want[i].end, e->end);
		CHECK_EQ(want[i].prot, e->prot);
		i++;
	}
	CHECK_EQ(n, i);
}

#define CHECK_ENTRIES(map, ...)                                                \
	do {                                                                   \
		const struct want_entry want_[] = { __VA_ARGS__ };             \
		check_entries(map, want_, sizeof(want_) / sizeof(want_[0]));   \
	} while (0)

/* The map's entry at addr has this protection. */
static void check_prot_at(struct vm_map *map, vm_address_t addr, vm_prot_t prot)
{
	struct vm_map_entry *e = vm_map_lookup_locked(map, addr);

	CHECK(e != NULL);
	CHECK_EQ(prot, e->prot);
}

/* Every entry of the map has had a translation entered (as vm_fault marks it). */
static void mark_pmapped(struct vm_map *map)
{
	list_for_each(l, &map->entries)
		list_entry(l, struct vm_map_entry, link)->pmapped = true;
}

static void check_range(const struct fake_range *r, vm_address_t start, vm_address_t end)
{
	CHECK_EQ(start, r->start);
	CHECK_EQ(end, r->end);
}

/*
 * Deallocate the whole map; the page count must fall back to pages_empty,
 * taken when the map had no entry. A refused call that kept its spare
 * entry would hold an entry-zone page here.
 */
static void check_no_entry_leaked(struct vm_map *map, size_t pages_empty)
{
	CHECK_EQ(KERN_SUCCESS, vm_map_deallocate(map, MAP_MIN, MAP_MAX - MAP_MIN));
	CHECK_EQ(0, map->nentries);
	CHECK_EQ(pages_empty, pages_in_use());
}

UNIT_TEST(vm_map_allocate_fixed_returns_the_address_and_adds_an_entry)
{
	struct vm_map *map = map_new();
	struct vm_map_entry *e;

	alloc_fixed(map, 0x10000, 3 * PG, RW);
	CHECK_ENTRIES(map, { 0x10000, 0x13000, RW });
	alloc_fixed(map, 0x8000, 8 * PG, VM_PROT_READ);    /* ends where the first starts */
	alloc_fixed(map, MAP_MIN, PG, VM_PROT_NONE);
	alloc_fixed(map, MAP_MAX - PG, PG, VM_PROT_ALL);
	CHECK_ENTRIES(map, { MAP_MIN, MAP_MIN + PG, VM_PROT_NONE },
		      { 0x8000, 0x10000, VM_PROT_READ }, { 0x10000, 0x13000, RW },
		      { MAP_MAX - PG, MAP_MAX, VM_PROT_ALL });
	e = vm_map_lookup_locked(map, 0x10000);
	CHECK(e != NULL);
	CHECK_EQ(VM_PROT_ALL, e->max_prot);
	CHECK_EQ(VM_INHERIT_COPY, e->inherit);
	vm_map_destroy(map);
}

UNIT_TEST(vm_map_allocate_fixed_over_an_entry_is_no_space_and_changes_nothing)
{
	static const struct { vm_address_t addr; vm_size_t size; } overlaps[] = {
		{ 0xF000, 2 * PG },      /* over its start */
		{ 0x13000, 2 * PG },     /* over its end */
		{ 0x11000, PG },         /* inside */
		{ 0x8000, 16 * PG },     /* around */
	};
	struct vm_map *map = map_new();
	size_t pages = pages_in_use();

	alloc_fixed(map, 0x10000, 4 * PG, RW);
	for (size_t i = 0; i < sizeof(overlaps) / sizeof(overlaps[0]); i++)
		CHECK_EQ(KERN_NO_SPACE, try_fixed(map, overlaps[i].addr, overlaps[i].size));
	CHECK_ENTRIES(map, { 0x10000, 0x14000, RW });
	check_no_entry_leaked(map, pages);
	vm_map_destroy(map);
}

UNIT_TEST(vm_map_allocate_rejects_bad_arguments_with_invalid_argument)
{
	struct vm_map *map = map_new();
	vm_address_t addr = 0x10000;

	CHECK_EQ(KERN_INVALID_ARGUMENT, try_fixed(map, 0x10800, PG));    /* unaligned */
	CHECK_EQ(KERN_INVALID_ARGUMENT, try_fixed(map, 0x10000, 0));     /* empty */
	CHECK_EQ(KERN_INVALID_ARGUMENT, try_fixed(map, 0x10000, ~0UL));  /* rounds past 2^64 */
	CHECK_EQ(KERN_INVALID_ARGUMENT, vm_map_allocate(map, &addr, ~0UL, VM_ALLOC_ANYWHERE, RW));
	CHECK_EQ(KERN_INVALID_ARGUMENT, vm_map_allocate(map, &addr, PG, 0x2, RW));
	CHECK_EQ(KERN_INVALID_ARGUMENT,
		 vm_map_allocate(map, &addr, PG, VM_ALLOC_FIXED, VM_PROT_ALL + 1));
	CHECK_EQ(0x10000, addr);
	CHECK_EQ(0, map->nentries);
	vm_map_destroy(map);
}

UNIT_TEST(vm_map_allocate_outside_the_map_is_invalid_address)
{
	struct vm_map *map = map_new();

	CHECK_EQ(KERN_INVALID_ADDRESS, try_fixed(map, 0, PG));            /* below min */
	CHECK_EQ(KERN_INVALID_ADDRESS, try_fixed(map, MAP_MAX - PG, 2 * PG));
	CHECK_EQ(KERN_INVALID_ADDRESS, try_fixed(map, MAP_MAX, PG));
	CHECK_EQ(KERN_INVALID_ADDRESS, try_fixed(map, ~0xFFFUL, 2 * PG)); /* wraps */
	CHECK_EQ(0, map->nentries);
	vm_map_destroy(map);
}

UNIT_TEST(vm_map_allocate_anywhere_starts_at_user_anywhere_start)
{
	struct vm_map *map = map_new();

	alloc_fixed(map, 0x10000, PG, RW);             /* below: no effect */
	CHECK_EQ(ANY_BASE, alloc_anywhere(map, PG));
	vm_map_destroy(map);
	map = map_new();
	alloc_fixed(map, ANY_BASE - PG, 2 * PG, RW);   /* straddles the start */
	CHECK_EQ(ANY_BASE + PG, alloc_anywhere(map, PG));
	vm_map_destroy(map);
}

UNIT_TEST(vm_map_allocate_anywhere_is_first_fit_and_fills_a_freed_gap)
{
	struct vm_map *map = map_new();

	CHECK_EQ(ANY_BASE, alloc_anywhere(map, PG));
	CHECK_EQ(ANY_BASE + PG, alloc_anywhere(map, PG));
	CHECK_EQ(ANY_BASE + 2 * PG, alloc_anywhere(map, PG));
	CHECK_EQ(KERN_SUCCESS, vm_map_deallocate(map, ANY_BASE + PG, PG));
	CHECK_EQ(ANY_BASE + 3 * PG, alloc_anywhere(map, 2 * PG));   /* gap too small */
	CHECK_EQ(ANY_BASE + PG, alloc_anywhere(map, PG));           /* fits the gap */
	CHECK_EQ(4, map->nentries);
	vm_map_destroy(map);
}

UNIT_TEST(vm_map_allocate_anywhere_without_room_is_no_space)
{
	struct vm_map *map = map_new();
	struct vm_map *small = vm_map_create(&pm, MAP_MIN, MAP_MIN + 4 * PG);
	vm_address_t addr = 0;

	CHECK(small != NULL);
	CHECK_EQ(MAP_MIN, alloc_anywhere(small, 3 * PG));   /* wholly below ANY_BASE: from min */
	CHECK_EQ(MAP_MIN + 3 * PG, alloc_anywhere(small, PG));
	CHECK_EQ(KERN_NO_SPACE, vm_map_allocate(small, &addr, PG, VM_ALLOC_ANYWHERE, RW));
	CHECK_EQ(KERN_NO_SPACE,
		 vm_map_allocate(map, &addr, MAP_MAX - ANY_BASE + PG, VM_ALLOC_ANYWHERE, RW));
	CHECK_EQ(2, small->nentries);
	CHECK_EQ(0, map->nentries);
	vm_map_destroy(small);
	vm_map_destroy(map);
}

UNIT_TEST(vm_map_allocate_rounds_size_up_to_whole_pages)
{
	struct vm_map *map = map_new();
	vm_address_t a;

	alloc_fixed(map, 0x10000, 1, RW);
	a = alloc_anywhere(map, PG + 1);
	CHECK_ENTRIES(map, { 0x10000, 0x11000, RW }, { a, a + 2 * PG, RW });
	vm_map_destroy(map);
}

UNIT_TEST(vm_map_allocate_without_kernel_memory_is_resource_shortage)
{
	struct vm_map *map = map_new();
	vm_address_t addr = 0x10000;

	fake_page_alloc_fail(true);                    /* the entry zone has no page yet */
	CHECK_EQ(KERN_RESOURCE_SHORTAGE,
		 vm_map_allocate(map, &addr, PG, VM_ALLOC_FIXED, RW));
	fake_page_alloc_fail(false);
	CHECK_EQ(0, map->nentries);
	vm_map_destroy(map);
}

UNIT_TEST(vm_map_deallocate_middle_splits_the_entry_and_unmaps_only_that_range)
{
	struct vm_map *map = map_new();

	alloc_fixed(map, 0x10000, 16 * PG, RW);
	fake_pmap_enter(&pm, 0x10000, 0xA000);
	fake_pmap_enter(&pm, 0x14000, 0xB000);
	fake_pmap_enter(&pm, 0x15000, 0xC000);
	fake_pmap_enter(&pm, 0x16000, 0xD000);
	mark_pmapped(map);
	CHECK_EQ(KERN_SUCCESS, vm_map_deallocate(map, 0x14000, 2 * PG));
	CHECK_ENTRIES(map, { 0x10000, 0x14000, RW }, { 0x16000, 0x20000, RW });
	CHECK_EQ(1, pm.nremoves);
	check_range(&pm.removes[0], 0x14000, 0x16000);
	CHECK_EQ(0, fake_nfreed);                      /* frames belong to objects, not the pmap */
	CHECK_EQ(2, pm.npages);
	vm_map_destroy(map);
}

/* A range no fault ever entered a translation for costs the pmap nothing,
 * whatever its size; one entry that had one sends the whole range. */
UNIT_TEST(vm_map_skips_the_pmap_for_entries_no_fault_entered)
{
	struct vm_map *map = map_new();
	vm_address_t addr = 0x100000;

	alloc_fixed(map, addr, 4096 * PG, RW);                 /* 16 MiB, never touched */
	CHECK_EQ(KERN_SUCCESS, vm_map_protect(map, addr, 4096 * PG, VM_PROT_READ));
	CHECK_EQ(KERN_SUCCESS, vm_map_deallocate(map, addr, 4096 * PG));
	CHECK_EQ(0, pm.nprotects);
	CHECK_EQ(0, pm.nremoves);
	alloc_fixed(map, 0x10000, 2 * PG, RW);
	alloc_fixed(map, 0x12000, 2 * PG, RW);
	vm_map_lookup_locked(map, 0x12000)->pmapped = true;    /* one page of it was touched */
	CHECK_EQ(KERN_SUCCESS, vm_map_deallocate(map, 0x10000, 4 * PG));
	CHECK_EQ(1, pm.nremoves);
	check_range(&pm.removes[0], 0x10000, 0x14000);
	vm_map_destroy(map);
}

UNIT_TEST(vm_map_deallocate_across_entries_trims_and_removes_them)
{
	struct vm_map *map = map_new();

	alloc_fixed(map, 0x10000, 2 * PG, RW);
	alloc_fixed(map, 0x13000, 2 * PG, VM_PROT_READ);
	alloc_fixed(map, 0x16000, 2 * PG, VM_PROT_NONE);
	mark_pmapped(map);
	CHECK_EQ(KERN_SUCCESS, vm_map_deallocate(map, 0x11000, 6 * PG));
	CHECK_ENTRIES(map, { 0x10000, 0x11000, RW }, { 0x17000, 0x18000, VM_PROT_NONE });
	check_range(&pm.removes[0], 0x11000, 0x17000);
	vm_map_destroy(map);
}

UNIT_TEST(vm_map_deallocate_of_an_unmapped_range_succeeds_and_bad_ranges_are_refused)
{
	struct vm_map *map = map_new();
	size_t pages = pages_in_use();

	alloc_fixed(map, 0x10000, PG, RW);
	CHECK_EQ(KERN_SUCCESS, vm_map_deallocate(map, 0x20000, 2 * PG));
	CHECK_EQ(KERN_INVALID_ARGUMENT, vm_map_deallocate(map, 0x10000, 0));
	CHECK_EQ(KERN_INVALID_ARGUMENT, vm_map_deallocate(map, 0x10800, PG));
	CHECK_EQ(KERN_INVALID_ADDRESS, vm_map_deallocate(map, 0, 0x11000));
	CHECK_EQ(0, pm.nremoves);                      /* the valid call found no entry */
	CHECK_ENTRIES(map, { 0x10000, 0x11000, RW });
	check_no_entry_leaked(map, pages);
	vm_map_destroy(map);
}

UNIT_TEST(vm_map_protect_changes_exactly_the_range_and_tells_the_pmap)
{
	struct vm_map *map = map_new();

	alloc_fixed(map, 0x10000, 16 * PG, RW);
	mark_pmapped(map);
	CHECK_EQ(KERN_SUCCESS, vm_map_protect(map, 0x12000, PG, VM_PROT_READ));
	CHECK_ENTRIES(map, { 0x10000, 0x12000, RW }, { 0x12000, 0x13000, VM_PROT_READ },
		      { 0x13000, 0x20000, RW });
	CHECK_EQ(1, pm.nprotects);
	check_range(&pm.protects[0], 0x12000, 0x13000);
	CHECK_EQ(VM_PROT_READ, pm.protects[0].prot);

	/* across entry boundaries: only the addresses inside change */
	CHECK_EQ(KERN_SUCCESS, vm_map_protect(map, 0x11000, 3 * PG, VM_PROT_NONE));
	check_prot_at(map, 0x10FFF, RW);
	check_prot_at(map, 0x11000, VM_PROT_NONE);
	check_prot_at(map, 0x12000, VM_PROT_NONE);
	check_prot_at(map, 0x13FFF, VM_PROT_NONE);
	check_prot_at(map, 0x14000, RW);
	CHECK_EQ(2, pm.nprotects);
	check_range(&pm.protects[1], 0x11000, 0x14000);
	CHECK_EQ(VM_PROT_NONE, pm.protects[1].prot);
	vm_map_destroy(map);
}

UNIT_TEST(vm_map_protect_over_a_hole_is_invalid_address_and_changes_nothing)
{
	static const struct { vm_address_t addr; vm_size_t size; } holey[] = {
		{ 0x11000, 3 * PG },     /* entry, hole, entry */
		{ 0x12000, PG },         /* only the hole */
		{ 0x14000, 2 * PG },     /* runs past the last entry */
		{ 0xF000, 2 * PG },      /* starts before the first */
	};
	struct vm_map *map = map_new();
	size_t pages = pages_in_use();

	alloc_fixed(map, 0x10000, 2 * PG, RW);
	alloc_fixed(map, 0x13000, 2 * PG, RW);
	for (size_t i = 0; i < sizeof(holey) / sizeof(holey[0]); i++)
		CHECK_EQ(KERN_INVALID_ADDRESS,
			 vm_map_protect(map, holey[i].addr, holey[i].size, VM_PROT_READ));
	CHECK_EQ(KERN_INVALID_ARGUMENT, vm_map_protect(map, 0x10000, PG, VM_PROT_ALL + 1));
	CHECK_ENTRIES(map, { 0x10000, 0x12000, RW }, { 0x13000, 0x15000, RW });
	CHECK_EQ(0, pm.nprotects);
	check_no_entry_leaked(map, pages);
	vm_map_destroy(map);
}

UNIT_TEST(vm_map_lookup_finds_the_containing_entry_and_null_in_holes)
{
	struct vm_map *map = map_new();
	struct vm_map_entry *a, *b;

	alloc_fixed(map, 0x10000, 2 * PG, RW);
	alloc_fixed(map, 0x13000, PG, RW);
	a = vm_map_lookup_locked(map, 0x10000);
	b = vm_map_lookup_locked(map, 0x13000);
	CHECK(a != NULL && b != NULL && a != b);
	CHECK_EQ(0x10000, a->start);
	CHECK(vm_map_lookup_locked(map, 0x11FFF) == a);
	CHECK(vm_map_lookup_locked(map, 0x13FFF) == b);
	CHECK(vm_map_lookup_locked(map, 0xFFFF) == NULL);
	CHECK(vm_map_lookup_locked(map, 0x12000) == NULL);
	CHECK(vm_map_lookup_locked(map, 0x14000) == NULL);
	vm_map_destroy(map);
}

UNIT_TEST(vm_map_destroy_removes_everything_and_returns_every_zone_page)
{
	struct vm_map *map;
	size_t start;

	fake_zones_reset();
	fake_pmap_init(&pm);
	start = pages_in_use();
	map = vm_map_create(&pm, MAP_MIN, MAP_MAX);
	CHECK(map != NULL);
	for (int i = 0; i < 300; i++)                  /* several entry-zone pages */
		alloc_anywhere(map, PG);
	fake_pmap_enter(&pm, 0x10000, 0xA000);
	fake_pmap_enter(&pm, ANY_BASE, 0xB000);
	CHECK(pages_in_use() > start + 2);
	vm_map_destroy(map);
	CHECK_EQ(1, pm.nremoves);
	check_range(&pm.removes[0], MAP_MIN, MAP_MAX);
	CHECK_EQ(0, fake_nfreed);
	CHECK_EQ(0, pm.npages);
	CHECK(pm.destroyed);
	CHECK_EQ(start, pages_in_use());
	CHECK_EQ(0, fake_page_errors());
}

extern int fake_objects_alive;

UNIT_TEST(vm_map_clip_splits_private_objects_and_shares_shared_ones)
{
	struct vm_map *map = map_new();
	int alive = fake_objects_alive;
	struct vm_map_entry *lo, *hi;
	struct vm_object *shared;

	alloc_fixed(map, 0x10000, 4 * PG, RW);
	lo = vm_map_lookup_locked(map, 0x10000);
	lo->object = vm_object_allocate(4 * PG);          /* as the first fault would */
	CHECK_EQ(KERN_SUCCESS, vm_map_protect(map, 0x12000, 2 * PG, VM_PROT_READ));
	lo = vm_map_lookup_locked(map, 0x10000);
	hi = vm_map_lookup_locked(map, 0x12000);
	CHECK(lo->object != hi->object);                  /* private: split */
	CHECK_EQ(1, lo->object->refs);
	CHECK_EQ(0, hi->offset);

	alloc_fixed(map, 0x30000, 4 * PG, RW);
	lo = vm_map_lookup_locked(map, 0x30000);
	shared = lo->object = vm_object_allocate(4 * PG);
	vm_object_reference(shared);                      /* someone else holds it too */
	CHECK_EQ(KERN_SUCCESS, vm_map_deallocate(map, 0x31000, PG));
	lo = vm_map_lookup_locked(map, 0x30000);
	hi = vm_map_lookup_locked(map, 0x32000);
	CHECK(lo->object == shared && hi->object == shared);
	CHECK_EQ(0x2000, hi->offset);                     /* same object, further in */
	CHECK_EQ(3, shared->refs);                        /* two entries and the other holder */
	vm_map_destroy(map);
	CHECK_EQ(1, shared->refs);
	vm_object_deallocate(shared);
	CHECK_EQ(alive, fake_objects_alive);
}

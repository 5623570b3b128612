/*
 * test_pmap.c — the physical map as a cache of the VM layer (the PMAP
 * axis): the footprint query, the hashed page table's refill path that
 * bypasses vm_fault, the per-task bound on hardware tables, and eviction
 * from a full hashed page table. Each test checks what its variant must do
 * and, where the other variant differs, that it does not.
 */
#include "guest.h"
#include "ipc_util.h"

#define PAGE              4096UL
#define TABLE_SPAN        (512 * PAGE)   /* what one hardware page table maps: 2 MiB */
#define DIRECTORY_SPAN    (512 * TABLE_SPAN)  /* what one page directory maps: 1 GiB */
#define GIB_PAGES         24             /* pages touched one per page directory */
#define SPARSE_PAGES      64             /* pages touched one per page table */
#define SLACK_PAGES       16UL            /* free pages kernel zones may take meanwhile */
#define EVICT_REGION_PAGES 256           /* one region, mapped again and again (cow) */
#define EVICT_MAPPINGS_MAX 300

#define EXPECT_NEAR_PAGES(want, got) \
	do { long _w = (want), _g = (got); \
	     if (_g < _w - (long)SLACK_PAGES || _g > _w + (long)SLACK_PAGES) \
		     guest_fail(__FILE__, __LINE__, "%s: expected %ld (within %lu) got %ld", #got, \
				_w, SLACK_PAGES, _g); \
	} while (0)

static struct pmap_footprint_info footprint(void)
{
	struct pmap_footprint_info info;

	EXPECT_KR(KERN_SUCCESS, mk_pmap_footprint(MACH_PORT_TASK_SELF, &info));
	if (info.kind != PMAP_KIND_RADIX && info.kind != PMAP_KIND_HASHED)
		guest_fail(__FILE__, __LINE__, "footprint kind: expected %d or %d got %u",
			   PMAP_KIND_RADIX, PMAP_KIND_HASHED, info.kind);
	if (info.bytes != info.table_pages * PAGE + info.hash_entries * info.hash_entry_bytes)
		guest_fail(__FILE__, __LINE__, "footprint: expected %lu table pages + %lu entries "
			   "of %lu bytes got %lu bytes", info.table_pages, info.hash_entries,
			   info.hash_entry_bytes, info.bytes);
	return info;
}

/* A region of pages pages, each touched pages one TABLE_SPAN apart. */
static vm_address_t sparse_region(size_t pages)
{
	vm_address_t base = 0;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MACH_PORT_TASK_SELF, &base, pages * TABLE_SPAN,
					       VM_ALLOC_ANYWHERE));
	return base;
}

static uint64_t free_pages(void)
{
	return mk_kernel_stat(KSTAT_FREE_PAGES);
}

void test_pmap_footprint_refuses_bad_task_and_bad_pointer(void)
{
	struct pmap_footprint_info info;

	EXPECT_KR(KERN_INVALID_NAME, mk_pmap_footprint(IPC_UNUSED_NAME, &info));
	EXPECT_KR(KERN_INVALID_NAME, mk_pmap_footprint(MACH_PORT_NULL, &info));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_pmap_footprint(MACH_PORT_TASK_SELF,
			(struct pmap_footprint_info *)IPC_KERNEL_ADDR));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_pmap_footprint(MACH_PORT_TASK_SELF,
			(struct pmap_footprint_info *)IPC_UNMAPPED_ADDR));
	info = footprint();
	EXPECT(info.table_pages >= 1);
	if (info.kind == PMAP_KIND_HASHED) {
		EXPECT(info.hash_entries > 0 && info.hash_entry_bytes > 0);
		EXPECT(info.hash_capacity >= info.hash_entries);
		EXPECT(info.table_budget > 0 && info.table_pages <= info.table_budget);
	} else {
		EXPECT_EQ(0, info.hash_entries);
		EXPECT_EQ(0, info.table_budget);
	}
}

/*
 * Touch pages pages, one every stride bytes, then read them all again.
 * PMAP=hashed: the hardware tables never pass their budget, so most
 * translations were trimmed from them, and the second pass refills them
 * from the hash table with no VM fault. PMAP=radix: the tables grow at
 * least one page table per touched page and nothing is ever refilled.
 */
static void touch_sparse_then_reread(vm_size_t stride, size_t pages)
{
	vm_address_t base = 0;
	struct pmap_footprint_info info = footprint();
	uint64_t faults, refills, trims = mk_kernel_stat(KSTAT_PMAP_TRIMS);
	size_t most_tables = 0;
	bool hashed = info.kind == PMAP_KIND_HASHED;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MACH_PORT_TASK_SELF, &base, pages * stride,
					       VM_ALLOC_ANYWHERE));
	for (size_t i = 0; i < pages; i++) {
		*(volatile uint64_t *)(base + i * stride) = i + 1;
		info = footprint();
		if (info.table_pages > most_tables)
			most_tables = info.table_pages;
	}
	faults = mk_kernel_stat(KSTAT_PAGE_FAULTS);
	refills = mk_kernel_stat(KSTAT_PMAP_REFILLS);
	for (size_t i = 0; i < pages; i++)
		EXPECT_EQ(i + 1, *(volatile uint64_t *)(base + i * stride));
	EXPECT_EQ(0, mk_kernel_stat(KSTAT_PAGE_FAULTS) - faults);
	if (hashed) {
		EXPECT(most_tables <= info.table_budget);
		EXPECT(mk_kernel_stat(KSTAT_PMAP_TRIMS) > trims);
		/* at most the budget's worth of page tables could still be there */
		EXPECT(mk_kernel_stat(KSTAT_PMAP_REFILLS) - refills >= pages - info.table_budget);
	} else {
		EXPECT(most_tables > pages);
		EXPECT_EQ(0, mk_kernel_stat(KSTAT_PMAP_REFILLS) - refills);
		EXPECT_EQ(0, mk_kernel_stat(KSTAT_PMAP_TRIMS) - trims);
	}
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, base, pages * stride));
}

/* The PMAP axis test: one page per page table (hashed: the oldest page table goes first). */
void test_trimmed_translations_refill_without_the_vm_fault_path(void)
{
	touch_sparse_then_reread(TABLE_SPAN, SPARSE_PAGES);
}

/*
 * One page per GiB: each needs a page directory too, so the budget fills
 * with upper tables and every table goes at once. Then each page is
 * deallocated and allocated afresh: reading it must give zeros (no
 * translation of the old frame may survive the trims).
 */
void test_hardware_tables_stay_in_budget_one_page_per_gib(void)
{
	vm_address_t base = 0;

	touch_sparse_then_reread(DIRECTORY_SPAN, GIB_PAGES);
	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MACH_PORT_TASK_SELF, &base,
					       GIB_PAGES * DIRECTORY_SPAN, VM_ALLOC_ANYWHERE));
	for (size_t i = 0; i < GIB_PAGES; i++)
		*(volatile uint64_t *)(base + i * DIRECTORY_SPAN) = i + 1;
	for (size_t i = 0; i < GIB_PAGES; i++) {
		vm_address_t page = base + i * DIRECTORY_SPAN;

		EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, page, PAGE));
		EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MACH_PORT_TASK_SELF, &page, PAGE,
						       VM_ALLOC_FIXED));
		EXPECT_EQ(0, *(volatile uint64_t *)page);
	}
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, base,
						 GIB_PAGES * DIRECTORY_SPAN));
}

/*
 * What the footprint query reports as hardware tables is what touching
 * memory took from the free pages, beyond the pages themselves; a hashed
 * pmap's entries come from the table allocated at boot and take none.
 */
void test_pmap_footprint_agrees_with_the_drop_in_free_pages(void)
{
	vm_address_t base = sparse_region(SPARSE_PAGES);
	struct pmap_footprint_info before, after;
	uint64_t free_before, free_after;

	before = footprint();
	free_before = free_pages();
	for (size_t i = 0; i < SPARSE_PAGES; i++)
		*(volatile uint64_t *)(base + i * TABLE_SPAN) = i;
	after = footprint();
	free_after = free_pages();
	EXPECT_NEAR_PAGES(SPARSE_PAGES + (long)(after.table_pages - before.table_pages),
			  (long)(free_before - free_after));
	if (after.kind == PMAP_KIND_HASHED) {
		EXPECT(after.hash_entries - before.hash_entries >= SPARSE_PAGES);
		EXPECT(after.hash_entries - before.hash_entries <= SPARSE_PAGES + SLACK_PAGES);
		EXPECT(after.table_pages <= after.table_budget);
	} else {
		EXPECT(after.table_pages - before.table_pages >= SPARSE_PAGES);
	}
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, base,
						 SPARSE_PAGES * TABLE_SPAN));
	after = footprint();
	if (after.kind == PMAP_KIND_HASHED)
		EXPECT(after.hash_entries <= before.hash_entries + SLACK_PAGES);
}

/* Sum of the first word of every page of [addr, addr + pages pages). */
static uint64_t page_sum(vm_address_t addr, size_t pages)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < pages; i++)
		sum += *(volatile uint64_t *)(addr + i * PAGE);
	return sum;
}

/*
 * Map one region's frames more times than the hashed page table has
 * entries (out-of-line copies of it, read only, so under MSG=cow every copy
 * shares the frames) and read every mapping twice. The table must evict,
 * and an evicted translation comes back through the VM fault path with the
 * same data. Under PMAP=radix nothing is evicted.
 */
void test_hashed_page_table_evicts_like_a_cache_when_full(void)
{
	const size_t bytes = EVICT_REGION_PAGES * PAGE;
	struct pmap_footprint_info info = footprint();
	vm_address_t region = 0, copies[EVICT_MAPPINGS_MAX];
	size_t n = info.hash_capacity / EVICT_REGION_PAGES + 2;
	uint64_t evictions = mk_kernel_stat(KSTAT_PMAP_EVICTIONS), want = 0;

	if (n > EVICT_MAPPINGS_MAX)
		guest_fail(__FILE__, __LINE__, "hash capacity %lu needs %zu mappings, more than %d",
			   info.hash_capacity, n, EVICT_MAPPINGS_MAX);
	/* MSG=copy copies each region: keep to half of free memory (then nothing need evict) */
	if (mk_kernel_stat(KSTAT_MSG_OOL) == MSG_OOL_KIND_COPY &&
	    n * EVICT_REGION_PAGES > free_pages() / 2)
		n = free_pages() / 2 / EVICT_REGION_PAGES;
	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MACH_PORT_TASK_SELF, &region, bytes,
					       VM_ALLOC_ANYWHERE));
	for (size_t i = 0; i < EVICT_REGION_PAGES; i++) {
		*(volatile uint64_t *)(region + i * PAGE) = i * 7 + 1;
		want += i * 7 + 1;
	}
	for (size_t k = 0; k < n; k++)
		copies[k] = ipc_ool_receive(ipc_ool_send(region, bytes, 0), bytes);
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < n; k++)
			if (page_sum(copies[k], EVICT_REGION_PAGES) != want)
				guest_fail(__FILE__, __LINE__, "pass %d, copy %zu: expected sum %lu "
					   "got %lu", pass, k, want,
					   page_sum(copies[k], EVICT_REGION_PAGES));
	if (info.kind == PMAP_KIND_HASHED && n * EVICT_REGION_PAGES > info.hash_capacity) {
		EXPECT(mk_kernel_stat(KSTAT_PMAP_EVICTIONS) > evictions);
		EXPECT(footprint().hash_entries <= info.hash_capacity);
	}
	if (info.kind == PMAP_KIND_RADIX)
		EXPECT_EQ(0, mk_kernel_stat(KSTAT_PMAP_EVICTIONS) - evictions);
	for (size_t k = 0; k < n; k++)
		EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, copies[k], bytes));
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, region, bytes));
}

/*
 * page_alloc.c — the kernel's physical page pool, filled at boot from the
 * memory map, and page zero/copy through the direct map.
 *
 * The bitmap is static: one bit per frame of the 4 GiB the direct map
 * covers (128 KiB). Frames below 1 MiB, the kernel image, the boot
 * information and the boot modules are never handed out.
 */
#include "vm/page_alloc.h"
#include "vm/phys.h"
#include "kern/boot_info.h"
#include "kern/cpu.h"
#include "kern/kprintf.h"
#include "kern/thread.h"
#include "kern/zalloc.h"
#include "param.h"

#define LOW_MEMORY_END (1UL << 20)

static uint64_t page_bitmap[PHYS_MAP_BYTES / PAGE_SIZE / 64];
static struct page_pool kernel_pool;

struct page_pool *page_pool_kernel(void)
{
	return &kernel_pool;
}

/* Fill the pool from boot_info: usable RAM above the boot-reserved area. */
void page_alloc_init(void)
{
	page_pool_init(&kernel_pool, page_bitmap, PHYS_MAP_BYTES / PAGE_SIZE);
	for (size_t i = 0; i < boot_info.nmem; i++) {
		uint64_t s = boot_info.mem[i].start, e = boot_info.mem[i].end;

		if (s < LOW_MEMORY_END)
			s = LOW_MEMORY_END;
		if (e > PHYS_MAP_BYTES)
			e = PHYS_MAP_BYTES;
		s = (s + PAGE_SIZE - 1) / PAGE_SIZE;
		e = e / PAGE_SIZE;
		if (e > s)
			page_pool_release_range(&kernel_pool, s, e - s);
	}
	page_pool_reserve_range(&kernel_pool, 0,
		(boot_info.reserved_end + PAGE_SIZE - 1) / PAGE_SIZE);
	kprintf("machlab: %zu pages (%zu KiB) free\n", kernel_pool.free,
		kernel_pool.free * (PAGE_SIZE / 1024));
}

/* Whether the running code may take the reserved frames. */
static bool page_reserve_allowed(void)
{
	struct thread *t = current_thread();

	return !t || t->vm_privileged;
}

/* count frames from the pool, the reserve only for those allowed it. */
static bool page_take(size_t count, size_t *first)
{
	uint64_t f = spin_lock(&kernel_pool.lock);
	bool ok = (kernel_pool.free >= count + PAGE_RESERVE || page_reserve_allowed()) &&
		  page_pool_take(&kernel_pool, count, first);

	spin_unlock(&kernel_pool.lock, f);
	return ok;
}

/* count contiguous frames, or 0; when the pool is short, the empty pages
 * zones keep (zalloc.h) come back to it first. */
uint64_t page_alloc_contig(size_t count)
{
	size_t first;
	bool ok = page_take(count, &first) || (zone_reclaim() && page_take(count, &first));

	return ok ? first * PAGE_SIZE : 0;
}

uint64_t page_alloc(void)
{
	return page_alloc_contig(1);
}

uint64_t page_alloc_zeroed(void)
{
	uint64_t pa = page_alloc();

	if (pa)
		page_zero(pa);
	return pa;
}

void page_free_contig(uint64_t pa, size_t count)
{
	uint64_t f = spin_lock(&kernel_pool.lock);
	bool ok = page_pool_give(&kernel_pool, pa / PAGE_SIZE, count);

	spin_unlock(&kernel_pool.lock, f);
	if (!ok)
		panic("page_free: frame 0x%lx (+%zu) is not allocated", pa, count);
}

void page_free(uint64_t pa)
{
	page_free_contig(pa, 1);
}

/* Zero a page with 8-byte stores (512 counted instructions under icount). */
void page_zero(uint64_t pa)
{
	void *d = phys_to_virt(pa);
	uint64_t n = PAGE_SIZE / 8;

	__asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(0UL) : "memory");
}

void page_copy(uint64_t dst_pa, uint64_t src_pa)
{
	void *d = phys_to_virt(dst_pa);
	const void *s = phys_to_virt(src_pa);
	uint64_t n = PAGE_SIZE / 8;

	__asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

/* Frames free: in the pool, or kept empty by a zone (taken back on demand). */
size_t page_free_count(void)
{
	return kernel_pool.free + zone_kept_pages();
}

size_t page_total_count(void)
{
	return kernel_pool.managed;
}

/* One page for the zone allocator, as a kernel virtual address. */
void *kmem_page_alloc(void)
{
	uint64_t pa = page_alloc();

	return pa ? phys_to_virt(pa) : NULL;
}

void kmem_page_free(void *va)
{
	page_free(virt_to_phys(va));
}

void *kmem_pages_alloc(size_t count)
{
	uint64_t pa = page_alloc_contig(count);

	return pa ? phys_to_virt(pa) : NULL;
}

void kmem_pages_free(void *va, size_t count)
{
	page_free_contig(virt_to_phys(va), count);
}

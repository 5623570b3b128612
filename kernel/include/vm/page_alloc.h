/*
 * page_alloc.h — the physical page allocator.
 *
 * A page pool is a bitmap with one bit per 4 KiB frame (1 = in use) and a
 * free count. Single frames and contiguous runs (kernel stacks, page tables,
 * big tables) come from the same pool. The pool logic has no hardware
 * dependence and is unit-tested on the host; the kernel has one pool, filled
 * from the Multiboot memory map.
 */
#ifndef VM_PAGE_ALLOC_H
#define VM_PAGE_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kern/lock.h"

struct page_pool {
	uint64_t *bits;     /* 1 bit per frame, 1 = in use */
	size_t nframes;     /* frames the bitmap covers */
	size_t free;        /* frames currently free */
	size_t managed;     /* frames ever released into the pool */
	size_t hint;        /* where the next search starts */
	spinlock_t lock;
};

void page_pool_init(struct page_pool *p, uint64_t *bits, size_t nframes);
void page_pool_release_range(struct page_pool *p, size_t first, size_t count);
void page_pool_reserve_range(struct page_pool *p, size_t first, size_t count);
bool page_pool_take(struct page_pool *p, size_t count, size_t *first);
bool page_pool_give(struct page_pool *p, size_t first, size_t count);
bool page_pool_frame_in_use(const struct page_pool *p, size_t frame);

/*
 * The kernel's pool. Addresses are physical; 0 means failure. The last
 * PAGE_RESERVE free frames go only to threads that are vm_privileged (the
 * user-level default pager, deferred kernel work) and to code running
 * outside any thread: paging out must never wait for the memory it frees.
 */
#define PAGE_RESERVE 64
void page_alloc_init(void);
uint64_t page_alloc(void);
uint64_t page_alloc_zeroed(void);
uint64_t page_alloc_contig(size_t count);
void page_free(uint64_t pa);
void page_free_contig(uint64_t pa, size_t count);
void page_zero(uint64_t pa);
void page_copy(uint64_t dst_pa, uint64_t src_pa);
size_t page_free_count(void);
size_t page_total_count(void);
struct page_pool *page_pool_kernel(void);

#endif

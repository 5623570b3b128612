/*
 * vm_fault.c — page faults on anonymous memory and kernel access to user
 * memory through the same path.
 *
 * A fault (1) finds the map entry and checks its protection, (2) finds the
 * resident page, or (3) zero-fills a fresh one on first touch, and (4)
 * enters the translation through the pmap. The VM issue extends step 2
 * with memory objects and pagers, and adds copy-on-write.
 */
#include "vm/vm_fault.h"
#include "vm/vm_map.h"
#include "vm/page_alloc.h"
#include "vm/phys.h"
#include "kern/stats.h"
#include "pmap.h"
#include "param.h"
#include "lib/string.h"

/* Resolve one page of map for access; map->lock is held. */
static kern_return_t vm_fault_page_locked(struct vm_map *map, vm_address_t va,
					  vm_prot_t access, bool force, uint64_t *pa)
{
	vm_address_t page = va & ~(PAGE_SIZE - 1);
	struct vm_map_entry *e = vm_map_lookup_locked(map, page);
	uint64_t frame;
	vm_prot_t cur;
	kern_return_t kr;

	if (!e)
		return KERN_INVALID_ADDRESS;
	if (!force && (access & ~e->prot))
		return KERN_PROTECTION_FAILURE;
	if (pmap_extract(map->pmap, page, &frame, &cur)) {
		if (cur != e->prot)
			pmap_enter(map->pmap, page, frame, e->prot);
		*pa = frame + (va - page);
		return KERN_SUCCESS;
	}
	frame = page_alloc_zeroed();
	if (!frame)
		return KERN_RESOURCE_SHORTAGE;
	kr = pmap_enter(map->pmap, page, frame, e->prot);
	if (kr != KERN_SUCCESS) {
		page_free(frame);
		return kr;
	}
	stats_inc(STAT_ZERO_FILLS);
	*pa = frame + (va - page);
	return KERN_SUCCESS;
}

kern_return_t vm_fault(struct vm_map *map, vm_address_t va, vm_prot_t access)
{
	uint64_t pa, f = spin_lock(&map->lock);
	kern_return_t kr = vm_fault_page_locked(map, va, access, false, &pa);

	spin_unlock(&map->lock, f);
	if (kr == KERN_SUCCESS)
		stats_inc(STAT_PAGE_FAULTS);
	return kr;
}

kern_return_t vm_map_visit(struct vm_map *map, vm_address_t uaddr, size_t len,
			   vm_prot_t access, bool force, vm_chunk_fn fn, void *ctx)
{
	size_t done = 0;

	if (uaddr + len < uaddr || uaddr < map->min || uaddr + len > map->max)
		return KERN_INVALID_ADDRESS;
	while (done < len) {
		vm_address_t va = uaddr + done;
		size_t n = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		uint64_t pa, f;
		kern_return_t kr;

		if (n > len - done)
			n = len - done;
		f = spin_lock(&map->lock);
		kr = vm_fault_page_locked(map, va, access, force, &pa);
		if (kr == KERN_SUCCESS)
			fn(ctx, phys_to_virt(pa), done, n);
		spin_unlock(&map->lock, f);
		if (kr != KERN_SUCCESS)
			return kr;
		done += n;
	}
	return KERN_SUCCESS;
}

static void vm_chunk_copy_in(void *ctx, void *kva, size_t off, size_t n)
{
	memcpy((char *)ctx + off, kva, n);
}

static void vm_chunk_copy_out(void *ctx, void *kva, size_t off, size_t n)
{
	memcpy(kva, (const char *)ctx + off, n);
}

/* Is [uaddr, uaddr+len) user memory of the address space loaded on this CPU? */
static bool vm_direct_ok(struct vm_map *map, vm_address_t uaddr, size_t len)
{
	return pmap_is_active(map->pmap) && uaddr + len >= uaddr && uaddr >= map->min &&
	       uaddr + len <= map->max;
}

/*
 * Copy from user memory. When map is the loaded address space the kernel
 * copies directly (user_copy: faults are resolved like user faults); on any
 * failure, or for another map, it walks the map page by page, which also
 * finds the precise error.
 */
kern_return_t vm_copyin(struct vm_map *map, vm_address_t uaddr, void *kbuf, size_t len)
{
	if (vm_direct_ok(map, uaddr, len) && user_copy(kbuf, (const void *)uaddr, len) == 0)
		return KERN_SUCCESS;
	return vm_map_visit(map, uaddr, len, VM_PROT_READ, false, vm_chunk_copy_in, kbuf);
}

kern_return_t vm_copyout(struct vm_map *map, const void *kbuf, vm_address_t uaddr, size_t len)
{
	if (vm_direct_ok(map, uaddr, len) && user_copy((void *)uaddr, kbuf, len) == 0)
		return KERN_SUCCESS;
	return vm_map_visit(map, uaddr, len, VM_PROT_WRITE, false, vm_chunk_copy_out,
			    (void *)kbuf);
}

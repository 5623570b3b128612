/*
 * vm_fault.c — page faults, and kernel access to user memory through the
 * same path.
 *
 * A fault follows the four steps of the classic design, each a function
 * below: (1) vm_fault_lookup finds the map entry and checks protection;
 * (2) vm_fault_page finds the page by (object, offset) down the shadow
 * chain, zero-filling a page nobody ever wrote; (3) vm_fault_cow copies a
 * page up into the entry's own object on a write to a shared one; (4) the
 * translation is entered through the pmap. A page an object's pager must
 * supply is asked for with every lock dropped (vm_fault_pager_wait, then
 * pager_fault_wait in vm_pager.c), and the fault starts again from step 1.
 */
#include "vm/vm_fault.h"
#include "vm/vm_map.h"
#include "vm/page_alloc.h"
#include "vm/vm_object.h"
#include "pager.h"
#include "vm/phys.h"
#include "kern/cpu.h"
#include "kern/deferred.h"
#include "kern/sched.h"
#include "kern/stats.h"
#include "kern/thread.h"
#include <mach/memory_object.h>
#include <mach/types.h>
#include "pmap.h"
#include "param.h"
#include "lib/string.h"

/*
 * Step 1: the entry mapping va, if the access is allowed (force: the kernel
 * writing a program image into read-only memory).
 */
static kern_return_t vm_fault_lookup(struct vm_map *map, vm_address_t va, vm_prot_t access,
				     bool force, struct vm_map_entry **out)
{
	struct vm_map_entry *e = vm_map_lookup_locked(map, va);

	if (!e)
		return KERN_INVALID_ADDRESS;
	if (!force && (access & ~e->prot))
		return KERN_PROTECTION_FAILURE;
	*out = e;
	return KERN_SUCCESS;
}

/*
 * Step 2: the page for page_va in e's object, looked up through the object
 * and its shadow chain (a write first gives a copy-on-write entry an object
 * of its own in front of the shared one). A page found nowhere was never
 * written: it is zero-filled in the top object, and no pager is asked.
 */
static kern_return_t vm_fault_page(struct vm_map_entry *e, vm_address_t page_va, bool write,
				   struct vm_page **page, uint64_t *offset, uint32_t *depth,
				   struct pager_miss *miss)
{
	if (!e->object && !(e->object = vm_object_allocate(e->end - e->start)))
		return KERN_RESOURCE_SHORTAGE;
	if (write && e->needs_copy) {
		struct vm_object *shared = e->object;

		vm_object_shadow(&e->object, &e->offset, e->end - e->start);
		if (e->object == shared)
			return KERN_RESOURCE_SHORTAGE;
		e->needs_copy = false;
	}
	if (e->object->shadow && e->object->shadow->refs == 1)
		vm_object_collapse(e->object);
	*offset = e->offset + (page_va - e->start);
	miss->object = NULL;
	*page = vm_object_find_page(e->object, *offset, depth, miss);
	if (*page)
		return KERN_SUCCESS;
	if (miss->object)                         /* the default pager must bring it back */
		return KERN_PAGER_WAIT;
	miss->offset = *offset;
	miss->object = vm_object_pager_of(e->object, &miss->offset);
	if (miss->object) {                       /* its pager must supply the page */
		vm_object_reference(miss->object);
		return KERN_PAGER_WAIT;
	}
	*depth = 0;
	*page = vm_page_alloc(e->object, *offset, true);
	if (!*page)
		return KERN_RESOURCE_SHORTAGE;
	stats_inc(STAT_ZERO_FILLS);
	return KERN_SUCCESS;
}

/* Step 3: a write to a page that belongs to a shadowed object copies it up. */
static kern_return_t vm_fault_cow(struct vm_map_entry *e, uint64_t offset, struct vm_page **page)
{
	struct vm_page *copy;

	(*page)->busy = true;                     /* the source must not be paged out now */
	copy = vm_page_alloc(e->object, offset, false);
	(*page)->busy = false;

	if (!copy)
		return KERN_RESOURCE_SHORTAGE;
	page_copy(vm_page_pa(copy), vm_page_pa(*page));
	*page = copy;
	stats_inc(STAT_COW_FAULTS);
	return KERN_SUCCESS;
}

/*
 * Resolve one page of map for access, in the four steps of the classic
 * design; map->lock is held. Returns the physical address of va.
 */
static kern_return_t vm_fault_page_locked(struct vm_map *map, vm_address_t va,
					  vm_prot_t access, bool force, uint64_t *pa,
					  struct pager_miss *miss)
{
	vm_address_t page_va = va & ~(PAGE_SIZE - 1);
	bool write = access & VM_PROT_WRITE;
	struct vm_map_entry *e;
	struct vm_page *page;
	uint64_t offset;
	uint32_t depth;
	vm_prot_t prot;
	kern_return_t kr = vm_fault_lookup(map, page_va, access, force, &e);
	uint64_t f;

	if (kr != KERN_SUCCESS)
		return kr;
	f = spin_lock(&vm_lock);
	kr = vm_fault_page(e, page_va, write, &page, &offset, &depth, miss);
	if (map->wired && e->object)
		vm_object_wire(e->object);        /* the default pager's memory stays */
	if (kr == KERN_SUCCESS && write && depth > 0)
		kr = vm_fault_cow(e, offset, &page);
	if (kr != KERN_SUCCESS) {
		spin_unlock(&vm_lock, f);
		return kr;
	}
	/* Step 4: enter the translation; shared copy-on-write pages read-only. */
	prot = e->prot;
	if (e->needs_copy || (depth > 0 && !write))
		prot &= ~VM_PROT_WRITE;
	e->pmapped = true;                        /* (map->lock held, as for clipping) */
	page->busy = true;                        /* a table page may have to be made first */
	while ((kr = pmap_enter(map->pmap, page_va, vm_page_pa(page), prot)) ==
	       KERN_RESOURCE_SHORTAGE && default_pager_pageout_one())
		;                                     /* free a frame for it, then retry */
	page->busy = false;
	spin_unlock(&vm_lock, f);
	*pa = vm_page_pa(page) + (va - page_va);
	return kr;
}

/*
 * A miss on a pager's page: with every lock dropped, ask the pager and wait
 * for it; then the caller retries the fault from step 1 (the map may have
 * changed meanwhile).
 */
static kern_return_t vm_fault_pager_wait(struct pager_miss *miss, vm_prot_t access)
{
	kern_return_t kr = pager_fault_wait(miss->object, miss->offset, access);
	uint64_t f = spin_lock(&vm_lock);

	vm_object_deallocate(miss->object);
	spin_unlock(&vm_lock, f);
	return kr;
}

/*
 * Out of frames while a user-level default pager still has pages to take
 * in: let it run and free some (Mach's page wait), up to the pager
 * timeout. True if the fault should be retried.
 */
static bool vm_fault_page_wait(uint64_t *deadline)
{
	if (dp_kind() != DEFAULT_PAGER_KIND_USER)
		return false;
	if (!*deadline)
		*deadline = sched_ticks() + sched_ms_to_ticks(MEMORY_OBJECT_TIMEOUT_MS);
	if (sched_ticks() >= *deadline || current_thread()->terminate_pending)
		return false;
	deferred_run();                       /* send what waits in the laundry */
	sched_yield();                        /* and let the pager take it */
	return true;
}

kern_return_t vm_fault(struct vm_map *map, vm_address_t va, vm_prot_t access)
{
	uint64_t deadline = 0;

	for (;;) {
		struct pager_miss miss;
		uint64_t pa, f = spin_lock(&map->lock);
		kern_return_t kr = vm_fault_page_locked(map, va, access, false, &pa, &miss);

		spin_unlock(&map->lock, f);
		if (kr == KERN_SUCCESS)
			stats_inc(STAT_PAGE_FAULTS);
		if (kr == KERN_RESOURCE_SHORTAGE && vm_fault_page_wait(&deadline))
			continue;
		if (kr != KERN_PAGER_WAIT)
			return kr;
		kr = vm_fault_pager_wait(&miss, access);
		if (kr != KERN_SUCCESS)
			return kr;
	}
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
		struct pager_miss miss;
		uint64_t pa, f;
		kern_return_t kr;

		if (n > len - done)
			n = len - done;
		f = spin_lock(&map->lock);
		kr = vm_fault_page_locked(map, va, access, force, &pa, &miss);
		if (kr == KERN_SUCCESS)
			fn(ctx, phys_to_virt(pa), done, n);
		spin_unlock(&map->lock, f);
		if (kr == KERN_PAGER_WAIT) {              /* wait like a user access, then retry */
			kr = vm_fault_pager_wait(&miss, access);
			if (kr != KERN_SUCCESS)
				return kr;
			continue;
		}
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

/* Or a supervisor thread's own memory in the kernel half (supervisor_range.h;
 * never in UNIX=server), copied directly too: asked only once the user
 * range is refused, so user callers pay nothing for it. */
static bool vm_supervisor_own(struct vm_map *map, vm_address_t addr, size_t len)
{
	return supervisor_range_ok(addr, len) && pmap_is_active(map->pmap);
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
	if (vm_supervisor_own(map, uaddr, len))
		return user_copy(kbuf, (const void *)uaddr, len) ? KERN_INVALID_ADDRESS : KERN_SUCCESS;
	return vm_map_visit(map, uaddr, len, VM_PROT_READ, false, vm_chunk_copy_in, kbuf);
}

kern_return_t vm_copyout(struct vm_map *map, const void *kbuf, vm_address_t uaddr, size_t len)
{
	if (vm_direct_ok(map, uaddr, len) && user_copy((void *)uaddr, kbuf, len) == 0)
		return KERN_SUCCESS;
	if (vm_supervisor_own(map, uaddr, len))
		return user_copy((void *)uaddr, kbuf, len) ? KERN_INVALID_ADDRESS : KERN_SUCCESS;
	return vm_map_visit(map, uaddr, len, VM_PROT_WRITE, false, vm_chunk_copy_out,
			    (void *)kbuf);
}

static void vm_chunk_nothing(void *ctx, void *kva, size_t off, size_t n)
{
	(void)ctx, (void)kva, (void)off, (void)n;
}

/*
 * Make sure [uaddr, uaddr+len) of map can be written (faulting pages in),
 * by writing there, at each page start, the byte kbuf holds for it: for a
 * buffer about to receive kbuf, so nothing the user keeps is changed. In
 * the loaded address space this is one byte per page; otherwise a walk.
 */
kern_return_t vm_copyout_probe(struct vm_map *map, const void *kbuf, vm_address_t uaddr,
			       size_t len)
{
	if (vm_supervisor_own(map, uaddr, len))
		return KERN_SUCCESS;                  /* (kernel memory: nothing to fault in) */
	if (!vm_direct_ok(map, uaddr, len))
		return vm_map_visit(map, uaddr, len, VM_PROT_WRITE, false, vm_chunk_nothing, NULL);
	for (vm_address_t a = uaddr; a < uaddr + len; a = (a & ~(PAGE_SIZE - 1)) + PAGE_SIZE)
		if (user_copy((void *)a, (const char *)kbuf + (a - uaddr), 1) != 0)
			return vm_map_visit(map, uaddr, len, VM_PROT_WRITE, false,
					    vm_chunk_nothing, NULL);   /* the precise error */
	return KERN_SUCCESS;
}

/*
 * fakes.c — host stand-ins for what the kernel files under test call:
 * the page allocator behind zalloc.c (malloc'd pages, counted) and the
 * pmap and page_free behind vm_map.c (which record every call), and panic.
 */
#include "vm/vm_object.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "kern/kprintf.h"
#include "kern/zalloc.h"
#include "param.h"
#include "pmap.h"
#include "vm/page_alloc.h"

void vm_map_init(void);   /* kernel/vm/vm_map.c; in no header */

#define FAKE_LIVE_MAX 2048   /* page allocations outstanding at once */
#define FAKE_JUNK     0xA5   /* fills new pages, so missing zeroing shows */

/* Every live allocation, so frees can be checked against what was handed out. */
static struct { void *va; size_t count; } fake_live[FAKE_LIVE_MAX];
static size_t fake_nlive;
static size_t fake_outstanding;
static size_t fake_errors;
static bool fake_fail;

size_t fake_pages_outstanding(void)
{
	return fake_outstanding;
}

size_t fake_page_errors(void)
{
	return fake_errors;
}

void fake_page_alloc_fail(bool fail)
{
	fake_fail = fail;
}

void fake_zones_reset(void)
{
	fake_fail = false;
	kmem_init();
	vm_map_init();
}

void *kmem_pages_alloc(size_t count)
{
	void *va;

	if (fake_fail || count == 0 || fake_nlive == FAKE_LIVE_MAX)
		return NULL;
	va = aligned_alloc(PAGE_SIZE, count * PAGE_SIZE);
	if (!va)
		return NULL;
	memset(va, FAKE_JUNK, count * PAGE_SIZE);
	fake_live[fake_nlive].va = va;
	fake_live[fake_nlive].count = count;
	fake_nlive++;
	fake_outstanding += count;
	return va;
}

/* Free va only if it is live with exactly count pages; count an error otherwise. */
void kmem_pages_free(void *va, size_t count)
{
	for (size_t i = 0; i < fake_nlive; i++) {
		if (fake_live[i].va != va)
			continue;
		if (fake_live[i].count != count) {
			fake_errors++;
			return;
		}
		fake_live[i] = fake_live[--fake_nlive];
		fake_outstanding -= count;
		free(va);
		return;
	}
	fake_errors++;
}

void *kmem_page_alloc(void)
{
	return kmem_pages_alloc(1);
}

void kmem_page_free(void *va)
{
	kmem_pages_free(va, 1);
}

/* ---- the pmap ---- */

uint64_t fake_freed[FAKE_FREED_MAX];
size_t fake_nfreed;

void fake_pmap_init(struct pmap *p)
{
	memset(p, 0, sizeof(*p));
	fake_nfreed = 0;
}

void fake_pmap_enter(struct pmap *p, vm_address_t va, uint64_t pa)
{
	if (p->npages == FAKE_PMAP_PAGES_MAX)
		abort();   /* a test asked for more than the fake holds */
	p->pages[p->npages].va = va;
	p->pages[p->npages].pa = pa;
	p->npages++;
}

/* Record a call into one of the pmap's call logs (the last slot absorbs overflow). */
static void fake_record(struct fake_range *log, size_t *n, vm_address_t start,
			vm_address_t end, vm_prot_t prot)
{
	size_t i = *n < FAKE_PMAP_CALLS_MAX ? (*n)++ : FAKE_PMAP_CALLS_MAX - 1;

	log[i] = (struct fake_range){ start, end, prot };
}

void pmap_remove(struct pmap *p, vm_address_t start, vm_address_t end,
		 pmap_unmap_fn fn, void *ctx)
{
	size_t kept = 0;

	fake_record(p->removes, &p->nremoves, start, end, 0);
	for (size_t i = 0; i < p->npages; i++) {
		if (p->pages[i].va >= start && p->pages[i].va < end) {
			if (fn)
				fn(ctx, p->pages[i].va, p->pages[i].pa);
		} else
			p->pages[kept++] = p->pages[i];
	}
	p->npages = kept;
}

void pmap_protect(struct pmap *p, vm_address_t start, vm_address_t end, vm_prot_t prot)
{
	fake_record(p->protects, &p->nprotects, start, end, prot);
}

void pmap_destroy(struct pmap *p)
{
	p->destroyed = true;
}

void page_free(uint64_t pa)
{
	if (fake_nfreed < FAKE_FREED_MAX)
		fake_freed[fake_nfreed] = pa;
	fake_nfreed++;   /* counts past the log, so an overflow shows */
}

/* ---- memory objects: reference counts only (vm_map.c never faults here) ---- */

spinlock_t vm_lock;
int fake_objects_alive;

struct vm_object *vm_object_allocate(uint64_t size)
{
	struct vm_object *obj = calloc(1, sizeof(*obj));

	obj->refs = 1;
	obj->size = size;
	fake_objects_alive++;
	return obj;
}

void vm_object_reference(struct vm_object *obj)
{
	obj->refs++;
}

void vm_object_deallocate(struct vm_object *obj)
{
	if (obj && --obj->refs == 0) {
		fake_objects_alive--;
		free(obj);
	}
}

struct vm_object *vm_object_split(struct vm_object *obj, uint64_t at)
{
	return vm_object_allocate(obj->size > at ? obj->size - at : 4096);
}

/* vm_map_wire's object step: the flag only (no page is resident here). */
void vm_object_wire(struct vm_object *obj)
{
	obj->wired = true;
}

/* The kernel's panic (ledger.c's assertions): say why and stop the test binary. */
void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "panic: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

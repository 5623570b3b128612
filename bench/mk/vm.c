/*
 * vm.c — virtual-memory benchmarks: page faults (zero fill, copy on write)
 * and creating a task from this one by inheritance.
 */
#include "bench_mk.h"

#define PAGE_BYTES        4096UL
#define FAULT_PAGES       (BENCH_SAMPLES_MAX + BENCH_SAMPLES_MAX / 10 + 8)

static const long blueprint_kib[] = { 16, 256, 4096, 16384 };

struct fault_ctx {
	vm_address_t base;
	size_t next;              /* the next page to touch for the first time */
};

/* Write a page never written through this mapping before. */
static void touch_next(void *p)
{
	struct fault_ctx *c = p;

	((volatile char *)c->base)[c->next++ * PAGE_BYTES] = 1;
}

static vm_address_t fault_region(void)
{
	vm_address_t base = 0;
	kern_return_t kr = mk_vm_allocate(MACH_PORT_TASK_SELF, &base, FAULT_PAGES * PAGE_BYTES,
					  VM_ALLOC_ANYWHERE);

	if (kr != KERN_SUCCESS)
		bench_fail("fault", "vm_allocate", kr);
	return base;
}

void bench_zero_fill_fault(void)
{
	struct fault_ctx c = { fault_region(), 0 };

	bench_measure("zero_fill_fault", BENCH_NO_PARAM, bench_plan_for(3000), touch_next, &c);
	mk_vm_deallocate(MACH_PORT_TASK_SELF, c.base, FAULT_PAGES * PAGE_BYTES);
}

/* A child made by inheritance (so our memory is copy-on-write with it); never run. */
static mach_port_name_t blueprint_child(void)
{
	mach_port_name_t child;
	kern_return_t kr = mk_task_create(MACH_PORT_TASK_SELF, 1, &child);

	if (kr != KERN_SUCCESS)
		bench_fail("blueprint", "task_create", kr);
	return child;
}

static void blueprint_child_end(mach_port_name_t child)
{
	struct task_status st;

	mk_task_terminate(child);
	mk_task_wait(child, &st, MK_WAIT_FOREVER);
	mk_port_deallocate(MACH_PORT_TASK_SELF, child);
}

void bench_cow_fault(void)
{
	struct fault_ctx c = { fault_region(), 0 };
	mach_port_name_t child;

	for (size_t i = 0; i < FAULT_PAGES; i++)          /* resident, then shared */
		((volatile char *)c.base)[i * PAGE_BYTES] = 2;
	child = blueprint_child();
	bench_measure("cow_fault", BENCH_NO_PARAM, bench_plan_for(3000), touch_next, &c);
	blueprint_child_end(child);
	mk_vm_deallocate(MACH_PORT_TASK_SELF, c.base, FAULT_PAGES * PAGE_BYTES);
}

static void blueprint_once(void *ctx)
{
	(void)ctx;
	blueprint_child_end(blueprint_child());
}

void bench_blueprint_create(void)
{
	for (size_t i = 0; i < sizeof(blueprint_kib) / sizeof(blueprint_kib[0]); i++) {
		size_t bytes = (size_t)blueprint_kib[i] * 1024;
		vm_address_t base = 0;
		kern_return_t kr = mk_vm_allocate(MACH_PORT_TASK_SELF, &base, bytes,
						  VM_ALLOC_ANYWHERE);

		if (kr != KERN_SUCCESS)
			bench_fail("blueprint_create", "vm_allocate", kr);
		for (size_t off = 0; off < bytes; off += PAGE_BYTES)
			((volatile char *)base)[off] = 3;
		bench_measure("blueprint_create", blueprint_kib[i],
			      bench_plan_for(100000 + bytes / 8), blueprint_once, NULL);
		mk_vm_deallocate(MACH_PORT_TASK_SELF, base, bytes);
	}
}

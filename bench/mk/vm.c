/*
 * vm.c — virtual-memory benchmarks: page faults (zero fill, copy on write)
 * and creating a task from this one by inheritance.
 */
#include "bench_mk.h"
#include <mach/memory_object.h>

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

/*
 * --pager: a pager that supplies every page it is asked for, until
 * TERMINATE, with the page ready: it keeps one page of data resident and
 * sends it (without deallocate, so the kernel copies it, as it does for the
 * user-level default pager's store) for every request. Each answer goes out
 * in the same mach_msg call that waits for the next request, as a Mach
 * pager's server loop does. Producing the data is not part of the
 * measurement: a pager that made each page anew (vm_allocate, a zero-fill
 * fault, the page moved to the kernel with deallocate) spent about 2,000 of
 * its instructions on that (REPORT.md).
 *
 * --pager-move: the same, but the pager gives each page up (deallocate),
 * from a pool of FAULT_PAGES pages made resident before the first request,
 * one page a request, so that making the data is still not measured. The
 * supply takes the general path; the page still sits in the pool's object
 * when the kernel takes it, so the kernel copies it there too. (One body
 * made twice by the compiler, so --pager's loop has no test of move.)
 */
static inline __attribute__((always_inline)) int pager_serve(bool move)
{
	static uint64_t buf[128];
	struct mach_msg_header *h = (struct mach_msg_header *)buf;
	mach_port_name_t object = MACH_PORT_NULL, control = MACH_PORT_NULL;
	vm_address_t page = 0;
	size_t pool_pages = move ? FAULT_PAGES : 1, next = 0;
	uint32_t answer = 0;             /* bytes of an answer waiting to go out, or 0 */

	while (mk_port_type(MACH_PORT_TASK_SELF, BENCH_PAGER_PORT, &(mach_port_type_t){ 0 }))
		mk_thread_yield();                     /* until the client gives us the port */
	object = BENCH_PAGER_PORT;
	if (mk_vm_allocate(MACH_PORT_TASK_SELF, &page, pool_pages * PAGE_BYTES, VM_ALLOC_ANYWHERE))
		return 1;
	memset((void *)page, 0x5a, pool_pages * PAGE_BYTES);   /* the data, ready */
	for (;;) {
		mach_msg_return_t mr = mk_mach_msg(h, answer ? MACH_SEND_MSG | MACH_RCV_MSG :
						   MACH_RCV_MSG, answer, sizeof(buf), object, 0);
		struct mach_msg_type *t = (struct mach_msg_type *)(h + 1);
		uint64_t offset = *(uint64_t *)(t + 1);

		if (mr != MACH_MSG_SUCCESS && answer && mr < MACH_RCV_INVALID_NAME) {
			answer = 0;                /* the answer was refused (MACH_SEND_*): */
			continue;                  /* nothing was received; wait again */
		}
		answer = 0;
		if (mr != MACH_MSG_SUCCESS)
			return 1;
		if (h->id == MEMORY_OBJECT_INIT_ID)
			control = *(mach_port_name_t *)((char *)(t + 1) + 8 * t->count + sizeof(*t));
		if (h->id == MEMORY_OBJECT_TERMINATE_ID)
			return 0;
		if (h->id != MEMORY_OBJECT_DATA_REQUEST_ID)
			continue;
		*h = (struct mach_msg_header){
			.bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX,
			.size = sizeof(*h) + 2 * sizeof(*t) + 8 + sizeof(struct mach_msg_ool),
			.remote_port = control, .id = MEMORY_OBJECT_DATA_SUPPLY_ID,
		};
		*t = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_INLINE, .elem_size = 8, .count = 1 };
		*(uint64_t *)(t + 1) = offset;
		t = (struct mach_msg_type *)((char *)(t + 1) + 8);
		*t = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_OOL, .count = 1,
					     .flags = move ? MACH_MSG_OOL_DEALLOCATE : 0 };
		*(struct mach_msg_ool *)(t + 1) =
			(struct mach_msg_ool){ page + next * PAGE_BYTES, PAGE_BYTES };
		if (move)                          /* the next page of the pool (a wrap: never) */
			next = next + 1 < pool_pages ? next + 1 : 0;
		answer = h->size;
	}
}

int bench_pager_main(bool move)
{
	return move ? pager_serve(true) : pager_serve(false);
}

static void read_next(void *p)
{
	struct fault_ctx *c = p;

	(void)((volatile char *)c->base)[c->next++ * PAGE_BYTES];
}

/*
 * The messages the kernel counts to and from pagers for each of the next
 * few first reads (untimed: the count is read around each fault).
 */
#define MESSAGE_SAMPLES 4     /* read before the timed ones: FAULT_PAGES leaves room */

static void count_messages(const char *name, struct fault_ctx *c)
{
	uint64_t counts[MESSAGE_SAMPLES];

	for (int i = 0; i < MESSAGE_SAMPLES; i++) {
		uint64_t before = mk_kernel_stat(KSTAT_PAGER_MESSAGES);

		read_next(c);
		counts[i] = mk_kernel_stat(KSTAT_PAGER_MESSAGES) - before;
	}
	bench_count(name, BENCH_NO_PARAM, counts, MESSAGE_SAMPLES);
}

/* Faults on a region of an external pager run as args (--pager or --pager-move) say. */
static void pager_faults(const char *name, const char *args, size_t args_len)
{
	struct fault_ctx c = { 0, 0 };
	mach_port_name_t object, task;
	const void *image;
	size_t size;
	kern_return_t kr = mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_RECEIVE, &object);

	bench_image(&image, &size);
	if (kr == KERN_SUCCESS)
		kr = mk_port_insert_right(MACH_PORT_TASK_SELF, object, object, MACH_MSG_TYPE_MAKE_SEND);
	if (kr == KERN_SUCCESS)
		kr = mk_task_spawn(image, size, args, args_len, &task);
	if (kr == KERN_SUCCESS)
		kr = mk_port_insert_right(task, BENCH_PAGER_PORT, object, MACH_MSG_TYPE_MOVE_RECEIVE);
	if (kr == KERN_SUCCESS)
		kr = mk_vm_map(MACH_PORT_TASK_SELF, &c.base, FAULT_PAGES * PAGE_BYTES, object, 0,
			       VM_ALLOC_ANYWHERE);
	if (kr != KERN_SUCCESS)
		bench_fail(name, "pager setup", kr);
	count_messages(name, &c);
	bench_measure(name, BENCH_NO_PARAM, bench_plan_for(20000), read_next, &c);
	mk_vm_deallocate(MACH_PORT_TASK_SELF, c.base, FAULT_PAGES * PAGE_BYTES);
	mk_port_deallocate(MACH_PORT_TASK_SELF, object);
	mk_port_deallocate(MACH_PORT_TASK_SELF, task);
}

void bench_pager_fault(void)
{
	static const char args[] = "bench-pager\0--pager";

	pager_faults("pager_fault", args, sizeof(args));
}

void bench_pager_fault_move(void)
{
	static const char args[] = "bench-pager\0--pager-move";

	pager_faults("pager_fault_move", args, sizeof(args));
}

/*
 * Page a region out (a resident limit well below the region pushes all but
 * the newest pages to the backing store, and setting it pages out down to
 * it at once), lift the limit, then time reads that bring it back in one
 * page at a time.
 */
#define PAGEOUT_LIMIT_PAGES 16   /* above this program's working set, far below the region */

void bench_default_pager_fault(void)
{
	struct fault_ctx c = { fault_region(), 0 };
	vm_address_t spacer = 0;

	for (size_t i = 0; i < FAULT_PAGES; i++)
		((volatile char *)c.base)[i * PAGE_BYTES] = 4;
	/* newer pages than the region's, to be the ones that stay resident */
	if (mk_vm_allocate(MACH_PORT_TASK_SELF, &spacer, PAGEOUT_LIMIT_PAGES * PAGE_BYTES,
			   VM_ALLOC_ANYWHERE) != KERN_SUCCESS)
		bench_fail("default_pager_fault", "vm_allocate", KERN_RESOURCE_SHORTAGE);
	for (size_t i = 0; i < PAGEOUT_LIMIT_PAGES; i++)
		((volatile char *)spacer)[i * PAGE_BYTES] = 5;
	mk_vm_set_resident_limit(MACH_PORT_HOST_PRIV, PAGEOUT_LIMIT_PAGES);
	mk_vm_set_resident_limit(MACH_PORT_HOST_PRIV, 0);
	count_messages("default_pager_fault", &c);
	bench_measure("default_pager_fault", BENCH_NO_PARAM, bench_plan_for(3000), read_next, &c);
	mk_vm_deallocate(MACH_PORT_TASK_SELF, spacer, PAGEOUT_LIMIT_PAGES * PAGE_BYTES);
	mk_vm_deallocate(MACH_PORT_TASK_SELF, c.base, FAULT_PAGES * PAGE_BYTES);
}

/*
 * test_paging.c — the default pager: under memory pressure anonymous pages
 * go to the backing store and come back on the next fault with every byte
 * intact: without a single pager message when the default pager is in the
 * kernel (PAGER=kernel), with a message each way when it is a task.
 */
#include "guest.h"
#include "ipc_util.h"

#define PAGE             4096UL
#define LIMIT_PAGES      256      /* resident object pages allowed: "1 MiB of RAM" */
#define REGION_PAGES     768      /* three times that */

static uint64_t pattern(size_t word)
{
	return (word + 1) * 0x9E3779B97F4A7C15UL;
}

/* Words of [base, base + pages) that do not hold their pattern. */
static size_t count_wrong(vm_address_t base, size_t pages)
{
	const volatile uint64_t *w = (const volatile uint64_t *)base;
	size_t wrong = 0;

	for (size_t i = 0; i < pages * PAGE / 8; i++)
		wrong += w[i] != pattern(i);
	return wrong;
}

/*
 * The pager messages since the counters read outs, ins and msgs: none when
 * the default pager is in the kernel (called directly), else at least a
 * DATA_RETURN per pageout and a DATA_REQUEST per pagein.
 */
static void expect_pager_messages(uint64_t outs, uint64_t ins, uint64_t msgs)
{
	if (mk_kernel_stat(KSTAT_DEFAULT_PAGER) == DEFAULT_PAGER_KIND_KERNEL)
		EXPECT_EQ(msgs, mk_kernel_stat(KSTAT_PAGER_MESSAGES));
	else
		EXPECT(mk_kernel_stat(KSTAT_PAGER_MESSAGES) - msgs >=
		       (mk_kernel_stat(KSTAT_PAGEOUTS) - outs) + (mk_kernel_stat(KSTAT_PAGEINS) - ins));
}

void test_paging_under_pressure_loses_no_bytes(void)
{
	uint64_t outs = mk_kernel_stat(KSTAT_PAGEOUTS), ins = mk_kernel_stat(KSTAT_PAGEINS);
	uint64_t msgs = mk_kernel_stat(KSTAT_PAGER_MESSAGES);
	uint64_t free_before, free_after;
	vm_address_t base = 0;
	volatile uint64_t *w;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MACH_PORT_TASK_SELF, &base, REGION_PAGES * PAGE,
					       VM_ALLOC_ANYWHERE));
	free_before = mk_kernel_stat(KSTAT_FREE_PAGES);
	EXPECT_KR(KERN_SUCCESS, mk_vm_set_resident_limit(MACH_PORT_HOST_PRIV, LIMIT_PAGES));
	w = (volatile uint64_t *)base;
	for (size_t i = 0; i < REGION_PAGES * PAGE / 8; i++)
		w[i] = pattern(i);
	EXPECT(mk_kernel_stat(KSTAT_PAGEOUTS) - outs >= REGION_PAGES - LIMIT_PAGES);
	EXPECT_EQ(0, count_wrong(base, REGION_PAGES));     /* reads it all back in */
	EXPECT(mk_kernel_stat(KSTAT_PAGEINS) - ins >= REGION_PAGES - LIMIT_PAGES);
	EXPECT_EQ(0, count_wrong(base, REGION_PAGES));     /* and once more */
	expect_pager_messages(outs, ins, msgs);
	EXPECT_KR(KERN_SUCCESS, mk_vm_set_resident_limit(MACH_PORT_HOST_PRIV, 0));
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, base, REGION_PAGES * PAGE));
	free_after = mk_kernel_stat(KSTAT_FREE_PAGES);
	EXPECT(free_after + 8 >= free_before);            /* frames and slots went back */
}

/*
 * Memory partly paged out, then shared copy-on-write with a child, then
 * written: every write copies a page that may first have to come back from
 * the store; the parent must end with exactly its own data.
 */
void test_paged_out_memory_survives_copy_on_write(void)
{
	vm_address_t base = 0;
	mach_port_name_t child;
	struct task_status st;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MACH_PORT_TASK_SELF, &base, REGION_PAGES * PAGE,
					       VM_ALLOC_ANYWHERE));
	EXPECT_KR(KERN_SUCCESS, mk_vm_set_resident_limit(MACH_PORT_HOST_PRIV, LIMIT_PAGES));
	for (size_t i = 0; i < REGION_PAGES * PAGE / 8; i++)
		((volatile uint64_t *)base)[i] = pattern(i);
	EXPECT_KR(KERN_SUCCESS, mk_task_create(MACH_PORT_TASK_SELF, 1, &child));
	for (size_t i = 0; i < REGION_PAGES * PAGE / 8; i += 512)
		((volatile uint64_t *)base)[i] = 0;
	EXPECT_KR(KERN_SUCCESS, mk_task_terminate(child));
	EXPECT_KR(KERN_SUCCESS, mk_task_wait(child, &st, GUEST_TEST_TIMEOUT_MS));
	mk_port_deallocate(MACH_PORT_TASK_SELF, child);
	for (size_t i = 0; i < REGION_PAGES * PAGE / 8; i++)
		if (((volatile uint64_t *)base)[i] != (i % 512 == 0 ? 0 : pattern(i)))
			guest_fail(__FILE__, __LINE__, "word %zu: expected 0x%lx got 0x%lx", i,
				   i % 512 == 0 ? 0 : pattern(i), ((volatile uint64_t *)base)[i]);
	EXPECT_KR(KERN_SUCCESS, mk_vm_set_resident_limit(MACH_PORT_HOST_PRIV, 0));
	mk_vm_deallocate(MACH_PORT_TASK_SELF, base, REGION_PAGES * PAGE);
}

/* With no limit set, running the page pool dry pages out too (one word per page checked). */
void test_paging_when_physical_memory_runs_out(void)
{
	uint64_t outs = mk_kernel_stat(KSTAT_PAGEOUTS);
	size_t pages = mk_kernel_stat(KSTAT_FREE_PAGES) + 1024;
	vm_address_t base = 0;
	size_t wrong = 0;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MACH_PORT_TASK_SELF, &base, pages * PAGE,
					       VM_ALLOC_ANYWHERE));
	for (size_t p = 0; p < pages; p++)
		((volatile uint64_t *)(base + p * PAGE))[p % 512] = pattern(p);
	EXPECT(mk_kernel_stat(KSTAT_PAGEOUTS) - outs >= 1024);
	/* newest first: a forward scan under FIFO replacement would page every page out and in */
	for (size_t p = pages; p-- > 0;)
		wrong += ((volatile uint64_t *)(base + p * PAGE))[p % 512] != pattern(p);
	EXPECT_EQ(0, wrong);
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, base, pages * PAGE));
}

#define MISS_REGION_PAGES 64      /* paged out, then read back one page at a time */
#define MISS_LIMIT_PAGES  16      /* above this test's working set, far below the region */

/*
 * The PAGER axis test: a miss on paged-out memory costs exactly two
 * messages (DATA_REQUEST, DATA_SUPPLY) when the default pager is a task,
 * and none when it is in the kernel; either way it is one pagein and the
 * page comes back intact.
 */
void test_a_miss_on_paged_out_memory_costs_two_messages_or_none(void)
{
	uint64_t want = mk_kernel_stat(KSTAT_DEFAULT_PAGER) == DEFAULT_PAGER_KIND_KERNEL ? 0 : 2;
	vm_address_t base = 0, spacer = 0;
	uint64_t outs = mk_kernel_stat(KSTAT_PAGEOUTS);

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MACH_PORT_TASK_SELF, &base, MISS_REGION_PAGES * PAGE,
					       VM_ALLOC_ANYWHERE));
	for (size_t p = 0; p < MISS_REGION_PAGES; p++)
		((volatile uint64_t *)(base + p * PAGE))[p % 512] = pattern(p);
	/* newer pages than the region's, to be the ones that stay resident */
	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MACH_PORT_TASK_SELF, &spacer, MISS_LIMIT_PAGES * PAGE,
					       VM_ALLOC_ANYWHERE));
	for (size_t p = 0; p < MISS_LIMIT_PAGES; p++)
		((volatile uint64_t *)(spacer + p * PAGE))[0] = p;
	EXPECT_KR(KERN_SUCCESS, mk_vm_set_resident_limit(MACH_PORT_HOST_PRIV, MISS_LIMIT_PAGES));
	EXPECT_KR(KERN_SUCCESS, mk_vm_set_resident_limit(MACH_PORT_HOST_PRIV, 0));
	EXPECT(mk_kernel_stat(KSTAT_PAGEOUTS) - outs >= MISS_REGION_PAGES);
	for (size_t p = 0; p < MISS_REGION_PAGES; p++) {
		uint64_t msgs = mk_kernel_stat(KSTAT_PAGER_MESSAGES);
		uint64_t ins = mk_kernel_stat(KSTAT_PAGEINS);
		uint64_t got = ((volatile uint64_t *)(base + p * PAGE))[p % 512];

		if (got != pattern(p) || mk_kernel_stat(KSTAT_PAGEINS) - ins != 1 ||
		    mk_kernel_stat(KSTAT_PAGER_MESSAGES) - msgs != want)
			guest_fail(__FILE__, __LINE__, "page %zu: expected 0x%lx, 1 pagein and %lu "
				   "messages got 0x%lx, %lu and %lu", p, pattern(p), want, got,
				   mk_kernel_stat(KSTAT_PAGEINS) - ins,
				   mk_kernel_stat(KSTAT_PAGER_MESSAGES) - msgs);
	}
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, spacer, MISS_LIMIT_PAGES * PAGE));
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, base, MISS_REGION_PAGES * PAGE));
}

/*
 * Paged-out memory sent out of line (without deallocate) arrives intact
 * whatever the MSG axis does with it: copied at send (MSG=copy: the send
 * itself pages it in) or shared copy-on-write (the receiver's reads page
 * it in through the sender's object), and the sender keeps its copy.
 */
void test_paged_out_memory_sent_out_of_line_arrives_intact(void)
{
	vm_address_t base = 0, theirs;
	uint64_t outs = mk_kernel_stat(KSTAT_PAGEOUTS), ins = mk_kernel_stat(KSTAT_PAGEINS);
	mach_port_name_t port;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MACH_PORT_TASK_SELF, &base, MISS_REGION_PAGES * PAGE,
					       VM_ALLOC_ANYWHERE));
	for (size_t i = 0; i < MISS_REGION_PAGES * PAGE / 8; i++)
		((volatile uint64_t *)base)[i] = pattern(i);
	EXPECT_KR(KERN_SUCCESS, mk_vm_set_resident_limit(MACH_PORT_HOST_PRIV, MISS_LIMIT_PAGES));
	EXPECT_KR(KERN_SUCCESS, mk_vm_set_resident_limit(MACH_PORT_HOST_PRIV, 0));
	EXPECT(mk_kernel_stat(KSTAT_PAGEOUTS) - outs >= MISS_REGION_PAGES - MISS_LIMIT_PAGES);
	port = ipc_ool_send(base, MISS_REGION_PAGES * PAGE, 0);
	theirs = ipc_ool_receive(port, MISS_REGION_PAGES * PAGE);
	EXPECT_EQ(0, count_wrong(theirs, MISS_REGION_PAGES));
	EXPECT(mk_kernel_stat(KSTAT_PAGEINS) - ins >= MISS_REGION_PAGES - MISS_LIMIT_PAGES);
	EXPECT_EQ(0, count_wrong(base, MISS_REGION_PAGES));
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, theirs, MISS_REGION_PAGES * PAGE));
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, base, MISS_REGION_PAGES * PAGE));
}

/*
 * There is one default pager: registering another while it lives is
 * refused (built into the kernel: always), as is a name that is no send
 * right, and the pager in place keeps serving.
 */
void test_default_pager_cannot_be_replaced(void)
{
	uint64_t kind = mk_kernel_stat(KSTAT_DEFAULT_PAGER);
	mach_port_name_t port;

	EXPECT(kind == DEFAULT_PAGER_KIND_KERNEL || kind == DEFAULT_PAGER_KIND_USER);
	EXPECT_KR(KERN_SUCCESS, mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_RECEIVE, &port));
	EXPECT_KR(KERN_INVALID_RIGHT, mk_set_default_pager(MACH_PORT_HOST_PRIV, port));        /* receive right only */
	EXPECT_KR(KERN_INVALID_NAME, mk_set_default_pager(MACH_PORT_HOST_PRIV, port + 0x1000));
	EXPECT_KR(KERN_SUCCESS, mk_port_insert_right(MACH_PORT_TASK_SELF, port, port,
						     MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_KR(kind == DEFAULT_PAGER_KIND_USER ? KERN_NAME_EXISTS : KERN_FAILURE,
		  mk_set_default_pager(MACH_PORT_HOST_PRIV, port));
	EXPECT_EQ(kind, mk_kernel_stat(KSTAT_DEFAULT_PAGER));
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(MACH_PORT_TASK_SELF, port));
}

#define STORE_PAGES 4096          /* what either default pager holds (pager.h) */

/* A checksum of one page's bytes. */
static uint64_t page_sum(const volatile uint64_t *w)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < PAGE / 8; i++)
		sum = sum * 31 + w[i];
	return sum;
}

/*
 * Run only in a boot with little RAM (MANIFEST.little-ram: make test boots
 * each variant with LITTLE_RAM_MIB for it): touch every byte of more than
 * twice the memory left for paging, read it all back by checksum, and see
 * the kernel's counters move (pageouts, pageins, and the messages per
 * fault: none with the pager in the kernel, one each way with a task).
 */
void test_paging_beyond_ram(void)
{
	size_t free = mk_kernel_stat(KSTAT_FREE_PAGES), pages = 2 * free + 64, wrong = 0;
	uint64_t outs = mk_kernel_stat(KSTAT_PAGEOUTS), ins = mk_kernel_stat(KSTAT_PAGEINS);
	uint64_t msgs = mk_kernel_stat(KSTAT_PAGER_MESSAGES);
	vm_address_t base = 0;

	if (pages - free + 256 > STORE_PAGES) {
		guest_fail(__FILE__, __LINE__, "%zu free pages: too much RAM for a %d-page store "
			   "(this test needs a boot with little RAM)", free, STORE_PAGES);
		return;
	}
	mk_printf("paging_beyond_ram: %zu pages free, %zu touched\n", free, pages);
	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MACH_PORT_TASK_SELF, &base, pages * PAGE,
					       VM_ALLOC_ANYWHERE));
	for (size_t p = 0; p < pages; p++)
		for (size_t i = 0; i < PAGE / 8; i++)
			((volatile uint64_t *)(base + p * PAGE))[i] = pattern(p * (PAGE / 8) + i);
	for (size_t p = pages; p-- > 0;) {          /* newest first (see above) */
		uint64_t want = 0;

		for (size_t i = 0; i < PAGE / 8; i++)
			want = want * 31 + pattern(p * (PAGE / 8) + i);
		wrong += page_sum((const volatile uint64_t *)(base + p * PAGE)) != want;
	}
	EXPECT_EQ(0, wrong);
	EXPECT(mk_kernel_stat(KSTAT_PAGEOUTS) - outs >= pages - free);
	EXPECT(mk_kernel_stat(KSTAT_PAGEINS) - ins > 0);
	expect_pager_messages(outs, ins, msgs);
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, base, pages * PAGE));
}

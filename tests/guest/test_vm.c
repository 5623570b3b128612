/*
 * test_vm.c — address spaces: zero fill, allocate/deallocate/protect and
 * their error codes, protection faults (and the TLB flush they need), and
 * kernel access to bad user pointers.
 */
#include "guest.h"
#include <mach/comm_page.h>

#define PAGE 4096UL
#define FIXED_TEST_ADDR    0x200000000UL
#define FIXED_HELPER_ADDR  0x300000000UL
#define KERNEL_ADDR        0xFFFF800000100000UL
#define EXTEND_TEST_ADDR   0x240000000UL

/* The size of the region that holds addr (0 if none does). */
static vm_size_t region_size_at(vm_address_t addr)
{
	struct vm_region_info r;
	vm_address_t a = addr;

	if (mk_vm_region(MK_TASK_SELF, &a, &r) != KERN_SUCCESS || r.start > addr)
		return 0;
	return r.size;
}

/*
 * Fresh memory allocated right after a region of the same kind grows that
 * region (one map entry, as a heap grown page by page by brk needs), with
 * its pages intact, even after a fault made its object; a hole punched in
 * it splits it again; memory after a region of another protection gets a
 * region of its own.
 */
void test_adjacent_allocations_grow_one_region(void)
{
	vm_address_t a = EXTEND_TEST_ADDR, b = a + 2 * PAGE, c = a + 4 * PAGE;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MK_TASK_SELF, &a, 2 * PAGE, VM_ALLOC_FIXED));
	*(volatile uint64_t *)a = 11;                           /* its object exists now */
	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MK_TASK_SELF, &b, 2 * PAGE, VM_ALLOC_FIXED));
	EXPECT_EQ(4 * PAGE, region_size_at(a));
	for (uint64_t i = 1; i < 4; i++)
		*(volatile uint64_t *)(a + i * PAGE) = 11 + i;
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MK_TASK_SELF, a + PAGE, PAGE));
	EXPECT_EQ(PAGE, region_size_at(a));
	EXPECT_EQ(2 * PAGE, region_size_at(b));
	EXPECT_EQ(11, *(volatile uint64_t *)a);
	EXPECT_EQ(13, *(volatile uint64_t *)b);
	EXPECT_EQ(14, *(volatile uint64_t *)(b + PAGE));
	EXPECT_KR(KERN_SUCCESS, mk_vm_protect(MK_TASK_SELF, b, 2 * PAGE, VM_PROT_READ));
	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MK_TASK_SELF, &c, PAGE, VM_ALLOC_FIXED));
	EXPECT_EQ(2 * PAGE, region_size_at(b));
	EXPECT_EQ(PAGE, region_size_at(c));
	EXPECT_EQ(0, *(volatile uint64_t *)c);
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MK_TASK_SELF, a, 5 * PAGE));
}

void test_zero_fill_on_first_touch(void)
{
	vm_address_t addr = 0;
	uint64_t fills, free_before;
	const size_t pages = 16;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MK_TASK_SELF, &addr, pages * PAGE, VM_ALLOC_ANYWHERE));
	EXPECT(addr != 0 && addr % PAGE == 0);
	free_before = mk_kernel_stat(KSTAT_FREE_PAGES);
	fills = mk_kernel_stat(KSTAT_ZERO_FILLS);
	for (size_t i = 0; i < pages * PAGE; i += 8)
		EXPECT_EQ(0, *(volatile uint64_t *)(addr + i));
	EXPECT_EQ(pages, mk_kernel_stat(KSTAT_ZERO_FILLS) - fills);
	EXPECT(free_before - mk_kernel_stat(KSTAT_FREE_PAGES) >= pages);
	/* a second touch finds the pages resident */
	fills = mk_kernel_stat(KSTAT_ZERO_FILLS);
	for (size_t i = 0; i < pages * PAGE; i += PAGE)
		*(volatile uint64_t *)(addr + i) = i;
	EXPECT_EQ(fills, mk_kernel_stat(KSTAT_ZERO_FILLS));
	for (size_t i = 0; i < pages * PAGE; i += PAGE)
		EXPECT_EQ(i, *(volatile uint64_t *)(addr + i));
}

void test_allocate_deallocate_protect(void)
{
	vm_address_t a = FIXED_TEST_ADDR, b;
	uint64_t free_touched;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MK_TASK_SELF, &a, 4 * PAGE, VM_ALLOC_FIXED));
	EXPECT_EQ(FIXED_TEST_ADDR, a);
	b = FIXED_TEST_ADDR + PAGE;
	EXPECT_KR(KERN_NO_SPACE, mk_vm_allocate(MK_TASK_SELF, &b, PAGE, VM_ALLOC_FIXED));
	b = FIXED_TEST_ADDR + 5 * PAGE + 1;
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_vm_allocate(MK_TASK_SELF, &b, PAGE, VM_ALLOC_FIXED));
	b = FIXED_TEST_ADDR + 8 * PAGE;
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_vm_allocate(MK_TASK_SELF, &b, 0, VM_ALLOC_FIXED));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_vm_allocate(MK_TASK_SELF, &b, PAGE, 0x80));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_vm_allocate(MK_TASK_SELF, &b, PAGE, 0x100)); /* the kernel's own flag */
	b = KERNEL_ADDR;
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_vm_allocate(MK_TASK_SELF, &b, PAGE, VM_ALLOC_FIXED));
	b = 0;
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_vm_allocate(MK_TASK_SELF, &b, PAGE, VM_ALLOC_FIXED));

	for (size_t i = 0; i < 4; i++)
		*(volatile uint64_t *)(a + i * PAGE) = 0x5A5A0000 + i;
	free_touched = mk_kernel_stat(KSTAT_FREE_PAGES);

	EXPECT_KR(KERN_SUCCESS, mk_vm_protect(MK_TASK_SELF, a + PAGE, PAGE, VM_PROT_READ));
	EXPECT_EQ(0x5A5A0001, *(volatile uint64_t *)(a + PAGE));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_vm_protect(MK_TASK_SELF, a, PAGE, 0x100));
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MK_TASK_SELF, a + 2 * PAGE, PAGE));
	/* protect across the hole: refused, and nothing changed */
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_vm_protect(MK_TASK_SELF, a, 4 * PAGE, VM_PROT_READ));
	*(volatile uint64_t *)a = 1;                 /* still writable */
	/* the hole can be allocated again, zero-filled */
	b = a + 2 * PAGE;
	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MK_TASK_SELF, &b, PAGE, VM_ALLOC_FIXED));
	EXPECT_EQ(0, *(volatile uint64_t *)b);
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MK_TASK_SELF, a, 4 * PAGE));
	EXPECT(mk_kernel_stat(KSTAT_FREE_PAGES) >= free_touched + 3);
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_vm_deallocate(MK_TASK_SELF, a + 1, PAGE));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_vm_deallocate(MK_TASK_SELF, KERNEL_ADDR, PAGE));
}

/* Write a page (its writable translation is now cached), protect it, write again. */
int helper_write_after_protect(int argc, char **argv)
{
	vm_address_t a = FIXED_HELPER_ADDR;

	(void)argc;
	(void)argv;
	if (mk_vm_allocate(MK_TASK_SELF, &a, PAGE, VM_ALLOC_FIXED) != KERN_SUCCESS)
		return 3;
	*(volatile uint64_t *)a = 1;
	if (mk_vm_protect(MK_TASK_SELF, a, PAGE, VM_PROT_READ) != KERN_SUCCESS)
		return 4;
	if (*(volatile uint64_t *)a != 1)
		return 5;
	*(volatile uint64_t *)a = 2;                 /* must fault */
	return 0;
}

int helper_read_after_deallocate(int argc, char **argv)
{
	vm_address_t a = FIXED_HELPER_ADDR;

	(void)argc;
	(void)argv;
	if (mk_vm_allocate(MK_TASK_SELF, &a, 2 * PAGE, VM_ALLOC_FIXED) != KERN_SUCCESS)
		return 3;
	*(volatile uint64_t *)(a + PAGE) = 1;
	if (mk_vm_deallocate(MK_TASK_SELF, a, 2 * PAGE) != KERN_SUCCESS)
		return 4;
	return (int)*(volatile uint64_t *)(a + PAGE);  /* must fault */
}

void test_write_to_read_only_page_faults_after_protect(void)
{
	struct task_status st = guest_run_helper("write_after_protect", NULL);

	EXPECT_EQ(TASK_END_FAULTED, st.how);
	EXPECT_EQ(14, st.code);
	EXPECT_EQ(FIXED_HELPER_ADDR, st.fault_addr);
	EXPECT_EQ(0x7, st.error_code & 0x7);         /* present, write, user */
}

void test_deallocated_memory_faults(void)
{
	struct task_status st = guest_run_helper("read_after_deallocate", NULL);

	EXPECT_EQ(TASK_END_FAULTED, st.how);
	EXPECT_EQ(14, st.code);
	EXPECT_EQ(FIXED_HELPER_ADDR + PAGE, st.fault_addr);
	EXPECT_EQ(0x4, st.error_code & 0x7);         /* not present, read, user */
}

/* Write the read-only comm page: must fault. */
int helper_write_comm_page(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	*(volatile uint64_t *)MK_COMM_PAGE_ADDR = 1;
	return 0;
}

void test_comm_page_is_readable_and_protected(void)
{
	uint64_t t0 = MK_COMM_PAGE->ticks, interrupts = MK_COMM_PAGE->interrupts;
	vm_address_t a = MK_COMM_PAGE_ADDR;
	struct task_status st;

	mk_thread_sleep(5);
	EXPECT(MK_COMM_PAGE->ticks > t0);
	EXPECT(MK_COMM_PAGE->interrupts > interrupts);
	EXPECT_EQ(mk_kernel_stat(KSTAT_TICK_NS), MK_COMM_PAGE->tick_ns);
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, a, PAGE));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_vm_allocate(MACH_PORT_TASK_SELF, &a, PAGE, VM_ALLOC_FIXED));
	st = guest_run_helper("write_comm_page", NULL);
	EXPECT_EQ(TASK_END_FAULTED, st.how);
	EXPECT_EQ(MK_COMM_PAGE_ADDR, st.fault_addr);
}

void test_bad_user_pointers_get_error_codes(void)
{
	vm_address_t ro = 0;
	struct task_status st;
	uint64_t v;
	mach_port_name_t task;
	static const char args[] = "x";

	EXPECT_KR(KERN_INVALID_ADDRESS, mk_console_write((const char *)KERNEL_ADDR, 8));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_console_write((const char *)0x10, 8));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_console_write((const char *)~0UL - 4, 8));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_console_write("x", 1 << 20));
	/* a message pointer that wraps around the address space (fast-path sized) */
	EXPECT_KR(MACH_SEND_INVALID_DATA, mk_mach_msg((struct mach_msg_header *)(~0UL - 15),
						     MACH_SEND_MSG | MACH_RCV_MSG, 24, 24,
						     MACH_PORT_TASK_SELF, 0));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_vm_allocate(MK_TASK_SELF, NULL, PAGE, VM_ALLOC_ANYWHERE));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_vm_allocate(MK_TASK_SELF, (vm_address_t *)KERNEL_ADDR,
						     PAGE, VM_ALLOC_ANYWHERE));
	EXPECT_KR(KERN_INVALID_ADDRESS, (kern_return_t)mk_trap(MK_TRAP_KERNEL_STAT,
							      KSTAT_FREE_PAGES, KERNEL_ADDR));
	EXPECT_KR(KERN_INVALID_ARGUMENT, (kern_return_t)mk_trap(MK_TRAP_KERNEL_STAT, 999, &v));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_task_spawn((const void *)KERNEL_ADDR, 4096, args,
						    sizeof(args), &task));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_task_spawn((const void *)0x10000, 4096, args,
						    sizeof(args), &task));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_task_spawn((const void *)0x400000, 4096, args,
						    sizeof(args), (mach_port_name_t *)KERNEL_ADDR));

	/* a status written into a read-only page: protection failure */
	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MK_TASK_SELF, &ro, PAGE, VM_ALLOC_ANYWHERE));
	EXPECT_KR(KERN_SUCCESS, mk_vm_protect(MK_TASK_SELF, ro, PAGE, VM_PROT_READ));
	task = guest_spawn_helper("exit_after_sleep", NULL);
	EXPECT_KR(KERN_PROTECTION_FAILURE, mk_task_wait(task, (struct task_status *)ro,
						      GUEST_TEST_TIMEOUT_MS));
	EXPECT_KR(KERN_SUCCESS, mk_task_wait(task, &st, GUEST_TEST_TIMEOUT_MS));
	EXPECT_EQ(7, st.code);
	mk_port_deallocate(MACH_PORT_TASK_SELF, task);
}

/* ---- vm_write and vm_read: one task's memory from another's ---- */

#define RW_BYTES 300               /* crosses no page: at an offset inside one */
#define RW_OFFSET 1000

static void rw_fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* Into and out of our own memory, across a page boundary too. */
void test_vm_write_and_read_copy_exactly_the_bytes_asked(void)
{
	static uint8_t data[2 * PAGE], back[2 * PAGE];
	vm_address_t base = 0;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MACH_PORT_TASK_SELF, &base, 3 * PAGE,
					       VM_ALLOC_ANYWHERE));
	rw_fill(data, sizeof(data), 3);
	EXPECT_KR(KERN_SUCCESS, mk_vm_write(MACH_PORT_TASK_SELF, base + RW_OFFSET, data, RW_BYTES));
	EXPECT(memcmp((void *)(base + RW_OFFSET), data, RW_BYTES) == 0);
	EXPECT_EQ(0, ((uint8_t *)base)[RW_OFFSET - 1]);
	EXPECT_EQ(0, ((uint8_t *)base)[RW_OFFSET + RW_BYTES]);
	EXPECT_KR(KERN_SUCCESS, mk_vm_write(MACH_PORT_TASK_SELF, base + PAGE / 2, data,
					    sizeof(data)));
	EXPECT_KR(KERN_SUCCESS, mk_vm_read(MACH_PORT_TASK_SELF, base + PAGE / 2, back,
					   sizeof(back)));
	EXPECT(memcmp(back, data, sizeof(data)) == 0);
	EXPECT_KR(KERN_SUCCESS, mk_vm_write(MACH_PORT_TASK_SELF, base, data, 0));
	mk_vm_deallocate(MACH_PORT_TASK_SELF, base, 3 * PAGE);
}

/* Into a blueprint child: the child's copy changes, ours does not (copy-on-write). */
void test_vm_write_into_a_child_leaves_the_parent_alone(void)
{
	static uint8_t data[RW_BYTES], back[RW_BYTES];
	vm_address_t base = 0;
	mach_port_name_t child;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MACH_PORT_TASK_SELF, &base, PAGE,
					       VM_ALLOC_ANYWHERE));
	memset((void *)base, 0x11, PAGE);
	EXPECT_KR(KERN_SUCCESS, mk_task_create(MACH_PORT_TASK_SELF, 1, &child));
	rw_fill(data, sizeof(data), 9);
	EXPECT_KR(KERN_SUCCESS, mk_vm_write(child, base + RW_OFFSET, data, sizeof(data)));
	EXPECT_EQ(0x11, ((volatile uint8_t *)base)[RW_OFFSET]);
	EXPECT_KR(KERN_SUCCESS, mk_vm_read(child, base + RW_OFFSET, back, sizeof(back)));
	EXPECT(memcmp(back, data, sizeof(data)) == 0);
	EXPECT_KR(KERN_SUCCESS, mk_vm_read(child, base, back, 1));
	EXPECT_EQ(0x11, back[0]);
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(MACH_PORT_TASK_SELF, child));
	mk_vm_deallocate(MACH_PORT_TASK_SELF, base, PAGE);
}

void test_vm_write_and_read_refuse_bad_arguments(void)
{
	static uint8_t data[64];
	vm_address_t base = 0;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MACH_PORT_TASK_SELF, &base, 2 * PAGE,
					       VM_ALLOC_ANYWHERE));
	EXPECT_KR(KERN_SUCCESS, mk_vm_protect(MACH_PORT_TASK_SELF, base + PAGE, PAGE,
					      VM_PROT_READ));
	EXPECT_KR(KERN_PROTECTION_FAILURE, mk_vm_write(MACH_PORT_TASK_SELF, base + PAGE, data,
						       sizeof(data)));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_vm_write(MACH_PORT_TASK_SELF, FIXED_TEST_ADDR, data,
						    sizeof(data)));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_vm_write(MACH_PORT_TASK_SELF, base,
						    (const void *)KERNEL_ADDR, sizeof(data)));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_vm_read(MACH_PORT_TASK_SELF, KERNEL_ADDR, data,
						   sizeof(data)));
	EXPECT_KR(KERN_PROTECTION_FAILURE, mk_vm_read(MACH_PORT_TASK_SELF, base,
						      (void *)(base + PAGE), sizeof(data)));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_vm_write(MACH_PORT_TASK_SELF, base, data,
						     MK_VM_RW_MAX_BYTES + 1));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_vm_read(MACH_PORT_TASK_SELF, base, data, ~0UL));
	EXPECT(mk_vm_write(999, base, data, sizeof(data)) != KERN_SUCCESS);
	EXPECT(mk_vm_read(MACH_PORT_BOOTSTRAP, base, data, sizeof(data)) != KERN_SUCCESS);
	mk_vm_deallocate(MACH_PORT_TASK_SELF, base, 2 * PAGE);
}

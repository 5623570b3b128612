/*
 * test_task.c — tasks: handles, ELF validation, waiting and termination,
 * and that spawning and reaping gives every page back.
 */
#include "guest.h"

#define ELF_PHOFF_AT   32
#define ELF_ENTRY_AT   24
#define ELF_TYPE_AT    16
#define ELF_MACHINE_AT 18
#define PHDR_BYTES     56

int helper_exit0(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int helper_spin(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (;;)
		;
}

void test_invalid_handles_are_refused(void)
{
	struct task_status st;
	mach_port_name_t t, self;

	EXPECT_KR(KERN_INVALID_NAME, mk_thread_suspend(12345));
	EXPECT_KR(KERN_INVALID_NAME, mk_thread_suspend(-3));
	EXPECT_KR(KERN_INVALID_RIGHT, mk_thread_suspend(MK_TASK_SELF));
	EXPECT_KR(KERN_INVALID_NAME, mk_port_deallocate(MACH_PORT_TASK_SELF, MACH_PORT_NULL));
	EXPECT_KR(KERN_INVALID_NAME, mk_port_deallocate(MACH_PORT_TASK_SELF, 999));
	EXPECT_KR(KERN_INVALID_NAME, mk_task_terminate(4242));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_task_wait(MK_TASK_SELF, &st, 0));
	EXPECT_KR(KERN_INVALID_NAME, mk_vm_deallocate(77, 0x200000000UL, 4096));
	EXPECT_KR(KERN_SUCCESS, mk_thread_self(&self));
	EXPECT_KR(KERN_INVALID_RIGHT, mk_task_wait(self, &st, 0));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_thread_set_priority(self, 32));
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(MACH_PORT_TASK_SELF, self));
	EXPECT_KR(KERN_INVALID_NAME, mk_port_deallocate(MACH_PORT_TASK_SELF, self));
	t = guest_spawn_helper("exit0", NULL);
	EXPECT_KR(KERN_INVALID_RIGHT, mk_thread_resume(t));
	EXPECT_KR(KERN_SUCCESS, mk_task_wait(t, &st, GUEST_TEST_TIMEOUT_MS));
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(MACH_PORT_TASK_SELF, t));
	EXPECT_KR(KERN_INVALID_NAME, mk_task_wait(t, &st, 0));
}

/*
 * A task that has ended keeps its status for task_wait, but its address
 * and port spaces are gone: every trap that would act on them is refused
 * with KERN_TERMINATED (it used to dereference the released map and stop
 * the kernel), while waiting on it and terminating it again still work.
 */
void test_traps_on_an_ended_task_are_refused(void)
{
	mach_port_name_t t = guest_spawn_helper("exit0", NULL), name;
	struct pmap_footprint_info fp;
	struct vm_region_info region;
	struct vm_debug_info debug;
	struct task_status st;
	vm_address_t addr = 0x200000000UL;
	static char stack[256];

	EXPECT_KR(KERN_SUCCESS, mk_task_wait(t, &st, GUEST_TEST_TIMEOUT_MS));
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_KR(KERN_TERMINATED, mk_vm_allocate(t, &addr, 4096, VM_ALLOC_ANYWHERE));
	EXPECT_KR(KERN_TERMINATED, mk_vm_deallocate(t, addr, 4096));
	EXPECT_KR(KERN_TERMINATED, mk_vm_protect(t, addr, 4096, VM_PROT_READ));
	EXPECT_KR(KERN_TERMINATED, mk_vm_inherit(t, addr, 4096, VM_INHERIT_NONE));
	EXPECT_KR(KERN_TERMINATED, mk_vm_region(t, &addr, &region));
	EXPECT_KR(KERN_TERMINATED, mk_vm_debug(t, addr, &debug));
	EXPECT_KR(KERN_TERMINATED, mk_pmap_footprint(t, &fp));
	EXPECT_KR(KERN_TERMINATED, mk_task_create(t, 1, &name));
	EXPECT_KR(KERN_TERMINATED, mk_thread_create(t, NULL, stack + sizeof(stack), NULL, &name));
	EXPECT_KR(KERN_TERMINATED, mk_port_allocate(t, MACH_PORT_RIGHT_RECEIVE, &name));
	EXPECT_KR(KERN_SUCCESS, mk_task_wait(t, &st, 0));
	EXPECT_KR(KERN_SUCCESS, mk_task_terminate(t));
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(MACH_PORT_TASK_SELF, t));
}

static void put_u16(uint8_t *p, uint16_t v) { memcpy(p, &v, sizeof(v)); }
static void put_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, sizeof(v)); }
static uint64_t get_u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, sizeof(v)); return v; }

/* The first PT_LOAD program header of img. */
static uint8_t *first_load(uint8_t *img)
{
	uint8_t *ph = img + get_u64(img + ELF_PHOFF_AT);

	while (*(uint32_t *)ph != 1)
		ph += PHDR_BYTES;
	return ph;
}

enum corruption {
	BAD_MAGIC, TRUNCATED, PHOFF_BEYOND_IMAGE, WRONG_MACHINE, SHARED_OBJECT,
	SEGMENT_IN_KERNEL, FILESZ_OVER_MEMSZ, DATA_BEYOND_IMAGE, ENTRY_OUTSIDE_TEXT,
	CORRUPTIONS
};

static size_t corrupt(uint8_t *img, size_t size, enum corruption c)
{
	uint8_t *ph = first_load(img);

	switch (c) {
	case BAD_MAGIC:          img[1] = 'X'; break;
	case TRUNCATED:          return 40;
	case PHOFF_BEYOND_IMAGE: put_u64(img + ELF_PHOFF_AT, size + 64); break;
	case WRONG_MACHINE:      put_u16(img + ELF_MACHINE_AT, 3); break;
	case SHARED_OBJECT:      put_u16(img + ELF_TYPE_AT, 3); break;
	case SEGMENT_IN_KERNEL:  put_u64(ph + 16, 0xFFFF800000000000UL); break;
	case FILESZ_OVER_MEMSZ:  put_u64(ph + 32, get_u64(ph + 40) + 4096); break;
	case DATA_BEYOND_IMAGE:  put_u64(ph + 8, size); break;
	case ENTRY_OUTSIDE_TEXT: put_u64(img + ELF_ENTRY_AT, 0x10); break;
	default: break;
	}
	return size;
}

void test_corrupted_elf_images_are_rejected(void)
{
	static const char args[] = "corrupt";
	const void *image;
	size_t size;
	vm_address_t buf = 0;
	mach_port_name_t t;
	uint64_t free_pages, tasks;

	guest_image(&image, &size);
	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MK_TASK_SELF, &buf, size, VM_ALLOC_ANYWHERE));
	memcpy((void *)buf, image, size);            /* touch the buffer before counting */
	free_pages = mk_kernel_stat(KSTAT_FREE_PAGES);
	tasks = mk_kernel_stat(KSTAT_TASKS);
	for (int c = 0; c < CORRUPTIONS; c++) {
		size_t len;

		memcpy((void *)buf, image, size);
		len = corrupt((uint8_t *)buf, size, (enum corruption)c);
		t = 12345;
		kern_return_t kr = mk_task_spawn((const void *)buf, len, args, sizeof(args), &t);
		if (kr != KERN_BAD_IMAGE)
			guest_fail(__FILE__, __LINE__, "corruption %d: expected bad image got %s",
				   c, mk_strerror(kr));
		EXPECT_EQ(MACH_PORT_NULL, t);
	}
	EXPECT_KR(KERN_BAD_IMAGE, mk_task_spawn((const void *)buf, 0, args, sizeof(args), &t));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_task_spawn(image, size, "no-nul", 6, &t));
	EXPECT_EQ(free_pages, mk_kernel_stat(KSTAT_FREE_PAGES));
	EXPECT_EQ(tasks, mk_kernel_stat(KSTAT_TASKS));
	/* the uncorrupted image still runs */
	EXPECT_EQ(TASK_END_EXITED, guest_run_helper("exit0", NULL).how);
}

void test_task_wait_times_out_and_terminate_ends_task(void)
{
	struct task_status st;
	mach_port_name_t t = guest_spawn_helper("spin", NULL);
	uint64_t t0 = mk_kernel_stat(KSTAT_TICKS);

	EXPECT_KR(KERN_OPERATION_TIMED_OUT, mk_task_wait(t, &st, 0));
	EXPECT_KR(KERN_OPERATION_TIMED_OUT, mk_task_wait(t, &st, 50));
	EXPECT(mk_kernel_stat(KSTAT_TICKS) - t0 >= 50);
	EXPECT_KR(KERN_SUCCESS, mk_task_terminate(t));
	EXPECT_KR(KERN_SUCCESS, mk_task_wait(t, &st, GUEST_TEST_TIMEOUT_MS));
	EXPECT_EQ(TASK_END_KILLED, st.how);
	EXPECT_KR(KERN_SUCCESS, mk_task_terminate(t));     /* already dead: harmless */
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(MACH_PORT_TASK_SELF, t));
	st = guest_run_helper("exit_after_sleep", NULL);
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(7, st.code);
}

void test_spawn_and_reap_1000_tasks_returns_every_page(void)
{
	uint64_t free_pages, tasks, threads;

	guest_run_helper("exit0", NULL);                   /* warm the kernel's zones */
	free_pages = mk_kernel_stat(KSTAT_FREE_PAGES);
	tasks = mk_kernel_stat(KSTAT_TASKS);
	threads = mk_kernel_stat(KSTAT_THREADS);
	for (int i = 0; i < 1000; i++) {
		struct task_status st = guest_run_helper("exit0", NULL);

		if (st.how != TASK_END_EXITED || st.code != 0)
			guest_fail(__FILE__, __LINE__, "task %d ended with how %u code %d",
				   i, st.how, st.code);
	}
	EXPECT_EQ(tasks, mk_kernel_stat(KSTAT_TASKS));
	EXPECT_EQ(threads, mk_kernel_stat(KSTAT_THREADS));
	EXPECT_EQ(free_pages, mk_kernel_stat(KSTAT_FREE_PAGES));
}

/* A task made by task_create that never gets a thread ends when its last outside right goes. */
void test_threadless_task_ends_when_unreachable(void)
{
	uint64_t tasks, free_pages;
	mach_port_name_t child;

	EXPECT_KR(KERN_SUCCESS, mk_task_create(MACH_PORT_TASK_SELF, 1, &child));   /* warm up */
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(MACH_PORT_TASK_SELF, child));
	tasks = mk_kernel_stat(KSTAT_TASKS);
	free_pages = mk_kernel_stat(KSTAT_FREE_PAGES);
	for (int i = 0; i < 20; i++) {
		EXPECT_KR(KERN_SUCCESS, mk_task_create(MACH_PORT_TASK_SELF, i & 1, &child));
		EXPECT_EQ(tasks + 1, mk_kernel_stat(KSTAT_TASKS));
		EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(MACH_PORT_TASK_SELF, child));
	}
	EXPECT_EQ(tasks, mk_kernel_stat(KSTAT_TASKS));
	EXPECT_EQ(free_pages, mk_kernel_stat(KSTAT_FREE_PAGES));
}

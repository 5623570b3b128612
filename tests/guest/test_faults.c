/*
 * test_faults.c — exceptions and bad system calls end only the task that
 * caused them, and task_wait says exactly why.
 */
#include "guest.h"

#define PF_PRESENT 0x1
#define PF_WRITE   0x2
#define PF_USER    0x4

int helper_null_write(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	*(volatile int *)0 = 1;
	return 0;
}

int helper_exit_after_sleep(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	mk_thread_sleep(30);
	return 7;
}

int helper_divide_by_zero(int argc, char **argv)
{
	volatile int zero = 0;

	(void)argv;
	return argc / zero;
}

int helper_invalid_opcode(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	__asm__ volatile("ud2");
	return 0;
}

int helper_privileged_instruction(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	__asm__ volatile("hlt");
	return 0;
}

int helper_linux_getpid(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	mk_trap(39, 0);       /* Linux getpid: no emulation vector registered */
	return 0;
}

void test_null_pointer_write_kills_only_its_task(void)
{
	mach_port_name_t bystander = guest_spawn_helper("exit_after_sleep", NULL);
	struct task_status st = guest_run_helper("null_write", NULL);

	EXPECT_EQ(TASK_END_FAULTED, st.how);
	EXPECT_EQ(14, st.code);
	EXPECT_EQ(0, st.fault_addr);
	EXPECT_EQ(PF_WRITE | PF_USER, st.error_code & (PF_WRITE | PF_USER | PF_PRESENT));
	/* the other task and this one go on */
	EXPECT_KR(KERN_SUCCESS, mk_task_wait(bystander, &st, GUEST_TEST_TIMEOUT_MS));
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(7, st.code);
	mk_port_deallocate(MACH_PORT_TASK_SELF, bystander);
}

void test_exceptions_kill_only_their_task(void)
{
	static const struct { const char *helper; int vector; } cases[] = {
		{ "divide_by_zero", 0 },
		{ "invalid_opcode", 6 },
		{ "privileged_instruction", 13 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct task_status st = guest_run_helper(cases[i].helper, NULL);

		EXPECT_EQ(TASK_END_FAULTED, st.how);
		EXPECT_EQ(cases[i].vector, st.code);
		EXPECT(st.fault_rip >= 0x400000 && st.fault_rip < 0x800000);
	}
}

void test_foreign_syscall_without_emulation_ends_task(void)
{
	struct task_status st = guest_run_helper("linux_getpid", NULL);

	EXPECT_EQ(TASK_END_BAD_TRAP, st.how);
	EXPECT_EQ(39, st.code);
	/* an unknown kernel trap is an error code, not a death */
	EXPECT_KR(KERN_INVALID_TRAP, (kern_return_t)mk_trap(-(MK_TRAP_COUNT + 1), 0));
	EXPECT_KR(KERN_INVALID_TRAP, (kern_return_t)mk_trap(-1000000, 0));
}

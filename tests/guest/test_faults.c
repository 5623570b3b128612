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

/*
 * The trap ABI (include/mach/traps.h): every register but rax (the result),
 * rcx and r11 (the `syscall` instruction's) comes back as it was, on the
 * short path of a Mach trap, across a trap that blocks and switches
 * threads, and on the full path of an invalid number.
 */
#define TRAP_ABI_REGS 12 /* rbx rbp r12 r13 r14 r15 rdi rsi rdx r8 r9 r10 */

static uint64_t trap_abi_nr, trap_abi_a0, trap_abi_result;
static uint64_t trap_abi_seen[TRAP_ABI_REGS];

/* The value the test loads into register i before the trap (rdi: the argument). */
static uint64_t trap_abi_value(int i)
{
	return i == 6 ? trap_abi_a0 : 0x5eed000000000000UL + 0x1111UL * (uint64_t)(i + 1);
}

static long trap_with_known_registers(long nr, uint64_t a0)
{
	trap_abi_nr = (uint64_t)nr;
	trap_abi_a0 = a0;
	__asm__ volatile(
		"pushq %%rbp\n\t"
		"movabsq $0x5eed000000001111, %%rbx\n\t"
		"movabsq $0x5eed000000002222, %%rbp\n\t"
		"movabsq $0x5eed000000003333, %%r12\n\t"
		"movabsq $0x5eed000000004444, %%r13\n\t"
		"movabsq $0x5eed000000005555, %%r14\n\t"
		"movabsq $0x5eed000000006666, %%r15\n\t"
		"movq %[a0], %%rdi\n\t"
		"movabsq $0x5eed000000008888, %%rsi\n\t"
		"movabsq $0x5eed000000009999, %%rdx\n\t"
		"movabsq $0x5eed00000000aaaa, %%r8\n\t"
		"movabsq $0x5eed00000000bbbb, %%r9\n\t"
		"movabsq $0x5eed00000000cccc, %%r10\n\t"
		"movq %[nr], %%rax\n\t"
		"syscall\n\t"
		"movq %%rax, %[res]\n\t"
		"movq %%rbx, %[s0]\n\t"
		"movq %%rbp, %[s1]\n\t"
		"movq %%r12, %[s2]\n\t"
		"movq %%r13, %[s3]\n\t"
		"movq %%r14, %[s4]\n\t"
		"movq %%r15, %[s5]\n\t"
		"movq %%rdi, %[s6]\n\t"
		"movq %%rsi, %[s7]\n\t"
		"movq %%rdx, %[s8]\n\t"
		"movq %%r8, %[s9]\n\t"
		"movq %%r9, %[s10]\n\t"
		"movq %%r10, %[s11]\n\t"
		"popq %%rbp"
		: [res] "=m"(trap_abi_result), [s0] "=m"(trap_abi_seen[0]),
		  [s1] "=m"(trap_abi_seen[1]), [s2] "=m"(trap_abi_seen[2]),
		  [s3] "=m"(trap_abi_seen[3]), [s4] "=m"(trap_abi_seen[4]),
		  [s5] "=m"(trap_abi_seen[5]), [s6] "=m"(trap_abi_seen[6]),
		  [s7] "=m"(trap_abi_seen[7]), [s8] "=m"(trap_abi_seen[8]),
		  [s9] "=m"(trap_abi_seen[9]), [s10] "=m"(trap_abi_seen[10]),
		  [s11] "=m"(trap_abi_seen[11])
		: [nr] "m"(trap_abi_nr), [a0] "m"(trap_abi_a0)
		: "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13",
		  "r14", "r15", "memory");
	return (long)trap_abi_result;
}

/* How many of the registers came back changed. */
static int trap_abi_changed(void)
{
	int changed = 0;

	for (int i = 0; i < TRAP_ABI_REGS; i++)
		if (trap_abi_seen[i] != trap_abi_value(i))
			changed++;
	return changed;
}

void test_traps_keep_every_register_but_rax_rcx_r11(void)
{
	/* the short path, returning at once */
	EXPECT_EQ((long)MACH_PORT_TASK_SELF, trap_with_known_registers(MK_TRAP_TASK_SELF, 0));
	EXPECT_EQ(0, trap_abi_changed());
	/* a trap that blocks: another thread runs in between */
	EXPECT_KR(KERN_SUCCESS, (kern_return_t)trap_with_known_registers(MK_TRAP_THREAD_SLEEP, 5));
	EXPECT_EQ(0, trap_abi_changed());
	/* the full path: not a trap number */
	EXPECT_KR(KERN_INVALID_TRAP,
		  (kern_return_t)trap_with_known_registers(-(MK_TRAP_COUNT + 1), 0));
	EXPECT_EQ(0, trap_abi_changed());
	/* mach_msg refusing its arguments (rsi holds no valid option) */
	EXPECT(trap_with_known_registers(MK_TRAP_MACH_MSG, 0x10) != KERN_SUCCESS);
	EXPECT_EQ(0, trap_abi_changed());
}

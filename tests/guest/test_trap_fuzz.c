/*
 * test_trap_fuzz.c — random arguments to every kernel trap never crash the
 * kernel: helper tasks make thousands of traps with random arguments (names
 * picked among their own and random ones, pointers and sizes wild); a helper
 * may well end itself, but the kernel must survive, and once the helpers are
 * gone every task, port and page must be back.
 */
#include "guest.h"

#define TRAP_FUZZ_HELPERS 8
#define TRAP_FUZZ_CALLS   2000

/* Traps a fuzzing task must not make at random: they end or stall it. */
static bool trap_fuzz_skipped(long nr)
{
	return nr == MK_TRAP_TASK_EXIT || nr == MK_TRAP_THREAD_EXIT ||
	       nr == MK_TRAP_TASK_TERMINATE || nr == MK_TRAP_THREAD_TERMINATE ||
	       nr == MK_TRAP_THREAD_SUSPEND || nr == MK_TRAP_THREAD_SLEEP ||
	       nr == MK_TRAP_VM_SET_RESIDENT_LIMIT;
}

static uint64_t fuzz_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* An argument: a small name, a plausible size, or anything at all. */
static uint64_t fuzz_arg(uint64_t *s)
{
	uint64_t r = fuzz_rand(s);

	switch (r & 3) {
	case 0:  return r >> 60;                       /* 0..15: names, rights, flags */
	case 1:  return (r >> 8) & 0xFFFF;             /* sizes */
	default: return fuzz_rand(s);                  /* wild pointers and values */
	}
}

int helper_trap_fuzz(int argc, char **argv)
{
	uint64_t s = 0x9E3779B97F4A7C15UL * (uint64_t)(argc > 3 ? argv[3][0] : 1);

	for (int i = 0; i < TRAP_FUZZ_CALLS; i++) {
		long nr = -1 - (long)(fuzz_rand(&s) % MK_TRAP_COUNT);
		uint64_t a[6];

		if (trap_fuzz_skipped(nr))
			continue;
		for (int k = 0; k < 6; k++)
			a[k] = fuzz_arg(&s);
		if (nr == MK_TRAP_MACH_MSG)
			a[1] &= ~(uint64_t)MACH_RCV_MSG;       /* never wait for a reply */
		if (nr == MK_TRAP_TASK_WAIT)
			a[2] = 0;                          /* poll */
		mk_trap6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	return 0;
}

void test_random_trap_arguments_never_crash_the_kernel(void)
{
	uint64_t tasks, ports, free_pages;
	int ended = 0;

	guest_run_helper("exit0", NULL);                   /* warm up */
	tasks = mk_kernel_stat(KSTAT_TASKS);
	ports = mk_kernel_stat(KSTAT_PORTS);
	free_pages = mk_kernel_stat(KSTAT_FREE_PAGES);
	for (int i = 0; i < TRAP_FUZZ_HELPERS; i++) {
		char seed[2] = { (char)('a' + i), 0 };
		struct task_status st = guest_run_helper("trap_fuzz", seed);

		ended += st.how == TASK_END_EXITED && st.code == 0;
	}
	mk_printf("trap fuzz: %d of %d helpers ran to the end\n", ended, TRAP_FUZZ_HELPERS);
	EXPECT_EQ(tasks, mk_kernel_stat(KSTAT_TASKS));
	EXPECT_EQ(ports, mk_kernel_stat(KSTAT_PORTS));
	EXPECT(mk_kernel_stat(KSTAT_FREE_PAGES) + 32 >= free_pages);
	EXPECT_EQ(TASK_END_EXITED, guest_run_helper("exit0", NULL).how);   /* still working */
}

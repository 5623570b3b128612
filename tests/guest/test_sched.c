/*
 * test_sched.c — threads and the scheduler: preemption, FPU state across
 * switches, creating/terminating and suspending/resuming threads.
 */
#include "guest.h"

#define THREAD_STACK_BYTES (64 * 1024)

struct spinner {
	volatile uint64_t count;
	volatile int stop;
};

static void spinner_run(void *p)
{
	struct spinner *s = p;

	while (!s->stop)
		s->count++;
}

static mach_port_name_t start_thread(void (*fn)(void *), void *arg)
{
	mach_port_name_t t;

	EXPECT_KR(KERN_SUCCESS, mk_thread_start(fn, arg, THREAD_STACK_BYTES, &t));
	return t;
}

/* Wait (sleeping) until the thread behind t is dead. */
static void wait_thread_dead(mach_port_name_t t)
{
	uint32_t state = 0;

	for (int i = 0; i < 1000; i++) {
		EXPECT_KR(KERN_SUCCESS, mk_thread_info(t, &state));
		if (state == THREAD_STATE_DEAD)
			return;
		mk_thread_sleep(5);
	}
	EXPECT_EQ(THREAD_STATE_DEAD, state);
}

void test_preemption_lets_two_cpu_bound_threads_progress(void)
{
	static struct spinner a, b;
	mach_port_name_t ta = start_thread(spinner_run, &a);
	mach_port_name_t tb = start_thread(spinner_run, &b);
	uint64_t a1, b1;

	/* Neither spinner ever yields: only the timer can take the CPU away. */
	mk_thread_sleep(50);
	a1 = a.count;
	b1 = b.count;
	mk_thread_sleep(50);
	EXPECT(a1 > 0 && b1 > 0);
	EXPECT(a.count > a1);
	EXPECT(b.count > b1);
	a.stop = b.stop = 1;
	wait_thread_dead(ta);
	wait_thread_dead(tb);
}

struct fpu_worker {
	uint64_t pattern;
	volatile int mismatches;
	volatile int done;
};

/* Hold a pattern in xmm0 and xmm7 across a long loop that gets preempted. */
static void fpu_worker_run(void *p)
{
	struct fpu_worker *w = p;

	for (int round = 0; round < 4; round++) {
		uint64_t out0, out7, n = 20 * 1000 * 1000;

		__asm__ volatile("movq %2, %%xmm0\n\t"
				 "movq %2, %%xmm7\n\t"
				 "1: decq %3\n\t"
				 "jnz 1b\n\t"
				 "movq %%xmm0, %0\n\t"
				 "movq %%xmm7, %1"
				 : "=r"(out0), "=r"(out7), "+r"(w->pattern), "+r"(n)
				 : : "xmm0", "xmm7");
		if (out0 != w->pattern || out7 != w->pattern)
			w->mismatches++;
	}
	w->done = 1;
}

void test_fpu_state_survives_preemption(void)
{
	static struct fpu_worker w1 = { .pattern = 0x1111222233334444UL };
	static struct fpu_worker w2 = { .pattern = 0xAAAABBBBCCCCDDDDUL };
	uint64_t switches = mk_kernel_stat(KSTAT_CONTEXT_SWITCHES);

	start_thread(fpu_worker_run, &w1);
	start_thread(fpu_worker_run, &w2);
	while (!w1.done || !w2.done)
		mk_thread_sleep(10);
	EXPECT(mk_kernel_stat(KSTAT_CONTEXT_SWITCHES) - switches > 8);
	EXPECT_EQ(0, w1.mismatches);
	EXPECT_EQ(0, w2.mismatches);
}

void test_thread_create_and_terminate(void)
{
	static struct spinner s;
	uint64_t threads = mk_kernel_stat(KSTAT_THREADS);
	mach_port_name_t t = start_thread(spinner_run, &s);
	uint64_t c1;

	EXPECT_EQ(threads + 1, mk_kernel_stat(KSTAT_THREADS));
	mk_thread_sleep(30);
	EXPECT(s.count > 0);
	EXPECT_KR(KERN_SUCCESS, mk_thread_terminate(t));
	wait_thread_dead(t);
	c1 = s.count;
	mk_thread_sleep(30);
	EXPECT_EQ(c1, s.count);
	EXPECT_KR(KERN_TERMINATED, mk_thread_suspend(t));
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(MACH_PORT_TASK_SELF, t));
	EXPECT_EQ(threads, mk_kernel_stat(KSTAT_THREADS));

	/* A thread whose function returns ends itself. */
	static struct spinner quick = { .stop = 1 };
	t = start_thread(spinner_run, &quick);
	wait_thread_dead(t);
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(MACH_PORT_TASK_SELF, t));
	EXPECT_EQ(threads, mk_kernel_stat(KSTAT_THREADS));
}

void test_thread_suspend_stops_and_resume_restarts(void)
{
	static struct spinner s;
	mach_port_name_t t = start_thread(spinner_run, &s);
	uint32_t state;
	uint64_t c1;

	mk_thread_sleep(20);
	EXPECT_KR(KERN_SUCCESS, mk_thread_suspend(t));
	mk_thread_sleep(20);                 /* let it reach the user boundary */
	EXPECT_KR(KERN_SUCCESS, mk_thread_info(t, &state));
	EXPECT_EQ(THREAD_STATE_SUSPENDED, state);
	c1 = s.count;
	mk_thread_sleep(50);
	EXPECT_EQ(c1, s.count);
	EXPECT_KR(KERN_SUCCESS, mk_thread_resume(t));
	mk_thread_sleep(50);
	EXPECT(s.count > c1);
	EXPECT_KR(KERN_FAILURE, mk_thread_resume(t));   /* not suspended */
	s.stop = 1;
	wait_thread_dead(t);
}

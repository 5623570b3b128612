/*
 * sys.c — benchmarks of the kernel's other primitives: traps, system-call
 * redirection, switching between threads and creating a task.
 */
#include "bench_mk.h"
#include "emul.h"

#define YIELDER_STACK_BYTES (16 * 1024)

static void null_trap_once(void *ctx)
{
	(void)ctx;
	mk_trap(MK_TRAP_TASK_SELF, 0);
}

void bench_null_trap(void)
{
	bench_measure("null_trap", BENCH_NO_PARAM, bench_plan_for(200), null_trap_once, NULL);
}

/* The handler of emul_redirect: the call's result, nothing else. */
static void emul_nothing(struct emul_frame *f)
{
	f->rax = 0;
}

/* One foreign system call (Linux getpid's number): emul_redirect's and emul_rpc's operation. */
void bench_foreign_getpid_once(void *ctx)
{
	(void)ctx;
	bench_foreign_call(BENCH_LINUX_GETPID);
}

void bench_emul_redirect(void)
{
	kern_return_t kr = emul_install_self(emul_nothing);

	if (kr != KERN_SUCCESS)
		bench_fail("emul_redirect", "task_set_emulation", kr);
	bench_measure("emul_redirect", BENCH_NO_PARAM, bench_plan_for(500), bench_foreign_getpid_once,
		      NULL);
	emul_install_self(NULL);
}

static volatile int yielder_stop;

/* The other thread: give the CPU straight back, until told to stop. */
static void yielder(void *arg)
{
	(void)arg;
	while (!yielder_stop)
		mk_thread_yield();
}

static void yield_once(void *ctx)
{
	(void)ctx;
	mk_thread_yield();
}

void bench_thread_switch(void)
{
	mach_port_name_t t;
	kern_return_t kr = mk_thread_start(yielder, NULL, YIELDER_STACK_BYTES, &t);

	if (kr != KERN_SUCCESS)
		bench_fail("thread_switch", "thread_start", kr);
	yield_once(NULL);                              /* let it reach its loop */
	bench_measure("thread_switch", BENCH_NO_PARAM, bench_plan_for(1500), yield_once, NULL);
	yielder_stop = 1;
	mk_thread_yield();
	mk_port_deallocate(MACH_PORT_TASK_SELF, t);
}

static void spawn_wait_once(void *ctx)
{
	static const char args[] = "bench-exit\0--exit";
	const void *image;
	size_t size;
	mach_port_name_t task;
	struct task_status st;
	kern_return_t kr;

	(void)ctx;
	bench_image(&image, &size);
	kr = mk_task_spawn(image, size, args, sizeof(args), &task);
	if (kr == KERN_SUCCESS)
		kr = mk_task_wait(task, &st, MK_WAIT_FOREVER);
	if (kr != KERN_SUCCESS)
		bench_fail("task_spawn_wait", "spawn/wait", kr);
	mk_port_deallocate(MACH_PORT_TASK_SELF, task);
}

void bench_task_spawn_wait(void)
{
	bench_measure("task_spawn_wait", BENCH_NO_PARAM, bench_plan_for(300000), spawn_wait_once,
		      NULL);
}

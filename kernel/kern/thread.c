/*
 * thread.c — creating, suspending, resuming and ending threads.
 *
 * A new user thread's kernel stack holds a trapframe that "returns" to its
 * entry point in user mode, and below it a switch frame whose return
 * address is thread_trampoline (entry.S), so its first switch lands there.
 */
#include "kern/thread.h"
#include "kern/cpu.h"
#include "kern/kobject.h"
#include "kern/kprintf.h"
#include "kern/ledger.h"
#include "kern/deferred.h"
#include "kern/sched.h"
#include "kern/task.h"
#include "kern/zalloc.h"
#include "arch/trapframe.h"
#include "lib/string.h"
#include "param.h"
#include <mach/traps.h>
#include <mach/types.h>

struct switch_frame {
	uint64_t r15, r14, r13, r12, rbx, rbp;
	uint64_t rip;
};

_Static_assert(offsetof(struct thread, recover) == 0, "entry.S user_copy expects recover at 0");

static struct zone thread_zone;
static uint32_t next_thread_id = 1;
static uint32_t threads_alive;

extern void thread_trampoline(void);

void thread_init(void)
{
	zone_init(&thread_zone, "thread", sizeof(struct thread));
}

uint32_t thread_count(void)
{
	return threads_alive;
}

static struct thread *thread_alloc(unsigned stack_pages)
{
	struct thread *t = zalloc(&thread_zone);

	if (!t)
		return NULL;
	t->kstack = kmem_pages_alloc(stack_pages);
	if (!t->kstack) {
		zfree(&thread_zone, t);
		return NULL;
	}
	t->kstack_pages = stack_pages;
	t->kstack_top = (uint64_t)t->kstack + stack_pages * PAGE_SIZE;
	list_init(&t->sched_link);
	list_init(&t->timeout_link);
	list_init(&t->task_link);
	t->id = __atomic_fetch_add(&next_thread_id, 1, __ATOMIC_RELAXED);
	t->priority = MK_THREAD_PRIORITY_DEFAULT;
	t->refs = 1;                       /* dropped by sched_reap */
	__atomic_fetch_add(&threads_alive, 1, __ATOMIC_RELAXED);
	return t;
}

/* t's first switch frame for kernel code: thread_trampoline calls fn(arg). */
static struct switch_frame *kernel_code_frame(struct thread *t, void (*fn)(void *), void *arg)
{
	struct switch_frame *sf = (struct switch_frame *)(t->kstack_top - 16) - 1;

	memset(sf, 0, sizeof(*sf));
	sf->r12 = (uint64_t)fn;
	sf->r13 = (uint64_t)arg;
	sf->rip = (uint64_t)thread_trampoline;
	return sf;
}

/* A new thread of task, charged to its ledger, with a kernel stack of
 * stack_pages; not yet started (thread_start_in). */
static struct thread *thread_new_in(struct task *task, unsigned stack_pages, kern_return_t *kr)
{
	struct thread *t;

	if (ledger_charge(task->ledger, LEDGER_THREADS, 1) != KERN_SUCCESS) {
		*kr = KERN_RESOURCE_SHORTAGE;
		return NULL;
	}
	t = thread_alloc(stack_pages);
	if (!t) {
		ledger_credit(task->ledger, LEDGER_THREADS, 1);
		*kr = KERN_RESOURCE_SHORTAGE;
		return NULL;
	}
	t->ledger = task->ledger;
	fpu_state_init(&t->fpu);
	return t;
}

/* Add t (its first switch frame at sf) to task and make it runnable; fails
 * (and frees t) if the task is ending. */
static struct thread *thread_start_in(struct task *task, struct thread *t,
				      struct switch_frame *sf, kern_return_t *kr)
{
	uint64_t f;

	t->ctx_rsp = (uint64_t)sf;
	t->task = task;
	f = spin_lock(&task->lock);
	if (task->state != TASK_ALIVE) {
		spin_unlock(&task->lock, f);
		thread_free_stack(t);
		t->task = NULL;
		thread_release(t);
		*kr = KERN_TERMINATED;
		return NULL;
	}
	task_ref(task);
	list_push_back(&task->threads, &t->task_link);
	task->nthreads++;
	spin_lock(&sched_lock);
	sched_make_runnable_locked(t);
	spin_unlock(&sched_lock, 0);
	spin_unlock(&task->lock, f);
	*kr = KERN_SUCCESS;
	return t;
}

/*
 * A thread in task that starts in user mode at entry with the given stack
 * and rdi/rsi. It is runnable at once. Fails if the task is ending.
 */
struct thread *thread_create_user(struct task *task, uint64_t entry, uint64_t stack_top,
				  uint64_t arg0, uint64_t arg1, kern_return_t *kr)
{
	struct thread *t = thread_new_in(task, KERNEL_STACK_PAGES, kr);
	struct trapframe *tf;
	struct switch_frame *sf;

	if (!t)
		return NULL;
	tf = (struct trapframe *)(t->kstack_top - sizeof(*tf));
	memset(tf, 0, sizeof(*tf));
	tf->rip = entry;
	tf->cs = GDT_USER_CODE | 3;
	tf->rflags = RFLAGS_IF;
	tf->rsp = stack_top;
	tf->ss = GDT_USER_DATA | 3;
	tf->rdi = arg0;
	tf->rsi = arg1;
	sf = (struct switch_frame *)tf - 1;
	memset(sf, 0, sizeof(*sf));
	sf->rip = (uint64_t)thread_trampoline;
	return thread_start_in(task, t, sf, kr);
}

/*
 * A supervisor thread of task (unix_server.h): kernel code, fn(arg),
 * run on behalf of the task, its address space loaded, its traps called
 * directly (supervisor_trap); charged to the task like any of its threads.
 * fn must not return (it ends with thread_exit_self).
 */
struct thread *thread_create_supervisor(struct task *task, void (*fn)(void *), void *arg,
					kern_return_t *kr)
{
	struct thread *t = thread_new_in(task, SUPERVISOR_STACK_PAGES, kr);

	if (!t)
		return NULL;
	t->supervisor = true;
	return thread_start_in(task, t, kernel_code_frame(t, fn, arg), kr);
}

/* A kernel thread running fn(arg) (it must never return), runnable at once. */
struct thread *thread_create_kernel(void (*fn)(void *), void *arg, int priority)
{
	struct thread *t = thread_alloc(KERNEL_STACK_PAGES);
	uint64_t f;

	if (!t)
		return NULL;
	t->ctx_rsp = (uint64_t)kernel_code_frame(t, fn, arg);
	t->priority = priority;
	f = spin_lock(&sched_lock);
	sched_make_runnable_locked(t);
	spin_unlock(&sched_lock, f);
	return t;
}

/* The THREAD_STATE_* a thread is in, as user space sees it. */
uint32_t thread_state_public(const struct thread *t)
{
	static const uint32_t states[] = {
		[TH_RUNNING] = THREAD_STATE_RUNNABLE, [TH_RUNNABLE] = THREAD_STATE_RUNNABLE,
		[TH_WAITING] = THREAD_STATE_WAITING, [TH_SUSPENDED] = THREAD_STATE_SUSPENDED,
		[TH_DEAD] = THREAD_STATE_DEAD,
	};

	return states[t->state];
}

/* The boot CPU's idle thread: the boot context itself, never queued. */
struct thread *thread_create_idle(void)
{
	struct thread *t = zalloc(&thread_zone);

	if (!t)
		panic("no memory for the idle thread");
	list_init(&t->sched_link);
	list_init(&t->timeout_link);
	list_init(&t->task_link);
	t->priority = -1;
	t->state = TH_RUNNING;
	t->refs = 1;
	return t;
}

void thread_ref(struct thread *t)
{
	__atomic_fetch_add(&t->refs, 1, __ATOMIC_RELAXED);
}

void thread_release(struct thread *t)
{
	if (__atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL))
		return;
	assert(t->state == TH_DEAD || t->task == NULL);
	assert(!t->kstack);
	if (t->task)
		task_release(t->task);
	ledger_credit(t->ledger, LEDGER_THREADS, 1);
	__atomic_fetch_sub(&threads_alive, 1, __ATOMIC_RELAXED);
	zfree(&thread_zone, t);
}

void thread_free_stack(struct thread *t)
{
	if (t->kstack)
		kmem_pages_free(t->kstack, t->kstack_pages);
	t->kstack = NULL;
}

/* Stop t at its next return to user mode (counts nest). */
kern_return_t thread_suspend(struct thread *t)
{
	uint64_t f = spin_lock(&sched_lock);

	if (t->state == TH_DEAD || t->terminate_pending) {
		spin_unlock(&sched_lock, f);
		return KERN_TERMINATED;
	}
	t->suspend_count++;
	if (t == cpu_current()->current)
		cpu_current()->need_resched = true;
	spin_unlock(&sched_lock, f);
	return KERN_SUCCESS;
}

kern_return_t thread_resume(struct thread *t)
{
	uint64_t f = spin_lock(&sched_lock);
	kern_return_t kr = KERN_SUCCESS;

	if (t->state == TH_DEAD)
		kr = KERN_TERMINATED;
	else if (t->suspend_count == 0)
		kr = KERN_FAILURE;
	else if (--t->suspend_count == 0 && t->state == TH_SUSPENDED)
		sched_make_runnable_locked(t);
	spin_unlock(&sched_lock, f);
	return kr;
}

/* Make t end: abort its wait, undo suspension; it exits at the user boundary. */
void thread_terminate(struct thread *t)
{
	uint64_t f = spin_lock(&sched_lock);

	if (t->state != TH_DEAD && !t->terminate_pending) {
		t->terminate_pending = true;
		if (t->state == TH_WAITING)
			sched_wakeup_locked(t, WAIT_ABORTED);
		else if (t->state == TH_SUSPENDED)
			sched_make_runnable_locked(t);
	}
	spin_unlock(&sched_lock, f);
}

/* The current thread ends: leave its task, then switch away for good. */
void thread_exit_self(void)
{
	struct thread *t = cpu_current()->current;
	uint64_t f;

	f = spin_lock(&ipc_lock);
	if (t->self_port)
		kobject_object_dead(t->self_port);
	spin_unlock(&ipc_lock, f);
	task_thread_gone(t->task);
	spin_lock(&sched_lock);
	t->state = TH_DEAD;
	cpu_current()->reap = t;
	sched_switch_locked();
	panic("a dead thread was scheduled");
}

/*
 * return_to_user_check's slow side (thread.h): run deferred work, then carry
 * out a pending termination, suspension or preemption.
 */
void return_to_user_slow(void)
{
	struct cpu *c = cpu_current();
	struct thread *t = c->current;

	if (deferred_pending())
		deferred_run();
	for (;;) {
		uint64_t f;

		if (t->terminate_pending)
			thread_exit_self();
		if (!c->need_resched && t->suspend_count == 0)
			return;
		f = spin_lock(&sched_lock);
		if (t->terminate_pending) {
			spin_unlock(&sched_lock, f);
			continue;
		}
		if (t->suspend_count > 0)
			t->state = TH_SUSPENDED;
		else
			sched_make_runnable_locked(t);
		sched_switch_locked();
		spin_unlock(&sched_lock, f);
	}
}

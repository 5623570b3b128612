/*
 * thread.h — kernel-scheduled threads.
 *
 * A thread belongs to one task (kernel threads, like each CPU's idle
 * thread, to none), has its own kernel stack and user FPU state, a priority
 * and a state. Suspension and termination requested by other threads take
 * effect at the thread's next return to user mode (or at once, if it is
 * blocked in the kernel: its wait is aborted).
 */
#ifndef KERN_THREAD_H
#define KERN_THREAD_H

#include <stdbool.h>
#include <stdint.h>
#include <mach/kern_return.h>
#include "arch/fpu.h"
#include "lib/list.h"

struct task;
struct waitq;

enum thread_state {
	TH_RUNNING,      /* on a CPU */
	TH_RUNNABLE,     /* in a run queue */
	TH_WAITING,      /* in a wait queue (or sleeping) */
	TH_SUSPENDED,    /* stopped at the user boundary by thread_suspend */
	TH_DEAD,         /* exited; waiting to be freed */
};

struct thread {
	struct list sched_link;       /* run queue or wait queue */
	struct list timeout_link;     /* the timeout list while a timed wait lasts */
	struct list task_link;        /* task->threads */
	struct task *task;            /* NULL for kernel threads */
	uint32_t id;
	enum thread_state state;
	int priority;                 /* 0 (low) .. SCHED_PRIORITIES-1 */
	int quantum;                  /* ticks left in the time slice */
	int suspend_count;
	bool terminate_pending;
	struct waitq *wait_queue;     /* while TH_WAITING */
	int wait_result;              /* WAIT_* */
	uint64_t deadline;            /* tick of a timed wait, 0 = none */
	uint32_t refs;                /* handles + 1 while not freed by the scheduler */
	void *kstack;
	uint64_t kstack_top;
	uint64_t ctx_rsp;             /* saved by switch_context */
	struct fpu_state fpu;
};

void thread_init(void);
struct thread *thread_create_user(struct task *task, uint64_t entry, uint64_t stack_top,
				  uint64_t arg0, uint64_t arg1, kern_return_t *kr);
struct thread *thread_create_idle(void);
void thread_ref(struct thread *t);
void thread_release(struct thread *t);
void thread_free_stack(struct thread *t);
kern_return_t thread_suspend(struct thread *t);
kern_return_t thread_resume(struct thread *t);
void thread_terminate(struct thread *t);
void thread_exit_self(void) __attribute__((noreturn));
uint32_t thread_count(void);

#endif

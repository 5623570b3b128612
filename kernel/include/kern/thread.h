/*
 * thread.h — kernel-scheduled threads.
 *
 * A thread belongs to one task (kernel threads, like each CPU's idle
 * thread, to none), has its own kernel stack and user FPU state, a priority
 * and a state. A supervisor thread (UNIX=colocated's Unix server,
 * unix_server.h) is kernel code run on behalf of its task: in the task's
 * address space, charged to its ledger, its traps called directly
 * (supervisor_trap), stopped and preempted at their ends as a user thread
 * is on its way back to user mode. Suspension and termination requested by other threads take
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
#include "kern/cpu.h"
#include "kern/deferred.h"

struct task;
struct waitq;
struct port;
struct ipc_space;
struct vm_map;
struct trap_args;

#define IPC_FAST_MSG_MAX_BYTES 256   /* largest message the RPC fast path carries */

/* How a fast path handed a blocked receiver its message. */
enum ipc_delivery {
	IPC_NOT_DELIVERED,
	IPC_DELIVERED_MSG,            /* in msg, for the receiver to copy out */
	IPC_DELIVERED_REGS,           /* already in its short trap's registers */
	IPC_DELIVERED_BUF,            /* already in its receive buffer (a supervisor's, in kernel
				       * memory: supervisor_range.h) */
};

/* A receiver blocked in mach_msg, as the fast path sees it. */
struct ipc_wait_state {
	uint64_t buf;                 /* its receive buffer */
	uint32_t size;
	uint8_t delivered;            /* enum ipc_delivery */
	int32_t gone;                 /* MACH_RCV_PORT_DIED/_CHANGED: why the wait ended, or 0 */
	uint32_t msg_size;
	struct trap_args *regs;       /* the short trap's saved registers, or NULL */
	uint64_t msg[IPC_FAST_MSG_MAX_BYTES / 8];   /* that message, as the receiver sees it */
};

enum thread_state {
	TH_RUNNING,      /* on a CPU */
	TH_RUNNABLE,     /* in a run queue */
	TH_WAITING,      /* in a wait queue (or sleeping) */
	TH_SUSPENDED,    /* stopped at the user boundary by thread_suspend */
	TH_DEAD,         /* exited; waiting to be freed */
};

struct ledger;

struct thread {
	uint64_t recover;             /* user_copy's fault exit while it runs (entry.S: offset 0) */
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
	bool pager_self_check;        /* in vm_read/vm_write: a page its own task must page
				       * is KERN_PAGER_SELF, not a wait (pager_fault_wait) */
	int vm_privileged;          /* may take the reserved frames (vm/page_alloc.h) */
	struct waitq *wait_queue;     /* while TH_WAITING */
	int wait_result;              /* WAIT_* */
	uint64_t deadline;            /* tick of a timed wait, 0 = none */
	uint32_t refs;                /* its port + 1 while not freed by the scheduler */
	void *kstack;
	uint64_t kstack_top;
	unsigned kstack_pages;
	bool supervisor;              /* kernel code run for its task (thread_create_supervisor) */
	uint64_t ctx_rsp;             /* saved by switch_context */
	struct port *self_port;       /* its thread port, made on first need (ipc_lock) */
	struct ipc_wait_state ipc;    /* while blocked in mach_msg receive */
	struct fpu_state fpu;
	uint64_t tls_base;            /* its user FS base (thread_set_tls; 0 for a new thread) */
	struct ledger *ledger;        /* charged for it (user threads; NULL: kernel) */
};

void thread_init(void);
struct thread *thread_create_user(struct task *task, uint64_t entry, uint64_t stack_top,
				  uint64_t arg0, uint64_t arg1, kern_return_t *kr);
/* Record what a thread about to block in receive waits on (fields, not the message buffer). */
static inline void ipc_wait_state_set(struct thread *t, uint64_t buf, uint32_t size,
				      struct trap_args *regs)
{
	t->ipc.buf = buf;
	t->ipc.size = size;
	t->ipc.regs = regs;
	t->ipc.delivered = IPC_NOT_DELIVERED;
	t->ipc.gone = 0;
}

struct thread *thread_create_supervisor(struct task *task, void (*fn)(void *), void *arg,
					kern_return_t *kr);
struct thread *thread_create_idle(void);
struct thread *thread_create_kernel(void (*fn)(void *), void *arg, int priority);
uint32_t thread_state_public(const struct thread *t);
void thread_ref(struct thread *t);
void thread_release(struct thread *t);
void thread_free_stack(struct thread *t);
kern_return_t thread_suspend(struct thread *t);
kern_return_t thread_resume(struct thread *t);
void thread_terminate(struct thread *t);
void thread_exit_self(void) __attribute__((noreturn));
uint32_t thread_count(void);
void return_to_user_slow(void);

/* Is the running thread a supervisor thread (kernel code run for its task)? */
static inline bool supervisor_running(void)
{
	struct thread *t = current_thread();

	return t && t->supervisor;
}

/*
 * Last stop before a thread returns to user mode: queued deferred work, a
 * pending termination, suspension or preemption go to return_to_user_slow;
 * the common case is these four tests, inline on every trap's way out.
 */
static inline void return_to_user_check(void)
{
	struct cpu *c = cpu_current();
	struct thread *t = c->current;

	if (__builtin_expect(deferred_pending() || t->terminate_pending || c->need_resched ||
			     t->suspend_count, 0))
		return_to_user_slow();
}

#endif

/*
 * sched.h — the scheduler: per-CPU run queues with priorities and
 * round-robin time slices, wait queues with timeouts, and the switch.
 *
 * One lock, sched_lock, protects thread states, run queues, wait queues and
 * the timeout list (lock order: task lock, then sched_lock). A thread blocks
 * by calling sched_wait_locked with sched_lock held; the switch happens with
 * the lock held and the thread that runs next releases it.
 *
 * Preemption happens on the way back to user mode (the kernel itself is not
 * preempted): the timer sets need_resched when a time slice ends, and a
 * wakeup sets it when the woken thread has a higher priority.
 */
#ifndef KERN_SCHED_H
#define KERN_SCHED_H

#include <stdint.h>
#include "kern/cpu.h"
#include "kern/lock.h"
#include "lib/list.h"
#include "param.h"

struct thread;

#define WAIT_AWAKENED  0
#define WAIT_TIMED_OUT 1
#define WAIT_ABORTED   2

#define SCHED_NO_TIMEOUT 0

struct waitq {
	struct list threads;
};

extern spinlock_t sched_lock;

/* A CPU's runnable threads, by priority (sched.c; under sched_lock). */
struct run_queue {
	struct list queues[SCHED_PRIORITIES];
	uint32_t nonempty;               /* bit p set: queues[p] has threads */
};

extern struct run_queue run_queues[MAX_CPUS];

void sched_init(void);
void sched_run_idle(void) __attribute__((noreturn));   /* boot thread becomes idle */
void sched_tick(void);
uint64_t sched_ticks(void);
/* Ticks in ms milliseconds, at least 1 (inline: constants fold on the pager fault path). */
static inline uint64_t sched_ms_to_ticks(uint64_t ms)
{
	uint64_t t = ms * TIMER_HZ / 1000;

	return t ? t : 1;
}

/* All of these need sched_lock held. */
void sched_make_runnable_locked(struct thread *t);
void sched_set_priority_locked(struct thread *t, int priority);
void sched_switch_locked(void);
int sched_wait_locked(struct waitq *wq, uint64_t timeout_ticks);
void sched_wakeup_locked(struct thread *t, int result);
void waitq_wakeup_one_locked(struct waitq *wq, int result);
void waitq_wakeup_all_locked(struct waitq *wq, int result);

int sched_handoff_locked(struct thread *to, struct waitq *wq);
int sched_handoff_timed_locked(struct thread *to, struct waitq *wq, uint64_t timeout_ticks);

/* The highest priority among runnable threads on this CPU, or -1 (inline:
 * the RPC fast path asks before every handoff). */
static inline int sched_highest_runnable(void)
{
	uint32_t ne = run_queues[cpu_current()->id].nonempty;

	return ne ? 31 - __builtin_clz(ne) : -1;
}

void waitq_init(struct waitq *wq);
void sched_yield(void);          /* round-robin: to the back of the queue */
void sched_thread_first_run(void);
void sched_reap(void);

#endif

/*
 * sched.c — run queues, the context switch, wait queues and timeouts.
 *
 * Each CPU has SCHED_PRIORITIES FIFO run queues and a bitmap of the
 * non-empty ones; the highest non-empty queue runs, round-robin within it,
 * SCHED_QUANTUM_TICKS per slice. A CPU with nothing to run runs its idle
 * thread (`hlt`; under icount with sleep=off that jumps the clock to the
 * next timer interrupt, so idle time is not counted as instructions).
 */
#include "kern/sched.h"
#include "kern/comm_page.h"
#include "kern/cpu.h"
#include "kern/kprintf.h"
#include "kern/stats.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "arch/lapic.h"
#include "vm/vm_map.h"
#include "pmap.h"
#include "param.h"

spinlock_t sched_lock = SPINLOCK_INIT;

struct run_queue run_queues[MAX_CPUS];
static struct list timeouts = LIST_INIT(timeouts);   /* sorted by deadline */
static volatile uint64_t ticks;

extern void switch_context(uint64_t *save_rsp, uint64_t new_rsp);

void sched_init(void)
{
	for (int c = 0; c < MAX_CPUS; c++)
		for (int p = 0; p < SCHED_PRIORITIES; p++)
			list_init(&run_queues[c].queues[p]);
}

uint64_t sched_ticks(void)
{
	return ticks;
}

void waitq_init(struct waitq *wq)
{
	list_init(&wq->threads);
}

static struct run_queue *run_queue_mine(void)
{
	return &run_queues[cpu_current()->id];
}

static struct thread *run_queue_pop(struct run_queue *rq)
{
	int p;
	struct list *l;

	if (!rq->nonempty)
		return NULL;
	p = 31 - __builtin_clz(rq->nonempty);
	l = list_pop_front(&rq->queues[p]);
	if (list_empty(&rq->queues[p]))
		rq->nonempty &= ~(1u << p);
	return list_entry(l, struct thread, sched_link);
}

/* Put t at the back of its priority's queue; preempt a lower-priority current. */
void sched_make_runnable_locked(struct thread *t)
{
	struct run_queue *rq = run_queue_mine();
	struct cpu *c = cpu_current();

	t->state = TH_RUNNABLE;
	list_push_back(&rq->queues[t->priority], &t->sched_link);
	rq->nonempty |= 1u << t->priority;
	if (c->current == c->idle || t->priority > c->current->priority)
		c->need_resched = true;
}

/*
 * Give t a new priority; a runnable t moves to that priority's queue (its
 * old queue's bit goes when the queue empties: a stale bit made the next
 * switch pop an empty queue).
 */
void sched_set_priority_locked(struct thread *t, int priority)
{
	struct run_queue *rq = run_queue_mine();

	if (t->state != TH_RUNNABLE) {
		t->priority = priority;
		return;
	}
	list_unlink(&t->sched_link);
	if (list_empty(&rq->queues[t->priority]))
		rq->nonempty &= ~(1u << t->priority);
	t->priority = priority;
	sched_make_runnable_locked(t);
}

/* Load what the next thread needs: its address space, kernel stack, FPU state, TLS base. */
static inline __attribute__((always_inline)) void sched_load_context(struct cpu *c,
								   struct thread *next)
{
	if (!next->task)
		return;
	pmap_activate(next->task->map->pmap);
	cpu_set_kernel_stack(c, next->kstack_top);
	if (c->tls_base != next->tls_base)
		cpu_set_tls_base(c, next->tls_base);
	if (c->fpu_owner != next) {
		if (c->fpu_owner)
			fpu_save(&c->fpu_owner->fpu);
		fpu_restore(&next->fpu);
		c->fpu_owner = next;
	}
}

/*
 * Switch to the best runnable thread. The caller has already put current
 * where it belongs (a run queue, a wait queue, or nowhere if it is dead).
 */
void sched_switch_locked(void)
{
	struct cpu *c = cpu_current();
	struct thread *prev = c->current;
	struct thread *next = run_queue_pop(run_queue_mine());

	if (!next)
		next = c->idle;
	c->need_resched = false;
	if (next == prev) {
		prev->state = TH_RUNNING;
		return;
	}
	next->state = TH_RUNNING;
	next->quantum = SCHED_QUANTUM_TICKS;
	c->current = next;
	stats_inc(STAT_CONTEXT_SWITCHES);
	sched_load_context(c, next);
	switch_context(&prev->ctx_rsp, next->ctx_rsp);
	sched_reap();
}

static void timeout_insert(struct thread *t);

/* The current thread waits on wq; `to` (blocked, no deadline) runs on its time slice. */
static inline int sched_handoff_to(struct cpu *c, struct thread *self, struct thread *to)
{
	list_unlink(&to->sched_link);          /* not in the timeout list: no deadline */
	to->wait_queue = NULL;
	to->wait_result = WAIT_AWAKENED;
	to->state = TH_RUNNING;
	to->quantum = self->quantum;
	c->current = to;
	stats_inc(STAT_CONTEXT_SWITCHES);
	sched_load_context(c, to);
	switch_context(&self->ctx_rsp, to->ctx_rsp);
	sched_reap();
	return self->wait_result;
}

/* Block the current thread on wq (no deadline yet). */
static inline struct thread *sched_block_on(struct cpu *c, struct waitq *wq)
{
	struct thread *self = c->current;

	self->state = TH_WAITING;
	self->wait_queue = wq;
	self->wait_result = WAIT_AWAKENED;
	self->deadline = 0;
	list_push_back(&wq->threads, &self->sched_link);
	return self;
}

/*
 * Hand the CPU straight to `to`, which is blocked in a wait queue with no
 * timeout (deadline 0: the caller checks), while the current thread blocks
 * on wq (no timeout either). `to` runs on the rest of the current time
 * slice. Returns the current thread's wait result once it is woken.
 */
int sched_handoff_locked(struct thread *to, struct waitq *wq)
{
	struct cpu *c = cpu_current();

	return sched_handoff_to(c, sched_block_on(c, wq), to);
}

/* The same, the current thread waiting at most timeout_ticks (the pager fast path). */
int sched_handoff_timed_locked(struct thread *to, struct waitq *wq, uint64_t timeout_ticks)
{
	struct cpu *c = cpu_current();
	struct thread *self = sched_block_on(c, wq);

	self->deadline = ticks + timeout_ticks;
	timeout_insert(self);
	return sched_handoff_to(c, self, to);
}

/* Free the thread that died on this CPU, now that we are off its stack. */
void sched_reap(void)
{
	struct cpu *c = cpu_current();
	struct thread *dead = c->reap;

	if (!dead)
		return;
	c->reap = NULL;
	if (c->fpu_owner == dead)
		c->fpu_owner = NULL;
	thread_free_stack(dead);
	thread_release(dead);
}

/* First code a new thread runs (from thread_trampoline): finish the switch. */
void sched_thread_first_run(void)
{
	sched_reap();
	spin_unlock(&sched_lock, 0);
}

void sched_yield(void)
{
	uint64_t f = spin_lock(&sched_lock);
	struct thread *t = cpu_current()->current;

	sched_make_runnable_locked(t);
	sched_switch_locked();
	spin_unlock(&sched_lock, f);
}

static void timeout_insert(struct thread *t)
{
	struct list *after = &timeouts;

	list_for_each(l, &timeouts) {
		if (list_entry(l, struct thread, timeout_link)->deadline > t->deadline)
			break;
		after = l;
	}
	list_insert_after(after, &t->timeout_link);
}

/*
 * Block the current thread on wq (NULL: just sleep) for at most
 * timeout_ticks (SCHED_NO_TIMEOUT: forever). Returns WAIT_*. A thread with
 * termination pending does not block.
 */
int sched_wait_locked(struct waitq *wq, uint64_t timeout_ticks)
{
	struct thread *t = cpu_current()->current;

	if (t->terminate_pending)
		return WAIT_ABORTED;
	t->state = TH_WAITING;
	t->wait_queue = wq;
	t->wait_result = WAIT_AWAKENED;
	if (wq)
		list_push_back(&wq->threads, &t->sched_link);
	t->deadline = 0;
	if (timeout_ticks != SCHED_NO_TIMEOUT) {
		t->deadline = ticks + timeout_ticks;
		timeout_insert(t);
	}
	sched_switch_locked();
	return t->wait_result;
}

/* End t's wait with result and make it runnable. */
void sched_wakeup_locked(struct thread *t, int result)
{
	if (t->state != TH_WAITING)
		return;
	list_unlink(&t->sched_link);
	list_unlink(&t->timeout_link);
	t->wait_queue = NULL;
	t->wait_result = result;
	sched_make_runnable_locked(t);
}

/* Wake the thread that has waited longest on wq, if any. */
void waitq_wakeup_one_locked(struct waitq *wq, int result)
{
	if (!list_empty(&wq->threads))
		sched_wakeup_locked(list_entry(wq->threads.next, struct thread, sched_link), result);
}

void waitq_wakeup_all_locked(struct waitq *wq, int result)
{
	list_for_each_safe(l, &wq->threads)
		sched_wakeup_locked(list_entry(l, struct thread, sched_link), result);
}

/* The timer interrupt: time slices and timeouts. */
void sched_tick(void)
{
	struct cpu *c = cpu_current();
	uint64_t f = spin_lock(&sched_lock);

	ticks++;
	c->ticks++;
	comm_page->ticks = ticks;
	comm_page->context_switches = stats_counters[STAT_CONTEXT_SWITCHES];
	while (!list_empty(&timeouts)) {
		struct thread *t = list_entry(timeouts.next, struct thread, timeout_link);

		if (t->deadline > ticks)
			break;
		sched_wakeup_locked(t, WAIT_TIMED_OUT);
	}
	if (c->current != c->idle && --c->current->quantum <= 0)
		c->need_resched = true;
	spin_unlock(&sched_lock, f);
}

/* The boot thread becomes this CPU's idle thread and never leaves. */
void sched_run_idle(void)
{
	for (;;) {
		uint64_t f = spin_lock(&sched_lock);

		if (run_queue_mine()->nonempty)
			sched_switch_locked();
		spin_unlock(&sched_lock, f);
		irq_disable();
		if (!run_queue_mine()->nonempty) {
			comm_page->idle_entries++;
			__asm__ volatile("sti; hlt" : : : "memory");
		}
		irq_enable();
	}
}

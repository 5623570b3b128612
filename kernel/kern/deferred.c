/*
 * deferred.c — the deferred-work queue (deferred.h). Its own lock is the
 * innermost of all, so work can be queued with any other lock held.
 */
#include "kern/deferred.h"
#include "kern/cpu.h"
#include "kern/thread.h"
#include "kern/lock.h"

static spinlock_t deferred_lock = SPINLOCK_INIT;
struct list deferred_list = LIST_INIT(deferred_list);

/* Queue w to run fn(w) later (once, however often it is queued before it runs). */
void deferred_queue(struct deferred_work *w, void (*fn)(struct deferred_work *w))
{
	uint64_t f = spin_lock(&deferred_lock);

	if (!w->queued) {
		w->queued = true;
		w->fn = fn;
		list_push_back(&deferred_list, &w->link);
	}
	spin_unlock(&deferred_lock, f);
}

/* Run everything queued (no lock held by the caller). */
void deferred_run(void)
{
	struct thread *t = current_thread();

	for (;;) {
		uint64_t f = spin_lock(&deferred_lock);
		struct list *l = list_pop_front(&deferred_list);
		struct deferred_work *w;

		spin_unlock(&deferred_lock, f);
		if (!l)
			return;
		w = list_entry(l, struct deferred_work, link);
		w->queued = false;
		if (t)
			t->vm_privileged++;      /* it may be paging out: the reserve is for it */
		w->fn(w);
		if (t)
			t->vm_privileged--;
	}
}

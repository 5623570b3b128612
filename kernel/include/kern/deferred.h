/*
 * deferred.h — work that cannot be done where it is discovered (because of
 * the locks held there) and is done at the next safe point instead: on a
 * thread's way back to user mode, with no lock held. Uses: tearing down a
 * dead memory object's pager link, ending a task nobody can reach.
 */
#ifndef KERN_DEFERRED_H
#define KERN_DEFERRED_H

#include <stdbool.h>
#include "lib/list.h"

struct deferred_work {
	struct list link;
	void (*fn)(struct deferred_work *w);
	bool queued;
};

extern struct list deferred_list;       /* deferred.c's queue; read here unlocked */

void deferred_queue(struct deferred_work *w, void (*fn)(struct deferred_work *w));
void deferred_run(void);

/* True when work is queued (a racy read: a miss is caught at the next check). */
static inline bool deferred_pending(void)
{
	return !list_empty(&deferred_list);
}

#endif

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

void deferred_queue(struct deferred_work *w, void (*fn)(struct deferred_work *w));
bool deferred_pending(void);
void deferred_run(void);

#endif

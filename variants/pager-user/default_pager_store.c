/*
 * default_pager_store.c (PAGER=user) — the default pager is a user task
 * (registered with mk_set_default_pager) reached by messages, as in Mach.
 *
 * Pageout (vm_lock held, so no message can be sent here): the victim page
 * moves into a small wired "laundry" object and a deferred work item later
 * makes the page's object one of the default pager's memory objects (INIT,
 * the first time) and sends the page with DATA_RETURN (one message). A
 * fault on a page the default pager holds asks for it with DATA_REQUEST and
 * waits for DATA_SUPPLY, like any external pager: two messages per fault.
 * The default pager's own memory is wired, and so is memory shared by
 * SHARE inheritance (kernel paths copy it while holding locks, where no
 * pager can be waited for); its thread may take the reserved frames
 * (PAGE_RESERVE), so pageout never waits for the memory it frees.
 *
 * If the default pager dies, the pages it held are lost (their faults fail
 * with KERN_MEMORY_ERROR), pages still in the laundry go back to their
 * objects, nothing more is paged out, and a new task may register.
 */
#include "pager.h"
#include "vm/vm_map.h"
#include "vm/vm_object.h"
#include "kern/deferred.h"
#include "kern/kprintf.h"
#include "kern/msg.h"
#include "kern/port.h"
#include "kern/stats.h"
#include "kern/zalloc.h"
#include "lib/string.h"
#include "param.h"
#include <mach/memory_object.h>
#include <mach/types.h>

#define DP_LAUNDRY_MAX 16     /* pages on their way to the default pager at once */

struct dp_laundry {
	struct deferred_work work;
	struct vm_object *obj;        /* the page's object (referenced) */
	uint64_t offset;
	struct vm_object *page_obj;   /* the wired object holding the page meanwhile */
	bool used;
};

static struct port *dp_port;      /* send right to the default pager (ipc_lock) */
static struct dp_laundry laundry[DP_LAUNDRY_MAX];

static struct dp_laundry *dp_laundry_free(void)
{
	for (int i = 0; i < DP_LAUNDRY_MAX; i++)
		if (!laundry[i].used)
			return &laundry[i];
	return NULL;
}

/* Nothing to set up: the store is the default pager task's own memory. */
void dp_store_init(void)
{
}

/* A registered default pager whose port still lives (read without ipc_lock: a hint). */
static bool dp_alive(void)
{
	return dp_port && dp_port->active;
}

/* Pages can go out: a live default pager and a free laundry slot. */
bool dp_store_ready(void)
{
	return dp_alive() && dp_laundry_free();
}

/* Deferred: make obj the default pager's (once) and send it the page. */
static void dp_laundry_send(struct deferred_work *w)
{
	struct dp_laundry *l = list_entry(w, struct dp_laundry, work);
	uint64_t words[2] = { l->offset, l->obj->id };
	uint64_t f = spin_lock(&ipc_lock);
	bool sent = false;

	if (!l->obj->pager && dp_alive()) {
		port_ref(dp_port);
		port_send_right_add(dp_port);
		pager_object_attach(l->obj, dp_port);
	}
	if (l->obj->pager && l->obj->pager->active) {
		pager_send_page(l->obj, MEMORY_OBJECT_DATA_RETURN_ID, words, 2, l->page_obj);
		sent = true;
	}
	spin_unlock(&ipc_lock, f);
	f = spin_lock(&vm_lock);
	if (!sent) {                               /* the pager died: the page goes back */
		struct vm_page *page = vm_page_lookup(l->page_obj, 0);

		if (page && !vm_page_lookup(l->obj, l->offset)) {
			vm_page_move(page, l->obj, l->offset);
			default_pager_forget(l->obj, l->offset);
		}
		vm_object_deallocate(l->page_obj);
	}
	vm_object_deallocate(l->obj);
	l->used = false;
	spin_unlock(&vm_lock, f);
}

/*
 * Take the page out of its object into a laundry object and queue its
 * DATA_RETURN (vm_lock held); false if it must stay where it is.
 */
bool dp_store_page(struct vm_page *page, struct ds_record *r)
{
	struct dp_laundry *l = dp_laundry_free();
	struct vm_object *obj = page->object, *lo = l ? vm_object_allocate(PAGE_SIZE) : NULL;

	if (!lo)
		return false;                           /* the page stays where it is */
	lo->wired = true;
	vm_page_move(page, lo, 0);                  /* in transit: wired, off the resident count */
	obj->default_paged = true;
	vm_object_reference(obj);
	*l = (struct dp_laundry){ .obj = obj, .offset = r->offset, .page_obj = lo, .used = true };
	deferred_queue(&l->work, dp_laundry_send);
	return true;
}

/* A held page comes back only through DATA_REQUEST / DATA_SUPPLY: always wait. */
struct vm_page *dp_fetch_page(struct vm_object *obj, uint64_t offset, struct ds_record *r,
			      bool *wait)
{
	(void)obj, (void)offset, (void)r;
	*wait = true;                               /* asked for and waited on (pager_fault_wait) */
	return NULL;
}

/* The task whose map is `map` becomes the default pager: its memory is wired. */
kern_return_t dp_register(struct vm_map *map, struct port *pager)
{
	uint64_t f = spin_lock(&ipc_lock);

	if (dp_alive()) {
		spin_unlock(&ipc_lock, f);
		return KERN_NAME_EXISTS;
	}
	if (dp_port) {                             /* the last one died: a new one takes over */
		struct msg_right old = { .port = dp_port, .type = MSG_RIGHT_SEND };

		msg_right_destroy(&old);
	}
	dp_port = pager;
	spin_unlock(&ipc_lock, f);
	vm_map_wire(map);
	return KERN_SUCCESS;
}

/* What KSTAT_DEFAULT_PAGER reports. */
uint32_t dp_kind(void)
{
	return dp_alive() ? DEFAULT_PAGER_KIND_USER : DEFAULT_PAGER_KIND_USER_NONE;
}

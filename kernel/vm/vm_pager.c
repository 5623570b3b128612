/*
 * vm_pager.c — external (user-level) pagers, reached by messages
 * (pager.h, include/mach/memory_object.h).
 *
 * The faulting thread sends DATA_REQUEST and sleeps on the object in short
 * slices, holding no lock, until the page is resident, the pager reports an
 * error for it, the pager's port dies, or MEMORY_OBJECT_TIMEOUT_MS pass.
 * Replies arrive on the control port and are served here in the sending
 * pager's context: a supplied page moves into the object when nothing else
 * can reach it (the pager sent it with deallocate, as Mach's pagers do) and
 * is copied into a fresh page otherwise (512 counted instructions more).
 *
 * The pager fast path (counted in STAT_PAGER_FASTPATH_HITS) takes the two
 * messages of a fault without kernel message buffers, as the RPC fast path
 * does for RPCs; the protocol and the message count are unchanged:
 *   - the request: when a pager thread already waits to receive on the
 *     pager port (nothing queued there), DATA_REQUEST is written straight
 *     into that thread's ipc state, laid out as the general path delivers
 *     it, and the CPU is handed to it (pager_request_handoff);
 *   - the answer: a DATA_SUPPLY of exactly one page the pager keeps (the
 *     fixed format of struct pager_supply_msg, no deallocate) is copied from
 *     the pager's loaded address space straight into a fresh frame, which
 *     becomes the object's page (pager_supply_fast) — no vm_map_copy, no
 *     kmsg. A page sent with deallocate takes the general path, where it
 *     moves into the object instead of being copied.
 */
#include "pager.h"
#include "kern/cpu.h"
#include "kern/deferred.h"
#include "kern/ipc_right.h"
#include "kern/kobject.h"
#include "kern/ipc_space.h"
#include "kern/kprintf.h"
#include "kern/mach_msg.h"
#include "kern/msg.h"
#include "kern/port.h"
#include "kern/sched.h"
#include "kern/stats.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "kern/zalloc.h"
#include "lib/string.h"
#include "vm/page_alloc.h"
#include "vm/phys.h"
#include "vm/vm_fault.h"
#include "vm/vm_map.h"
#include "vm/vm_object.h"
#include "param.h"
#include <mach/memory_object.h>

#define PAGER_WAIT_SLICE_MS 10   /* how often a waiting fault checks that its pager lives */

/*
 * Send the pager a message of words, and a send right and an out-of-line
 * region if given (the message takes both); ipc_lock held. It is charged to
 * the task whose fault or call caused it, except what goes to the default
 * pager (the kernel's own paging, bounded by its store) and what a dead
 * object sends as it goes (its DATA_RETURNs and TERMINATE: the kernel's
 * clean-up, one per page it held and one, which no ledger may refuse).
 */
static void pager_send_msg(struct vm_object *obj, int id, const uint64_t *words, uint32_t n,
			   struct port *right, struct vm_map_copy *copy)
{
	struct thread *t = current_thread();
	struct kmsg *m;

	if (!obj->pager->active) {
		struct msg_right r = { .port = right, .type = MSG_RIGHT_SEND };

		msg_right_destroy(&r);
		if (copy)
			vm_map_copy_discard(copy);
		return;
	}
	port_ref(obj->pager);
	port_send_right_add(obj->pager);
	/* what goes to the default pager is how memory comes back: it may use the reserve */
	if (obj->default_paged && t)
		t->vm_privileged++;
	m = kmsg_kernel_build(obj->pager, MSG_RIGHT_SEND, id, words, n, 8, right, copy,
			      obj->default_paged || !obj->refs ? NULL : current_ledger());
	if (obj->default_paged && t)
		t->vm_privileged--;
	if (m) {
		stats_inc(STAT_PAGER_MESSAGES);
		ipc_send_kernel(m);
	}
}

/* Send the pager words, and a send right if given; ipc_lock held. */
static void pager_send(struct vm_object *obj, int id, const uint64_t *words, uint32_t n,
		       struct port *right)
{
	pager_send_msg(obj, id, words, n, right, NULL);
}

/*
 * Send the pager a page: words, and the page as an out-of-line region made
 * from page_obj (whose reference the message takes); ipc_lock held.
 */
void pager_send_page(struct vm_object *obj, int id, const uint64_t *words, uint32_t n,
		     struct vm_object *page_obj)
{
	struct vm_map_copy *copy = vm_map_copy_of_object(page_obj, PAGE_SIZE);

	if (copy) {
		pager_send_msg(obj, id, words, n, NULL, copy);
	} else {
		uint64_t f = spin_lock(&vm_lock);

		vm_object_deallocate(page_obj);
		spin_unlock(&vm_lock, f);
	}
}

/*
 * Make pager_port (a send right, which obj takes over) obj's pager: give obj
 * a control port and tell the pager with INIT (ipc_lock held). False if
 * memory is short (obj keeps the right and gets no control port).
 */
bool pager_object_attach(struct vm_object *obj, struct port *pager_port)
{
	uint64_t words[2] = { obj->size, obj->id };

	obj->pager = pager_port;
	obj->control = kobject_port_create(KOT_MEMORY_CONTROL, obj);
	if (!obj->control)
		return false;
	port_ref(obj->control);
	port_send_right_add(obj->control);
	pager_send(obj, MEMORY_OBJECT_INIT_ID, words, 2, obj->control);
	return true;
}

kern_return_t pager_object_create(struct port *pager_port, uint64_t size, struct vm_object **out)
{
	uint64_t f = spin_lock(&vm_lock);
	struct vm_object *obj = vm_object_allocate(size);

	spin_unlock(&vm_lock, f);
	if (!obj)
		return KERN_RESOURCE_SHORTAGE;
	f = spin_lock(&ipc_lock);
	pager_object_attach(obj, pager_port);
	spin_unlock(&ipc_lock, f);
	if (!obj->control) {
		f = spin_lock(&vm_lock);
		vm_object_deallocate(obj);
		spin_unlock(&vm_lock, f);
		return KERN_RESOURCE_SHORTAGE;
	}
	*out = obj;
	return KERN_SUCCESS;
}

/*
 * Where a waiting fault stands (vm_lock held). Any answer since the request
 * (fills moved past `fills`) sends the fault back to step 1: under memory
 * pressure the page it asked for may already have been paged out again.
 */
static kern_return_t pager_wait_state(struct vm_object *obj, uint64_t offset, uint64_t fills)
{
	bool in_error = offset >= obj->error_start && offset < obj->error_end;

	if (obj->fills != fills && !in_error)
		return KERN_SUCCESS;              /* the same answer as below, without the lookup */
	if (vm_page_lookup(obj, offset))
		return KERN_SUCCESS;
	if (in_error)
		return KERN_MEMORY_ERROR;
	if (obj->fills != fills)
		return KERN_SUCCESS;
	if (!obj->pager || !obj->pager->active)
		return KERN_MEMORY_ERROR;
	return KERN_PAGER_WAIT;
}

/* DATA_REQUEST as a pager receives it (the layout kmsg_kernel_build and msg_copyout give it). */
struct pager_request_msg {
	struct mach_msg_header h;
	struct mach_msg_type words_type;
	uint64_t words[4];                        /* offset, length, access, object id */
};

/*
 * The request's fast path: write it straight into a pager thread waiting
 * to receive on the pager port with nothing queued, and hand the CPU to it
 * while the faulting thread waits on the object for one slice, as the slow
 * way's loop does. Taken only when the handoff breaks no scheduling rule
 * (as in fastpath.c). ipc_lock held; true: sent and waited, ipc_lock
 * released (f restored); false: nothing done, send the general way.
 *
 * If the page arrived between the fault's lookup and this request (another
 * thread's request was answered), the pager is asked again; the default
 * pager does not answer a request for a page it no longer holds, so such a
 * fault sleeps out one slice before it finds the page, as on the slow way.
 */
static bool pager_request_handoff(struct vm_object *obj, const uint64_t words[4], uint64_t f)
{
	struct port *p = obj->pager;
	struct thread *self = current_thread(), *to;
	struct pager_request_msg *m;

	if (!p->active || p->kotype != KOT_NONE || p->msgcount || !self ||
	    self->suspend_count || self->terminate_pending ||
	    !(to = ipc_waiting_receiver(p, sizeof(*m))) || sched_highest_runnable() > to->priority)
		return false;
	m = (struct pager_request_msg *)to->ipc.msg;
	m->h = (struct mach_msg_header){
		.bits = MACH_MSGH_BITS_COMPLEX, .size = sizeof(*m),
		.local_port = p->receiver_name, .id = MEMORY_OBJECT_DATA_REQUEST_ID,
	};
	m->words_type = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_INLINE, .elem_size = 8,
						.count = 4 };
	__builtin_memcpy(m->words, words, sizeof(m->words));
	to->ipc.msg_size = sizeof(*m);
	to->ipc.delivered = IPC_DELIVERED_MSG;
	stats_inc(STAT_PAGER_MESSAGES);
	stats_inc(STAT_PAGER_FASTPATH_HITS);
	spin_lock(&sched_lock);
	spin_unlock(&ipc_lock, 0);
	sched_handoff_timed_locked(to, &obj->waiters, sched_ms_to_ticks(PAGER_WAIT_SLICE_MS));
	spin_unlock(&sched_lock, f);
	return true;
}

kern_return_t pager_fault_wait(struct vm_object *obj, uint64_t offset, vm_prot_t access)
{
	uint64_t words[4] = { offset, PAGE_SIZE, access, obj->id };
	uint64_t deadline = sched_ticks() + sched_ms_to_ticks(MEMORY_OBJECT_TIMEOUT_MS);
	kern_return_t kr;
	uint64_t f, fills;
	bool self;                                 /* the caller's own task is the pager */

	if (deferred_pending())
		deferred_run();          /* a page on its way to the default pager goes first */
	f = spin_lock(&ipc_lock);
	if (!obj->pager) {
		spin_unlock(&ipc_lock, f);
		return KERN_MEMORY_ERROR;
	}
	fills = obj->fills;
	stats_inc(STAT_PAGER_FAULTS);
	self = current_thread()->pager_self_check && current_thread()->task &&
	       obj->pager->receiver == current_thread()->task->space;
	if (self || !pager_request_handoff(obj, words, f)) {
		pager_send(obj, MEMORY_OBJECT_DATA_REQUEST_ID, words, 4, NULL);
		spin_unlock(&ipc_lock, f);
	}
	if (self)
		return KERN_PAGER_SELF;            /* waiting would wait for ourselves */
	for (;;) {
		f = spin_lock(&vm_lock);
		kr = pager_wait_state(obj, offset, fills);
		if (kr != KERN_PAGER_WAIT || sched_ticks() >= deadline) {
			spin_unlock(&vm_lock, f);
			return kr == KERN_PAGER_WAIT ? KERN_MEMORY_ERROR : kr;
		}
		spin_lock(&sched_lock);
		spin_unlock(&vm_lock, 0);
		sched_wait_locked(&obj->waiters, sched_ms_to_ticks(PAGER_WAIT_SLICE_MS));
		spin_unlock(&sched_lock, f);
		if (current_thread()->terminate_pending)
			return KERN_ABORTED;
	}
}

/*
 * A dead object's resident pages go back to its pager, one DATA_RETURN
 * each (VM_MAP_RETURN_PAGES: a file server's shared mapping writes back);
 * no lock held. Bounded by the pages the object held (charged when they
 * came); a page that cannot get its one-page carrier object is dropped.
 */
static void pager_return_pages(struct vm_object *obj)
{
	for (;;) {
		uint64_t f = spin_lock(&vm_lock);
		struct vm_page *page = list_empty(&obj->pages) ? NULL :
				       list_entry(obj->pages.next, struct vm_page, object_link);
		struct vm_object *lo = page ? vm_object_allocate(PAGE_SIZE) : NULL;
		uint64_t words[2] = { page ? page->offset : 0, obj->id };

		if (!lo) {
			list_for_each_safe(l, &obj->pages)
				vm_page_free(list_entry(l, struct vm_page, object_link));
			spin_unlock(&vm_lock, f);
			return;
		}
		vm_page_move(page, lo, 0);
		spin_unlock(&vm_lock, f);
		f = spin_lock(&ipc_lock);
		pager_send_page(obj, MEMORY_OBJECT_DATA_RETURN_ID, words, 2, lo);
		spin_unlock(&ipc_lock, f);
	}
}

/* Tell a dead object's pager, drop the object's rights, free it (deferred work). */
static void pager_object_reap(struct deferred_work *w)
{
	struct vm_object *obj = list_entry(w, struct vm_object, dead_work);
	uint64_t f;

	if (obj->return_pages)
		pager_return_pages(obj);
	f = spin_lock(&ipc_lock);

	pager_send(obj, MEMORY_OBJECT_TERMINATE_ID, &obj->id, 1, NULL);
	if (obj->control) {                        /* the kernel's receive right goes */
		struct port *control = obj->control;

		port_destroy(control);                 /* clears obj->control */
		port_release(control);
	}
	port_send_right_drop(obj->pager);
	port_release(obj->pager);
	spin_unlock(&ipc_lock, f);
	vm_object_free(obj);
}

/* The object's last reference went (vm_lock held): tear its pager link down later. */
void pager_object_dead(struct vm_object *obj)
{
	deferred_queue(&obj->dead_work, pager_object_reap);
}

/* The page at index i of a supplied region, or 0 if it reads as zeros. */
static uint64_t pager_supplied_page(struct vm_map_copy *copy, uint64_t i)
{
	return copy ? vm_map_copy_page(copy, i) : 0;
}

/*
 * Should a supplied page at off go into obj? Not past its end, not where a
 * page is (an answer to a repeated request), and for the default pager's
 * objects only where it holds the page (a late answer brings nothing
 * back). vm_lock held.
 */
static bool pager_page_wanted(struct vm_object *obj, uint64_t off)
{
	return off < obj->size && !vm_page_lookup(obj, off) &&
	       !(obj->default_paged && !default_pager_holds(obj, off));
}

/* The pager answered: faults waiting on obj look again (vm_lock held). */
static void pager_answered(struct vm_object *obj)
{
	obj->fills++;
	spin_lock_irqs_off(&sched_lock);           /* (vm_lock holds them off) */
	waitq_wakeup_all_locked(&obj->waiters, WAIT_AWAKENED);
	spin_unlock(&sched_lock, 0);
}

/*
 * Put pages [offset, offset+len) into obj from copy (NULL: zeros), where
 * absent; the default pager's only where it holds the page (a late answer
 * to a repeated request brings nothing back).
 */
static void pager_fill(struct vm_object *obj, uint64_t offset, uint64_t len,
		       struct vm_map_copy *copy)
{
	uint64_t f = spin_lock(&vm_lock);

	for (uint64_t i = 0; i * PAGE_SIZE < len; i++) {
		uint64_t off = offset + i * PAGE_SIZE, src;
		struct vm_page *page;

		if (!pager_page_wanted(obj, off))
			continue;
		if (copy && (page = vm_map_copy_take_page(copy, i))) {
			vm_page_move(page, obj, off);       /* the pager gave it up: no copy */
			default_pager_forget(obj, off);
			continue;
		}
		src = pager_supplied_page(copy, i);
		if (src)
			vm_page_of(src)->busy = true;
		page = vm_page_alloc(obj, off, !src);
		if (src)
			vm_page_of(src)->busy = false;
		if (page)
			default_pager_forget(obj, off);     /* it is back */
		if (page && src)
			page_copy(vm_page_pa(page), src);
	}
	pager_answered(obj);
	spin_unlock(&vm_lock, f);
}

/* The request's words (INLINE uint64_t as the first item), or NULL if malformed. */
static const uint64_t *pager_words(struct kmsg *m, uint32_t want)
{
	const struct mach_msg_type *t = (const struct mach_msg_type *)(m->hdr + 1);

	if (!(m->hdr->bits & MACH_MSGH_BITS_COMPLEX) ||
	    m->size < sizeof(*m->hdr) + sizeof(*t) + want * 8 ||
	    t->kind != MACH_MSG_TYPE_INLINE || t->elem_size != 8 || t->count < want)
		return NULL;
	return (const uint64_t *)(t + 1);
}

/*
 * Is [offset, offset + len) whole pages inside obj, and no longer than max
 * bytes? Every range a pager reply names must be (memory_object.h).
 */
static bool pager_range_ok(const struct vm_object *obj, uint64_t offset, uint64_t len,
			   uint64_t max)
{
	return !(offset & (PAGE_SIZE - 1)) && !(len & (PAGE_SIZE - 1)) && len && len <= max &&
	       offset < obj->size && len <= obj->size - offset;
}

/* Apply one pager reply; false if it is malformed or its range is refused. */
static bool pager_reply_apply(struct kmsg *m, struct vm_object *obj)
{
	const uint64_t *w;
	uint64_t f;

	switch (m->hdr->id) {
	case MEMORY_OBJECT_DATA_SUPPLY_ID:
		if (!(w = pager_words(m, 1)) || m->nool != 1 || !m->ool[0].copy ||
		    !pager_range_ok(obj, w[0], m->ool[0].size, MEMORY_OBJECT_REPLY_MAX_BYTES) ||
		    vm_map_copy_resident(m->ool[0].copy) != KERN_SUCCESS)
			return false;
		pager_fill(obj, w[0], m->ool[0].size, m->ool[0].copy);
		return true;
	case MEMORY_OBJECT_DATA_UNAVAILABLE_ID:
		if (!(w = pager_words(m, 2)) || obj->default_paged ||   /* it keeps every page */
		    !pager_range_ok(obj, w[0], w[1], MEMORY_OBJECT_REPLY_MAX_BYTES))
			return false;
		pager_fill(obj, w[0], w[1], NULL);
		return true;
	case MEMORY_OBJECT_DATA_ERROR_ID:
		if (!(w = pager_words(m, 2)) || !pager_range_ok(obj, w[0], w[1], obj->size))
			return false;
		f = spin_lock(&vm_lock);
		obj->error_start = w[0];
		obj->error_end = w[0] + w[1];
		spin_lock(&sched_lock);
		waitq_wakeup_all_locked(&obj->waiters, WAIT_AWAKENED);
		spin_unlock(&sched_lock, 0);
		spin_unlock(&vm_lock, f);
		return true;
	default:
		return false;
	}
}

/* DATA_SUPPLY of one page the pager keeps: the only shape the fast path takes. */
struct pager_supply_msg {
	struct mach_msg_header h;
	struct mach_msg_type words_type;
	uint64_t offset;
	struct mach_msg_type ool_type;
	struct mach_msg_ool ool;
};

_Static_assert(sizeof(struct pager_supply_msg) == PAGER_SUPPLY_FAST_BYTES, "pager.h says its size");

static bool pager_supply_shape_ok(const struct pager_supply_msg *m)
{
	static const struct mach_msg_type words = {
		.kind = MACH_MSG_TYPE_INLINE, .elem_size = 8, .count = 1 };
	static const struct mach_msg_type ool = { .kind = MACH_MSG_TYPE_OOL, .count = 1 };

	return m->h.id == MEMORY_OBJECT_DATA_SUPPLY_ID &&
	       m->h.bits == (MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX) &&
	       !m->h.local_port && !m->h.reserved &&
	       !__builtin_memcmp(&m->words_type, &words, sizeof(words)) &&
	       !__builtin_memcmp(&m->ool_type, &ool, sizeof(ool)) &&
	       m->ool.size == PAGE_SIZE && !(m->ool.address & (PAGE_SIZE - 1)) &&
	       user_range_ok(m->ool.address, PAGE_SIZE);
}

/* Put the frame at pa into obj as the supplied page at offset, or free it (vm_lock held). */
static void pager_supply_frame(struct vm_object *obj, uint64_t offset, uint64_t pa)
{
	/* pager_page_wanted's test, the default pager's record forgotten in the
	 * same lookup (the page cannot fail to go in: its frame is here) */
	if (offset < obj->size && !vm_page_lookup(obj, offset) &&
	    (default_pager_forget(obj, offset) || !obj->default_paged))
		vm_page_insert_frame(obj, offset, pa);
	else
		page_free(pa);
	pager_answered(obj);
}

/*
 * The send half of mach_msg for a one-page DATA_SUPPLY (the answer's fast
 * path, see the top of this file). The page is copied with no lock held
 * into a frame taken first, so a fault on the pager's own page is resolved
 * as any user fault; the right and the object are checked after. Returns
 * false, having changed nothing, for anything else (the general path then
 * sends it, and finds any error); true when the message was taken (a range
 * outside the object is refused and counted, and the send succeeds, as on
 * the general path).
 */
bool pager_supply_fast(const struct mach_msg_args *a)
{
	struct pager_supply_msg m;
	struct ipc_space *space = current_thread()->task->space;
	struct ipc_entry *e;
	struct vm_object *obj;
	struct port *p;
	uint64_t f, pa;

	if (a->send_size != sizeof(m) || (a->option & MACH_SEND_TIMEOUT) ||
	    !caller_range_ok(a->msg, sizeof(m)) || user_copy(&m, (const void *)a->msg, sizeof(m)) ||
	    !pager_supply_shape_ok(&m))
		return false;
	f = spin_lock(&vm_lock);
	pa = vm_page_frame_alloc(false);
	spin_unlock(&vm_lock, f);
	if (!pa)
		return false;
	if (user_copy(phys_to_virt(pa), (const void *)m.ool.address, PAGE_SIZE)) {
		page_free(pa);
		return false;
	}
	f = spin_lock(&ipc_lock);
	e = ipc_entry_lookup(space, m.h.remote_port);
	p = e && (e->type & MACH_PORT_TYPE_SEND) ? e->port : NULL;
	if (!p || !p->active || p->kotype != KOT_MEMORY_CONTROL) {
		spin_unlock(&ipc_lock, f);
		page_free(pa);
		return false;
	}
	obj = p->kobject;
	stats_inc(STAT_PAGER_MESSAGES);
	stats_inc(STAT_PAGER_FASTPATH_HITS);
	spin_lock(&vm_lock);                       /* (ipc_lock, then vm_lock: the usual order) */
	if (obj && pager_range_ok(obj, m.offset, PAGE_SIZE, MEMORY_OBJECT_REPLY_MAX_BYTES)) {
		pager_supply_frame(obj, m.offset, pa);
	} else {
		stats_inc(STAT_PAGER_REPLIES_REFUSED);
		page_free(pa);
	}
	spin_unlock(&vm_lock, 0);
	spin_unlock(&ipc_lock, f);
	return true;
}

/* A pager's answer on obj's control port; anything malformed or out of range is ignored. */
void pager_control_server(struct kmsg *m, struct vm_object *obj)
{
	uint64_t f;

	stats_inc(STAT_PAGER_MESSAGES);
	if (!obj || !pager_reply_apply(m, obj))
		stats_inc(STAT_PAGER_REPLIES_REFUSED);
	f = spin_lock(&ipc_lock);
	kmsg_destroy(m);
	spin_unlock(&ipc_lock, f);
}

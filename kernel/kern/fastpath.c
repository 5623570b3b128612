/*
 * fastpath.c — the RPC fast path of mach_msg (send, then receive).
 *
 * Taken when the message is short and carries nothing but in-line data,
 * its destination (a send or send-once right) has an empty queue and a
 * thread already blocked receiving on it, and the caller will wait on a
 * plain port of its own with an empty queue. The message is copied in from
 * the sender's buffer (its address space is loaded) and left, header
 * rewritten, in the receiver's thread (ipc.msg), which copies it out to its
 * own buffer once it runs; the reply right is made in the receiver's space
 * (ipc_sonce_insert, a free name and the space's spare entry) and a reply
 * sent through one is used up the same way (ipc_sonce_remove); and the CPU
 * is handed to the receiver without a pass through the scheduler.
 *
 * Priorities and time slices on handoff: the receiver runs at its own
 * priority on the remainder of the sender's time slice (the slice is
 * donated, not renewed), so an RPC chain cannot stretch one slice or get a
 * fresh one for free. The handoff is refused (general path) when a runnable
 * thread has a higher priority than the receiver, so a high-priority client
 * cannot run a low-priority server ahead of medium-priority work, and a
 * low-priority client gives a high-priority server nothing it would not
 * get from the scheduler anyway. Anything unusual (port or OOL items,
 * timeouts, a full or non-empty queue, no waiting receiver, a port set on
 * the receive side, pending suspension or termination) takes the general
 * path.
 */
#include "kern/cpu.h"
#include "kern/ipc_space.h"
#include "kern/kprintf.h"
#include "kern/mach_msg.h"
#include "kern/msg.h"
#include "kern/port.h"
#include "kern/sched.h"
#include "kern/stats.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "vm/vm_fault.h"
#include "param.h"
#include "lib/string.h"


/* Only in-line items in a complex message; a simple one has no body. */
static bool fastpath_body_ok(const struct mach_msg_header *h, uint32_t size)
{
	uint32_t off = sizeof(*h);

	if (!(h->bits & MACH_MSGH_BITS_COMPLEX))
		return size == sizeof(*h);
	while (off < size) {
		const struct mach_msg_type *t = (const void *)((const char *)h + off);
		uint64_t bytes = ((uint64_t)t->count * t->elem_size + 7) & ~7UL;

		if (size - off < sizeof(*t) || t->kind != MACH_MSG_TYPE_INLINE ||
		    (t->elem_size != 1 && t->elem_size != 2 && t->elem_size != 4 &&
		     t->elem_size != 8) || bytes > size - off - sizeof(*t))
			return false;
		off += sizeof(*t) + (uint32_t)bytes;
	}
	return true;
}

bool ipc_fastpath(const struct mach_msg_args *a, mach_msg_return_t *mr)
{
	uint64_t buf[IPC_FAST_MSG_MAX_BYTES / 8];
	struct mach_msg_header *h = (struct mach_msg_header *)buf;
	struct thread *self = current_thread(), *to;
	struct ipc_space *space = self->task->space;
	int rd, ld;
	struct ipc_entry *de, *le, *re;
	struct port *dest, *rcv;
	mach_port_name_t reply_name = MACH_PORT_NULL;
	uint64_t f;

	if (a->option & (MACH_SEND_TIMEOUT | MACH_RCV_TIMEOUT) ||
	    a->send_size < sizeof(*h) || a->send_size > sizeof(buf) || a->send_size % 8 ||
	    self->suspend_count || self->terminate_pending)
		return false;
	/* The caller's own address space is loaded: copy directly (user_copy). */
	if (!user_range_ok(a->msg, a->send_size) ||
	    user_copy(buf, (const void *)a->msg, a->send_size) != 0)
		return false;
	rd = MACH_MSGH_BITS_REMOTE(h->bits);
	ld = h->local_port ? MACH_MSGH_BITS_LOCAL(h->bits) : 0;
	if (h->reserved || (h->bits & ~MACH_MSGH_BITS_USED) ||
	    (rd != MACH_MSG_TYPE_COPY_SEND && rd != MACH_MSG_TYPE_MOVE_SEND_ONCE) ||
	    (ld != 0 && ld != MACH_MSG_TYPE_MAKE_SEND_ONCE) || !fastpath_body_ok(h, a->send_size))
		return false;

	f = spin_lock(&ipc_lock);
	de = ipc_entry_lookup(space, h->remote_port);
	le = ld ? ipc_entry_lookup(space, h->local_port) : NULL;
	re = ipc_entry_lookup(space, a->rcv_name);
	dest = de ? de->port : NULL;
	rcv = re && (re->type & MACH_PORT_TYPE_RECEIVE) ? re->port : NULL;
	if (!dest || !dest->active || dest->kotype != KOT_NONE || dest->msgcount ||
	    !(de->type & (rd == MACH_MSG_TYPE_COPY_SEND ? MACH_PORT_TYPE_SEND :
			  MACH_PORT_TYPE_SEND_ONCE)) ||
	    (ld && (!le || !(le->type & MACH_PORT_TYPE_RECEIVE))) ||
	    (rd == MACH_MSG_TYPE_MOVE_SEND_ONCE && !ipc_sonce_removable(de)) ||
	    !rcv || rcv->msgcount || rcv == dest ||
	    !(to = ipc_waiting_receiver(dest, a->send_size)) ||
	    (ld && !ipc_sonce_insert_ready(to->task->space)) ||
	    sched_highest_runnable() > to->priority) {
		spin_unlock(&ipc_lock, f);
		return false;
	}

	/* Commit: nothing below can fail back to the general path. */
	stats_inc(STAT_IPC_FASTPATH_HITS);
	if (ld)                                    /* the reply right, made in the receiver's space */
		reply_name = ipc_sonce_insert(to->task->space, le->port);
	if (rd == MACH_MSG_TYPE_MOVE_SEND_ONCE)    /* the right the message goes by, used up */
		ipc_sonce_remove(de);
	h->bits = MACH_MSGH_BITS(reply_name ? MACH_MSG_TYPE_PORT_SEND_ONCE : 0, 0) |
		  (h->bits & MACH_MSGH_BITS_COMPLEX);
	h->size = a->send_size;
	h->remote_port = reply_name;
	h->local_port = dest->receiver_name;
	/* the receiver copies it out itself: the header (all of a null RPC's
	 * message) in three moves (a constant-size copy GCC inlines), any body
	 * by memcpy */
	__builtin_memcpy(to->ipc.msg, h, sizeof(*h));
	if (a->send_size > sizeof(*h))
		memcpy((char *)to->ipc.msg + sizeof(*h), h + 1, a->send_size - sizeof(*h));
	to->ipc.msg_size = a->send_size;
	to->ipc.delivered = true;

	/* The caller now waits on its own port; the receiver gets the CPU. (No
	 * reference to rcv is needed: if it dies, port_destroy wakes us first.) */
	ipc_wait_state_set(self, a->msg, a->rcv_size);
	spin_lock(&sched_lock);
	spin_unlock(&ipc_lock, 0);
	sched_handoff_locked(to, &rcv->receivers);
	spin_unlock(&sched_lock, f);

	/* Woken: by a fast-path reply, or by a message queued the general way. */
	*mr = self->ipc.delivered ? ipc_fast_copyout(self, a->msg) :
	      self->ipc.gone ? self->ipc.gone : mach_msg_receive(space, self->task->map, a);
	return true;
}

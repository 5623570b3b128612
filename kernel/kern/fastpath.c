/*
 * fastpath.c — the RPC fast path of mach_msg (send, then receive).
 *
 * Taken when the message is short and carries nothing but in-line data,
 * its destination (a send or send-once right) has an empty queue and a
 * thread already blocked receiving on it (or on its set), and the caller
 * will wait on a port or port set of its own with nothing queued (a set
 * counts its members' messages in msgcount) that is not the destination
 * or its set. The message is copied in from the sender's buffer (its
 * address space is loaded), or comes in registers (the short trap) and is
 * written into a short-trap receiver's registers, or is left, header
 * rewritten, in the receiver's thread (ipc.msg), which copies it out to
 * its own buffer or registers once it runs; the reply right is made in the
 * receiver's space (ipc_sonce_insert, a free name and the space's spare
 * entry) and a reply sent through one is used up the same way
 * (ipc_sonce_remove); and the CPU is handed to the receiver without a pass
 * through the scheduler.
 *
 * Priorities and time slices on handoff: the receiver runs at its own
 * priority on the remainder of the sender's time slice (the slice is
 * donated, not renewed), so an RPC chain cannot stretch one slice or get a
 * fresh one for free. The handoff is refused (general path) when a runnable
 * thread has a higher priority than the receiver, so a high-priority client
 * cannot run a low-priority server ahead of medium-priority work, and a
 * low-priority client gives a high-priority server nothing it would not
 * get from the scheduler anyway. Anything unusual (port or OOL items,
 * timeouts, a full or non-empty queue, no waiting receiver, pending
 * suspension or termination) takes the general path.
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


/* Only in-line items in a complex message; a simple one has no body. The
 * usual body, one item of 8-byte words filling the message, is told at once. */
static bool fastpath_body_ok(const struct mach_msg_header *h, uint32_t size)
{
	const struct mach_msg_type *first = (const void *)(h + 1);
	uint32_t off = sizeof(*h);

	if (!(h->bits & MACH_MSGH_BITS_COMPLEX))
		return size == sizeof(*h);
	if (size >= sizeof(*h) + sizeof(*first) && first->kind == MACH_MSG_TYPE_INLINE &&
	    first->elem_size == 8 && (uint64_t)first->count * 8 == size - sizeof(*h) - sizeof(*first))
		return true;
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

/* What the fast path's checks found (route_check), for the commit. */
struct fastpath_route {
	struct ipc_entry *de, *le;     /* the destination's and the reply port's entries */
	struct port *dest, *rcv;       /* where the message goes; where the caller then waits */
	struct thread *to;             /* the receiver that takes it */
	int rd, ld;                    /* the dispositions (ld 0: no reply right) */
};

/*
 * Every check of the fast path on a message of size bytes whose header
 * fields are given: on success ipc_lock is held (its flags in *f) and r is
 * filled; on failure nothing is held or changed. The body has been checked.
 */
static inline __attribute__((always_inline)) bool
route_check(struct thread *self, uint32_t bits, mach_port_name_t remote, mach_port_name_t local,
	    mach_port_name_t rcv_name, uint32_t size, struct fastpath_route *r, uint64_t *f)
{
	struct ipc_space *space = self->task->space;
	struct ipc_entry *re;
	int rd = MACH_MSGH_BITS_REMOTE(bits), ld = local ? MACH_MSGH_BITS_LOCAL(bits) : 0;

	if (self->suspend_count || self->terminate_pending || (bits & ~MACH_MSGH_BITS_USED) ||
	    (rd != MACH_MSG_TYPE_COPY_SEND && rd != MACH_MSG_TYPE_MOVE_SEND_ONCE) ||
	    (local && ld != MACH_MSG_TYPE_MAKE_SEND_ONCE))    /* a reply name, no disposition: */
		return false;                                 /* MACH_SEND_INVALID_REPLY */
	*f = spin_lock(&ipc_lock);
	r->de = ipc_entry_lookup(space, remote);
	r->le = ld ? ipc_entry_lookup(space, local) : NULL;
	re = ipc_entry_lookup(space, rcv_name);
	r->dest = r->de ? r->de->port : NULL;
	r->rcv = re && (re->type & (MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_PORT_SET)) ?
		 re->port : NULL;
	r->rd = rd;
	r->ld = ld;
	if (!r->dest || !r->dest->active || r->dest->kotype != KOT_NONE || r->dest->msgcount ||
	    !(r->de->type & (rd == MACH_MSG_TYPE_COPY_SEND ? MACH_PORT_TYPE_SEND :
			     MACH_PORT_TYPE_SEND_ONCE)) ||
	    (ld && (!r->le || !(r->le->type & MACH_PORT_TYPE_RECEIVE))) ||
	    (rd == MACH_MSG_TYPE_MOVE_SEND_ONCE && !ipc_sonce_removable(r->de)) ||
	    !r->rcv || r->rcv->msgcount || r->rcv == r->dest || r->rcv == r->dest->set ||
	    !(r->to = ipc_waiting_receiver(r->dest, size)) ||
	    (ld && !ipc_sonce_insert_ready(r->to->task->space)) ||
	    sched_highest_runnable() > r->to->priority) {
		spin_unlock(&ipc_lock, *f);
		return false;
	}
	return true;
}

/* Commit (ipc_lock held; nothing below can fail back to the general path):
 * the rights move; returns the reply right's name in the receiver's space. */
static inline __attribute__((always_inline)) mach_port_name_t
route_commit(const struct fastpath_route *r)
{
	mach_port_name_t reply_name = MACH_PORT_NULL;

	stats_inc(STAT_IPC_FASTPATH_HITS);
	if (r->ld)                                 /* the reply right, made in the receiver's space */
		reply_name = ipc_sonce_insert(r->to->task->space, r->le->port);
	if (r->rd == MACH_MSG_TYPE_MOVE_SEND_ONCE) /* the right the message goes by, used up */
		ipc_sonce_remove(r->de);
	return reply_name;
}

/* The caller now waits on its own port and the receiver gets the CPU (no
 * reference to rcv is needed: if it dies, port_destroy wakes us first). */
static inline __attribute__((always_inline)) void
route_handoff(struct thread *self, const struct fastpath_route *r, uint64_t buf, uint32_t size,
	      struct trap_args *regs, uint64_t f)
{
	ipc_wait_state_set(self, buf, size, regs);
	spin_lock_irqs_off(&sched_lock);
	spin_unlock(&ipc_lock, 0);
	sched_handoff_locked(r->to, &r->rcv->receivers);
	spin_unlock(&sched_lock, f);
}

bool ipc_fastpath(const struct mach_msg_args *a, mach_msg_return_t *mr)
{
	uint64_t buf[IPC_FAST_MSG_MAX_BYTES / 8];
	struct mach_msg_header *h = (struct mach_msg_header *)buf;
	struct thread *self = current_thread();
	struct fastpath_route r;
	mach_port_name_t reply_name;
	void *to;
	uint64_t f;

	if (a->option & (MACH_SEND_TIMEOUT | MACH_RCV_TIMEOUT) ||
	    a->send_size < sizeof(*h) || a->send_size > sizeof(buf) || a->send_size % 8)
		return false;
	/* The caller's own address space is loaded: copy directly (user_copy). */
	if (!caller_range_ok(a->msg, a->send_size) ||
	    user_copy(buf, (const void *)a->msg, a->send_size) != 0)
		return false;
	if (h->reserved || !fastpath_body_ok(h, a->send_size) ||
	    !route_check(self, h->bits, h->remote_port, h->local_port, a->rcv_name, a->send_size,
			 &r, &f))
		return false;
	reply_name = route_commit(&r);
	h->bits = MACH_MSGH_BITS(reply_name ? MACH_MSG_TYPE_PORT_SEND_ONCE : 0, 0) |
		  (h->bits & MACH_MSGH_BITS_COMPLEX);
	h->size = a->send_size;
	h->remote_port = reply_name;
	h->local_port = r.dest->receiver_name;
	/* the receiver copies it out itself (or a supervisor has it at once): the
	 * header (all of a null RPC's message) in three moves (a constant-size
	 * copy GCC inlines), any body by memcpy */
	to = ipc_fast_target(r.to);
	__builtin_memcpy(to, h, sizeof(*h));
	if (a->send_size > sizeof(*h))
		memcpy((char *)to + sizeof(*h), h + 1, a->send_size - sizeof(*h));
	ipc_fast_delivered(r.to, to, a->send_size);
	route_handoff(self, &r, a->msg, a->rcv_size, NULL, f);

	/* Woken: by a fast-path reply, or by a message queued the general way. */
	*mr = self->ipc.delivered ? ipc_fast_copyout_user(self, a->msg) :
	      self->ipc.gone ? self->ipc.gone :
	      mach_msg_receive(self->task->space, self->task->map, a);
	return true;
}

/* A short-trap caller woken without a fast-path message: receive the general way. */
static mach_msg_return_t short_receive(struct thread *self, struct trap_args *ta)
{
	const struct mach_msg_args a = mach_msg_short_args(ta);

	return mach_msg_receive(self->task->space, self->task->map, &a);
}

/*
 * The short trap (MACH_MSG_SHORT_* in mach/message.h), whose fast path this
 * is: the message is read from the caller's saved registers ta and written
 * straight into a short-trap receiver's (or, for a mach_msg receiver, into
 * its ipc.msg); anything the fast path does not take goes to
 * mach_msg_short_general (mach_msg.c). The trap table calls this directly,
 * so an RPC pays for no call in between.
 */
kern_return_t mach_msg_short_trap(const struct trap_args *args)
{
	struct trap_args *ta = (struct trap_args *)args;   /* the caller's, written on receive */
	struct thread *self = current_thread();
	struct fastpath_route r;
	uint32_t option = (uint32_t)ta->a[0], size = MACH_MSG_SHORT_SEND_SIZE(option);
	uint32_t bits = (uint32_t)ta->a[1];
	mach_port_name_t reply_name;
	uint64_t f, bits_out, ports_out;

	if (option != MACH_MSG_SHORT_OPTION(MACH_SEND_MSG | MACH_RCV_MSG, size) || size % 8 ||
	    size < sizeof(struct mach_msg_header) || size > MACH_MSG_SHORT_MAX)
		return mach_msg_short_general(ta);
	if (bits & MACH_MSGH_BITS_COMPLEX) {          /* in-line items only, checked in memory */
		struct mach_msg_short m = { .header = { .bits = bits } };

		__builtin_memcpy(m.body, &ta->a[3], sizeof(m.body));
		if (!fastpath_body_ok(&m.header, size))
			return mach_msg_short_general(ta);
	} else if (size != sizeof(struct mach_msg_header)) {
		return mach_msg_short_general(ta);
	}
	if (!route_check(self, bits, (mach_port_name_t)ta->a[2], (mach_port_name_t)(ta->a[2] >> 32),
			 (mach_port_name_t)(ta->a[0] >> 32), size, &r, &f))
		return mach_msg_short_general(ta);
	reply_name = route_commit(&r);
	/* the message as the receiver sees it, in the short trap's register form */
	bits_out = MACH_MSGH_BITS(reply_name ? MACH_MSG_TYPE_PORT_SEND_ONCE : 0, 0) |
		   (bits & MACH_MSGH_BITS_COMPLEX) | (ta->a[1] & 0xFFFFFFFF00000000UL);
	ports_out = reply_name | (uint64_t)r.dest->receiver_name << 32;
	if (r.to->ipc.regs) {
		struct trap_args *to = r.to->ipc.regs;
		uint32_t words = (size - (uint32_t)sizeof(struct mach_msg_header)) / 8;

		to->a[0] = size;
		to->a[1] = bits_out;
		to->a[2] = ports_out;
		to->a[3] = words > 0 ? ta->a[3] : 0;
		to->a[4] = words > 1 ? ta->a[4] : 0;
		to->a[5] = words > 2 ? ta->a[5] : 0;
		r.to->ipc.delivered = IPC_DELIVERED_REGS;
	} else {
		struct mach_msg_header *m = ipc_fast_target(r.to);

		*m = (struct mach_msg_header){
			.bits = (uint32_t)bits_out, .size = size, .remote_port = reply_name,
			.local_port = r.dest->receiver_name, .id = (int32_t)(ta->a[1] >> 32),
		};
		__builtin_memcpy(m + 1, &ta->a[3], 3 * sizeof(uint64_t));   /* (room for three) */
		ipc_fast_delivered(r.to, m, size);
	}
	route_handoff(self, &r, 0, MACH_MSG_SHORT_MAX, ta, f);

	/* Woken: by a fast-path reply, or by a message queued the general way. */
	if (self->ipc.delivered)
		return ipc_fast_copyout_regs(self, ta);
	if (self->ipc.gone)
		return self->ipc.gone;
	return short_receive(self, ta);
}

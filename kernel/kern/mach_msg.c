/*
 * mach_msg.c — the mach_msg trap: send, receive, or send then receive in
 * one call, each blocking, timing out or failing at once as asked.
 *
 * Sending copies the message and its out-of-line data into the kernel and
 * checks its format without any lock, then, under ipc_lock, checks every
 * right, waits while the destination queue is full (not for send-once
 * rights), and only then moves the rights and queues the message — so a
 * refused or timed-out send changes nothing. RPCs try the fast path first
 * (fastpath.c), and a pager's one-page DATA_SUPPLY its own (vm_pager.c).
 */
#include "kern/mach_msg.h"
#include "arch/trapframe.h"
#include "kern/cpu.h"
#include "kern/ipc_space.h"
#include "kern/kobject.h"
#include "kern/msg.h"
#include "kern/port.h"
#include "kern/sched.h"
#include "kern/stats.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "lib/string.h"
#include "vm/vm_fault.h"
#include "pager.h"

#define MACH_MSG_OPTIONS (MACH_SEND_MSG | MACH_RCV_MSG | MACH_SEND_TIMEOUT | MACH_RCV_TIMEOUT)

/* Ticks left until deadline (0 = no deadline: wait forever). */
static uint64_t ticks_left(uint64_t deadline)
{
	uint64_t now = sched_ticks();

	if (!deadline)
		return SCHED_NO_TIMEOUT;
	return deadline > now ? deadline - now : 1;
}

static uint64_t deadline_for(bool timed, uint64_t timeout_ms)
{
	return timed ? sched_ticks() + sched_ms_to_ticks(timeout_ms) : 0;
}

static bool sends_once(const struct kmsg *m)
{
	int d = MACH_MSGH_BITS_REMOTE(m->hdr->bits);

	return d == MACH_MSG_TYPE_MOVE_SEND_ONCE || d == MACH_MSG_TYPE_MAKE_SEND_ONCE;
}

/* Copy the message in and check its format; no lock held, nothing moved. */
static mach_msg_return_t mach_msg_copyin(struct vm_map *map, const struct mach_msg_args *a,
					 struct kmsg **out)
{
	struct kmsg *m;
	mach_msg_return_t mr;

	if (a->send_size < sizeof(struct mach_msg_header) || a->send_size % 8)
		return MACH_SEND_MSG_TOO_SMALL;
	if (a->send_size > MACH_MSG_SIZE_MAX)
		return MACH_SEND_TOO_LARGE;
	m = kmsg_alloc(a->send_size, false, current_ledger());   /* vm_copyin fills it */
	if (!m)
		return MACH_SEND_NO_BUFFER;
	if (a->kbuf) {                                             /* the short trap's */
		memcpy(m->hdr, a->kbuf, a->send_size);
		mr = MACH_MSG_SUCCESS;
	} else {
		mr = vm_copyin(map, a->msg, m->hdr, a->send_size) == KERN_SUCCESS ?
		     MACH_MSG_SUCCESS : MACH_SEND_INVALID_DATA;
	}
	if (mr == MACH_MSG_SUCCESS)
		mr = msg_check(m);
	if (mr == MACH_MSG_SUCCESS)
		mr = msg_copyin_ool(m, map);
	if (mr != MACH_MSG_SUCCESS) {
		kmsg_free(m);
		return mr;
	}
	*out = m;
	return MACH_MSG_SUCCESS;
}

mach_msg_return_t mach_msg_send(struct ipc_space *space, struct vm_map *map,
				const struct mach_msg_args *a)
{
	uint64_t deadline = deadline_for(a->option & MACH_SEND_TIMEOUT, a->timeout_ms);
	struct kmsg *m;
	struct port *dest;
	mach_msg_return_t mr = mach_msg_copyin(map, a, &m);
	uint64_t f;

	if (mr != MACH_MSG_SUCCESS)
		return mr;
	f = spin_lock(&ipc_lock);
	for (;;) {
		int r;

		mr = msg_check_rights(m, space);
		if (mr != MACH_MSG_SUCCESS)
			break;
		dest = ipc_entry_lookup(space, m->hdr->remote_port)->port;
		if (dest->kotype != KOT_NONE || !port_queue_full(dest) || sends_once(m))
			break;
		if ((a->option & MACH_SEND_TIMEOUT) && a->timeout_ms == 0) {
			mr = MACH_SEND_TIMED_OUT;
			break;
		}
		r = ipc_wait(&dest->senders, ticks_left(deadline), f);
		f = spin_lock(&ipc_lock);
		if (r != WAIT_AWAKENED) {
			mr = r == WAIT_TIMED_OUT ? MACH_SEND_TIMED_OUT : MACH_SEND_ABORTED;
			break;
		}
	}
	if (mr != MACH_MSG_SUCCESS) {
		spin_unlock(&ipc_lock, f);
		kmsg_free(m);
		return mr;
	}
	msg_copyin_rights(m, space);
	msg_deallocate_ool(m, map);
	if (m->dest->kotype != KOT_NONE) {
		spin_unlock(&ipc_lock, f);
		kobject_server(m);
		return MACH_MSG_SUCCESS;
	}
	port_enqueue(m->dest, m);
	spin_unlock(&ipc_lock, f);
	return MACH_MSG_SUCCESS;
}

/* The port or set at name that space may receive from, or an error. */
static mach_msg_return_t receive_source(struct ipc_space *space, mach_port_name_t name,
					struct port **out)
{
	struct ipc_entry *e = ipc_entry_lookup(space, name);

	if (!e || !(e->type & (MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_PORT_SET)))
		return MACH_RCV_INVALID_NAME;
	*out = e->port;
	return MACH_MSG_SUCCESS;
}

/* Deliver a dequeued message to the receiver's buffer, or its registers. */
static mach_msg_return_t receive_copyout(struct kmsg *m, struct ipc_space *space,
					 struct vm_map *map, const struct mach_msg_args *a)
{
	struct mach_msg_short buf;
	mach_msg_return_t mr;

	if (!a->regs)
		return msg_copyout(m, space, map, a->msg);
	mr = msg_copyout_kernel(m, space, map, &buf.header);
	if (mr == MACH_MSG_SUCCESS)
		mach_msg_short_deliver(a->regs, &buf.header);
	return mr;
}

mach_msg_return_t mach_msg_receive(struct ipc_space *space, struct vm_map *map,
				   const struct mach_msg_args *a)
{
	uint64_t deadline = deadline_for(a->option & MACH_RCV_TIMEOUT, a->timeout_ms);
	struct thread *self = current_thread();
	uint64_t f = spin_lock(&ipc_lock);
	mach_msg_return_t mr;
	struct port *p;

	for (;;) {
		struct port *src;
		struct kmsg *m;
		bool too_large;
		int r;

		mr = receive_source(space, a->rcv_name, &p);
		if (mr != MACH_MSG_SUCCESS)
			break;
		src = p->is_set ? port_set_find_message(p) : p;
		m = src ? port_dequeue_fits(src, a->rcv_size, &too_large) : NULL;
		if (m) {
			spin_unlock(&ipc_lock, f);
			return receive_copyout(m, space, map, a);
		}
		if (src && too_large) {
			mr = MACH_RCV_TOO_LARGE;
			break;
		}
		if ((a->option & MACH_RCV_TIMEOUT) && a->timeout_ms == 0) {
			mr = MACH_RCV_TIMED_OUT;
			break;
		}
		port_ref(p);
		ipc_wait_state_set(self, a->msg, a->rcv_size, a->regs);
		r = ipc_wait(&p->receivers, ticks_left(deadline), f);
		f = spin_lock(&ipc_lock);
		if (self->ipc.delivered) {             /* the fast path handed us a message */
			port_release(p);
			spin_unlock(&ipc_lock, f);
			return ipc_fast_copyout(self, a);
		}
		mr = !p->active ? MACH_RCV_PORT_DIED :
		     (!p->is_set && p->receiver != space) ? MACH_RCV_PORT_CHANGED :
		     r == WAIT_TIMED_OUT ? MACH_RCV_TIMED_OUT :
		     r == WAIT_ABORTED ? MACH_RCV_ABORTED : MACH_MSG_SUCCESS;
		port_release(p);
		if (mr != MACH_MSG_SUCCESS)
			break;
	}
	spin_unlock(&ipc_lock, f);
	return mr;
}

/* mach_msg's two halves, each the general way, after the fast paths declined. */
static inline __attribute__((always_inline)) mach_msg_return_t
mach_msg_general(const struct mach_msg_args *a)
{
	struct task *task = current_thread()->task;
	mach_msg_return_t mr = MACH_MSG_SUCCESS;

	if (a->option & MACH_SEND_MSG)
		mr = mach_msg_send(task->space, task->map, a);
	if (mr == MACH_MSG_SUCCESS && (a->option & MACH_RCV_MSG))
		mr = mach_msg_receive(task->space, task->map, a);
	return mr;
}

/* The trap: msg, option, send_size, rcv_size, rcv_name, timeout_ms. */
kern_return_t mach_msg_trap(const struct trap_args *ta)
{
	const struct mach_msg_args args = {
		.msg = ta->a[0], .option = (uint32_t)ta->a[1], .send_size = (uint32_t)ta->a[2],
		.rcv_size = (uint32_t)ta->a[3], .rcv_name = (mach_port_name_t)ta->a[4],
		.timeout_ms = ta->a[5],
	}, *a = &args;
	struct task *task = current_thread()->task;
	mach_msg_return_t mr = MACH_MSG_SUCCESS;

	if ((ta->a[1] | ta->a[2] | ta->a[3] | ta->a[4]) > UINT32_MAX ||
	    a->option & ~MACH_MSG_OPTIONS)
		return KERN_INVALID_ARGUMENT;
	/* the fast paths: RPCs (fastpath.c), and a pager's one-page answer (vm_pager.c) */
	if ((a->option & (MACH_SEND_MSG | MACH_RCV_MSG)) == (MACH_SEND_MSG | MACH_RCV_MSG)) {
		if (a->send_size == PAGER_SUPPLY_FAST_BYTES && pager_supply_fast(a))
			return mach_msg_receive(task->space, task->map, a);
		if (ipc_fastpath(a, &mr))
			return mr;
		stats_inc(STAT_IPC_FASTPATH_MISSES);
	} else if (a->send_size == PAGER_SUPPLY_FAST_BYTES && (a->option & MACH_SEND_MSG) &&
		   pager_supply_fast(a)) {
		return MACH_MSG_SUCCESS;
	}
	return mach_msg_general(a);
}

/*
 * The short trap's general path (registers: MACH_MSG_SHORT_* in
 * mach/message.h; the trap itself, with its fast path, is in fastpath.c):
 * the same mach_msg, the message taken from and delivered into the
 * caller's saved argument registers, which syscall_entry restores on the
 * way out. The message is rebuilt in mach_msg's format on the stack, so the
 * general path takes it as it takes any other.
 */
mach_msg_return_t mach_msg_short_general(struct trap_args *regs)
{
	const struct trap_args *ta = regs;
	uint32_t option = (uint32_t)ta->a[0];
	struct mach_msg_short buf;
	struct mach_msg_args a;

	if (option & ~MACH_MSG_SHORT_OPTION(MACH_SEND_MSG | MACH_RCV_MSG, 0xFF))
		return KERN_INVALID_ARGUMENT;
	a = mach_msg_short_args(regs);
	if (a.option & MACH_SEND_MSG) {
		if (a.send_size < sizeof(buf.header) || a.send_size % 8)
			return MACH_SEND_MSG_TOO_SMALL;
		if (a.send_size > sizeof(buf))
			return MACH_SEND_TOO_LARGE;
		buf.header = (struct mach_msg_header){
			.bits = (uint32_t)ta->a[1], .size = a.send_size,
			.remote_port = (mach_port_name_t)ta->a[2],
			.local_port = (mach_port_name_t)(ta->a[2] >> 32),
			.id = (int32_t)(ta->a[1] >> 32),
		};
		__builtin_memcpy(buf.body, &ta->a[3], sizeof(buf.body));
		a.kbuf = &buf.header;
		if (a.option & MACH_RCV_MSG)
			stats_inc(STAT_IPC_FASTPATH_MISSES);
	}
	return mach_msg_general(&a);
}

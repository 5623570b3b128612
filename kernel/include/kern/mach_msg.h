/*
 * mach_msg.h — the combined send/receive trap and its general path.
 */
#ifndef KERN_MACH_MSG_H
#define KERN_MACH_MSG_H

#include <stdbool.h>
#include <stdint.h>
#include <mach/kern_return.h>
#include <mach/message.h>
#include "arch/trapframe.h"
#include "kern/port.h"
#include "kern/thread.h"
#include "vm/vm_fault.h"

struct ipc_space;
struct vm_map;

struct mach_msg_args {
	uint64_t msg;            /* user address of the message / receive buffer */
	uint32_t option;
	uint32_t send_size;
	uint32_t rcv_size;
	mach_port_name_t rcv_name;
	uint64_t timeout_ms;
	/* The short trap (MACH_MSG_SHORT_* in mach/message.h): the message to
	 * send is in kbuf, not at msg, and a received one goes into regs, the
	 * caller's saved argument registers. NULL for mach_msg. */
	const struct mach_msg_header *kbuf;
	struct trap_args *regs;
};

struct trap_args;
kern_return_t mach_msg_trap(const struct trap_args *ta);  /* the traps (mk_trap_table) */
kern_return_t mach_msg_short_trap(const struct trap_args *ta);    /* fastpath.c */
mach_msg_return_t mach_msg_short_general(struct trap_args *regs);
mach_msg_return_t mach_msg_send(struct ipc_space *space, struct vm_map *map,
				const struct mach_msg_args *a);
mach_msg_return_t mach_msg_receive(struct ipc_space *space, struct vm_map *map,
				   const struct mach_msg_args *a);

/* The RPC fast path (fastpath.c): returns true if it handled the call, with *mr set. */
bool ipc_fastpath(const struct mach_msg_args *a, mach_msg_return_t *mr);

/* The general path's view of a short trap's call (regs: its saved registers;
 * the message to send, if any, is put in kbuf by the caller). */
static inline struct mach_msg_args mach_msg_short_args(struct trap_args *regs)
{
	uint32_t option = (uint32_t)regs->a[0];

	return (struct mach_msg_args){
		.option = option & (MACH_SEND_MSG | MACH_RCV_MSG),
		.send_size = MACH_MSG_SHORT_SEND_SIZE(option),
		.rcv_size = MACH_MSG_SHORT_MAX, .rcv_name = (mach_port_name_t)(regs->a[0] >> 32),
		.regs = regs,
	};
}

/* A received message into the short trap's registers (h->size <= MACH_MSG_SHORT_MAX). */
static inline void mach_msg_short_deliver(struct trap_args *regs, const struct mach_msg_header *h)
{
	const uint64_t *w = (const uint64_t *)(h + 1);
	uint32_t words = (h->size - (uint32_t)sizeof(*h)) / 8;

	regs->a[0] = h->size;
	regs->a[1] = h->bits | (uint64_t)(uint32_t)h->id << 32;
	regs->a[2] = h->remote_port | (uint64_t)h->local_port << 32;
	regs->a[3] = words > 0 ? w[0] : 0;
	regs->a[4] = words > 1 ? w[1] : 0;
	regs->a[5] = words > 2 ? w[2] : 0;
}
/*
 * A thread blocked receiving on p (directly or through its set), with no
 * timeout and nothing pending, that can take a size-byte message straight
 * into its ipc state (ipc_lock held); NULL if none. For the fast paths
 * (inline: a call costs the RPC fast path a dozen instructions each way).
 */
static inline __attribute__((always_inline)) struct thread *
ipc_waiting_receiver(struct port *p, uint32_t size)
{
	struct waitq *wq = !list_empty(&p->receivers.threads) ? &p->receivers :
			   p->set ? &p->set->receivers : NULL;
	struct thread *t;

	if (!wq || list_empty(&wq->threads))
		return NULL;
	t = list_entry(wq->threads.next, struct thread, sched_link);
	if (!t->task || t->ipc.size < size || t->suspend_count || t->terminate_pending ||
	    t->deadline)
		return NULL;
	return t;
}

/*
 * Where a fast path writes a message for the blocked receiver t: its
 * ipc.msg, which it copies out once it runs, or, for a supervisor waiting
 * with a buffer in kernel memory (mapped in every address space: UNIX=
 * colocated), that buffer itself, one copy less. Then ipc_fast_delivered.
 */
static inline void *ipc_fast_target(struct thread *t)
{
	return supervisor_buffer_ok(t) ? (void *)t->ipc.buf : (void *)t->ipc.msg;
}

static inline void ipc_fast_delivered(struct thread *t, const void *target, uint32_t size)
{
	t->ipc.msg_size = size;
	t->ipc.delivered = SUPERVISOR_THREADS && target != (const void *)t->ipc.msg ?
			   IPC_DELIVERED_BUF : IPC_DELIVERED_MSG;
}

/* Copy a message the fast path left in t's ipc.msg out to its buffer at buf
 * (t is running, its own address space loaded). */
static inline mach_msg_return_t ipc_fast_copyout_user(struct thread *t, uint64_t buf)
{
	enum ipc_delivery d = t->ipc.delivered;

	t->ipc.delivered = IPC_NOT_DELIVERED;
	if (SUPERVISOR_THREADS && d == IPC_DELIVERED_BUF)    /* (written there already) */
		return MACH_MSG_SUCCESS;
	if (caller_range_ok(buf, t->ipc.msg_size) &&
	    user_copy((void *)buf, t->ipc.msg, t->ipc.msg_size) == 0)
		return MACH_MSG_SUCCESS;
	return MACH_RCV_INVALID_DATA;
}

/* The same into the short trap's registers, unless a fast path put it there already. */
static inline mach_msg_return_t ipc_fast_copyout_regs(struct thread *t, struct trap_args *regs)
{
	if (t->ipc.delivered == IPC_DELIVERED_MSG)
		mach_msg_short_deliver(regs, (const struct mach_msg_header *)t->ipc.msg);
	t->ipc.delivered = IPC_NOT_DELIVERED;
	return MACH_MSG_SUCCESS;
}

/* Either, as the call asked (a fast path delivered a message to t). */
static inline mach_msg_return_t ipc_fast_copyout(struct thread *t, const struct mach_msg_args *a)
{
	return a->regs ? ipc_fast_copyout_regs(t, a->regs) : ipc_fast_copyout_user(t, a->msg);
}

#endif

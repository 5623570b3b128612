/*
 * mach_msg.h — the combined send/receive trap and its general path.
 */
#ifndef KERN_MACH_MSG_H
#define KERN_MACH_MSG_H

#include <stdbool.h>
#include <stdint.h>
#include <mach/kern_return.h>
#include <mach/message.h>
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
};

struct trap_args;
kern_return_t mach_msg_trap(const struct trap_args *ta);  /* the trap (mk_trap_table) */
mach_msg_return_t mach_msg_send(struct ipc_space *space, struct vm_map *map,
				const struct mach_msg_args *a);
mach_msg_return_t mach_msg_receive(struct ipc_space *space, struct vm_map *map,
				   const struct mach_msg_args *a);

/* The RPC fast path (fastpath.c): returns true if it handled the call, with *mr set. */
bool ipc_fastpath(const struct mach_msg_args *a, mach_msg_return_t *mr);
/*
 * A thread blocked receiving on p (directly or through its set), with no
 * timeout and nothing pending, that can take a size-byte message straight
 * into its ipc state (ipc_lock held); NULL if none. For the fast paths
 * (inline: a call costs the RPC fast path a dozen instructions each way).
 */
static inline struct thread *ipc_waiting_receiver(struct port *p, uint32_t size)
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

/* Copy a message the fast path left in t's ipc state out to its buffer (t
 * is running, its own address space loaded). */
static inline mach_msg_return_t ipc_fast_copyout(struct thread *t, uint64_t buf)
{
	t->ipc.delivered = false;
	if (user_range_ok(buf, t->ipc.msg_size) &&
	    user_copy((void *)buf, t->ipc.msg, t->ipc.msg_size) == 0)
		return MACH_MSG_SUCCESS;
	return MACH_RCV_INVALID_DATA;
}

#endif

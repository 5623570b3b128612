/*
 * mach_msg.h — the combined send/receive trap and its general path.
 */
#ifndef KERN_MACH_MSG_H
#define KERN_MACH_MSG_H

#include <stdbool.h>
#include <stdint.h>
#include <mach/message.h>

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

mach_msg_return_t mach_msg_trap(const struct mach_msg_args *a);
mach_msg_return_t mach_msg_send(struct ipc_space *space, struct vm_map *map,
				const struct mach_msg_args *a);
mach_msg_return_t mach_msg_receive(struct ipc_space *space, struct vm_map *map,
				   const struct mach_msg_args *a);

/* The RPC fast path (fastpath.c): returns true if it handled the call, with *mr set. */
bool ipc_fastpath(const struct mach_msg_args *a, mach_msg_return_t *mr);
struct thread;
mach_msg_return_t ipc_fast_copyout(struct thread *t, uint64_t buf);

#endif

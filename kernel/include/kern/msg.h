/*
 * msg.h — messages inside the kernel (kmsg) and their copyin/copyout.
 *
 * A kmsg holds the sender's bytes (header and body, as sent) plus the
 * rights and out-of-line regions it carries, as kernel objects: rights[]
 * lists the ports of every right in PORTS items in order of appearance,
 * ool[] the kernel copies of every OOL region. The header's rights travel
 * in dest/reply. Sending validates everything before any right moves
 * (msg_check, then msg_copyin_rights); receiving turns the rights into
 * names of the receiver (msg_copyout).
 *
 * Every message is charged to a ledger (ledger.c) from before its memory
 * is taken until it is freed: one message, its bytes (with its rights and
 * OOL tables) and its out-of-line bytes. A user message is charged to its
 * sender; a kernel-made one to whoever caused it (a reply to the
 * requester, a send-once notice to the task that destroyed the right), or
 * to nobody when it is bounded otherwise (dead-name and no-senders notices:
 * one per request, and requests are bounded by names and ports).
 */
#ifndef KERN_MSG_H
#define KERN_MSG_H

#include <stdbool.h>
#include <stdint.h>
#include <mach/message.h>
#include "lib/list.h"

struct port;
struct ipc_space;
struct vm_map;
struct vm_map_copy;
struct ledger;

/* The type of a right as it travels (what the receiver will get). */
enum msg_right_type {
	MSG_RIGHT_NONE,
	MSG_RIGHT_SEND,
	MSG_RIGHT_SEND_ONCE,
	MSG_RIGHT_RECEIVE,
};

struct msg_right {
	struct port *port;            /* NULL: the right was dead (delivered as MACH_PORT_DEAD) */
	enum msg_right_type type;
	uint32_t offset;              /* where its name goes in the body */
	int disposition;              /* as the sender gave it */
};

struct msg_ool {
	struct vm_map_copy *copy;     /* the region, copy-on-write, until delivered */
	uint64_t size;
	uint32_t offset;              /* of its struct mach_msg_ool in the body */
	uint64_t src_addr;            /* sender's region (for deallocate) */
	bool deallocate;
};

struct kmsg {
	struct list link;             /* in port->messages */
	struct port *dest;            /* its right is dest_type */
	enum msg_right_type dest_type;
	struct port *reply;
	enum msg_right_type reply_type;
	uint32_t nrights, nool;
	struct msg_right *rights;
	struct msg_ool *ool;
	uint32_t size;                /* bytes in hdr */
	uint32_t alloc_bytes;
	struct mach_msg_header *hdr;  /* the message bytes */
	struct ledger *ledger;        /* who pays for it (NULL: the kernel) */
	uint64_t charged_bytes;       /* LEDGER_MESSAGE_BYTES: hdr and the rights and OOL tables */
	uint64_t charged_ool;         /* LEDGER_OOL_BYTES */
};

struct kmsg *kmsg_alloc(uint32_t size, bool zeroed, struct ledger *ledger);
void kmsg_free(struct kmsg *m);
void kmsg_destroy(struct kmsg *m);                    /* release everything it carries */
mach_msg_return_t msg_check(struct kmsg *m);          /* format only: sizes, bits, items */
mach_msg_return_t msg_copyin_ool(struct kmsg *m, struct vm_map *map);
mach_msg_return_t msg_check_rights(struct kmsg *m, struct ipc_space *space);
void msg_copyin_rights(struct kmsg *m, struct ipc_space *space);
mach_msg_return_t msg_copyout(struct kmsg *m, struct ipc_space *space, struct vm_map *map,
			      uint64_t uaddr);
/* The same into a kernel buffer of m->size bytes (the short trap's registers, next). */
mach_msg_return_t msg_copyout_kernel(struct kmsg *m, struct ipc_space *space, struct vm_map *map,
				     struct mach_msg_header *kdst);
void msg_deallocate_ool(struct kmsg *m, struct vm_map *map);
int msg_disposition_type(int disposition);
void msg_right_destroy(struct msg_right *r);
void msg_init(void);
struct kmsg *kmsg_kernel_build(struct port *dest, enum msg_right_type dest_type, int id,
			       const void *data, uint32_t n, uint8_t elem_size,
			       struct port *send_right, struct vm_map_copy *ool,
			       struct ledger *ledger);


#endif

/*
 * port.h — ports, port sets and the rights tasks hold to them.
 *
 * A port is a kernel mailbox: a FIFO of messages (at most qlimit, except
 * that send-once rights never block), exactly one receive right (held in a
 * space, by the kernel for kernel-served ports, or in transit inside a
 * message) and counts of the send and send-once rights in existence. A port
 * set is a struct port with is_set: it holds member ports, not messages.
 *
 * Locking: one lock, ipc_lock, covers every port, set, space and message
 * queue (lock order: task lock, ipc_lock, sched_lock). Finer locks are SMP
 * work for later; with one CPU the single lock costs a few instructions.
 */
#ifndef KERN_PORT_H
#define KERN_PORT_H

#include <stdbool.h>
#include <stdint.h>
#include <mach/message.h>
#include <mach/port.h>
#include "kern/lock.h"
#include "kern/sched.h"
#include "lib/list.h"

struct ipc_space;
struct ledger;
struct kmsg;

/* What a kernel-served port stands for. */
enum kobject_type {
	KOT_NONE,
	KOT_TASK,
	KOT_THREAD,
	KOT_MEMORY_CONTROL,            /* a memory object's control port (pager replies) */
	KOT_HOST,                      /* the host privilege port (host.c) */
};

struct port {
	bool active;               /* false once destroyed (a dead port) */
	bool is_set;
	uint32_t refs;             /* kernel references: entries, messages, the kernel */
	struct ipc_space *receiver;    /* holder of the receive right; NULL while in transit */
	mach_port_name_t receiver_name;
	struct port *transit_dest;     /* in transit: the port whose queue carries the right */
	uint32_t srights, sorights;    /* send and send-once rights in existence */
	struct list holders;           /* ipc_entry.port_link of every entry naming this port */
	struct list messages;          /* struct kmsg, FIFO */
	uint32_t msgcount, qlimit;     /* (a set's msgcount: messages queued on its members) */
	struct waitq senders;          /* threads blocked on a full queue */
	struct waitq receivers;        /* threads blocked in receive on this port (or set) */
	struct port *set;              /* the set this port belongs to */
	struct list set_link;          /* in set->members */
	struct list members;           /* is_set: member ports */
	struct port *nsrequest;        /* no-senders notification: send-once right to this */
	enum kobject_type kotype;
	void *kobject;                 /* referenced task or thread */
	bool kobject_dead;             /* the object has ended */
	struct ledger *ledger;         /* charged for it (NULL: the kernel's) */
	struct list all_link;          /* in port_all, every port alive (kernel_check.c walks it) */
	uint32_t check_send, check_sonce, check_refs;   /* kernel_check.c's tallies (ipc_lock) */
};

/* One name in a space and the rights it denotes. */
struct ipc_entry {
	struct ipc_space *space;
	mach_port_name_t name;
	uint32_t type;                 /* MACH_PORT_TYPE_* bits */
	uint32_t urefs;                /* send or dead-name user references */
	struct port *port;             /* the port or set (NULL for a bare dead name) */
	struct list port_link;         /* in port->holders */
	struct port *dnrequest;        /* dead-name notification: send-once right to this */
	bool in_check;                 /* msg_check_rights scratch: check_type/_urefs are set */
	uint32_t check_type, check_urefs;  /* what the uses checked so far leave at this name */
};

extern spinlock_t ipc_lock;
extern struct list port_all;                          /* every port alive (ipc_lock) */

void port_init(void);
struct port *port_alloc(bool is_set);                 /* one ref for the caller */
struct port *port_alloc_charged(bool is_set, struct ledger *ledger);
void port_ref(struct port *p);
void port_release(struct port *p);
void port_destroy(struct port *p);                    /* the receive right dies (ipc_lock) */
bool port_queue_full(const struct port *p);
void port_enqueue(struct port *p, struct kmsg *m);    /* ipc_lock held */
struct kmsg *port_dequeue_fits(struct port *p, uint32_t max, bool *too_large);
struct port *port_set_find_message(struct port *set);   /* port_set.c */
void port_set_remove(struct port *p);
void port_set_empty(struct port *set);
uint32_t port_count(void);

/*
 * Right counts (ipc_lock held). Every holder of a right (an entry, a
 * message, a notification request) also holds a reference to the port;
 * port_sonce_right_drop gives that reference up too, the send functions
 * only count.
 */
void port_send_right_add(struct port *p);
void port_send_right_drop(struct port *p);
void port_sonce_right_add(struct port *p);
void port_sonce_right_drop(struct port *p, bool used);

/* Blocking: called with ipc_lock held (flags f); returns with it released. */
int ipc_wait(struct waitq *wq, uint64_t timeout_ticks, uint64_t f);
void ipc_wakeup_one(struct waitq *wq);
void ipc_wakeup_all(struct waitq *wq);
void port_wake_receivers(struct port *p, mach_msg_return_t why);

#endif

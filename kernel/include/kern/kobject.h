/*
 * kobject.h — kernel objects named by ports (task and thread ports) and
 * the kernel's server for messages sent to them.
 *
 * A kernel object's port holds a reference to the object; the kernel holds
 * its receive right. The port lives while the object lives or anyone holds
 * a send right to it: a dead task can still be waited for through its port,
 * and the port (and with it the task struct) goes when the last send right
 * does.
 */
#ifndef KERN_KOBJECT_H
#define KERN_KOBJECT_H

#include <mach/kern_return.h>
#include <mach/port.h>
#include "kern/port.h"

struct task;
struct thread;
struct ipc_space;
struct kmsg;

/* All need ipc_lock. */
struct port *kobject_port_create(enum kobject_type type, void *obj);
void kobject_object_dead(struct port *p);
void kobject_no_senders(struct port *p);
void kobject_send_right_gone(struct port *p);
void kobject_port_destroyed(struct port *p);
mach_port_name_t kobject_give_send(struct ipc_space *space, struct port *p);
mach_port_name_t kobject_give_send_at(struct ipc_space *space, struct port *p,
				      mach_port_name_t want);

/* The object behind a send right at name in space, referenced (takes ipc_lock). */
kern_return_t kobject_lookup(struct ipc_space *space, mach_port_name_t name,
			     enum kobject_type type, void **obj);

/* Serve a message sent to a kernel object's port (takes ipc_lock; consumes m). */
void kobject_server(struct kmsg *m);

/* Build a kernel reply to a request with an INLINE item of words (ipc_lock held). */
struct kmsg *kobject_reply_alloc(struct kmsg *req, const uint32_t *words, uint32_t nwords,
				 struct port *send_right);
void ipc_send_kernel(struct kmsg *m);

#endif

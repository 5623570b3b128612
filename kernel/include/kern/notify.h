/*
 * notify.h — kernel-generated notification messages.
 *
 * Every notification travels through a send-once right the kernel holds:
 * dead-name requests (on a send right's entry), no-senders requests (on a
 * port) and send-once rights destroyed unused (the right itself carries the
 * MACH_NOTIFY_SEND_ONCE message to its port). ipc_lock is held throughout.
 */
#ifndef KERN_NOTIFY_H
#define KERN_NOTIFY_H

#include <mach/port.h>

struct port;

/* Send notification id about name through the send-once right to notify (consumed). */
void notify_send(struct port *notify, int id, mach_port_name_t name);

#endif

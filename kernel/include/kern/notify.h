/*
 * notify.h — kernel-generated notification messages.
 *
 * Every notification travels through a send-once right the kernel holds:
 * dead-name requests (on a send right's entry), no-senders requests (on a
 * port) and send-once rights destroyed unused (the right itself carries the
 * MACH_NOTIFY_SEND_ONCE message to its port). ipc_lock is held throughout.
 * Dead-name and no-senders notices are bounded by their requests (one per
 * name or port) and cost their causer nothing; a send-once notice is
 * charged to the task that destroyed the right, and a dead-name notice a
 * request on an already dead name asks for at once to the requester.
 */
#ifndef KERN_NOTIFY_H
#define KERN_NOTIFY_H

#include <stdbool.h>
#include <mach/port.h>

struct port;

struct ledger;

/*
 * Send notification id about name through the send-once right to notify
 * (consumed either way), charged to ledger (NULL: the kernel); false if it
 * could not be made (memory or the ledger short: the notice is lost).
 */
bool notify_send(struct port *notify, int id, mach_port_name_t name, struct ledger *ledger);

#endif

/*
 * port.h — port names, rights and the port traps' constants.
 *
 * A task names its port rights by small integers local to its IPC space
 * (MACH_PORT_NULL is never a name). One name denotes the task's rights to
 * one port: a receive right and/or send rights (with a user-reference
 * count); each send-once right has a name of its own; a port set has a
 * name; when a port dies, send rights to it become a dead name (with the
 * same user references).
 */
#ifndef MACH_PORT_H
#define MACH_PORT_H

#include <stdint.h>

typedef uint32_t mach_port_name_t;
typedef uint32_t mach_port_right_t;
typedef uint32_t mach_port_type_t;

#define MACH_PORT_NULL  0u
#define MACH_PORT_DEAD  0xFFFFFFFFu   /* in a received message: the right died in transit */

/* Well-known names every task starts with. */
#define MACH_PORT_TASK_SELF  1u       /* send right to the task's own task port */
#define MACH_PORT_BOOTSTRAP  2u       /* send right to the bootstrap name service */
#define MACH_PORT_HOST_PRIV  3u       /* the bootstrap task (and tasks spawned with MK_SPAWN_HOST_PRIV):
					 * send right to the host privilege port */

/* Rights (mach_port_right_t), for allocate and mod_refs. */
#define MACH_PORT_RIGHT_SEND       0
#define MACH_PORT_RIGHT_RECEIVE    1
#define MACH_PORT_RIGHT_SEND_ONCE  2
#define MACH_PORT_RIGHT_PORT_SET   3
#define MACH_PORT_RIGHT_DEAD_NAME  4

/* Type bits (mach_port_type_t) returned by mach_port_type. */
#define MACH_PORT_TYPE_SEND       (1u << 0)
#define MACH_PORT_TYPE_RECEIVE    (1u << 1)
#define MACH_PORT_TYPE_SEND_ONCE  (1u << 2)
#define MACH_PORT_TYPE_PORT_SET   (1u << 3)
#define MACH_PORT_TYPE_DEAD_NAME  (1u << 4)

#define MACH_PORT_QLIMIT_DEFAULT  5u   /* messages a port queues before senders block */
#define MACH_PORT_QLIMIT_MAX      1024u

/* Notifications (mach_port_request_notification's variant). */
#define MACH_NOTIFY_DEAD_NAME   0x48   /* the port a send right named has died */
#define MACH_NOTIFY_NO_SENDERS  0x46   /* the last send right to a port is gone */
#define MACH_NOTIFY_SEND_ONCE   0x47   /* a send-once right was destroyed unused */

/* Port attributes readable with mach_port_get_attributes. */
struct mach_port_status {
	uint32_t msgcount;     /* messages queued */
	uint32_t qlimit;
	uint32_t srights;      /* send rights in existence (all tasks) */
	uint32_t sorights;     /* send-once rights in existence */
	uint32_t set_name;     /* name of the port set it is in (receiver's space), or 0 */
	uint32_t reserved;
};

#endif

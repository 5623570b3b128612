/*
 * notify.c — building and sending notification messages (notify.h).
 */
#include "kern/notify.h"
#include "kern/kobject.h"
#include "kern/msg.h"
#include "kern/port.h"

void notify_send(struct port *notify, int id, mach_port_name_t name)
{
	struct kmsg *m = kmsg_alloc(sizeof(struct mach_notify_msg), true);
	struct mach_notify_msg *n;

	if (!m) {                                   /* out of memory: the notice is lost */
		port_sonce_right_drop(notify, true);
		return;
	}
	n = (struct mach_notify_msg *)m->hdr;
	n->header = (struct mach_msg_header){
		.bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0) | MACH_MSGH_BITS_COMPLEX,
		.size = sizeof(*n), .id = id,
	};
	n->type = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_INLINE, .elem_size = 4, .count = 1 };
	n->name = name;
	m->dest = notify;
	m->dest_type = MSG_RIGHT_SEND_ONCE;
	ipc_send_kernel(m);
}

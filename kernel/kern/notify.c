/*
 * notify.c — building and sending notification messages (notify.h).
 */
#include "kern/notify.h"
#include "kern/kobject.h"
#include "kern/msg.h"
#include "kern/port.h"

bool notify_send(struct port *notify, int id, mach_port_name_t name, struct ledger *ledger)
{
	struct kmsg *m = kmsg_kernel_build(notify, MSG_RIGHT_SEND_ONCE, id, &name, 1, 4, NULL,
					   NULL, ledger);

	if (!m)
		return false;
	ipc_send_kernel(m);
	return true;
}

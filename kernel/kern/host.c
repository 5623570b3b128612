/*
 * host.c — the host privilege port: a kernel-served port whose send right
 * is the capability to change global state. Traps that do (the resident
 * page limit, the default pager, the kernel's consistency walk) take a name
 * for it as their first argument and fail with KERN_NO_ACCESS without it.
 *
 * The bootstrap task gets the only right at start (MACH_PORT_HOST_PRIV) and
 * may pass it on like any send right, or give it to a child it spawns with
 * MK_SPAWN_HOST_PRIV. Holding it also decides ledgers (ledger.c): a task
 * created by a holder gets a ledger of its own. The port never dies: the
 * kernel keeps its receive right and a reference for ever.
 */
#include "kern/host.h"
#include "kern/ipc_space.h"
#include "kern/kobject.h"
#include "kern/kprintf.h"
#include "kern/msg.h"
#include "kern/port.h"

static struct port *host_port;

void host_init(void)
{
	uint64_t f = spin_lock(&ipc_lock);

	host_port = kobject_port_create(KOT_HOST, NULL);
	spin_unlock(&ipc_lock, f);
	if (!host_port)
		panic("no memory for the host privilege port");
}

/* Is the right at name in space a send right to the host port? (ipc_lock held) */
static bool host_priv_at(struct ipc_space *space, uint64_t name)
{
	struct ipc_entry *e = name > UINT32_MAX ? NULL :
			      ipc_entry_lookup(space, (mach_port_name_t)name);

	return e && (e->type & MACH_PORT_TYPE_SEND) && e->port == host_port;
}

/* KERN_SUCCESS if space holds a send right to the host port at name, else KERN_NO_ACCESS. */
kern_return_t host_priv_check(struct ipc_space *space, uint64_t name)
{
	uint64_t f = spin_lock(&ipc_lock);
	bool ok = host_priv_at(space, name);

	spin_unlock(&ipc_lock, f);
	return ok ? KERN_SUCCESS : KERN_NO_ACCESS;
}

/* Does space hold a send right to the host port under any name? (ipc_lock held) */
bool host_priv_held(struct ipc_space *space)
{
	struct ipc_entry *e = ipc_entry_for_port(space, host_port);

	return e && (e->type & MACH_PORT_TYPE_SEND);
}

/* Give space a send right to the host port at name want (ipc_lock held). */
bool host_priv_give(struct ipc_space *space, mach_port_name_t want)
{
	return kobject_give_send_at(space, host_port, want) == want;
}

/*
 * port_set.c — port sets: one receiver waits on many ports (like select()).
 *
 * A set is a struct port with is_set; its members are on set->members. A
 * message queued on a member wakes receivers of the member and of its set;
 * receiving from the set takes the first member with a message, and the
 * received header's local_port names that member. ipc_lock is held
 * throughout.
 */
#include "kern/port_traps.h"
#include "kern/ipc_space.h"
#include "kern/port.h"

/* A member of set with a message waiting, or NULL. */
struct port *port_set_find_message(struct port *set)
{
	list_for_each(l, &set->members) {
		struct port *p = list_entry(l, struct port, set_link);

		if (p->msgcount)
			return p;
	}
	return NULL;
}

/* Take p out of the set it belongs to, if any. */
void port_set_remove(struct port *p)
{
	if (p->set) {
		p->set->msgcount -= p->msgcount;
		list_unlink(&p->set_link);
		p->set = NULL;
	}
}

/* The set is dying: every member leaves it. */
void port_set_empty(struct port *set)
{
	list_for_each_safe(l, &set->members)
		port_set_remove(list_entry(l, struct port, set_link));
}

kern_return_t port_move_member(struct ipc_space *space, mach_port_name_t member,
			       mach_port_name_t set)
{
	uint64_t f = spin_lock(&ipc_lock);
	struct ipc_entry *me = ipc_entry_lookup(space, member);
	struct ipc_entry *se = set ? ipc_entry_lookup(space, set) : NULL;
	kern_return_t kr = !me || (set && !se) ? KERN_INVALID_NAME :
			   !(me->type & MACH_PORT_TYPE_RECEIVE) ||
			   (se && !(se->type & MACH_PORT_TYPE_PORT_SET)) ? KERN_INVALID_RIGHT :
			   KERN_SUCCESS;

	if (kr == KERN_SUCCESS) {
		struct port *p = me->port;

		port_set_remove(p);
		p->set = se ? se->port : NULL;
		if (p->set) {
			list_push_back(&p->set->members, &p->set_link);
			p->set->msgcount += p->msgcount;
			if (p->msgcount)
				ipc_wakeup_one(&p->set->receivers);
		}
	}
	spin_unlock(&ipc_lock, f);
	return kr;
}


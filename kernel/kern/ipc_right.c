/*
 * ipc_right.c — rights: what a space may give (check), taking a right out
 * of a space (for a message or another task), putting one in (merging send
 * and receive rights under one name), destroying every right at a name, and
 * turning rights into dead names when their port dies. ipc_lock is held
 * throughout.
 *
 * Counting rule: port->srights counts every send right in existence — each
 * user reference in a space and each right in transit — so no-senders fires
 * exactly when the last one goes. Every holder of a right also holds a
 * reference to the port.
 */
#include "kern/ipc_right.h"
#include "kern/ipc_space.h"
#include "kern/kprintf.h"
#include "kern/msg.h"
#include "kern/port.h"

/* Would moving p's receive right into a message to dest put p in its own queue? */
static bool ipc_right_receive_cycle(struct port *p, struct port *dest)
{
	for (struct port *d = dest; d; d = d->receiver ? NULL : d->transit_dest)
		if (d == p)
			return true;
	return false;
}

bool ipc_right_state_valid(const struct ipc_right_state *s, int disposition, struct port *dest,
			   bool allow_dead)
{
	uint32_t type = s->type;

	if (type == 0 || (type & MACH_PORT_TYPE_PORT_SET))
		return false;
	if (type & MACH_PORT_TYPE_DEAD_NAME)           /* travels as MACH_PORT_DEAD */
		return allow_dead && s->urefs && (disposition == MACH_MSG_TYPE_COPY_SEND ||
						  disposition == MACH_MSG_TYPE_MOVE_SEND);
	switch (disposition) {
	case MACH_MSG_TYPE_COPY_SEND:
		return type & MACH_PORT_TYPE_SEND;
	case MACH_MSG_TYPE_MOVE_SEND:
		return (type & MACH_PORT_TYPE_SEND) && s->urefs;
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
		return type & MACH_PORT_TYPE_SEND_ONCE;
	case MACH_MSG_TYPE_MAKE_SEND:
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		return type & MACH_PORT_TYPE_RECEIVE;
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		return (type & MACH_PORT_TYPE_RECEIVE) && !ipc_right_receive_cycle(s->port, dest);
	default:
		return false;
	}
}

bool ipc_right_valid(struct ipc_space *space, mach_port_name_t name, int disposition,
		     struct port *dest, bool allow_dead)
{
	struct ipc_entry *e = ipc_entry_lookup(space, name);
	struct ipc_right_state s = { e ? e->type : 0, e ? e->urefs : 0, e ? e->port : NULL };

	return ipc_right_state_valid(&s, disposition, dest, allow_dead);
}

/*
 * Take the (validated) right at name out of space; returns its port with a
 * reference, or NULL for a dead name. dest: see ipc_right_state_valid. The
 * entry changes as ipc_right_state_take says, and goes when nothing is left.
 */
struct port *ipc_right_take(struct ipc_space *space, mach_port_name_t name, int disposition,
			    struct port *dest)
{
	struct ipc_entry *e = ipc_entry_lookup(space, name);
	struct port *p = e->port;
	struct ipc_right_state s = { e->type, e->urefs, p };

	ipc_right_state_take(&s, disposition);
	e->type = s.type;
	e->urefs = s.urefs;
	if (p) {
		port_ref(p);
		switch (disposition) {
		case MACH_MSG_TYPE_COPY_SEND:
		case MACH_MSG_TYPE_MAKE_SEND:
			port_send_right_add(p);
			break;
		case MACH_MSG_TYPE_MAKE_SEND_ONCE:
			port_sonce_right_add(p);
			break;
		case MACH_MSG_TYPE_MOVE_RECEIVE:
			port_set_remove(p);
			p->receiver = NULL;
			p->receiver_name = MACH_PORT_NULL;
			p->transit_dest = dest;
			port_wake_receivers(p, MACH_RCV_PORT_CHANGED);
			break;
		}
	}
	if (e->type == 0)
		ipc_entry_free(e);
	return p;
}

/* The port died: keep the name as a dead name with the send urefs it had. */
void ipc_entry_make_dead(struct ipc_entry *e)
{
	struct port *p = e->port;

	e->urefs = (e->type & MACH_PORT_TYPE_SEND) ? e->urefs : 1;
	e->type = MACH_PORT_TYPE_DEAD_NAME;
	e->dnrequest = NULL;
	list_unlink(&e->port_link);
	e->port = NULL;
	port_release(p);
}

/*
 * Give space a right to p of type (MSG_RIGHT_*), consuming the caller's
 * reference and right count; send and receive rights merge into the name
 * space already uses for p. Returns the name, or 0 if out of names/memory
 * (then the right is destroyed).
 */
mach_port_name_t ipc_right_insert(struct ipc_space *space, struct port *p, int type,
				  mach_port_name_t want)
{
	struct ipc_entry *e = type == MSG_RIGHT_SEND_ONCE ? NULL : ipc_entry_for_port(space, p);

	if (e) {
		port_release(p);                   /* the entry already holds one */
	} else if (ipc_entry_alloc(space, want, &e) == KERN_SUCCESS) {
		ipc_entry_set_port(e, p);
	} else {
		struct msg_right r = { .port = p, .type = type };

		msg_right_destroy(&r);
		return MACH_PORT_NULL;
	}
	switch (type) {
	case MSG_RIGHT_SEND:
		e->type |= MACH_PORT_TYPE_SEND;
		e->urefs++;
		break;
	case MSG_RIGHT_SEND_ONCE:
		e->type |= MACH_PORT_TYPE_SEND_ONCE;
		e->urefs = 1;
		break;
	case MSG_RIGHT_RECEIVE:
		e->type |= MACH_PORT_TYPE_RECEIVE;
		p->receiver = space;
		p->receiver_name = e->name;
		p->transit_dest = NULL;
		break;
	default:
		break;
	}
	return e->name;
}

/*
 * Destroy every right at e's name. The receive right kills the port (send
 * rights at the same name go quietly with it); otherwise the name is freed
 * first, and only then may dropping the right notify anyone.
 */
void ipc_right_drop_entry(struct ipc_entry *e)
{
	struct port *p = e->port;
	uint32_t type = e->type, urefs = e->urefs;

	if (!p) {                                  /* a dead name */
		ipc_entry_free(e);
		return;
	}
	if (type & (MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_PORT_SET)) {
		if (type & MACH_PORT_TYPE_SEND) {
			p->srights -= urefs;
			e->type &= ~MACH_PORT_TYPE_SEND;
		}
		port_destroy(p);                       /* frees e */
		return;
	}
	port_ref(p);
	ipc_entry_free(e);
	if (type & MACH_PORT_TYPE_SEND) {
		p->srights -= urefs - 1;
		port_send_right_drop(p);
		port_release(p);
	} else if (type & MACH_PORT_TYPE_SEND_ONCE) {
		port_sonce_right_drop(p, false);       /* takes the reference */
	} else {
		port_release(p);
	}
}


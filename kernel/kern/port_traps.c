/*
 * port_traps.c — the mach_port_* traps: allocating, destroying and
 * counting rights, moving them between tasks, queue limits, port sets and
 * notification requests. Each takes a task port name for the space to act
 * on and checks every argument before changing anything.
 */
#include "kern/port_traps.h"
#include "kern/ipc_space.h"
#include "kern/kobject.h"
#include "kern/msg.h"
#include "kern/notify.h"
#include "kern/task.h"

/* The space behind a task port name of the caller, with the task referenced. */
static kern_return_t port_trap_space(struct task *caller, mach_port_name_t task_name,
				     struct task **task)
{
	return task_lookup(caller->space, task_name, false, task);
}

kern_return_t port_allocate(struct ipc_space *space, mach_port_right_t right,
			    mach_port_name_t *name)
{
	struct ipc_entry *e;
	struct port *p = NULL;
	kern_return_t kr;
	uint64_t f;

	if (right != MACH_PORT_RIGHT_RECEIVE && right != MACH_PORT_RIGHT_PORT_SET &&
	    right != MACH_PORT_RIGHT_DEAD_NAME)
		return KERN_INVALID_VALUE;
	f = spin_lock(&ipc_lock);
	kr = ipc_entry_alloc(space, MACH_PORT_NULL, &e);
	if (kr == KERN_SUCCESS && right != MACH_PORT_RIGHT_DEAD_NAME) {
		p = port_alloc_charged(right == MACH_PORT_RIGHT_PORT_SET, space->ledger);
		if (!p) {
			ipc_entry_free(e);
			kr = KERN_RESOURCE_SHORTAGE;
		}
	}
	if (kr == KERN_SUCCESS) {
		if (p) {
			ipc_entry_set_port(e, p);
			p->receiver = space;
			p->receiver_name = e->name;
		}
		e->type = right == MACH_PORT_RIGHT_RECEIVE ? MACH_PORT_TYPE_RECEIVE :
			  right == MACH_PORT_RIGHT_PORT_SET ? MACH_PORT_TYPE_PORT_SET :
			  MACH_PORT_TYPE_DEAD_NAME;
		e->urefs = right == MACH_PORT_RIGHT_DEAD_NAME;
		*name = e->name;
	}
	spin_unlock(&ipc_lock, f);
	return kr;
}

kern_return_t port_destroy_name(struct ipc_space *space, mach_port_name_t name)
{
	uint64_t f = spin_lock(&ipc_lock);
	struct ipc_entry *e = ipc_entry_lookup(space, name);

	if (e)
		ipc_right_drop_entry(e);
	spin_unlock(&ipc_lock, f);
	return e ? KERN_SUCCESS : KERN_INVALID_NAME;
}

/* Change the user references of one right at e by delta (ipc_lock held). */
static kern_return_t port_mod_refs_locked(struct ipc_entry *e, mach_port_right_t right,
					  int delta)
{
	static const uint32_t bit[] = {
		[MACH_PORT_RIGHT_SEND] = MACH_PORT_TYPE_SEND,
		[MACH_PORT_RIGHT_RECEIVE] = MACH_PORT_TYPE_RECEIVE,
		[MACH_PORT_RIGHT_SEND_ONCE] = MACH_PORT_TYPE_SEND_ONCE,
		[MACH_PORT_RIGHT_PORT_SET] = MACH_PORT_TYPE_PORT_SET,
		[MACH_PORT_RIGHT_DEAD_NAME] = MACH_PORT_TYPE_DEAD_NAME,
	};
	bool counted = right == MACH_PORT_RIGHT_SEND || right == MACH_PORT_RIGHT_DEAD_NAME;

	if (right > MACH_PORT_RIGHT_DEAD_NAME)
		return KERN_INVALID_VALUE;
	if (!(e->type & bit[right]))
		return delta == 0 ? KERN_SUCCESS : KERN_INVALID_RIGHT;
	if (delta == 0)
		return KERN_SUCCESS;
	if (!counted) {                             /* receive, send-once, set: only -1 */
		if (delta != -1)
			return KERN_INVALID_VALUE;
		if (right == MACH_PORT_RIGHT_SEND_ONCE)
			ipc_right_drop_entry(e);
		else
			port_destroy(e->port);           /* the name stays for send rights */
		return KERN_SUCCESS;
	}
	if (delta < 0 && (uint32_t)-delta > e->urefs)
		return KERN_INVALID_VALUE;
	if (delta > 0 && e->urefs + (uint32_t)delta > MACH_PORT_UREFS_MAX)
		return KERN_UREFS_OVERFLOW;
	e->urefs += delta;
	if (right == MACH_PORT_RIGHT_DEAD_NAME) {
		if (e->urefs == 0)
			ipc_entry_free(e);
	} else if (delta > 0) {
		e->port->srights += (uint32_t)delta;
	} else {
		struct port *p = e->port;

		port_ref(p);                           /* the name may go before the notice */
		p->srights -= (uint32_t)-delta - 1;
		if (e->urefs == 0) {
			e->type &= ~MACH_PORT_TYPE_SEND;
			if (e->type == 0)
				ipc_entry_free(e);
		}
		port_send_right_drop(p);
		port_release(p);
	}
	return KERN_SUCCESS;
}

kern_return_t port_mod_refs(struct ipc_space *space, mach_port_name_t name,
			    mach_port_right_t right, int delta)
{
	uint64_t f = spin_lock(&ipc_lock);
	struct ipc_entry *e = ipc_entry_lookup(space, name);
	kern_return_t kr = e ? port_mod_refs_locked(e, right, delta) : KERN_INVALID_NAME;

	spin_unlock(&ipc_lock, f);
	return kr;
}

/* Drop one user reference of a send, send-once or dead-name right. */
kern_return_t port_deallocate(struct ipc_space *space, mach_port_name_t name)
{
	uint64_t f = spin_lock(&ipc_lock);
	struct ipc_entry *e = ipc_entry_lookup(space, name);
	kern_return_t kr = KERN_INVALID_NAME;

	if (e) {
		mach_port_right_t r = (e->type & MACH_PORT_TYPE_SEND) ? MACH_PORT_RIGHT_SEND :
				      (e->type & MACH_PORT_TYPE_SEND_ONCE) ? MACH_PORT_RIGHT_SEND_ONCE :
				      (e->type & MACH_PORT_TYPE_DEAD_NAME) ? MACH_PORT_RIGHT_DEAD_NAME :
				      MACH_PORT_RIGHT_RECEIVE;

		kr = r == MACH_PORT_RIGHT_RECEIVE ? KERN_INVALID_RIGHT :
		     port_mod_refs_locked(e, r, -1);
	}
	spin_unlock(&ipc_lock, f);
	return kr;
}

kern_return_t port_type(struct ipc_space *space, mach_port_name_t name, mach_port_type_t *type)
{
	uint64_t f = spin_lock(&ipc_lock);
	struct ipc_entry *e = ipc_entry_lookup(space, name);

	if (e)
		*type = e->type;
	spin_unlock(&ipc_lock, f);
	return e ? KERN_SUCCESS : KERN_INVALID_NAME;
}

/* Give to's space the caller's right poly (per disposition) under name (0: any). */
kern_return_t port_transfer(struct ipc_space *from, mach_port_name_t poly, int disposition,
			    struct ipc_space *to, mach_port_name_t name, mach_port_name_t *out)
{
	int type = msg_disposition_type(disposition);
	uint64_t f = spin_lock(&ipc_lock);
	struct ipc_entry *existing = name ? ipc_entry_lookup(to, name) : NULL;
	struct ipc_entry *pe = ipc_entry_lookup(from, poly);
	kern_return_t kr = KERN_SUCCESS;
	struct port *p;

	if (type == MSG_RIGHT_NONE)
		kr = KERN_INVALID_VALUE;
	else if (!pe)
		kr = KERN_INVALID_NAME;
	else if (!ipc_right_valid(from, poly, disposition, NULL, false))
		kr = KERN_INVALID_RIGHT;
	else if (!to->active)
		kr = KERN_TERMINATED;
	else if (existing && (type == MSG_RIGHT_SEND_ONCE || existing->port != pe->port))
		kr = KERN_NAME_EXISTS;
	if (kr != KERN_SUCCESS) {
		spin_unlock(&ipc_lock, f);
		return kr;
	}
	p = ipc_right_take(from, poly, disposition, NULL);
	*out = ipc_right_insert(to, p, type, name);
	spin_unlock(&ipc_lock, f);
	return *out ? KERN_SUCCESS : KERN_RESOURCE_SHORTAGE;
}

kern_return_t port_set_qlimit(struct ipc_space *space, mach_port_name_t name, uint32_t qlimit)
{
	uint64_t f = spin_lock(&ipc_lock);
	struct ipc_entry *e = ipc_entry_lookup(space, name);
	kern_return_t kr = !e ? KERN_INVALID_NAME :
			   !(e->type & MACH_PORT_TYPE_RECEIVE) ? KERN_INVALID_RIGHT :
			   qlimit > MACH_PORT_QLIMIT_MAX ? KERN_INVALID_VALUE : KERN_SUCCESS;

	if (kr == KERN_SUCCESS) {
		e->port->qlimit = qlimit;
		ipc_wakeup_all(&e->port->senders);
	}
	spin_unlock(&ipc_lock, f);
	return kr;
}

/* Arrange a notification about name, sent to a send-once right made from notify. */
kern_return_t port_request_notification(struct ipc_space *space, mach_port_name_t name,
					int variant, mach_port_name_t notify)
{
	uint64_t f = spin_lock(&ipc_lock);
	struct ipc_entry *e = ipc_entry_lookup(space, name);
	struct ipc_entry *ne = ipc_entry_lookup(space, notify);
	kern_return_t kr = KERN_SUCCESS;
	struct port *so, **slot = NULL;

	if (!e || !ne)
		kr = KERN_INVALID_NAME;
	else if (!(ne->type & MACH_PORT_TYPE_RECEIVE))
		kr = KERN_INVALID_RIGHT;
	else if (variant == MACH_NOTIFY_DEAD_NAME)
		kr = e->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE |
				MACH_PORT_TYPE_DEAD_NAME) ? KERN_SUCCESS : KERN_INVALID_RIGHT;
	else if (variant == MACH_NOTIFY_NO_SENDERS)
		kr = e->type & MACH_PORT_TYPE_RECEIVE ? KERN_SUCCESS : KERN_INVALID_RIGHT;
	else
		kr = KERN_INVALID_VALUE;
	if (kr != KERN_SUCCESS) {
		spin_unlock(&ipc_lock, f);
		return kr;
	}
	so = ne->port;
	port_ref(so);
	port_sonce_right_add(so);
	if (e->type & MACH_PORT_TYPE_DEAD_NAME) {      /* already dead: tell at once, at the caller's cost */
		if (!notify_send(so, MACH_NOTIFY_DEAD_NAME, name, space->ledger))
			kr = KERN_RESOURCE_SHORTAGE;
	} else {
		slot = variant == MACH_NOTIFY_DEAD_NAME ? &e->dnrequest : &e->port->nsrequest;
		if (*slot)
			port_sonce_right_drop(*slot, false);
		*slot = so;
	}
	spin_unlock(&ipc_lock, f);
	return kr;
}

kern_return_t port_get_attributes(struct ipc_space *space, mach_port_name_t name,
				  struct mach_port_status *st)
{
	uint64_t f = spin_lock(&ipc_lock);
	struct ipc_entry *e = ipc_entry_lookup(space, name);
	kern_return_t kr = !e ? KERN_INVALID_NAME :
			   !(e->type & MACH_PORT_TYPE_RECEIVE) ? KERN_INVALID_RIGHT : KERN_SUCCESS;

	if (kr == KERN_SUCCESS) {
		struct port *p = e->port;

		*st = (struct mach_port_status){
			.msgcount = p->msgcount, .qlimit = p->qlimit, .srights = p->srights,
			.sorights = p->sorights,
			.set_name = p->set && p->set->receiver == space ? p->set->receiver_name : 0,
		};
	}
	spin_unlock(&ipc_lock, f);
	return kr;
}

kern_return_t port_trap_task(struct task *caller, mach_port_name_t task_name, struct task **task)
{
	return port_trap_space(caller, task_name, task);
}

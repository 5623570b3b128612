/*
 * kernel_check.c — the kernel's consistency walk (MK_TRAP_KERNEL_CHECK).
 *
 * Walks every active IPC space (ipc_space_all), every port (port_all), the
 * messages queued on them and the address maps of the spaces' tasks, and
 * checks that the counts the IPC and VM code keep agree with what is
 * actually there:
 *   - every entry sits at its own name in its own space, with sane rights
 *     (send and dead names have user references, send-once exactly one),
 *     and is on its port's holders list (and every holder is an entry);
 *   - every port's msgcount is its queue's length (a set's, the messages
 *     queued on its members), each queued message is
 *     addressed to it, and its right counts and references are at least
 *     what the spaces, messages and notification requests hold (the kernel
 *     holds more: kernel objects, pagers, messages on their way);
 *   - a receive right's port points back at its entry, port-set membership
 *     is symmetric, and a set's count of its members' messages is right;
 *   - map entries are sorted, disjoint, page-aligned and counted, and each
 *     object reached from them (shadow chains included) is referenced.
 * Everything walked is charged to some ledger, so the walk is bounded. It
 * runs under ipc_lock, then each map's lock and vm_lock (the lock order).
 */
#include "kern/kernel_check.h"
#include "kern/ipc_space.h"
#include "kern/msg.h"
#include "kern/port.h"
#include "kern/task.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "vm/vm_map.h"
#include "vm/vm_object.h"
#include "param.h"

#define CHECK_SHADOW_DEPTH_MAX 4096   /* a longer shadow chain is taken for a loop */

/* Record one inconsistency (the first one in words); false, for `return check_fail(...)`. */
static bool check_fail(struct kernel_check_info *info, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static bool check_fail(struct kernel_check_info *info, const char *fmt, ...)
{
	va_list ap;

	if (info->errors++)
		return false;
	va_start(ap, fmt);
	vsnprintf(info->first_error, sizeof(info->first_error), fmt, ap);
	va_end(ap);
	return false;
}

/* Is e on p's holders list? */
static bool check_holds(struct port *p, struct ipc_entry *e)
{
	list_for_each(l, &p->holders)
		if (list_entry(l, struct ipc_entry, port_link) == e)
			return true;
	return false;
}

/* Clear every port's tallies and count the ports. */
static void check_ports_reset(struct kernel_check_info *info)
{
	list_for_each(l, &port_all) {
		struct port *p = list_entry(l, struct port, all_link);

		p->check_send = p->check_sonce = p->check_refs = 0;
		info->ports++;
	}
}

/* Tally one right held somewhere (an entry, a message, a request) to p. */
static void check_tally(struct port *p, enum msg_right_type type, uint32_t urefs)
{
	if (!p)
		return;
	p->check_refs++;
	if (type == MSG_RIGHT_SEND)
		p->check_send += urefs;
	else if (type == MSG_RIGHT_SEND_ONCE)
		p->check_sonce++;
}

/* One entry of space at name n: where it sits, its rights, its port's view of it. */
static bool check_entry(struct kernel_check_info *info, struct ipc_space *space, uint32_t n,
			struct ipc_entry *e)
{
	struct port *p = e->port;
	uint32_t t = e->type;

	info->entries++;
	if (e->name != n || e->space != space)
		return check_fail(info, "entry at name %u says name %u in another space: %d",
				  n, e->name, e->space != space);
	if (t == 0 || (t & ~(MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND_ONCE |
			     MACH_PORT_TYPE_PORT_SET | MACH_PORT_TYPE_DEAD_NAME)))
		return check_fail(info, "name %u has type bits 0x%x", n, t);
	if ((t & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DEAD_NAME)) && e->urefs == 0)
		return check_fail(info, "name %u (type 0x%x) has no user references", n, t);
	if ((t & MACH_PORT_TYPE_SEND_ONCE) && e->urefs != 1)
		return check_fail(info, "send-once name %u has %u user references", n, e->urefs);
	if (e->dnrequest)
		check_tally(e->dnrequest, MSG_RIGHT_SEND_ONCE, 1);
	if (t & MACH_PORT_TYPE_DEAD_NAME)
		return p ? check_fail(info, "dead name %u still names a port", n) : true;
	if (!p)
		return check_fail(info, "name %u (type 0x%x) names no port", n, t);
	if (!check_holds(p, e))
		return check_fail(info, "name %u is not on its port's holders list", n);
	check_tally(p, (t & MACH_PORT_TYPE_SEND) ? MSG_RIGHT_SEND :
		       (t & MACH_PORT_TYPE_SEND_ONCE) ? MSG_RIGHT_SEND_ONCE : MSG_RIGHT_NONE, e->urefs);
	if ((t & MACH_PORT_TYPE_RECEIVE) && (p->receiver != space || p->receiver_name != n))
		return check_fail(info, "receive right at name %u: port's receiver is name %u of %s",
				  n, p->receiver_name, p->receiver == space ? "this space" : "another");
	if (!!(t & MACH_PORT_TYPE_PORT_SET) != p->is_set)
		return check_fail(info, "name %u: port-set type and port disagree", n);
	if ((t & (MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_PORT_SET)) && !p->active)
		return check_fail(info, "name %u holds the receive right of a dead port", n);
	return true;
}

/* Every name of one space; entries must match the table. */
static void check_space(struct kernel_check_info *info, struct ipc_space *space)
{
	uint32_t used = 0;

	info->spaces++;
	for (uint32_t n = 1; n < space->capacity; n++) {
		struct ipc_entry *e = space->slots[n].entry;

		if (e) {
			used++;
			check_entry(info, space, n, e);
		}
	}
	if (used != space->entries)
		check_fail(info, "space of task '%s' counts %u names, holds %u",
			   space->task ? space->task->name : "kernel", space->entries, used);
}

/* One queued message on p: addressed to p, and the rights it carries tallied. */
static bool check_kmsg(struct kernel_check_info *info, struct port *p, struct kmsg *m)
{
	info->messages++;
	if (m->dest != p)
		return check_fail(info, "message id %d queued on a port it is not addressed to",
				  m->hdr ? m->hdr->id : 0);
	check_tally(m->dest, m->dest_type, 1);
	check_tally(m->reply, m->reply_type, 1);
	for (uint32_t i = 0; i < m->nrights; i++) {
		struct port *r = m->rights[i].port;

		check_tally(r, m->rights[i].type, 1);
		if (r && m->rights[i].type == MSG_RIGHT_RECEIVE && r->receiver)
			return check_fail(info, "a receive right in transit has a receiver (name %u)",
				   r->receiver_name);
	}
	return true;
}

/* p's queue and its holders list. */
static bool check_port_queue(struct kernel_check_info *info, struct port *p)
{
	uint32_t n = 0;

	list_for_each(l, &p->messages) {
		n++;
		check_kmsg(info, p, list_entry(l, struct kmsg, link));
	}
	if (!p->is_set && n != p->msgcount)           /* a set's is checked in check_port */
		return check_fail(info, "port counts %u messages, queues %u", p->msgcount, n);
	if (p->nsrequest)
		check_tally(p->nsrequest, MSG_RIGHT_SEND_ONCE, 1);
	list_for_each(l, &p->holders) {
		struct ipc_entry *e = list_entry(l, struct ipc_entry, port_link);
		struct ipc_space *s = e->space;

		if (e->port != p || !s || e->name >= s->capacity || s->slots[e->name].entry != e)
			return check_fail(info, "a holder of a port is not the entry at its name %u",
					  e->name);
	}
	return true;
}

/* p's counts against the tallies, its receiver and its set. */
static bool check_port_counts(struct kernel_check_info *info, struct port *p)
{
	if (p->srights < p->check_send)
		return check_fail(info, "port (receiver name %u) counts %u send rights, %u found",
				  p->receiver_name, p->srights, p->check_send);
	if (p->sorights < p->check_sonce)
		return check_fail(info, "port (receiver name %u) counts %u send-once rights, %u found",
				  p->receiver_name, p->sorights, p->check_sonce);
	if (p->refs < p->check_refs)
		return check_fail(info, "port (receiver name %u) has %u references, %u holders",
				  p->receiver_name, p->refs, p->check_refs);
	if (!p->active && (!list_empty(&p->holders) || p->msgcount))
		return check_fail(info, "a dead port still has names or messages");
	if (p->receiver && p->receiver != ipc_space_kernel && p->active) {
		struct ipc_entry *e = ipc_entry_lookup(p->receiver, p->receiver_name);

		if (!e || e->port != p || !(e->type & (MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_PORT_SET)))
			return check_fail(info, "port's receive right is not at its receiver_name %u",
					  p->receiver_name);
	}
	if (p->set && (!p->set->is_set || list_empty(&p->set_link)))
		return check_fail(info, "a port's set is not a set holding it");
	if (p->is_set) {
		uint32_t queued = 0;

		if (!list_empty(&p->messages))
			return check_fail(info, "a port set has a queue of its own");
		list_for_each(l, &p->members) {
			struct port *member = list_entry(l, struct port, set_link);

			if (member->set != p)
				return check_fail(info, "a member of a set names another set");
			queued += member->msgcount;
		}
		if (queued != p->msgcount)
			return check_fail(info, "a port set counts %u messages on its members, "
					  "they queue %u", p->msgcount, queued);
	}
	return true;
}

/* One object and its shadow chain: referenced, not looping. */
static bool check_object(struct kernel_check_info *info, struct vm_object *obj)
{
	for (uint32_t depth = 0; obj; obj = obj->shadow, depth++) {
		info->objects++;
		if (obj->refs == 0)
			return check_fail(info, "object %lu is mapped with no references",
					  (unsigned long)obj->id);
		if (depth > CHECK_SHADOW_DEPTH_MAX)
			return check_fail(info, "a shadow chain is longer than %u",
					  CHECK_SHADOW_DEPTH_MAX);
	}
	return true;
}

/* A task's map: sorted, disjoint, aligned, counted entries over referenced objects. */
static void check_map(struct kernel_check_info *info, const char *task, struct vm_map *map)
{
	uint64_t f = spin_lock(&map->lock);
	vm_address_t prev_end = map->min;
	size_t n = 0;

	spin_lock(&vm_lock);
	list_for_each(l, &map->entries) {
		struct vm_map_entry *e = list_entry(l, struct vm_map_entry, link);

		n++;
		if (e->start >= e->end || ((e->start | e->end) & (PAGE_SIZE - 1)) ||
		    e->start < prev_end || e->end > map->max) {
			check_fail(info, "task '%s': map entry [0x%lx, 0x%lx) after 0x%lx is out of order",
				   task, e->start, e->end, prev_end);
			break;
		}
		prev_end = e->end;
		check_object(info, e->object);
	}
	if (n != map->nentries)
		check_fail(info, "task '%s': map counts %lu entries, holds %lu", task,
			   (unsigned long)map->nentries, (unsigned long)n);
	spin_unlock(&vm_lock, 0);
	spin_unlock(&map->lock, f);
}

/* Walk everything; KERN_FAILURE and the first inconsistency in info if any count disagrees. */
kern_return_t kernel_check(struct kernel_check_info *info)
{
	uint64_t f = spin_lock(&ipc_lock);

	memset(info, 0, sizeof(*info));
	check_ports_reset(info);
	list_for_each(l, &ipc_space_all)
		check_space(info, list_entry(l, struct ipc_space, all_link));
	list_for_each(l, &port_all)
		check_port_queue(info, list_entry(l, struct port, all_link));
	list_for_each(l, &port_all)
		check_port_counts(info, list_entry(l, struct port, all_link));
	list_for_each(l, &ipc_space_all) {
		struct ipc_space *space = list_entry(l, struct ipc_space, all_link);

		if (space->task && space->task->map)
			check_map(info, space->task->name, space->task->map);
	}
	spin_unlock(&ipc_lock, f);
	return info->errors ? KERN_FAILURE : KERN_SUCCESS;
}

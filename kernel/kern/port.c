/*
 * port.c — port lifetime, message queues, right counts and port death.
 *
 * A port lives while anything references it (refs); its receive right can
 * die earlier (port_destroy): then queued messages are destroyed, every
 * send and send-once right in every space becomes a dead name (with a
 * dead-name notification where one was requested), and blocked senders and
 * receivers wake with an error.
 */
#include "kern/port.h"
#include "kern/ipc_space.h"
#include "kern/kobject.h"
#include "kern/kprintf.h"
#include "kern/ledger.h"
#include "kern/msg.h"
#include "kern/notify.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "kern/zalloc.h"

spinlock_t ipc_lock = SPINLOCK_INIT;
struct list port_all = LIST_INIT(port_all);

static struct zone port_zone;
static uint32_t ports_alive;

void port_init(void)
{
	zone_init(&port_zone, "port", sizeof(struct port));
}

uint32_t port_count(void)
{
	return ports_alive;
}

struct port *port_alloc(bool is_set)
{
	struct port *p = zalloc(&port_zone);

	if (!p)
		return NULL;
	p->active = true;
	p->is_set = is_set;
	p->refs = 1;
	p->qlimit = MACH_PORT_QLIMIT_DEFAULT;
	list_init(&p->holders);
	list_init(&p->messages);
	list_init(&p->set_link);
	list_init(&p->members);
	waitq_init(&p->senders);
	waitq_init(&p->receivers);
	ports_alive++;
	list_push_back(&port_all, &p->all_link);
	return p;
}

/* A port charged to ledger (LEDGER_PORTS) until it is freed; NULL if memory or the ledger is short. */
struct port *port_alloc_charged(bool is_set, struct ledger *ledger)
{
	struct port *p;

	if (ledger_charge(ledger, LEDGER_PORTS, 1) != KERN_SUCCESS)
		return NULL;
	p = port_alloc(is_set);
	if (p)
		p->ledger = ledger;
	else
		ledger_credit(ledger, LEDGER_PORTS, 1);
	return p;
}

void port_ref(struct port *p)
{
	p->refs++;
}

void port_release(struct port *p)
{
	assert(p->refs > 0);
	if (--p->refs)
		return;
	assert(!p->active || !p->receiver);
	assert(list_empty(&p->messages) && list_empty(&p->holders));
	ports_alive--;
	list_unlink(&p->all_link);
	ledger_credit(p->ledger, LEDGER_PORTS, 1);
	zfree(&port_zone, p);
}

bool port_queue_full(const struct port *p)
{
	return p->msgcount >= p->qlimit;
}

/* Queue m on p and wake a receiver waiting on p or on its set. */
void port_enqueue(struct port *p, struct kmsg *m)
{
	list_push_back(&p->messages, &m->link);
	p->msgcount++;
	if (p->set)
		p->set->msgcount++;
	ipc_wakeup_one(&p->receivers);
	if (p->set)
		ipc_wakeup_one(&p->set->receivers);
}

/* Dequeue p's first message if it fits in max bytes (else leave it and say so). */
struct kmsg *port_dequeue_fits(struct port *p, uint32_t max, bool *too_large)
{
	struct kmsg *m;

	*too_large = false;
	if (list_empty(&p->messages))
		return NULL;
	m = list_entry(p->messages.next, struct kmsg, link);
	if (m->size > max) {
		*too_large = true;
		return NULL;
	}
	list_unlink(&m->link);
	p->msgcount--;
	if (p->set)
		p->set->msgcount--;
	ipc_wakeup_one(&p->senders);
	return m;
}

void port_send_right_add(struct port *p)
{
	p->srights++;
}

/* The last send right gone: a no-senders notification, or a kernel object's end. */
void port_send_right_drop(struct port *p)
{
	assert(p->srights > 0);
	--p->srights;
	if (p->kotype == KOT_TASK && p->active)
		kobject_send_right_gone(p);
	if (p->srights || !p->active)
		return;
	if (p->nsrequest) {
		struct port *ns = p->nsrequest;

		p->nsrequest = NULL;
		notify_send(ns, MACH_NOTIFY_NO_SENDERS, p->receiver_name, NULL);
	}
	if (p->kotype != KOT_NONE)
		kobject_no_senders(p);
}

void port_sonce_right_add(struct port *p)
{
	p->sorights++;
}

/*
 * A send-once right ends, with the reference that came with it: used, or
 * destroyed unused, which sends MACH_NOTIFY_SEND_ONCE through the right.
 */
void port_sonce_right_drop(struct port *p, bool used)
{
	if (!used && p->active && !p->is_set && p->kotype == KOT_NONE) {
		notify_send(p, MACH_NOTIFY_SEND_ONCE, 0, current_ledger());   /* the right travels on */
		return;
	}
	assert(p->sorights > 0);
	p->sorights--;
	port_release(p);
}

/* Every entry naming p becomes a dead name (receive entries lose their right). */
static void port_kill_names(struct port *p)
{
	list_for_each_safe(l, &p->holders) {
		struct ipc_entry *e = list_entry(l, struct ipc_entry, port_link);

		if (e->type & MACH_PORT_TYPE_SEND_ONCE)
			p->sorights--;
		if (e->type & MACH_PORT_TYPE_SEND)
			p->srights -= e->urefs;
		if (e->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE)) {
			struct port *dn = e->dnrequest;

			ipc_entry_make_dead(e);
			if (dn)
				notify_send(dn, MACH_NOTIFY_DEAD_NAME, e->name, NULL);
		} else {
			ipc_entry_free(e);
		}
	}
}

/* The receive right of p dies (ipc_lock held; the caller drops its entry's ref). */
void port_destroy(struct port *p)
{
	if (!p->active)
		return;
	p->active = false;
	port_ref(p);                       /* keep p while its pieces go */
	port_set_remove(p);
	port_set_empty(p);
	list_for_each_safe(l, &p->messages) {
		struct kmsg *m = list_entry(l, struct kmsg, link);

		list_unlink(&m->link);
		p->msgcount--;
		kmsg_destroy(m);
	}
	port_kill_names(p);
	if (p->nsrequest) {
		struct port *ns = p->nsrequest;

		p->nsrequest = NULL;
		port_sonce_right_drop(ns, false);
	}
	p->receiver = NULL;
	p->transit_dest = NULL;
	ipc_wakeup_all(&p->senders);
	port_wake_receivers(p, MACH_RCV_PORT_DIED);
	kobject_port_destroyed(p);
	port_release(p);
}

/* ---- blocking under ipc_lock ---- */

int ipc_wait(struct waitq *wq, uint64_t timeout_ticks, uint64_t f)
{
	int r;

	spin_lock(&sched_lock);
	spin_unlock(&ipc_lock, 0);
	r = sched_wait_locked(wq, timeout_ticks);
	spin_unlock(&sched_lock, f);
	return r;
}

void ipc_wakeup_one(struct waitq *wq)
{
	if (list_empty(&wq->threads))
		return;
	spin_lock(&sched_lock);
	waitq_wakeup_one_locked(wq, WAIT_AWAKENED);
	spin_unlock(&sched_lock, 0);
}

/*
 * Wake every thread blocked receiving on p because the right is gone, telling
 * each why (fast-path callers wait without a reference to p and cannot look).
 */
void port_wake_receivers(struct port *p, mach_msg_return_t why)
{
	spin_lock(&sched_lock);
	list_for_each(l, &p->receivers.threads)
		list_entry(l, struct thread, sched_link)->ipc.gone = why;
	waitq_wakeup_all_locked(&p->receivers, WAIT_AWAKENED);
	spin_unlock(&sched_lock, 0);
}

void ipc_wakeup_all(struct waitq *wq)
{
	if (list_empty(&wq->threads))
		return;
	spin_lock(&sched_lock);
	waitq_wakeup_all_locked(wq, WAIT_AWAKENED);
	spin_unlock(&sched_lock, 0);
}

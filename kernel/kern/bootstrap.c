/*
 * bootstrap.c — the bootstrap name service: a kernel thread receiving on
 * the bootstrap port, which every task holds a send right to at
 * MACH_PORT_BOOTSTRAP. Servers register a send right under a name; clients
 * look names up and get a copy of the right (protocol in
 * include/mach/kobject.h). It is an ordinary IPC receiver: it shows that
 * kernel threads send and receive through the same ports as tasks.
 *
 * The table is shared, so no ledger may fill it: a registration remembers
 * the ledger that paid for the REGISTER message, each ledger may hold
 * BOOTSTRAP_NAMES_PER_LEDGER names, and the last BOOTSTRAP_NAMES_RESERVE
 * slots are for privileged ledgers (and the kernel's) only. A name whose
 * server died (its port destroyed, or a task or thread port whose object
 * ended) is forgotten before every request, so dead servers hold no slot.
 * Being a kernel thread, the service itself cannot be killed by a task.
 * Names under BOOTSTRAP_PRIVILEGED_PREFIX are for privileged ledgers only.
 */
#include "kern/bootstrap.h"
#include "kern/ipc_space.h"
#include "kern/kobject.h"
#include "kern/kprintf.h"
#include "kern/ledger.h"
#include "kern/msg.h"
#include "kern/thread.h"
#include "lib/string.h"
#include <mach/kobject.h>
#include <mach/traps.h>

struct bootstrap_name {
	char name[BOOTSTRAP_NAME_MAX];
	struct port *port;            /* a send right the service holds (NULL: free slot) */
	struct ledger *ledger;        /* who registered it (referenced; NULL: the kernel) */
};

static struct port *bootstrap_port;
static struct bootstrap_name names[BOOTSTRAP_NAMES_MAX];

struct port *bootstrap_port_get(void)
{
	return bootstrap_port;
}

/* The request's name: its first item, INLINE chars, NUL-terminated. */
static const char *bootstrap_request_name(struct kmsg *m)
{
	struct mach_msg_type *t = (struct mach_msg_type *)(m->hdr + 1);
	const char *s = (const char *)(t + 1);

	if (!(m->hdr->bits & MACH_MSGH_BITS_COMPLEX) || m->size < sizeof(*m->hdr) + sizeof(*t) ||
	    t->kind != MACH_MSG_TYPE_INLINE || t->elem_size != 1 || t->count == 0 ||
	    t->count > BOOTSTRAP_NAME_MAX || s[t->count - 1] != 0)
		return NULL;
	return s;
}

/* The server behind p is gone: the port is destroyed, or its task or thread ended. */
static bool bootstrap_port_dead(const struct port *p)
{
	return !p->active || p->kobject_dead;
}

/* Forget every name whose server died, freeing its slot (ipc_lock held). */
static void bootstrap_reap(void)
{
	for (int i = 0; i < BOOTSTRAP_NAMES_MAX; i++) {
		struct bootstrap_name *b = &names[i];
		struct msg_right r = { .port = b->port, .type = MSG_RIGHT_SEND };

		if (!b->port || !bootstrap_port_dead(b->port))
			continue;
		msg_right_destroy(&r);                 /* may end a dead task's port */
		b->port = NULL;
		if (b->ledger)
			ledger_release(b->ledger);
		b->ledger = NULL;
	}
}

/* The live registration of name, or NULL (after bootstrap_reap: no dead ones left). */
static struct bootstrap_name *bootstrap_find(const char *name)
{
	for (int i = 0; i < BOOTSTRAP_NAMES_MAX; i++)
		if (names[i].port && strcmp(names[i].name, name) == 0)
			return &names[i];
	return NULL;
}

/* Slots in use in all, and those registered through ledger l. */
static void bootstrap_count(const struct ledger *l, int *used, int *mine)
{
	*used = *mine = 0;
	for (int i = 0; i < BOOTSTRAP_NAMES_MAX; i++) {
		if (!names[i].port)
			continue;
		(*used)++;
		*mine += names[i].ledger == l;
	}
}

/*
 * May ledger l (NULL: the kernel, unbounded) register one more name? Each
 * ledger holds at most BOOTSTRAP_NAMES_PER_LEDGER, and unprivileged ones may
 * not take the last BOOTSTRAP_NAMES_RESERVE slots: KERN_RESOURCE_SHORTAGE.
 * A table full to the last slot is KERN_NO_SPACE.
 */
static kern_return_t bootstrap_may_register(const struct ledger *l)
{
	int used, mine;

	bootstrap_count(l, &used, &mine);
	if (l && mine >= BOOTSTRAP_NAMES_PER_LEDGER)
		return KERN_RESOURCE_SHORTAGE;
	if (l && !l->privileged && used >= BOOTSTRAP_NAMES_MAX - BOOTSTRAP_NAMES_RESERVE)
		return KERN_RESOURCE_SHORTAGE;
	return used < BOOTSTRAP_NAMES_MAX ? KERN_SUCCESS : KERN_NO_SPACE;
}

/* Keep the request's send right under name, charged to the request's ledger. */
static kern_return_t bootstrap_register(struct kmsg *m, const char *name)
{
	struct bootstrap_name *free_slot = NULL;
	kern_return_t kr;

	if (m->nrights != 1 || m->rights[0].type != MSG_RIGHT_SEND || !m->rights[0].port)
		return KERN_INVALID_ARGUMENT;
	if (bootstrap_find(name))
		return KERN_NAME_EXISTS;
	if ((kr = bootstrap_may_register(m->ledger)) != KERN_SUCCESS)
		return kr;
	for (int i = 0; i < BOOTSTRAP_NAMES_MAX && !free_slot; i++)
		if (!names[i].port)
			free_slot = &names[i];
	strncpy_z(free_slot->name, name, sizeof(free_slot->name));
	free_slot->port = m->rights[0].port;       /* the service keeps the right */
	m->rights[0].port = NULL;
	free_slot->ledger = m->ledger;
	if (m->ledger)
		ledger_ref(m->ledger);
	return KERN_SUCCESS;
}

/*
 * Names under BOOTSTRAP_PRIVILEGED_PREFIX are registered and looked up only
 * by privileged ledgers (and the kernel): such a name may carry a right that
 * controls the system (the default pager's task port).
 */
static bool bootstrap_name_allowed(const struct kmsg *m, const char *name)
{
	size_t n = sizeof(BOOTSTRAP_PRIVILEGED_PREFIX) - 1;

	return strncmp(name, BOOTSTRAP_PRIVILEGED_PREFIX, n) != 0 || !m->ledger ||
	       m->ledger->privileged;
}

/* Handle one request (ipc_lock held) and answer on its reply right. */
static void bootstrap_serve(struct kmsg *m)
{
	const char *name = bootstrap_request_name(m);
	struct port *give = NULL;
	uint32_t kr = KERN_INVALID_ARGUMENT;

	bootstrap_reap();
	if (name && !bootstrap_name_allowed(m, name)) {
		kr = KERN_NO_ACCESS;
	} else if (name && m->hdr->id == BOOTSTRAP_REGISTER_ID) {
		kr = bootstrap_register(m, name);
	} else if (name && m->hdr->id == BOOTSTRAP_LOOKUP_ID) {
		struct bootstrap_name *b = bootstrap_find(name);

		kr = b ? KERN_SUCCESS : KERN_NOT_FOUND;
		if (b) {
			give = b->port;
			port_ref(give);
			port_send_right_add(give);
		}
	}
	if (m->reply) {
		struct kmsg *r = kobject_reply_alloc(m, &kr, 1, give);

		if (r)
			ipc_send_kernel(r);
	} else if (give) {
		struct msg_right rr = { .port = give, .type = MSG_RIGHT_SEND };

		msg_right_destroy(&rr);
	}
	kmsg_destroy(m);
}

static void bootstrap_thread(void *arg)
{
	(void)arg;
	for (;;) {
		uint64_t f = spin_lock(&ipc_lock);
		bool too_large;
		struct kmsg *m = port_dequeue_fits(bootstrap_port, ~0u, &too_large);

		if (!m) {
			ipc_wait(&bootstrap_port->receivers, SCHED_NO_TIMEOUT, f);
			continue;
		}
		bootstrap_serve(m);
		spin_unlock(&ipc_lock, f);
	}
}

void bootstrap_init(void)
{
	bootstrap_port = port_alloc(false);
	if (!bootstrap_port || !thread_create_kernel(bootstrap_thread, NULL,
						     MK_THREAD_PRIORITY_DEFAULT))
		panic("cannot start the bootstrap name service");
	bootstrap_port->receiver = ipc_space_kernel;
}

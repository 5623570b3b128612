/*
 * bootstrap.c — the bootstrap name service: a kernel thread receiving on
 * the bootstrap port, which every task holds a send right to at
 * MACH_PORT_BOOTSTRAP. Servers register a send right under a name; clients
 * look names up and get a copy of the right (protocol in
 * include/mach/kobject.h). It is an ordinary IPC receiver: it shows that
 * kernel threads send and receive through the same ports as tasks.
 */
#include "kern/bootstrap.h"
#include "kern/ipc_space.h"
#include "kern/kobject.h"
#include "kern/kprintf.h"
#include "kern/msg.h"
#include "kern/thread.h"
#include "lib/string.h"
#include <mach/kobject.h>
#include <mach/traps.h>

struct bootstrap_name {
	char name[BOOTSTRAP_NAME_MAX];
	struct port *port;            /* a send right the service holds */
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

static struct bootstrap_name *bootstrap_find(const char *name)
{
	for (int i = 0; i < BOOTSTRAP_NAMES_MAX; i++) {
		struct bootstrap_name *b = &names[i];

		if (!b->port)
			continue;
		if (!b->port->active) {                /* its server died: forget it */
			struct msg_right r = { .port = b->port, .type = MSG_RIGHT_SEND };

			msg_right_destroy(&r);
			b->port = NULL;
			continue;
		}
		if (strcmp(b->name, name) == 0)
			return b;
	}
	return NULL;
}

static kern_return_t bootstrap_register(struct kmsg *m, const char *name)
{
	struct bootstrap_name *free_slot = NULL;

	if (m->nrights != 1 || m->rights[0].type != MSG_RIGHT_SEND || !m->rights[0].port)
		return KERN_INVALID_ARGUMENT;
	if (bootstrap_find(name))
		return KERN_NAME_EXISTS;
	for (int i = 0; i < BOOTSTRAP_NAMES_MAX && !free_slot; i++)
		if (!names[i].port)
			free_slot = &names[i];
	if (!free_slot)
		return KERN_NO_SPACE;
	strncpy_z(free_slot->name, name, sizeof(free_slot->name));
	free_slot->port = m->rights[0].port;       /* the service keeps the right */
	m->rights[0].port = NULL;
	return KERN_SUCCESS;
}

/* Handle one request (ipc_lock held) and answer on its reply right. */
static void bootstrap_serve(struct kmsg *m)
{
	const char *name = bootstrap_request_name(m);
	struct port *give = NULL;
	uint32_t kr = KERN_INVALID_ARGUMENT;

	if (name && m->hdr->id == BOOTSTRAP_REGISTER_ID) {
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

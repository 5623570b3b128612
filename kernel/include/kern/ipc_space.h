/*
 * ipc_space.h — a task's IPC space: the table from port names to rights.
 *
 * Names index a table that grows by doubling; free names are kept on a
 * free list, so allocating and freeing a name is O(1), and the smallest
 * recently freed names come back first. A space holds at most one entry
 * per port (its receive and send rights share the name); each send-once
 * right has a name of its own. Everything here needs ipc_lock.
 */
#ifndef KERN_IPC_SPACE_H
#define KERN_IPC_SPACE_H

#include <stdint.h>
#include <mach/kern_return.h>
#include <mach/port.h>
#include "kern/port.h"

struct task;
struct ledger;

struct ipc_slot {
	struct ipc_entry *entry;   /* NULL: free */
	uint32_t next_free;        /* free list link (0 ends it) */
};

struct ipc_space {
	struct task *task;         /* NULL for the kernel's space */
	bool active;
	struct ipc_slot *slots;
	uint32_t capacity;
	uint32_t free_head;        /* first free name, 0 if none */
	uint32_t entries;          /* names in use */
	struct ipc_entry *spare;   /* a freed entry kept for the next allocation */
	struct ledger *ledger;     /* its task's: table slots are charged to it (NULL: not charged) */
	struct list all_link;       /* in ipc_space_all while active (kernel_check.c walks it) */
};

#define IPC_SPACE_NAMES_MAX (1u << 16)   /* names one space may hold (its table: 1 MiB; the ledger bounds it first) */

void ipc_space_init(void);
struct ipc_space *ipc_space_create(struct task *task);
void ipc_space_destroy(struct ipc_space *space);     /* releases every right (takes ipc_lock) */
void ipc_space_free(struct ipc_space *space);
extern struct ipc_space *ipc_space_kernel;
extern struct list ipc_space_all;                   /* every active space (ipc_lock) */

/* The entry named name, or NULL (also for a space that is being destroyed). */
static inline struct ipc_entry *ipc_entry_lookup(struct ipc_space *space, mach_port_name_t name)
{
	if (!space->active || name == MACH_PORT_NULL || name >= space->capacity)
		return NULL;
	return space->slots[name].entry;
}

struct ipc_entry *ipc_entry_for_port(struct ipc_space *space, struct port *p);
kern_return_t ipc_entry_alloc(struct ipc_space *space, mach_port_name_t want,
			      struct ipc_entry **out);
void ipc_entry_free(struct ipc_entry *e);
void ipc_entry_set_port(struct ipc_entry *e, struct port *p);

/* e leaves its port's holders and its name goes back on the free list (the
 * entry itself, its rights and its reference are the caller's). */
static inline void ipc_entry_unname(struct ipc_entry *e)
{
	struct ipc_space *space = e->space;

	list_unlink(&e->port_link);
	space->slots[e->name].entry = NULL;
	space->slots[e->name].next_free = space->free_head;
	space->free_head = e->name;
	space->entries--;
}

/*
 * The RPC fast path's reply right (fastpath.c), without the general
 * machinery: a space can take one at once when it has a free name and a
 * spare entry (it keeps the entry its last freed name had), and a send-once
 * entry with no dead-name request can go at once.
 */
bool ipc_sonce_insert_prepare(struct ipc_space *space);

static inline __attribute__((always_inline)) bool ipc_sonce_insert_ready(struct ipc_space *space)
{
	return (space->active && space->free_head && space->spare) ||
	       ipc_sonce_insert_prepare(space);
}

/* A new send-once right to p in space (ipc_sonce_insert_ready said yes),
 * with the port reference and the right's count it stands for; its name. */
static inline mach_port_name_t ipc_sonce_insert(struct ipc_space *space, struct port *p)
{
	struct ipc_entry *e = space->spare;
	mach_port_name_t name = space->free_head;

	space->spare = NULL;                         /* zeroed when it was kept */
	space->free_head = space->slots[name].next_free;
	space->slots[name].entry = e;
	space->entries++;
	e->space = space;
	e->name = name;
	e->type = MACH_PORT_TYPE_SEND_ONCE;
	e->urefs = 1;
	e->port = p;
	list_push_back(&p->holders, &e->port_link);
	p->refs++;
	p->sorights++;
	return name;
}

/* True when e holds a send-once right and nothing else the fast path
 * would have to notify about (ipc_sonce_remove can take it). */
static inline bool ipc_sonce_removable(const struct ipc_entry *e)
{
	return e->type == MACH_PORT_TYPE_SEND_ONCE && !e->dnrequest;
}

/* The send-once right at e is used up: its name is freed, the right's count
 * and its port reference go. Inline when the entry can become the space's
 * spare and the port keeps other references; ipc_entry_free otherwise. */
static inline void ipc_sonce_remove(struct ipc_entry *e)
{
	struct ipc_space *space = e->space;
	struct port *p = e->port;

	p->sorights--;
	if (!space->active || space->spare || p->refs == 1) {
		e->type = 0;
		ipc_entry_free(e);                   /* drops the reference */
		return;
	}
	p->refs--;
	ipc_entry_unname(e);
	*e = (struct ipc_entry){ 0 };                /* kept zeroed: ipc_sonce_insert's next */
	space->spare = e;
}

#include "kern/ipc_right.h"

#endif

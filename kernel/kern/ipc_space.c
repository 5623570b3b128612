/*
 * ipc_space.c — IPC spaces: names, entries and the rights they hold.
 *
 * Name 0 (MACH_PORT_NULL) is never used. A freed name goes to the front of
 * the free list, so names stay small. The kernel's own space holds the
 * receive rights of kernel-served ports and of ports kernel threads receive
 * on.
 */
#include "kern/ipc_space.h"
#include "kern/kprintf.h"
#include "kern/ledger.h"
#include "kern/task.h"
#include "kern/msg.h"
#include "kern/zalloc.h"
#include "lib/string.h"

#define IPC_SPACE_INITIAL_NAMES 32

static struct zone space_zone;
static struct zone entry_zone;
struct ipc_space *ipc_space_kernel;
struct list ipc_space_all = LIST_INIT(ipc_space_all);

void ipc_space_init(void)
{
	zone_init(&space_zone, "ipc_space", sizeof(struct ipc_space));
	zone_init(&entry_zone, "ipc_entry", sizeof(struct ipc_entry));
	ipc_space_kernel = ipc_space_create(NULL);
	if (!ipc_space_kernel)
		panic("no memory for the kernel's IPC space");
}

/*
 * Keep one freed entry per space for the next allocation: an RPC server
 * frees its reply right's entry and allocates one for the next request,
 * and this saves the zone round trip each time.
 */
static void ipc_entry_recycle(struct ipc_space *space, struct ipc_entry *e)
{
	if (space->active && !space->spare) {
		*e = (struct ipc_entry){ 0 };
		space->spare = e;
		return;
	}
	zfree(&entry_zone, e);
}

/*
 * Double the table and chain the new names onto the free list. The table's
 * slots are what the space's ledger is charged for (LEDGER_NAMES): they
 * bound its entries too, and a name asked for far beyond the names in use
 * cannot make the table big for free.
 */
static kern_return_t ipc_space_grow(struct ipc_space *space)
{
	uint32_t cap = space->capacity ? space->capacity * 2 : IPC_SPACE_INITIAL_NAMES;
	struct ipc_slot *slots;

	if (cap > IPC_SPACE_NAMES_MAX)
		return KERN_NO_SPACE;
	if (ledger_charge(space->ledger, LEDGER_NAMES, cap - space->capacity) != KERN_SUCCESS)
		return KERN_RESOURCE_SHORTAGE;
	slots = kmem_alloc(cap * sizeof(*slots));
	if (!slots) {
		ledger_credit(space->ledger, LEDGER_NAMES, cap - space->capacity);
		return KERN_RESOURCE_SHORTAGE;
	}
	if (space->slots) {
		memcpy(slots, space->slots, space->capacity * sizeof(*slots));
		kmem_free(space->slots, space->capacity * sizeof(*slots));
	}
	for (uint32_t n = cap - 1; n >= (space->capacity ? space->capacity : 1); n--) {
		slots[n].next_free = space->free_head;
		space->free_head = n;
	}
	space->slots = slots;
	space->capacity = cap;
	return KERN_SUCCESS;
}

struct ipc_space *ipc_space_create(struct task *task)
{
	struct ipc_space *space = zalloc(&space_zone);
	uint64_t f;

	if (!space)
		return NULL;
	space->task = task;
	space->ledger = task ? task->ledger : NULL;
	space->active = true;
	if (ipc_space_grow(space) != KERN_SUCCESS) {
		zfree(&space_zone, space);
		return NULL;
	}
	f = spin_lock(&ipc_lock);
	list_push_back(&ipc_space_all, &space->all_link);
	spin_unlock(&ipc_lock, f);
	return space;
}

/* The entry through which space holds p (receive or send rights), if any. */
struct ipc_entry *ipc_entry_for_port(struct ipc_space *space, struct port *p)
{
	list_for_each(l, &p->holders) {
		struct ipc_entry *e = list_entry(l, struct ipc_entry, port_link);

		if (e->space == space && !(e->type & MACH_PORT_TYPE_SEND_ONCE))
			return e;
	}
	return NULL;
}

/* Take the name want (0: any free name) for a new, empty entry. */
kern_return_t ipc_entry_alloc(struct ipc_space *space, mach_port_name_t want,
			      struct ipc_entry **out)
{
	struct ipc_entry *e;
	kern_return_t kr;

	if (!space->active)
		return KERN_TERMINATED;
	while (space->free_head == 0 || (want && want >= space->capacity))
		if ((kr = ipc_space_grow(space)) != KERN_SUCCESS)
			return kr;
	if (want && space->slots[want].entry)
		return KERN_NAME_EXISTS;
	e = space->spare ? space->spare : zalloc(&entry_zone);
	if (!e)
		return KERN_RESOURCE_SHORTAGE;
	space->spare = NULL;
	if (!want) {
		want = space->free_head;
	} else {                                   /* unlink want from the free list */
		uint32_t *link = &space->free_head;

		while (*link != want)
			link = &space->slots[*link].next_free;
		*link = space->slots[want].next_free;
	}
	if (want == space->free_head)
		space->free_head = space->slots[want].next_free;
	space->slots[want].entry = e;
	space->entries++;
	e->space = space;
	e->name = want;
	list_init(&e->port_link);
	*out = e;
	return KERN_SUCCESS;
}

/*
 * ipc_sonce_insert_ready's slow side: give space a free name (growing its
 * table) and a spare entry, as ipc_entry_alloc would. False when the space
 * is dead or out of names or memory (the fast path then stands aside).
 */
bool ipc_sonce_insert_prepare(struct ipc_space *space)
{
	if (!space->active || (!space->free_head && ipc_space_grow(space) != KERN_SUCCESS))
		return false;
	if (!space->spare)
		space->spare = zalloc(&entry_zone);         /* zeroed */
	return space->spare != NULL;
}

void ipc_entry_set_port(struct ipc_entry *e, struct port *p)
{
	e->port = p;
	list_push_back(&p->holders, &e->port_link);
}

/* Free the name (the rights' counts are the caller's business); drops its port reference. */
void ipc_entry_free(struct ipc_entry *e)
{
	struct ipc_space *space = e->space;
	struct port *p = e->port;

	ipc_entry_unname(e);
	if (e->dnrequest)
		port_sonce_right_drop(e->dnrequest, false);
	ipc_entry_recycle(space, e);
	if (p)
		port_release(p);
}

/* Release every right the space holds; it refuses new ones from now on. */
void ipc_space_destroy(struct ipc_space *space)
{
	uint64_t f = spin_lock(&ipc_lock);

	space->active = false;
	list_unlink(&space->all_link);
	if (space->spare) {
		zfree(&entry_zone, space->spare);
		space->spare = NULL;
	}
	for (uint32_t n = 1; n < space->capacity; n++) {
		struct ipc_entry *e = space->slots[n].entry;

		if (e)
			ipc_right_drop_entry(e);
	}
	spin_unlock(&ipc_lock, f);
}

void ipc_space_free(struct ipc_space *space)
{
	if (space->spare)
		zfree(&entry_zone, space->spare);
	kmem_free(space->slots, space->capacity * sizeof(*space->slots));
	ledger_credit(space->ledger, LEDGER_NAMES, space->capacity);
	zfree(&space_zone, space);
}

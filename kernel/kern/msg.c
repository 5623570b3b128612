/*
 * msg.c — messages: format checks, moving rights and out-of-line data in
 * (send) and out (receive), and destroying undelivered messages.
 *
 * Sending is check, then act: msg_check validates the format, then
 * msg_check_rights validates every right against the sender's space, and
 * only then does msg_copyin_rights move anything — so a refused message
 * changes nothing. Out-of-line regions are physically copied into kernel
 * memory at send and into fresh memory of the receiver at receive (the VM
 * issue replaces this with copy-on-write).
 */
#include "kern/msg.h"
#include "kern/ipc_space.h"
#include "kern/kprintf.h"
#include "kern/ledger.h"
#include "kern/task.h"
#include "kern/port.h"
#include "kern/zalloc.h"
#include "lib/string.h"
#include "vm/vm_fault.h"
#include "vm/vm_map.h"
#include "param.h"

#define HDR_BYTES ((uint32_t)sizeof(struct mach_msg_header))

static struct zone kmsg_zone;

void msg_init(void)
{
	zone_init(&kmsg_zone, "kmsg", sizeof(struct kmsg));
	zone_keep_empty(&kmsg_zone);         /* one message at a time comes and goes */
}

/*
 * Charge more in-line bytes to m's ledger (the rights and OOL tables), or
 * its out-of-line bytes; false if the ledger is full.
 */
static bool kmsg_charge(struct kmsg *m, int kind, uint64_t amount)
{
	if (!amount)
		return true;
	if (ledger_charge(m->ledger, kind, amount) != KERN_SUCCESS)
		return false;
	if (kind == LEDGER_OOL_BYTES)
		m->charged_ool += amount;
	else
		m->charged_bytes += amount;
	return true;
}

/*
 * A message of size bytes charged to ledger (one message and size bytes,
 * before any memory is taken); NULL if memory or the ledger is short. With
 * `zeroed` false the caller must fill every byte.
 */
struct kmsg *kmsg_alloc(uint32_t size, bool zeroed, struct ledger *ledger)
{
	struct kmsg *m;

	if (ledger_charge2(ledger, LEDGER_MESSAGES, 1, LEDGER_MESSAGE_BYTES, size) != KERN_SUCCESS)
		return NULL;
	m = zalloc(&kmsg_zone);
	if (m)
		m->hdr = zeroed ? kmem_alloc(size) : kmem_alloc_uninit(size);
	if (!m || !m->hdr) {
		if (m)
			zfree(&kmsg_zone, m);
		ledger_credit2(ledger, LEDGER_MESSAGE_BYTES, size, LEDGER_MESSAGES, 1);
		return NULL;
	}
	m->size = m->alloc_bytes = size;
	m->ledger = ledger;
	m->charged_bytes = size;
	list_init(&m->link);
	return m;
}

/* Free the message's memory (its rights must be gone or delivered) and credit its ledger. */
void kmsg_free(struct kmsg *m)
{
	struct ledger *l = m->ledger;

	for (uint32_t i = 0; i < m->nool; i++)
		if (m->ool[i].copy)
			vm_map_copy_discard(m->ool[i].copy);
	kmem_free(m->rights, m->nrights * sizeof(*m->rights));
	kmem_free(m->ool, m->nool * sizeof(*m->ool));
	kmem_free(m->hdr, m->alloc_bytes);
	ledger_credit(l, LEDGER_OOL_BYTES, m->charged_ool);
	ledger_credit2(l, LEDGER_MESSAGE_BYTES, m->charged_bytes, LEDGER_MESSAGES, 1);
	zfree(&kmsg_zone, m);
}

void msg_right_destroy(struct msg_right *r)
{
	struct port *p = r->port;

	if (!p)
		return;
	r->port = NULL;
	switch (r->type) {
	case MSG_RIGHT_SEND:
		port_send_right_drop(p);
		port_release(p);
		break;
	case MSG_RIGHT_SEND_ONCE:
		port_sonce_right_drop(p, false);
		break;
	case MSG_RIGHT_RECEIVE:
		port_destroy(p);
		port_release(p);
		break;
	default:
		port_release(p);
		break;
	}
}

/* Release every right an undelivered message carries, then free it (ipc_lock held). */
void kmsg_destroy(struct kmsg *m)
{
	if (m->dest) {
		if (m->dest_type == MSG_RIGHT_SEND_ONCE) {
			port_sonce_right_drop(m->dest, true);   /* no notice to a port about itself */
		} else {
			struct msg_right d = { .port = m->dest, .type = m->dest_type };

			msg_right_destroy(&d);
		}
	}
	struct msg_right reply = { .port = m->reply, .type = m->reply_type };

	msg_right_destroy(&reply);
	for (uint32_t i = 0; i < m->nrights; i++)
		msg_right_destroy(&m->rights[i]);
	kmsg_free(m);
}

/* What a disposition gives the receiver (MSG_RIGHT_*), or MSG_RIGHT_NONE if invalid. */
int msg_disposition_type(int disposition)
{
	switch (disposition) {
	case MACH_MSG_TYPE_MOVE_RECEIVE:   return MSG_RIGHT_RECEIVE;
	case MACH_MSG_TYPE_MOVE_SEND:
	case MACH_MSG_TYPE_COPY_SEND:
	case MACH_MSG_TYPE_MAKE_SEND:      return MSG_RIGHT_SEND;
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
	case MACH_MSG_TYPE_MAKE_SEND_ONCE: return MSG_RIGHT_SEND_ONCE;
	default:                           return MSG_RIGHT_NONE;
	}
}

static uint64_t round8(uint64_t n)
{
	return (n + 7) & ~7UL;
}

/* Bytes an item's payload takes after its type word, or ~0 if the item is malformed. */
static uint64_t msg_item_bytes(const struct mach_msg_type *t)
{
	switch (t->kind) {
	case MACH_MSG_TYPE_INLINE:
		if (t->elem_size != 1 && t->elem_size != 2 && t->elem_size != 4 && t->elem_size != 8)
			return ~0UL;
		return round8((uint64_t)t->count * t->elem_size);
	case MACH_MSG_TYPE_PORTS:
		if (msg_disposition_type(t->disposition) == MSG_RIGHT_NONE ||
		    t->count > MACH_MSG_PORTS_MAX)
			return ~0UL;
		return round8((uint64_t)t->count * sizeof(mach_port_name_t));
	case MACH_MSG_TYPE_OOL:
		if (t->count != 1 || (t->flags & ~MACH_MSG_OOL_DEALLOCATE))
			return ~0UL;
		return sizeof(struct mach_msg_ool);
	default:
		return ~0UL;
	}
}

/* Walk the body; count (and, with fill, record) the rights and OOL regions. */
static mach_msg_return_t msg_walk_items(struct kmsg *m, bool fill)
{
	uint32_t off = HDR_BYTES, nr = 0, no = 0;
	char *base = (char *)m->hdr;

	while (off < m->size) {
		const struct mach_msg_type *t = (const void *)(base + off);
		uint64_t bytes;

		if (m->size - off < sizeof(*t))
			return MACH_SEND_INVALID_TYPE;
		bytes = msg_item_bytes(t);
		if (bytes == ~0UL || bytes > m->size - off - sizeof(*t))
			return MACH_SEND_INVALID_TYPE;
		off += sizeof(*t);
		if (t->kind == MACH_MSG_TYPE_PORTS) {
			for (uint32_t i = 0; fill && i < t->count; i++)
				m->rights[nr + i] = (struct msg_right){
					.type = msg_disposition_type(t->disposition),
					.disposition = t->disposition,
					.offset = off + i * (uint32_t)sizeof(mach_port_name_t) };
			nr += t->count;
			if (nr > MACH_MSG_PORTS_MAX)
				return MACH_SEND_INVALID_TYPE;
		} else if (t->kind == MACH_MSG_TYPE_OOL) {
			const struct mach_msg_ool *o = (const void *)(base + off);

			if (o->size > MACH_MSG_OOL_MAX_BYTES)
				return MACH_SEND_INVALID_TYPE;
			if (fill)
				m->ool[no] = (struct msg_ool){
					.size = o->size, .offset = off, .src_addr = o->address,
					.deallocate = t->flags & MACH_MSG_OOL_DEALLOCATE };
			no++;
		}
		off += (uint32_t)bytes;
	}
	m->nrights = nr;
	m->nool = no;
	return MACH_MSG_SUCCESS;
}

static bool msg_send_disposition_ok(int d)
{
	return d >= MACH_MSG_TYPE_MOVE_SEND && d <= MACH_MSG_TYPE_MAKE_SEND_ONCE;
}

/* Validate the format (no rights looked at yet); size the rights and OOL tables. */
mach_msg_return_t msg_check(struct kmsg *m)
{
	struct mach_msg_header *h = m->hdr;
	mach_msg_return_t mr;

	h->size = m->size;
	if (h->reserved || (h->bits & ~MACH_MSGH_BITS_USED) ||
	    !msg_send_disposition_ok(MACH_MSGH_BITS_REMOTE(h->bits)))
		return MACH_SEND_INVALID_HEADER;
	if (h->local_port != MACH_PORT_NULL && !msg_send_disposition_ok(MACH_MSGH_BITS_LOCAL(h->bits)))
		return MACH_SEND_INVALID_REPLY;
	if (!(h->bits & MACH_MSGH_BITS_COMPLEX))
		return m->size == HDR_BYTES ? MACH_MSG_SUCCESS : MACH_SEND_INVALID_HEADER;
	mr = msg_walk_items(m, false);
	if (mr != MACH_MSG_SUCCESS || (!m->nrights && !m->nool))
		return mr;                           /* in-line data only: no tables to fill */
	if (!kmsg_charge(m, LEDGER_MESSAGE_BYTES, m->nrights * sizeof(*m->rights) +
			 m->nool * sizeof(*m->ool))) {
		m->nrights = m->nool = 0;            /* no tables to free */
		return MACH_SEND_NO_BUFFER;
	}
	m->rights = m->nrights ? kmem_alloc(m->nrights * sizeof(*m->rights)) : NULL;
	m->ool = m->nool ? kmem_alloc(m->nool * sizeof(*m->ool)) : NULL;
	if ((m->nrights && !m->rights) || (m->nool && !m->ool))
		return MACH_SEND_NO_BUFFER;
	return msg_walk_items(m, true);
}

/*
 * Take a copy of every OOL region of the sender (vm_map_copyin: how,
 * msg_ool.h), after charging their bytes to the message's ledger.
 */
mach_msg_return_t msg_copyin_ool(struct kmsg *m, struct vm_map *map)
{
	uint64_t bytes = 0;

	for (uint32_t i = 0; i < m->nool; i++)
		bytes += m->ool[i].size;             /* each <= MACH_MSG_OOL_MAX_BYTES */
	if (bytes && !kmsg_charge(m, LEDGER_OOL_BYTES, bytes))
		return MACH_SEND_NO_BUFFER;
	for (uint32_t i = 0; i < m->nool; i++) {
		struct msg_ool *o = &m->ool[i];
		kern_return_t kr;

		if (o->size == 0)
			continue;
		kr = vm_map_copyin(map, o->src_addr, o->size, o->deallocate, &o->copy);
		if (kr == KERN_RESOURCE_SHORTAGE || kr == KERN_NO_SPACE)
			return MACH_SEND_NO_BUFFER;
		if (kr != KERN_SUCCESS)
			return MACH_SEND_INVALID_MEMORY;
	}
	return MACH_MSG_SUCCESS;
}

/* Remove the regions sent with MACH_MSG_OOL_DEALLOCATE from the sender. */
void msg_deallocate_ool(struct kmsg *m, struct vm_map *map)
{
	for (uint32_t i = 0; i < m->nool; i++) {
		struct msg_ool *o = &m->ool[i];
		vm_address_t start = o->src_addr & ~(PAGE_SIZE - 1);

		if (o->deallocate && o->size)
			vm_map_deallocate(map, start, o->src_addr + o->size - start);
	}
}

/* One use of a name by the message: which name, how it is given, what a bad one returns. */
struct msg_use {
	mach_port_name_t name;
	int disposition;
	mach_msg_return_t error;
};

static mach_port_name_t *msg_name_slot(struct kmsg *m, uint32_t offset)
{
	return (mach_port_name_t *)((char *)m->hdr + offset);
}

/* Use i: 0 the destination, 1 the reply (disposition 0 if none), then each item name. */
static void msg_use(struct kmsg *m, uint32_t i, struct msg_use *u)
{
	struct mach_msg_header *h = m->hdr;

	if (i == 0)
		*u = (struct msg_use){ h->remote_port, MACH_MSGH_BITS_REMOTE(h->bits),
				       MACH_SEND_INVALID_DEST };
	else if (i == 1)
		*u = (struct msg_use){ h->local_port, h->local_port ? MACH_MSGH_BITS_LOCAL(h->bits) : 0,
				       MACH_SEND_INVALID_REPLY };
	else
		*u = (struct msg_use){ *msg_name_slot(m, m->rights[i - 2].offset),
				       m->rights[i - 2].disposition, MACH_SEND_INVALID_RIGHT };
}

/*
 * The rights at e as the uses checked so far leave them: set up from the
 * entry itself at the name's first use in the message (ipc_lock held).
 */
static struct ipc_right_state msg_check_state(struct ipc_entry *e)
{
	if (!e->in_check) {
		e->in_check = true;
		e->check_type = e->type;
		e->check_urefs = e->urefs;
	}
	return (struct ipc_right_state){ e->check_type, e->check_urefs, e->port };
}

/*
 * Is use i valid after the uses before it? Each use is checked against
 * what the earlier ones leave at its name, and then applied to that, in
 * the order msg_copyin_rights takes them (destination, reply, items) and
 * with the same rule (ipc_right_state_take), so copyin can never meet a
 * right an earlier use consumed. A use the name's own rights would allow
 * but earlier uses used up is MACH_SEND_RIGHT_CONSUMED.
 */
static mach_msg_return_t msg_check_use(struct kmsg *m, struct ipc_space *space, uint32_t i,
				       struct port *dest)
{
	struct ipc_right_state now, before;
	struct msg_use u;
	struct ipc_entry *e;

	msg_use(m, i, &u);
	if (i == 1 && u.disposition == 0)
		return MACH_MSG_SUCCESS;
	e = ipc_entry_lookup(space, u.name);
	if (!e)
		return u.error;
	now = msg_check_state(e);
	if (ipc_right_state_valid(&now, u.disposition, dest, i >= 2)) {
		ipc_right_state_take(&now, u.disposition);
		e->check_type = now.type;
		e->check_urefs = now.urefs;
		return MACH_MSG_SUCCESS;
	}
	before = (struct ipc_right_state){ e->type, e->urefs, e->port };
	if (ipc_right_state_valid(&before, u.disposition, dest, i >= 2))
		return MACH_SEND_RIGHT_CONSUMED;
	if (u.disposition == MACH_MSG_TYPE_MOVE_RECEIVE && (now.type & MACH_PORT_TYPE_RECEIVE))
		return MACH_SEND_RECEIVE_CYCLE;
	return u.error;
}

/*
 * msg_check_rights for the common message: no port items, and a reply
 * right (if any) named differently from the destination. Each name is used
 * once, so each use is checked against its entry as it is, with the
 * results the general walk would give (no earlier use can have consumed
 * anything).
 */
static mach_msg_return_t msg_check_header_rights(struct kmsg *m, struct ipc_space *space)
{
	struct ipc_entry *de = ipc_entry_lookup(space, m->hdr->remote_port);
	struct port *dest = de ? de->port : NULL;

	if (!dest || !dest->active)
		return MACH_SEND_INVALID_DEST;
	for (uint32_t i = 0; i < 2; i++) {
		struct ipc_right_state now;
		struct ipc_entry *e;
		struct msg_use u;

		msg_use(m, i, &u);
		if (i == 1 && u.disposition == 0)
			break;
		e = ipc_entry_lookup(space, u.name);
		if (!e)
			return u.error;
		now = (struct ipc_right_state){ e->type, e->urefs, e->port };
		if (!ipc_right_state_valid(&now, u.disposition, dest, false))
			return u.disposition == MACH_MSG_TYPE_MOVE_RECEIVE &&
			       (now.type & MACH_PORT_TYPE_RECEIVE) ? MACH_SEND_RECEIVE_CYCLE : u.error;
	}
	return MACH_MSG_SUCCESS;
}

/*
 * Check every right the message names against space (ipc_lock held);
 * changes nothing. The state each name is left in by the uses so far is
 * kept in its entry while checking (linear in the number of rights) and
 * cleared after. (Not inlined into msg_check_rights: merged with the
 * header-only case, GCC made its loop 2 instructions a right dearer.)
 */
static __attribute__((noinline)) mach_msg_return_t msg_check_rights_walk(struct kmsg *m,
									 struct ipc_space *space)
{
	struct ipc_entry *de = ipc_entry_lookup(space, m->hdr->remote_port);
	struct port *dest = de ? de->port : NULL;
	mach_msg_return_t mr = MACH_MSG_SUCCESS;
	uint32_t i, checked;

	if (!dest || !dest->active)
		return MACH_SEND_INVALID_DEST;
	for (i = 0; i < 2 + m->nrights && mr == MACH_MSG_SUCCESS; i++)
		mr = msg_check_use(m, space, i, dest);
	checked = i;
	for (i = 0; i < checked; i++) {
		struct msg_use u;
		struct ipc_entry *e;

		msg_use(m, i, &u);
		e = ipc_entry_lookup(space, u.name);
		if (e)
			e->in_check = false;
	}
	return mr;
}

mach_msg_return_t msg_check_rights(struct kmsg *m, struct ipc_space *space)
{
	if (!m->nrights && (!m->hdr->local_port || m->hdr->local_port != m->hdr->remote_port))
		return msg_check_header_rights(m, space);
	return msg_check_rights_walk(m, space);
}

/* Move every right the message names out of space into it (after msg_check_rights). */
void msg_copyin_rights(struct kmsg *m, struct ipc_space *space)
{
	struct msg_use u;
	struct port *dest;

	msg_use(m, 0, &u);
	dest = ipc_entry_lookup(space, u.name)->port;
	m->dest = ipc_right_take(space, u.name, u.disposition, dest);
	m->dest_type = msg_disposition_type(u.disposition);
	msg_use(m, 1, &u);
	if (u.disposition) {
		m->reply = ipc_right_take(space, u.name, u.disposition, dest);
		m->reply_type = msg_disposition_type(u.disposition);
	}
	for (uint32_t i = 0; i < m->nrights; i++) {
		msg_use(m, i + 2, &u);
		m->rights[i].port = ipc_right_take(space, u.name, u.disposition, dest);
	}
}

/* The disposition a receiver sees for a right of this type. */
static int msg_received_disposition(enum msg_right_type t)
{
	switch (t) {
	case MSG_RIGHT_SEND:      return MACH_MSG_TYPE_PORT_SEND;
	case MSG_RIGHT_SEND_ONCE: return MACH_MSG_TYPE_PORT_SEND_ONCE;
	case MSG_RIGHT_RECEIVE:   return MACH_MSG_TYPE_PORT_RECEIVE;
	default:                  return 0;
	}
}

/* Map each OOL region into map (copy-on-write) and write its address into the body. */
static inline __attribute__((always_inline)) mach_msg_return_t
msg_copyout_ool(struct kmsg *m, struct vm_map *map)
{
	mach_msg_return_t mr = MACH_MSG_SUCCESS;

	for (uint32_t i = 0; i < m->nool; i++) {
		struct msg_ool *o = &m->ool[i];
		struct mach_msg_ool *slot = (void *)((char *)m->hdr + o->offset);
		vm_address_t addr = 0;

		slot->address = 0;
		if (!o->copy)
			continue;
		if (vm_map_copyout(map, o->copy, &addr) != KERN_SUCCESS)
			mr = MACH_RCV_BODY_ERROR;
		o->copy = NULL;                        /* consumed either way */
		slot->address = addr;
	}
	return mr;
}

/* Turn the message's rights into names of space and rewrite the header (ipc_lock held). */
static inline __attribute__((always_inline)) void msg_copyout_rights(struct kmsg *m,
								     struct ipc_space *space)
{
	struct mach_msg_header *h = m->hdr;
	mach_port_name_t reply = MACH_PORT_NULL;

	h->local_port = m->dest->receiver_name;
	if (m->dest_type == MSG_RIGHT_SEND_ONCE)
		port_sonce_right_drop(m->dest, true);
	else {
		port_send_right_drop(m->dest);
		port_release(m->dest);
	}
	m->dest = NULL;
	if (m->reply)
		reply = ipc_right_insert(space, m->reply, m->reply_type, MACH_PORT_NULL);
	h->remote_port = reply;
	h->bits = MACH_MSGH_BITS(reply ? msg_received_disposition(m->reply_type) : 0, 0) |
		  (h->bits & MACH_MSGH_BITS_COMPLEX);
	m->reply = NULL;
	for (uint32_t i = 0; i < m->nrights; i++) {
		struct msg_right *r = &m->rights[i];

		*msg_name_slot(m, r->offset) = r->port ?
			ipc_right_insert(space, r->port, r->type, MACH_PORT_NULL) : MACH_PORT_DEAD;
		r->port = NULL;
	}
	for (uint32_t off = HDR_BYTES; off < m->size;) {   /* dispositions as received */
		struct mach_msg_type *t = (void *)((char *)h + off);

		if (t->kind == MACH_MSG_TYPE_PORTS)
			t->disposition = msg_received_disposition(msg_disposition_type(t->disposition));
		off += sizeof(*t) + (uint32_t)msg_item_bytes(t);
	}
}

/*
 * Deliver m into space/map at uaddr, or into the kernel buffer kdst if it
 * is not NULL (the short trap's; the caller holds no lock). A receive
 * buffer that cannot be written destroys the message. Inline in the two
 * entry points below, so mach_msg's way pays no test for the other.
 */
static inline __attribute__((always_inline)) mach_msg_return_t
msg_deliver(struct kmsg *m, struct ipc_space *space, struct vm_map *map, uint64_t uaddr,
	    struct mach_msg_header *kdst)
{
	mach_msg_return_t mr;
	uint64_t f;

	if (!kdst && vm_copyout_probe(map, m->hdr, uaddr, m->size) != KERN_SUCCESS) {
		f = spin_lock(&ipc_lock);
		kmsg_destroy(m);
		spin_unlock(&ipc_lock, f);
		return MACH_RCV_INVALID_DATA;
	}
	mr = msg_copyout_ool(m, map);
	f = spin_lock(&ipc_lock);
	msg_copyout_rights(m, space);
	spin_unlock(&ipc_lock, f);
	if (kdst)
		memcpy(kdst, m->hdr, m->size);
	else if (vm_copyout(map, m->hdr, uaddr, m->size) != KERN_SUCCESS)
		mr = MACH_RCV_INVALID_DATA;
	kmsg_free(m);
	return mr;
}

mach_msg_return_t msg_copyout(struct kmsg *m, struct ipc_space *space, struct vm_map *map,
			      uint64_t uaddr)
{
	return msg_deliver(m, space, map, uaddr, NULL);
}

mach_msg_return_t msg_copyout_kernel(struct kmsg *m, struct ipc_space *space, struct vm_map *map,
				     struct mach_msg_header *kdst)
{
	return msg_deliver(m, space, map, 0, kdst);
}

/*
 * A message the kernel makes (ipc_lock held): to dest, whose right of
 * dest_type it takes over, with one INLINE item of n elements of elem_size
 * bytes, then, if send_right is given (referenced and counted), a PORTS item
 * carrying it, and, if ool is given, an OOL item carrying that region,
 * charged to ledger (its OOL page is not: a kernel page in transit to a
 * pager). On failure everything given is destroyed and NULL returned.
 */
struct kmsg *kmsg_kernel_build(struct port *dest, enum msg_right_type dest_type, int id,
			       const void *data, uint32_t n, uint8_t elem_size,
			       struct port *send_right, struct vm_map_copy *ool,
			       struct ledger *ledger)
{
	uint32_t inline_bytes = (uint32_t)round8((uint64_t)n * elem_size);
	uint32_t ool_at = HDR_BYTES + sizeof(struct mach_msg_type) + inline_bytes +
			  (send_right ? sizeof(struct mach_msg_type) + 8 : 0);
	uint32_t size = ool_at + (ool ? sizeof(struct mach_msg_type) + sizeof(struct mach_msg_ool) : 0);
	struct kmsg *m = kmsg_alloc(size, true, ledger);
	struct msg_right dr = { .port = dest, .type = dest_type };
	struct msg_right sr = { .port = send_right, .type = MSG_RIGHT_SEND };
	struct mach_msg_type *t;

	if (m && ((send_right && !(m->rights = kmem_alloc(sizeof(*m->rights)))) ||
		  (ool && !(m->ool = kmem_alloc(sizeof(*m->ool)))))) {
		kmsg_free(m);
		m = NULL;
	}
	if (!m) {
		if (dest_type == MSG_RIGHT_SEND_ONCE)       /* lost: no notice about the notice */
			port_sonce_right_drop(dest, true);
		else
			msg_right_destroy(&dr);
		msg_right_destroy(&sr);
		if (ool)
			vm_map_copy_discard(ool);
		return NULL;
	}
	m->dest = dest;
	m->dest_type = dest_type;
	*m->hdr = (struct mach_msg_header){
		.bits = MACH_MSGH_BITS(dest_type == MSG_RIGHT_SEND_ONCE ?
				       MACH_MSG_TYPE_MOVE_SEND_ONCE : MACH_MSG_TYPE_MOVE_SEND, 0) |
			MACH_MSGH_BITS_COMPLEX,
		.size = size, .id = id,
	};
	t = (struct mach_msg_type *)(m->hdr + 1);
	*t = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_INLINE, .elem_size = elem_size,
				     .count = n };
	memcpy(t + 1, data, (size_t)n * elem_size);
	if (send_right) {
		t = (struct mach_msg_type *)((char *)(t + 1) + inline_bytes);
		*t = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_PORTS,
					     .disposition = MACH_MSG_TYPE_MOVE_SEND, .count = 1 };
		m->nrights = 1;
		m->rights[0] = (struct msg_right){ .port = send_right, .type = MSG_RIGHT_SEND,
			.disposition = MACH_MSG_TYPE_MOVE_SEND,
			.offset = (uint32_t)((char *)(t + 1) - (char *)m->hdr) };
	}
	if (ool) {
		t = (struct mach_msg_type *)((char *)m->hdr + ool_at);
		*t = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_OOL, .count = 1 };
		*(struct mach_msg_ool *)(t + 1) = (struct mach_msg_ool){ 0, PAGE_SIZE };  /* (its
						 * address is written at receive: msg_copyout_ool) */
		m->nool = 1;
		m->ool[0] = (struct msg_ool){ .copy = ool, .size = PAGE_SIZE,
					      .offset = ool_at + (uint32_t)sizeof(*t) };
	}
	return m;
}

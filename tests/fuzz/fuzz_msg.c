/*
 * fuzz_msg.c — message traffic: a name used twice (every state x placement x
 * disposition pair, walked in order) or three times in one message, valid
 * messages with mutated fields, out-of-line regions at the edges of
 * mappings, and full queues with timeouts, send-once rights and port sets.
 * Every operation builds its ports fresh and destroys them (and whatever a
 * received message brought) before it returns, so a batch stays bounded.
 */
#include "fuzz.h"

#define FUZZ_DRAIN_BYTES  8192
#define FUZZ_PAGE         4096UL
#define FUZZ_ROUND8(n)    (((n) + 7u) & ~7u)

static const uint8_t fuzz_dispositions[] = {
	MACH_MSG_TYPE_MOVE_RECEIVE, MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MOVE_SEND_ONCE,
	MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE,
};
#define FUZZ_NDISP 6

/* What the name under test holds when the message is sent. */
enum fuzz_state {
	FS_RECV_SEND1,   /* receive right and one send uref */
	FS_RECV_SEND2,   /* receive right and two send urefs */
	FS_RECV,         /* receive right only */
	FS_SEND1,        /* one send uref; the receive right is in transit (queued in a message) */
	FS_SEND2,        /* two send urefs, receive right in transit */
	FS_SONCE,        /* a send-once right */
	FS_DEAD,         /* a dead name (its port destroyed while in transit) */
	FS_STALE,        /* a name whose port was destroyed and whose name is free */
	FS_SET,          /* a port set */
	FS_COUNT
};
/* Where the two uses sit: header destination, header reply, PORTS items. */
enum fuzz_place { FP_DEST_REPLY, FP_DEST_ITEM, FP_REPLY_ITEM, FP_ITEM_ITEM, FP_COUNT };
#define FUZZ_PAIRS (FS_COUNT * FP_COUNT * FUZZ_NDISP * FUZZ_NDISP)

/* The names one operation made, destroyed at its end. */
struct fuzz_names {
	mach_port_name_t n;        /* the name under test */
	mach_port_name_t holder;   /* where n's receive right is in transit */
	mach_port_name_t aux;      /* FS_SONCE: the receive right behind it */
	mach_port_name_t sink;     /* a destination the operation owns */
};

mach_port_name_t fuzz_port(void)
{
	mach_port_name_t n = MACH_PORT_NULL;

	return mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_RECEIVE, &n) ? 0 : n;
}

mach_port_name_t fuzz_port_send(void)
{
	mach_port_name_t n = fuzz_port();

	if (n && mk_port_insert_right(MACH_PORT_TASK_SELF, n, n, MACH_MSG_TYPE_MAKE_SEND))
		return 0;
	return n;
}

void fuzz_msg_init(struct fuzz_msg *m, mach_port_name_t dest, int dest_disp, int32_t id)
{
	m->header = (struct mach_msg_header){ .bits = MACH_MSGH_BITS(dest_disp, 0),
					      .size = sizeof(m->header), .remote_port = dest, .id = id };
}

static void fuzz_msg_set_reply(struct fuzz_msg *m, mach_port_name_t reply, int disp)
{
	m->header.local_port = reply;
	m->header.bits = (m->header.bits & ~0xFF00u) | ((uint32_t)disp << 8);
}

/* Append an item with data_bytes of zeroed room; NULL if it would not fit. */
void *fuzz_msg_add(struct fuzz_msg *m, uint8_t kind, uint8_t elem_size, uint8_t disp,
		   uint8_t flags, uint32_t count, uint32_t data_bytes)
{
	struct mach_msg_type *t = (struct mach_msg_type *)((uint8_t *)m + m->header.size);
	uint32_t padded = FUZZ_ROUND8(data_bytes);

	if (m->header.size + sizeof(*t) + padded > sizeof(*m))
		return NULL;
	*t = (struct mach_msg_type){ .kind = kind, .elem_size = elem_size, .disposition = disp,
				     .flags = flags, .count = count };
	memset(t + 1, 0, padded);
	m->header.size += (uint32_t)sizeof(*t) + padded;
	m->header.bits |= MACH_MSGH_BITS_COMPLEX;
	return t + 1;
}

static void fuzz_msg_add_port(struct fuzz_msg *m, uint8_t disp, mach_port_name_t name)
{
	mach_port_name_t *p = fuzz_msg_add(m, MACH_MSG_TYPE_PORTS, 0, disp, 0, 1, 4);

	if (p)
		*p = name;
}

mach_msg_return_t fuzz_send(struct fuzz_msg *m, uint64_t timeout_ms)
{
	return mk_mach_msg(&m->header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, m->header.size, 0, 0,
			   timeout_ms);
}

/* Call fn for every item of m in its first size bytes, until the walk leaves the message. */
static void fuzz_msg_items(struct fuzz_msg *m, uint32_t size,
			   void (*fn)(void *ctx, struct mach_msg_type *t), void *ctx)
{
	uint32_t off = sizeof(m->header);

	if (!(m->header.bits & MACH_MSGH_BITS_COMPLEX))
		return;
	while (off + sizeof(struct mach_msg_type) <= size) {
		struct mach_msg_type *t = (struct mach_msg_type *)((uint8_t *)m + off);
		uint64_t bytes = t->kind == MACH_MSG_TYPE_INLINE ? (uint64_t)t->elem_size * t->count :
				 t->kind == MACH_MSG_TYPE_PORTS ? (uint64_t)t->count * 4 :
				 t->kind == MACH_MSG_TYPE_OOL ? sizeof(struct mach_msg_ool) : ~0ULL;

		off += sizeof(*t);
		if (bytes > size - off)
			return;
		fn(ctx, t);
		off += (uint32_t)FUZZ_ROUND8(bytes);
	}
}

struct fuzz_walk_ctx {
	void (*fn)(void *ctx, uint32_t *name, uint8_t disp);
	void *ctx;
};

/* fuzz_msg_walk's item visitor: each name of a PORTS item. */
static void fuzz_walk_item(void *ctx, struct mach_msg_type *t)
{
	struct fuzz_walk_ctx *w = ctx;

	if (t->kind == MACH_MSG_TYPE_PORTS)
		for (uint32_t i = 0; i < t->count; i++)
			w->fn(w->ctx, (uint32_t *)(t + 1) + i, t->disposition);
}

/*
 * Visit every use of a name in m as the kernel reads it (destination,
 * reply, then the PORTS items in order), until the walk leaves the message.
 * fn gets the name's slot so it can rewrite it.
 */
static void fuzz_msg_walk(struct fuzz_msg *m, void (*fn)(void *ctx, uint32_t *name, uint8_t disp),
			  void *ctx)
{
	struct fuzz_walk_ctx w = { fn, ctx };

	fn(ctx, &m->header.remote_port, MACH_MSGH_BITS_REMOTE(m->header.bits));
	if (MACH_MSGH_BITS_LOCAL(m->header.bits))
		fn(ctx, &m->header.local_port, MACH_MSGH_BITS_LOCAL(m->header.bits));
	/* not header.size: the send size may differ (a superset) */
	fuzz_msg_items(m, sizeof(*m), fuzz_walk_item, &w);
}

struct fuzz_uses {
	uint32_t n;
	uint32_t name[FUZZ_MSG_BYTES / 4];
	uint8_t disp[FUZZ_MSG_BYTES / 4];
};

static void fuzz_collect_use(void *ctx, uint32_t *name, uint8_t disp)
{
	struct fuzz_uses *u = ctx;

	if (u->n < FUZZ_MSG_BYTES / 4) {
		u->name[u->n] = *name;
		u->disp[u->n++] = disp;
	}
}

static bool fuzz_disp_moves(uint8_t d)
{
	return d == MACH_MSG_TYPE_MOVE_RECEIVE || d == MACH_MSG_TYPE_MOVE_SEND ||
	       d == MACH_MSG_TYPE_MOVE_SEND_ONCE;
}

/*
 * Known bug (a): a name used more than once where one use moves a right (a
 * dead name moved twice included). Deliberately broader than the bug, so a
 * run with FUZZ_SKIP_KNOWN_BUGS surely avoids it.
 */
bool fuzz_msg_reuses_consumed_name(const struct fuzz_msg *m)
{
	static struct fuzz_uses u;

	u.n = 0;
	fuzz_msg_walk((struct fuzz_msg *)m, fuzz_collect_use, &u);
	for (uint32_t i = 0; i < u.n; i++) {
		bool moves = false, again = false;

		for (uint32_t j = 0; j < u.n; j++) {
			if (u.name[j] != u.name[i])
				continue;
			again |= j != i;
			moves |= fuzz_disp_moves(u.disp[j]);
		}
		if (again && moves && u.name[i] != MACH_PORT_NULL)
			return true;
	}
	return false;
}

bool fuzz_name_protected(const struct fuzz_child *c, uint64_t name)
{
	return name == MACH_PORT_TASK_SELF || name == MACH_PORT_BOOTSTRAP ||
	       name == MACH_PORT_HOST_PRIV || name == c->report || name == c->main_thread;
}

struct fuzz_protect_ctx {
	struct fuzz_child *c;
	uint32_t instead;
};

static void fuzz_protect_use(void *ctx, uint32_t *name, uint8_t disp)
{
	struct fuzz_protect_ctx *p = ctx;

	(void)disp;
	if (fuzz_name_protected(p->c, *name))
		*name = p->instead;
}

void fuzz_msg_protect(struct fuzz_child *c, struct fuzz_msg *m)
{
	struct fuzz_protect_ctx p = { c, 0x7FFu };    /* a name no fuzzing task holds */

	fuzz_msg_walk(m, fuzz_protect_use, &p);
}

/* fuzz_msg_release's item visitor: drop the rights and the region an item brought. */
static void fuzz_release_item(void *ctx, struct mach_msg_type *t)
{
	(void)ctx;
	for (uint32_t i = 0; t->kind == MACH_MSG_TYPE_PORTS && i < t->count; i++) {
		uint32_t n = ((uint32_t *)(t + 1))[i];

		if (n != MACH_PORT_NULL && n != MACH_PORT_DEAD && n > MACH_PORT_HOST_PRIV &&
		    n != FUZZ_REPORT_NAME)
			mk_port_destroy(MACH_PORT_TASK_SELF, n);
	}
	if (t->kind == MACH_MSG_TYPE_OOL) {
		struct mach_msg_ool *o = (struct mach_msg_ool *)(t + 1);

		if (o->address && o->size)
			mk_vm_deallocate(MACH_PORT_TASK_SELF, o->address,
					 (o->size + FUZZ_PAGE - 1) & ~(FUZZ_PAGE - 1));
	}
}

/* Destroy what a received message brought: its reply right, port rights and regions. */
void fuzz_msg_release(struct fuzz_msg *m)
{
	if (m->header.remote_port && m->header.remote_port != MACH_PORT_DEAD)
		mk_port_destroy(MACH_PORT_TASK_SELF, m->header.remote_port);
	fuzz_msg_items(m, m->header.size < sizeof(*m) ? m->header.size : sizeof(*m),
		       fuzz_release_item, NULL);
}

void fuzz_drain(mach_port_name_t name)
{
	static union {
		struct fuzz_msg m;
		uint8_t bytes[FUZZ_DRAIN_BYTES];
	} buf;

	for (int i = 0; i < 16 && name; i++) {
		if (mk_mach_msg(&buf.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(buf), name, 0))
			return;
		fuzz_msg_release(&buf.m);
	}
}

static void fuzz_names_release(struct fuzz_names *f)
{
	mach_port_name_t all[4] = { f->holder, f->n, f->aux, f->sink };

	for (int i = 0; i < 4; i++)
		fuzz_drain(all[i]);
	for (int i = 0; i < 4; i++)
		if (all[i] > MACH_PORT_HOST_PRIV && all[i] != FUZZ_REPORT_NAME)
			mk_port_destroy(MACH_PORT_TASK_SELF, all[i]);
}

/* Move n's receive right into a message queued on a fresh holder port. */
static void fuzz_put_in_transit(struct fuzz_names *f)
{
	struct fuzz_msg m;

	f->holder = fuzz_port_send();
	fuzz_msg_init(&m, f->holder, MACH_MSG_TYPE_COPY_SEND, 1);
	fuzz_msg_add_port(&m, MACH_MSG_TYPE_MOVE_RECEIVE, f->n);
	fuzz_send(&m, 0);
}

/* Make f->n hold what state says; with_sink, a sink first (so a stale name stays free). */
static void fuzz_name_make(struct fuzz_names *f, enum fuzz_state state, bool with_sink)
{
	*f = (struct fuzz_names){ .sink = with_sink ? fuzz_port_send() : 0 };
	f->n = state == FS_RECV || state == FS_STALE ? fuzz_port() : fuzz_port_send();
	if (state == FS_RECV_SEND2 || state == FS_SEND2)
		mk_port_mod_refs(MACH_PORT_TASK_SELF, f->n, MACH_PORT_RIGHT_SEND, 1);
	if (state == FS_SEND1 || state == FS_SEND2 || state == FS_DEAD)
		fuzz_put_in_transit(f);
	if (state == FS_DEAD) {
		mk_port_destroy(MACH_PORT_TASK_SELF, f->holder);
		f->holder = 0;
	}
	if (state == FS_STALE)
		mk_port_destroy(MACH_PORT_TASK_SELF, f->n);
	if (state == FS_SONCE) {
		f->aux = f->n;
		f->n = 0;
		mk_port_extract_right(MACH_PORT_TASK_SELF, f->aux, MACH_MSG_TYPE_MAKE_SEND_ONCE, &f->n);
	}
	if (state == FS_SET) {
		mk_port_destroy(MACH_PORT_TASK_SELF, f->n);
		mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_PORT_SET, &f->n);
	}
}

/* Send m unless it is known bug (a) and the run leaves that out; the outcome or -1. */
static kern_return_t fuzz_send_checked(struct fuzz_child *c, struct fuzz_msg *m, uint64_t timeout)
{
	fuzz_msg_protect(c, m);
	if ((c->flags & FUZZ_SKIP_BUG_A) && fuzz_msg_reuses_consumed_name(m)) {
		c->skipped++;
		return -1;
	}
	return fuzz_send(m, timeout);
}

void fuzz_op_pair(struct fuzz_child *c, uint64_t index)
{
	uint64_t i = index % FUZZ_PAIRS;
	enum fuzz_state state = (enum fuzz_state)(i % FS_COUNT);
	enum fuzz_place place = (enum fuzz_place)(i / FS_COUNT % FP_COUNT);
	uint8_t d1 = fuzz_dispositions[i / (FS_COUNT * FP_COUNT) % FUZZ_NDISP];
	uint8_t d2 = fuzz_dispositions[i / (FS_COUNT * FP_COUNT * FUZZ_NDISP) % FUZZ_NDISP];
	struct fuzz_names f;
	struct fuzz_msg m;
	kern_return_t mr;

	fuzz_name_make(&f, state, place == FP_REPLY_ITEM || place == FP_ITEM_ITEM);
	fuzz_trace(c, "pair state %d place %d dispositions %u %u name %u", state, place, d1, d2, f.n);
	if (place == FP_DEST_REPLY || place == FP_DEST_ITEM) {
		fuzz_msg_init(&m, f.n, d1, 2);
	} else {
		fuzz_msg_init(&m, f.sink, MACH_MSG_TYPE_COPY_SEND, 2);
	}
	if (place == FP_DEST_REPLY)
		fuzz_msg_set_reply(&m, f.n, d2);
	else if (place == FP_REPLY_ITEM)
		fuzz_msg_set_reply(&m, f.n, d1);
	else if (place == FP_ITEM_ITEM)
		fuzz_msg_add_port(&m, d1, f.n);
	if (place != FP_DEST_REPLY)
		fuzz_msg_add_port(&m, d2, f.n);
	mr = fuzz_send_checked(c, &m, 0);
	if (mr != -1)
		fuzz_note(c, FUZZ_C_PAIR, state * FP_COUNT + place,
			  (uint32_t)(d1 - MACH_MSG_TYPE_MOVE_RECEIVE) * 8 + (d2 - MACH_MSG_TYPE_MOVE_RECEIVE),
			  mr);
	fuzz_names_release(&f);
}

/* A random disposition, now and then one that is none at all. */
static uint8_t fuzz_disposition(struct fuzz_child *c)
{
	return fuzz_below(c, 16) ? fuzz_dispositions[fuzz_below(c, FUZZ_NDISP)] :
	       (uint8_t)fuzz_below(c, 32);
}

void fuzz_op_triple(struct fuzz_child *c)
{
	enum fuzz_state state = (enum fuzz_state)fuzz_below(c, FS_COUNT);
	uint8_t d[3] = { fuzz_disposition(c), fuzz_disposition(c), fuzz_disposition(c) };
	uint32_t uses = 0, shape = (uint32_t)fuzz_below(c, 4);
	struct fuzz_names f;
	struct fuzz_msg m;
	kern_return_t mr;

	fuzz_name_make(&f, state, true);
	fuzz_trace(c, "triple state %d shape %u dispositions %u %u %u", state, shape, d[0], d[1], d[2]);
	if (shape & 1)
		fuzz_msg_init(&m, f.n, d[uses++], 3);
	else
		fuzz_msg_init(&m, f.sink, MACH_MSG_TYPE_COPY_SEND, 3);
	if (shape & 2)
		fuzz_msg_set_reply(&m, f.n, d[uses++]);
	while (uses < 3)
		fuzz_msg_add_port(&m, d[uses++], f.n);
	mr = fuzz_send_checked(c, &m, 0);
	if (mr != -1)
		fuzz_note(c, FUZZ_C_TRIPLE, state * 4 + shape, (d[0] % 32) * 32 + d[1] % 32, mr);
	fuzz_names_release(&f);
}

/* A name to put in a mutated message: ours, fresh, dead, null or anything. */
static mach_port_name_t fuzz_pick_name(struct fuzz_child *c, const struct fuzz_names *f)
{
	switch (fuzz_below(c, 7)) {
	case 0:  return f->n;
	case 1:  return f->sink;
	case 2:  return f->holder;
	case 3:  return MACH_PORT_NULL;
	case 4:  return MACH_PORT_DEAD;
	case 5:  return (mach_port_name_t)fuzz_below(c, 64);
	default: return (mach_port_name_t)fuzz_rand(&c->rng);
	}
}

/* A valid-looking body: in-line data, port items and small out-of-line regions. */
static void fuzz_mutated_body(struct fuzz_child *c, struct fuzz_msg *m, const struct fuzz_names *f)
{
	static uint8_t scratch[2 * FUZZ_PAGE] __attribute__((aligned(4096)));
	uint32_t items = (uint32_t)fuzz_below(c, 5);

	for (uint32_t i = 0; i < items; i++) {
		uint64_t kind = fuzz_below(c, 3);

		if (kind == 0) {
			uint8_t es = (uint8_t)(1u << fuzz_below(c, 4));
			uint32_t n = (uint32_t)fuzz_below(c, 32);
			uint8_t *p = fuzz_msg_add(m, MACH_MSG_TYPE_INLINE, es, 0, 0, n, n * es);

			for (uint32_t k = 0; p && k < n * es; k++)
				p[k] = (uint8_t)fuzz_rand(&c->rng);
		} else if (kind == 1) {
			uint32_t n = 1 + (uint32_t)fuzz_below(c, 3);
			mach_port_name_t *p = fuzz_msg_add(m, MACH_MSG_TYPE_PORTS, 0, fuzz_disposition(c),
							   0, n, n * 4);

			for (uint32_t k = 0; p && k < n; k++)
				p[k] = fuzz_pick_name(c, f);
		} else {
			struct mach_msg_ool *o = fuzz_msg_add(m, MACH_MSG_TYPE_OOL, 0, 0, 0, 1, sizeof(*o));

			if (o) {
				o->address = (uint64_t)scratch + fuzz_below(c, FUZZ_PAGE);
				o->size = fuzz_below(c, FUZZ_PAGE);
			}
		}
	}
}

/* Change one thing: a header field, an item's type word, or any byte. */
static void fuzz_mutate(struct fuzz_child *c, struct fuzz_msg *m)
{
	uint8_t *bytes = (uint8_t *)m;
	uint32_t len = m->header.size < sizeof(*m) ? m->header.size : sizeof(*m);

	switch (fuzz_below(c, 6)) {
	case 0: m->header.bits ^= 1u << fuzz_below(c, 32); break;
	case 1: m->header.size += (uint32_t)(fuzz_below(c, 5) * 8) - 16; break;
	case 2: m->header.size = (uint32_t)fuzz_rand(&c->rng); break;
	case 3: m->header.reserved = (uint32_t)fuzz_below(c, 2); break;
	case 4: bytes[sizeof(m->header) + fuzz_below(c, 8)] = (uint8_t)fuzz_rand(&c->rng); break;
	default: bytes[fuzz_below(c, len)] ^= (uint8_t)(1u << fuzz_below(c, 8)); break;
	}
}

void fuzz_op_mutated(struct fuzz_child *c)
{
	uint32_t mutations = (uint32_t)fuzz_below(c, 4), shape = (uint32_t)fuzz_below(c, 4);
	struct fuzz_names f;
	struct fuzz_msg m;
	kern_return_t mr;

	fuzz_name_make(&f, (enum fuzz_state)fuzz_below(c, FS_COUNT), true);
	fuzz_msg_init(&m, shape ? f.sink : f.n, shape ? MACH_MSG_TYPE_COPY_SEND : fuzz_disposition(c),
		      (int32_t)fuzz_rand(&c->rng));
	if (shape == 1)
		fuzz_msg_set_reply(&m, fuzz_pick_name(c, &f), fuzz_disposition(c));
	fuzz_mutated_body(c, &m, &f);
	for (uint32_t i = 0; i < mutations; i++)
		fuzz_mutate(c, &m);
	fuzz_trace(c, "mutated shape %u mutations %u size %u bits 0x%x", shape, mutations,
		   m.header.size, m.header.bits);
	fuzz_msg_protect(c, &m);
	if ((c->flags & FUZZ_SKIP_BUG_A) && fuzz_msg_reuses_consumed_name(&m)) {
		c->skipped++;
	} else {
		uint32_t size = m.header.size;
		bool rcv = shape == 2;

		if (size > sizeof(m))
			size = fuzz_below(c, 2) ? sizeof(m) : size;
		mr = mk_mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT |
				 (rcv ? MACH_RCV_MSG | MACH_RCV_TIMEOUT : 0), size,
				 rcv ? sizeof(m) : 0, rcv ? f.sink : 0, 0);
		if (rcv && mr == MACH_MSG_SUCCESS)
			fuzz_msg_release(&m);
		fuzz_note(c, FUZZ_C_MUTATED, shape * 4 + mutations, 0, mr);
	}
	fuzz_names_release(&f);
}

/* An out-of-line region's (address, size) at or over the edge of [base, base + len). */
static void fuzz_ool_edge(struct fuzz_child *c, vm_address_t base, vm_size_t len, uint32_t k,
			  struct mach_msg_ool *o)
{
	switch (k) {
	case 0:  o->address = base; o->size = len; break;                        /* ends at the end */
	case 1:  o->address = base + len - 8; o->size = 16; break;               /* into the hole */
	case 2:  o->address = base; o->size = len + FUZZ_PAGE; break;
	case 3:  o->address = base + fuzz_below(c, len); o->size = 0; break;     /* zero-length */
	case 4:  o->address = base + len - 1; o->size = 1; break;
	case 5:  o->address = base; o->size = 1ULL << 63; break;                 /* huge */
	case 6:  o->address = base; o->size = MACH_MSG_OOL_MAX_BYTES + 1; break;
	case 7:  o->address = base + FUZZ_PAGE; o->size = -(base + FUZZ_PAGE); break;  /* wraps */
	case 8:  o->address = 0; o->size = FUZZ_PAGE; break;
	case 9:  o->address = 0xFFFF800000000000UL; o->size = FUZZ_PAGE; break;  /* the kernel's */
	case 10: o->address = base + len; o->size = FUZZ_PAGE; break;            /* the hole itself */
	default: o->address = base + fuzz_below(c, len); o->size = fuzz_below(c, len); break;
	}
}
#define FUZZ_OOL_EDGES 12

void fuzz_op_ool(struct fuzz_child *c)
{
	vm_size_t len = (1 + fuzz_below(c, 4)) * FUZZ_PAGE;
	vm_address_t base = 0;
	uint32_t items = 1 + (uint32_t)fuzz_below(c, 3), first = 0;
	struct fuzz_names f = { .sink = fuzz_port_send() };
	struct fuzz_msg m;
	kern_return_t mr;

	if (mk_vm_allocate(MACH_PORT_TASK_SELF, &base, len + FUZZ_PAGE, VM_ALLOC_ANYWHERE) ||
	    mk_vm_deallocate(MACH_PORT_TASK_SELF, base + len, FUZZ_PAGE))
		return fuzz_names_release(&f);
	((volatile uint8_t *)base)[0] = 1;                 /* one page written, the others not */
	fuzz_msg_init(&m, f.sink, MACH_MSG_TYPE_COPY_SEND, 4);
	for (uint32_t i = 0; i < items; i++) {
		uint32_t k = (uint32_t)fuzz_below(c, FUZZ_OOL_EDGES);
		struct mach_msg_ool *o = fuzz_msg_add(&m, MACH_MSG_TYPE_OOL, 0, 0,
						      (uint8_t)fuzz_below(c, 2) * MACH_MSG_OOL_DEALLOCATE,
						      1, sizeof(*o));

		fuzz_ool_edge(c, base, len, k, o);
		first = i ? first : k;
	}
	fuzz_trace(c, "ool items %u first edge %u base 0x%lx len %lu", items, first,
		   (unsigned long)base, (unsigned long)len);
	mr = fuzz_send(&m, 0);
	fuzz_note(c, FUZZ_C_OOL, first, items * 2 + ((m.body[3] & 1) != 0), mr);
	fuzz_names_release(&f);
	mk_vm_deallocate(MACH_PORT_TASK_SELF, base, len);
}

struct fuzz_blocked_send {
	mach_port_name_t port;
	volatile int done;
	volatile kern_return_t mr;
};

/* A thread body: one send to a full queue, waiting up to 20 ms. */
static void fuzz_blocked_sender(void *arg)
{
	struct fuzz_blocked_send *b = arg;
	struct fuzz_msg m;

	fuzz_msg_init(&m, b->port, MACH_MSG_TYPE_COPY_SEND, 6);
	b->mr = fuzz_send(&m, 20);
	b->done = 1;
}

/* A full queue, then one of: a timed send, a send-once, a small buffer, a set, a dying port. */
void fuzz_op_queue(struct fuzz_child *c)
{
	static struct fuzz_blocked_send b;
	struct fuzz_names f = { .n = fuzz_port_send() };
	uint32_t kind = (uint32_t)fuzz_below(c, 7), sent = 0;
	mach_port_name_t so = 0, thread = 0;
	struct fuzz_msg m;
	kern_return_t kr = 0;

	mk_port_set_qlimit(MACH_PORT_TASK_SELF, f.n, 1 + (uint32_t)fuzz_below(c, 3));
	fuzz_msg_init(&m, f.n, MACH_MSG_TYPE_COPY_SEND, 5);
	while (sent < 8 && fuzz_send(&m, 0) == MACH_MSG_SUCCESS)
		sent++;
	fuzz_trace(c, "queue kind %u after %u sends", kind, sent);
	switch (kind) {
	case 0:
		kr = fuzz_send(&m, 1 + fuzz_below(c, 3));
		break;
	case 1:
		mk_port_extract_right(MACH_PORT_TASK_SELF, f.n, MACH_MSG_TYPE_MAKE_SEND_ONCE, &so);
		fuzz_msg_init(&m, so, MACH_MSG_TYPE_MOVE_SEND_ONCE, 5);
		kr = fuzz_send(&m, 0);
		break;
	case 2:
		kr = mk_mach_msg(&m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
				 (uint32_t)fuzz_below(c, sizeof(m.header)), f.n, 0);
		break;
	case 3:
		mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_PORT_SET, &f.aux);
		mk_port_move_member(MACH_PORT_TASK_SELF, f.n, f.aux);
		kr = mk_mach_msg(&m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(m), f.aux, 1);
		break;
	case 4:
		kr = mk_port_set_qlimit(MACH_PORT_TASK_SELF, f.n,
					fuzz_below(c, 2) ? 0 : MACH_PORT_QLIMIT_MAX + 1);
		break;
	case 5:
		b = (struct fuzz_blocked_send){ .port = f.n };
		kr = mk_thread_start(fuzz_blocked_sender, &b, 16384, &thread);
		mk_thread_sleep(1);
		mk_port_destroy(MACH_PORT_TASK_SELF, f.n);     /* the sender wakes */
		for (int i = 0; i < 100 && kr == KERN_SUCCESS && !b.done; i++)
			mk_thread_sleep(1);
		kr = b.done ? b.mr : kr;
		if (thread)
			mk_port_deallocate(MACH_PORT_TASK_SELF, thread);
		break;
	default:
		fuzz_drain(f.n);
		kr = mk_mach_msg(&m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(m), f.n, 1);
		break;
	}
	fuzz_note(c, FUZZ_C_QUEUE, kind, sent, kr);
	fuzz_names_release(&f);
}

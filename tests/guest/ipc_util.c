/*
 * ipc_util.c — the IPC tests' shared code (see ipc_util.h), and the helpers
 * more than one IPC test file starts: ipc_idle and ipc_echo_server.
 */
#include "ipc_util.h"

static const struct {
	mach_msg_return_t mr;
	const char *name;
} ipc_mr_names[] = {
	{ MACH_MSG_SUCCESS, "success" },
	{ MACH_SEND_INVALID_DATA, "send invalid data" },
	{ MACH_SEND_INVALID_DEST, "send invalid dest" },
	{ MACH_SEND_TIMED_OUT, "send timed out" },
	{ MACH_SEND_INVALID_REPLY, "send invalid reply" },
	{ MACH_SEND_INVALID_RIGHT, "send invalid right" },
	{ MACH_SEND_INVALID_MEMORY, "send invalid memory" },
	{ MACH_SEND_MSG_TOO_SMALL, "send msg too small" },
	{ MACH_SEND_TOO_LARGE, "send too large" },
	{ MACH_SEND_INVALID_TYPE, "send invalid type" },
	{ MACH_SEND_INVALID_HEADER, "send invalid header" },
	{ MACH_SEND_RECEIVE_CYCLE, "send receive cycle" },
	{ MACH_SEND_NO_BUFFER, "send no buffer" },
	{ MACH_SEND_ABORTED, "send aborted" },
	{ MACH_SEND_RIGHT_CONSUMED, "send right consumed" },
	{ MACH_RCV_INVALID_NAME, "rcv invalid name" },
	{ MACH_RCV_TIMED_OUT, "rcv timed out" },
	{ MACH_RCV_TOO_LARGE, "rcv too large" },
	{ MACH_RCV_INVALID_DATA, "rcv invalid data" },
	{ MACH_RCV_PORT_DIED, "rcv port died" },
	{ MACH_RCV_PORT_CHANGED, "rcv port changed" },
	{ MACH_RCV_ABORTED, "rcv aborted" },
	{ MACH_RCV_BODY_ERROR, "rcv body error" },
};

/* The name of a mach_msg result (or of a kern_return_t, which some traps give). */
const char *ipc_mr_name(mach_msg_return_t mr)
{
	for (size_t i = 0; i < sizeof(ipc_mr_names) / sizeof(ipc_mr_names[0]); i++)
		if (ipc_mr_names[i].mr == mr)
			return ipc_mr_names[i].name;
	return mk_strerror(mr);
}

/* "RECEIVE|SEND" and the like, for failure messages. */
static const char *ipc_type_format(mach_port_type_t type, char *buf, size_t size)
{
	static const char *const bits[] = { "SEND", "RECEIVE", "SEND_ONCE", "PORT_SET", "DEAD_NAME" };
	size_t n = 0;

	if (type == IPC_TYPE_NONE)
		return "no such name";
	buf[0] = '\0';
	for (unsigned i = 0; i < 32; i++) {
		if (!(type & (1u << i)))
			continue;
		if (i < sizeof(bits) / sizeof(bits[0]))
			n += snprintf(buf + n, size - n, "%s%s", n ? "|" : "", bits[i]);
		else
			n += snprintf(buf + n, size - n, "%sbit%u", n ? "|" : "", i);
		if (n >= size)
			break;
	}
	return n ? buf : "none";
}

void ipc_expect_type(const char *file, int line, const char *label, mach_port_name_t task,
		     mach_port_name_t name, mach_port_type_t want)
{
	mach_port_type_t got = 0;
	kern_return_t kr = mk_port_type(task, name, &got);
	char w[64], g[64];

	if (kr == KERN_INVALID_NAME)
		got = IPC_TYPE_NONE;
	else if (kr != KERN_SUCCESS)
		guest_fail(file, line, "type of %s (name %u): expected %s got error %s", label, name,
			   ipc_type_format(want, w, sizeof(w)), mk_strerror(kr));
	if (got != want)
		guest_fail(file, line, "type of %s (name %u): expected %s got %s", label, name,
			   ipc_type_format(want, w, sizeof(w)), ipc_type_format(got, g, sizeof(g)));
}

/*
 * There is no call that reads user references, so probe them without
 * changing them: taking n + 1 must be refused (at most n are held); taking
 * n - 1 must leave the right in place (at least n are held), and they are
 * then given back.
 */
void ipc_expect_urefs(const char *file, int line, const char *label, mach_port_name_t task,
		      mach_port_name_t name, mach_port_right_t right, int n)
{
	mach_port_type_t bit = right == MACH_PORT_RIGHT_DEAD_NAME ? MACH_PORT_TYPE_DEAD_NAME
								  : MACH_PORT_TYPE_SEND;
	mach_port_type_t type = 0;
	kern_return_t kr;

	kr = n > 0 ? mk_port_mod_refs(task, name, right, -(n + 1)) : KERN_INVALID_VALUE;
	if (kr != KERN_INVALID_VALUE)
		guest_fail(file, line, "user refs of %s (name %u): expected %d, but taking %d gave %s "
			   "instead of invalid value", label, name, n, n + 1, mk_strerror(kr));
	if (n > 1) {
		kr = mk_port_mod_refs(task, name, right, -(n - 1));
		if (kr != KERN_SUCCESS)
			guest_fail(file, line, "user refs of %s (name %u): expected %d, but taking %d "
				   "gave %s", label, name, n, n - 1, mk_strerror(kr));
	}
	kr = mk_port_type(task, name, &type);
	if (n > 0 && (kr != KERN_SUCCESS || !(type & bit)))
		guest_fail(file, line, "user refs of %s (name %u): expected %d got fewer",
			   label, name, n);
	if (n == 0 && kr == KERN_SUCCESS && (type & bit))
		guest_fail(file, line, "user refs of %s (name %u): expected 0 got some", label, name);
	if (n > 1 && (kr = mk_port_mod_refs(task, name, right, n - 1)) != KERN_SUCCESS)
		guest_fail(file, line, "user refs of %s (name %u): giving back %d gave %s",
			   label, name, n - 1, mk_strerror(kr));
}

static mach_port_name_t ipc_alloc(mach_port_right_t right)
{
	mach_port_name_t name = MACH_PORT_NULL;
	kern_return_t kr = mk_port_allocate(MACH_PORT_TASK_SELF, right, &name);

	if (kr != KERN_SUCCESS)
		guest_fail(__FILE__, __LINE__, "port_allocate(right %u): expected success got %s",
			   right, mk_strerror(kr));
	return name;
}

mach_port_name_t ipc_port_alloc(void)
{
	return ipc_alloc(MACH_PORT_RIGHT_RECEIVE);
}

mach_port_name_t ipc_port_alloc_set(void)
{
	return ipc_alloc(MACH_PORT_RIGHT_PORT_SET);
}

mach_port_name_t ipc_port_alloc_send(void)
{
	mach_port_name_t name = ipc_port_alloc();
	kern_return_t kr = mk_port_insert_right(MACH_PORT_TASK_SELF, name, name,
						MACH_MSG_TYPE_MAKE_SEND);

	if (kr != KERN_SUCCESS)
		guest_fail(__FILE__, __LINE__, "insert_right(MAKE_SEND) on %u: expected success got %s",
			   name, mk_strerror(kr));
	return name;
}

mach_port_name_t ipc_make_send_once(mach_port_name_t port)
{
	mach_port_name_t so = MACH_PORT_NULL;
	kern_return_t kr = mk_port_extract_right(MACH_PORT_TASK_SELF, port,
						 MACH_MSG_TYPE_MAKE_SEND_ONCE, &so);

	if (kr != KERN_SUCCESS)
		guest_fail(__FILE__, __LINE__, "extract_right(MAKE_SEND_ONCE) on %u: expected success "
			   "got %s", port, mk_strerror(kr));
	return so;
}

struct mach_port_status ipc_status(mach_port_name_t port)
{
	struct mach_port_status st;
	kern_return_t kr = mk_port_get_attributes(MACH_PORT_TASK_SELF, port, &st);

	if (kr != KERN_SUCCESS)
		guest_fail(__FILE__, __LINE__, "get_attributes(%u): expected success got %s", port,
			   mk_strerror(kr));
	return st;
}

uint32_t ipc_msgcount(mach_port_name_t port)
{
	return ipc_status(port).msgcount;
}

void ipc_msg_init(struct mach_msg_header *h, mach_port_name_t dest, int dest_disposition,
		  int32_t id)
{
	h->bits = MACH_MSGH_BITS(dest_disposition, 0);
	h->size = sizeof(*h);
	h->remote_port = dest;
	h->local_port = MACH_PORT_NULL;
	h->reserved = 0;
	h->id = id;
}

void ipc_msg_set_reply(struct mach_msg_header *h, mach_port_name_t reply, int disposition)
{
	h->local_port = reply;
	h->bits = (h->bits & ~MACH_MSGH_BITS(0, 0xFF)) | MACH_MSGH_BITS(0, disposition);
}

struct mach_msg_type *ipc_msg_add_raw(struct mach_msg_header *h,
				      const struct mach_msg_type *type, uint32_t data_bytes)
{
	struct mach_msg_type *t = (struct mach_msg_type *)((uint8_t *)h + h->size);
	uint32_t padded = IPC_ROUND8(data_bytes);

	*t = *type;
	memset(t + 1, 0, padded);
	h->size += sizeof(*t) + padded;
	h->bits |= MACH_MSGH_BITS_COMPLEX;
	return t;
}

void *ipc_msg_add_inline(struct mach_msg_header *h, uint8_t elem_size, uint32_t count,
			 const void *data)
{
	struct mach_msg_type type = { .kind = MACH_MSG_TYPE_INLINE, .elem_size = elem_size,
				      .count = count };
	struct mach_msg_type *t = ipc_msg_add_raw(h, &type, (uint32_t)elem_size * count);

	if (data)
		memcpy(t + 1, data, (size_t)elem_size * count);
	return t + 1;
}

mach_port_name_t *ipc_msg_add_ports(struct mach_msg_header *h, int disposition,
				    uint32_t count, const mach_port_name_t *names)
{
	struct mach_msg_type type = { .kind = MACH_MSG_TYPE_PORTS,
				      .disposition = (uint8_t)disposition, .count = count };
	struct mach_msg_type *t = ipc_msg_add_raw(h, &type, count * sizeof(mach_port_name_t));

	memcpy(t + 1, names, count * sizeof(mach_port_name_t));
	return (mach_port_name_t *)(t + 1);
}

struct mach_msg_ool *ipc_msg_add_ool(struct mach_msg_header *h, vm_address_t addr,
				     uint64_t size, uint8_t flags)
{
	struct mach_msg_type type = { .kind = MACH_MSG_TYPE_OOL, .flags = flags, .count = 1 };
	struct mach_msg_ool *ool =
		(struct mach_msg_ool *)(ipc_msg_add_raw(h, &type, sizeof(*ool)) + 1);

	ool->address = addr;
	ool->size = size;
	return ool;
}

/* Bytes of data after an item's type (padded), or 0 for a kind we don't know. */
static uint64_t ipc_item_data_bytes(const struct mach_msg_type *t)
{
	switch (t->kind) {
	case MACH_MSG_TYPE_INLINE:
		return IPC_ROUND8((uint64_t)t->elem_size * t->count);
	case MACH_MSG_TYPE_PORTS:
		return IPC_ROUND8((uint64_t)t->count * sizeof(mach_port_name_t));
	case MACH_MSG_TYPE_OOL:
		return sizeof(struct mach_msg_ool);
	default:
		return 0;
	}
}

struct mach_msg_type *ipc_msg_item(struct mach_msg_header *h, unsigned index)
{
	uint64_t off = sizeof(*h);

	if (!(h->bits & MACH_MSGH_BITS_COMPLEX))
		return NULL;
	while (off + sizeof(struct mach_msg_type) <= h->size) {
		struct mach_msg_type *t = (struct mach_msg_type *)((uint8_t *)h + off);
		uint64_t bytes = ipc_item_data_bytes(t);

		if (bytes == 0 || off + sizeof(*t) + bytes > h->size)
			return NULL;
		if (index-- == 0)
			return t;
		off += sizeof(*t) + bytes;
	}
	return NULL;
}

void *ipc_expect_item(const char *file, int line, struct mach_msg_header *h, unsigned index,
		      int kind, uint32_t count)
{
	struct mach_msg_type *t = ipc_msg_item(h, index);

	if (!t)
		guest_fail(file, line, "message id %d: expected an item %u got none (size %u, bits "
			   "0x%x)", h->id, index, h->size, h->bits);
	if (t->kind != kind || t->count != count)
		guest_fail(file, line, "message id %d item %u: expected kind %d count %u got kind %u "
			   "count %u", h->id, index, kind, count, t->kind, t->count);
	return t + 1;
}

mach_msg_return_t ipc_send(struct mach_msg_header *h)
{
	return mk_mach_msg(h, MACH_SEND_MSG, h->size, 0, MACH_PORT_NULL, 0);
}

mach_msg_return_t ipc_send_timeout(struct mach_msg_header *h, uint64_t timeout_ms)
{
	return mk_mach_msg(h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, h->size, 0, MACH_PORT_NULL,
			   timeout_ms);
}

mach_msg_return_t ipc_send_id(mach_port_name_t dest, int32_t id)
{
	struct mach_msg_header h;

	ipc_msg_init(&h, dest, MACH_MSG_TYPE_COPY_SEND, id);
	return ipc_send(&h);
}

mach_msg_return_t ipc_receive(struct mach_msg_header *h, uint32_t size, mach_port_name_t name,
			      uint64_t timeout_ms)
{
	if (timeout_ms == IPC_FOREVER)
		return mk_mach_msg(h, MACH_RCV_MSG, 0, size, name, 0);
	return mk_mach_msg(h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, size, name, timeout_ms);
}

mach_msg_return_t ipc_call(struct mach_msg_header *h, uint32_t rcv_size, mach_port_name_t reply)
{
	ipc_msg_set_reply(h, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	return mk_mach_msg(h, MACH_SEND_MSG | MACH_RCV_MSG, h->size, rcv_size, reply, 0);
}

mach_msg_return_t ipc_kobject_call(mach_port_name_t object, int32_t id, struct ipc_buf *reply)
{
	mach_port_name_t port = ipc_port_alloc();
	mach_msg_return_t mr;

	ipc_msg_init(&reply->header, object, MACH_MSG_TYPE_COPY_SEND, id);
	mr = ipc_call(&reply->header, sizeof(*reply), port);
	mk_port_destroy(MACH_PORT_TASK_SELF, port);
	return mr;
}

void ipc_expect_notification(const char *file, int line, mach_port_name_t port, int32_t id,
			     mach_port_name_t name)
{
	struct ipc_buf m;
	mach_msg_return_t mr = ipc_receive(&m.header, sizeof(m), port, IPC_WAIT_MS);
	uint32_t *body;

	if (mr != MACH_MSG_SUCCESS)
		guest_fail(file, line, "notification 0x%x on port %u: expected one got %s", id, port,
			   ipc_mr_name(mr));
	if (m.header.id != id || m.header.local_port != port)
		guest_fail(file, line, "notification: expected id 0x%x on port %u got id 0x%x on %u",
			   id, port, m.header.id, m.header.local_port);
	if (name == MACH_PORT_NULL)
		return;
	body = ipc_expect_item(file, line, &m.header, 0, MACH_MSG_TYPE_INLINE, 1);
	if (body[0] != name)
		guest_fail(file, line, "notification 0x%x: expected name %u got %u", id, name, body[0]);
}

uint64_t ipc_now_ms(void)
{
	return mk_kernel_stat(KSTAT_TICKS) * mk_kernel_stat(KSTAT_TICK_NS) / 1000000;
}

mach_port_name_t ipc_thread_start(void (*fn)(void *), void *arg)
{
	mach_port_name_t t = MACH_PORT_NULL;
	kern_return_t kr = mk_thread_start(fn, arg, IPC_THREAD_STACK_BYTES, &t);

	if (kr != KERN_SUCCESS)
		guest_fail(__FILE__, __LINE__, "thread_start: expected success got %s",
			   mk_strerror(kr));
	return t;
}

static void ipc_waiter_run(void *p)
{
	struct ipc_waiter *w = p;
	mach_msg_return_t mr;

	if (w->op == IPC_WAITER_RECEIVE) {
		mr = ipc_receive(&w->buf.header, sizeof(w->buf), w->name, IPC_FOREVER);
	} else {
		ipc_msg_init(&w->buf.header, w->name, MACH_MSG_TYPE_COPY_SEND, w->id);
		mr = ipc_send(&w->buf.header);
	}
	w->mr = mr;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
}

void ipc_waiter_start(struct ipc_waiter *w, enum ipc_waiter_op op, mach_port_name_t name,
		      int32_t id)
{
	w->op = op;
	w->name = name;
	w->id = id;
	w->done = 0;
	w->mr = -1;
	ipc_thread_start(ipc_waiter_run, w);
}

int ipc_waiter_wait(struct ipc_waiter *w, unsigned long ms)
{
	for (unsigned long waited = 0; !__atomic_load_n(&w->done, __ATOMIC_ACQUIRE); waited++) {
		if (waited >= ms)
			return 0;
		mk_thread_sleep(1);
	}
	return 1;
}

int ipc_echo_prepare(struct mach_msg_header *h)
{
	struct mach_msg_type *t;

	if (h->remote_port == MACH_PORT_NULL)
		return 0;
	h->bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(h->bits), 0) |
		  (h->bits & MACH_MSGH_BITS_COMPLEX);
	h->local_port = MACH_PORT_NULL;
	h->reserved = 0;
	h->id = IPC_REPLY_ID(h->id);
	/* received dispositions (PORT_SEND = MOVE_SEND, ...) send the rights straight back */
	for (unsigned i = 0; (t = ipc_msg_item(h, i)) != NULL; i++)
		if (t->kind == MACH_MSG_TYPE_OOL)
			t->flags |= MACH_MSG_OOL_DEALLOCATE;
	return 1;
}

/* MACH_RCV_* results carry 0x4000 (message.h); a combined call that fails
 * with a MACH_SEND_* result did not get as far as receiving. */
static int ipc_mr_is_receive_error(mach_msg_return_t mr)
{
	return (mr & 0x4000) != 0;
}

int ipc_echo_serve(mach_port_name_t port)
{
	struct ipc_buf m;
	int option = MACH_RCV_MSG, served = 0;

	for (;;) {
		uint32_t send_size = (option & MACH_SEND_MSG) ? m.header.size : 0;
		mach_msg_return_t mr = mk_mach_msg(&m.header, option, send_size, sizeof(m), port, 0);
		int quit;

		option = MACH_RCV_MSG;
		if (mr != MACH_MSG_SUCCESS) {
			if (ipc_mr_is_receive_error(mr))
				return served;
			continue;                /* the reply could not go: drop it */
		}
		if (m.header.id == MACH_NOTIFY_NO_SENDERS)
			return served;
		quit = m.header.id == IPC_ID_QUIT;
		if (!ipc_echo_prepare(&m.header))
			continue;
		served++;
		if (quit) {
			ipc_send(&m.header);
			return served;
		}
		option = MACH_SEND_MSG | MACH_RCV_MSG;
	}
}

void ipc_echo_thread(void *port)
{
	ipc_echo_serve((mach_port_name_t)(uintptr_t)port);
}

void ipc_null_rpcs(mach_port_name_t dest, mach_port_name_t reply, int n, uint64_t *samples)
{
	struct ipc_buf m;

	for (int i = 0; i < n; i++) {
		mach_msg_return_t mr;
		uint64_t t0, t1;

		ipc_msg_init(&m.header, dest, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
		ipc_msg_set_reply(&m.header, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE);
		t0 = mk_rdtsc();
		mr = mk_mach_msg(&m.header, MACH_SEND_MSG | MACH_RCV_MSG, sizeof(m.header),
				 sizeof(m), reply, 0);
		t1 = mk_rdtsc();
		if (mr != MACH_MSG_SUCCESS || m.header.id != IPC_REPLY_ID(IPC_ID_PING))
			guest_fail(__FILE__, __LINE__, "null RPC %d: expected success and reply id %d "
				   "got %s and id %d", i, IPC_REPLY_ID(IPC_ID_PING), ipc_mr_name(mr),
				   m.header.id);
		if (samples)
			samples[i] = t1 - t0;
	}
}

void ipc_echo_quit(mach_port_name_t dest, mach_port_name_t reply)
{
	struct ipc_buf m;

	ipc_msg_init(&m.header, dest, MACH_MSG_TYPE_COPY_SEND, IPC_ID_QUIT);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_call(&m.header, sizeof(m), reply));
	EXPECT_EQ(IPC_REPLY_ID(IPC_ID_QUIT), m.header.id);
}

mach_port_name_t ipc_spawn_with_right(const char *helper, const char *extra,
				      mach_port_name_t port, int disposition)
{
	mach_port_name_t task = guest_spawn_helper(helper, extra);
	kern_return_t kr = mk_port_insert_right(task, IPC_HELPER_PORT, port, disposition);

	if (kr != KERN_SUCCESS) {
		mk_task_terminate(task);
		guest_fail(__FILE__, __LINE__, "insert_right into helper %s (disposition %d): "
			   "expected success got %s", helper, disposition, mk_strerror(kr));
	}
	return task;
}

struct task_status ipc_task_wait(mach_port_name_t task)
{
	struct task_status st;
	kern_return_t kr = mk_task_wait(task, &st, GUEST_TEST_TIMEOUT_MS);

	if (kr != KERN_SUCCESS) {
		mk_task_terminate(task);
		guest_fail(__FILE__, __LINE__, "task_wait on helper: expected success got %s",
			   mk_strerror(kr));
	}
	mk_port_deallocate(MACH_PORT_TASK_SELF, task);
	return st;
}

void ipc_task_kill(mach_port_name_t task)
{
	EXPECT_KR(KERN_SUCCESS, mk_task_terminate(task));
	ipc_task_wait(task);
}

mach_port_name_t ipc_helper_port(void)
{
	mach_port_type_t type;

	for (int i = 0; i < IPC_WAIT_MS; i++) {
		if (mk_port_type(MACH_PORT_TASK_SELF, IPC_HELPER_PORT, &type) == KERN_SUCCESS)
			return IPC_HELPER_PORT;
		mk_thread_sleep(1);
	}
	mk_task_exit(IPC_HELPER_NO_PORT);
}

unsigned ipc_parse_uint(const char *s)
{
	unsigned v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (unsigned)(*s++ - '0');
	return v;
}

/* Shell sort: enough for the few thousand samples a figure takes. */
void ipc_sort_u64(uint64_t *v, size_t n)
{
	for (size_t gap = n / 2; gap > 0; gap /= 2)
		for (size_t i = gap; i < n; i++)
			for (size_t j = i; j >= gap && v[j - gap] > v[j]; j -= gap) {
				uint64_t t = v[j];

				v[j] = v[j - gap];
				v[j - gap] = t;
			}
}

/* A task to hold rights while a test works on its IPC space from outside;
 * it ends by itself if the test never kills it. */
int helper_ipc_idle(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	mk_thread_sleep(GUEST_TEST_TIMEOUT_MS);
	return 0;
}

/* The echo server on the receive right at IPC_HELPER_PORT; it also stops when
 * the test (the last sender) is gone. */
int helper_ipc_echo_server(int argc, char **argv)
{
	mach_port_name_t port = ipc_helper_port();

	(void)argc;
	(void)argv;
	mk_port_request_notification(MACH_PORT_TASK_SELF, port, MACH_NOTIFY_NO_SENDERS, port);
	ipc_echo_serve(port);
	return 0;
}

mach_port_name_t ipc_blocked_sender_start(struct ipc_waiter *w)
{
	mach_port_name_t p = ipc_port_alloc_send();

	EXPECT_KR(KERN_SUCCESS, mk_port_set_qlimit(MACH_PORT_TASK_SELF, p, 1));
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(p, 1));
	ipc_waiter_start(w, IPC_WAITER_SEND, p, 2);
	mk_thread_sleep(IPC_SETTLE_MS);
	EXPECT_EQ(0, w->done);
	return p;
}

/* Send [addr, addr + size) out of line with flags to a new port of this task; returns the port. */
mach_port_name_t ipc_ool_send(vm_address_t addr, vm_size_t size, uint8_t flags)
{
	mach_port_name_t p = ipc_port_alloc_send();
	struct ipc_buf m;

	ipc_msg_init(&m.header, p, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	ipc_msg_add_ool(&m.header, addr, size, flags);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send(&m.header));
	return p;
}

/* Receive the region ipc_ool_send queued on p (of size bytes), destroy p; returns its address. */
vm_address_t ipc_ool_receive(mach_port_name_t p, vm_size_t size)
{
	struct mach_msg_ool *ool;
	struct ipc_buf m;

	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), p, 0));
	ool = IPC_ITEM(&m.header, 0, MACH_MSG_TYPE_OOL, 1);
	EXPECT_EQ(size, ool->size);
	EXPECT(ool->address != 0);
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(MACH_PORT_TASK_SELF, p));
	return ool->address;
}

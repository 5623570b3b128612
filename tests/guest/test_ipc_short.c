/*
 * test_ipc_short.c — the short message trap (mk_mach_msg_short: a message of
 * at most MACH_MSG_SHORT_MAX bytes carried in registers both ways): RPCs on
 * the fast path between threads and between tasks, the same bytes as
 * mach_msg's in either direction, a long message left queued for mach_msg,
 * bad arguments refused with every register left as it was, port rights
 * through the general path, and a reply on a send-once right whose port died.
 */
#include "ipc_util.h"

#define SELF               MACH_PORT_TASK_SELF
#define WARMUP_RPCS        10
#define FASTPATH_RPCS      200     /* RPCs whose fast-path hits are counted (two each) */
#define RIGHTS_RPCS        50      /* RPCs carrying a right, which must skip the fast path */
#define LONG_MSG_BYTES     256     /* a message only mach_msg can take */
#define CHILD_STACK_BYTES  (16 * 1024)
#define SHORT_GARBAGE      0xA5A5A5A5A5A5A5A5UL  /* what the kernel must ignore or overwrite */
#define SHORT_REGS         6       /* rdi, rsi, rdx, r10, r8, r9 */

static uint64_t pattern(uint64_t i, uint64_t seed)
{
	return ((i + 1) * 0x9E3779B97F4A7C15UL) ^ seed;
}

/* ---- the trap with its registers in view ---- */

/* The short trap's six argument registers, in order. */
struct short_regs {
	uint64_t r[SHORT_REGS];
};

/*
 * The short trap with every register shown both ways. mk_mach_msg_short
 * writes a message back only when one was received, so it cannot show
 * whether a refused call left the registers alone, and it computes the send
 * size from the header, so it cannot pass one the header does not hold.
 */
static mach_msg_return_t short_trap_raw(struct short_regs *regs)
{
	long ret = MK_TRAP_MACH_MSG_SHORT;
	register uint64_t rdi __asm__("rdi") = regs->r[0];
	register uint64_t rsi __asm__("rsi") = regs->r[1];
	register uint64_t rdx __asm__("rdx") = regs->r[2];
	register uint64_t r10 __asm__("r10") = regs->r[3];
	register uint64_t r8 __asm__("r8") = regs->r[4];
	register uint64_t r9 __asm__("r9") = regs->r[5];

	__asm__ volatile("syscall"
			 : "+a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
			 : : "rcx", "r11", "memory");
	*regs = (struct short_regs){ .r = { rdi, rsi, rdx, r10, r8, r9 } };
	return (mach_msg_return_t)ret;
}

/* m in the trap's registers; option carries the send size (MACH_MSG_SHORT_OPTION). */
static struct short_regs short_regs_make(const struct mach_msg_short *m, uint32_t option,
					 mach_port_name_t rcv_name)
{
	return (struct short_regs){ .r = {
		option | (uint64_t)rcv_name << 32,
		m->header.bits | (uint64_t)(uint32_t)m->header.id << 32,
		m->header.remote_port | (uint64_t)m->header.local_port << 32,
		m->body[0], m->body[1], m->body[2],
	} };
}

/* A call that received nothing leaves every register as it was. */
#define EXPECT_REGS_UNCHANGED(before, after) \
	short_expect_regs(__FILE__, __LINE__, "registers", before, after)
static void short_expect_regs(const char *file, int line, const char *label,
			      const struct short_regs *before, const struct short_regs *after)
{
	static const char *const names[SHORT_REGS] = { "rdi", "rsi", "rdx", "r10", "r8", "r9" };

	for (int i = 0; i < SHORT_REGS; i++)
		if (before->r[i] != after->r[i])
			guest_fail(file, line, "%s: %s: expected 0x%lx (unchanged) got 0x%lx",
				   label, names[i], before->r[i], after->r[i]);
}

/* ---- short messages ---- */

/* An item's type as the body word it is in a short message. */
static uint64_t short_type_word(uint8_t kind, uint8_t elem_size, uint8_t disposition,
				uint32_t count)
{
	struct mach_msg_type t = { .kind = kind, .elem_size = elem_size,
				   .disposition = disposition, .count = count };
	uint64_t w;

	memcpy(&w, &t, sizeof(w));
	return w;
}

/* A header-only message; its body words hold garbage that must not travel. */
static void short_msg_init(struct mach_msg_short *m, mach_port_name_t dest, int disposition,
			   int32_t id)
{
	ipc_msg_init(&m->header, dest, disposition, id);
	m->body[0] = m->body[1] = m->body[2] = SHORT_GARBAGE;
}

/* The body becomes one in-line item of count (1 or 2) 8-byte words, w1 [and
 * w2]: two make MACH_MSG_SHORT_MAX bytes in all. */
static void short_msg_set_words(struct mach_msg_short *m, uint32_t count, uint64_t w1, uint64_t w2)
{
	m->header.bits |= MACH_MSGH_BITS_COMPLEX;
	m->header.size = sizeof(m->header) + 8 + 8 * count;
	m->body[0] = short_type_word(MACH_MSG_TYPE_INLINE, 8, 0, count);
	m->body[1] = w1;
	if (count == 2)
		m->body[2] = w2;
}

/* The body becomes one ports item of count (1 or 2) names: 40 bytes in all. */
static void short_msg_set_ports(struct mach_msg_short *m, int disposition, uint32_t count,
				mach_port_name_t n0, mach_port_name_t n1)
{
	m->header.bits |= MACH_MSGH_BITS_COMPLEX;
	m->header.size = sizeof(m->header) + 16;
	m->body[0] = short_type_word(MACH_MSG_TYPE_PORTS, 0, (uint8_t)disposition, count);
	m->body[1] = n0 | (uint64_t)n1 << 32;
}

/* The message the receiver of sent gets: its header rewritten (a reply right
 * of type reply_type at reply, the port it arrived on), unused words 0. */
static struct mach_msg_short short_as_received(const struct mach_msg_short *sent,
					       mach_port_name_t reply, int reply_type,
					       mach_port_name_t port)
{
	struct mach_msg_short m = *sent;
	uint32_t words = (sent->header.size - sizeof(sent->header)) / 8;

	m.header.bits = MACH_MSGH_BITS(reply_type, 0) |
			(sent->header.bits & MACH_MSGH_BITS_COMPLEX);
	m.header.remote_port = reply;
	m.header.local_port = port;
	m.header.reserved = 0;
	for (uint32_t i = words; i < MACH_MSG_SHORT_WORDS; i++)
		m.body[i] = 0;
	return m;
}

#define SHORT_FIELDS 8

/* m's fields: bits, size, remote_port, local_port, id, words 0 to 2 (the
 * reserved field is not carried). */
static void short_fields(const struct mach_msg_short *m, uint64_t f[SHORT_FIELDS])
{
	f[0] = m->header.bits;
	f[1] = m->header.size;
	f[2] = m->header.remote_port;
	f[3] = m->header.local_port;
	f[4] = (uint32_t)m->header.id;
	for (int i = 0; i < MACH_MSG_SHORT_WORDS; i++)
		f[5 + i] = m->body[i];
}

/* The first field in which got is not want, or -1; its values in *w and *g. */
static int short_difference(const struct mach_msg_short *want, const struct mach_msg_short *got,
			    uint64_t *w, uint64_t *g)
{
	uint64_t fw[SHORT_FIELDS], fg[SHORT_FIELDS];

	short_fields(want, fw);
	short_fields(got, fg);
	for (int i = 0; i < SHORT_FIELDS; i++)
		if (fw[i] != fg[i]) {
			*w = fw[i];
			*g = fg[i];
			return i;
		}
	return -1;
}

/* got is want, or the test fails naming the message (context) and the first field that is not. */
#define EXPECT_SHORT(want, got) short_expect(__FILE__, __LINE__, "message", want, got)
static void short_expect(const char *file, int line, const char *context,
			 const struct mach_msg_short *want, const struct mach_msg_short *got)
{
	static const char *const names[SHORT_FIELDS] = {
		"bits", "size", "remote_port", "local_port", "id", "word 0", "word 1", "word 2",
	};
	uint64_t w, g;
	int i = short_difference(want, got, &w, &g);

	if (i >= 0)
		guest_fail(file, line, "%s: %s: expected 0x%lx got 0x%lx", context, names[i], w, g);
}

/* ---- echo servers and clients ---- */

/*
 * The echo server in short messages on port: answers each request with its
 * own words (ipc_echo_prepare), replying and waiting for the next request in
 * one call, until it has answered IPC_ID_QUIT. Returns whether it stopped
 * that way rather than at a call that failed.
 */
static int short_echo_serve(mach_port_name_t port)
{
	struct mach_msg_short m = { 0 };     /* in registers even to receive: initialised */
	uint32_t option = MACH_RCV_MSG;

	for (;;) {
		if (mk_mach_msg_short(&m, option, port) != MACH_MSG_SUCCESS ||
		    !ipc_echo_prepare(&m.header))
			return 0;
		if (m.header.id == IPC_REPLY_ID(IPC_ID_QUIT))
			return mk_mach_msg_short(&m, MACH_SEND_MSG, MACH_PORT_NULL) ==
			       MACH_MSG_SUCCESS;
		option = MACH_SEND_MSG | MACH_RCV_MSG;
	}
}

/* short_echo_serve as a thread body; a server that fails destroys its port,
 * so that a client waiting on it hears of it instead of waiting for ever. */
static void short_echo_thread(void *port)
{
	mach_port_name_t p = (mach_port_name_t)(uintptr_t)port;

	if (!short_echo_serve(p))
		mk_port_destroy(SELF, p);
}

/* short_echo_serve as the one thread of another task, whose exit code says how it stopped. */
static void short_echo_task_main(void *port)
{
	mk_task_exit(short_echo_serve((mach_port_name_t)(uintptr_t)port) ? 0 : IPC_HELPER_FAILED);
}

/*
 * A copy of this task (mk_task_create, no helper program needed) running
 * the short echo server on the receive right of *s, to which we keep a send
 * right; returns the task.
 */
static mach_port_name_t short_echo_task_start(mach_port_name_t *s)
{
	vm_address_t stack = 0;
	mach_port_name_t task, thread;

	*s = ipc_port_alloc_send();
	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(SELF, &stack, CHILD_STACK_BYTES, VM_ALLOC_ANYWHERE));
	EXPECT_KR(KERN_SUCCESS, mk_task_create(SELF, 1, &task));
	/* the child has its own copy of the stack */
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(SELF, stack, CHILD_STACK_BYTES));
	EXPECT_KR(KERN_SUCCESS, mk_port_insert_right(task, IPC_HELPER_PORT, *s,
						     MACH_MSG_TYPE_MOVE_RECEIVE));
	/* rsp 16-aligned minus 8, as after a call (mk_thread_start does the same) */
	EXPECT_KR(KERN_SUCCESS, mk_thread_create(task, short_echo_task_main,
						 (void *)(stack + CHILD_STACK_BYTES - 8),
						 (void *)(uintptr_t)IPC_HELPER_PORT, &thread));
	mk_port_deallocate(SELF, thread);
	return task;
}

/* Stop the echo server task at s (short or mach_msg) and see it end well. */
static void echo_task_stop(mach_port_name_t task, mach_port_name_t s, mach_port_name_t r)
{
	struct task_status st;

	ipc_echo_quit(s, r);
	st = ipc_task_wait(task);
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(0, st.code);
}

/* n short RPCs to the echo server at dest answered on reply, request i
 * carrying i % 3 words in line (none: header only; the words are 2i and
 * 2i + 1 of seed's pattern); every answer must be its request's echo, with
 * no reply right, as received on reply, its unused words 0. */
static void short_rpcs(mach_port_name_t dest, mach_port_name_t reply, int n, uint64_t seed)
{
	for (int i = 0; i < n; i++) {
		struct mach_msg_short m, want;
		mach_msg_return_t mr;
		uint64_t w, g;
		char context[32];

		short_msg_init(&m, dest, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
		if (i % 3)
			short_msg_set_words(&m, (uint32_t)i % 3, pattern(2 * i, seed),
					    pattern(2 * i + 1, seed));
		ipc_msg_set_reply(&m.header, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE);
		want = short_as_received(&m, MACH_PORT_NULL, 0, reply);
		want.header.id = IPC_REPLY_ID(IPC_ID_PING);
		mr = mk_mach_msg_short(&m, MACH_SEND_MSG | MACH_RCV_MSG, reply);
		if (mr != MACH_MSG_SUCCESS)
			guest_fail(__FILE__, __LINE__, "short RPC %d: expected success got %s "
				   "(0x%x)", i, ipc_mr_name(mr), (unsigned)mr);
		if (short_difference(&want, &m, &w, &g) >= 0) {
			snprintf(context, sizeof(context), "short RPC %d", i);
			short_expect(__FILE__, __LINE__, context, &want, &m);
		}
	}
}

/* n RPCs through mach_msg and a buffer in memory, each carrying two words
 * in line (2i and 2i + 1 of seed's pattern); every answer must be their echo. */
static void buffer_rpcs(mach_port_name_t dest, mach_port_name_t reply, int n, uint64_t seed)
{
	for (int i = 0; i < n; i++) {
		const uint64_t words[2] = { pattern(2 * i, seed), pattern(2 * i + 1, seed) };
		struct ipc_buf m;
		mach_msg_return_t mr;
		const uint64_t *got;

		ipc_msg_init(&m.header, dest, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
		ipc_msg_add_inline(&m.header, 8, 2, words);
		mr = ipc_call(&m.header, sizeof(m), reply);
		if (mr != MACH_MSG_SUCCESS || m.header.id != IPC_REPLY_ID(IPC_ID_PING) ||
		    m.header.size != MACH_MSG_SHORT_MAX || m.header.local_port != reply ||
		    m.header.remote_port != MACH_PORT_NULL)
			guest_fail(__FILE__, __LINE__, "RPC %d: expected success, id %d, size %u, "
				   "local %u, remote 0 got %s, id %d, size %u, local %u, "
				   "remote %u", i, IPC_REPLY_ID(IPC_ID_PING),
				   (unsigned)MACH_MSG_SHORT_MAX, reply, ipc_mr_name(mr),
				   m.header.id, m.header.size, m.header.local_port,
				   m.header.remote_port);
		got = IPC_ITEM(&m.header, 0, MACH_MSG_TYPE_INLINE, 2);
		if (got[0] != words[0] || got[1] != words[1])
			guest_fail(__FILE__, __LINE__, "RPC %d: expected words 0x%lx 0x%lx got "
				   "0x%lx 0x%lx", i, words[0], words[1], got[0], got[1]);
	}
}

/* RPCs (short_rpcs or buffer_rpcs) to the echo server at s: the fast path
 * must carry 99% of both halves, the request and the reply. */
static void expect_fast_path_rpcs(void (*rpcs)(mach_port_name_t, mach_port_name_t, int, uint64_t),
				  mach_port_name_t s, mach_port_name_t r)
{
	uint64_t hits;

	rpcs(s, r, WARMUP_RPCS, 0x1111);
	hits = mk_kernel_stat(KSTAT_IPC_FASTPATH_HITS);
	rpcs(s, r, FASTPATH_RPCS, 0x2222);
	hits = mk_kernel_stat(KSTAT_IPC_FASTPATH_HITS) - hits;
	if (hits * 100 < 99UL * 2 * FASTPATH_RPCS)
		guest_fail(__FILE__, __LINE__, "fast-path hits over %d RPCs (two each): "
			   "expected at least %d got %lu", FASTPATH_RPCS,
			   2 * FASTPATH_RPCS * 99 / 100, (unsigned long)hits);
}

void test_short_rpc_between_threads_carries_its_words_on_the_fast_path(void)
{
	mach_port_name_t s = ipc_port_alloc_send(), r = ipc_port_alloc();

	ipc_thread_start(short_echo_thread, (void *)(uintptr_t)s);
	expect_fast_path_rpcs(short_rpcs, s, r);
	ipc_echo_quit(s, r);
}

/*
 * A server receiving on a port set (a Mach server's usual shape) and a
 * client waiting for its reply on a port in a set of its own: both halves
 * of each RPC still take the fast path, through either trap.
 */
void test_rpcs_through_port_sets_take_the_fast_path(void)
{
	mach_port_name_t s = ipc_port_alloc_send(), r = ipc_port_alloc();
	mach_port_name_t server_set = ipc_port_alloc_set(), client_set = ipc_port_alloc_set();

	EXPECT_KR(KERN_SUCCESS, mk_port_move_member(SELF, s, server_set));
	EXPECT_KR(KERN_SUCCESS, mk_port_move_member(SELF, r, client_set));
	ipc_thread_start(short_echo_thread, (void *)(uintptr_t)server_set);
	expect_fast_path_rpcs(short_rpcs, s, r);
	expect_fast_path_rpcs(buffer_rpcs, s, r);
	ipc_echo_quit(s, r);
}

void test_short_rpc_between_tasks_carries_its_words_on_the_fast_path(void)
{
	mach_port_name_t s, r = ipc_port_alloc();
	mach_port_name_t task = short_echo_task_start(&s);

	expect_fast_path_rpcs(short_rpcs, s, r);
	echo_task_stop(task, s, r);
}

void test_short_and_mach_msg_rpcs_interoperate_on_the_fast_path(void)
{
	mach_port_name_t s = ipc_port_alloc_send(), r = ipc_port_alloc(), task;

	/* a short client of mach_msg's echo server in another task */
	task = ipc_spawn_with_right("ipc_echo_server", NULL, s, MACH_MSG_TYPE_MOVE_RECEIVE);
	expect_fast_path_rpcs(short_rpcs, s, r);
	echo_task_stop(task, s, r);
	/* a mach_msg client of the short echo server in another thread */
	s = ipc_port_alloc_send();
	ipc_thread_start(short_echo_thread, (void *)(uintptr_t)s);
	expect_fast_path_rpcs(buffer_rpcs, s, r);
	ipc_echo_quit(s, r);
}

/* ---- the same bytes as mach_msg's ---- */

static void build_header_only(struct ipc_buf *b) { (void)b; }

static void build_two_words(struct ipc_buf *b)
{
	static const uint64_t words[2] = { 0x1122334455667788UL, 0x99AABBCCDDEEFF00UL };

	ipc_msg_add_inline(&b->header, 8, 2, words);
}

static void build_three_padded_words(struct ipc_buf *b)
{
	static const uint32_t words[3] = { 0xdeadbeef, 0x01020304, 0xcafef00d };

	ipc_msg_add_inline(&b->header, 4, 3, words);
}

static const struct {
	const char *what;
	void (*build)(struct ipc_buf *b);   /* the body, after a header-only message */
} same_bytes_cases[] = {
	{ "header only", build_header_only },
	{ "two 8-byte words in line", build_two_words },
	{ "three 4-byte elements in line, padded", build_three_padded_words },
};

/* The message a case describes, to port, in memory. */
static void same_bytes_build(struct ipc_buf *b, size_t i, mach_port_name_t port)
{
	memset(b, 0, sizeof(*b));
	ipc_msg_init(&b->header, port, MACH_MSG_TYPE_COPY_SEND, 10 + (int32_t)i);
	same_bytes_cases[i].build(b);
}

/* The same message as a short one: the bytes after the header are its words
 * (unused words hold garbage, which must not travel). */
static struct mach_msg_short short_from_buffer(const struct ipc_buf *b)
{
	struct mach_msg_short m = { .header = b->header };

	m.body[0] = m.body[1] = m.body[2] = SHORT_GARBAGE;
	memcpy(m.body, b->body, b->header.size - sizeof(b->header));
	return m;
}

void test_short_and_mach_msg_messages_are_the_same_bytes(void)
{
	mach_port_name_t p = ipc_port_alloc_send();

	for (size_t i = 0; i < sizeof(same_bytes_cases) / sizeof(same_bytes_cases[0]); i++) {
		const char *what = same_bytes_cases[i].what;
		struct ipc_buf sent, got;
		struct mach_msg_short m, want;

		/* a short sender, a receiver with a buffer: mach_msg's own bytes arrive */
		same_bytes_build(&sent, i, p);
		m = short_from_buffer(&sent);
		want = short_as_received(&m, MACH_PORT_NULL, 0, p);
		EXPECT_MR(MACH_MSG_SUCCESS, mk_mach_msg_short(&m, MACH_SEND_MSG, MACH_PORT_NULL));
		memset(&got, 0xA5, sizeof(got));
		EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&got.header, sizeof(got), p, 0));
		sent.header = want.header;
		EXPECT_EQ(sent.header.size, got.header.size);
		for (uint32_t off = 0; off < sent.header.size; off += 8) {
			uint64_t w, g;

			memcpy(&w, (const char *)&sent + off, sizeof(w));
			memcpy(&g, (const char *)&got + off, sizeof(g));
			if (w != g)
				guest_fail(__FILE__, __LINE__, "%s, short to mach_msg: bytes %u "
					   "to %u: expected 0x%lx got 0x%lx", what, off, off + 7,
					   w, g);
		}

		/* a sender with a buffer, a short receiver: the bytes arrive as its words */
		same_bytes_build(&sent, i, p);
		m = short_from_buffer(&sent);
		want = short_as_received(&m, MACH_PORT_NULL, 0, p);
		EXPECT_MR(MACH_MSG_SUCCESS, ipc_send(&sent.header));
		memset(&m, 0xA5, sizeof(m));
		EXPECT_MR(MACH_MSG_SUCCESS, mk_mach_msg_short(&m, MACH_RCV_MSG, p));
		short_expect(__FILE__, __LINE__, what, &want, &m);
	}
}

/* ---- long messages stay for mach_msg ---- */

/* A size-byte message: one in-line item of 8-byte words of the pattern seeded by size. */
static void long_msg_build(struct ipc_buf *b, mach_port_name_t dest, int disposition, int32_t id,
			   uint32_t size)
{
	uint32_t count = (size - sizeof(b->header) - sizeof(struct mach_msg_type)) / 8;
	uint64_t *w;

	ipc_msg_init(&b->header, dest, disposition, id);
	w = ipc_msg_add_inline(&b->header, 8, count, NULL);
	for (uint32_t i = 0; i < count; i++)
		w[i] = pattern(i, size);
}

static void long_msg_expect(struct ipc_buf *b, int32_t id, uint32_t size)
{
	uint32_t count = (size - sizeof(b->header) - sizeof(struct mach_msg_type)) / 8;
	const uint64_t *w;

	EXPECT_EQ(id, b->header.id);
	EXPECT_EQ(size, b->header.size);
	w = IPC_ITEM(&b->header, 0, MACH_MSG_TYPE_INLINE, count);
	for (uint32_t i = 0; i < count; i++)
		if (w[i] != pattern(i, size))
			guest_fail(__FILE__, __LINE__, "word %u of %u: expected 0x%lx got 0x%lx", i,
				   count, pattern(i, size), w[i]);
}

/* Answer one request on port with a LONG_MSG_BYTES message. */
static void long_reply_thread(void *port)
{
	struct ipc_buf m;

	if (ipc_receive(&m.header, sizeof(m), (mach_port_name_t)(uintptr_t)port, IPC_FOREVER) !=
	    MACH_MSG_SUCCESS)
		return;
	long_msg_build(&m, m.header.remote_port, MACH_MSG_TYPE_MOVE_SEND_ONCE,
		       IPC_REPLY_ID(IPC_ID_PING), LONG_MSG_BYTES);
	ipc_send(&m.header);
}

void test_short_receive_of_a_long_message_leaves_it_queued(void)
{
	static const uint32_t sizes[] = { MACH_MSG_SHORT_MAX + 8, LONG_MSG_BYTES };
	mach_port_name_t p = ipc_port_alloc_send(), s = ipc_port_alloc_send(), r = ipc_port_alloc();
	struct mach_msg_short m, before, want;
	struct short_regs regs, sent;
	struct ipc_buf b;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		long_msg_build(&b, p, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING, sizes[i]);
		EXPECT_MR(MACH_MSG_SUCCESS, ipc_send(&b.header));
		memset(&m, 0xA5, sizeof(m));
		regs = sent = short_regs_make(&m, MACH_RCV_MSG, p);
		EXPECT_MR(MACH_RCV_TOO_LARGE, short_trap_raw(&regs));
		EXPECT_REGS_UNCHANGED(&sent, &regs);
		before = m;                                 /* and through the wrapper */
		EXPECT_MR(MACH_RCV_TOO_LARGE, mk_mach_msg_short(&m, MACH_RCV_MSG, p));
		EXPECT(memcmp(&before, &m, sizeof(m)) == 0);
		EXPECT_EQ(1, ipc_msgcount(p));
		memset(&b, 0, sizeof(b));
		EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&b.header, sizeof(b), p, 0));
		long_msg_expect(&b, IPC_ID_PING, sizes[i]);
	}

	/* exactly MACH_MSG_SHORT_MAX bytes is short enough */
	long_msg_build(&b, p, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING, MACH_MSG_SHORT_MAX);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send(&b.header));
	short_msg_init(&want, MACH_PORT_NULL, 0, IPC_ID_PING);
	short_msg_set_words(&want, 2, pattern(0, MACH_MSG_SHORT_MAX),
			    pattern(1, MACH_MSG_SHORT_MAX));
	want = short_as_received(&want, MACH_PORT_NULL, 0, p);
	memset(&m, 0xA5, sizeof(m));
	EXPECT_MR(MACH_MSG_SUCCESS, mk_mach_msg_short(&m, MACH_RCV_MSG, p));
	EXPECT_SHORT(&want, &m);

	/* a short RPC whose answer is long: the answer waits on the reply port for mach_msg */
	ipc_thread_start(long_reply_thread, (void *)(uintptr_t)s);
	short_msg_init(&m, s, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	ipc_msg_set_reply(&m.header, r, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	regs = sent = short_regs_make(&m, MACH_MSG_SHORT_OPTION(MACH_SEND_MSG | MACH_RCV_MSG,
								 m.header.size), r);
	EXPECT_MR(MACH_RCV_TOO_LARGE, short_trap_raw(&regs));
	EXPECT_REGS_UNCHANGED(&sent, &regs);
	EXPECT_EQ(1, ipc_msgcount(r));
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&b.header, sizeof(b), r, 0));
	long_msg_expect(&b, IPC_REPLY_ID(IPC_ID_PING), LONG_MSG_BYTES);
}

/*
 * ---- bad arguments ----
 *
 * Each case spoils one well-formed call: two words in line to dest with a
 * MAKE_SEND_ONCE reply right to reply, sent (MACH_SEND_MSG), or sent with a
 * receive on reply after it (MACH_SEND_MSG | MACH_RCV_MSG, the fast path's
 * shape). A catcher thread waits on dest, so a message wrongly let through
 * is taken at once, by the fast path if it was eligible, and answered on
 * reply, so a wrongly waiting caller wakes. After each refusal nothing may
 * have changed: every register, both queues, the rights, the ports alive.
 */
struct short_bad {
	struct mach_msg_short msg;
	uint32_t option;              /* MACH_SEND_MSG [| MACH_RCV_MSG] and any stray bits */
	uint32_t size;                /* the send size the option carries */
	mach_port_name_t dest;        /* receive + send; the catcher waits on it */
	mach_port_name_t reply;       /* receive + send; a call that receives waits on it */
	mach_port_name_t witness;     /* receive + one send uref, named by the ports cases */
	mach_port_name_t recv_only;
};

struct short_catcher {
	mach_port_name_t port;        /* where it receives */
	mach_port_name_t wake;        /* where it answers a message that has no reply right */
	volatile int caught;
};

/* Receive on port for ever; answer each message (its echo, or a ping to wake). */
static void short_catcher_run(void *p)
{
	struct short_catcher *k = p;
	struct ipc_buf m;

	while (mk_mach_msg(&m.header, MACH_RCV_MSG, 0, sizeof(m), k->port, 0) == MACH_MSG_SUCCESS) {
		__atomic_add_fetch(&k->caught, 1, __ATOMIC_RELEASE);
		if (!ipc_echo_prepare(&m.header))
			ipc_msg_init(&m.header, k->wake, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
		ipc_send(&m.header);
	}
}

static void short_bad_build(struct short_bad *b, uint32_t option)
{
	short_msg_init(&b->msg, b->dest, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	short_msg_set_words(&b->msg, 2, 0x0123456789abcdefUL, 0xfedcba9876543210UL);
	ipc_msg_set_reply(&b->msg.header, b->reply, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	b->option = option;
	b->size = b->msg.header.size;
}

static void spoil_send_timeout(struct short_bad *b) { b->option |= MACH_SEND_TIMEOUT; }
static void spoil_rcv_timeout(struct short_bad *b) { b->option |= MACH_RCV_TIMEOUT; }
static void spoil_option_bit_2(struct short_bad *b) { b->option |= 1u << 2; }
static void spoil_option_bit_24(struct short_bad *b) { b->option |= 1u << 24; }
static void spoil_option_bit_31(struct short_bad *b) { b->option |= 1u << 31; }
static void spoil_size_0(struct short_bad *b) { b->size = 0; }
static void spoil_size_16(struct short_bad *b) { b->size = 16; }
static void spoil_size_28(struct short_bad *b) { b->size = 28; }
static void spoil_size_44(struct short_bad *b) { b->size = 44; }
static void spoil_size_56(struct short_bad *b) { b->size = MACH_MSG_SHORT_MAX + 8; }
static void spoil_size_248(struct short_bad *b) { b->size = 248; }
static void spoil_size_cuts_item(struct short_bad *b) { b->size = MACH_MSG_SHORT_MAX - 8; }
static void spoil_unknown_bits(struct short_bad *b) { b->msg.header.bits |= 1u << 16; }
static void spoil_dest_disposition(struct short_bad *b)
{
	b->msg.header.bits = (b->msg.header.bits & ~0xFFu) | IPC_BAD_DISPOSITION;
}
static void spoil_simple_with_body(struct short_bad *b)
{
	b->msg.header.bits &= ~MACH_MSGH_BITS_COMPLEX;
}
static void spoil_dest_null(struct short_bad *b) { b->msg.header.remote_port = MACH_PORT_NULL; }
static void spoil_dest_unused(struct short_bad *b) { b->msg.header.remote_port = IPC_UNUSED_NAME; }
static void spoil_dest_receive_only(struct short_bad *b)
{
	b->msg.header.remote_port = b->recv_only;
}
static void spoil_reply_unused(struct short_bad *b)
{
	ipc_msg_set_reply(&b->msg.header, IPC_UNUSED_NAME, MACH_MSG_TYPE_MAKE_SEND_ONCE);
}
static void spoil_reply_send_not_held(struct short_bad *b)
{
	ipc_msg_set_reply(&b->msg.header, b->recv_only, MACH_MSG_TYPE_COPY_SEND);
}
static void spoil_reply_disposition(struct short_bad *b)
{
	ipc_msg_set_reply(&b->msg.header, b->reply, IPC_BAD_DISPOSITION);
}
static void spoil_reply_without_disposition(struct short_bad *b)
{
	ipc_msg_set_reply(&b->msg.header, b->reply, 0);
}
static void spoil_item_kind(struct short_bad *b) { b->msg.body[0] = short_type_word(9, 8, 0, 2); }
static void spoil_inline_elem_size(struct short_bad *b)
{
	b->msg.body[0] = short_type_word(MACH_MSG_TYPE_INLINE, 3, 0, 2);
}
static void spoil_inline_count(struct short_bad *b)
{
	b->msg.body[0] = short_type_word(MACH_MSG_TYPE_INLINE, 8, 0, 3);
}
static void spoil_ports_unused(struct short_bad *b)
{
	short_msg_set_ports(&b->msg, MACH_MSG_TYPE_MOVE_SEND, 1, IPC_UNUSED_NAME, 0);
	b->size = b->msg.header.size;
}
static void spoil_ports_send_not_held(struct short_bad *b)
{
	short_msg_set_ports(&b->msg, MACH_MSG_TYPE_COPY_SEND, 1, b->recv_only, 0);
	b->size = b->msg.header.size;
}
static void spoil_ports_move_twice(struct short_bad *b)
{
	short_msg_set_ports(&b->msg, MACH_MSG_TYPE_MOVE_SEND, 2, b->witness, b->witness);
	b->size = b->msg.header.size;
}
static void spoil_ports_disposition(struct short_bad *b)
{
	short_msg_set_ports(&b->msg, IPC_BAD_DISPOSITION, 1, b->witness, 0);
	b->size = b->msg.header.size;
}
static void spoil_ports_count(struct short_bad *b)
{
	short_msg_set_ports(&b->msg, MACH_MSG_TYPE_COPY_SEND, 3, b->witness, 0);
	b->size = b->msg.header.size;
}
static void spoil_ports_then_bad_kind(struct short_bad *b)
{
	short_msg_set_ports(&b->msg, MACH_MSG_TYPE_MOVE_SEND, 1, b->witness, 0);
	b->msg.body[2] = short_type_word(9, 0, 0, 0);
	b->size = MACH_MSG_SHORT_MAX;
}

static const struct short_bad_case {
	const char *what;
	void (*spoil)(struct short_bad *b);
	mach_msg_return_t want;
} short_bad_cases[] = {
	{ "MACH_SEND_TIMEOUT", spoil_send_timeout, KERN_INVALID_ARGUMENT },
	{ "MACH_RCV_TIMEOUT", spoil_rcv_timeout, KERN_INVALID_ARGUMENT },
	{ "option bit 2", spoil_option_bit_2, KERN_INVALID_ARGUMENT },
	{ "option bit 24, above the send size", spoil_option_bit_24, KERN_INVALID_ARGUMENT },
	{ "option bit 31", spoil_option_bit_31, KERN_INVALID_ARGUMENT },
	{ "send size 0", spoil_size_0, MACH_SEND_MSG_TOO_SMALL },
	{ "send size 16, below a header", spoil_size_16, MACH_SEND_MSG_TOO_SMALL },
	{ "send size 28, not a multiple of 8", spoil_size_28, MACH_SEND_MSG_TOO_SMALL },
	{ "send size 44, not a multiple of 8", spoil_size_44, MACH_SEND_MSG_TOO_SMALL },
	{ "send size 56, above the short maximum", spoil_size_56, MACH_SEND_TOO_LARGE },
	{ "send size 248", spoil_size_248, MACH_SEND_TOO_LARGE },
	{ "send size cuts the in-line item short", spoil_size_cuts_item, MACH_SEND_INVALID_TYPE },
	{ "unknown header bits", spoil_unknown_bits, MACH_SEND_INVALID_HEADER },
	{ "unknown destination disposition", spoil_dest_disposition, MACH_SEND_INVALID_HEADER },
	{ "simple message with body words", spoil_simple_with_body, MACH_SEND_INVALID_HEADER },
	{ "null destination", spoil_dest_null, MACH_SEND_INVALID_DEST },
	{ "destination names nothing", spoil_dest_unused, MACH_SEND_INVALID_DEST },
	{ "destination is only a receive right", spoil_dest_receive_only, MACH_SEND_INVALID_DEST },
	{ "reply names nothing", spoil_reply_unused, MACH_SEND_INVALID_REPLY },
	{ "reply copies a send right not held", spoil_reply_send_not_held,
	  MACH_SEND_INVALID_REPLY },
	{ "unknown reply disposition", spoil_reply_disposition, MACH_SEND_INVALID_REPLY },
	{ "unknown item kind", spoil_item_kind, MACH_SEND_INVALID_TYPE },
	{ "in-line element size 3", spoil_inline_elem_size, MACH_SEND_INVALID_TYPE },
	{ "in-line count past the end", spoil_inline_count, MACH_SEND_INVALID_TYPE },
	{ "ports item names nothing", spoil_ports_unused, MACH_SEND_INVALID_RIGHT },
	{ "send right not held", spoil_ports_send_not_held, MACH_SEND_INVALID_RIGHT },
	{ "one send uref moved twice", spoil_ports_move_twice, MACH_SEND_RIGHT_CONSUMED },
	{ "unknown ports disposition", spoil_ports_disposition, MACH_SEND_INVALID_TYPE },
	{ "ports count past the end", spoil_ports_count, MACH_SEND_INVALID_TYPE },
	{ "a good ports item, then an unknown kind", spoil_ports_then_bad_kind,
	  MACH_SEND_INVALID_TYPE },
	/* last, so that its failure hides no other case: the fast path must refuse it too */
	{ "reply named with no disposition", spoil_reply_without_disposition,
	  MACH_SEND_INVALID_REPLY },
};

static void short_bad_expect_unchanged(const struct short_bad *b, const struct short_catcher *k,
				       const char *what, uint64_t ports)
{
	struct mach_port_status d, r;

	mk_thread_sleep(1);            /* a message let through is caught and answered by now */
	d = ipc_status(b->dest);
	r = ipc_status(b->reply);
	if (k->caught || d.msgcount || r.msgcount || d.srights != 1 || d.sorights || r.sorights)
		guest_fail(__FILE__, __LINE__, "%s: expected nothing caught, both queues empty, "
			   "one send right to dest, no send-once rights got %d caught, %u and %u "
			   "queued, %u send rights to dest, %u and %u send-once", what, k->caught,
			   d.msgcount, r.msgcount, d.srights, d.sorights, r.sorights);
	ipc_expect_type(__FILE__, __LINE__, what, SELF, b->witness,
			MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND);
	ipc_expect_urefs(__FILE__, __LINE__, what, SELF, b->witness, MACH_PORT_RIGHT_SEND, 1);
	ipc_expect_type(__FILE__, __LINE__, what, SELF, b->recv_only, MACH_PORT_TYPE_RECEIVE);
	if (mk_kernel_stat(KSTAT_PORTS) != ports)
		guest_fail(__FILE__, __LINE__, "%s: ports alive: expected %lu got %lu", what,
			   (unsigned long)ports, (unsigned long)mk_kernel_stat(KSTAT_PORTS));
}

/* The whole call of b, refused with want: every register as it was, and nothing else changed. */
static void short_bad_expect_refused(struct short_bad *b, const struct short_catcher *k,
				     const char *what, mach_msg_return_t want, uint64_t ports)
{
	mach_port_name_t rcv_name = (b->option & MACH_RCV_MSG) ? b->reply : MACH_PORT_NULL;
	struct short_regs sent = short_regs_make(&b->msg, MACH_MSG_SHORT_OPTION(b->option, b->size),
						 rcv_name);
	struct short_regs regs = sent;
	mach_msg_return_t mr = short_trap_raw(&regs);
	char label[96];

	snprintf(label, sizeof(label), "%s (%s)", what,
		 (b->option & MACH_RCV_MSG) ? "send and receive" : "send");
	if (mr != want)
		guest_fail(__FILE__, __LINE__, "%s: expected %s got %s (0x%x)", label,
			   ipc_mr_name(want), ipc_mr_name(mr), (unsigned)mr);
	short_expect_regs(__FILE__, __LINE__, label, &sent, &regs);
	short_bad_expect_unchanged(b, k, label, ports);
}

void test_short_trap_refuses_bad_arguments_leaving_registers_unchanged(void)
{
	static const uint32_t options[] = { MACH_SEND_MSG, MACH_SEND_MSG | MACH_RCV_MSG };
	static struct short_catcher k;
	static struct short_bad b;
	mach_port_name_t not_receive[5];
	struct mach_msg_short m;
	struct short_regs regs, sent;
	uint64_t ports;

	memset(&m, 0, sizeof(m));
	b.dest = ipc_port_alloc_send();
	b.reply = ipc_port_alloc_send();
	b.witness = ipc_port_alloc_send();
	b.recv_only = ipc_port_alloc();
	k.port = b.dest;
	k.wake = b.reply;
	ipc_thread_start(short_catcher_run, &k);
	mk_thread_sleep(IPC_SETTLE_MS);                  /* the catcher waits in receive */

	/* unspoiled, the call goes through: the catcher takes the message and answers */
	short_bad_build(&b, MACH_SEND_MSG);
	EXPECT_MR(MACH_MSG_SUCCESS, mk_mach_msg_short(&b.msg, MACH_SEND_MSG, MACH_PORT_NULL));
	EXPECT_MR(MACH_MSG_SUCCESS, mk_mach_msg_short(&m, MACH_RCV_MSG, b.reply));
	EXPECT_EQ(IPC_REPLY_ID(IPC_ID_PING), m.header.id);
	short_bad_build(&b, MACH_SEND_MSG | MACH_RCV_MSG);
	EXPECT_MR(MACH_MSG_SUCCESS, mk_mach_msg_short(&b.msg, b.option, b.reply));
	EXPECT_EQ(IPC_REPLY_ID(IPC_ID_PING), b.msg.header.id);
	EXPECT_EQ(2, k.caught);
	k.caught = 0;

	ports = mk_kernel_stat(KSTAT_PORTS);
	for (size_t o = 0; o < sizeof(options) / sizeof(options[0]); o++)
		for (size_t i = 0; i < sizeof(short_bad_cases) / sizeof(short_bad_cases[0]); i++) {
			const struct short_bad_case *c = &short_bad_cases[i];

			short_bad_build(&b, options[o]);
			c->spoil(&b);
			short_bad_expect_refused(&b, &k, c->what, c->want, ports);
		}

	/* receiving on a name that is no receive right or set */
	not_receive[0] = MACH_PORT_NULL;
	not_receive[1] = MACH_PORT_TASK_SELF;
	not_receive[2] = MACH_PORT_BOOTSTRAP;
	not_receive[3] = IPC_UNUSED_NAME;
	not_receive[4] = ipc_make_send_once(b.recv_only);
	ports = mk_kernel_stat(KSTAT_PORTS);
	for (size_t i = 0; i < sizeof(not_receive) / sizeof(not_receive[0]); i++) {
		char label[48];

		snprintf(label, sizeof(label), "receive on name %u", not_receive[i]);
		memset(&m, 0xA5, sizeof(m));
		regs = sent = short_regs_make(&m, MACH_RCV_MSG, not_receive[i]);
		EXPECT_MR(MACH_RCV_INVALID_NAME, short_trap_raw(&regs));
		short_expect_regs(__FILE__, __LINE__, label, &sent, &regs);
	}
	/* a receive with a timeout is refused before it takes anything */
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(b.reply, IPC_ID_PING));
	regs = sent = short_regs_make(&m, MACH_RCV_MSG | MACH_RCV_TIMEOUT, b.reply);
	EXPECT_MR(KERN_INVALID_ARGUMENT, short_trap_raw(&regs));
	EXPECT_REGS_UNCHANGED(&sent, &regs);
	EXPECT_EQ(1, ipc_msgcount(b.reply));
	EXPECT_MR(MACH_MSG_SUCCESS, mk_mach_msg_short(&m, MACH_RCV_MSG, b.reply));
	/* a good message goes before the receive half is refused */
	short_bad_build(&b, MACH_SEND_MSG | MACH_RCV_MSG);
	regs = sent = short_regs_make(&b.msg, MACH_MSG_SHORT_OPTION(b.option, b.size),
				      IPC_UNUSED_NAME);
	EXPECT_MR(MACH_RCV_INVALID_NAME, short_trap_raw(&regs));
	EXPECT_REGS_UNCHANGED(&sent, &regs);
	EXPECT_MR(MACH_MSG_SUCCESS, mk_mach_msg_short(&m, MACH_RCV_MSG, b.reply));
	EXPECT_EQ(IPC_REPLY_ID(IPC_ID_PING), m.header.id);
	EXPECT_EQ(1, k.caught);
	EXPECT_EQ(ports, mk_kernel_stat(KSTAT_PORTS));
}

/* ---- port rights ---- */

/* One short RPC carrying a copy of right; the echo brings it back, and we drop it. */
static void short_rpc_with_right(mach_port_name_t s, mach_port_name_t r, mach_port_name_t right)
{
	struct mach_msg_short m, want;

	short_msg_init(&m, s, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	short_msg_set_ports(&m, MACH_MSG_TYPE_COPY_SEND, 1, right, 0);
	ipc_msg_set_reply(&m.header, r, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	want = short_as_received(&m, MACH_PORT_NULL, 0, r);
	want.header.id = IPC_REPLY_ID(IPC_ID_PING);
	want.body[0] = short_type_word(MACH_MSG_TYPE_PORTS, 0, MACH_MSG_TYPE_PORT_SEND, 1);
	EXPECT_MR(MACH_MSG_SUCCESS, mk_mach_msg_short(&m, MACH_SEND_MSG | MACH_RCV_MSG, r));
	EXPECT_SHORT(&want, &m);
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(SELF, right));
}

void test_short_message_carries_port_rights_through_the_general_path(void)
{
	mach_port_name_t p = ipc_port_alloc_send(), q = ipc_port_alloc_send(), e = ipc_port_alloc();
	mach_port_name_t s = ipc_port_alloc_send(), r = ipc_port_alloc(), so, e2;
	struct mach_msg_short m, want;
	uint64_t hits, misses;

	/* a copied send right: to a port whose receive right we hold, it lands on that name */
	short_msg_init(&m, p, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	short_msg_set_ports(&m, MACH_MSG_TYPE_COPY_SEND, 1, q, 0);
	want = short_as_received(&m, MACH_PORT_NULL, 0, p);
	want.body[0] = short_type_word(MACH_MSG_TYPE_PORTS, 0, MACH_MSG_TYPE_PORT_SEND, 1);
	EXPECT_MR(MACH_MSG_SUCCESS, mk_mach_msg_short(&m, MACH_SEND_MSG, MACH_PORT_NULL));
	EXPECT_UREFS(1, SELF, q, MACH_PORT_RIGHT_SEND);   /* in transit: the sender keeps its own */
	memset(&m, 0xA5, sizeof(m));
	EXPECT_MR(MACH_MSG_SUCCESS, mk_mach_msg_short(&m, MACH_RCV_MSG, p));
	EXPECT_SHORT(&want, &m);
	EXPECT_UREFS(2, SELF, q, MACH_PORT_RIGHT_SEND);
	EXPECT_EQ(2, ipc_status(q).srights);               /* it counts user references */

	/* a send-once right made from a receive right gets a name of its own */
	short_msg_init(&m, p, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	short_msg_set_ports(&m, MACH_MSG_TYPE_MAKE_SEND_ONCE, 1, q, 0);
	EXPECT_MR(MACH_MSG_SUCCESS, mk_mach_msg_short(&m, MACH_SEND_MSG, MACH_PORT_NULL));
	memset(&m, 0xA5, sizeof(m));
	EXPECT_MR(MACH_MSG_SUCCESS, mk_mach_msg_short(&m, MACH_RCV_MSG, p));
	EXPECT_EQ(short_type_word(MACH_MSG_TYPE_PORTS, 0, MACH_MSG_TYPE_PORT_SEND_ONCE, 1),
		  m.body[0]);
	so = (mach_port_name_t)m.body[1];
	EXPECT_EQ(0, m.body[1] >> 32);
	EXPECT_EQ(0, m.body[2]);
	EXPECT(so != q);
	EXPECT_TYPE(MACH_PORT_TYPE_SEND_ONCE, SELF, so);
	EXPECT_EQ(1, ipc_status(q).sorights);

	/* a receive right moves: gone from its name while in transit, back under a new one */
	short_msg_init(&m, p, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	short_msg_set_ports(&m, MACH_MSG_TYPE_MOVE_RECEIVE, 1, e, 0);
	EXPECT_MR(MACH_MSG_SUCCESS, mk_mach_msg_short(&m, MACH_SEND_MSG, MACH_PORT_NULL));
	EXPECT_TYPE(IPC_TYPE_NONE, SELF, e);
	memset(&m, 0xA5, sizeof(m));
	EXPECT_MR(MACH_MSG_SUCCESS, mk_mach_msg_short(&m, MACH_RCV_MSG, p));
	EXPECT_EQ(short_type_word(MACH_MSG_TYPE_PORTS, 0, MACH_MSG_TYPE_PORT_RECEIVE, 1),
		  m.body[0]);
	e2 = (mach_port_name_t)m.body[1];
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE, SELF, e2);

	/* RPCs carrying a right take the general path both ways, and the right comes back */
	ipc_thread_start(short_echo_thread, (void *)(uintptr_t)s);
	short_rpcs(s, r, WARMUP_RPCS, 0x3333);
	short_rpc_with_right(s, r, q);
	hits = mk_kernel_stat(KSTAT_IPC_FASTPATH_HITS);
	misses = mk_kernel_stat(KSTAT_IPC_FASTPATH_MISSES);
	for (int i = 0; i < RIGHTS_RPCS; i++)
		short_rpc_with_right(s, r, q);
	EXPECT_EQ(hits, mk_kernel_stat(KSTAT_IPC_FASTPATH_HITS));
	EXPECT(mk_kernel_stat(KSTAT_IPC_FASTPATH_MISSES) - misses >= 2 * RIGHTS_RPCS);
	EXPECT_UREFS(2, SELF, q, MACH_PORT_RIGHT_SEND);
	ipc_echo_quit(s, r);
}

/* ---- a reply on a dead send-once right ---- */

/* A thread blocked in one short trap call on the test's behalf. */
struct short_waiter {
	struct short_regs sent, got;
	volatile int done;
	mach_msg_return_t mr;
};

static void short_waiter_run(void *p)
{
	struct short_waiter *w = p;

	w->got = w->sent;
	w->mr = short_trap_raw(&w->got);
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
}

/* Wait up to ms for the waiter's call to return; returns whether it did. */
static int short_waiter_wait(struct short_waiter *w, unsigned long ms)
{
	for (unsigned long waited = 0; !__atomic_load_n(&w->done, __ATOMIC_ACQUIRE); waited++) {
		if (waited >= ms)
			return 0;
		mk_thread_sleep(1);
	}
	return 1;
}

/* What name is in this task (mk_port_type), or IPC_TYPE_NONE. */
static mach_port_type_t name_type(mach_port_name_t name)
{
	mach_port_type_t type;

	return mk_port_type(SELF, name, &type) == KERN_SUCCESS ? type : IPC_TYPE_NONE;
}

void test_short_reply_on_a_dead_send_once_right_is_refused_like_mach_msg(void)
{
	static struct short_waiter client;
	mach_port_name_t s = ipc_port_alloc_send(), c = ipc_port_alloc(), so, twin;
	struct mach_msg_short m;
	struct mach_msg_header h;
	struct short_regs regs, sent;
	mach_msg_return_t want;

	/* a client's short RPC reaches us, then its reply port dies under it */
	short_msg_init(&m, s, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	short_msg_set_words(&m, 2, 1, 2);
	ipc_msg_set_reply(&m.header, c, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	client.sent = short_regs_make(&m, MACH_MSG_SHORT_OPTION(MACH_SEND_MSG | MACH_RCV_MSG,
								m.header.size), c);
	ipc_thread_start(short_waiter_run, &client);
	EXPECT_MR(MACH_MSG_SUCCESS, mk_mach_msg_short(&m, MACH_RCV_MSG, s));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_MSGH_BITS_REMOTE(m.header.bits));
	so = m.header.remote_port;
	twin = ipc_make_send_once(c);
	mk_thread_sleep(IPC_SETTLE_MS);                   /* the client waits on c */
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(SELF, c));
	EXPECT(short_waiter_wait(&client, IPC_WAIT_MS));
	EXPECT_MR(MACH_RCV_PORT_DIED, client.mr);
	EXPECT_REGS_UNCHANGED(&client.sent, &client.got);

	/* mach_msg's answer on the twin right to the dead port is the one to match */
	ipc_msg_init(&h, twin, MACH_MSG_TYPE_MOVE_SEND_ONCE, IPC_REPLY_ID(IPC_ID_PING));
	want = ipc_send(&h);
	EXPECT_MR(MACH_SEND_INVALID_DEST, want);

	/* the echo, replied and waited for in one call (a request queued to take) */
	EXPECT(ipc_echo_prepare(&m.header));
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(s, IPC_ID_PING));
	regs = sent = short_regs_make(&m, MACH_MSG_SHORT_OPTION(MACH_SEND_MSG | MACH_RCV_MSG,
								 m.header.size), s);
	EXPECT_MR(want, short_trap_raw(&regs));
	EXPECT_REGS_UNCHANGED(&sent, &regs);
	EXPECT_EQ(1, ipc_msgcount(s));
	EXPECT_TYPE(name_type(twin), SELF, so);
	/* and sent alone */
	regs = sent = short_regs_make(&m, MACH_MSG_SHORT_OPTION(MACH_SEND_MSG, m.header.size),
				      MACH_PORT_NULL);
	EXPECT_MR(want, short_trap_raw(&regs));
	EXPECT_REGS_UNCHANGED(&sent, &regs);
	EXPECT_TYPE(name_type(twin), SELF, so);
}

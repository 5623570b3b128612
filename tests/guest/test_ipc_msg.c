/*
 * test_ipc_msg.c — messages: in-line, port and out-of-line items, the 1 MiB
 * in-line maximum, queue limits and send timeouts, receive errors, malformed
 * messages (refused with their exact code, changing nothing), the RPC fast
 * path, and the null-RPC smoke figure.
 */
#include "ipc_util.h"

#define SELF           MACH_PORT_TASK_SELF
#define PAGE           IPC_PAGE_BYTES
#define OOL_PAGES      3
#define WARMUP_RPCS    10
#define FASTPATH_RPCS  1000
#define COMPLEX_RPCS   100      /* of each kind, in the test that they skip the fast path */
#define FIGURE_RPCS    1000

static uint64_t pattern(uint64_t i, uint64_t seed)
{
	return ((i + 1) * 0x9E3779B97F4A7C15UL) ^ seed;
}

static void pattern_fill(uint64_t *w, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		w[i] = pattern(i, seed);
}

/* The index of the first word that differs from the pattern, or n. */
static size_t pattern_mismatch(const uint64_t *w, size_t n, uint64_t seed)
{
	size_t i = 0;

	while (i < n && w[i] == pattern(i, seed))
		i++;
	return i;
}

/* Item index is in-line data of count elements of elem_size bytes equal to data. */
static void expect_inline(struct mach_msg_header *h, unsigned index, uint8_t elem_size,
			  uint32_t count, const void *data)
{
	const void *got = IPC_ITEM(h, index, MACH_MSG_TYPE_INLINE, count);

	EXPECT_EQ(elem_size, ipc_msg_item(h, index)->elem_size);
	EXPECT_EQ(0, memcmp(data, got, (size_t)elem_size * count));
}

void test_inline_items_id_and_size_arrive_intact(void)
{
	static const char text[] = "hello, ports";
	static const uint16_t halves[3] = { 0x1234, 0x5678, 0x9abc };
	static const uint32_t words[3] = { 0xdeadbeef, 0, 0x01020304 };
	static const uint64_t quads[2] = { 0x1122334455667788UL, ~0UL };
	mach_port_name_t p = ipc_port_alloc_send(), q = ipc_port_alloc(), so;
	struct ipc_buf m;
	uint32_t size;

	ipc_msg_init(&m.header, p, MACH_MSG_TYPE_COPY_SEND, 4242);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send(&m.header));
	memset(&m, 0xAA, sizeof(m));
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), p, 0));
	EXPECT_EQ(4242, m.header.id);
	EXPECT_EQ(sizeof(m.header), m.header.size);
	EXPECT_EQ(p, m.header.local_port);
	EXPECT_EQ(MACH_PORT_NULL, m.header.remote_port);
	EXPECT_EQ(0, MACH_MSGH_BITS_REMOTE(m.header.bits));
	EXPECT_EQ(0, m.header.bits & MACH_MSGH_BITS_COMPLEX);

	ipc_msg_init(&m.header, p, MACH_MSG_TYPE_COPY_SEND, 4243);
	ipc_msg_add_inline(&m.header, 1, sizeof(text), text);
	ipc_msg_add_inline(&m.header, 2, 3, halves);
	ipc_msg_add_inline(&m.header, 4, 3, words);
	ipc_msg_add_inline(&m.header, 8, 2, quads);
	size = m.header.size;
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send(&m.header));
	memset(&m, 0xAA, sizeof(m));
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), p, 0));
	EXPECT_EQ(4243, m.header.id);
	EXPECT_EQ(size, m.header.size);
	EXPECT(m.header.bits & MACH_MSGH_BITS_COMPLEX);
	expect_inline(&m.header, 0, 1, sizeof(text), text);
	expect_inline(&m.header, 1, 2, 3, halves);
	expect_inline(&m.header, 2, 4, 3, words);
	expect_inline(&m.header, 3, 8, 2, quads);
	EXPECT(ipc_msg_item(&m.header, 4) == NULL);

	/* a reply right arrives as what its disposition made */
	ipc_msg_init(&m.header, p, MACH_MSG_TYPE_COPY_SEND, 4244);
	ipc_msg_set_reply(&m.header, q, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send(&m.header));
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), p, 0));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_MSGH_BITS_REMOTE(m.header.bits));
	so = m.header.remote_port;
	EXPECT(so != q);
	EXPECT_TYPE(MACH_PORT_TYPE_SEND_ONCE, SELF, so);
	EXPECT_EQ(1, ipc_status(q).sorights);
}

/* Item index carries one right with disposition; returns the receiver's name. */
static mach_port_name_t received_right(struct mach_msg_header *h, unsigned index, int disposition)
{
	mach_port_name_t *names = IPC_ITEM(h, index, MACH_MSG_TYPE_PORTS, 1);

	EXPECT_EQ(disposition, ipc_msg_item(h, index)->disposition);
	return names[0];
}

void test_port_items_give_the_receiver_each_right(void)
{
	mach_port_name_t dst = ipc_port_alloc_send();
	mach_port_name_t a = ipc_port_alloc_send(), b = ipc_port_alloc();
	mach_port_name_t c = ipc_port_alloc_send(), e = ipc_port_alloc(), so, e2;
	struct ipc_buf m;

	ipc_msg_init(&m.header, dst, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	ipc_msg_add_ports(&m.header, MACH_MSG_TYPE_COPY_SEND, 1, &a);
	ipc_msg_add_ports(&m.header, MACH_MSG_TYPE_MAKE_SEND, 1, &b);
	ipc_msg_add_ports(&m.header, MACH_MSG_TYPE_MAKE_SEND_ONCE, 1, &b);
	ipc_msg_add_ports(&m.header, MACH_MSG_TYPE_MOVE_SEND, 1, &c);
	ipc_msg_add_ports(&m.header, MACH_MSG_TYPE_MOVE_RECEIVE, 1, &e);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send(&m.header));
	/* in transit: copies and makes leave the sender's rights, moves take them */
	EXPECT_UREFS(1, SELF, a, MACH_PORT_RIGHT_SEND);
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE, SELF, b);
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE, SELF, c);
	EXPECT_TYPE(IPC_TYPE_NONE, SELF, e);

	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), dst, 0));
	/* a right to a port whose receive right we hold lands on that port's name */
	EXPECT_EQ(a, received_right(&m.header, 0, MACH_MSG_TYPE_PORT_SEND));
	EXPECT_UREFS(2, SELF, a, MACH_PORT_RIGHT_SEND);
	EXPECT_EQ(b, received_right(&m.header, 1, MACH_MSG_TYPE_PORT_SEND));
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND, SELF, b);
	/* a send-once right has a name of its own */
	so = received_right(&m.header, 2, MACH_MSG_TYPE_PORT_SEND_ONCE);
	EXPECT(so != b);
	EXPECT_TYPE(MACH_PORT_TYPE_SEND_ONCE, SELF, so);
	EXPECT_EQ(1, ipc_status(b).srights);
	EXPECT_EQ(1, ipc_status(b).sorights);
	EXPECT_EQ(c, received_right(&m.header, 3, MACH_MSG_TYPE_PORT_SEND));
	EXPECT_UREFS(1, SELF, c, MACH_PORT_RIGHT_SEND);
	e2 = received_right(&m.header, 4, MACH_MSG_TYPE_PORT_RECEIVE);
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE, SELF, e2);
}

void test_one_mib_inline_message_arrives_intact(void)
{
	const uint32_t count = (MACH_MSG_SIZE_MAX - sizeof(struct mach_msg_header) -
				sizeof(struct mach_msg_type)) / sizeof(uint64_t);
	mach_port_name_t p = ipc_port_alloc_send();
	vm_address_t out = 0, in = 0;
	struct mach_msg_header *h;
	uint64_t *data;
	size_t bad;

	EXPECT((uint64_t)count * sizeof(uint64_t) >= (1u << 20));
	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(SELF, &out, MACH_MSG_SIZE_MAX, VM_ALLOC_ANYWHERE));
	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(SELF, &in, MACH_MSG_SIZE_MAX, VM_ALLOC_ANYWHERE));
	h = (struct mach_msg_header *)out;
	ipc_msg_init(h, p, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	data = ipc_msg_add_inline(h, sizeof(uint64_t), count, NULL);
	EXPECT_EQ(MACH_MSG_SIZE_MAX, h->size);
	pattern_fill(data, count, 0x1111);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send(h));

	h = (struct mach_msg_header *)in;
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(h, MACH_MSG_SIZE_MAX, p, 0));
	EXPECT_EQ(MACH_MSG_SIZE_MAX, h->size);
	EXPECT_EQ(IPC_ID_PING, h->id);
	data = IPC_ITEM(h, 0, MACH_MSG_TYPE_INLINE, count);
	bad = pattern_mismatch(data, count, 0x1111);
	if (bad != count)
		guest_fail(__FILE__, __LINE__, "word %zu of %u: expected 0x%lx got 0x%lx", bad, count,
			   pattern(bad, 0x1111), data[bad]);
}

void test_ool_region_is_copied_and_independent(void)
{
	const size_t size = OOL_PAGES * PAGE, words = size / sizeof(uint64_t);
	mach_port_name_t p = ipc_port_alloc_send();
	vm_address_t region = 0;
	struct mach_msg_ool *ool;
	struct ipc_buf m;
	uint64_t *mine, *theirs;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(SELF, &region, size, VM_ALLOC_ANYWHERE));
	mine = (uint64_t *)region;
	pattern_fill(mine, words, 0x2222);
	ipc_msg_init(&m.header, p, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	ipc_msg_add_ool(&m.header, region, size, 0);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send(&m.header));
	/* the sender keeps its region; what it writes now is not in the message */
	EXPECT_EQ(words, pattern_mismatch(mine, words, 0x2222));
	mine[2] = 0xdead;

	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), p, 0));
	ool = IPC_ITEM(&m.header, 0, MACH_MSG_TYPE_OOL, 1);
	EXPECT_EQ(size, ool->size);
	EXPECT(ool->address != 0 && ool->address != region);
	theirs = (uint64_t *)ool->address;
	EXPECT_EQ(pattern(2, 0x2222), theirs[2]);
	theirs[2] = pattern(2, 0x2222);
	EXPECT_EQ(words, pattern_mismatch(theirs, words, 0x2222));
	/* writes on one side are not seen on the other */
	mine[0] = 1;
	theirs[1] = 2;
	mine[words - 1] = 3;
	EXPECT_EQ(pattern(0, 0x2222), theirs[0]);
	EXPECT_EQ(pattern(1, 0x2222), mine[1]);
	EXPECT_EQ(pattern(words - 1, 0x2222), theirs[words - 1]);
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(SELF, ool->address, size));
	EXPECT_EQ(1, mine[0]);
	EXPECT_EQ(0xdead, mine[2]);
}

void test_ool_deallocate_moves_the_region_out_of_the_sender(void)
{
	const size_t size = OOL_PAGES * PAGE, words = size / sizeof(uint64_t);
	mach_port_name_t p = ipc_port_alloc_send();
	vm_address_t region = 0, again;
	struct mach_msg_ool *ool;
	struct ipc_buf m;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(SELF, &region, size, VM_ALLOC_ANYWHERE));
	pattern_fill((uint64_t *)region, words, 0x3333);
	ipc_msg_init(&m.header, p, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	ipc_msg_add_ool(&m.header, region, size, MACH_MSG_OOL_DEALLOCATE);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send(&m.header));
	/* the range is free: a fixed allocation there succeeds, zero-filled */
	again = region;
	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(SELF, &again, size, VM_ALLOC_FIXED));
	EXPECT_EQ(region, again);
	EXPECT_EQ(0, *(volatile uint64_t *)again);

	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), p, 0));
	ool = IPC_ITEM(&m.header, 0, MACH_MSG_TYPE_OOL, 1);
	EXPECT_EQ(size, ool->size);
	EXPECT(ool->address != region);
	EXPECT_EQ(words, pattern_mismatch((uint64_t *)ool->address, words, 0x3333));
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(SELF, ool->address, size));
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(SELF, again, size));
}

static mach_msg_return_t send_id_within(mach_port_name_t dest, int32_t id, uint64_t timeout_ms)
{
	struct mach_msg_header h;

	ipc_msg_init(&h, dest, MACH_MSG_TYPE_COPY_SEND, id);
	return ipc_send_timeout(&h, timeout_ms);
}

/* Receive the next message on port without waiting; it must be id. */
static void expect_next_id(mach_port_name_t port, int32_t id)
{
	struct ipc_buf m;

	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), port, 0));
	EXPECT_EQ(id, m.header.id);
}

void test_qlimit_defaults_to_five_and_can_be_set(void)
{
	mach_port_name_t p = ipc_port_alloc(), q = ipc_port_alloc_send();
	struct mach_port_status st = ipc_status(p);

	EXPECT_EQ(MACH_PORT_QLIMIT_DEFAULT, st.qlimit);
	EXPECT_EQ(0, st.msgcount);
	EXPECT_EQ(0, st.srights);
	EXPECT_EQ(0, st.sorights);
	EXPECT_EQ(0, st.set_name);
	EXPECT_KR(KERN_SUCCESS, mk_port_set_qlimit(SELF, p, 2));
	EXPECT_EQ(2, ipc_status(p).qlimit);
	EXPECT_KR(KERN_SUCCESS, mk_port_set_qlimit(SELF, p, MACH_PORT_QLIMIT_MAX));
	EXPECT_EQ(MACH_PORT_QLIMIT_MAX, ipc_status(p).qlimit);
	EXPECT_KR(KERN_INVALID_VALUE, mk_port_set_qlimit(SELF, p, MACH_PORT_QLIMIT_MAX + 1));
	EXPECT_EQ(MACH_PORT_QLIMIT_MAX, ipc_status(p).qlimit);
	EXPECT_KR(KERN_INVALID_RIGHT, mk_port_set_qlimit(SELF, MACH_PORT_BOOTSTRAP, 2));
	EXPECT_KR(KERN_INVALID_NAME, mk_port_set_qlimit(SELF, IPC_UNUSED_NAME, 2));
	EXPECT_KR(KERN_INVALID_RIGHT, mk_port_get_attributes(SELF, MACH_PORT_BOOTSTRAP, &st));
	EXPECT_KR(KERN_INVALID_NAME, mk_port_get_attributes(SELF, IPC_UNUSED_NAME, &st));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_port_get_attributes(SELF, p, (struct mach_port_status *)
							     IPC_KERNEL_ADDR));
	/* the default: five messages queue, the sixth finds the queue full */
	for (int id = 1; id <= (int)MACH_PORT_QLIMIT_DEFAULT; id++)
		EXPECT_MR(MACH_MSG_SUCCESS, send_id_within(q, id, 0));
	EXPECT_MR(MACH_SEND_TIMED_OUT, send_id_within(q, 6, 0));
	EXPECT_EQ(MACH_PORT_QLIMIT_DEFAULT, ipc_msgcount(q));
}

void test_send_to_full_queue_times_out(void)
{
	mach_port_name_t p = ipc_port_alloc_send();
	struct ipc_buf m;
	uint64_t t0;

	EXPECT_KR(KERN_SUCCESS, mk_port_set_qlimit(SELF, p, 2));
	EXPECT_MR(MACH_MSG_SUCCESS, send_id_within(p, 1, 0));
	EXPECT_MR(MACH_MSG_SUCCESS, send_id_within(p, 2, 0));
	EXPECT_MR(MACH_SEND_TIMED_OUT, send_id_within(p, 3, 0));
	EXPECT_EQ(2, ipc_msgcount(p));
	t0 = ipc_now_ms();
	EXPECT_MR(MACH_SEND_TIMED_OUT, send_id_within(p, 4, 50));
	EXPECT(ipc_now_ms() - t0 >= 50);
	EXPECT_EQ(2, ipc_msgcount(p));
	expect_next_id(p, 1);
	expect_next_id(p, 2);
	EXPECT_MR(MACH_RCV_TIMED_OUT, ipc_receive(&m.header, sizeof(m), p, 0));
}

void test_blocked_sender_completes_when_receiver_dequeues(void)
{
	static struct ipc_waiter w;
	mach_port_name_t p = ipc_blocked_sender_start(&w);

	EXPECT_EQ(1, ipc_msgcount(p));
	expect_next_id(p, 1);
	EXPECT(ipc_waiter_wait(&w, IPC_WAIT_MS));
	EXPECT_MR(MACH_MSG_SUCCESS, w.mr);
	expect_next_id(p, 2);
}

void test_send_once_does_not_block_on_full_queue(void)
{
	mach_port_name_t p = ipc_port_alloc_send(), so;
	struct mach_msg_header h;

	EXPECT_KR(KERN_SUCCESS, mk_port_set_qlimit(SELF, p, 1));
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(p, 1));
	EXPECT_MR(MACH_SEND_TIMED_OUT, send_id_within(p, 2, 0));
	so = ipc_make_send_once(p);
	EXPECT_EQ(1, ipc_status(p).sorights);
	ipc_msg_init(&h, so, MACH_MSG_TYPE_MOVE_SEND_ONCE, 3);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_timeout(&h, 0));
	EXPECT_EQ(2, ipc_msgcount(p));
	EXPECT_TYPE(IPC_TYPE_NONE, SELF, so);
	expect_next_id(p, 1);
	expect_next_id(p, 3);
	/* the right lived on as the queued message's destination until it was received */
	EXPECT_EQ(0, ipc_status(p).sorights);
}

void test_receive_times_out_on_empty_port(void)
{
	mach_port_name_t p = ipc_port_alloc();
	struct ipc_buf m;
	uint64_t t0 = ipc_now_ms();

	EXPECT_MR(MACH_RCV_TIMED_OUT, ipc_receive(&m.header, sizeof(m), p, 0));
	t0 = ipc_now_ms();
	EXPECT_MR(MACH_RCV_TIMED_OUT, ipc_receive(&m.header, sizeof(m), p, 30));
	EXPECT(ipc_now_ms() - t0 >= 30);
}

void test_too_small_receive_buffer_leaves_message_queued(void)
{
	static const char text[40] = "forty bytes of in-line data, no more.";
	mach_port_name_t p = ipc_port_alloc_send();
	struct ipc_buf m;
	uint32_t size;

	ipc_msg_init(&m.header, p, MACH_MSG_TYPE_COPY_SEND, 5);
	ipc_msg_add_inline(&m.header, 1, sizeof(text), text);
	size = m.header.size;
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send(&m.header));
	EXPECT_MR(MACH_RCV_TOO_LARGE, ipc_receive(&m.header, sizeof(m.header), p, 0));
	EXPECT_MR(MACH_RCV_TOO_LARGE, ipc_receive(&m.header, size - 8, p, 0));
	EXPECT_EQ(1, ipc_msgcount(p));
	memset(&m, 0, sizeof(m));
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, size, p, 0));
	EXPECT_EQ(5, m.header.id);
	EXPECT_EQ(size, m.header.size);
	expect_inline(&m.header, 0, 1, sizeof(text), text);
}

void test_receive_needs_a_receive_right(void)
{
	mach_port_name_t p = ipc_port_alloc(), so = ipc_make_send_once(p);
	const mach_port_name_t names[] = { MACH_PORT_NULL, MACH_PORT_TASK_SELF, MACH_PORT_BOOTSTRAP,
					   IPC_UNUSED_NAME, so };
	struct ipc_buf m;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		mach_msg_return_t mr = ipc_receive(&m.header, sizeof(m), names[i], 0);

		if (mr != MACH_RCV_INVALID_NAME)
			guest_fail(__FILE__, __LINE__, "receive on name %u: expected %s got %s", names[i],
				   ipc_mr_name(MACH_RCV_INVALID_NAME), ipc_mr_name(mr));
	}
}

void test_receive_into_unwritable_buffer_is_refused(void)
{
	mach_port_name_t p = ipc_port_alloc_send();
	vm_address_t bad[3] = { 0, IPC_KERNEL_ADDR, IPC_UNMAPPED_ADDR };
	struct ipc_buf m;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(SELF, &bad[0], PAGE, VM_ALLOC_ANYWHERE));
	EXPECT_KR(KERN_SUCCESS, mk_vm_protect(SELF, bad[0], PAGE, VM_PROT_READ));
	for (int i = 0; i < 3; i++) {
		mach_msg_return_t mr;

		EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(p, i + 1));
		mr = ipc_receive((struct mach_msg_header *)bad[i], IPC_BUF_BYTES, p, 0);
		if (mr != MACH_RCV_INVALID_DATA)
			guest_fail(__FILE__, __LINE__, "receive into 0x%lx: expected %s got %s", bad[i],
				   ipc_mr_name(MACH_RCV_INVALID_DATA), ipc_mr_name(mr));
	}
	/* whatever became of those messages, the port still works */
	while (ipc_receive(&m.header, sizeof(m), p, 0) == MACH_MSG_SUCCESS)
		;
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(p, 9));
	expect_next_id(p, 9);
}

/*
 * Malformed messages. Each case spoils one well-formed message: header only,
 * to dest, moving the one send uref of witness in a PORTS item, then eight
 * bytes in line. After each refusal nothing may have changed: nothing queued,
 * the witness right in place, no right made, no port made.
 */
struct bad_msg {
	struct ipc_buf buf;
	struct mach_msg_header *msg;  /* what is sent: normally &buf.header */
	uint32_t base_size;           /* the unspoiled size, for a moved msg */
	mach_port_name_t dest;        /* receive + send */
	mach_port_name_t witness;     /* receive + one send uref, moved by the message */
	mach_port_name_t recv_only;
	vm_address_t edge;            /* the page below is mapped, the page from here is not */
};

static void bad_msg_build(struct bad_msg *b)
{
	static const uint64_t word = 0x0123456789abcdefUL;

	ipc_msg_init(&b->buf.header, b->dest, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	ipc_msg_add_ports(&b->buf.header, MACH_MSG_TYPE_MOVE_SEND, 1, &b->witness);
	ipc_msg_add_inline(&b->buf.header, 8, 1, &word);
	b->msg = &b->buf.header;
	b->base_size = b->buf.header.size;
}

static void add_item(struct bad_msg *b, uint8_t kind, uint8_t elem_size, uint8_t disposition,
		     uint32_t count, uint32_t data_bytes)
{
	struct mach_msg_type t = { .kind = kind, .elem_size = elem_size,
				   .disposition = disposition, .count = count };

	ipc_msg_add_raw(&b->buf.header, &t, data_bytes);
}

static void spoil_size_unaligned(struct bad_msg *b) { b->buf.header.size -= 4; }
static void spoil_size_below_header(struct bad_msg *b) { b->buf.header.size = 16; }
static void spoil_size_above_max(struct bad_msg *b) { b->buf.header.size = MACH_MSG_SIZE_MAX + 8; }
static void spoil_reserved(struct bad_msg *b) { b->buf.header.reserved = 1; }
static void spoil_unknown_bits(struct bad_msg *b) { b->buf.header.bits |= 1u << 16; }
static void spoil_dest_disposition(struct bad_msg *b)
{
	b->buf.header.bits = (b->buf.header.bits & ~0xFFu) | IPC_BAD_DISPOSITION;
}
static void spoil_dest_null(struct bad_msg *b) { b->buf.header.remote_port = MACH_PORT_NULL; }
static void spoil_dest_unused(struct bad_msg *b) { b->buf.header.remote_port = IPC_UNUSED_NAME; }
static void spoil_dest_receive_only(struct bad_msg *b) { b->buf.header.remote_port = b->recv_only; }
static void spoil_reply_unused(struct bad_msg *b)
{
	ipc_msg_set_reply(&b->buf.header, IPC_UNUSED_NAME, MACH_MSG_TYPE_MAKE_SEND_ONCE);
}
static void spoil_reply_send_not_held(struct bad_msg *b)
{
	ipc_msg_set_reply(&b->buf.header, b->recv_only, MACH_MSG_TYPE_COPY_SEND);
}
static void spoil_reply_disposition(struct bad_msg *b)
{
	ipc_msg_set_reply(&b->buf.header, b->dest, IPC_BAD_DISPOSITION);
}
static void spoil_item_kind(struct bad_msg *b) { add_item(b, 9, 1, 0, 8, 8); }
static void spoil_inline_elem_size(struct bad_msg *b)
{
	add_item(b, MACH_MSG_TYPE_INLINE, 3, 0, 1, 8);
}
static void spoil_inline_count(struct bad_msg *b) { add_item(b, MACH_MSG_TYPE_INLINE, 8, 0, 2, 8); }
static void spoil_ports_disposition(struct bad_msg *b)
{
	ipc_msg_add_ports(&b->buf.header, IPC_BAD_DISPOSITION, 1, &b->dest);
}
static void spoil_ports_count(struct bad_msg *b)
{
	add_item(b, MACH_MSG_TYPE_PORTS, 0, MACH_MSG_TYPE_COPY_SEND, 3, 8);
}
static void spoil_ports_unused(struct bad_msg *b)
{
	const mach_port_name_t n = IPC_UNUSED_NAME;

	ipc_msg_add_ports(&b->buf.header, MACH_MSG_TYPE_MOVE_SEND, 1, &n);
}
static void spoil_ports_move_twice(struct bad_msg *b)
{
	ipc_msg_add_ports(&b->buf.header, MACH_MSG_TYPE_MOVE_SEND, 1, &b->witness);
}
static void spoil_ports_receive_not_held(struct bad_msg *b)
{
	const mach_port_name_t n = MACH_PORT_BOOTSTRAP;

	ipc_msg_add_ports(&b->buf.header, MACH_MSG_TYPE_MOVE_RECEIVE, 1, &n);
}
static void spoil_ports_send_not_held(struct bad_msg *b)
{
	ipc_msg_add_ports(&b->buf.header, MACH_MSG_TYPE_COPY_SEND, 1, &b->recv_only);
}
static void spoil_ool_unmapped(struct bad_msg *b)
{
	ipc_msg_add_ool(&b->buf.header, IPC_UNMAPPED_ADDR, PAGE, 0);
}
static void spoil_ool_kernel(struct bad_msg *b)
{
	ipc_msg_add_ool(&b->buf.header, IPC_KERNEL_ADDR, PAGE, 0);
}
static void spoil_msg_kernel(struct bad_msg *b) { b->msg = (struct mach_msg_header *)IPC_KERNEL_ADDR; }
static void spoil_msg_unmapped(struct bad_msg *b)
{
	b->msg = (struct mach_msg_header *)IPC_UNMAPPED_ADDR;
}
static void spoil_msg_crosses_into_unmapped(struct bad_msg *b)
{
	b->msg = (struct mach_msg_header *)(b->edge - sizeof(struct mach_msg_header));
	memcpy(b->msg, &b->buf.header, sizeof(struct mach_msg_header));
}

static const struct bad_msg_case {
	const char *what;
	void (*spoil)(struct bad_msg *b);
	mach_msg_return_t want;
} bad_msg_cases[] = {
	{ "size not a multiple of 8", spoil_size_unaligned, MACH_SEND_MSG_TOO_SMALL },
	{ "size below a header", spoil_size_below_header, MACH_SEND_MSG_TOO_SMALL },
	{ "size above the maximum", spoil_size_above_max, MACH_SEND_TOO_LARGE },
	{ "reserved field set", spoil_reserved, MACH_SEND_INVALID_HEADER },
	{ "unknown header bits", spoil_unknown_bits, MACH_SEND_INVALID_HEADER },
	{ "unknown destination disposition", spoil_dest_disposition, MACH_SEND_INVALID_HEADER },
	{ "null destination", spoil_dest_null, MACH_SEND_INVALID_DEST },
	{ "destination names nothing", spoil_dest_unused, MACH_SEND_INVALID_DEST },
	{ "destination is only a receive right", spoil_dest_receive_only, MACH_SEND_INVALID_DEST },
	{ "reply names nothing", spoil_reply_unused, MACH_SEND_INVALID_REPLY },
	{ "reply copies a send right not held", spoil_reply_send_not_held, MACH_SEND_INVALID_REPLY },
	{ "unknown reply disposition", spoil_reply_disposition, MACH_SEND_INVALID_REPLY },
	{ "unknown item kind", spoil_item_kind, MACH_SEND_INVALID_TYPE },
	{ "in-line element size 3", spoil_inline_elem_size, MACH_SEND_INVALID_TYPE },
	{ "in-line count past the end", spoil_inline_count, MACH_SEND_INVALID_TYPE },
	{ "unknown ports disposition", spoil_ports_disposition, MACH_SEND_INVALID_TYPE },
	{ "ports count past the end", spoil_ports_count, MACH_SEND_INVALID_TYPE },
	{ "ports item names nothing", spoil_ports_unused, MACH_SEND_INVALID_RIGHT },
	{ "one send uref moved twice", spoil_ports_move_twice, MACH_SEND_RIGHT_CONSUMED },
	{ "receive right not held", spoil_ports_receive_not_held, MACH_SEND_INVALID_RIGHT },
	{ "send right not held", spoil_ports_send_not_held, MACH_SEND_INVALID_RIGHT },
	{ "OOL region unmapped", spoil_ool_unmapped, MACH_SEND_INVALID_MEMORY },
	{ "OOL region in the kernel", spoil_ool_kernel, MACH_SEND_INVALID_MEMORY },
	{ "message in the kernel", spoil_msg_kernel, MACH_SEND_INVALID_DATA },
	{ "message unmapped", spoil_msg_unmapped, MACH_SEND_INVALID_DATA },
	{ "message runs into an unmapped page", spoil_msg_crosses_into_unmapped,
	  MACH_SEND_INVALID_DATA },
};

static void bad_msg_expect_unchanged(const struct bad_msg *b, const char *what, uint64_t ports)
{
	struct mach_port_status st = ipc_status(b->dest);
	char label[96];

	if (st.msgcount != 0 || st.srights != 1 || st.sorights != 0)
		guest_fail(__FILE__, __LINE__, "%s: destination: expected 0 queued, 1 send right, 0 "
			   "send-once got %u, %u, %u", what, st.msgcount, st.srights, st.sorights);
	snprintf(label, sizeof(label), "witness after %s", what);
	ipc_expect_type(__FILE__, __LINE__, label, SELF, b->witness,
			MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND);
	ipc_expect_urefs(__FILE__, __LINE__, label, SELF, b->witness, MACH_PORT_RIGHT_SEND, 1);
	snprintf(label, sizeof(label), "receive-only port after %s", what);
	ipc_expect_type(__FILE__, __LINE__, label, SELF, b->recv_only, MACH_PORT_TYPE_RECEIVE);
	if (mk_kernel_stat(KSTAT_PORTS) != ports)
		guest_fail(__FILE__, __LINE__, "%s: ports alive: expected %lu got %lu", what,
			   (unsigned long)ports, (unsigned long)mk_kernel_stat(KSTAT_PORTS));
}

void test_malformed_messages_are_refused_and_change_nothing(void)
{
	static struct bad_msg b;
	vm_address_t pages = 0;
	uint64_t ports;

	b.dest = ipc_port_alloc_send();
	b.witness = ipc_port_alloc_send();
	b.recv_only = ipc_port_alloc();
	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(SELF, &pages, 2 * PAGE, VM_ALLOC_ANYWHERE));
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(SELF, pages + PAGE, PAGE));
	b.edge = pages + PAGE;

	/* unspoiled, the message goes, and the witness right comes back with it */
	bad_msg_build(&b);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send(b.msg));
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE, SELF, b.witness);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&b.buf.header, sizeof(b.buf), b.dest, 0));
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND, SELF, b.witness);

	ports = mk_kernel_stat(KSTAT_PORTS);
	for (size_t i = 0; i < sizeof(bad_msg_cases) / sizeof(bad_msg_cases[0]); i++) {
		const struct bad_msg_case *c = &bad_msg_cases[i];
		uint32_t size;
		mach_msg_return_t mr;

		bad_msg_build(&b);
		c->spoil(&b);
		size = b.msg == &b.buf.header ? b.buf.header.size : b.base_size;
		mr = mk_mach_msg(b.msg, MACH_SEND_MSG, size, 0, MACH_PORT_NULL, 0);
		if (mr != c->want)
			guest_fail(__FILE__, __LINE__, "%s: expected %s got %s (0x%x)", c->what,
				   ipc_mr_name(c->want), ipc_mr_name(mr), (unsigned)mr);
		bad_msg_expect_unchanged(&b, c->what, ports);
	}
}

/* Null RPCs to the echo server at s: the fast path must carry 99% of them. */
static void expect_fast_path_null_rpcs(mach_port_name_t s, mach_port_name_t r)
{
	uint64_t hits;

	ipc_null_rpcs(s, r, WARMUP_RPCS, NULL);
	hits = mk_kernel_stat(KSTAT_IPC_FASTPATH_HITS);
	ipc_null_rpcs(s, r, FASTPATH_RPCS, NULL);
	hits = mk_kernel_stat(KSTAT_IPC_FASTPATH_HITS) - hits;
	if (hits * 100 < 99UL * FASTPATH_RPCS)
		guest_fail(__FILE__, __LINE__, "fast-path hits over %d null RPCs: expected at least "
			   "%d got %lu", FASTPATH_RPCS, FASTPATH_RPCS * 99 / 100, (unsigned long)hits);
}

/* An echo server task holding the receive right of *s, to which we keep a send right. */
static mach_port_name_t echo_task_start(mach_port_name_t *s)
{
	*s = ipc_port_alloc_send();
	return ipc_spawn_with_right("ipc_echo_server", NULL, *s, MACH_MSG_TYPE_MOVE_RECEIVE);
}

static void echo_task_stop(mach_port_name_t task, mach_port_name_t s, mach_port_name_t r)
{
	struct task_status st;

	ipc_echo_quit(s, r);
	st = ipc_task_wait(task);
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(0, st.code);
}

void test_null_rpc_between_threads_takes_the_fast_path(void)
{
	mach_port_name_t s = ipc_port_alloc_send(), r = ipc_port_alloc();

	ipc_thread_start(ipc_echo_thread, (void *)(uintptr_t)s);
	expect_fast_path_null_rpcs(s, r);
	ipc_echo_quit(s, r);
}

/*
 * A reply name with no disposition is refused (MACH_SEND_INVALID_REPLY) when
 * a receiver waits too, where the fast path would take the call: it once
 * read the message as carrying no reply right and delivered it.
 */
void test_rpc_with_a_reply_name_and_no_disposition_is_refused(void)
{
	mach_port_name_t s = ipc_port_alloc_send(), r = ipc_port_alloc();
	struct mach_msg_header h;

	ipc_thread_start(ipc_echo_thread, (void *)(uintptr_t)s);
	ipc_null_rpcs(s, r, WARMUP_RPCS, NULL);              /* the server waits again */
	ipc_msg_init(&h, s, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	ipc_msg_set_reply(&h, r, 0);
	EXPECT_MR(MACH_SEND_INVALID_REPLY,
		  mk_mach_msg(&h, MACH_SEND_MSG | MACH_RCV_MSG, sizeof(h), sizeof(h), r, 0));
	ipc_null_rpcs(s, r, 1, NULL);                        /* nothing was delivered */
	ipc_echo_quit(s, r);
}

void test_null_rpc_between_tasks_takes_the_fast_path(void)
{
	mach_port_name_t s, r = ipc_port_alloc();
	mach_port_name_t task = echo_task_start(&s);

	expect_fast_path_null_rpcs(s, r);
	echo_task_stop(task, s, r);
}

/* One RPC carrying a copy of right; the echo brings it back, and we drop it. */
static void rpc_with_right(mach_port_name_t s, mach_port_name_t r, mach_port_name_t right)
{
	struct ipc_buf m;
	mach_port_name_t *names;

	ipc_msg_init(&m.header, s, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	ipc_msg_add_ports(&m.header, MACH_MSG_TYPE_COPY_SEND, 1, &right);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_call(&m.header, sizeof(m), r));
	EXPECT_EQ(IPC_REPLY_ID(IPC_ID_PING), m.header.id);
	names = IPC_ITEM(&m.header, 0, MACH_MSG_TYPE_PORTS, 1);
	EXPECT_EQ(right, names[0]);
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(SELF, right));
}

/* One RPC carrying a page out of line; the echo brings a copy back, and we drop it. */
static void rpc_with_region(mach_port_name_t s, mach_port_name_t r, vm_address_t page)
{
	struct ipc_buf m;
	struct mach_msg_ool *ool;

	ipc_msg_init(&m.header, s, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	ipc_msg_add_ool(&m.header, page, PAGE, 0);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_call(&m.header, sizeof(m), r));
	EXPECT_EQ(IPC_REPLY_ID(IPC_ID_PING), m.header.id);
	ool = IPC_ITEM(&m.header, 0, MACH_MSG_TYPE_OOL, 1);
	EXPECT_EQ(PAGE, ool->size);
	EXPECT_EQ(PAGE / 8, pattern_mismatch((uint64_t *)ool->address, PAGE / 8, 0x4444));
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(SELF, ool->address, PAGE));
}

void test_rpc_carrying_rights_or_memory_skips_the_fast_path(void)
{
	mach_port_name_t s = ipc_port_alloc_send(), r = ipc_port_alloc();
	mach_port_name_t right = ipc_port_alloc_send();
	vm_address_t page = 0;
	uint64_t hits, misses;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(SELF, &page, PAGE, VM_ALLOC_ANYWHERE));
	pattern_fill((uint64_t *)page, PAGE / 8, 0x4444);
	ipc_thread_start(ipc_echo_thread, (void *)(uintptr_t)s);
	/* The kernel counts a fast-path call when its caller wakes again: one RPC
	 * of each kind first, so that no fast-path call is still being counted. */
	ipc_null_rpcs(s, r, WARMUP_RPCS, NULL);
	rpc_with_right(s, r, right);
	rpc_with_region(s, r, page);
	hits = mk_kernel_stat(KSTAT_IPC_FASTPATH_HITS);
	misses = mk_kernel_stat(KSTAT_IPC_FASTPATH_MISSES);
	for (int i = 0; i < COMPLEX_RPCS; i++)
		rpc_with_right(s, r, right);
	for (int i = 0; i < COMPLEX_RPCS; i++)
		rpc_with_region(s, r, page);
	EXPECT_EQ(hits, mk_kernel_stat(KSTAT_IPC_FASTPATH_HITS));
	EXPECT(mk_kernel_stat(KSTAT_IPC_FASTPATH_MISSES) - misses >= 2 * COMPLEX_RPCS);
	EXPECT_UREFS(1, SELF, right, MACH_PORT_RIGHT_SEND);
	ipc_echo_quit(s, r);
}

void test_null_rpc_smoke_figure(void)
{
	static uint64_t samples[FIGURE_RPCS];
	mach_port_name_t s, r = ipc_port_alloc();
	mach_port_name_t task = echo_task_start(&s);

	ipc_null_rpcs(s, r, WARMUP_RPCS, NULL);
	ipc_null_rpcs(s, r, FIGURE_RPCS, samples);
	echo_task_stop(task, s, r);
	ipc_sort_u64(samples, FIGURE_RPCS);
	mk_printf("FIGURE null_rpc_two_tasks_insn median=%lu min=%lu\n",
		  (unsigned long)samples[FIGURE_RPCS / 2], (unsigned long)samples[0]);
}

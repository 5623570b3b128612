/*
 * test_ipc_fuzz.c — random messages never hurt the kernel: thousands of
 * messages with random headers, sizes and items (names, dispositions, OOL
 * addresses, counts) are sent; each is either refused with a MACH_SEND_*
 * code or delivered, and afterwards every port, right and page is back.
 */
#include "ipc_util.h"

#define FUZZ_MESSAGES   3000
#define FUZZ_BUF_WORDS  64

static uint64_t fuzz_state = 0x243F6A8885A308D3UL;

static uint64_t fuzz_next(void)
{
	fuzz_state ^= fuzz_state << 13;
	fuzz_state ^= fuzz_state >> 7;
	fuzz_state ^= fuzz_state << 17;
	return fuzz_state;
}

/* A value that is often plausible and sometimes wild. */
static uint64_t fuzz_pick(const uint64_t *plausible, size_t n)
{
	uint64_t r = fuzz_next();

	return (r & 3) ? plausible[(r >> 8) % n] : fuzz_next();
}

/* Give back what a received message brought, except rights to our two ports. */
static void fuzz_drop_received(struct mach_msg_header *h, mach_port_name_t dest,
			       mach_port_name_t other)
{
	struct mach_msg_type *t;

	if (h->remote_port)
		mk_port_deallocate(MACH_PORT_TASK_SELF, h->remote_port);
	for (unsigned i = 0; (t = ipc_msg_item(h, i)); i++) {
		if (t->kind == MACH_MSG_TYPE_OOL) {
			struct mach_msg_ool *o = (struct mach_msg_ool *)(t + 1);

			if (o->address)
				mk_vm_deallocate(MACH_PORT_TASK_SELF, o->address & ~4095UL,
						 ((o->address & 4095) + o->size + 4095) & ~4095UL);
			continue;
		}
		for (uint32_t k = 0; t->kind == MACH_MSG_TYPE_PORTS && k < t->count; k++) {
			mach_port_name_t n = ((mach_port_name_t *)(t + 1))[k];

			if (n == dest || n == other || n == MACH_PORT_DEAD || n == MACH_PORT_NULL)
				continue;
			if (t->disposition == MACH_MSG_TYPE_PORT_RECEIVE)
				mk_port_destroy(MACH_PORT_TASK_SELF, n);
			else
				mk_port_deallocate(MACH_PORT_TASK_SELF, n);
		}
	}
}

void test_random_messages_are_refused_or_delivered_and_leak_nothing(void)
{
	static uint64_t buf[FUZZ_BUF_WORDS], rcv[FUZZ_BUF_WORDS * 4];
	mach_port_name_t dest = ipc_port_alloc_send(), other = ipc_port_alloc_send();
	uint64_t ports = mk_kernel_stat(KSTAT_PORTS), free_pages;
	int delivered = 0, refused = 0;

	mk_port_set_qlimit(MACH_PORT_TASK_SELF, dest, MACH_PORT_QLIMIT_MAX);
	free_pages = mk_kernel_stat(KSTAT_FREE_PAGES);
	for (int i = 0; i < FUZZ_MESSAGES; i++) {
		const uint64_t names[] = { dest, other, other, dest, 999, 0xFFFFFFFF };
		const uint64_t disps[] = { 16, 17, 18, 19, 20, 21, 0, 7 };
		const uint64_t kinds[] = { MACH_MSG_TYPE_INLINE, MACH_MSG_TYPE_PORTS,
					   MACH_MSG_TYPE_OOL, 0 };
		struct mach_msg_header *h = (struct mach_msg_header *)buf;
		uint32_t size = 24 + 8 * (uint32_t)(fuzz_next() % (FUZZ_BUF_WORDS - 3));
		mach_msg_return_t mr;

		for (int w = 0; w < FUZZ_BUF_WORDS; w++)
			buf[w] = fuzz_next();
		h->remote_port = (mach_port_name_t)(fuzz_next() & 1 ? dest :
						    fuzz_pick(names, 6));
		h->local_port = (mach_port_name_t)(fuzz_next() & 1 ? 0 : fuzz_pick(names, 6));
		h->bits = (uint32_t)(fuzz_next() & 3 ? MACH_MSGH_BITS(19, fuzz_pick(disps, 8)) |
				     MACH_MSGH_BITS_COMPLEX : fuzz_next());
		h->reserved = fuzz_next() & 7 ? 0 : (uint32_t)fuzz_next();
		h->size = size;
		/* the first item: often a well-formed kind with a random count */
		struct mach_msg_type *t = (struct mach_msg_type *)(h + 1);
		t->kind = (uint8_t)fuzz_pick(kinds, 4);
		t->elem_size = (uint8_t)(1 << (fuzz_next() % 4));
		t->disposition = (uint8_t)fuzz_pick(disps, 8);
		t->flags = (uint8_t)(fuzz_next() & 1);
		t->count = (uint32_t)(fuzz_next() % 4);
		if (t->kind == MACH_MSG_TYPE_PORTS)
			for (uint32_t k = 0; k < t->count && k < 16; k++)
				((mach_port_name_t *)(t + 1))[k] = (mach_port_name_t)fuzz_pick(names, 6);
		if (t->kind == MACH_MSG_TYPE_OOL && (fuzz_next() & 1)) {
			/* a real region of ours (never deallocated: it is our own data) */
			*(struct mach_msg_ool *)(t + 1) = (struct mach_msg_ool){
				(uint64_t)rcv + fuzz_next() % 64, fuzz_next() % sizeof(rcv) / 2 };
			t->flags = 0;
		}
		if (fuzz_next() & 1)                   /* exactly one item, often well-formed */
			size = 24 + 8 + (t->kind == MACH_MSG_TYPE_OOL ? 16 :
					 t->kind == MACH_MSG_TYPE_PORTS ? (t->count * 4 + 7) & ~7u :
					 (t->count * t->elem_size + 7) & ~7u);
		if (fuzz_next() & 1) {                 /* a tame header: the items decide */
			h->remote_port = dest;
			h->local_port = fuzz_next() & 1 ? other : MACH_PORT_NULL;
			h->bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) |
				  MACH_MSGH_BITS_COMPLEX;
			h->reserved = 0;
		}
		mr = mk_mach_msg(h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, size, 0, MACH_PORT_NULL, 0);
		if (mr == MACH_MSG_SUCCESS) {
			delivered++;
			/* drain it: receive into a big buffer, then drop what came */
			if (mk_mach_msg((struct mach_msg_header *)rcv, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
					sizeof(rcv), dest, 0) == MACH_MSG_SUCCESS)
				fuzz_drop_received((struct mach_msg_header *)rcv, dest, other);
		} else {
			refused++;
			if ((mr & 0xFFFF0000) != 0x10000000 && mr != KERN_INVALID_ARGUMENT)
				guest_fail(__FILE__, __LINE__, "message %d: unexpected code 0x%x", i, mr);
		}
	}
	mk_printf("fuzz: %d messages delivered, %d refused\n", delivered, refused);
	EXPECT(delivered > 0 && refused > 0);
	/* notifications (unused send-once rights we dropped) may still be queued */
	for (int p = 0; p < 2; p++)
		while (mk_mach_msg((struct mach_msg_header *)rcv, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
				   sizeof(rcv), p ? other : dest, 0) == MACH_MSG_SUCCESS)
			fuzz_drop_received((struct mach_msg_header *)rcv, dest, other);
	EXPECT_EQ(0, ipc_status(dest).msgcount);
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(MACH_PORT_TASK_SELF, dest));
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(MACH_PORT_TASK_SELF, other));
	EXPECT_EQ(ports - 2, mk_kernel_stat(KSTAT_PORTS));
	EXPECT(mk_kernel_stat(KSTAT_FREE_PAGES) + 16 >= free_pages);
}

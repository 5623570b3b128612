/*
 * test_pager.c — external (user-level) pagers: a helper task serves a
 * memory object (page N starts with PAGER_PATTERN(N)); the test maps it with
 * vm_map and checks the data, the two messages per fault, and that a pager
 * that errs, replies garbage or dies (by itself, or killed while a fault
 * waits for it) fails the access instead of the kernel.
 */
#include "ipc_util.h"
#include <mach/memory_object.h>

#define PAGER_PAGES        4
#define PAGE               4096UL
#define PAGER_PATTERN(n)   (0xFEED0000UL + (n))
#define PAGER_KILL_AFTER_MS 50     /* how long a fault waits before its pager is killed */

/* Supply page (PAGER_PATTERN of offset written into it) for offset, OOL with flags. */
static void pager_supply(mach_port_name_t control, uint64_t offset, vm_address_t page, int flags)
{
	struct ipc_buf m;

	*(uint64_t *)page = PAGER_PATTERN(offset / PAGE);
	ipc_msg_init(&m.header, control, MACH_MSG_TYPE_COPY_SEND, MEMORY_OBJECT_DATA_SUPPLY_ID);
	ipc_msg_add_inline(&m.header, 8, 1, &offset);
	ipc_msg_add_ool(&m.header, page, PAGE, flags);
	ipc_send(&m.header);
}

/* Send the pager reply id with n words to control. */
static void pager_reply_words(mach_port_name_t control, int32_t id, const uint64_t *w, uint32_t n)
{
	struct ipc_buf m;

	ipc_msg_init(&m.header, control, MACH_MSG_TYPE_COPY_SEND, id);
	ipc_msg_add_inline(&m.header, 8, n, w);
	ipc_send(&m.header);
}

/* Ranges no reply may name (the object is PAGER_PAGES pages): each must be ignored. */
static const struct { int32_t id; uint64_t offset, length; } pager_wild_ranges[] = {
	{ MEMORY_OBJECT_DATA_UNAVAILABLE_ID, 0, ~0UL - PAGE + 1 },           /* length ~2^64 */
	{ MEMORY_OBJECT_DATA_UNAVAILABLE_ID, ~0UL - PAGE + 1, 2 * PAGE },     /* offset + length wraps */
	{ MEMORY_OBJECT_DATA_UNAVAILABLE_ID, 8, PAGE },                       /* unaligned offset */
	{ MEMORY_OBJECT_DATA_UNAVAILABLE_ID, 0, PAGE + 8 },                   /* unaligned length */
	{ MEMORY_OBJECT_DATA_UNAVAILABLE_ID, 0, 0 },                          /* nothing */
	{ MEMORY_OBJECT_DATA_UNAVAILABLE_ID, PAGER_PAGES * PAGE, PAGE },      /* past the end */
	{ MEMORY_OBJECT_DATA_UNAVAILABLE_ID, 0, (PAGER_PAGES + 1) * PAGE },   /* runs past the end */
	{ MEMORY_OBJECT_DATA_ERROR_ID, 0, ~0UL - PAGE + 1 },
	{ MEMORY_OBJECT_DATA_ERROR_ID, ~0UL - PAGE + 1, 2 * PAGE },
	{ MEMORY_OBJECT_DATA_ERROR_ID, PAGER_PAGES * PAGE, PAGE },
};
#define PAGER_WILD_REPLIES (sizeof(pager_wild_ranges) / sizeof(pager_wild_ranges[0]) + 2)

/* Every reply in pager_wild_ranges, then two supplies out of range, before the real answer. */
static void pager_answer_wild(mach_port_name_t control, uint64_t offset)
{
	vm_address_t page = 0;

	for (size_t i = 0; i < sizeof(pager_wild_ranges) / sizeof(pager_wild_ranges[0]); i++) {
		uint64_t w[3] = { pager_wild_ranges[i].offset, pager_wild_ranges[i].length,
				  KERN_MEMORY_ERROR };

		pager_reply_words(control, pager_wild_ranges[i].id, w, 3);
	}
	if (mk_vm_allocate(MACH_PORT_TASK_SELF, &page, PAGE, VM_ALLOC_ANYWHERE))
		mk_task_exit(IPC_HELPER_FAILED);
	pager_supply(control, PAGER_PAGES * PAGE, page, 0);            /* past the end */
	pager_supply(control, offset + 8, page, 0);                    /* unaligned */
	pager_supply(control, offset, page, MACH_MSG_OOL_DEALLOCATE);  /* the real one */
}

/*
 * "hostile": before the real answer, DATA_SUPPLY messages of the shape the
 * pager fast path takes (one page, 64 bytes) that it must refuse to take:
 * a page at an unmapped address and one in the kernel half (the send
 * fails, the object gets nothing), and one sent to a port that is not a
 * control port (delivered as an ordinary message). The helper exits with
 * IPC_HELPER_BAD_REPLY if any of them is treated otherwise.
 */
static void pager_answer_hostile(mach_port_name_t control, uint64_t offset, vm_address_t page)
{
	static const vm_address_t bad[] = { IPC_UNMAPPED_ADDR, IPC_KERNEL_ADDR & ~(PAGE - 1) };
	mach_port_name_t own = ipc_port_alloc_send();
	struct ipc_buf m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ipc_msg_init(&m.header, control, MACH_MSG_TYPE_COPY_SEND,
			     MEMORY_OBJECT_DATA_SUPPLY_ID);
		ipc_msg_add_inline(&m.header, 8, 1, &offset);
		ipc_msg_add_ool(&m.header, bad[i], PAGE, 0);
		if (ipc_send(&m.header) != MACH_SEND_INVALID_MEMORY)
			mk_task_exit(IPC_HELPER_BAD_REPLY);
	}
	pager_supply(own, offset, page, 0);              /* to a port of ours */
	if (ipc_receive(&m.header, sizeof(m), own, 0) != MACH_MSG_SUCCESS ||
	    m.header.id != MEMORY_OBJECT_DATA_SUPPLY_ID ||
	    *(uint64_t *)(ipc_msg_item(&m.header, 0) + 1) != offset ||
	    *(uint64_t *)((struct mach_msg_ool *)(ipc_msg_item(&m.header, 1) + 1))->address !=
	    PAGER_PATTERN(offset / PAGE))
		mk_task_exit(IPC_HELPER_BAD_REPLY);
	mk_vm_deallocate(MACH_PORT_TASK_SELF,
			 ((struct mach_msg_ool *)(ipc_msg_item(&m.header, 1) + 1))->address, PAGE);
	mk_port_destroy(MACH_PORT_TASK_SELF, own);
	pager_supply(control, offset, page, 0);          /* the real one */
}

/* The helper's answer to a data request, as its mode (argv[3]) says. */
static void pager_answer(const char *mode, mach_port_name_t control, uint64_t offset)
{
	static vm_address_t buffer;                      /* "keep": one buffer, kept and reused */
	struct ipc_buf m;
	vm_address_t page = 0;
	uint64_t words[3] = { offset, PAGE, KERN_MEMORY_ERROR };

	if (strcmp(mode, "die") == 0)
		mk_task_exit(0);
	if (strcmp(mode, "wild") == 0) {
		pager_answer_wild(control, offset);
		return;
	}
	if (strcmp(mode, "silent") == 0)
		return;                                  /* the fault waits until we are killed */
	if (strcmp(mode, "error") == 0) {
		ipc_msg_init(&m.header, control, MACH_MSG_TYPE_COPY_SEND,
			     MEMORY_OBJECT_DATA_ERROR_ID);
		ipc_msg_add_inline(&m.header, 8, 3, words);
	} else if (strcmp(mode, "unavailable") == 0) {
		ipc_msg_init(&m.header, control, MACH_MSG_TYPE_COPY_SEND,
			     MEMORY_OBJECT_DATA_UNAVAILABLE_ID);
		ipc_msg_add_inline(&m.header, 8, 2, words);
	} else if (strcmp(mode, "garbage") == 0) {
		ipc_msg_init(&m.header, control, MACH_MSG_TYPE_COPY_SEND,
			     MEMORY_OBJECT_DATA_SUPPLY_ID);   /* no offset, no data */
	} else if (strcmp(mode, "keep") == 0 || strcmp(mode, "hostile") == 0) {
		if (!buffer) {
			if (mk_vm_allocate(MACH_PORT_TASK_SELF, &buffer, PAGE, VM_ALLOC_ANYWHERE))
				mk_task_exit(IPC_HELPER_FAILED);
			((uint64_t *)buffer)[1] = 0x5AFEUL;      /* must stay: the frame is ours */
		}
		if (((volatile uint64_t *)buffer)[1] != 0x5AFEUL)
			mk_task_exit(IPC_HELPER_FAILED);
		if (mode[0] == 'h') {
			*(uint64_t *)buffer = PAGER_PATTERN(offset / PAGE);
			pager_answer_hostile(control, offset, buffer);
			return;
		}
		pager_supply(control, offset, buffer, 0);
		*(volatile uint64_t *)buffer = 0xDEADUL;      /* must not reach the object */
		return;
	} else {
		if (mk_vm_allocate(MACH_PORT_TASK_SELF, &page, PAGE, VM_ALLOC_ANYWHERE))
			mk_task_exit(IPC_HELPER_FAILED);
		pager_supply(control, offset, page, MACH_MSG_OOL_DEALLOCATE);
		return;
	}
	ipc_send(&m.header);
}

/*
 * "fast": answer each request with a page from one buffer it keeps, in the
 * same call that waits for the next request, as the benchmark's pager and
 * the default pager do: the shape both pager fast paths take.
 */
static int pager_serve_fast(mach_port_name_t object)
{
	mach_port_name_t control = MACH_PORT_NULL;
	vm_address_t buffer = 0;
	uint32_t answer = 0;
	struct ipc_buf m;

	if (mk_vm_allocate(MACH_PORT_TASK_SELF, &buffer, PAGE, VM_ALLOC_ANYWHERE))
		return IPC_HELPER_FAILED;
	for (;;) {
		uint64_t offset;

		if (mk_mach_msg(&m.header, answer ? MACH_SEND_MSG | MACH_RCV_MSG : MACH_RCV_MSG,
				answer, sizeof(m), object, 0))
			return IPC_HELPER_FAILED;
		answer = 0;
		if (m.header.id == MEMORY_OBJECT_INIT_ID)
			control = *(mach_port_name_t *)((char *)ipc_msg_item(&m.header, 1) + 8);
		if (m.header.id == MEMORY_OBJECT_TERMINATE_ID)
			return 0;
		if (m.header.id != MEMORY_OBJECT_DATA_REQUEST_ID)
			continue;
		offset = *(uint64_t *)(ipc_msg_item(&m.header, 0) + 1);
		*(uint64_t *)buffer = PAGER_PATTERN(offset / PAGE);
		ipc_msg_init(&m.header, control, MACH_MSG_TYPE_COPY_SEND,
			     MEMORY_OBJECT_DATA_SUPPLY_ID);
		ipc_msg_add_inline(&m.header, 8, 1, &offset);
		ipc_msg_add_ool(&m.header, buffer, PAGE, 0);
		answer = m.header.size;
	}
}

/* A pager: serve the memory object port at IPC_HELPER_PORT until TERMINATE. */
int helper_pager(int argc, char **argv)
{
	mach_port_name_t object = ipc_helper_port(), control = MACH_PORT_NULL;
	const char *mode = argc > 3 ? argv[3] : "good";
	struct ipc_buf m;

	if (strcmp(mode, "fast") == 0)
		return pager_serve_fast(object);
	for (;;) {
		if (mk_mach_msg(&m.header, MACH_RCV_MSG, 0, sizeof(m), object, 0))
			return IPC_HELPER_FAILED;
		if (m.header.id == MEMORY_OBJECT_INIT_ID)
			control = *(mach_port_name_t *)((char *)ipc_msg_item(&m.header, 1) + 8);
		else if (m.header.id == MEMORY_OBJECT_DATA_REQUEST_ID)
			pager_answer(mode, control,
				     *(uint64_t *)(ipc_msg_item(&m.header, 0) + 1));
		else if (m.header.id == MEMORY_OBJECT_TERMINATE_ID)
			return 0;
	}
}

struct pager_setup {
	mach_port_name_t helper;
	vm_address_t addr;
};

/* Start a pager in mode and map its object; our send right goes with the mapping. */
static struct pager_setup pager_map(const char *mode)
{
	mach_port_name_t object = ipc_port_alloc_send();
	struct pager_setup s = { .addr = 0 };

	s.helper = ipc_spawn_with_right("pager", mode, object, MACH_MSG_TYPE_MOVE_RECEIVE);
	EXPECT_KR(KERN_SUCCESS, mk_vm_map(MACH_PORT_TASK_SELF, &s.addr, PAGER_PAGES * PAGE,
					  object, 0, VM_ALLOC_ANYWHERE));
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(MACH_PORT_TASK_SELF, object));
	return s;
}

/* Unmap (the object dies, the pager gets TERMINATE) and wait for the helper. */
static struct task_status pager_unmap(struct pager_setup *s)
{
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, s->addr, PAGER_PAGES * PAGE));
	return ipc_task_wait(s->helper);
}

/* What the kernel gets reading page n for us (console_write copies it in). */
static kern_return_t pager_kernel_read(struct pager_setup *s, int n)
{
	return mk_console_write((const char *)(s->addr + n * PAGE + 8), 0) == KERN_SUCCESS ?
	       mk_console_write((const char *)(s->addr + n * PAGE + 16), 1) : KERN_FAILURE;
}

void test_external_pager_supplies_pages_with_two_messages_per_fault(void)
{
	struct pager_setup s = pager_map("good");
	uint64_t msgs = mk_kernel_stat(KSTAT_PAGER_MESSAGES);
	uint64_t faults = mk_kernel_stat(KSTAT_PAGER_FAULTS);
	struct task_status st;

	for (int n = 0; n < PAGER_PAGES; n++)
		EXPECT_EQ(PAGER_PATTERN(n), *(volatile uint64_t *)(s.addr + n * PAGE));
	EXPECT_EQ(PAGER_PAGES, mk_kernel_stat(KSTAT_PAGER_FAULTS) - faults);
	EXPECT_EQ(2 * PAGER_PAGES, mk_kernel_stat(KSTAT_PAGER_MESSAGES) - msgs);
	/* resident now: no more messages, and the memory is ours to write */
	*(volatile uint64_t *)(s.addr + PAGE) = 7;
	EXPECT_EQ(7, *(volatile uint64_t *)(s.addr + PAGE));
	EXPECT_EQ(2 * PAGER_PAGES, mk_kernel_stat(KSTAT_PAGER_MESSAGES) - msgs);
	st = pager_unmap(&s);
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(0, st.code);                         /* it got TERMINATE */
}

/*
 * A pager that answers every request first with replies whose ranges are
 * absurd (lengths near 2^64, wrapping or unaligned ranges, ranges past the
 * object), then properly: the kernel ignores and counts each bad one
 * (before the fix the first one looped for ever under the VM lock) and
 * the fault completes with the real data.
 */
void test_pager_replies_with_bad_ranges_are_refused(void)
{
	struct pager_setup s = pager_map("wild");
	uint64_t refused = mk_kernel_stat(KSTAT_PAGER_REPLIES_REFUSED);

	for (int n = 0; n < PAGER_PAGES; n++)
		EXPECT_EQ(PAGER_PATTERN(n), *(volatile uint64_t *)(s.addr + n * PAGE));
	EXPECT_EQ(PAGER_PAGES * PAGER_WILD_REPLIES,
		  mk_kernel_stat(KSTAT_PAGER_REPLIES_REFUSED) - refused);
	EXPECT_EQ(0, pager_unmap(&s).code);
}

void test_pager_data_unavailable_gives_zeros(void)
{
	struct pager_setup s = pager_map("unavailable");

	EXPECT_EQ(0, *(volatile uint64_t *)(s.addr + 2 * PAGE));
	pager_unmap(&s);
}

void test_pager_data_error_fails_the_access(void)
{
	struct pager_setup s = pager_map("error");

	EXPECT_KR(KERN_MEMORY_ERROR, pager_kernel_read(&s, 0));
	pager_unmap(&s);
}

void test_pager_that_replies_garbage_times_out(void)
{
	struct pager_setup s = pager_map("garbage");
	uint64_t t0 = mk_kernel_stat(KSTAT_TICKS);

	EXPECT_KR(KERN_MEMORY_ERROR, pager_kernel_read(&s, 1));
	EXPECT(mk_kernel_stat(KSTAT_TICKS) - t0 >= MEMORY_OBJECT_TIMEOUT_MS);
	pager_unmap(&s);
}

void test_pager_that_dies_fails_the_fault_at_once(void)
{
	struct pager_setup s = pager_map("die");
	uint64_t t0 = mk_kernel_stat(KSTAT_TICKS);

	EXPECT_KR(KERN_MEMORY_ERROR, pager_kernel_read(&s, 0));
	EXPECT(mk_kernel_stat(KSTAT_TICKS) - t0 < MEMORY_OBJECT_TIMEOUT_MS);
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, s.addr, PAGER_PAGES * PAGE));
	ipc_task_wait(s.helper);
}

/* Thread body: kill the pager task *arg after PAGER_KILL_AFTER_MS. */
static void pager_kill_later(void *arg)
{
	mk_thread_sleep(PAGER_KILL_AFTER_MS);
	mk_task_terminate(*(mach_port_name_t *)arg);
}

/*
 * A pager that never answers is killed while a fault waits for it: the
 * fault fails with KERN_MEMORY_ERROR soon after the kill (the waiting fault
 * checks every few ms that its pager lives), not after the pager timeout;
 * the kernel goes on, the mapping can be removed and the pager was killed.
 */
void test_pager_killed_with_a_fault_pending_fails_the_fault_at_once(void)
{
	struct pager_setup s = pager_map("silent");
	uint64_t t0 = ipc_now_ms(), waited;
	struct task_status st;

	ipc_thread_start(pager_kill_later, &s.helper);
	EXPECT_KR(KERN_MEMORY_ERROR, pager_kernel_read(&s, 2));
	waited = ipc_now_ms() - t0;
	if (waited < PAGER_KILL_AFTER_MS || waited >= MEMORY_OBJECT_TIMEOUT_MS / 4)
		guest_fail(__FILE__, __LINE__, "fault failed after %lu ms: expected %d..%d ms",
			   waited, PAGER_KILL_AFTER_MS, MEMORY_OBJECT_TIMEOUT_MS / 4);
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, s.addr, PAGER_PAGES * PAGE));
	st = ipc_task_wait(s.helper);
	EXPECT_EQ(TASK_END_KILLED, st.how);
}

void test_vm_map_refuses_bad_arguments(void)
{
	vm_address_t a = 0;
	mach_port_name_t recv_only = ipc_port_alloc();

	EXPECT_KR(KERN_INVALID_NAME, mk_vm_map(MACH_PORT_TASK_SELF, &a, PAGE, 999, 0,
					       VM_ALLOC_ANYWHERE));
	EXPECT_KR(KERN_INVALID_RIGHT, mk_vm_map(MACH_PORT_TASK_SELF, &a, PAGE, recv_only, 0,
						VM_ALLOC_ANYWHERE));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_vm_map(MACH_PORT_TASK_SELF, &a, PAGE, recv_only, 100,
						   VM_ALLOC_ANYWHERE));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_vm_map(MACH_PORT_TASK_SELF, &a, 0, recv_only, 0,
						   VM_ALLOC_ANYWHERE));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_vm_map(MACH_PORT_TASK_SELF, NULL, PAGE, recv_only, 0,
						  VM_ALLOC_ANYWHERE));
}

/*
 * A pager that keeps the page it supplies and writes it again at once: the
 * object must hold what was sent, and the pager must keep its own frame
 * (the kernel moves a supplied frame only when the pager gave it up with
 * deallocate); the helper fails if its buffer loses what it put there.
 */
void test_pager_keeping_its_buffer_does_not_share_it(void)
{
	struct pager_setup s = pager_map("keep");
	struct task_status st;

	EXPECT_EQ(PAGER_PATTERN(0), *(volatile uint64_t *)s.addr);
	EXPECT_EQ(PAGER_PATTERN(1), *(volatile uint64_t *)(s.addr + PAGE));
	EXPECT_EQ(PAGER_PATTERN(0), *(volatile uint64_t *)s.addr);
	st = pager_unmap(&s);
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(0, st.code);
}

/*
 * The pager fast path (vm_pager.c) is taken for a pager waiting in receive
 * that answers with a one-page supply of a page it keeps: each fault after
 * the first (when the pager may still have INIT to read) counts two hits,
 * the request and the answer, still two messages, and the data is right.
 */
void test_pager_fast_path_is_taken_for_a_waiting_pager(void)
{
	struct pager_setup s = pager_map("fast");
	uint64_t hits, msgs;
	struct task_status st;

	EXPECT_EQ(PAGER_PATTERN(0), *(volatile uint64_t *)s.addr);
	hits = mk_kernel_stat(KSTAT_PAGER_FASTPATH_HITS);
	msgs = mk_kernel_stat(KSTAT_PAGER_MESSAGES);
	for (int n = 1; n < PAGER_PAGES; n++)
		EXPECT_EQ(PAGER_PATTERN(n), *(volatile uint64_t *)(s.addr + n * PAGE));
	EXPECT_EQ(2 * (PAGER_PAGES - 1), mk_kernel_stat(KSTAT_PAGER_FASTPATH_HITS) - hits);
	EXPECT_EQ(2 * (PAGER_PAGES - 1), mk_kernel_stat(KSTAT_PAGER_MESSAGES) - msgs);
	EXPECT_EQ(PAGER_PATTERN(1), *(volatile uint64_t *)(s.addr + PAGE));
	st = pager_unmap(&s);
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(0, st.code);
}

/*
 * Supplies of the fast path's shape that it must not take (a page at an
 * unmapped or kernel address: the send fails; one to an ordinary port: it
 * is delivered there) change nothing: the faults get the real answers.
 */
void test_pager_fast_path_refuses_what_it_cannot_take(void)
{
	struct pager_setup s = pager_map("hostile");
	struct task_status st;

	for (int n = 0; n < 2; n++)
		EXPECT_EQ(PAGER_PATTERN(n), *(volatile uint64_t *)(s.addr + n * PAGE));
	st = pager_unmap(&s);
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(0, st.code);
}

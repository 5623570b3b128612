/*
 * fuzz_pager.c — a task that is its own pager: it vm_maps memory backed by
 * a port it receives on, a second thread touches the pages (through a trap
 * that reads them, so a failed fault is an error code, not the task's end),
 * and each DATA_REQUEST is answered on the control port with a few replies
 * whose offset, length, items or data are mutated (unaligned, beyond the
 * object, length 0, near 2^64, overflowing offset + length), then usually
 * a good one so the fault completes without waiting for the timeout.
 */
#include "fuzz.h"
#include <mach/memory_object.h>

#define FUZZ_PAGE            4096UL
#define FUZZ_PAGER_WAIT_MS   30      /* one receive of the pager loop */
#define FUZZ_TOUCH_WAIT_MS   (MEMORY_OBJECT_TIMEOUT_MS + 500)

struct fuzz_toucher {
	vm_address_t addr;
	uint32_t pages;
	volatile int done;
	volatile kern_return_t last;
};

/* Read each page through vm_region (it copies in the address word from the page). */
static void fuzz_touch_pages(void *arg)
{
	struct fuzz_toucher *t = arg;
	struct vm_region_info info;

	for (uint32_t i = 0; i < t->pages; i++)
		t->last = mk_vm_region(MACH_PORT_TASK_SELF, (vm_address_t *)(t->addr + i * FUZZ_PAGE),
				       &info);
	t->done = 1;
}

/* The name of the first PORTS item's first right in a received message, or 0. */
static mach_port_name_t fuzz_first_port(struct fuzz_msg *m)
{
	uint32_t off = sizeof(m->header);

	while (off + sizeof(struct mach_msg_type) <= m->header.size && off < sizeof(*m)) {
		struct mach_msg_type *t = (struct mach_msg_type *)((uint8_t *)m + off);
		uint32_t bytes = t->kind == MACH_MSG_TYPE_INLINE ? t->elem_size * t->count :
				 t->kind == MACH_MSG_TYPE_PORTS ? t->count * 4 : 16;

		if (t->kind == MACH_MSG_TYPE_PORTS)
			return t->count ? *(mach_port_name_t *)(t + 1) : 0;
		off += sizeof(*t) + ((bytes + 7) & ~7u);
	}
	return 0;
}

/* Mutations of a reply's range; those below FUZZ_RANGE_OK break alignment or bounds (bug b). */
enum fuzz_reply_mutation {
	FM_UNALIGNED_OFFSET, FM_BEYOND, FM_ZERO_LENGTH, FM_NEAR_2_64, FM_OVERFLOW,
	FM_LONGER_THAN_OBJECT, FM_UNALIGNED_LENGTH, FM_HUGE_OFFSET,
	FUZZ_RANGE_OK,
	FM_MISSING_WORDS = FUZZ_RANGE_OK, FM_WRONG_ITEMS, FM_WRONG_ID, FM_NONE,
	FM_COUNT
};

/* The reply's (offset, length) after mutation mu of the requested (offset, length). */
static void fuzz_reply_range(enum fuzz_reply_mutation mu, uint64_t size, uint64_t *off, uint64_t *len)
{
	switch (mu) {
	case FM_UNALIGNED_OFFSET:   *off += 1 + (*off & 0xFFF); break;
	case FM_BEYOND:             *off = size; break;
	case FM_ZERO_LENGTH:        *len = 0; break;
	case FM_NEAR_2_64:          *len = -FUZZ_PAGE; break;
	case FM_OVERFLOW:           *off = -FUZZ_PAGE; *len = 2 * FUZZ_PAGE; break;
	case FM_LONGER_THAN_OBJECT: *len = size + FUZZ_PAGE; break;
	case FM_UNALIGNED_LENGTH:   *len = 1; break;
	case FM_HUGE_OFFSET:        *off = 1ULL << 63; break;
	default:                    break;
	}
}

/* Send one reply of kind id (SUPPLY, UNAVAILABLE, ERROR) with mutation mu; its outcome. */
static kern_return_t fuzz_pager_reply(struct fuzz_child *c, mach_port_name_t control, int32_t id,
				      enum fuzz_reply_mutation mu, uint64_t size, uint64_t off,
				      uint64_t len)
{
	struct fuzz_msg m;
	uint64_t words[3];
	uint64_t *w;
	vm_address_t page = 0;
	vm_size_t mapped = 0;
	kern_return_t kr;
	uint32_t nwords = id == MEMORY_OBJECT_DATA_SUPPLY_ID ? 1 :
			  id == MEMORY_OBJECT_DATA_UNAVAILABLE_ID ? 2 : 3;

	fuzz_reply_range(mu, size, &off, &len);
	words[0] = off;
	words[1] = len;
	words[2] = KERN_MEMORY_ERROR;
	fuzz_msg_init(&m, control, MACH_MSG_TYPE_COPY_SEND, mu == FM_WRONG_ID ? id + 7 : id);
	if (mu == FM_MISSING_WORDS)
		nwords = (uint32_t)fuzz_below(c, nwords);
	if (mu == FM_WRONG_ITEMS)
		fuzz_msg_add(&m, MACH_MSG_TYPE_PORTS, 0, MACH_MSG_TYPE_MAKE_SEND_ONCE, 0, 0, 0);
	w = fuzz_msg_add(&m, MACH_MSG_TYPE_INLINE, 8, 0, 0, nwords, nwords * 8);
	if (w)
		memcpy(w, words, nwords * 8);
	if (id == MEMORY_OBJECT_DATA_SUPPLY_ID) {
		uint64_t bytes = len > 4 * FUZZ_PAGE ? 4 * FUZZ_PAGE : len;
		struct mach_msg_ool *o = fuzz_msg_add(&m, MACH_MSG_TYPE_OOL, 0, 0,
						      (uint8_t)fuzz_below(c, 2) * MACH_MSG_OOL_DEALLOCATE,
						      1, sizeof(*o));

		mapped = (bytes + FUZZ_PAGE - 1) & ~(FUZZ_PAGE - 1);
		if (bytes && !mk_vm_allocate(MACH_PORT_TASK_SELF, &page, mapped, VM_ALLOC_ANYWHERE))
			*(volatile uint64_t *)page = off;
		if (o) {
			o->address = page;
			o->size = mu == FM_UNALIGNED_LENGTH ? 1 : bytes;
		}
	}
	kr = fuzz_send(&m, 0);
	if (page)                      /* moved with the message, or still ours: gone either way */
		mk_vm_deallocate(MACH_PORT_TASK_SELF, page, mapped);
	return kr;
}

/* Answer one request: a few mutated replies, then (mostly) a good one. */
static void fuzz_pager_answer(struct fuzz_child *c, mach_port_name_t control, uint64_t size,
			      uint64_t off, uint64_t len)
{
	static const int32_t ids[3] = { MEMORY_OBJECT_DATA_SUPPLY_ID, MEMORY_OBJECT_DATA_UNAVAILABLE_ID,
					MEMORY_OBJECT_DATA_ERROR_ID };
	uint32_t bad = (uint32_t)fuzz_below(c, 3);

	for (uint32_t i = 0; i <= bad; i++) {
		int32_t id = ids[fuzz_below(c, 3)];
		enum fuzz_reply_mutation mu = i == bad ? FM_NONE : (enum fuzz_reply_mutation)fuzz_below(c, FM_COUNT);
		kern_return_t kr;

		if (i == bad && !fuzz_below(c, 16))
			return;                            /* no answer: the fault times out */
		if (mu < FUZZ_RANGE_OK && (c->flags & FUZZ_SKIP_BUG_B)) {
			c->skipped++;
			continue;
		}
		fuzz_trace(c, "pager reply id %d mutation %d offset 0x%lx length 0x%lx", id, mu,
			   (unsigned long)off, (unsigned long)len);
		kr = fuzz_pager_reply(c, control, id, mu, size, off, len);
		fuzz_note(c, FUZZ_C_PAGER, (uint32_t)(id - MEMORY_OBJECT_INIT_ID), mu, kr);
	}
}

/* Serve requests until the toucher is done (or the loop has waited long enough). */
static void fuzz_pager_serve(struct fuzz_child *c, mach_port_name_t object, mach_port_name_t control,
			     uint64_t size, struct fuzz_toucher *t)
{
	static struct fuzz_msg m;

	for (uint32_t waits = 0; !t->done && waits < FUZZ_TOUCH_WAIT_MS / FUZZ_PAGER_WAIT_MS; waits++) {
		uint64_t *w;

		if (mk_mach_msg(&m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(m), object,
				FUZZ_PAGER_WAIT_MS))
			continue;
		w = (uint64_t *)((uint8_t *)&m + sizeof(m.header) + sizeof(struct mach_msg_type));
		if (m.header.id == MEMORY_OBJECT_DATA_REQUEST_ID)
			fuzz_pager_answer(c, control, size, w[0], w[1]);
		fuzz_msg_release(&m);
	}
}

void fuzz_op_pager(struct fuzz_child *c)
{
	static struct fuzz_toucher t;
	static struct fuzz_msg m;
	uint64_t size = (1 + fuzz_below(c, 4)) * FUZZ_PAGE;
	mach_port_name_t object = fuzz_port_send(), control = 0, thread = 0;
	vm_address_t addr = 0;
	kern_return_t kr = mk_vm_map(MACH_PORT_TASK_SELF, &addr, size, object, 0, VM_ALLOC_ANYWHERE);

	fuzz_trace(c, "pager object %u size %lu: vm_map %d", object, (unsigned long)size, kr);
	fuzz_note(c, FUZZ_C_PAGER, 0, FM_COUNT, kr);
	if (kr == KERN_SUCCESS &&
	    mk_mach_msg(&m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(m), object, 100) == 0 &&
	    m.header.id == MEMORY_OBJECT_INIT_ID)
		control = fuzz_first_port(&m);
	if (control && !fuzz_below(c, 4))            /* an answer nobody asked for */
		fuzz_pager_answer(c, control, size, fuzz_below(c, 4) * FUZZ_PAGE, FUZZ_PAGE);
	t = (struct fuzz_toucher){ .addr = addr, .pages = (uint32_t)(size / FUZZ_PAGE) };
	if (control && mk_thread_start(fuzz_touch_pages, &t, 16384, &thread) == KERN_SUCCESS) {
		fuzz_pager_serve(c, object, control, size, &t);
		for (int i = 0; i < FUZZ_TOUCH_WAIT_MS && !t.done; i++)
			mk_thread_sleep(1);
		fuzz_note(c, FUZZ_C_PAGER, 1, FM_COUNT, t.done ? t.last : KERN_OPERATION_TIMED_OUT);
		mk_port_deallocate(MACH_PORT_TASK_SELF, thread);
	}
	if (addr)
		mk_vm_deallocate(MACH_PORT_TASK_SELF, addr, size);
	fuzz_drain(object);
	if (control) {                                /* a reply after the object has gone */
		fuzz_pager_answer(c, control, size, 0, FUZZ_PAGE);
		mk_port_destroy(MACH_PORT_TASK_SELF, control);
	}
	mk_port_destroy(MACH_PORT_TASK_SELF, object);
}

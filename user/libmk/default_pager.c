/*
 * default_pager.c — the user-level default pager (PAGER=user): a task that
 * keeps anonymous pages the kernel pages out, in a wired store of its own
 * memory, and gives them back on request (protocol in
 * include/mach/memory_object.h). Programs that may cause paging start it
 * with mk_default_pager_ensure, which does nothing when the kernel has its
 * default pager built in.
 *
 * Once the kernel has taken it as its default pager, it registers a send
 * right to its own task port with the name service under
 * BOOTSTRAP_DEFAULT_PAGER_NAME ("privileged/default-pager", include/mach/kobject.h), so
 * that a privileged test can find it and kill it. If it dies, the kernel
 * forgets the name, and the next default pager registers it again.
 *
 * Limits: 4,096 pages (the kernel keeps no more records) and 256 objects
 * at once; a page returned for an object beyond that is lost, and the fault
 * that asks for it fails with KERN_MEMORY_ERROR after the pager timeout.
 * Lookups of objects are linear.
 */
#include "mk.h"
#include <mach/memory_object.h>

#define DP_STORE_PAGES   4096                 /* pages it can hold (16 MiB) */
#define DP_HASH_BUCKETS  8192                 /* open addressing, power of two */
#define DP_OBJECTS_MAX   256                  /* objects it serves at once */
#define DP_PAGE          4096UL
#define DP_START_WAIT_MS 2000

struct dp_slot {
	uint64_t object_id;                   /* 0: free */
	uint64_t offset;
};

struct dp_object {
	uint64_t id;                          /* 0: free */
	mach_port_name_t control;
};

static struct dp_slot slots[DP_STORE_PAGES];
static int32_t hash[DP_HASH_BUCKETS];        /* slot index + 1, 0 empty, -1 deleted */
static struct dp_object objects[DP_OBJECTS_MAX];
static char *store;
static int next_slot;                       /* where the search for a free slot starts */

static uint32_t dp_hash(uint64_t id, uint64_t offset)
{
	uint64_t h = id * 0x9E3779B97F4A7C15UL + offset / DP_PAGE;

	return (uint32_t)(h ^ (h >> 29)) & (DP_HASH_BUCKETS - 1);
}

/* The hash position of (id, offset), or of where it would go. */
static int32_t *dp_find(uint64_t id, uint64_t offset, bool insert)
{
	int32_t *tomb = NULL;

	for (uint32_t i = dp_hash(id, offset), n = 0; n < DP_HASH_BUCKETS;
	     i = (i + 1) & (DP_HASH_BUCKETS - 1), n++) {
		int32_t *h = &hash[i];

		if (*h == 0)
			return insert ? (tomb ? tomb : h) : NULL;
		if (*h < 0) {
			if (!tomb)
				tomb = h;
			continue;
		}
		if (slots[*h - 1].object_id == id && slots[*h - 1].offset == offset)
			return h;
	}
	return insert ? tomb : NULL;
}

static struct dp_object *dp_object(uint64_t id)
{
	for (int i = 0; i < DP_OBJECTS_MAX; i++)
		if (objects[i].id == id)
			return &objects[i];
	return NULL;
}

/* Keep a returned page (one already held for the place is overwritten). */
static void dp_keep(uint64_t id, uint64_t offset, const void *data)
{
	int32_t *h = dp_find(id, offset, true);
	int32_t s = -1;

	if (!h)
		return;
	if (*h > 0) {
		s = *h - 1;
	} else {
		for (int n = 0; n < DP_STORE_PAGES && s < 0; n++, next_slot = (next_slot + 1) % DP_STORE_PAGES)
			if (!slots[next_slot].object_id)
				s = next_slot;
		/*
		 * Full: the kernel keeps no more records than there are slots,
		 * so this happens only while TERMINATEs for dead objects still
		 * wait in the queue. The page is lost; its next fault fails
		 * with KERN_MEMORY_ERROR when the request times out.
		 */
		if (s < 0)
			return;
		*h = s + 1;
	}
	slots[s] = (struct dp_slot){ id, offset };
	memcpy(store + s * DP_PAGE, data, DP_PAGE);
}

/*
 * Answer a request with the page, and forget it: the answer is written into
 * m (the request's buffer, read already) and its size returned, to go out
 * with the next receive; 0: no answer. A request for a page not held is a
 * repeat whose first answer already brought the page back: the kernel
 * asked twice because some other page of the object arrived meanwhile
 * (pager_wait_state), so it gets no answer. The slot is free at once: the
 * answer leaves before this pager receives, so before dp_keep can reuse it.
 */
static uint32_t dp_supply(struct mach_msg_header *m, uint64_t id, uint64_t offset)
{
	struct dp_object *o = dp_object(id);
	int32_t *h = dp_find(id, offset, false);
	struct mach_msg_type *t = (struct mach_msg_type *)(m + 1);
	int32_t s;

	if (!o || !h || *h <= 0)
		return 0;
	s = *h - 1;
	*m = (struct mach_msg_header){
		.bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX,
		.remote_port = o->control,
		.id = MEMORY_OBJECT_DATA_SUPPLY_ID,
	};
	*t = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_INLINE, .elem_size = 8, .count = 1 };
	((uint64_t *)(t + 1))[0] = offset;
	t = (struct mach_msg_type *)((char *)(t + 1) + 8);
	*t = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_OOL, .count = 1 };
	*(struct mach_msg_ool *)(t + 1) = (struct mach_msg_ool){
		(uint64_t)(store + s * DP_PAGE), DP_PAGE };
	m->size = sizeof(*m) + 2 * sizeof(*t) + 8 + sizeof(struct mach_msg_ool);
	slots[s].object_id = 0;
	*h = -1;
	return m->size;
}

static void dp_terminate(uint64_t id)
{
	struct dp_object *o = dp_object(id);

	for (int i = 0; i < DP_STORE_PAGES; i++)
		if (slots[i].object_id == id) {
			int32_t *h = dp_find(id, slots[i].offset, false);

			if (h)
				*h = -1;
			slots[i].object_id = 0;
		}
	if (o) {
		mk_port_deallocate(MACH_PORT_TASK_SELF, o->control);
		o->id = 0;
	}
}

/* Serve the kernel's default pager requests forever. */
int mk_default_pager_run(void)
{
	static uint64_t buf[64];
	struct mach_msg_header *m = (struct mach_msg_header *)buf;
	mach_port_name_t port;
	vm_address_t base = 0;

	if (mk_vm_allocate(MACH_PORT_TASK_SELF, &base, DP_STORE_PAGES * DP_PAGE, VM_ALLOC_ANYWHERE) ||
	    mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_RECEIVE, &port) ||
	    mk_port_insert_right(MACH_PORT_TASK_SELF, port, port, MACH_MSG_TYPE_MAKE_SEND))
		return 1;
	store = (char *)base;
	for (size_t i = 0; i < DP_STORE_PAGES; i++)      /* resident before it is wired */
		store[i * DP_PAGE] = 0;
	if (mk_set_default_pager(MACH_PORT_HOST_PRIV, port) != KERN_SUCCESS)
		return 1;
	mk_bootstrap_register(BOOTSTRAP_DEFAULT_PAGER_NAME, MACH_PORT_TASK_SELF);   /* best effort */
	for (uint32_t answer = 0;;) {          /* answer: bytes of one to send first, or 0 */
		mach_msg_return_t mr = mk_mach_msg(m, answer ? MACH_SEND_MSG | MACH_RCV_MSG :
						   MACH_RCV_MSG, answer, sizeof(buf), port, 0);
		struct mach_msg_type *t = (struct mach_msg_type *)(m + 1);
		uint64_t *w = (uint64_t *)(t + 1);
		mach_port_name_t reply;

		if (answer && mr != MACH_MSG_SUCCESS && mr < MACH_RCV_INVALID_NAME) {
			answer = 0;                   /* the answer was refused (MACH_SEND_*): */
			continue;                     /* nothing was received; wait again */
		}
		answer = 0;
		if (mr == MACH_RCV_BODY_ERROR || mr == MACH_RCV_ABORTED)
			continue;                     /* that message is gone; serve the next */
		if (mr != MACH_MSG_SUCCESS)
			return 1;                     /* the port is gone: nothing left to serve */
		reply = m->remote_port;               /* (an answer overwrites the request) */

		switch (m->id) {
		case MEMORY_OBJECT_INIT_ID: {
			struct dp_object *o = dp_object(0);
			struct mach_msg_type *pt = (struct mach_msg_type *)(w + t->count);

			if (o)
				*o = (struct dp_object){ w[1], *(mach_port_name_t *)(pt + 1) };
			break;
		}
		case MEMORY_OBJECT_DATA_RETURN_ID: {
			struct mach_msg_type *ot = (struct mach_msg_type *)(w + t->count);
			struct mach_msg_ool *ool = (struct mach_msg_ool *)(ot + 1);

			dp_keep(w[1], w[0], (const void *)ool->address);
			mk_vm_deallocate(MACH_PORT_TASK_SELF, ool->address, DP_PAGE);
			break;
		}
		case MEMORY_OBJECT_DATA_REQUEST_ID:
			answer = dp_supply(m, w[3], w[0]);
			break;
		case MEMORY_OBJECT_TERMINATE_ID:
			dp_terminate(w[0]);
			break;
		}
		if (reply)
			mk_port_deallocate(MACH_PORT_TASK_SELF, reply);
	}
	return 1;
}

/*
 * If the kernel wants a user-level default pager and has none, start one
 * (this program run as "<name> --default-pager") and wait until it serves.
 */
kern_return_t mk_default_pager_ensure(const void *image, size_t size, const char *name)
{
	char args[96];
	mach_port_name_t task;
	size_t len;
	kern_return_t kr;

	if (mk_kernel_stat(KSTAT_DEFAULT_PAGER) != DEFAULT_PAGER_KIND_USER_NONE)
		return KERN_SUCCESS;
	len = (size_t)snprintf(args, sizeof(args), "%s%c--default-pager", name, 0) + 1;
	kr = mk_task_spawn_flags(image, size, args, len, &task, MK_SPAWN_HOST_PRIV);
	if (kr != KERN_SUCCESS)
		return kr;
	mk_port_deallocate(MACH_PORT_TASK_SELF, task);
	for (int ms = 0; ms < DP_START_WAIT_MS; ms++) {
		if (mk_kernel_stat(KSTAT_DEFAULT_PAGER) == DEFAULT_PAGER_KIND_USER)
			return KERN_SUCCESS;
		mk_thread_sleep(1);
	}
	return KERN_OPERATION_TIMED_OUT;
}

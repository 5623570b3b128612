/*
 * test_reliability.c — what a hostile task must not be able to do: use a
 * right again after an earlier use in the same message consumed it, change
 * global state without the host privilege port, or take so many kernel
 * objects that another task cannot spawn and run (ledgers).
 */
#include "ipc_util.h"

#define PAGE               4096UL
#define SELF               MACH_PORT_TASK_SELF
#define HOG_INLINE_BYTES   (64u << 10)   /* in-line bytes of each message the hog queues */
#define HOG_OOL_BYTES      (4UL << 20)   /* each out-of-line region the hog sends */
#define HOG_THREAD_STACK   4096UL
#define HOG_WAIT_MS        3000          /* the longest the test waits for the hog to fill up */

/* ---- one message, names used more than once ---- */

/* The names a case works on: a port with a receive right and urefs send refs, and more. */
struct reuse_names {
	mach_port_name_t dest;        /* where the message goes (receive + 1 send uref) */
	mach_port_name_t x;           /* receive + one send uref */
	mach_port_name_t so;          /* a send-once right to x */
	mach_port_name_t dead;        /* a dead name with one uref */
};

/* How one case builds its message (header and items) from the names. */
struct reuse_case {
	const char *what;
	void (*build)(struct ipc_buf *m, const struct reuse_names *n);
	mach_msg_return_t want;
};

static void add_port(struct ipc_buf *m, int disposition, mach_port_name_t name)
{
	ipc_msg_add_ports(&m->header, disposition, 1, &name);
}

static void dest_moved_then_reply_copies_it(struct ipc_buf *m, const struct reuse_names *n)
{
	ipc_msg_init(&m->header, n->dest, MACH_MSG_TYPE_MOVE_SEND, 1);
	ipc_msg_set_reply(&m->header, n->dest, MACH_MSG_TYPE_COPY_SEND);
}

static void reply_moved_then_item_copies_it(struct ipc_buf *m, const struct reuse_names *n)
{
	ipc_msg_init(&m->header, n->dest, MACH_MSG_TYPE_COPY_SEND, 1);
	ipc_msg_set_reply(&m->header, n->x, MACH_MSG_TYPE_MOVE_SEND);
	add_port(m, MACH_MSG_TYPE_COPY_SEND, n->x);
}

static void last_send_moved_then_copied(struct ipc_buf *m, const struct reuse_names *n)
{
	ipc_msg_init(&m->header, n->dest, MACH_MSG_TYPE_COPY_SEND, 1);
	add_port(m, MACH_MSG_TYPE_MOVE_SEND, n->x);
	add_port(m, MACH_MSG_TYPE_COPY_SEND, n->x);
}

static void last_send_moved_twice_in_one_item(struct ipc_buf *m, const struct reuse_names *n)
{
	const mach_port_name_t twice[2] = { n->x, n->x };

	ipc_msg_init(&m->header, n->dest, MACH_MSG_TYPE_COPY_SEND, 1);
	ipc_msg_add_ports(&m->header, MACH_MSG_TYPE_MOVE_SEND, 2, twice);
}

static void receive_moved_then_make_send(struct ipc_buf *m, const struct reuse_names *n)
{
	ipc_msg_init(&m->header, n->dest, MACH_MSG_TYPE_COPY_SEND, 1);
	add_port(m, MACH_MSG_TYPE_MOVE_RECEIVE, n->x);
	add_port(m, MACH_MSG_TYPE_MAKE_SEND, n->x);
}

static void receive_moved_then_make_send_once(struct ipc_buf *m, const struct reuse_names *n)
{
	ipc_msg_init(&m->header, n->dest, MACH_MSG_TYPE_COPY_SEND, 1);
	add_port(m, MACH_MSG_TYPE_MOVE_RECEIVE, n->x);
	add_port(m, MACH_MSG_TYPE_MAKE_SEND_ONCE, n->x);
}

static void receive_moved_twice(struct ipc_buf *m, const struct reuse_names *n)
{
	ipc_msg_init(&m->header, n->dest, MACH_MSG_TYPE_COPY_SEND, 1);
	add_port(m, MACH_MSG_TYPE_MOVE_RECEIVE, n->x);
	add_port(m, MACH_MSG_TYPE_MOVE_RECEIVE, n->x);
}

static void receive_moved_by_reply_then_item(struct ipc_buf *m, const struct reuse_names *n)
{
	ipc_msg_init(&m->header, n->dest, MACH_MSG_TYPE_COPY_SEND, 1);
	ipc_msg_set_reply(&m->header, n->x, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	add_port(m, MACH_MSG_TYPE_MOVE_RECEIVE, n->x);
	add_port(m, MACH_MSG_TYPE_MAKE_SEND, n->x);
}

static void send_once_moved_twice(struct ipc_buf *m, const struct reuse_names *n)
{
	ipc_msg_init(&m->header, n->dest, MACH_MSG_TYPE_COPY_SEND, 1);
	add_port(m, MACH_MSG_TYPE_MOVE_SEND_ONCE, n->so);
	add_port(m, MACH_MSG_TYPE_MOVE_SEND_ONCE, n->so);
}

static void dead_name_moved_then_copied(struct ipc_buf *m, const struct reuse_names *n)
{
	ipc_msg_init(&m->header, n->dest, MACH_MSG_TYPE_COPY_SEND, 1);
	add_port(m, MACH_MSG_TYPE_MOVE_SEND, n->dead);
	add_port(m, MACH_MSG_TYPE_COPY_SEND, n->dead);
}

/* Needs no set-up at all: every task holds one reference to the name service. */
static void bootstrap_moved_then_copied(struct ipc_buf *m, const struct reuse_names *n)
{
	ipc_msg_init(&m->header, n->dest, MACH_MSG_TYPE_COPY_SEND, 1);
	add_port(m, MACH_MSG_TYPE_MOVE_SEND, MACH_PORT_BOOTSTRAP);
	add_port(m, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_BOOTSTRAP);
}

/* Orders that stay within the rights held: each must go through. */
static void copied_then_moved(struct ipc_buf *m, const struct reuse_names *n)
{
	ipc_msg_init(&m->header, n->dest, MACH_MSG_TYPE_COPY_SEND, 1);
	add_port(m, MACH_MSG_TYPE_COPY_SEND, n->x);
	add_port(m, MACH_MSG_TYPE_MOVE_SEND, n->x);
}

static void make_send_then_receive_moved(struct ipc_buf *m, const struct reuse_names *n)
{
	ipc_msg_init(&m->header, n->dest, MACH_MSG_TYPE_COPY_SEND, 1);
	add_port(m, MACH_MSG_TYPE_MAKE_SEND, n->x);
	add_port(m, MACH_MSG_TYPE_MOVE_RECEIVE, n->x);
}

static void dest_copied_then_moved_by_reply(struct ipc_buf *m, const struct reuse_names *n)
{
	ipc_msg_init(&m->header, n->dest, MACH_MSG_TYPE_COPY_SEND, 1);
	ipc_msg_set_reply(&m->header, n->dest, MACH_MSG_TYPE_MOVE_SEND);
}

static const struct reuse_case reuse_cases[] = {
	{ "destination's last send moved, then copied as reply", dest_moved_then_reply_copies_it,
	  MACH_SEND_RIGHT_CONSUMED },
	{ "reply moves the last send, an item copies it", reply_moved_then_item_copies_it,
	  MACH_SEND_RIGHT_CONSUMED },
	{ "last send moved, then copied", last_send_moved_then_copied, MACH_SEND_RIGHT_CONSUMED },
	{ "last send moved twice in one item", last_send_moved_twice_in_one_item,
	  MACH_SEND_RIGHT_CONSUMED },
	{ "receive moved, then make-send", receive_moved_then_make_send, MACH_SEND_RIGHT_CONSUMED },
	{ "receive moved, then make-send-once", receive_moved_then_make_send_once,
	  MACH_SEND_RIGHT_CONSUMED },
	{ "receive moved twice", receive_moved_twice, MACH_SEND_RIGHT_CONSUMED },
	{ "reply made from a receive an item then moves and makes from",
	  receive_moved_by_reply_then_item, MACH_SEND_RIGHT_CONSUMED },
	{ "send-once moved twice", send_once_moved_twice, MACH_SEND_RIGHT_CONSUMED },
	{ "dead name's last uref moved, then copied", dead_name_moved_then_copied,
	  MACH_SEND_RIGHT_CONSUMED },
	{ "name service's only uref moved, then copied", bootstrap_moved_then_copied,
	  MACH_SEND_RIGHT_CONSUMED },
	{ "copied, then the last send moved", copied_then_moved, MACH_MSG_SUCCESS },
	{ "make-send, then the receive moved", make_send_then_receive_moved, MACH_MSG_SUCCESS },
	{ "destination copied, its last send moved as reply", dest_copied_then_moved_by_reply,
	  MACH_MSG_SUCCESS },
};

static struct reuse_names reuse_names_make(void)
{
	struct reuse_names n = { .dest = ipc_port_alloc_send(), .x = ipc_port_alloc_send() };
	n.so = ipc_make_send_once(n.x);
	EXPECT_KR(KERN_SUCCESS, mk_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &n.dead));
	return n;
}

/* The rights every name of n holds, for the refused cases to compare. */
static void reuse_expect_unchanged(const struct reuse_names *n, const char *what)
{
	char label[120];

	snprintf(label, sizeof(label), "dest after '%s'", what);
	ipc_expect_type(__FILE__, __LINE__, label, SELF, n->dest,
			MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND);
	ipc_expect_urefs(__FILE__, __LINE__, label, SELF, n->dest, MACH_PORT_RIGHT_SEND, 1);
	snprintf(label, sizeof(label), "x after '%s'", what);
	ipc_expect_type(__FILE__, __LINE__, label, SELF, n->x,
			MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND);
	ipc_expect_urefs(__FILE__, __LINE__, label, SELF, n->x, MACH_PORT_RIGHT_SEND, 1);
	snprintf(label, sizeof(label), "send-once after '%s'", what);
	ipc_expect_type(__FILE__, __LINE__, label, SELF, n->so, MACH_PORT_TYPE_SEND_ONCE);
	snprintf(label, sizeof(label), "dead name after '%s'", what);
	ipc_expect_urefs(__FILE__, __LINE__, label, SELF, n->dead, MACH_PORT_RIGHT_DEAD_NAME, 1);
	snprintf(label, sizeof(label), "name service after '%s'", what);
	ipc_expect_urefs(__FILE__, __LINE__, label, SELF, MACH_PORT_BOOTSTRAP,
			 MACH_PORT_RIGHT_SEND, 1);
	if (ipc_msgcount(n->dest) != 0)
		guest_fail(__FILE__, __LINE__, "'%s': expected nothing queued got %u", what,
			   ipc_msgcount(n->dest));
}

/* What was sent is received and dropped, and every name of n goes. */
static void reuse_names_drop(const struct reuse_names *n)
{
	struct ipc_buf m;

	/* every right a message carried merges into a name below when received */
	while (ipc_receive(&m.header, sizeof(m), n->dest, 0) == MACH_MSG_SUCCESS)
		;
	mk_port_destroy(SELF, n->x);
	mk_port_destroy(SELF, n->so);
	mk_port_destroy(SELF, n->dead);
	mk_port_destroy(SELF, n->dest);
}

/*
 * A message that names a right again after an earlier use in it (header or
 * items, in copyin order) moved or consumed it is refused with
 * MACH_SEND_RIGHT_CONSUMED and changes nothing; orders within the rights
 * held go through. Before the fix each refused case stopped the kernel.
 */
void test_names_used_after_their_right_is_consumed_are_refused(void)
{
	uint64_t ports = mk_kernel_stat(KSTAT_PORTS);

	for (size_t i = 0; i < sizeof(reuse_cases) / sizeof(reuse_cases[0]); i++) {
		const struct reuse_case *c = &reuse_cases[i];
		struct reuse_names n = reuse_names_make();
		static struct ipc_buf m;
		mach_msg_return_t mr;

		c->build(&m, &n);
		mr = ipc_send(&m.header);
		if (mr != c->want)
			guest_fail(__FILE__, __LINE__, "'%s': expected %s got %s (0x%x)", c->what,
				   ipc_mr_name(c->want), ipc_mr_name(mr), (unsigned)mr);
		if (mr != MACH_MSG_SUCCESS)
			reuse_expect_unchanged(&n, c->what);
		else if (ipc_msgcount(n.dest) != 1)
			guest_fail(__FILE__, __LINE__, "'%s': expected 1 queued got %u", c->what,
				   ipc_msgcount(n.dest));
		reuse_names_drop(&n);
	}
	EXPECT_EQ(ports, mk_kernel_stat(KSTAT_PORTS));
}

/* ---- privilege ---- */

/*
 * Global knobs take the host privilege port: a task without it (or naming
 * another port) gets KERN_NO_ACCESS, cannot hand it to a child or raise a
 * thread above every ordinary one, and values that would livelock the
 * machine are refused even with it.
 */
void test_global_traps_need_the_host_privilege_port(void)
{
	mach_port_name_t port = ipc_port_alloc_send(), task, thread;
	const void *image;
	size_t size;
	char args[] = "guest-tests\0--helper\0exit0";

	EXPECT_KR(KERN_NO_ACCESS, mk_vm_set_resident_limit(SELF, 0));
	EXPECT_KR(KERN_NO_ACCESS, mk_vm_set_resident_limit(IPC_UNUSED_NAME, 0));
	EXPECT_KR(KERN_NO_ACCESS, mk_set_default_pager(port, port));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_vm_set_resident_limit(MACH_PORT_HOST_PRIV, 1));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_vm_set_resident_limit(MACH_PORT_HOST_PRIV, 15));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_vm_set_resident_limit(MACH_PORT_HOST_PRIV,
								  mk_kernel_stat(KSTAT_TOTAL_PAGES) + 1));
	EXPECT_KR(KERN_SUCCESS, mk_vm_set_resident_limit(MACH_PORT_HOST_PRIV, 0));
	EXPECT_KR(KERN_SUCCESS, mk_thread_self(&thread));
	EXPECT_KR(KERN_SUCCESS, mk_thread_set_priority(thread, MK_THREAD_PRIORITY_MAX));
	EXPECT_KR(KERN_SUCCESS, mk_thread_set_priority(thread, MK_THREAD_PRIORITY_DEFAULT));

	/* without the right: refused, and no child gets it from us */
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(SELF, MACH_PORT_HOST_PRIV));
	EXPECT_TYPE(IPC_TYPE_NONE, SELF, MACH_PORT_HOST_PRIV);
	EXPECT_KR(KERN_NO_ACCESS, mk_vm_set_resident_limit(MACH_PORT_HOST_PRIV, 0));
	EXPECT_KR(KERN_NO_ACCESS, mk_set_default_pager(MACH_PORT_HOST_PRIV, port));
	EXPECT_KR(KERN_NO_ACCESS, mk_thread_set_priority(thread, MK_THREAD_PRIORITY_USER_MAX + 1));
	EXPECT_KR(KERN_SUCCESS, mk_thread_set_priority(thread, MK_THREAD_PRIORITY_USER_MAX));
	guest_image(&image, &size);
	EXPECT_KR(KERN_NO_ACCESS, mk_task_spawn_flags(image, size, args, sizeof(args), &task,
						      MK_SPAWN_HOST_PRIV));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_task_spawn_flags(image, size, args, sizeof(args), &task,
							     0x80));
	EXPECT_KR(KERN_SUCCESS, mk_task_spawn_flags(image, size, args, sizeof(args), &task, 0));
	EXPECT_EQ(0, ipc_task_wait(task).code);
	mk_port_destroy(SELF, port);
}

/* ---- performance counters ---- */

#define PMC_INSN_RETIRED 0x4300C0ULL   /* event C0H umask 0 (architectural), USR, OS, EN */
#define PMC_LOOP 1000

static void guest_cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static uint64_t guest_rdpmc(uint32_t index)
{
	uint32_t lo, hi;

	__asm__ volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(index));
	return ((uint64_t)hi << 32) | lo;
}

/*
 * The performance counters (kern/pmc.h): only with the host right; an
 * index of MK_PMC_MAX or more, or select bits the kernel does not take (PC,
 * INT, ANY, anything above bit 31), are refused first; then a CPU without
 * architectural performance monitoring (qemu64 under TCG) refuses with
 * KERN_NOT_SUPPORTED, and one with it (KVM with the host's CPU) counts: a
 * counter of retired instructions, read with rdpmc, advances over a loop
 * of PMC_LOOP iterations by at least that much.
 */
void test_pmc_program_refuses_bad_input_and_a_cpu_without_counters(void)
{
	uint32_t a, b, c, d, version = 0;

	guest_cpuid(0, &a, &b, &c, &d);
	if (a >= 0x0A) {
		guest_cpuid(0x0A, &a, &b, &c, &d);
		version = a & 0xFF;
	}
	EXPECT_KR(KERN_NO_ACCESS, mk_pmc_program(SELF, 0, PMC_INSN_RETIRED));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_pmc_program(MACH_PORT_HOST_PRIV, MK_PMC_MAX,
							 PMC_INSN_RETIRED));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_pmc_program(MACH_PORT_HOST_PRIV, 0,
							 PMC_INSN_RETIRED | 1UL << 20));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_pmc_program(MACH_PORT_HOST_PRIV, 0,
							 PMC_INSN_RETIRED | 1UL << 21));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_pmc_program(MACH_PORT_HOST_PRIV, 0,
							 PMC_INSN_RETIRED | 1ULL << 32));
	if (version == 0) {
		EXPECT_KR(KERN_NOT_SUPPORTED, mk_pmc_program(MACH_PORT_HOST_PRIV, 0,
							      PMC_INSN_RETIRED));
		EXPECT_KR(KERN_NOT_SUPPORTED, mk_pmc_program(MACH_PORT_HOST_PRIV, 0, 0));
		return;
	}
	EXPECT_KR(KERN_SUCCESS, mk_pmc_program(MACH_PORT_HOST_PRIV, 0, PMC_INSN_RETIRED));
	uint64_t before = guest_rdpmc(0);
	for (volatile int i = 0; i < PMC_LOOP; i++)
		;
	EXPECT(guest_rdpmc(0) - before >= PMC_LOOP);
	EXPECT_KR(KERN_SUCCESS, mk_pmc_program(MACH_PORT_HOST_PRIV, 0, 0));
}

/* ---- ledgers ---- */

/* Hog exit codes: which step did not end the way a bounded kernel must. */
enum hog_failure {
	HOG_NO_PORT = 60, HOG_MESSAGES, HOG_MESSAGE_BYTES, HOG_NOTIFICATIONS, HOG_OOL, HOG_PORTS,
	HOG_THREADS, HOG_TASKS, HOG_MAP_ENTRIES, HOG_NAMES, HOG_SETUP,
};
#define HOG_REFUSALS 10   /* charges the hog's steps get refused, one each */

static struct ledger_info hog_limits;   /* the hog's own ledger, read at its start */

#define HOG_LIMIT(kind) ((uint32_t)hog_limits.limit[kind])

/* Send header-only or in-line messages through fresh send-once rights until one is refused. */
static uint32_t hog_send_once_until_refused(mach_port_name_t port, uint32_t inline_bytes,
					    mach_msg_return_t *last)
{
	static struct { struct mach_msg_header h; struct mach_msg_type t; char d[HOG_INLINE_BYTES]; }
		m __attribute__((aligned(8)));
	uint32_t sent = 0;

	for (;;) {
		ipc_msg_init(&m.h, port, MACH_MSG_TYPE_MAKE_SEND_ONCE, 7);
		if (inline_bytes)
			ipc_msg_add_inline(&m.h, 1, inline_bytes, NULL);
		*last = mk_mach_msg(&m.h, MACH_SEND_MSG, m.h.size, 0, MACH_PORT_NULL, 0);
		if (*last != MACH_MSG_SUCCESS)
			return sent;
		sent++;
	}
}

/* Receive and drop everything queued on port. */
static void hog_drain(mach_port_name_t port)
{
	static struct { struct mach_msg_header h; char body[HOG_INLINE_BYTES + 64]; } m
		__attribute__((aligned(8)));

	while (mk_mach_msg(&m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(m), port, 0) ==
	       MACH_MSG_SUCCESS)
		;
}

/* Queue messages until the ledger's message count, then its bytes, refuse; keep the last lot. */
static void hog_messages(mach_port_name_t port)
{
	mach_msg_return_t mr;
	mach_port_name_t dead;
	uint32_t n;

	n = hog_send_once_until_refused(port, 0, &mr);
	if (mr != MACH_SEND_NO_BUFFER || n == 0 || n > HOG_LIMIT(LEDGER_MESSAGES))
		mk_task_exit(HOG_MESSAGES);
	hog_drain(port);
	n = hog_send_once_until_refused(port, HOG_INLINE_BYTES, &mr);
	if (mr != MACH_SEND_NO_BUFFER || n == 0 || n >= HOG_LIMIT(LEDGER_MESSAGES))
		mk_task_exit(HOG_MESSAGE_BYTES);
	/* what bytes or messages are left go to header-only messages */
	hog_send_once_until_refused(port, 0, &mr);
	if (mr != MACH_SEND_NO_BUFFER)
		mk_task_exit(HOG_MESSAGE_BYTES);
	/* a dead-name notice asked for at once is a kernel message charged to the asker */
	if (mk_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &dead) != KERN_SUCCESS ||
	    mk_port_request_notification(SELF, dead, MACH_NOTIFY_DEAD_NAME, port) !=
	    KERN_RESOURCE_SHORTAGE)
		mk_task_exit(HOG_NOTIFICATIONS);
}

/* Out-of-line regions in transit until the ledger refuses one (they are queued on port). */
static void hog_ool(mach_port_name_t port)
{
	static struct ipc_buf m;
	vm_address_t region = 0;
	uint32_t sent = 0;
	mach_msg_return_t mr;

	if (mk_vm_allocate(SELF, &region, HOG_OOL_BYTES, VM_ALLOC_ANYWHERE) != KERN_SUCCESS)
		mk_task_exit(HOG_SETUP);
	mk_port_set_qlimit(SELF, port, MACH_PORT_QLIMIT_MAX);
	for (;;) {
		ipc_msg_init(&m.header, port, MACH_MSG_TYPE_MAKE_SEND, 8);
		ipc_msg_add_ool(&m.header, region, HOG_OOL_BYTES, 0);
		mr = ipc_send_timeout(&m.header, 0);
		if (mr != MACH_MSG_SUCCESS)
			break;
		sent++;
	}
	if (mr != MACH_SEND_NO_BUFFER || sent == 0 || sent * HOG_OOL_BYTES > hog_limits.limit[LEDGER_OOL_BYTES])
		mk_task_exit(HOG_OOL);
}

static void hog_thread_body(void *arg)
{
	(void)arg;
	for (;;)
		mk_thread_sleep(1000000);
}

/* Threads (each asleep on a stack of its own) until the ledger refuses one. */
static void hog_threads(void)
{
	vm_address_t stacks = 0;
	mach_port_name_t t;
	kern_return_t kr = KERN_SUCCESS;
	uint32_t n;

	if (mk_vm_allocate(SELF, &stacks, HOG_LIMIT(LEDGER_THREADS) * HOG_THREAD_STACK,
			   VM_ALLOC_ANYWHERE) != KERN_SUCCESS)
		mk_task_exit(HOG_SETUP);
	for (n = 0; n < HOG_LIMIT(LEDGER_THREADS) && kr == KERN_SUCCESS; n++)
		kr = mk_thread_create(SELF, hog_thread_body,
				      (void *)(stacks + (n + 1) * HOG_THREAD_STACK - 16), NULL, &t);
	if (kr != KERN_RESOURCE_SHORTAGE)
		mk_task_exit(HOG_THREADS);
}

/* Call step until it fails; it must fail with want, within limit calls. */
static void hog_until_refused(kern_return_t (*step)(uint32_t i), kern_return_t want,
			      uint32_t limit, enum hog_failure code)
{
	kern_return_t kr = KERN_SUCCESS;
	uint32_t i;

	for (i = 0; i <= limit && kr == KERN_SUCCESS; i++)
		kr = step(i);
	if (kr != want)
		mk_task_exit(code);
}

static kern_return_t hog_one_port(uint32_t i)
{
	mach_port_name_t p;

	(void)i;
	return mk_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &p);
}

static kern_return_t hog_one_task(uint32_t i)
{
	mach_port_name_t child;

	(void)i;
	return mk_task_create(SELF, 0, &child);
}

static vm_address_t hog_entries_base;

/* Every other page read-only: each protect splits off two more map entries. */
static kern_return_t hog_one_entry(uint32_t i)
{
	return mk_vm_protect(SELF, hog_entries_base + (2 * i + 1) * PAGE, PAGE, VM_PROT_READ);
}

static kern_return_t hog_one_name(uint32_t i)
{
	mach_port_name_t n;

	(void)i;
	return mk_port_allocate(SELF, MACH_PORT_RIGHT_DEAD_NAME, &n);
}

/*
 * A task that takes all it can of every resource its ledger bounds, checks
 * each refusal, then sleeps holding everything. Each step ends at one
 * refused charge (HOG_REFUSALS in all); a step that ends any other way ends
 * the hog with a code of its own (enum hog_failure).
 */
int helper_hog(int argc, char **argv)
{
	mach_port_name_t ool_port, msg_port;

	(void)argc;
	(void)argv;
	if (mk_ledger_info(SELF, &hog_limits) != KERN_SUCCESS)
		return HOG_SETUP;
	if (mk_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &ool_port) != KERN_SUCCESS ||
	    mk_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &msg_port) != KERN_SUCCESS)
		return HOG_NO_PORT;
	hog_ool(ool_port);
	hog_messages(msg_port);
	hog_threads();
	hog_until_refused(hog_one_task, KERN_RESOURCE_SHORTAGE, HOG_LIMIT(LEDGER_TASKS), HOG_TASKS);
	if (mk_vm_allocate(SELF, &hog_entries_base, 2 * HOG_LIMIT(LEDGER_MAP_ENTRIES) * PAGE,
			   VM_ALLOC_ANYWHERE) != KERN_SUCCESS)
		return HOG_SETUP;
	hog_until_refused(hog_one_entry, KERN_RESOURCE_SHORTAGE, HOG_LIMIT(LEDGER_MAP_ENTRIES),
			  HOG_MAP_ENTRIES);
	hog_until_refused(hog_one_port, KERN_RESOURCE_SHORTAGE, HOG_LIMIT(LEDGER_PORTS), HOG_PORTS);
	hog_until_refused(hog_one_name, KERN_RESOURCE_SHORTAGE, HOG_LIMIT(LEDGER_NAMES), HOG_NAMES);
	for (;;)
		mk_thread_sleep(1000000);
}

/* Wait until the hog has been refused every resource (the names come last). */
static void hog_wait_full(mach_port_name_t hog, struct ledger_info *info)
{
	struct task_status st;
	uint64_t deadline = ipc_now_ms() + HOG_WAIT_MS;

	for (;;) {
		EXPECT_KR(KERN_SUCCESS, mk_ledger_info(hog, info));
		if (info->held[LEDGER_PORTS] == info->limit[LEDGER_PORTS] &&
		    info->refused >= HOG_REFUSALS)
			return;
		if (mk_task_wait(hog, &st, 0) == KERN_SUCCESS && st.how != TASK_END_RUNNING)
			guest_fail(__FILE__, __LINE__, "hog ended early: how %u code %d (enum "
				   "hog_failure)", st.how, st.code);
		if (ipc_now_ms() > deadline)
			guest_fail(__FILE__, __LINE__, "hog not full after %d ms: ports %lu names %lu "
				   "refused %lu", HOG_WAIT_MS, (unsigned long)info->held[LEDGER_PORTS],
				   (unsigned long)info->held[LEDGER_NAMES],
				   (unsigned long)info->refused);
		mk_thread_sleep(10);
	}
}

/* What a well-behaved task does while the hog holds everything: it must all work. */
static void others_still_run(void)
{
	mach_port_name_t p = ipc_port_alloc_send(), t;
	struct task_status st = guest_run_helper("exit0", NULL);
	static struct ipc_buf m;

	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(0, st.code);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(p, 5));
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), p, 0));
	EXPECT_KR(KERN_SUCCESS, mk_task_create(SELF, 0, &t));
	EXPECT_KR(KERN_SUCCESS, mk_task_terminate(t));
	mk_port_deallocate(SELF, t);
	mk_port_destroy(SELF, p);
}

/*
 * A kernel statistic, except that free pages count this task's own
 * page-table pages as free: hashed tables come and go with what the test
 * touches (their budget), and they are not what a hog may leak.
 */
static uint64_t stat_now(int which)
{
	struct pmap_footprint_info fp;

	if (which != KSTAT_FREE_PAGES || mk_pmap_footprint(SELF, &fp) != KERN_SUCCESS)
		return mk_kernel_stat(which);
	return mk_kernel_stat(which) + fp.table_pages;
}

/*
 * How far free pages may be off: not at all with radix tables;
 * with hashed ones the other tasks' hardware tables (the runner's, the
 * default pager's) grow and shrink within their budget of 16 pages while
 * memory is scarce, and come back later (seen: 5 to 7 pages).
 */
static uint64_t stat_slack(int which)
{
	struct pmap_footprint_info fp;

	if (which != KSTAT_FREE_PAGES || mk_pmap_footprint(SELF, &fp) != KERN_SUCCESS ||
	    fp.kind != PMAP_KIND_HASHED)
		return 0;
	return 2 * fp.table_budget;
}

/* The statistic (stat_now) must come back to want; the hog's orphans end through deferred work. */
static void expect_stat_settles(int which, uint64_t want, const char *what)
{
	uint64_t deadline = ipc_now_ms() + IPC_WAIT_MS, slack = stat_slack(which);

	while (stat_now(which) != want && ipc_now_ms() < deadline)
		mk_thread_sleep(5);
	if (stat_now(which) > want + slack || stat_now(which) + slack < want)
		guest_fail(__FILE__, __LINE__, "%s after the hog died: expected %lu (give or take "
			   "%lu) got %lu", what, (unsigned long)want, (unsigned long)slack,
			   (unsigned long)stat_now(which));
}

/* Run the hog to its limits, check the others, end it; the hog's ledger afterwards. */
static void hog_round(struct ledger_info *after)
{
	mach_port_name_t hog = guest_spawn_helper("hog", NULL);
	struct ledger_info full;
	struct task_status st;

	hog_wait_full(hog, &full);
	for (int k = 0; k < LEDGER_COUNT; k++)
		if (full.held[k] > full.limit[k])
			guest_fail(__FILE__, __LINE__, "ledger kind %d: %lu held over its limit %lu",
				   k, (unsigned long)full.held[k], (unsigned long)full.limit[k]);
	others_still_run();
	EXPECT_KR(KERN_SUCCESS, mk_task_terminate(hog));
	EXPECT_KR(KERN_SUCCESS, mk_task_wait(hog, &st, IPC_WAIT_MS));
	EXPECT_EQ(TASK_END_KILLED, st.how);
	EXPECT_KR(KERN_SUCCESS, mk_ledger_info(hog, after));
	mk_port_deallocate(SELF, hog);
}

/*
 * One task that takes all its ledger allows of every resource (queued
 * messages through send-once rights, in-line and out-of-line bytes, kernel
 * notices, ports, threads, tasks, map entries, names) is refused each with
 * an error, cannot stop another task from spawning and running, and gives
 * everything back when it dies.
 */
void test_one_task_exhausting_each_resource_cannot_stop_another(void)
{
	struct ledger_info after;
	uint64_t ports, tasks, threads, free_pages;

	hog_round(&after);                 /* warm the kernel's zones and our own memory */
	ports = mk_kernel_stat(KSTAT_PORTS);
	tasks = mk_kernel_stat(KSTAT_TASKS);
	threads = mk_kernel_stat(KSTAT_THREADS);
	free_pages = stat_now(KSTAT_FREE_PAGES);
	hog_round(&after);
	EXPECT_EQ(0, after.held[LEDGER_MESSAGES]);
	EXPECT_EQ(0, after.held[LEDGER_MESSAGE_BYTES]);
	EXPECT_EQ(0, after.held[LEDGER_OOL_BYTES]);
	EXPECT_EQ(0, after.held[LEDGER_PORTS]);
	EXPECT_EQ(0, after.held[LEDGER_THREADS]);
	EXPECT_EQ(0, after.held[LEDGER_MAP_ENTRIES]);
	EXPECT_EQ(1, after.held[LEDGER_TASKS]);     /* the hog itself, until its port goes */
	expect_stat_settles(KSTAT_PORTS, ports, "ports");
	expect_stat_settles(KSTAT_TASKS, tasks, "tasks");
	expect_stat_settles(KSTAT_THREADS, threads, "threads");
	expect_stat_settles(KSTAT_FREE_PAGES, free_pages, "free pages");
}

#define TABLE_HOG_STRIDE   (2UL << 20)    /* one page per page table's span */
#define TABLE_HOG_TOUCHES  8192           /* twice the page tables one ledger may hold */

/* Touch one byte per 2 MiB of a 16 GiB region: every touch needs a page table of its own. */
int helper_table_hog(int argc, char **argv)
{
	vm_address_t base = 0;

	(void)argc;
	(void)argv;
	if (mk_vm_allocate(SELF, &base, TABLE_HOG_TOUCHES * TABLE_HOG_STRIDE,
			   VM_ALLOC_ANYWHERE) != KERN_SUCCESS)
		return HOG_SETUP;
	for (unsigned long i = 0; i < TABLE_HOG_TOUCHES; i++)
		*(volatile char *)(base + i * TABLE_HOG_STRIDE) = 1;
	return 0;
}

/*
 * Page-table pages are kernel memory a task makes by touching memory
 * sparsely: with radix tables the ledger's page-table limit ends the task
 * with a page fault (KERN_NO_SPACE) instead of letting it take the
 * machine's frames; hashed tables stay within their small per-task budget,
 * so the same task runs to the end. Either way its pages come back.
 */
void test_page_tables_a_task_makes_are_bounded_by_its_ledger(void)
{
	struct pmap_footprint_info fp;
	struct task_status st;
	uint64_t free_pages = 0;

	EXPECT_KR(KERN_SUCCESS, mk_pmap_footprint(SELF, &fp));
	for (int round = 0; round < 2; round++) {
		if (round == 1)
			free_pages = stat_now(KSTAT_FREE_PAGES);
		st = guest_run_helper("table_hog", NULL);
		if (fp.kind == PMAP_KIND_RADIX) {
			EXPECT_EQ(TASK_END_FAULTED, st.how);
			EXPECT_EQ(14, st.code);                  /* the page fault it could not map */
		} else {
			EXPECT_EQ(TASK_END_EXITED, st.how);
			EXPECT_EQ(0, st.code);
		}
	}
	expect_stat_settles(KSTAT_FREE_PAGES, free_pages, "free pages");
}

#define MEMORY_HOG_BYTES   (1UL << 30)    /* more than the machine has */

/* Write every page of a region larger than the machine's memory. */
int helper_memory_hog(int argc, char **argv)
{
	vm_address_t base = 0;

	(void)argc;
	(void)argv;
	if (mk_vm_allocate(SELF, &base, MEMORY_HOG_BYTES, VM_ALLOC_ANYWHERE) != KERN_SUCCESS)
		return HOG_SETUP;
	for (unsigned long off = 0; off < MEMORY_HOG_BYTES; off += PAGE)
		*(volatile char *)(base + off) = 1;
	return 0;
}

/* Spawn the exit0 helper with the host right (a privileged task) and wait for it. */
static struct task_status privileged_helper_run(void)
{
	char args[] = "guest-tests\0--helper\0exit0";
	mach_port_name_t task;
	const void *image;
	size_t size;

	guest_image(&image, &size);
	EXPECT_KR(KERN_SUCCESS, mk_task_spawn_flags(image, size, args, sizeof(args), &task,
						    MK_SPAWN_HOST_PRIV));
	return ipc_task_wait(task);
}

/*
 * An ordinary task that writes more memory than the machine has stops at
 * the reserve kept for privileged tasks: its fault fails (it is ended with
 * a page fault), a privileged task spawns and runs meanwhile, and every
 * frame comes back.
 */
void test_memory_hog_stops_at_the_privileged_reserve(void)
{
	uint64_t reserve = mk_kernel_stat(KSTAT_TOTAL_PAGES) >> 5;
	uint64_t free_pages, deadline;
	mach_port_name_t hog;
	struct task_status st;

	privileged_helper_run();                  /* warm the kernel's zones and our memory */
	free_pages = stat_now(KSTAT_FREE_PAGES);
	deadline = ipc_now_ms() + HOG_WAIT_MS;
	hog = guest_spawn_helper("memory_hog", NULL);

	while (mk_kernel_stat(KSTAT_FREE_PAGES) > reserve + 16 && ipc_now_ms() < deadline &&
	       mk_task_wait(hog, &st, 0) == KERN_OPERATION_TIMED_OUT)
		mk_thread_sleep(2);
	st = privileged_helper_run();
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(0, st.code);
	st = ipc_task_wait(hog);
	EXPECT_EQ(TASK_END_FAULTED, st.how);
	EXPECT_EQ(14, st.code);
	expect_stat_settles(KSTAT_FREE_PAGES, free_pages, "free pages");
}

static volatile int lowered_thread_ran;

static void lowered_thread_body(void *arg)
{
	(void)arg;
	lowered_thread_ran = 1;
	mk_thread_exit();
}

/*
 * Found by the fuzzer: changing the priority of a thread waiting in the run
 * queue left its old queue marked non-empty, and the next switch took a
 * thread from an empty queue (a kernel panic). The new thread is moved
 * out of a queue it is alone in; then this one sleeps, and the switch looks
 * for the highest non-empty queue.
 */
void test_priority_change_of_a_runnable_thread_keeps_the_run_queue_sound(void)
{
	static char stack[IPC_THREAD_STACK_BYTES] __attribute__((aligned(16)));
	mach_port_name_t t, self;

	/* above the new thread, so that moving it never lets it run at once */
	EXPECT_KR(KERN_SUCCESS, mk_thread_self(&self));
	EXPECT_KR(KERN_SUCCESS, mk_thread_set_priority(self, MK_THREAD_PRIORITY_MAX));
	EXPECT_KR(KERN_SUCCESS, mk_thread_create(SELF, lowered_thread_body, stack + sizeof(stack),
						 NULL, &t));
	/* alone in queue 20, then moved to 18: queue 20 is empty */
	EXPECT_KR(KERN_SUCCESS, mk_thread_set_priority(t, MK_THREAD_PRIORITY_DEFAULT + 4));
	EXPECT_KR(KERN_SUCCESS, mk_thread_set_priority(t, MK_THREAD_PRIORITY_DEFAULT + 2));
	/* block at once: the switch must not take a thread from the emptied queue */
	for (int ms = 0; ms < IPC_WAIT_MS && !lowered_thread_ran; ms++)
		mk_thread_sleep(1);
	EXPECT_EQ(1, lowered_thread_ran);
	EXPECT_KR(KERN_SUCCESS, mk_thread_set_priority(self, MK_THREAD_PRIORITY_DEFAULT));
	mk_port_deallocate(SELF, t);
	mk_port_deallocate(SELF, self);
}

/* An ordinary task asks for and offers names under the privileged prefix: both refused (exit 0). */
int helper_privileged_names(int argc, char **argv)
{
	mach_port_name_t p;

	(void)argc;
	(void)argv;
	if (mk_bootstrap_lookup(BOOTSTRAP_DEFAULT_PAGER_NAME, &p) != KERN_NO_ACCESS)
		return 1;
	if (mk_bootstrap_register(BOOTSTRAP_PRIVILEGED_PREFIX "mine", MACH_PORT_TASK_SELF) !=
	    KERN_NO_ACCESS)
		return 2;
	return 0;
}

/*
 * Found by the fuzzer: the default pager's task port, registered with the
 * name service, was there for any task to look up and kill. Names under
 * the privileged prefix are registered and looked up by privileged tasks
 * only.
 */
void test_privileged_names_are_hidden_from_ordinary_tasks(void)
{
	mach_port_name_t p;
	struct task_status st = guest_run_helper("privileged_names", NULL);

	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(0, st.code);
	EXPECT_KR(KERN_SUCCESS, mk_bootstrap_register(BOOTSTRAP_PRIVILEGED_PREFIX "reliability-test",
						      MACH_PORT_TASK_SELF));
	EXPECT_KR(KERN_SUCCESS, mk_bootstrap_lookup(BOOTSTRAP_PRIVILEGED_PREFIX "reliability-test",
						    &p));
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(SELF, p));
}

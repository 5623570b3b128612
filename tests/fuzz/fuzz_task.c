/*
 * fuzz_task.c — tasks, threads and raw traps: operations on a thread of the
 * child and on tasks it creates (alive, dying, dead: terminate, suspend,
 * resume, wait, info messages to their ports, VM and port operations
 * through a dead task's port), and every trap number from -1 to
 * -MK_TRAP_COUNT-1 and some beyond with edge-case arguments. The fuzzing
 * task holds no host right, so the privileged traps must refuse with
 * KERN_NO_ACCESS; one that does not is a violation the parent fails on.
 * Arguments that would end the fuzzing task on purpose (its own task or
 * thread as a target of terminate or suspend, a random entry point in its
 * own space) are replaced; numbers >= 0 and the exit traps are never made.
 */
#include "fuzz.h"

#define FUZZ_PAGE          4096UL
#define FUZZ_STACK_BYTES   16384UL
#define FUZZ_NOT_A_NAME    0x7FFu     /* a name no fuzzing task holds */
#define FUZZ_TRAP_EXTRA    8          /* trap numbers beyond the table tried */

static const long fuzz_extra_traps[FUZZ_TRAP_EXTRA] = {
	-(MK_TRAP_COUNT + 2), -(MK_TRAP_COUNT + 3), -64, -100, -1000, -0x7FFFFFFFL,
	-0x80000000L, (long)(1UL << 63),
};

/* A 2-page region the traps may write through (and may well unmap: it is remade). */
static vm_address_t fuzz_scratch(void)
{
	static vm_address_t scratch;
	vm_address_t probe;
	struct vm_region_info info;

	probe = scratch;
	if (scratch && mk_vm_region(MACH_PORT_TASK_SELF, &probe, &info) == KERN_SUCCESS &&
	    info.start == scratch && info.size >= 2 * FUZZ_PAGE && (info.prot & VM_PROT_WRITE))
		return scratch;
	if (scratch)
		mk_vm_deallocate(MACH_PORT_TASK_SELF, scratch, 2 * FUZZ_PAGE);
	scratch = 0;
	if (mk_vm_allocate(MACH_PORT_TASK_SELF, &scratch, 2 * FUZZ_PAGE, VM_ALLOC_ANYWHERE))
		scratch = 0;
	return scratch;
}

/* An argument: a name, a size, an edge value, a pointer into (or across) the scratch region. */
static uint64_t fuzz_arg(struct fuzz_child *c)
{
	static const uint64_t edges[] = {
		0, 1, 2, 3, 4, 5, FUZZ_NOT_A_NAME, MACH_PORT_DEAD, 0x7FFFFFFF, 0x80000000UL,
		1UL << 63, ~0UL, FUZZ_PAGE, FUZZ_PAGE - 1, 0x00007FFFFFFFF000UL,
		0xFFFF800000000000UL, MACH_MSG_SIZE_MAX + 8,
	};
	vm_address_t s = fuzz_scratch();

	switch (fuzz_below(c, 6)) {
	case 0:  return edges[fuzz_below(c, sizeof(edges) / sizeof(edges[0]))];
	case 1:  return fuzz_below(c, 64);
	case 2:  return s;
	case 3:  return s + 2 * FUZZ_PAGE - fuzz_below(c, 16);        /* across into the hole */
	case 4:  return fuzz_below(c, 1 << 20);
	default: return fuzz_rand(&c->rng);
	}
}

static bool fuzz_trap_privileged(long nr)
{
	return nr == MK_TRAP_VM_SET_RESIDENT_LIMIT || nr == MK_TRAP_SET_DEFAULT_PAGER ||
	       nr == MK_TRAP_KERNEL_CHECK || nr == MK_TRAP_SUPERVISOR_START ||
	       nr == MK_TRAP_PMC_PROGRAM;
}

/* Traps that destroy or stop what their name arguments denote. */
static bool fuzz_trap_destructive(long nr)
{
	return nr == MK_TRAP_TASK_TERMINATE || nr == MK_TRAP_THREAD_TERMINATE ||
	       nr == MK_TRAP_THREAD_SUSPEND || nr == MK_TRAP_PORT_DEALLOCATE ||
	       nr == MK_TRAP_PORT_DESTROY || nr == MK_TRAP_PORT_MOD_REFS ||
	       nr == MK_TRAP_PORT_INSERT_RIGHT || nr == MK_TRAP_PORT_EXTRACT_RIGHT ||
	       nr == MK_TRAP_PORT_MOVE_MEMBER || nr == MK_TRAP_PORT_REQUEST_NOTIFICATION ||
	       nr == MK_TRAP_THREAD_SET_PRIORITY;
}

/* Make a random message in the scratch region for mach_msg (names kept safe). */
static void fuzz_scratch_message(struct fuzz_child *c, uint64_t *a)
{
	struct fuzz_msg *m = (struct fuzz_msg *)fuzz_scratch();
	uint64_t *w = (uint64_t *)m;

	if (!m || a[0] != (uint64_t)m)
		return;
	for (uint32_t i = 0; i < sizeof(*m) / 8; i++)
		w[i] = fuzz_below(c, 2) ? fuzz_below(c, 64) : fuzz_rand(&c->rng);
	m->header.size %= sizeof(*m);
	fuzz_msg_protect(c, m);
	if ((c->flags & FUZZ_SKIP_BUG_A) && fuzz_msg_reuses_consumed_name(m))
		m->header.bits = 0;
}

/* Keep the trap from ending or stalling the fuzzing task on purpose. */
static void fuzz_trap_sanitize(struct fuzz_child *c, long nr, uint64_t *a)
{
	for (int k = 0; k < 6 && fuzz_trap_destructive(nr); k++)
		if (fuzz_name_protected(c, a[k]))
			a[k] = FUZZ_NOT_A_NAME;
	if (nr == MK_TRAP_THREAD_CREATE && a[0] == MACH_PORT_TASK_SELF)
		a[0] = FUZZ_NOT_A_NAME;                     /* a random entry would fault us */
	if (nr == MK_TRAP_THREAD_SLEEP)
		a[0] %= 3;
	if (nr == MK_TRAP_TASK_WAIT)
		a[2] = 0;
	if (nr == MK_TRAP_CONSOLE_WRITE)
		a[1] = fuzz_below(c, 2) ? 0 : 1UL << 20;   /* nothing, or too long: no output */
	if (nr == MK_TRAP_MACH_MSG) {
		a[1] = (a[1] & ~(uint64_t)MACH_RCV_MSG) | MACH_SEND_TIMEOUT;
		a[5] = 0;
		if (a[2] > sizeof(struct fuzz_msg) && a[0] == fuzz_scratch())
			a[2] = sizeof(struct fuzz_msg);
		fuzz_scratch_message(c, a);
	}
}

void fuzz_op_trap(struct fuzz_child *c)
{
	uint64_t pick = fuzz_below(c, MK_TRAP_COUNT + 1 + FUZZ_TRAP_EXTRA);
	long nr = pick <= MK_TRAP_COUNT ? -1 - (long)pick : fuzz_extra_traps[pick - MK_TRAP_COUNT - 1];
	uint64_t a[6];
	long kr;

	if (nr == MK_TRAP_TASK_EXIT || nr == MK_TRAP_THREAD_EXIT ||
	    (nr == MK_TRAP_THREAD_SET_PRIORITY && (c->flags & FUZZ_SKIP_BUG_C)))
		return;                                     /* bug (c): see fuzz.h */
	for (int k = 0; k < 6; k++)
		a[k] = fuzz_arg(c);
	fuzz_trap_sanitize(c, nr, a);
	fuzz_trace(c, "trap %ld (0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx)", nr, (unsigned long)a[0],
		   (unsigned long)a[1], (unsigned long)a[2], (unsigned long)a[3], (unsigned long)a[4],
		   (unsigned long)a[5]);
	kr = mk_trap6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (fuzz_trap_privileged(nr) && kr != KERN_NO_ACCESS) {
		c->violations++;
		mk_printf("FUZZ FAIL batch=%lu: privileged trap %ld from an unprivileged task "
			  "returned %ld, not KERN_NO_ACCESS\n", (unsigned long)c->batch, nr, kr);
	}
	fuzz_note(c, FUZZ_C_TRAP, (uint32_t)pick, 0, (kern_return_t)kr);
}

/* ---- threads ------------------------------------------------------------ */

struct fuzz_sleeper {
	volatile int stop;
};

/* A target thread: sleeps in 1 ms steps until told to stop (or 200 ms pass). */
static void fuzz_sleeper_body(void *arg)
{
	struct fuzz_sleeper *s = arg;

	for (int i = 0; i < 200 && !s->stop; i++)
		mk_thread_sleep(1);
}

/* Ask a kernel-served port for its info (MACH_TASK_INFO_ID, MACH_THREAD_INFO_ID). */
static kern_return_t fuzz_info_message(mach_port_name_t object, int32_t id)
{
	struct fuzz_msg m;
	mach_port_name_t reply = fuzz_port();
	kern_return_t kr;

	fuzz_msg_init(&m, object, MACH_MSG_TYPE_COPY_SEND, id);
	m.header.local_port = reply;
	m.header.bits |= MACH_MSGH_BITS(0, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	kr = mk_mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT | MACH_RCV_MSG | MACH_RCV_TIMEOUT,
			 m.header.size, sizeof(m), reply, 10);
	if (kr == MACH_MSG_SUCCESS)
		fuzz_msg_release(&m);
	mk_port_destroy(MACH_PORT_TASK_SELF, reply);
	return kr;
}

/* One operation on thread t (alive or not); its outcome. */
static kern_return_t fuzz_thread_one(struct fuzz_child *c, mach_port_name_t t, uint32_t op)
{
	uint32_t state;

	switch (op) {
	case 0:  return mk_thread_suspend(t);
	case 1:  return mk_thread_resume(t);
	case 2:  return mk_thread_info(t, &state);
	case 3:                           /* bug (c) on a runnable thread: see fuzz.h */
		if (c->flags & FUZZ_SKIP_BUG_C)
			return KERN_SUCCESS;
		return mk_thread_set_priority(t, (int)fuzz_below(c, 40) - 4);
	case 4:  return fuzz_info_message(t, MACH_THREAD_INFO_ID);
	case 5:  return mk_thread_terminate(t);
	default:                          /* one more reference, then one fewer */
		if (mk_port_mod_refs(MACH_PORT_TASK_SELF, t, MACH_PORT_RIGHT_SEND, 1) != KERN_SUCCESS)
			return KERN_INVALID_NAME;
		return mk_port_deallocate(MACH_PORT_TASK_SELF, t);
	}
}

void fuzz_op_thread(struct fuzz_child *c)
{
	static struct fuzz_sleeper s;
	mach_port_name_t t = 0;
	uint32_t n = 2 + (uint32_t)fuzz_below(c, 5);

	s.stop = 0;
	if (mk_thread_start(fuzz_sleeper_body, (void *)&s, FUZZ_STACK_BYTES, &t) != KERN_SUCCESS)
		return fuzz_note(c, FUZZ_C_TASK, 0, 0, KERN_RESOURCE_SHORTAGE);
	fuzz_trace(c, "thread %u, %u operations", t, n);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t op = (uint32_t)fuzz_below(c, 7);

		fuzz_note(c, FUZZ_C_TASK, 1, op, fuzz_thread_one(c, t, op));
		if (fuzz_below(c, 3) == 0)
			mk_thread_yield();
	}
	s.stop = 1;
	mk_thread_resume(t);
	mk_thread_terminate(t);
	for (uint32_t op = 0; op < 7; op++)                  /* the same on the dead thread */
		fuzz_note(c, FUZZ_C_TASK, 2, op, fuzz_thread_one(c, t, op));
	mk_port_destroy(MACH_PORT_TASK_SELF, t);
}

/* ---- tasks -------------------------------------------------------------- */

/* Entry of the thread in a task created from ours: idle a little, then end (and the task). */
static void fuzz_task_idle(void *arg)
{
	for (uint64_t i = 0; i < (uint64_t)arg; i++)
		mk_thread_sleep(1);
	mk_thread_exit();
}

/* A target task: a copy of us with an idling thread, a spawned idler, or an empty one. */
static kern_return_t fuzz_task_make(struct fuzz_child *c, uint32_t kind, mach_port_name_t *t)
{
	static vm_address_t stack;
	char args[64];
	int n;
	kern_return_t kr;

	*t = 0;
	if (kind == 0) {
		n = snprintf(args, sizeof(args), "%s%c--fuzz-idle%c%lu", c->argv0, 0, 0,
			     (unsigned long)fuzz_below(c, 20));
		return mk_task_spawn_flags(c->image, c->image_size, args, (size_t)n + 1, t,
					   fuzz_below(c, 4) ? 0 : MK_SPAWN_HOST_PRIV);
	}
	if (kind == 1)
		return mk_task_create(MACH_PORT_TASK_SELF, 0, t);
	if (!stack && mk_vm_allocate(MACH_PORT_TASK_SELF, &stack, FUZZ_STACK_BYTES, VM_ALLOC_ANYWHERE))
		return KERN_RESOURCE_SHORTAGE;
	kr = mk_task_create(MACH_PORT_TASK_SELF, 1, t);
	if (kr == KERN_SUCCESS) {
		mach_port_name_t th = 0;

		kr = mk_thread_create(*t, fuzz_task_idle, (void *)(stack + FUZZ_STACK_BYTES - 24),
				      (void *)fuzz_below(c, 20), &th);
		if (th)
			mk_port_deallocate(MACH_PORT_TASK_SELF, th);
	}
	return kr;
}

/* One operation on task t (alive, dying or dead); its outcome. */
static kern_return_t fuzz_task_one(struct fuzz_child *c, mach_port_name_t t, uint32_t op)
{
	struct task_status st;
	struct ledger_info li;
	struct vm_region_info ri;
	struct pmap_footprint_info pf;
	vm_address_t addr = 0;
	mach_port_name_t name = 0, child = 0;
	kern_return_t kr;

	switch (op) {
	case 0:  return mk_task_wait(t, &st, fuzz_below(c, 3));
	case 1:  return fuzz_info_message(t, MACH_TASK_INFO_ID);
	case 2:  return mk_ledger_info(t, &li);
	case 3:  return mk_vm_allocate(t, &addr, FUZZ_PAGE * (1 + fuzz_below(c, 4)), VM_ALLOC_ANYWHERE);
	case 4:  addr = 0; return mk_vm_region(t, &addr, &ri);
	case 5:  return mk_port_allocate(t, MACH_PORT_RIGHT_RECEIVE, &name);
	case 6:  return mk_pmap_footprint(t, &pf);
	case 7:                           /* a random entry: the task faults and dies */
		kr = mk_thread_create(t, (void (*)(void *))fuzz_below(c, 1 << 20), (void *)fuzz_arg(c),
				      NULL, &name);
		if (name)
			mk_port_deallocate(MACH_PORT_TASK_SELF, name);
		return kr;
	case 8:
		kr = mk_task_create(t, (int)fuzz_below(c, 2), &child);
		if (child)
			mk_port_deallocate(MACH_PORT_TASK_SELF, child);
		return kr;
	case 9:  return mk_port_insert_right(t, 50 + (mach_port_name_t)fuzz_below(c, 8),
					     MACH_PORT_TASK_SELF, MACH_MSG_TYPE_COPY_SEND);
	case 10: return mk_vm_deallocate(t, 0x10000UL * (1 + fuzz_below(c, 4)), FUZZ_PAGE);
	default: return mk_task_terminate(t);
	}
}
#define FUZZ_TASK_OPS 12

void fuzz_op_task(struct fuzz_child *c)
{
	uint32_t kind = (uint32_t)fuzz_below(c, 6) % 3, n = 1 + (uint32_t)fuzz_below(c, 5);
	mach_port_name_t t;
	struct task_status st;
	kern_return_t kr = fuzz_task_make(c, kind, &t);

	fuzz_trace(c, "task kind %u: %d, %u operations", kind, kr, n);
	fuzz_note(c, FUZZ_C_TASK, 3, kind, kr);
	if (kr != KERN_SUCCESS || !t)
		return;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t op = (uint32_t)fuzz_below(c, FUZZ_TASK_OPS);

		fuzz_note(c, FUZZ_C_TASK, 4 + kind, op, fuzz_task_one(c, t, op));
	}
	mk_task_terminate(t);
	fuzz_note(c, FUZZ_C_TASK, 7, kind, mk_task_wait(t, &st, 100));
	for (uint32_t op = 0; op < FUZZ_TASK_OPS; op++)     /* everything through the dead port */
		fuzz_note(c, FUZZ_C_TASK, 8 + kind, op, fuzz_task_one(c, t, op));
	mk_port_destroy(MACH_PORT_TASK_SELF, t);
}

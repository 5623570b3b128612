/*
 * test_vm_cow.c — Mach virtual memory seen from user space: per-region
 * inheritance into a blueprint child (copy, share, none), out-of-line
 * regions sent copy-on-write or moved, vm_region, vm_debug, and splitting
 * an entry by unmapping its middle.
 *
 * Sharing is read off vm_debug: two addresses share a page when both have
 * one resident and it is the same physical frame.
 *
 * A child made by task_create with memory runs this program's own code: the
 * test starts a thread in it at a child_* function, on a stack the test
 * allocated before creating it (inherited as a copy). Test and child talk
 * through a struct cow_ctl in a page inherited SHARE: the child records how
 * far it got and waits to be released (so the test can look at its pages
 * while it lives), or records the first check that failed and exits with
 * CHILD_FAILED; the test turns that record into its own failure.
 */
#include "ipc_util.h"
#include <mach/comm_page.h>

#define SELF               MACH_PORT_TASK_SELF
#define PAGE               MK_PAGE_SIZE
#define FIXED_ADDR         0x500000000UL   /* far from the image, the stack and ANYWHERE space */
#define REGION_GAP_PAGES   16              /* between the two regions of the vm_region test */
#define CHILD_STACK_BYTES  (64 * 1024)
#define CHILD_OK           0
#define CHILD_FAILED       3               /* the child recorded a failed check in cow_ctl */
#define CHILD_NO_FAULT     4               /* the child read a hole and did not fault */
#define PAGE_FAULT_VECTOR  14
#define COPY_PAGES         2               /* page 0: the test writes it; page 1: the child */
#define OOL_PAGES          3
#define OOL_EDGE_BYTES     100             /* bytes of its end pages an unaligned region leaves out */
#define BLUEPRINT_PAGES    4               /* touched COPY pages of the repeated-children parent */
#define BLUEPRINT_CHILDREN 50
#define BIG_COW_BYTES      (16UL << 20)
#define BIG_COW_PAGES      (BIG_COW_BYTES / PAGE)
#define KERNEL_SLACK_PAGES 64              /* free pages kernel structures may take or give back */
#define SPLIT_PAGES        5
#define SPLIT_HOLE         2               /* the page of the five that is deallocated */
#define SPLIT_SEED         11
#define TEST_MARK          0x7E577E577E577E57UL   /* a word the test writes */
#define CHILD_MARK         0xC41DC41DC41DC41DUL   /* a word the child writes */

/* What a test and its child share (in a page inherited SHARE). */
struct cow_ctl {
	uint32_t stage;          /* set by the child: the last stage it reached */
	uint32_t release;        /* set by the test: the child may go past this stage */
	int32_t fail_line;       /* set by the child: the line of its failed check (0: none) */
	const char *what;        /* that check's expression (the same address in both tasks) */
	uint64_t want, got;
	vm_address_t addr, addr2;    /* the regions the child works on */
	vm_address_t stack;      /* the child's stack: allocated here, inherited COPY */
};

#define EXPECT_NEAR(want, got, slack) \
	do { long _w = (long)(want), _g = (long)(got), _s = (long)(slack); \
	     if (_g < _w - _s || _g > _w + _s) \
		     guest_fail(__FILE__, __LINE__, "%s: expected %ld (within %ld) got %ld", #got, \
				_w, _s, _g); \
	} while (0)
/* In a child: record the failed check and end the child. */
#define CHILD_EXPECT_EQ(c, want, got) \
	do { uint64_t _w = (uint64_t)(want), _g = (uint64_t)(got); \
	     if (_w != _g) child_fail(c, __LINE__, #got, _w, _g); \
	} while (0)
#define DEBUG_AT(task, addr)           debug_at(__FILE__, __LINE__, task, addr)
#define EXPECT_SHARED(ta, a, tb, b)    expect_frames(__FILE__, __LINE__, ta, a, tb, b, 1)
#define EXPECT_NOT_SHARED(ta, a, tb, b) expect_frames(__FILE__, __LINE__, ta, a, tb, b, 0)
/* whole pages of an out-of-line region sent without deallocate: shared only under MSG=cow */
#define EXPECT_OOL_SHARED(ta, a, tb, b) \
	expect_frames(__FILE__, __LINE__, ta, a, tb, b, ool_shares_frames())
#define REGION_FIND(task, addr, r)     region_find(__FILE__, __LINE__, task, addr, r)
#define REGION_AT(task, addr)          region_at(__FILE__, __LINE__, task, addr)
#define EXPECT_REGION(r, start, size, prot, inherit) \
	expect_region(__FILE__, __LINE__, r, start, size, prot, inherit)
#define EXPECT_HOLE(task, addr)        expect_hole(__FILE__, __LINE__, task, addr)
#define CHILD_REACHED(child, c, stage) child_reached(__FILE__, __LINE__, child, c, stage)
#define CHILD_FINISH(child, c)         child_finish(__FILE__, __LINE__, child, c)

/* ---- memory and patterns ---- */

/* pages of fresh memory anywhere (inherited COPY, as all allocations are by default). */
static vm_address_t alloc_pages(size_t pages)
{
	vm_address_t a = 0;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(SELF, &a, pages * PAGE, VM_ALLOC_ANYWHERE));
	return a;
}

/* pages of fresh memory at exactly addr. */
static void alloc_fixed(vm_address_t addr, size_t pages)
{
	vm_address_t a = addr;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(SELF, &a, pages * PAGE, VM_ALLOC_FIXED));
	EXPECT_EQ(addr, a);
}

/* Byte i of pattern seed: never zero, and different pages differ at every offset. */
static uint8_t pattern_byte(size_t i, unsigned seed)
{
	return (uint8_t)(0x80 | (((i / PAGE) * 37 + i * 7 + seed) & 0x7F));
}

/* Fill n bytes at p with pattern seed, from its byte 0. */
static void pattern_fill(vm_address_t p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		((volatile uint8_t *)p)[i] = pattern_byte(i, seed);
}

/* How many leading bytes at p match the pattern from its byte `from` on (n if all do). */
static size_t pattern_mismatch(vm_address_t p, size_t from, size_t n, unsigned seed)
{
	size_t i = 0;

	while (i < n && ((volatile uint8_t *)p)[i] == pattern_byte(from + i, seed))
		i++;
	return i;
}

/* The index of the first byte where a and b differ, or n. */
static size_t first_difference(vm_address_t a, vm_address_t b, size_t n)
{
	size_t i = 0;

	while (i < n && ((volatile uint8_t *)a)[i] == ((volatile uint8_t *)b)[i])
		i++;
	return i;
}

/* The index of the first non-zero byte at p, or n. */
static size_t first_nonzero(vm_address_t p, size_t n)
{
	size_t i = 0;

	while (i < n && ((volatile uint8_t *)p)[i] == 0)
		i++;
	return i;
}

/* Physical pages free now (KSTAT_FREE_PAGES). */
static uint64_t free_pages(void)
{
	return mk_kernel_stat(KSTAT_FREE_PAGES);
}

/* ---- vm_debug and vm_region checks ---- */

/* What backs addr in task; the test fails if vm_debug does. */
static struct vm_debug_info debug_at(const char *file, int line, mach_port_name_t task,
				     vm_address_t addr)
{
	struct vm_debug_info d;
	kern_return_t kr = mk_vm_debug(task, addr, &d);

	if (kr != KERN_SUCCESS)
		guest_fail(file, line, "vm_debug(task %u, 0x%lx): expected success got %s", task, addr,
			   mk_strerror(kr));
	return d;
}

/* a in task ta and b in task tb both have a page resident; same says whether it is one frame. */
static void expect_frames(const char *file, int line, mach_port_name_t ta, vm_address_t a,
			  mach_port_name_t tb, vm_address_t b, int same)
{
	struct vm_debug_info da = debug_at(file, line, ta, a), db = debug_at(file, line, tb, b);

	if (!da.resident || !db.resident)
		guest_fail(file, line, "pages 0x%lx (task %u) and 0x%lx (task %u): expected both "
			   "resident got resident %u and %u", a, ta, b, tb, da.resident, db.resident);
	if ((da.frame == db.frame) != same)
		guest_fail(file, line, "pages 0x%lx (task %u) and 0x%lx (task %u): expected %s frames "
			   "got 0x%lx and 0x%lx", a, ta, b, tb, same ? "the same" : "different",
			   da.frame, db.frame);
}

/*
 * vm_region from addr: the region containing it or the first after it
 * (KERN_SUCCESS, checked to be such a region), or none (KERN_NO_SPACE or
 * KERN_INVALID_ADDRESS, both accepted). Returns the code.
 */
static kern_return_t region_find(const char *file, int line, mach_port_name_t task,
				 vm_address_t addr, struct vm_region_info *r)
{
	vm_address_t a = addr;
	kern_return_t kr = mk_vm_region(task, &a, r);

	if (kr == KERN_NO_SPACE || kr == KERN_INVALID_ADDRESS)
		return kr;
	if (kr != KERN_SUCCESS)
		guest_fail(file, line, "vm_region(task %u, 0x%lx): expected success, no space or "
			   "invalid address got %s", task, addr, mk_strerror(kr));
	if (r->size == 0 || r->start % PAGE || r->size % PAGE || r->start + r->size <= addr)
		guest_fail(file, line, "vm_region(task %u, 0x%lx): expected a region containing or "
			   "after it got [0x%lx, 0x%lx)", task, addr, r->start, r->start + r->size);
	return kr;
}

/* The region of task containing addr; the test fails if there is none. */
static struct vm_region_info region_at(const char *file, int line, mach_port_name_t task,
				       vm_address_t addr)
{
	struct vm_region_info r;
	kern_return_t kr = region_find(file, line, task, addr, &r);

	if (kr != KERN_SUCCESS)
		guest_fail(file, line, "vm_region(task %u, 0x%lx): expected a region got %s", task,
			   addr, mk_strerror(kr));
	if (r.start > addr)
		guest_fail(file, line, "vm_region(task %u, 0x%lx): expected a region containing it "
			   "got [0x%lx, 0x%lx)", task, addr, r.start, r.start + r.size);
	return r;
}

/* r is [start, start + size) with prot, inheritance and the maximum protection VM_PROT_ALL. */
static void expect_region(const char *file, int line, struct vm_region_info r, vm_address_t start,
			  vm_size_t size, vm_prot_t prot, vm_inherit_t inherit)
{
	if (r.start != start || r.size != size || r.prot != prot || r.max_prot != VM_PROT_ALL ||
	    r.inheritance != inherit)
		guest_fail(file, line, "expected region [0x%lx, 0x%lx) prot %u max %u inherit %u got "
			   "[0x%lx, 0x%lx) prot %u max %u inherit %u", start, start + size, prot,
			   VM_PROT_ALL, inherit, r.start, r.start + r.size, r.prot, r.max_prot,
			   r.inheritance);
}

/* addr is in no region of task: vm_region finds none or one after it, vm_debug no page. */
static void expect_hole(const char *file, int line, mach_port_name_t task, vm_address_t addr)
{
	struct vm_region_info r;
	struct vm_debug_info d;
	kern_return_t kr;

	if (region_find(file, line, task, addr, &r) == KERN_SUCCESS && r.start <= addr)
		guest_fail(file, line, "0x%lx in task %u: expected a hole got region [0x%lx, 0x%lx)",
			   addr, task, r.start, r.start + r.size);
	kr = mk_vm_debug(task, addr, &d);
	if (kr != KERN_SUCCESS && kr != KERN_INVALID_ADDRESS)
		guest_fail(file, line, "vm_debug(task %u, 0x%lx) on a hole: expected success or "
			   "invalid address got %s", task, addr, mk_strerror(kr));
	if (kr == KERN_SUCCESS && d.resident)
		guest_fail(file, line, "vm_debug(task %u, 0x%lx) on a hole: expected no page got "
			   "frame 0x%lx", task, addr, d.frame);
}

/* ---- blueprint children ---- */

/* In a child: record the failed check where the test will find it, and end. */
static void __attribute__((noreturn)) child_fail(struct cow_ctl *c, int line, const char *what,
						 uint64_t want, uint64_t got)
{
	c->what = what;
	c->want = want;
	c->got = got;
	__atomic_store_n(&c->fail_line, line, __ATOMIC_RELEASE);
	mk_task_exit(CHILD_FAILED);
}

/* In a child: say stage is reached, then wait for the test to release it. */
static void child_pause(struct cow_ctl *c, uint32_t stage)
{
	__atomic_store_n(&c->stage, stage, __ATOMIC_RELEASE);
	for (int ms = 0; __atomic_load_n(&c->release, __ATOMIC_ACQUIRE) < stage; ms++) {
		if (ms >= IPC_WAIT_MS)
			child_fail(c, __LINE__, "release", stage, c->release);
		mk_thread_sleep(1);
	}
}

/* The control page (inherited SHARE) and a child stack (inherited COPY, untouched here). */
static struct cow_ctl *ctl_alloc(void)
{
	vm_address_t page = alloc_pages(1);
	struct cow_ctl *c = (struct cow_ctl *)page;

	EXPECT_KR(KERN_SUCCESS, mk_vm_inherit(SELF, page, PAGE, VM_INHERIT_SHARE));
	c->stack = alloc_pages(CHILD_STACK_BYTES / PAGE);
	return c;
}

/* A child built from this task's memory; it has no thread yet. */
static mach_port_name_t child_create(void)
{
	mach_port_name_t child = MACH_PORT_NULL;

	EXPECT_KR(KERN_SUCCESS, mk_task_create(SELF, 1, &child));
	EXPECT(child != MACH_PORT_NULL);
	return child;
}

/* Run fn(c) in child on c's stack; fn ends the child with mk_task_exit. */
static void child_start(mach_port_name_t child, void (*fn)(void *), struct cow_ctl *c)
{
	mach_port_name_t thread = MACH_PORT_NULL;
	vm_address_t top = c->stack + CHILD_STACK_BYTES;

	/* rsp = 16-aligned minus 8, as after a call */
	EXPECT_KR(KERN_SUCCESS, mk_thread_create(child, fn, (void *)(top - 8), c, &thread));
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(SELF, thread));
}

/* Fail the test with the child's recorded check, or else with how it ended (st). */
static void __attribute__((noreturn)) child_failed(const char *file, int line,
						   const struct cow_ctl *c,
						   const struct task_status *st, const char *expected)
{
	int child_line = __atomic_load_n(&c->fail_line, __ATOMIC_ACQUIRE);

	if (child_line)
		guest_fail(file, child_line, "in the child: %s: expected 0x%lx got 0x%lx", c->what,
			   c->want, c->got);
	guest_fail(file, line, "child: expected %s got how %u code %d (address 0x%lx, rip 0x%lx)",
		   expected, st->how, st->code, st->fault_addr, st->fault_rip);
}

/* Wait until the child has reached stage; the test fails if it ends first or takes too long. */
static void child_reached(const char *file, int line, mach_port_name_t child, struct cow_ctl *c,
			  uint32_t stage)
{
	struct task_status st;

	for (int ms = 0; __atomic_load_n(&c->stage, __ATOMIC_ACQUIRE) < stage; ms++) {
		if (mk_task_wait(child, &st, 0) == KERN_SUCCESS)
			child_failed(file, line, c, &st, "to pause");
		if (ms >= IPC_WAIT_MS) {
			mk_task_terminate(child);
			guest_fail(file, line, "child: expected stage %u within %d ms got stage %u",
				   stage, IPC_WAIT_MS, c->stage);
		}
		mk_thread_sleep(1);
	}
}

/* Let a child paused at stage go on. */
static void child_release(struct cow_ctl *c, uint32_t stage)
{
	__atomic_store_n(&c->release, stage, __ATOMIC_RELEASE);
}

/* Wait for the child's end and drop its task port; it must have exited with CHILD_OK. */
static void child_finish(const char *file, int line, mach_port_name_t child, struct cow_ctl *c)
{
	struct task_status st = ipc_task_wait(child);

	if (c->fail_line || st.how != TASK_END_EXITED || st.code != CHILD_OK)
		child_failed(file, line, c, &st, "exit 0");
}

/* ---- inheritance ---- */

/* Child of the COPY test: sees the data as it was at creation, and its write stays its own. */
static void child_copy(void *arg)
{
	struct cow_ctl *c = arg;
	volatile uint64_t *page1 = (volatile uint64_t *)(c->addr + PAGE);

	CHILD_EXPECT_EQ(c, PAGE, pattern_mismatch(c->addr, 0, PAGE, 1));
	CHILD_EXPECT_EQ(c, PAGE, pattern_mismatch(c->addr + PAGE, PAGE, PAGE, 1));
	page1[0] = CHILD_MARK;
	CHILD_EXPECT_EQ(c, CHILD_MARK, page1[0]);
	CHILD_EXPECT_EQ(c, PAGE - 8, pattern_mismatch(c->addr + PAGE + 8, PAGE + 8, PAGE - 8, 1));
	child_pause(c, 1);
	mk_task_exit(CHILD_OK);
}

void test_copy_inheritance_gives_the_child_a_copy_on_write_copy(void)
{
	struct cow_ctl *c = ctl_alloc();
	mach_port_name_t child;
	vm_address_t a;

	c->addr = a = alloc_pages(COPY_PAGES);
	pattern_fill(a, COPY_PAGES * PAGE, 1);
	child = child_create();
	EXPECT_SHARED(SELF, a, child, a);
	EXPECT_SHARED(SELF, a + PAGE, child, a + PAGE);
	/* the test writes page 0: it gets a page of its own, the child keeps the old one */
	*(volatile uint64_t *)a = TEST_MARK;
	EXPECT_NOT_SHARED(SELF, a, child, a);
	EXPECT_SHARED(SELF, a + PAGE, child, a + PAGE);
	EXPECT_EQ(TEST_MARK, *(volatile uint64_t *)a);
	/* the child writes page 1 */
	child_start(child, child_copy, c);
	CHILD_REACHED(child, c, 1);
	EXPECT_NOT_SHARED(SELF, a + PAGE, child, a + PAGE);
	EXPECT_EQ(PAGE, pattern_mismatch(a + PAGE, PAGE, PAGE, 1));
	EXPECT_EQ(PAGE - 8, pattern_mismatch(a + 8, 8, PAGE - 8, 1));
	child_release(c, 1);
	CHILD_FINISH(child, c);
	EXPECT_EQ(TEST_MARK, *(volatile uint64_t *)a);
}

/* Child of the SHARE test: sees the test's writes, and the test sees its own. */
static void child_share(void *arg)
{
	struct cow_ctl *c = arg;
	volatile uint64_t *w = (volatile uint64_t *)c->addr;

	CHILD_EXPECT_EQ(c, TEST_MARK, w[0]);
	w[PAGE / 8] = CHILD_MARK;                   /* a page nobody touched yet */
	*(volatile uint64_t *)c->addr2 = CHILD_MARK; /* a region nobody touched yet */
	child_pause(c, 1);
	CHILD_EXPECT_EQ(c, TEST_MARK + 1, w[1]);
	CHILD_EXPECT_EQ(c, TEST_MARK + 2, *(volatile uint64_t *)(c->addr2 + 8));
	mk_task_exit(CHILD_OK);
}

void test_share_inheritance_shares_writes_both_ways(void)
{
	struct cow_ctl *c = ctl_alloc();
	mach_port_name_t child;
	volatile uint64_t *w;

	c->addr = alloc_pages(2);
	c->addr2 = alloc_pages(1);
	w = (volatile uint64_t *)c->addr;
	EXPECT_KR(KERN_SUCCESS, mk_vm_inherit(SELF, c->addr, 2 * PAGE, VM_INHERIT_SHARE));
	EXPECT_KR(KERN_SUCCESS, mk_vm_inherit(SELF, c->addr2, PAGE, VM_INHERIT_SHARE));
	w[0] = TEST_MARK;
	child = child_create();
	EXPECT_SHARED(SELF, c->addr, child, c->addr);
	child_start(child, child_share, c);
	CHILD_REACHED(child, c, 1);
	EXPECT_EQ(CHILD_MARK, w[PAGE / 8]);
	EXPECT_EQ(CHILD_MARK, *(volatile uint64_t *)c->addr2);
	EXPECT_SHARED(SELF, c->addr, child, c->addr);
	EXPECT_SHARED(SELF, c->addr + PAGE, child, c->addr + PAGE);
	EXPECT_SHARED(SELF, c->addr2, child, c->addr2);
	w[1] = TEST_MARK + 1;
	*(volatile uint64_t *)(c->addr2 + 8) = TEST_MARK + 2;
	child_release(c, 1);
	CHILD_FINISH(child, c);
}

/* Child of the NONE test: reading the region must fault. */
static void child_read_hole(void *arg)
{
	struct cow_ctl *c = arg;

	c->got = *(volatile uint64_t *)c->addr;
	mk_task_exit(CHILD_NO_FAULT);
}

void test_none_inheritance_leaves_a_hole_in_the_child(void)
{
	struct cow_ctl *c = ctl_alloc();
	struct task_status st;
	mach_port_name_t child;

	c->addr = alloc_pages(1);
	pattern_fill(c->addr, PAGE, 3);
	EXPECT_KR(KERN_SUCCESS, mk_vm_inherit(SELF, c->addr, PAGE, VM_INHERIT_NONE));
	EXPECT_REGION(REGION_AT(SELF, c->addr), c->addr, PAGE, VM_PROT_READ | VM_PROT_WRITE,
		      VM_INHERIT_NONE);
	child = child_create();
	EXPECT_HOLE(child, c->addr);
	child_start(child, child_read_hole, c);
	st = ipc_task_wait(child);
	EXPECT_EQ(TASK_END_FAULTED, st.how);
	EXPECT_EQ(PAGE_FAULT_VECTOR, st.code);
	EXPECT_EQ(c->addr, st.fault_addr);
	EXPECT_EQ(PAGE, pattern_mismatch(c->addr, 0, PAGE, 3));
}

/* Child of the repeated-children test: writes one inherited page and its stack, and exits. */
static void child_write_and_exit(void *arg)
{
	struct cow_ctl *c = arg;

	*(volatile uint64_t *)c->addr = CHILD_MARK;
	CHILD_EXPECT_EQ(c, CHILD_MARK, *(volatile uint64_t *)c->addr);
	mk_task_exit(CHILD_OK);
}

/* One child of the repeated-children test: created, run to its end and dropped. */
static void blueprint_child_run(struct cow_ctl *c)
{
	mach_port_name_t child = child_create();

	child_start(child, child_write_and_exit, c);
	CHILD_FINISH(child, c);
}

void test_repeated_blueprint_copies_return_memory(void)
{
	struct cow_ctl *c = ctl_alloc();
	uint64_t free_before, tasks, threads;

	c->addr = alloc_pages(BLUEPRINT_PAGES);
	pattern_fill(c->addr, BLUEPRINT_PAGES * PAGE, 4);
	blueprint_child_run(c);                      /* warm the kernel's zones */
	free_before = free_pages();
	tasks = mk_kernel_stat(KSTAT_TASKS);
	threads = mk_kernel_stat(KSTAT_THREADS);
	for (int i = 0; i < BLUEPRINT_CHILDREN; i++)
		blueprint_child_run(c);
	EXPECT_EQ(tasks, mk_kernel_stat(KSTAT_TASKS));
	EXPECT_EQ(threads, mk_kernel_stat(KSTAT_THREADS));
	EXPECT_EQ(free_before, free_pages());
	EXPECT_EQ(BLUEPRINT_PAGES * PAGE, pattern_mismatch(c->addr, 0, BLUEPRINT_PAGES * PAGE, 4));
}

/* ---- out-of-line regions ---- */

/* MSG=cow: does the receiver of an out-of-line region map the sender's frames until a write? */
static int ool_shares_frames(void)
{
	uint64_t kind = mk_kernel_stat(KSTAT_MSG_OOL);

	if (kind != MSG_OOL_KIND_COW && kind != MSG_OOL_KIND_COPY)
		guest_fail(__FILE__, __LINE__, "KSTAT_MSG_OOL: expected %d (copy) or %d (cow) got %lu",
			   MSG_OOL_KIND_COPY, MSG_OOL_KIND_COW, kind);
	return kind == MSG_OOL_KIND_COW;
}

/*
 * The MSG axis test: under MSG=cow the receiver's pages are the sender's
 * frames until one side writes; under MSG=copy they never are, and the send
 * itself took the pages.
 */
void test_ool_receiver_maps_the_senders_frames_only_under_msg_cow(void)
{
	const size_t size = OOL_PAGES * PAGE;
	vm_address_t mine = alloc_pages(OOL_PAGES), theirs;
	uint64_t before;

	pattern_fill(mine, size, 5);
	before = free_pages();
	theirs = ipc_ool_receive(ipc_ool_send(mine, size, 0), size);
	EXPECT_NEAR(ool_shares_frames() ? 0 : OOL_PAGES, before - free_pages(), KERNEL_SLACK_PAGES);
	EXPECT(theirs != mine);
	EXPECT_EQ(0, theirs % PAGE);
	for (size_t i = 0; i < OOL_PAGES; i++)
		EXPECT_OOL_SHARED(SELF, mine + i * PAGE, SELF, theirs + i * PAGE);
	EXPECT_EQ(size, first_difference(mine, theirs, size));
	/* the receiver writes page 1: that page is its own, the others are as they were */
	*(volatile uint64_t *)(theirs + PAGE) = CHILD_MARK;
	EXPECT_NOT_SHARED(SELF, mine + PAGE, SELF, theirs + PAGE);
	EXPECT_OOL_SHARED(SELF, mine, SELF, theirs);
	EXPECT_OOL_SHARED(SELF, mine + 2 * PAGE, SELF, theirs + 2 * PAGE);
	EXPECT_EQ(CHILD_MARK, *(volatile uint64_t *)(theirs + PAGE));
	EXPECT_EQ(size - PAGE - 8, first_difference(mine + PAGE + 8, theirs + PAGE + 8,
						    size - PAGE - 8));
	EXPECT_EQ(size, pattern_mismatch(mine, 0, size, 5));
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(SELF, theirs, size));
	EXPECT_EQ(size, pattern_mismatch(mine, 0, size, 5));
}

void test_ool_message_keeps_what_was_sent_when_the_sender_writes(void)
{
	const size_t size = OOL_PAGES * PAGE;
	vm_address_t mine = alloc_pages(OOL_PAGES), theirs;
	mach_port_name_t p;

	pattern_fill(mine, size, 6);
	p = ipc_ool_send(mine, size, 0);
	/* written while the message is queued: the message keeps what was sent */
	*(volatile uint64_t *)mine = TEST_MARK;
	theirs = ipc_ool_receive(p, size);
	EXPECT_NOT_SHARED(SELF, mine, SELF, theirs);
	EXPECT_OOL_SHARED(SELF, mine + PAGE, SELF, theirs + PAGE);
	EXPECT_OOL_SHARED(SELF, mine + 2 * PAGE, SELF, theirs + 2 * PAGE);
	EXPECT_EQ(size, pattern_mismatch(theirs, 0, size, 6));
	/* written after receipt */
	*(volatile uint64_t *)(mine + 2 * PAGE) = TEST_MARK;
	EXPECT_NOT_SHARED(SELF, mine + 2 * PAGE, SELF, theirs + 2 * PAGE);
	EXPECT_OOL_SHARED(SELF, mine + PAGE, SELF, theirs + PAGE);
	EXPECT_EQ(size, pattern_mismatch(theirs, 0, size, 6));
	EXPECT_EQ(TEST_MARK, *(volatile uint64_t *)mine);
	EXPECT_EQ(TEST_MARK, *(volatile uint64_t *)(mine + 2 * PAGE));
	EXPECT_EQ(PAGE - 8, pattern_mismatch(mine + 8, 8, PAGE - 8, 6));
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(SELF, theirs, size));
}

void test_unaligned_ool_edges_are_copied_not_shared(void)
{
	const size_t span = OOL_PAGES * PAGE, size = span - 2 * OOL_EDGE_BYTES;
	vm_address_t mine = alloc_pages(OOL_PAGES), theirs, base;

	pattern_fill(mine, span, 7);
	theirs = ipc_ool_receive(ipc_ool_send(mine + OOL_EDGE_BYTES, size, 0), size);
	/* the offset in the page is kept, so the whole pages between the ends can be shared */
	EXPECT_EQ(OOL_EDGE_BYTES, theirs % PAGE);
	base = theirs - OOL_EDGE_BYTES;
	EXPECT_EQ(size, first_difference(mine + OOL_EDGE_BYTES, theirs, size));
	/* the receiver sees zeros, not the sender's bytes, around the region */
	EXPECT_EQ(OOL_EDGE_BYTES, first_nonzero(base, OOL_EDGE_BYTES));
	EXPECT_EQ(OOL_EDGE_BYTES, first_nonzero(theirs + size, OOL_EDGE_BYTES));
	EXPECT_NOT_SHARED(SELF, mine, SELF, base);
	EXPECT_OOL_SHARED(SELF, mine + PAGE, SELF, base + PAGE);
	EXPECT_NOT_SHARED(SELF, mine + 2 * PAGE, SELF, base + 2 * PAGE);
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(SELF, base, span));
	EXPECT_EQ(span, pattern_mismatch(mine, 0, span, 7));
}

/* 16 MiB sent without deallocate: MSG=cow pays its pages as they are written, MSG=copy at send. */
void test_sixteen_mib_ool_send_pays_its_pages_when_the_msg_axis_says(void)
{
	vm_address_t mine = alloc_pages(BIG_COW_PAGES), theirs;
	uint64_t before, received, written;
	size_t at_send = ool_shares_frames() ? 0 : BIG_COW_PAGES;

	for (size_t i = 0; i < BIG_COW_PAGES; i++)
		*(volatile uint64_t *)(mine + i * PAGE) = i + 1;
	before = free_pages();
	theirs = ipc_ool_receive(ipc_ool_send(mine, BIG_COW_BYTES, 0), BIG_COW_BYTES);
	received = free_pages();
	EXPECT_NEAR(at_send, before - received, KERNEL_SLACK_PAGES);
	EXPECT_OOL_SHARED(SELF, mine, SELF, theirs);
	EXPECT_OOL_SHARED(SELF, mine + BIG_COW_BYTES / 2, SELF, theirs + BIG_COW_BYTES / 2);
	EXPECT_OOL_SHARED(SELF, mine + BIG_COW_BYTES - PAGE, SELF, theirs + BIG_COW_BYTES - PAGE);
	for (size_t i = 0; i < BIG_COW_PAGES; i++)
		*(volatile uint64_t *)(theirs + i * PAGE) += BIG_COW_PAGES;
	written = free_pages();
	EXPECT_NEAR(BIG_COW_PAGES - at_send, received - written, KERNEL_SLACK_PAGES);
	for (size_t i = 0; i < BIG_COW_PAGES; i++) {
		uint64_t m = *(volatile uint64_t *)(mine + i * PAGE);
		uint64_t t = *(volatile uint64_t *)(theirs + i * PAGE);

		if (m != i + 1 || t != i + 1 + BIG_COW_PAGES)
			guest_fail(__FILE__, __LINE__, "page %zu: expected sender %zu receiver %zu got "
				   "%lu and %lu", i, i + 1, i + 1 + BIG_COW_PAGES, m, t);
	}
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(SELF, theirs, BIG_COW_BYTES));
	EXPECT_NEAR(before, free_pages(), KERNEL_SLACK_PAGES);
}

#define REFUSED_SENDS      64      /* a page leaked per refused send would show */
#define REFUSED_SLACK      16

/*
 * An out-of-line region whose first pages are mapped and whose last is not
 * is refused whole (MACH_SEND_INVALID_MEMORY), under MSG=copy after the
 * first pages were already copied: those copies must go back.
 */
void test_ool_region_into_unmapped_memory_is_refused_without_leaks(void)
{
	vm_address_t pages = alloc_pages(OOL_PAGES);
	mach_port_name_t p = ipc_port_alloc_send();
	uint64_t before;

	pattern_fill(pages, (OOL_PAGES - 1) * PAGE, 11);
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(SELF, pages + (OOL_PAGES - 1) * PAGE, PAGE));
	before = free_pages();
	for (int i = 0; i < REFUSED_SENDS; i++) {
		struct ipc_buf m;

		ipc_msg_init(&m.header, p, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
		ipc_msg_add_ool(&m.header, pages, OOL_PAGES * PAGE, 0);
		EXPECT_MR(MACH_SEND_INVALID_MEMORY, ipc_send(&m.header));
	}
	EXPECT_NEAR(before, free_pages(), REFUSED_SLACK);
	EXPECT_EQ(0, ipc_status(p).msgcount);
	EXPECT_EQ((OOL_PAGES - 1) * PAGE, pattern_mismatch(pages, 0, (OOL_PAGES - 1) * PAGE, 11));
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(SELF, p));
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(SELF, pages, (OOL_PAGES - 1) * PAGE));
}

void test_ool_deallocate_moves_the_region(void)
{
	const size_t size = OOL_PAGES * PAGE;
	vm_address_t mine = alloc_pages(OOL_PAGES), theirs, again;
	uint64_t frames[OOL_PAGES], before;
	mach_port_name_t p;

	pattern_fill(mine, size, 9);
	for (size_t i = 0; i < OOL_PAGES; i++)
		frames[i] = DEBUG_AT(SELF, mine + i * PAGE).frame;
	before = free_pages();
	p = ipc_ool_send(mine, size, MACH_MSG_OOL_DEALLOCATE);
	EXPECT_HOLE(SELF, mine);
	EXPECT_HOLE(SELF, mine + size - PAGE);
	/* the old range is free (taken again before the receive can place the region there) */
	again = mine;
	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(SELF, &again, size, VM_ALLOC_FIXED));
	EXPECT_EQ(mine, again);
	theirs = ipc_ool_receive(p, size);
	/* moved, not copied: the receiver has the sender's pages */
	for (size_t i = 0; i < OOL_PAGES; i++)
		EXPECT_EQ(frames[i], DEBUG_AT(SELF, theirs + i * PAGE).frame);
	EXPECT_NEAR(before, free_pages(), KERNEL_SLACK_PAGES);
	EXPECT_EQ(size, pattern_mismatch(theirs, 0, size, 9));
	/* what is at the old range now is fresh, zero-filled memory */
	EXPECT_EQ(size, first_nonzero(again, size));
	*(volatile uint64_t *)again = TEST_MARK;
	EXPECT_NOT_SHARED(SELF, again, SELF, theirs);
	EXPECT_EQ(size, pattern_mismatch(theirs, 0, size, 9));
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(SELF, theirs, size));
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(SELF, again, size));
}

/* ---- vm_region, splitting, vm_debug, task_create ---- */

void test_vm_region_reports_regions_and_sharing(void)
{
	const vm_address_t a = FIXED_ADDR, b = FIXED_ADDR + REGION_GAP_PAGES * PAGE;
	const vm_prot_t rw = VM_PROT_READ | VM_PROT_WRITE;
	struct vm_region_info r, rc;
	mach_port_name_t child;

	alloc_fixed(a, 3);
	r = REGION_AT(SELF, a + PAGE + 123);
	EXPECT_REGION(r, a, 3 * PAGE, rw, VM_INHERIT_COPY);
	EXPECT_EQ(0, r.shared);
	/* from a gap, the next region: b, read-only and shared with children */
	alloc_fixed(b, 2);
	EXPECT_KR(KERN_SUCCESS, mk_vm_protect(SELF, b, 2 * PAGE, VM_PROT_READ));
	EXPECT_KR(KERN_SUCCESS, mk_vm_inherit(SELF, b, 2 * PAGE, VM_INHERIT_SHARE));
	EXPECT_KR(KERN_SUCCESS, REGION_FIND(SELF, a + 3 * PAGE, &r));
	EXPECT_REGION(r, b, 2 * PAGE, VM_PROT_READ, VM_INHERIT_SHARE);
	EXPECT_EQ(0, r.shared);
	/* a different inheritance for a's middle page makes three regions of it */
	EXPECT_KR(KERN_SUCCESS, mk_vm_inherit(SELF, a + PAGE, PAGE, VM_INHERIT_NONE));
	EXPECT_REGION(REGION_AT(SELF, a), a, PAGE, rw, VM_INHERIT_COPY);
	EXPECT_REGION(REGION_AT(SELF, a + PAGE), a + PAGE, PAGE, rw, VM_INHERIT_NONE);
	EXPECT_REGION(REGION_AT(SELF, a + 2 * PAGE), a + 2 * PAGE, PAGE, rw, VM_INHERIT_COPY);

	child = child_create();
	r = REGION_AT(SELF, b);
	EXPECT_EQ(1, r.shared);
	rc = REGION_AT(child, b);
	EXPECT_REGION(rc, b, 2 * PAGE, VM_PROT_READ, VM_INHERIT_SHARE);
	EXPECT_EQ(1, rc.shared);
	EXPECT(r.object_id != 0);
	EXPECT_EQ(r.object_id, rc.object_id);
	EXPECT_EQ(r.offset, rc.offset);
	EXPECT_REGION(REGION_AT(child, a), a, PAGE, rw, VM_INHERIT_COPY);
	EXPECT_HOLE(child, a + PAGE);
	EXPECT_REGION(REGION_AT(child, a + 2 * PAGE), a + 2 * PAGE, PAGE, rw, VM_INHERIT_COPY);
	ipc_task_kill(child);
	EXPECT_EQ(0, REGION_AT(SELF, b).shared);
	/* above every region, and in the kernel: none (or, if one is found, a valid one) */
	REGION_FIND(SELF, MK_COMM_PAGE_ADDR - PAGE, &r);
	REGION_FIND(SELF, IPC_KERNEL_ADDR, &r);
}

/* SPLIT_PAGES filled pages at addr, with page SPLIT_HOLE deallocated. */
static kern_return_t split_setup(vm_address_t addr)
{
	vm_address_t a = addr;
	kern_return_t kr = mk_vm_allocate(SELF, &a, SPLIT_PAGES * PAGE, VM_ALLOC_FIXED);

	if (kr != KERN_SUCCESS)
		return kr;
	pattern_fill(a, SPLIT_PAGES * PAGE, SPLIT_SEED);
	return mk_vm_deallocate(SELF, a + SPLIT_HOLE * PAGE, PAGE);
}

/* The split in a task of its own: both sides intact, then a read of the hole (must fault). */
int helper_vm_split_hole(int argc, char **argv)
{
	const vm_address_t hi = FIXED_ADDR + (SPLIT_HOLE + 1) * PAGE;
	const size_t lo_bytes = SPLIT_HOLE * PAGE, hi_bytes = (SPLIT_PAGES - SPLIT_HOLE - 1) * PAGE;

	(void)argc;
	(void)argv;
	if (split_setup(FIXED_ADDR) != KERN_SUCCESS)
		return 3;
	if (pattern_mismatch(FIXED_ADDR, 0, lo_bytes, SPLIT_SEED) != lo_bytes ||
	    pattern_mismatch(hi, hi - FIXED_ADDR, hi_bytes, SPLIT_SEED) != hi_bytes)
		return 4;
	return (int)*(volatile uint64_t *)(FIXED_ADDR + SPLIT_HOLE * PAGE);
}

void test_unmapping_the_middle_of_an_entry_splits_it(void)
{
	const vm_address_t hole = FIXED_ADDR + SPLIT_HOLE * PAGE, hi = hole + PAGE;
	const size_t lo_bytes = SPLIT_HOLE * PAGE, hi_bytes = (SPLIT_PAGES - SPLIT_HOLE - 1) * PAGE;
	const vm_prot_t rw = VM_PROT_READ | VM_PROT_WRITE;
	struct vm_region_info r;
	struct task_status st;

	EXPECT_KR(KERN_SUCCESS, split_setup(FIXED_ADDR));
	EXPECT_REGION(REGION_AT(SELF, FIXED_ADDR), FIXED_ADDR, lo_bytes, rw, VM_INHERIT_COPY);
	EXPECT_KR(KERN_SUCCESS, REGION_FIND(SELF, hole, &r));
	EXPECT_REGION(r, hi, hi_bytes, rw, VM_INHERIT_COPY);
	EXPECT_HOLE(SELF, hole);
	EXPECT_EQ(lo_bytes, pattern_mismatch(FIXED_ADDR, 0, lo_bytes, SPLIT_SEED));
	EXPECT_EQ(hi_bytes, pattern_mismatch(hi, hi - FIXED_ADDR, hi_bytes, SPLIT_SEED));
	st = guest_run_helper("vm_split_hole", NULL);
	EXPECT_EQ(TASK_END_FAULTED, st.how);
	EXPECT_EQ(PAGE_FAULT_VECTOR, st.code);
	EXPECT_EQ(hole, st.fault_addr);
}

void test_vm_debug_rejects_bad_arguments(void)
{
	vm_address_t a = alloc_pages(2);
	struct vm_debug_info d, d2;
	mach_port_name_t thread;
	uint64_t fills;

	*(volatile uint64_t *)a = 1;
	EXPECT_KR(KERN_INVALID_NAME, mk_vm_debug(IPC_UNUSED_NAME, a, &d));
	EXPECT_KR(KERN_INVALID_NAME, mk_vm_debug(MACH_PORT_NULL, a, &d));
	EXPECT_KR(KERN_SUCCESS, mk_thread_self(&thread));
	EXPECT_KR(KERN_INVALID_RIGHT, mk_vm_debug(thread, a, &d));
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(SELF, thread));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_vm_debug(SELF, a, NULL));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_vm_debug(SELF, a, (struct vm_debug_info *)IPC_KERNEL_ADDR));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_vm_debug(SELF, a,
						   (struct vm_debug_info *)IPC_UNMAPPED_ADDR));
	/* no page at an unmapped or a kernel address (an error or resident 0, either will do) */
	EXPECT_HOLE(SELF, IPC_UNMAPPED_ADDR);
	EXPECT_HOLE(SELF, IPC_KERNEL_ADDR);
	/* a page never touched: no page, and looking does not fault one in */
	fills = mk_kernel_stat(KSTAT_ZERO_FILLS);
	d = DEBUG_AT(SELF, a + PAGE);
	EXPECT_EQ(0, d.resident);
	EXPECT_EQ(fills, mk_kernel_stat(KSTAT_ZERO_FILLS));
	/* a touched page, looked up from any address in it */
	d = DEBUG_AT(SELF, a);
	d2 = DEBUG_AT(SELF, a + PAGE - 1);
	EXPECT_EQ(1, d.resident);
	EXPECT(d.object_id != 0);
	EXPECT(d.frame != 0 && d.frame % PAGE == 0);
	EXPECT_EQ(d.frame, d2.frame);
	EXPECT_EQ(d.object_id, d2.object_id);
}

void test_task_create_refuses_bad_arguments(void)
{
	mach_port_name_t child = MACH_PORT_NULL, thread;
	struct vm_region_info r;
	uint64_t free_before, tasks;
	vm_address_t a = FIXED_ADDR;

	ipc_task_kill(child_create());               /* warm the kernel's zones */
	free_before = free_pages();
	tasks = mk_kernel_stat(KSTAT_TASKS);
	EXPECT_KR(KERN_INVALID_NAME, mk_task_create(IPC_UNUSED_NAME, 1, &child));
	EXPECT_KR(KERN_INVALID_NAME, mk_task_create(MACH_PORT_NULL, 1, &child));
	EXPECT_KR(KERN_SUCCESS, mk_thread_self(&thread));
	EXPECT_KR(KERN_INVALID_RIGHT, mk_task_create(thread, 1, &child));
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(SELF, thread));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_task_create(SELF, 1, NULL));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_task_create(SELF, 0, (mach_port_name_t *)IPC_KERNEL_ADDR));
	EXPECT_EQ(tasks, mk_kernel_stat(KSTAT_TASKS));
	EXPECT_EQ(free_before, free_pages());

	/* without memory: an empty map, until something is allocated in it */
	EXPECT_KR(KERN_SUCCESS, mk_task_create(SELF, 0, &child));
	if (REGION_FIND(child, PAGE, &r) == KERN_SUCCESS)
		guest_fail(__FILE__, __LINE__, "child without memory: expected no region got "
			   "[0x%lx, 0x%lx)", r.start, r.start + r.size);
	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(child, &a, PAGE, VM_ALLOC_FIXED));
	EXPECT_KR(KERN_SUCCESS, REGION_FIND(child, PAGE, &r));
	EXPECT_REGION(r, FIXED_ADDR, PAGE, VM_PROT_READ | VM_PROT_WRITE, VM_INHERIT_COPY);
	ipc_task_kill(child);
}

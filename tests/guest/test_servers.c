/*
 * test_servers.c — servers that die, and what their clients see: the
 * user-level default pager killed (its pages fail at once, everything else
 * goes on, a new pager takes over), a server registered with the name
 * service killed (its clients hold dead names, the name is forgotten), and
 * the name service's table, which one task must not be able to fill.
 *
 * The name service itself is a kernel thread (kernel/kern/bootstrap.c): no
 * task can kill it, so what is tested is its registrations outliving their
 * servers. The external pager killed with a fault pending is in
 * test_pager.c, next to the pager helper.
 */
#include "guest.h"
#include "ipc_util.h"
#include <mach/memory_object.h>

#define PAGE                 4096UL
#define DP_REGION_PAGES      32    /* paged out, then lost with the pager */
#define DP_LIMIT_PAGES       16    /* the resident limit that pages them out */
#define DP_QUICK_MS          (MEMORY_OBJECT_TIMEOUT_MS / 4)  /* "at once": well under the timeout */
#define FILL_HELPERS_MAX     8     /* (64 - 16) / 8 = 6 unprivileged ledgers fill the table */

/* What the first word of page `page` of a region holds. */
static uint64_t pattern(size_t page)
{
	return (page + 1) * 0x9E3779B97F4A7C15UL;
}

/* Write pattern(p) at the start of each of pages pages at base. */
static void region_fill(vm_address_t base, size_t pages)
{
	for (size_t p = 0; p < pages; p++)
		*(volatile uint64_t *)(base + p * PAGE) = pattern(p);
}

/* Pages of pages at base that do not start with their pattern. */
static size_t region_wrong(vm_address_t base, size_t pages)
{
	size_t wrong = 0;

	for (size_t p = 0; p < pages; p++)
		wrong += *(volatile uint64_t *)(base + p * PAGE) != pattern(p);
	return wrong;
}

/* A fresh region of pages, filled. */
static vm_address_t region_new(size_t pages)
{
	vm_address_t base = 0;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MACH_PORT_TASK_SELF, &base, pages * PAGE,
					       VM_ALLOC_ANYWHERE));
	region_fill(base, pages);
	return base;
}

/*
 * Page out everything but the newest DP_LIMIT_PAGES object pages (a filled
 * spacer of that size, made here, keeps base's region out), and lift the
 * limit again. Returns the pageouts it caused.
 */
static uint64_t page_out_all(void)
{
	uint64_t outs = mk_kernel_stat(KSTAT_PAGEOUTS);
	vm_address_t spacer = region_new(DP_LIMIT_PAGES);

	EXPECT_KR(KERN_SUCCESS, mk_vm_set_resident_limit(MACH_PORT_HOST_PRIV, DP_LIMIT_PAGES));
	EXPECT_KR(KERN_SUCCESS, mk_vm_set_resident_limit(MACH_PORT_HOST_PRIV, 0));
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, spacer,
						 DP_LIMIT_PAGES * PAGE));
	return mk_kernel_stat(KSTAT_PAGEOUTS) - outs;
}

/*
 * Bring every readable page of this task back from the default pager,
 * except [skip, skip + skip_size): the limit paged out our code, data and
 * stack too, and whatever the pager holds when it dies is lost.
 */
static void own_memory_page_in(vm_address_t skip, vm_size_t skip_size)
{
	struct vm_region_info info;
	vm_address_t addr = 0;

	while (mk_vm_region(MACH_PORT_TASK_SELF, &addr, &info) == KERN_SUCCESS) {
		for (vm_address_t a = info.start; a < info.start + info.size; a += PAGE)
			if ((info.prot & VM_PROT_READ) && (a < skip || a >= skip + skip_size))
				(void)*(volatile const uint8_t *)a;
		addr = info.start + info.size;
	}
}

/* Pages of [base, base + pages) the kernel cannot read for us (console_write copies in). */
static size_t region_unreadable(vm_address_t base, size_t pages)
{
	size_t failed = 0;

	for (size_t p = 0; p < pages; p++)
		failed += mk_console_write((const char *)(base + p * PAGE + 8), 1) ==
			  KERN_MEMORY_ERROR;
	return failed;
}

/* A send right to what the name service has under name, waiting up to IPC_WAIT_MS for it. */
static mach_port_name_t lookup_waiting(const char *name)
{
	mach_port_name_t port = MACH_PORT_NULL;
	kern_return_t kr = KERN_NOT_FOUND;

	for (int ms = 0; ms < IPC_WAIT_MS && kr == KERN_NOT_FOUND; ms++) {
		kr = mk_bootstrap_lookup(name, &port);
		if (kr == KERN_NOT_FOUND)
			mk_thread_sleep(1);
	}
	EXPECT_KR(KERN_SUCCESS, kr);
	return port;
}

/* Kill the default pager through the task port it registered; returns how it ended. */
static struct task_status default_pager_kill(void)
{
	mach_port_name_t pager = lookup_waiting(BOOTSTRAP_DEFAULT_PAGER_NAME);
	struct task_status st;

	EXPECT_KR(KERN_SUCCESS, mk_task_terminate(pager));
	EXPECT_KR(KERN_SUCCESS, mk_task_wait(pager, &st, IPC_WAIT_MS));
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(MACH_PORT_TASK_SELF, pager));
	return st;
}

/*
 * After the kill: what the dead pager held fails within DP_QUICK_MS, memory
 * it never held and fresh memory work, another task runs, and the kernel
 * says it has no default pager.
 */
static void default_pager_gone_checks(vm_address_t lost, vm_address_t kept)
{
	uint64_t t0 = ipc_now_ms(), took;
	size_t failed = region_unreadable(lost, DP_REGION_PAGES);
	vm_address_t fresh;
	struct task_status st;

	took = ipc_now_ms() - t0;
	EXPECT_EQ(DP_REGION_PAGES, failed);
	if (took >= DP_QUICK_MS)
		guest_fail(__FILE__, __LINE__, "%d failed reads took %lu ms: expected under %d",
			   DP_REGION_PAGES, took, DP_QUICK_MS);
	EXPECT_EQ(0, region_wrong(kept, DP_REGION_PAGES));
	fresh = region_new(DP_REGION_PAGES);
	EXPECT_EQ(0, region_wrong(fresh, DP_REGION_PAGES));
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, fresh,
						 DP_REGION_PAGES * PAGE));
	st = guest_run_helper("exit0", NULL);
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(0, st.code);
	EXPECT_EQ(DEFAULT_PAGER_KIND_USER_NONE, mk_kernel_stat(KSTAT_DEFAULT_PAGER));
}

/* Start a new default pager, then page a region out and back in through it. */
static void default_pager_restart_checks(void)
{
	const void *image;
	size_t size;
	uint64_t ins = mk_kernel_stat(KSTAT_PAGEINS);
	vm_address_t base;
	mach_port_name_t pager;
	struct task_status st;

	guest_image(&image, &size);
	EXPECT_KR(KERN_SUCCESS, mk_default_pager_ensure(image, size, "default-pager"));
	EXPECT_EQ(DEFAULT_PAGER_KIND_USER, mk_kernel_stat(KSTAT_DEFAULT_PAGER));
	/* the dead pager's name was freed: the new one's task port is under it, and lives */
	pager = lookup_waiting(BOOTSTRAP_DEFAULT_PAGER_NAME);
	EXPECT_KR(KERN_OPERATION_TIMED_OUT, mk_task_wait(pager, &st, 0));
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(MACH_PORT_TASK_SELF, pager));
	base = region_new(DP_REGION_PAGES);
	EXPECT(page_out_all() >= DP_REGION_PAGES);
	EXPECT_EQ(0, region_wrong(base, DP_REGION_PAGES));
	EXPECT(mk_kernel_stat(KSTAT_PAGEINS) - ins >= DP_REGION_PAGES);
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, base, DP_REGION_PAGES * PAGE));
}

/*
 * Kill the user-level default pager while it holds pages of ours: reading
 * them fails with KERN_MEMORY_ERROR at once (not after the pager timeout),
 * everything else goes on, and a new default pager serves as the first did.
 * With the default pager in the kernel (PAGER=kernel) there is no task to
 * kill: the test only checks that the kernel says so.
 */
void test_killed_default_pager_fails_its_pages_and_a_new_one_serves(void)
{
	vm_address_t lost, kept;
	struct task_status st;

	if (mk_kernel_stat(KSTAT_DEFAULT_PAGER) == DEFAULT_PAGER_KIND_KERNEL)
		return;
	EXPECT_EQ(DEFAULT_PAGER_KIND_USER, mk_kernel_stat(KSTAT_DEFAULT_PAGER));
	lost = region_new(DP_REGION_PAGES);
	EXPECT(page_out_all() >= DP_REGION_PAGES);
	own_memory_page_in(lost, DP_REGION_PAGES * PAGE);
	kept = region_new(DP_REGION_PAGES);                 /* never paged out */
	st = default_pager_kill();
	EXPECT_EQ(TASK_END_KILLED, st.how);
	default_pager_gone_checks(lost, kept);
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, lost, DP_REGION_PAGES * PAGE));
	EXPECT_KR(KERN_SUCCESS, mk_vm_deallocate(MACH_PORT_TASK_SELF, kept, DP_REGION_PAGES * PAGE));
	default_pager_restart_checks();
}

/* ---- the name service ---- */

/*
 * A server: register a port of ours under argv[3] and answer echo RPCs on
 * it until killed.
 */
int helper_name_server(int argc, char **argv)
{
	mach_port_name_t port;

	if (argc < 4 || mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_RECEIVE, &port) ||
	    mk_bootstrap_register(argv[3], port) != KERN_SUCCESS)
		return IPC_HELPER_FAILED;
	for (;;)
		ipc_echo_serve(port);
}

/*
 * A server registered with the name service dies: the right a client got
 * from it before becomes a dead name soon after, a send to it fails at
 * once with MACH_SEND_INVALID_DEST, a lookup no longer finds the name, and
 * other names keep working.
 */
void test_name_service_forgets_a_server_that_dies(void)
{
	const char *name = "servers-test.echo", *other = "servers-test.survivor";
	mach_port_name_t server, reply = ipc_port_alloc(), mine = ipc_port_alloc(), found;
	mach_port_name_t task = guest_spawn_helper("name_server", name);
	uint64_t t0;
	mach_port_type_t type = 0;

	EXPECT_KR(KERN_SUCCESS, mk_bootstrap_register(other, mine));
	server = lookup_waiting(name);
	ipc_null_rpcs(server, reply, 1, NULL);              /* it serves */
	ipc_task_kill(task);
	t0 = ipc_now_ms();
	while (mk_port_type(MACH_PORT_TASK_SELF, server, &type) == KERN_SUCCESS &&
	       !(type & MACH_PORT_TYPE_DEAD_NAME) && ipc_now_ms() - t0 < IPC_WAIT_MS)
		mk_thread_yield();
	EXPECT_TYPE(MACH_PORT_TYPE_DEAD_NAME, MACH_PORT_TASK_SELF, server);
	EXPECT(ipc_now_ms() - t0 < DP_QUICK_MS);
	t0 = ipc_now_ms();
	EXPECT_MR(MACH_SEND_INVALID_DEST, ipc_send_id(server, IPC_ID_PING));
	EXPECT(ipc_now_ms() - t0 < DP_QUICK_MS);
	EXPECT_KR(KERN_NOT_FOUND, mk_bootstrap_lookup(name, &found));
	EXPECT_KR(KERN_SUCCESS, mk_bootstrap_lookup(other, &found));
	EXPECT_EQ(mine, found);
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(MACH_PORT_TASK_SELF, mine));
	EXPECT_KR(KERN_NOT_FOUND, mk_bootstrap_lookup(other, &found));
}

/*
 * Register names "<argv[3]>.<i>" (ports of our own) until refused, tell the
 * test at IPC_HELPER_PORT how many went in and the refusal, then hold them
 * until killed.
 */
int helper_name_fill(int argc, char **argv)
{
	mach_port_name_t test = ipc_helper_port(), port;
	uint64_t report[2] = { 0, KERN_SUCCESS };
	struct ipc_buf m;
	char name[BOOTSTRAP_NAME_MAX];

	if (argc < 4)
		return IPC_HELPER_FAILED;
	while (report[1] == KERN_SUCCESS && report[0] < BOOTSTRAP_NAMES_MAX) {
		if (mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_RECEIVE, &port))
			return IPC_HELPER_FAILED;
		snprintf(name, sizeof(name), "%s.%lu", argv[3], report[0]);
		report[1] = (uint64_t)mk_bootstrap_register(name, port);
		report[0] += report[1] == KERN_SUCCESS;
	}
	ipc_msg_init(&m.header, test, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	ipc_msg_add_inline(&m.header, 8, 2, report);
	if (ipc_send(&m.header) != MACH_MSG_SUCCESS)
		return IPC_HELPER_FAILED;
	for (;;)
		mk_thread_sleep(1000);
}

struct fill_result {
	mach_port_name_t task;
	uint64_t registered;
	kern_return_t refusal;
};

/* Start a name_fill helper (a ledger of its own) with prefix and wait for its report. */
static struct fill_result name_fill_start(const char *prefix)
{
	mach_port_name_t port = ipc_port_alloc_send();
	struct fill_result r;
	struct ipc_buf m;
	uint64_t *report;

	r.task = ipc_spawn_with_right("name_fill", prefix, port, MACH_MSG_TYPE_COPY_SEND);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), port, IPC_WAIT_MS));
	report = IPC_ITEM(&m.header, 0, MACH_MSG_TYPE_INLINE, 2);
	r.registered = report[0];
	r.refusal = (kern_return_t)report[1];
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(MACH_PORT_TASK_SELF, port));
	return r;
}

/*
 * One unprivileged task registers until refused: it gets exactly
 * BOOTSTRAP_NAMES_PER_LEDGER names and KERN_RESOURCE_SHORTAGE; a second
 * task with a ledger of its own still gets as many, and its names are
 * found; killed, both free their names.
 */
void test_name_service_bounds_each_ledger(void)
{
	struct fill_result a = name_fill_start("servers-test.a");
	struct fill_result b = name_fill_start("servers-test.b");
	mach_port_name_t found;

	EXPECT_EQ(BOOTSTRAP_NAMES_PER_LEDGER, a.registered);
	EXPECT_KR(KERN_RESOURCE_SHORTAGE, a.refusal);
	EXPECT_EQ(BOOTSTRAP_NAMES_PER_LEDGER, b.registered);
	EXPECT_KR(KERN_RESOURCE_SHORTAGE, b.refusal);
	EXPECT_KR(KERN_SUCCESS, mk_bootstrap_lookup("servers-test.b.0", &found));
	EXPECT_KR(KERN_SUCCESS, mk_bootstrap_lookup("servers-test.b.7", &found));
	EXPECT_KR(KERN_NOT_FOUND, mk_bootstrap_lookup("servers-test.b.8", &found));
	ipc_task_kill(a.task);
	ipc_task_kill(b.task);
	EXPECT_KR(KERN_NOT_FOUND, mk_bootstrap_lookup("servers-test.a.0", &found));
	EXPECT_KR(KERN_NOT_FOUND, mk_bootstrap_lookup("servers-test.b.0", &found));
}

/*
 * Unprivileged tasks, each with a ledger of its own, register until one
 * gets nothing: together they stop short of the BOOTSTRAP_NAMES_RESERVE
 * slots, and this (privileged) test can still register and look up.
 */
void test_name_service_keeps_a_reserve_for_privileged_tasks(void)
{
	struct fill_result r[FILL_HELPERS_MAX];
	uint64_t total = 0;
	int n = 0;
	mach_port_name_t mine = ipc_port_alloc(), found;
	char prefix[32];

	do {
		snprintf(prefix, sizeof(prefix), "servers-test.r%d", n);
		r[n] = name_fill_start(prefix);
		EXPECT_KR(KERN_RESOURCE_SHORTAGE, r[n].refusal);
		total += r[n].registered;
	} while (r[n++].registered > 0 && n < FILL_HELPERS_MAX);
	EXPECT_EQ(0, r[n - 1].registered);
	EXPECT(total <= BOOTSTRAP_NAMES_MAX - BOOTSTRAP_NAMES_RESERVE);
	EXPECT(total + 4 >= BOOTSTRAP_NAMES_MAX - BOOTSTRAP_NAMES_RESERVE);  /* a few held by others */
	EXPECT_KR(KERN_SUCCESS, mk_bootstrap_register("servers-test.privileged", mine));
	EXPECT_KR(KERN_SUCCESS, mk_bootstrap_lookup("servers-test.privileged", &found));
	EXPECT_EQ(mine, found);
	while (n-- > 0)
		ipc_task_kill(r[n].task);
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(MACH_PORT_TASK_SELF, mine));
}

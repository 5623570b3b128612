/*
 * runner.c — the in-guest test runner and the entry of every test task.
 *
 *   guest-tests                 run every test in MANIFEST order
 *   guest-tests NAME...         run only these tests, in this order
 *   guest-tests --run NAME      (a test task) run one test
 *   guest-tests --helper NAME   (a helper task) run one helper
 *
 * Output protocol (read by the host harness, harness/protocol.h): `SUITE begin N`;
 * per test `RUN NAME` as it starts, `HEARTBEAT NAME` after every
 * GUEST_HEARTBEAT_MS slice of waiting in which it did not end, and one
 * `TEST NAME ok` or `TEST NAME FAIL reason`; then `SUITE end P F`. Only TEST
 * lines are results. The heartbeat keeps the serial line busy while a test
 * runs slowly, so the harness can take a silent line for a hung kernel.
 */
#include "guest.h"
#include "fuzz.h"

#define GUEST_TEST(name) void test_##name(void);
#include "tests.def"
#include "little_ram_tests.def"
#undef GUEST_TEST

struct guest_test {
	const char *name;
	void (*fn)(void);
};

static const struct guest_test guest_tests[] = {
#define GUEST_TEST(name) { #name, test_##name },
#include "tests.def"
#undef GUEST_TEST
};
#define GUEST_TEST_COUNT (sizeof(guest_tests) / sizeof(guest_tests[0]))
#define GUEST_HEARTBEAT_MS 1000 /* virtual ms between HEARTBEAT lines of a running test */

/* Tests that run only when named (the harness's boot with little RAM). */
static const struct guest_test guest_named_tests[] = {
#define GUEST_TEST(name) { #name, test_##name },
#include "little_ram_tests.def"
#undef GUEST_TEST
};

extern const struct guest_helper guest_helpers[];
const char *guest_current_test = "?";

void guest_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mk_printf("TEST %s FAIL %s:%d: %s\n", guest_current_test, file, line, msg);
	mk_task_exit(GUEST_EXIT_REPORTED);
}

void guest_image(const void **image, size_t *size)
{
	static vm_address_t addr;
	static size_t len;

	if (!addr && mk_boot_module(0, &addr, &len) != KERN_SUCCESS) {
		mk_printf("guest-tests: cannot read boot module 0\n");
		mk_task_exit(1);
	}
	*image = (const void *)addr;
	*size = len;
}

/*
 * Start a user-level default pager if the kernel wants one and has none
 * (one kernel_stat when it has): at the start, and before every test, so a
 * test that killed the pager (or failed while it was gone) leaves one.
 */
static void guest_default_pager_ensure(void)
{
	const void *image;
	size_t size;
	kern_return_t kr;

	guest_image(&image, &size);
	if ((kr = mk_default_pager_ensure(image, size, "default-pager")) != KERN_SUCCESS)
		mk_printf("guest-tests: no default pager: %s\n", mk_strerror(kr));
}

/*
 * Build "guest-tests\0mode\0name\0[extra\0]" and spawn it. Test tasks get
 * the runner's host privilege right (tests set resident limits and check
 * the kernel); helpers do not, so a helper is an ordinary unprivileged task
 * with a ledger of its own.
 */
static kern_return_t guest_spawn(const char *mode, const char *name, const char *extra,
				 mach_port_name_t *task)
{
	char args[256];
	size_t n = 0;
	const char *parts[4] = { "guest-tests", mode, name, extra };
	const void *image;
	size_t size;

	for (int i = 0; i < 4 && parts[i]; i++) {
		size_t len = strlen(parts[i]) + 1;

		if (n + len > sizeof(args))
			return KERN_INVALID_ARGUMENT;
		memcpy(args + n, parts[i], len);
		n += len;
	}
	guest_image(&image, &size);
	return mk_task_spawn_flags(image, size, args, n, task,
				   strcmp(mode, "--run") == 0 ? MK_SPAWN_HOST_PRIV : 0);
}

mach_port_name_t guest_spawn_helper(const char *name, const char *extra)
{
	mach_port_name_t task;
	kern_return_t kr = guest_spawn("--helper", name, extra, &task);

	if (kr != KERN_SUCCESS)
		guest_fail(__FILE__, __LINE__, "spawning helper %s: %s", name, mk_strerror(kr));
	return task;
}

struct task_status guest_run_helper(const char *name, const char *extra)
{
	struct task_status st;
	mach_port_name_t task = guest_spawn_helper(name, extra);
	kern_return_t kr = mk_task_wait(task, &st, GUEST_TEST_TIMEOUT_MS);

	if (kr != KERN_SUCCESS) {
		mk_task_terminate(task);
		guest_fail(__FILE__, __LINE__, "helper %s: task_wait: %s", name, mk_strerror(kr));
	}
	mk_port_deallocate(MACH_PORT_TASK_SELF, task);
	return st;
}

static const struct guest_test *guest_test_find(const char *name)
{
	for (size_t i = 0; i < GUEST_TEST_COUNT; i++)
		if (strcmp(guest_tests[i].name, name) == 0)
			return &guest_tests[i];
	for (size_t i = 0; i < sizeof(guest_named_tests) / sizeof(guest_named_tests[0]); i++)
		if (strcmp(guest_named_tests[i].name, name) == 0)
			return &guest_named_tests[i];
	return NULL;
}

/* Why a test task's ending is a failure, in words. */
static void guest_describe_end(const struct task_status *st, char *buf, size_t size)
{
	switch (st->how) {
	case TASK_END_EXITED:
		snprintf(buf, size, "exited with %d", st->code);
		break;
	case TASK_END_FAULTED:
		snprintf(buf, size, "killed by exception %d at rip 0x%lx (address 0x%lx)",
			 st->code, st->fault_rip, st->fault_addr);
		break;
	case TASK_END_BAD_TRAP:
		snprintf(buf, size, "killed by system call %d with no emulation", st->code);
		break;
	default:
		snprintf(buf, size, "ended (how %u)", st->how);
		break;
	}
}

/* Waits for a test task to end, up to GUEST_TEST_TIMEOUT_MS, in slices of
 * GUEST_HEARTBEAT_MS with a HEARTBEAT line after each slice the task outlived.
 * Returns what the last mk_task_wait returned. */
static kern_return_t guest_wait_test(const char *name, mach_port_name_t task,
				     struct task_status *st)
{
	kern_return_t kr = KERN_OPERATION_TIMED_OUT;

	for (int waited_ms = 0; waited_ms < GUEST_TEST_TIMEOUT_MS; waited_ms += GUEST_HEARTBEAT_MS) {
		int slice_ms = GUEST_TEST_TIMEOUT_MS - waited_ms;

		if (slice_ms > GUEST_HEARTBEAT_MS)
			slice_ms = GUEST_HEARTBEAT_MS;
		kr = mk_task_wait(task, st, (unsigned long)slice_ms);
		if (kr != KERN_OPERATION_TIMED_OUT)
			break;
		mk_printf("HEARTBEAT %s\n", name);
	}
	return kr;
}

/* Run one test in its own task; returns 1 if it passed. */
static int guest_run_one(const char *name)
{
	struct task_status st;
	mach_port_name_t task;
	char why[160];
	kern_return_t kr;

	mk_printf("RUN %s\n", name);
	if (!guest_test_find(name)) {
		mk_printf("TEST %s FAIL no such test in this build\n", name);
		return 0;
	}
	guest_default_pager_ensure();
	kr = guest_spawn("--run", name, NULL, &task);
	if (kr != KERN_SUCCESS) {
		mk_printf("TEST %s FAIL task_spawn: %s\n", name, mk_strerror(kr));
		return 0;
	}
	kr = guest_wait_test(name, task, &st);
	if (kr == KERN_OPERATION_TIMED_OUT) {
		mk_task_terminate(task);
		mk_task_wait(task, &st, MK_WAIT_FOREVER);
		mk_port_deallocate(MACH_PORT_TASK_SELF, task);
		mk_printf("TEST %s FAIL timed out after %d ms\n", name, GUEST_TEST_TIMEOUT_MS);
		return 0;
	}
	mk_port_deallocate(MACH_PORT_TASK_SELF, task);
	if (kr != KERN_SUCCESS) {
		mk_printf("TEST %s FAIL task_wait: %s\n", name, mk_strerror(kr));
		return 0;
	}
	mk_vm_set_resident_limit(MACH_PORT_HOST_PRIV, 0);       /* a test that set a limit and failed leaves none */
	if (st.how == TASK_END_EXITED && st.code == 0) {
		mk_printf("TEST %s ok\n", name);
		return 1;
	}
	if (st.how == TASK_END_EXITED && st.code == GUEST_EXIT_REPORTED)
		return 0;
	guest_describe_end(&st, why, sizeof(why));
	mk_printf("TEST %s FAIL %s\n", name, why);
	return 0;
}

static int guest_run_helper_main(int argc, char **argv)
{
	for (const struct guest_helper *h = guest_helpers; h->name; h++)
		if (strcmp(h->name, argv[2]) == 0)
			return h->fn(argc, argv);
	mk_printf("guest-tests: no helper '%s'\n", argv[2]);
	return 1;
}

int main(int argc, char **argv)
{
	int fuzz_rc, passed = 0, failed = 0;

	if (fuzz_main_dispatch(argc, argv, &fuzz_rc))     /* children of the fuzz test */
		return fuzz_rc;
	if (argc >= 3 && strcmp(argv[1], "--run") == 0) {
		const struct guest_test *t = guest_test_find(argv[2]);

		if (!t)
			return 1;
		guest_current_test = t->name;
		t->fn();
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "--helper") == 0)
		return guest_run_helper_main(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "--default-pager") == 0)
		return mk_default_pager_run();
	/* a test kills the default pager: the pages it held must not include the runner's */
	if (mk_task_wire(MACH_PORT_HOST_PRIV, MACH_PORT_TASK_SELF) != KERN_SUCCESS)
		mk_printf("guest-tests: cannot wire the runner's memory\n");
	guest_default_pager_ensure();

	mk_printf("SUITE begin %d\n", argc > 1 ? argc - 1 : (int)GUEST_TEST_COUNT);
	for (int i = 0; i < (argc > 1 ? argc - 1 : (int)GUEST_TEST_COUNT); i++) {
		if (guest_run_one(argc > 1 ? argv[i + 1] : guest_tests[i].name))
			passed++;
		else
			failed++;
	}
	mk_printf("SUITE end %d %d\n", passed, failed);
	return failed ? 1 : 0;
}

/*
 * test_unix_exec.c — a static Linux program runs unmodified on the
 * microkernel: bench/unix's tiny (musl, built on the host) is made into a
 * task by the exec builder (user/unix/exec.c), with the emulation library's
 * image mapped in and its entry as the task's emulation vector; musl's
 * start-up calls (arch_prctl for its TLS, set_tid_address) and its
 * exit_group are redirected there, and the task ends with the program's
 * exit status. Images that are not static executables are refused before
 * any task runs. And the same program started by the Unix server (a helper
 * task running user/unix/server.c), whose calls then go to the server as
 * RPCs.
 */
#include "guest.h"
#include "exec.h"
#include "ipc_util.h"
#include "server.h"
#include "unix_proto.h"

extern const char blob_tiny[], blob_tiny_end[], blob_hello[], blob_hello_end[];
extern const char blob_crash[], blob_crash_end[];
extern const char blob_test_root[], blob_test_root_end[];
extern const char blob_emul_image[], blob_emul_image_end[];

#define HELLO_EXIT_CODE (40 + 3 + 100 + 50)   /* TLS + argc, HOME is "/", argv[2] is "two" */

static const char *const exec_argv[] = { "prog", "one", "two", NULL };
static const char *const exec_envp[] = { "PATH=/bin", "HOME=/", NULL };

static kern_return_t exec_blob(const char *prog, size_t size, mach_port_name_t *task)
{
	return unix_exec_spawn(prog, size, blob_emul_image,
			       (size_t)(blob_emul_image_end - blob_emul_image), exec_argv, exec_envp,
			       task);
}

void test_static_musl_program_runs_under_emulation(void)
{
	mach_port_name_t task = MACH_PORT_NULL;
	struct task_status st;

	EXPECT_KR(KERN_SUCCESS, exec_blob(blob_tiny, (size_t)(blob_tiny_end - blob_tiny), &task));
	EXPECT_KR(KERN_SUCCESS, mk_task_wait(task, &st, GUEST_TEST_TIMEOUT_MS));
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(0, st.code);
	mk_port_deallocate(MACH_PORT_TASK_SELF, task);
}

/* Its TLS variable, arguments and environment make its exit code; it prints through stdio. */
void test_static_musl_program_sees_its_tls_arguments_and_environment(void)
{
	mach_port_name_t task = MACH_PORT_NULL;
	struct task_status st;

	EXPECT_KR(KERN_SUCCESS, exec_blob(blob_hello, (size_t)(blob_hello_end - blob_hello),
					  &task));
	EXPECT_KR(KERN_SUCCESS, mk_task_wait(task, &st, GUEST_TEST_TIMEOUT_MS));
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(HELLO_EXIT_CODE, st.code);
	mk_port_deallocate(MACH_PORT_TASK_SELF, task);
}

void test_exec_refuses_what_is_not_a_static_executable(void)
{
	static const char script[] = "#!/bin/sh\necho not an ELF file\n";
	mach_port_name_t task = MACH_PORT_NULL;
	uint64_t tasks = mk_kernel_stat(KSTAT_TASKS);

	EXPECT_KR(KERN_BAD_IMAGE, exec_blob(script, sizeof(script), &task));
	EXPECT_KR(KERN_BAD_IMAGE, exec_blob(blob_tiny, 100, &task));        /* cut short */
	EXPECT_EQ(MACH_PORT_NULL, task);
	EXPECT_EQ(tasks, mk_kernel_stat(KSTAT_TASKS));
}

/* The test server's configuration: hello and crash as programs, the test root archive. */
static void unix_test_config(struct unix_server_config *cfg, struct unix_prog progs[2],
			     mach_port_name_t control)
{
	progs[UNIX_PROG_HELLO] = (struct unix_prog){ "hello", blob_hello,
						     (size_t)(blob_hello_end - blob_hello) };
	progs[UNIX_PROG_CRASH] = (struct unix_prog){ "crash", blob_crash,
						     (size_t)(blob_crash_end - blob_crash) };
	*cfg = (struct unix_server_config){
		.control = control, .progs = progs, .nprogs = 2,
		.emul = blob_emul_image, .emul_size = (size_t)(blob_emul_image_end - blob_emul_image),
		.archive = blob_test_root,
		.archive_size = (size_t)(blob_test_root_end - blob_test_root),
	};
}

/* The Unix server as a helper task: its control port is the helper's first right. */
int helper_unix_server(int argc, char **argv)
{
	struct unix_prog progs[2];
	struct unix_server_config cfg;

	(void)argc;
	(void)argv;
	unix_test_config(&cfg, progs, ipc_helper_port());
	return unix_server_run(&cfg);
}

/* Ask the server to start program prog, with the default arguments or (args
 * not NULL) the args_len bytes of NUL-terminated strings at args; its
 * answer's two words (status, calls), or a failure. */
static mach_msg_return_t unix_run_args(mach_port_name_t control, mach_port_name_t reply,
				       uint64_t prog, const char *args, uint32_t args_len,
				       uint64_t answer[2])
{
	uint64_t words[UNIX_CALL_WORDS] = { prog };
	struct ipc_buf m;
	mach_msg_return_t mr;

	ipc_msg_init(&m.header, control, MACH_MSG_TYPE_COPY_SEND, UNIX_SPAWN_ID);
	ipc_msg_add_inline(&m.header, 8, args ? UNIX_CALL_WORDS : 1, words);
	if (args)
		ipc_msg_add_inline(&m.header, 1, args_len, args);
	ipc_msg_set_reply(&m.header, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	mr = mk_mach_msg(&m.header, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, m.header.size,
			 sizeof(m), reply, GUEST_TEST_TIMEOUT_MS);
	if (mr == MACH_MSG_SUCCESS)
		memcpy(answer, ipc_msg_item(&m.header, 0) + 1, 2 * sizeof(uint64_t));
	return mr;
}

static mach_msg_return_t unix_run(mach_port_name_t control, mach_port_name_t reply, uint64_t prog,
				  uint64_t answer[2])
{
	return unix_run_args(control, reply, prog, NULL, 0, answer);
}

/* A Unix server for a test, and the ports to talk to it: a helper task
 * (UNIX=server), or the kernel's in a task made from this one (UNIX=colocated). */
struct unix_test_server {
	mach_port_name_t control, reply, task;
};

static struct unix_test_server unix_test_server_start(void)
{
	struct unix_test_server s = { ipc_port_alloc_send(), ipc_port_alloc(), MACH_PORT_NULL };
	static struct unix_prog progs[2];
	static struct unix_server_config cfg;

	if (!unix_server_colocated()) {
		s.task = ipc_spawn_with_right("unix_server", NULL, s.control,
					      MACH_MSG_TYPE_MOVE_RECEIVE);
		return s;
	}
	unix_test_config(&cfg, progs, s.control);
	EXPECT_KR(KERN_SUCCESS, unix_server_colocate(&cfg, &s.task));
	return s;
}

/* The server goes first, whatever the answers, so that nothing of it outlives the test. */
static void unix_test_server_stop(struct unix_test_server *s)
{
	struct task_status st;

	EXPECT_KR(KERN_SUCCESS, mk_task_terminate(s->task));
	EXPECT_KR(KERN_SUCCESS, mk_task_wait(s->task, &st, GUEST_TEST_TIMEOUT_MS));
	mk_port_deallocate(MACH_PORT_TASK_SELF, s->task);
	mk_port_deallocate(MACH_PORT_TASK_SELF, s->control);
	mk_port_destroy(MACH_PORT_TASK_SELF, s->reply);
}

/* hello with "alpha two STEP" (argv[3]: one of hello's steps); its answer. */
static mach_msg_return_t unix_run_step(const struct unix_test_server *s, const char *step,
				       uint64_t answer[2])
{
	char args[64] = "alpha\0two";
	size_t len = sizeof("alpha\0two"), n = strlen(step) + 1;

	if (len + n > sizeof(args))
		return MACH_SEND_INVALID_DATA;
	memcpy(args + len, step, n);
	return unix_run_args(s->control, s->reply, UNIX_PROG_HELLO, args, (uint32_t)(len + n),
			     answer);
}

#define HELLO_STEP_PASSED (40 + 4 + 100 + 50)   /* hello's code with four arguments */

/*
 * The server starts hello for us and answers its calls (set_tid_address,
 * ioctl, writev, exit_group: arch_prctl stays in the library) and reports
 * the exit status and how many calls it answered; then a program that
 * dies of a fault before exit, which the server notices (UNIX_STATUS_DIED)
 * and goes on: hello runs again after it, and once more with arguments of
 * our own (a spawn request's data item; an unterminated last one is left out),
 * "devices" among them: hello then checks /dev/null, /dev/zero and two errors;
 * with "files", the server's file system (/dev, /tmp and a small archive);
 * with "memory", brk and anonymous mmap through the process's task port;
 * with "signals", handlers run by the library from the server's answers;
 * with "sigterm", a default action that ends the process; and with "fork",
 * children made by fork and reaped by wait4 (one of them faulting); and
 * with "pipes", pipes between it and its children; and with "exec",
 * execve of programs in the server's archive (tests/unix/ROOT); and with
 * "calls", the everyday rest (descriptors, directories, umask, uname, sleep).
 */
void test_unix_server_runs_programs_and_reports_their_end(void)
{
	static const char args[] = "alpha\0two\0devices\0delta"; /* the last unterminated */
	static const char *const steps[] = { "files", "memory", "signals", "fork", "pipes", "exec",
					     "calls" };
	struct unix_test_server s = unix_test_server_start();
	uint64_t hello[2] = { 0, 0 }, crash[2] = { 0, 0 }, again[2] = { 0, 0 }, given[2] = { 0, 0 };
	uint64_t sigterm[2] = { 0, 0 }, answers[7][2] = { { 0 } };
	mach_msg_return_t mr1, mr2, mr3, mr4, mr_sigterm, mr[7];
	uint64_t hits = mk_kernel_stat(KSTAT_IPC_FASTPATH_HITS);

	mr1 = unix_run(s.control, s.reply, UNIX_PROG_HELLO, hello);
	hits = mk_kernel_stat(KSTAT_IPC_FASTPATH_HITS) - hits;
	mr2 = unix_run(s.control, s.reply, UNIX_PROG_CRASH, crash);
	mr3 = unix_run(s.control, s.reply, UNIX_PROG_HELLO, again);
	mr4 = unix_run_args(s.control, s.reply, UNIX_PROG_HELLO, args, sizeof(args) - 1, given);
	mr_sigterm = unix_run_step(&s, "sigterm", sigterm);
	for (int i = 0; i < 7; i++)
		mr[i] = unix_run_step(&s, steps[i], answers[i]);
	unix_test_server_stop(&s);
	EXPECT_MR(MACH_MSG_SUCCESS, mr1);
	EXPECT_EQ(HELLO_EXIT_CODE, hello[0]);            /* the server's environment is ours */
	EXPECT(hello[1] >= 4);
	/* every call but exit (sent without waiting) takes the fast path both ways: the
	 * answer goes in the server's wait for the next call, on its port set */
	if (hits < 2 * (hello[1] - 1))
		guest_fail(__FILE__, __LINE__, "fast-path hits over hello's %lu calls: expected "
			   "at least %lu got %lu", (unsigned long)hello[1],
			   2 * ((unsigned long)hello[1] - 1), (unsigned long)hits);
	EXPECT_MR(MACH_MSG_SUCCESS, mr2);
	EXPECT_EQ(UNIX_STATUS_DIED, crash[0]);
	EXPECT_MR(MACH_MSG_SUCCESS, mr3);
	EXPECT_EQ(HELLO_EXIT_CODE, again[0]);
	EXPECT_MR(MACH_MSG_SUCCESS, mr4);      /* argv: hello, alpha, two, devices (checked) */
	EXPECT_EQ(HELLO_STEP_PASSED, given[0]);
	EXPECT_MR(MACH_MSG_SUCCESS, mr_sigterm);   /* SIGTERM's default action ends it */
	EXPECT_EQ(UNIX_STATUS_SIGNALED | 15, sigterm[0]);
	for (int i = 0; i < 7; i++) {              /* hello's files_step, memory_step, ... */
		EXPECT_MR(MACH_MSG_SUCCESS, mr[i]);
		if (answers[i][0] != HELLO_STEP_PASSED)
			guest_fail(__FILE__, __LINE__, "hello's %s step: status %lu (hello prints "
				   "the failed step)", steps[i], (unsigned long)answers[i][0]);
	}
}

/*
 * More of hello's steps under the server: "shared" (descriptors that fork
 * and dup copy share one open file: offset and flags), "poll" (poll,
 * select and pselect on pipes: readiness, waits, timeouts, a signal's
 * EINTR), "self" (/proc/self/exe for execve and readlink, the chmod
 * family, start-up calls) and "mmap" (file mappings paged by the server,
 * mapped.c). And a program started by its path in the archive
 * (UNIX_SPAWN_BY_PATH, as unix-run --file does): its argv[0] is the path;
 * a path that is not there is refused.
 */
void test_unix_server_shares_files_polls_and_starts_programs_by_path(void)
{
	static const char path_args[] = "/bin/hello\0alpha\0two\0";
	static const char missing_args[] = "/bin/none\0";
	static const char *const steps[] = { "shared", "poll", "self", "mmap" };
	struct unix_test_server s = unix_test_server_start();
	uint64_t answers[4][2] = { { 0 } }, by_path[2] = { 0, 0 }, missing[2] = { 0, 0 };
	mach_msg_return_t mr[4], mr_path, mr_missing;

	for (int i = 0; i < 4; i++)
		mr[i] = unix_run_step(&s, steps[i], answers[i]);
	mr_path = unix_run_args(s.control, s.reply, UNIX_SPAWN_BY_PATH, path_args,
				sizeof(path_args) - 1, by_path);
	mr_missing = unix_run_args(s.control, s.reply, UNIX_SPAWN_BY_PATH, missing_args,
				   sizeof(missing_args) - 1, missing);
	unix_test_server_stop(&s);
	for (int i = 0; i < 4; i++) {
		EXPECT_MR(MACH_MSG_SUCCESS, mr[i]);
		if (answers[i][0] != HELLO_STEP_PASSED)
			guest_fail(__FILE__, __LINE__, "hello's %s step: status %lu (hello prints "
				   "the failed step)", steps[i], (unsigned long)answers[i][0]);
	}
	EXPECT_MR(MACH_MSG_SUCCESS, mr_path);      /* argv: /bin/hello, alpha, two */
	EXPECT_EQ(HELLO_EXIT_CODE, by_path[0]);
	EXPECT_MR(MACH_MSG_SUCCESS, mr_missing);
	EXPECT_EQ((uint64_t)-1, missing[0]);
}

/* The server's ledger (its processes' tasks are charged to it) and the free pages equal
 * before, once what ended is gone (teardown may finish just after the status arrives). */
static bool unix_settled(mach_port_name_t server, const struct ledger_info *before,
			 uint64_t free_before)
{
	static const int kinds[] = { LEDGER_TASKS, LEDGER_THREADS, LEDGER_PORTS, LEDGER_MESSAGES,
				     LEDGER_MAP_ENTRIES, LEDGER_NAMES, LEDGER_PAGE_TABLES };
	struct ledger_info now;

	for (int ms = 0; ms < GUEST_TEST_TIMEOUT_MS / 10; ms += 10) {
		bool same = mk_ledger_info(server, &now) == KERN_SUCCESS &&
			    mk_kernel_stat(KSTAT_FREE_PAGES) == free_before;

		for (size_t i = 0; same && i < sizeof(kinds) / sizeof(kinds[0]); i++)
			same = now.held[kinds[i]] == before->held[kinds[i]];
		if (same)
			return true;
		mk_thread_sleep(10);
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (now.held[kinds[i]] != before->held[kinds[i]])
			mk_printf("ledger %d: %lu before, %lu after\n", kinds[i],
				  (unsigned long)before->held[kinds[i]],
				  (unsigned long)now.held[kinds[i]]);
	mk_printf("free pages: %lu before, %lu after\n", (unsigned long)free_before,
		  (unsigned long)mk_kernel_stat(KSTAT_FREE_PAGES));
	return false;
}

/*
 * Processes that end badly give everything back: one killed by a signal's
 * default action, one that dies of a fault, children killed and faulting
 * (hello's fork step), file mappings (mmap step). The server's ledger
 * (tasks, threads, ports, messages, map entries, names, page tables: its
 * processes are charged to it) and the machine's free pages are where
 * they were after a first run warmed the server up.
 */
void test_unix_server_frees_what_ended_processes_held(void)
{
	struct unix_test_server s = unix_test_server_start();
	uint64_t warm[2] = { 0, 0 }, killed[2] = { 0, 0 }, crashed[2] = { 0, 0 };
	uint64_t forked[2] = { 0, 0 }, mapped[2] = { 0, 0 }, free_before;
	mach_msg_return_t mr[5];
	struct ledger_info before;
	bool settled;

	mr[0] = unix_run_step(&s, "mmap", warm);
	EXPECT_KR(KERN_SUCCESS, mk_ledger_info(s.task, &before));
	free_before = mk_kernel_stat(KSTAT_FREE_PAGES);
	mr[1] = unix_run_step(&s, "sigterm", killed);
	mr[2] = unix_run(s.control, s.reply, UNIX_PROG_CRASH, crashed);
	mr[3] = unix_run_step(&s, "fork", forked);
	mr[4] = unix_run_step(&s, "mmap", mapped);
	settled = unix_settled(s.task, &before, free_before);
	unix_test_server_stop(&s);
	for (int i = 0; i < 5; i++)
		EXPECT_MR(MACH_MSG_SUCCESS, mr[i]);
	EXPECT_EQ(HELLO_STEP_PASSED, warm[0]);
	EXPECT_EQ(UNIX_STATUS_SIGNALED | 15, killed[0]);
	EXPECT_EQ(UNIX_STATUS_DIED, crashed[0]);
	EXPECT_EQ(HELLO_STEP_PASSED, forked[0]);
	EXPECT_EQ(HELLO_STEP_PASSED, mapped[0]);
	EXPECT(settled);
}

/* ---- UNIX=colocated: the server as a supervisor thread (MK_TRAP_SUPERVISOR_START) ---- */

/* An unprivileged task asks for a supervisor: 0 if it is refused as it must be. */
int helper_supervisor_unprivileged(int argc, char **argv)
{
	static uint64_t word;
	mach_port_name_t t;
	kern_return_t kr;

	(void)argc;
	(void)argv;
	if (mk_task_create(MACH_PORT_TASK_SELF, 1, &t) != KERN_SUCCESS)
		return 2;
	kr = mk_supervisor_start(MACH_PORT_HOST_PRIV, t, (vm_address_t)&word);
	mk_task_terminate(t);
	return kr == KERN_NO_ACCESS ? 0 : 1;
}

/*
 * On every variant the trap refuses what it must not run: without the host
 * right, the caller's own task, a task whose threads already run, a name
 * that is no task, an argument outside the user half; a kernel without a
 * colocated server says so (KERN_NOT_SUPPORTED) and its kind is TASK.
 */
void test_supervisor_start_refuses_what_it_must_not_run(void)
{
	static uint64_t word;
	struct task_status st = guest_run_helper("supervisor_unprivileged", NULL);
	uint64_t kind = mk_kernel_stat(KSTAT_UNIX_SERVER);
	mach_port_name_t fresh = MACH_PORT_NULL, running = guest_spawn_helper("ipc_idle", NULL);
	vm_address_t arg = (vm_address_t)&word;

	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(0, st.code);
	EXPECT(kind == UNIX_SERVER_KIND_TASK || kind == UNIX_SERVER_KIND_COLOCATED);
	EXPECT_EQ(kind == UNIX_SERVER_KIND_COLOCATED, unix_server_colocated());
	EXPECT_KR(KERN_SUCCESS, mk_task_create(MACH_PORT_TASK_SELF, 1, &fresh));
	EXPECT_KR(KERN_NO_ACCESS, mk_supervisor_start(MACH_PORT_TASK_SELF, fresh, arg));
	EXPECT_KR(KERN_INVALID_ARGUMENT,
		  mk_supervisor_start(MACH_PORT_HOST_PRIV, MACH_PORT_TASK_SELF, arg));
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_supervisor_start(MACH_PORT_HOST_PRIV, running, arg));
	EXPECT_KR(KERN_INVALID_NAME, mk_supervisor_start(MACH_PORT_HOST_PRIV, IPC_UNUSED_NAME, arg));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_supervisor_start(MACH_PORT_HOST_PRIV, fresh, 0));
	EXPECT_KR(KERN_INVALID_ADDRESS,
		  mk_supervisor_start(MACH_PORT_HOST_PRIV, fresh, 0xFFFF800000000000UL));
	if (kind == UNIX_SERVER_KIND_TASK)
		EXPECT_KR(KERN_NOT_SUPPORTED, mk_supervisor_start(MACH_PORT_HOST_PRIV, fresh, arg));
	EXPECT_KR(KERN_SUCCESS, mk_task_terminate(fresh));
	EXPECT_KR(KERN_SUCCESS, mk_task_terminate(running));
	mk_port_deallocate(MACH_PORT_TASK_SELF, fresh);
	mk_port_deallocate(MACH_PORT_TASK_SELF, running);
}

#define COLOCATED_BAD_ARCHIVE 0x7000000000UL    /* nothing is mapped there */

/*
 * UNIX=colocated: a server given an archive where nothing is mapped faults
 * in kernel mode; that ends its task (TASK_END_FAULTED at that address), not
 * the kernel, which stays consistent. The next server starts with its state
 * as linked and runs hello; a second one while it runs is refused
 * (KERN_NO_SPACE: the state is the kernel's). On UNIX=server the starter's
 * call is refused (KERN_NOT_SUPPORTED) and names no task.
 */
void test_colocated_server_fault_ends_only_its_task(void)
{
	static struct unix_server_config bad, second;
	struct kernel_check_info info;
	struct unix_test_server s;
	mach_port_name_t task = MACH_PORT_NULL, other = MACH_PORT_NULL;
	uint64_t hello[2] = { 0, 0 };
	struct task_status st;
	mach_msg_return_t mr;

	if (!unix_server_colocated()) {
		second = (struct unix_server_config){ .control = ipc_port_alloc_send() };
		EXPECT_KR(KERN_NOT_SUPPORTED, unix_server_colocate(&second, &other));
		EXPECT_EQ(MACH_PORT_NULL, other);
		mk_port_deallocate(MACH_PORT_TASK_SELF, second.control);
		return;
	}
	bad = (struct unix_server_config){
		.control = ipc_port_alloc_send(), .emul = blob_emul_image,
		.emul_size = (size_t)(blob_emul_image_end - blob_emul_image),
		.archive = (const void *)COLOCATED_BAD_ARCHIVE, .archive_size = 4096,
	};
	EXPECT_KR(KERN_SUCCESS, unix_server_colocate(&bad, &task));
	EXPECT_KR(KERN_SUCCESS, mk_task_wait(task, &st, GUEST_TEST_TIMEOUT_MS));
	EXPECT_EQ(TASK_END_FAULTED, st.how);
	EXPECT_EQ(COLOCATED_BAD_ARCHIVE, st.fault_addr);
	mk_port_deallocate(MACH_PORT_TASK_SELF, task);
	mk_port_deallocate(MACH_PORT_TASK_SELF, bad.control);
	EXPECT_KR(KERN_SUCCESS, mk_kernel_check(MACH_PORT_HOST_PRIV, &info));
	EXPECT_EQ(0, info.errors);

	s = unix_test_server_start();
	second = (struct unix_server_config){ .control = ipc_port_alloc_send() };
	EXPECT_KR(KERN_NO_SPACE, unix_server_colocate(&second, &other));
	mr = unix_run(s.control, s.reply, UNIX_PROG_HELLO, hello);
	unix_test_server_stop(&s);
	mk_port_deallocate(MACH_PORT_TASK_SELF, second.control);
	EXPECT_MR(MACH_MSG_SUCCESS, mr);
	EXPECT_EQ(HELLO_EXIT_CODE, hello[0]);
}

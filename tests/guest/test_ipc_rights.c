/*
 * test_ipc_rights.c — port rights and names: allocation, user references,
 * rights moved between tasks (insert, extract, receive rights with their
 * queues), names being local to a task, receive-right cycles, port sets,
 * the bootstrap name service and kernel-served task and thread ports.
 */
#include "ipc_util.h"

#define SELF              MACH_PORT_TASK_SELF
#define SMALL_NAME_LIMIT  64    /* every name a test task is given stays below this */
#define REUSE_ROUNDS      200   /* allocate/destroy rounds that must not run names up */
#define FILLER_PORTS      32    /* ports that occupy the small names of this task */
#define BOOTSTRAP_SERVICE "ipc-test.echo"

void test_port_allocate_gives_small_reused_names(void)
{
	mach_port_name_t names[8], name;
	mach_port_type_t type;
	uint64_t ports;

	for (int i = 0; i < 8; i++) {
		names[i] = ipc_port_alloc();
		EXPECT(names[i] != MACH_PORT_NULL && names[i] != MACH_PORT_TASK_SELF &&
		       names[i] != MACH_PORT_BOOTSTRAP);
		EXPECT(names[i] < SMALL_NAME_LIMIT);
		EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE, SELF, names[i]);
		for (int j = 0; j < i; j++)
			EXPECT(names[j] != names[i]);
	}
	for (int i = 0; i < 8; i++) {
		EXPECT_KR(KERN_SUCCESS, mk_port_destroy(SELF, names[i]));
		EXPECT_TYPE(IPC_TYPE_NONE, SELF, names[i]);
	}
	/* destroyed names are used again: allocating and destroying never runs them up */
	for (int i = 0; i < REUSE_ROUNDS; i++) {
		name = ipc_port_alloc();
		if (name >= SMALL_NAME_LIMIT)
			guest_fail(__FILE__, __LINE__, "round %d: expected a name below %d got %u", i,
				   SMALL_NAME_LIMIT, name);
		EXPECT_KR(KERN_SUCCESS, mk_port_destroy(SELF, name));
	}
	name = ipc_port_alloc_set();
	EXPECT_TYPE(MACH_PORT_TYPE_PORT_SET, SELF, name);
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(SELF, name));
	EXPECT_TYPE(MACH_PORT_TYPE_SEND, SELF, MACH_PORT_TASK_SELF);
	EXPECT_TYPE(MACH_PORT_TYPE_SEND, SELF, MACH_PORT_BOOTSTRAP);

	ports = mk_kernel_stat(KSTAT_PORTS);
	EXPECT_KR(KERN_INVALID_NAME, mk_port_type(SELF, MACH_PORT_NULL, &type));
	EXPECT_KR(KERN_INVALID_NAME, mk_port_type(SELF, IPC_UNUSED_NAME, &type));
	EXPECT_KR(KERN_INVALID_NAME, mk_port_destroy(SELF, IPC_UNUSED_NAME));
	EXPECT_KR(KERN_INVALID_VALUE, mk_port_allocate(SELF, 99, &name));
	EXPECT_KR(KERN_INVALID_NAME, mk_port_allocate(IPC_UNUSED_NAME, MACH_PORT_RIGHT_RECEIVE, &name));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE,
						       (mach_port_name_t *)IPC_KERNEL_ADDR));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_port_type(SELF, MACH_PORT_TASK_SELF,
						   (mach_port_type_t *)IPC_KERNEL_ADDR));
	EXPECT_EQ(ports, mk_kernel_stat(KSTAT_PORTS));
}

void test_send_right_user_references_are_counted(void)
{
	mach_port_name_t p = ipc_port_alloc(), q = ipc_port_alloc_send();
	struct ipc_buf m;

	EXPECT_KR(KERN_INVALID_RIGHT, mk_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 1));
	EXPECT_KR(KERN_SUCCESS, mk_port_insert_right(SELF, p, p, MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND, SELF, p);
	EXPECT_UREFS(1, SELF, p, MACH_PORT_RIGHT_SEND);
	EXPECT_EQ(1, ipc_status(p).srights);
	EXPECT_KR(KERN_SUCCESS, mk_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 2));
	EXPECT_UREFS(3, SELF, p, MACH_PORT_RIGHT_SEND);
	EXPECT_KR(KERN_SUCCESS, mk_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, -1));
	EXPECT_UREFS(2, SELF, p, MACH_PORT_RIGHT_SEND);
	/* below zero: refused, and nothing taken */
	EXPECT_KR(KERN_INVALID_VALUE, mk_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, -3));
	EXPECT_UREFS(2, SELF, p, MACH_PORT_RIGHT_SEND);
	/* to zero: the send right goes, the receive right stays */
	EXPECT_KR(KERN_SUCCESS, mk_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, -2));
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE, SELF, p);
	EXPECT_EQ(0, ipc_status(p).srights);
	EXPECT_KR(KERN_INVALID_RIGHT, mk_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, -1));
	EXPECT_KR(KERN_INVALID_RIGHT, mk_port_deallocate(SELF, p));
	EXPECT_KR(KERN_INVALID_VALUE, mk_port_mod_refs(SELF, p, 99, 1));
	EXPECT_KR(KERN_INVALID_NAME, mk_port_mod_refs(SELF, IPC_UNUSED_NAME, MACH_PORT_RIGHT_SEND, 1));

	/* a send right made from p by a message and received here lands on p's name */
	ipc_msg_init(&m.header, q, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	ipc_msg_set_reply(&m.header, p, MACH_MSG_TYPE_MAKE_SEND);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send(&m.header));
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), q, 0));
	EXPECT_EQ(p, m.header.remote_port);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND, MACH_MSGH_BITS_REMOTE(m.header.bits));
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND, SELF, p);
	EXPECT_UREFS(1, SELF, p, MACH_PORT_RIGHT_SEND);
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(SELF, p));
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE, SELF, p);
	/* the receive right has one reference: taking it destroys the port */
	EXPECT_KR(KERN_SUCCESS, mk_port_mod_refs(SELF, p, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_TYPE(IPC_TYPE_NONE, SELF, p);
}

/* Report, on the send right at IPC_HELPER_PORT, the type this task sees there. */
int helper_ipc_report_type(int argc, char **argv)
{
	mach_port_name_t port = ipc_helper_port();
	mach_port_type_t type = 0;
	struct ipc_buf m;

	(void)argc;
	(void)argv;
	if (mk_port_type(SELF, port, &type) != KERN_SUCCESS)
		return IPC_HELPER_FAILED;
	ipc_msg_init(&m.header, port, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	ipc_msg_add_inline(&m.header, sizeof(type), 1, &type);
	return ipc_send(&m.header) == MACH_MSG_SUCCESS ? 0 : IPC_HELPER_FAILED;
}

void test_inserted_right_is_seen_by_the_other_task(void)
{
	mach_port_name_t r = ipc_port_alloc();
	mach_port_name_t task = ipc_spawn_with_right("ipc_report_type", NULL, r,
						     MACH_MSG_TYPE_MAKE_SEND);
	struct ipc_buf m;
	struct task_status st;
	uint32_t *type;

	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), r, IPC_WAIT_MS));
	type = IPC_ITEM(&m.header, 0, MACH_MSG_TYPE_INLINE, 1);
	EXPECT_EQ(MACH_PORT_TYPE_SEND, type[0]);
	st = ipc_task_wait(task);
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(0, st.code);
	/* the helper's send right went with it */
	EXPECT_EQ(0, ipc_status(r).srights);
}

void test_rights_move_between_tasks_with_insert_and_extract(void)
{
	mach_port_name_t r = ipc_port_alloc(), q = ipc_port_alloc_send(), out;
	mach_port_name_t idle = guest_spawn_helper("ipc_idle", NULL);
	const mach_port_name_t at = IPC_HELPER_PORT;

	EXPECT_KR(KERN_SUCCESS, mk_port_insert_right(idle, at, r, MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_TYPE(MACH_PORT_TYPE_SEND, idle, at);
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE, SELF, r);
	/* copying leaves the helper its right; ours joins the receive right's name */
	EXPECT_KR(KERN_SUCCESS, mk_port_extract_right(idle, at, MACH_MSG_TYPE_COPY_SEND, &out));
	EXPECT_EQ(r, out);
	EXPECT_TYPE(MACH_PORT_TYPE_SEND, idle, at);
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND, SELF, r);
	EXPECT_KR(KERN_INVALID_RIGHT, mk_port_extract_right(idle, at, MACH_MSG_TYPE_MOVE_RECEIVE,
							   &out));
	/* moving takes it */
	EXPECT_KR(KERN_SUCCESS, mk_port_extract_right(idle, at, MACH_MSG_TYPE_MOVE_SEND, &out));
	EXPECT_EQ(r, out);
	EXPECT_TYPE(IPC_TYPE_NONE, idle, at);
	EXPECT_UREFS(2, SELF, r, MACH_PORT_RIGHT_SEND);
	EXPECT_KR(KERN_INVALID_NAME, mk_port_extract_right(idle, at, MACH_MSG_TYPE_COPY_SEND, &out));

	/* a receive right goes over and comes back */
	EXPECT_KR(KERN_SUCCESS, mk_port_insert_right(idle, at + 1, q, MACH_MSG_TYPE_MOVE_RECEIVE));
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE, idle, at + 1);
	EXPECT_TYPE(MACH_PORT_TYPE_SEND, SELF, q);
	EXPECT_KR(KERN_SUCCESS, mk_port_extract_right(idle, at + 1, MACH_MSG_TYPE_MOVE_RECEIVE, &out));
	EXPECT_EQ(q, out);
	EXPECT_TYPE(IPC_TYPE_NONE, idle, at + 1);
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND, SELF, q);

	/* a name holding a right to one port takes no right to another */
	EXPECT_KR(KERN_SUCCESS, mk_port_insert_right(idle, at, r, MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_KR(KERN_NAME_EXISTS, mk_port_insert_right(idle, at, q, MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_KR(KERN_INVALID_VALUE, mk_port_insert_right(idle, at + 2, r, IPC_BAD_DISPOSITION));
	EXPECT_TYPE(IPC_TYPE_NONE, idle, at + 2);

	/* what we don't hold can't be given */
	EXPECT_KR(KERN_INVALID_NAME, mk_port_insert_right(idle, at + 2, IPC_UNUSED_NAME,
							MACH_MSG_TYPE_COPY_SEND));
	EXPECT_KR(KERN_INVALID_RIGHT, mk_port_insert_right(idle, at + 2, MACH_PORT_BOOTSTRAP,
							 MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_KR(KERN_INVALID_NAME, mk_port_insert_right(IPC_UNUSED_NAME, at, r,
							MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_KR(KERN_INVALID_NAME, mk_port_extract_right(idle, IPC_UNUSED_NAME,
							 MACH_MSG_TYPE_COPY_SEND, &out));
	EXPECT_TYPE(MACH_PORT_TYPE_SEND, idle, at);
	EXPECT_UREFS(1, idle, at, MACH_PORT_RIGHT_SEND);
	ipc_task_kill(idle);
}

/* Allocate a port of our own and send its name, and a send right to it, to
 * the test; then count the messages that arrive on it. */
int helper_ipc_name_report(int argc, char **argv)
{
	mach_port_name_t ctl = ipc_helper_port(), own;
	struct ipc_buf m;
	uint32_t word;
	int got = 0;

	(void)argc;
	(void)argv;
	if (mk_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &own) != KERN_SUCCESS)
		return IPC_HELPER_FAILED;
	word = own;
	ipc_msg_init(&m.header, ctl, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	ipc_msg_set_reply(&m.header, own, MACH_MSG_TYPE_MAKE_SEND);
	ipc_msg_add_inline(&m.header, sizeof(word), 1, &word);
	if (ipc_send(&m.header) != MACH_MSG_SUCCESS)
		return IPC_HELPER_FAILED;
	while (ipc_receive(&m.header, sizeof(m), own, IPC_QUIET_MS) == MACH_MSG_SUCCESS)
		got++;
	return got;
}

void test_port_names_are_local_to_their_task(void)
{
	mach_port_name_t fillers[FILLER_PORTS], r, task, theirs, ours;
	mach_port_type_t type;
	kern_return_t kr;
	struct task_status st;
	struct ipc_buf m;

	for (int i = 0; i < FILLER_PORTS; i++)
		fillers[i] = ipc_port_alloc_send();
	r = ipc_port_alloc();
	task = ipc_spawn_with_right("ipc_name_report", NULL, r, MACH_MSG_TYPE_MAKE_SEND);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), r, IPC_WAIT_MS));
	theirs = *(uint32_t *)IPC_ITEM(&m.header, 0, MACH_MSG_TYPE_INLINE, 1);
	ours = m.header.remote_port;
	EXPECT_TYPE(MACH_PORT_TYPE_SEND, SELF, ours);

	/* The helper's number for its port names, here, nothing or one of our own ports. */
	kr = mk_port_type(SELF, theirs, &type);
	if (kr == KERN_SUCCESS) {
		int k = 0;

		while (k < FILLER_PORTS && fillers[k] != theirs)
			k++;
		if (k == FILLER_PORTS)
			guest_fail(__FILE__, __LINE__, "the helper's name %u: expected no such name "
				   "here or one of our %d small filler names", theirs, FILLER_PORTS);
		EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(theirs, IPC_ID_PING));
		EXPECT_EQ(1, ipc_msgcount(theirs));
	} else {
		EXPECT_KR(KERN_INVALID_NAME, kr);
		EXPECT_MR(MACH_SEND_INVALID_DEST, ipc_send_id(theirs, IPC_ID_PING));
	}
	/* our own name for it reaches it: the helper counts exactly one message */
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(ours, IPC_ID_PING));
	st = ipc_task_wait(task);
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(1, st.code);
}

/* P's receive right into P's own queue, and Q's into P's while P's waits in
 * Q's queue: both would make a queue hold itself. */
static void receive_cycles_are_refused(void)
{
	mach_port_name_t p = ipc_port_alloc_send(), q = ipc_port_alloc_send();
	mach_port_name_t *got;
	struct ipc_buf m;

	ipc_msg_init(&m.header, p, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	ipc_msg_add_ports(&m.header, MACH_MSG_TYPE_MOVE_RECEIVE, 1, &p);
	EXPECT_MR(MACH_SEND_RECEIVE_CYCLE, ipc_send(&m.header));
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND, SELF, p);
	EXPECT_EQ(0, ipc_msgcount(p));

	ipc_msg_init(&m.header, q, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	ipc_msg_add_ports(&m.header, MACH_MSG_TYPE_MOVE_RECEIVE, 1, &p);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send(&m.header));
	EXPECT_TYPE(MACH_PORT_TYPE_SEND, SELF, p);
	ipc_msg_init(&m.header, p, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	ipc_msg_add_ports(&m.header, MACH_MSG_TYPE_MOVE_RECEIVE, 1, &q);
	EXPECT_MR(MACH_SEND_RECEIVE_CYCLE, ipc_send(&m.header));
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND, SELF, q);

	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), q, 0));
	got = IPC_ITEM(&m.header, 0, MACH_MSG_TYPE_PORTS, 1);
	EXPECT_EQ(p, got[0]);
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND, SELF, p);
	EXPECT_EQ(0, ipc_msgcount(p));
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(SELF, p));
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(SELF, q));
}

void test_receive_right_sent_into_its_own_queue_is_refused(void)
{
	uint64_t ports, free_pages;

	receive_cycles_are_refused();               /* warm the kernel's zones */
	ports = mk_kernel_stat(KSTAT_PORTS);
	free_pages = mk_kernel_stat(KSTAT_FREE_PAGES);
	receive_cycles_are_refused();
	EXPECT_EQ(ports, mk_kernel_stat(KSTAT_PORTS));
	EXPECT_EQ(free_pages, mk_kernel_stat(KSTAT_FREE_PAGES));
}

/* Receive the messages queued on the receive right at IPC_HELPER_PORT (after
 * sleeping argv[3] ms); exit with how many arrived, ids 1, 2, ... in order. */
int helper_ipc_drain(int argc, char **argv)
{
	mach_port_name_t port = ipc_helper_port();
	struct ipc_buf m;
	int got = 0;

	if (argc > 3)
		mk_thread_sleep(ipc_parse_uint(argv[3]));
	while (ipc_receive(&m.header, sizeof(m), port, IPC_QUIET_MS) == MACH_MSG_SUCCESS) {
		if (m.header.id != got + 1)
			return IPC_HELPER_DISORDER + got;
		got++;
	}
	return got;
}

void test_moved_receive_right_keeps_its_queued_messages(void)
{
	mach_port_name_t p = ipc_port_alloc_send(), task;
	struct task_status st;

	for (int id = 1; id <= 3; id++)
		EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(p, id));
	task = ipc_spawn_with_right("ipc_drain", "0", p, MACH_MSG_TYPE_MOVE_RECEIVE);
	EXPECT_TYPE(MACH_PORT_TYPE_SEND, SELF, p);
	st = ipc_task_wait(task);
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(3, st.code);
}

void test_sender_blocked_on_a_moved_port_completes_after_the_move(void)
{
	static struct ipc_waiter w;
	mach_port_name_t p = ipc_port_alloc_send(), task;
	struct task_status st;

	EXPECT_KR(KERN_SUCCESS, mk_port_set_qlimit(SELF, p, 1));
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(p, 1));
	ipc_waiter_start(&w, IPC_WAITER_SEND, p, 2);
	mk_thread_sleep(IPC_SETTLE_MS);
	EXPECT_EQ(0, w.done);
	/* the helper waits 50 ms before it receives: the sender stays blocked till then */
	task = ipc_spawn_with_right("ipc_drain", "50", p, MACH_MSG_TYPE_MOVE_RECEIVE);
	mk_thread_sleep(IPC_SETTLE_MS);
	EXPECT_EQ(0, w.done);
	st = ipc_task_wait(task);
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(2, st.code);
	EXPECT(ipc_waiter_wait(&w, IPC_WAIT_MS));
	EXPECT_MR(MACH_MSG_SUCCESS, w.mr);
}

void test_receiver_blocked_on_a_moved_port_wakes_with_port_changed(void)
{
	static struct ipc_waiter w;
	mach_port_name_t p = ipc_port_alloc_send();
	mach_port_name_t idle = guest_spawn_helper("ipc_idle", NULL);

	ipc_waiter_start(&w, IPC_WAITER_RECEIVE, p, 0);
	mk_thread_sleep(IPC_SETTLE_MS);
	EXPECT_EQ(0, w.done);
	EXPECT_KR(KERN_SUCCESS, mk_port_insert_right(idle, IPC_HELPER_PORT, p,
						     MACH_MSG_TYPE_MOVE_RECEIVE));
	EXPECT(ipc_waiter_wait(&w, IPC_WAIT_MS));
	EXPECT_MR(MACH_RCV_PORT_CHANGED, w.mr);
	EXPECT_TYPE(MACH_PORT_TYPE_SEND, SELF, p);
	ipc_task_kill(idle);
}

/* Receive one message on set; it must be id arriving through member. */
static void expect_from_set(mach_port_name_t set, int32_t id, mach_port_name_t member)
{
	struct ipc_buf m;

	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), set, 0));
	EXPECT_EQ(id, m.header.id);
	EXPECT_EQ(member, m.header.local_port);
}

void test_port_set_receives_from_every_member(void)
{
	mach_port_name_t set = ipc_port_alloc_set(), p[4];
	struct ipc_buf m;
	uint64_t t0;
	int seen = 0;

	for (int i = 0; i < 4; i++)
		p[i] = ipc_port_alloc_send();
	for (int i = 0; i < 3; i++)
		EXPECT_KR(KERN_SUCCESS, mk_port_move_member(SELF, p[i], set));
	EXPECT_EQ(set, ipc_status(p[1]).set_name);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(p[1], 11));
	expect_from_set(set, 11, p[1]);

	/* messages on several members all arrive, each naming its member */
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(p[0], 10));
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(p[2], 12));
	for (int i = 0; i < 2; i++) {
		EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), set, 0));
		EXPECT(m.header.id == 10 || m.header.id == 12);
		EXPECT_EQ(p[m.header.id - 10], m.header.local_port);
		seen |= 1 << (m.header.id - 10);
	}
	EXPECT_EQ(0x5, seen);
	/* a message queued before its port joins arrives through the set */
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(p[3], 13));
	EXPECT_KR(KERN_SUCCESS, mk_port_move_member(SELF, p[3], set));
	expect_from_set(set, 13, p[3]);

	/* a removed member no longer delivers through the set */
	EXPECT_KR(KERN_SUCCESS, mk_port_move_member(SELF, p[1], MACH_PORT_NULL));
	EXPECT_EQ(0, ipc_status(p[1]).set_name);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(p[1], 21));
	EXPECT_MR(MACH_RCV_TIMED_OUT, ipc_receive(&m.header, sizeof(m), set, 0));
	EXPECT_EQ(1, ipc_msgcount(p[1]));
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), p[1], 0));
	EXPECT_EQ(21, m.header.id);

	t0 = ipc_now_ms();
	EXPECT_MR(MACH_RCV_TIMED_OUT, ipc_receive(&m.header, sizeof(m), set, 20));
	EXPECT(ipc_now_ms() - t0 >= 20);

	EXPECT_KR(KERN_INVALID_RIGHT, mk_port_move_member(SELF, MACH_PORT_BOOTSTRAP, set));
	EXPECT_KR(KERN_INVALID_RIGHT, mk_port_move_member(SELF, p[1], p[0]));
	EXPECT_KR(KERN_INVALID_NAME, mk_port_move_member(SELF, IPC_UNUSED_NAME, set));
	EXPECT_KR(KERN_INVALID_NAME, mk_port_move_member(SELF, p[1], IPC_UNUSED_NAME));
	EXPECT_EQ(0, ipc_status(p[1]).set_name);
}

/* Look argv[3] up in the bootstrap service and make one RPC to it. */
int helper_ipc_bootstrap_client(int argc, char **argv)
{
	mach_port_name_t server, reply;
	struct ipc_buf m;

	if (argc < 4 || mk_bootstrap_lookup(argv[3], &server) != KERN_SUCCESS)
		return IPC_HELPER_NO_PORT;
	if (mk_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &reply) != KERN_SUCCESS)
		return IPC_HELPER_FAILED;
	ipc_msg_init(&m.header, server, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	if (ipc_call(&m.header, sizeof(m), reply) != MACH_MSG_SUCCESS)
		return IPC_HELPER_FAILED;
	return m.header.id == IPC_REPLY_ID(IPC_ID_PING) ? 0 : IPC_HELPER_BAD_REPLY;
}

void test_bootstrap_lookup_finds_a_registered_port(void)
{
	char long_name[BOOTSTRAP_NAME_MAX + 1];
	mach_port_name_t s = ipc_port_alloc_send(), found = MACH_PORT_NULL, other;
	mach_port_name_t task;
	struct task_status st;
	struct ipc_buf m;

	EXPECT_KR(KERN_SUCCESS, mk_bootstrap_register(BOOTSTRAP_SERVICE, s));
	/* a helper finds it and makes an RPC, which this task answers */
	task = guest_spawn_helper("ipc_bootstrap_client", BOOTSTRAP_SERVICE);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), s, IPC_WAIT_MS));
	EXPECT_EQ(IPC_ID_PING, m.header.id);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_MSGH_BITS_REMOTE(m.header.bits));
	EXPECT(ipc_echo_prepare(&m.header));
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send(&m.header));
	st = ipc_task_wait(task);
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(0, st.code);

	/* looked up here, it is a send right to our own port: our port's name */
	EXPECT_KR(KERN_SUCCESS, mk_bootstrap_lookup(BOOTSTRAP_SERVICE, &found));
	EXPECT_EQ(s, found);
	EXPECT_KR(KERN_NOT_FOUND, mk_bootstrap_lookup("ipc-test.nobody-registered-this", &found));
	/* a name is registered once; the first registration stays */
	other = ipc_port_alloc_send();
	EXPECT_KR(KERN_NAME_EXISTS, mk_bootstrap_register(BOOTSTRAP_SERVICE, other));
	EXPECT_KR(KERN_SUCCESS, mk_bootstrap_lookup(BOOTSTRAP_SERVICE, &found));
	EXPECT_EQ(s, found);
	/* a name that needs more than BOOTSTRAP_NAME_MAX bytes with its NUL */
	memset(long_name, 'x', BOOTSTRAP_NAME_MAX);
	long_name[BOOTSTRAP_NAME_MAX] = '\0';
	EXPECT_KR(KERN_INVALID_ARGUMENT, mk_bootstrap_register(long_name, other));
}

/* The kernel's reply to a request with no body: its words, checked for shape. */
static uint32_t *kobject_words(mach_port_name_t object, int32_t id, struct ipc_buf *m,
			       uint32_t min_words)
{
	struct mach_msg_type *t;

	EXPECT_MR(MACH_MSG_SUCCESS, ipc_kobject_call(object, id, m));
	EXPECT_EQ(MACH_KOBJECT_REPLY_ID(id), m->header.id);
	t = ipc_msg_item(&m->header, 0);
	EXPECT(t != NULL);
	EXPECT_EQ(MACH_MSG_TYPE_INLINE, t->kind);
	EXPECT_EQ(sizeof(uint32_t), t->elem_size);
	EXPECT(t->count >= min_words);
	return (uint32_t *)(t + 1);
}

void test_kernel_answers_task_and_thread_info_requests(void)
{
	mach_port_name_t child = guest_spawn_helper("ipc_idle", NULL), thread;
	struct ipc_buf m;
	uint32_t *w;

	/* task info words: kr, threads, state, end how, end code */
	w = kobject_words(child, MACH_TASK_INFO_ID, &m, 5);
	EXPECT_KR(KERN_SUCCESS, (kern_return_t)w[0]);
	EXPECT(w[1] >= 1);
	EXPECT_EQ(TASK_END_RUNNING, w[3]);
	w = kobject_words(MACH_PORT_TASK_SELF, MACH_TASK_INFO_ID, &m, 5);
	EXPECT_KR(KERN_SUCCESS, (kern_return_t)w[0]);
	EXPECT_EQ(1, w[1]);
	EXPECT_EQ(TASK_END_RUNNING, w[3]);
	ipc_task_kill(child);

	/* thread info words: kr, state, priority; the asking thread is running */
	EXPECT_KR(KERN_SUCCESS, mk_thread_self(&thread));
	w = kobject_words(thread, MACH_THREAD_INFO_ID, &m, 3);
	EXPECT_KR(KERN_SUCCESS, (kern_return_t)w[0]);
	EXPECT_EQ(THREAD_STATE_RUNNABLE, w[1]);
	EXPECT_EQ(MK_THREAD_PRIORITY_DEFAULT, w[2]);
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(SELF, thread));
}

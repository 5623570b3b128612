/*
 * test_ipc_death.c — ports dying: dead names in every task, blocked senders
 * and receivers woken with an error, a task's death destroying its receive
 * rights, the dead-name, no-senders and send-once notifications, and a task
 * with 10,000 rights giving everything back when it dies.
 */
#include "ipc_util.h"

#define SELF          MACH_PORT_TASK_SELF
#define HELD_RIGHTS   10000

void test_destroyed_port_leaves_dead_names_in_every_task(void)
{
	const mach_port_name_t at = IPC_HELPER_PORT;
	mach_port_name_t p = ipc_port_alloc_send();
	mach_port_name_t holder = ipc_spawn_with_right("ipc_idle", NULL, p,
						       MACH_MSG_TYPE_MOVE_RECEIVE);
	mach_port_name_t other = ipc_spawn_with_right("ipc_idle", NULL, p, MACH_MSG_TYPE_COPY_SEND);

	EXPECT_KR(KERN_SUCCESS, mk_port_mod_refs(other, at, MACH_PORT_RIGHT_SEND, 1));
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE, holder, at);
	EXPECT_TYPE(MACH_PORT_TYPE_SEND, other, at);
	EXPECT_TYPE(MACH_PORT_TYPE_SEND, SELF, p);
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(holder, at));
	EXPECT_TYPE(IPC_TYPE_NONE, holder, at);
	EXPECT_TYPE(MACH_PORT_TYPE_DEAD_NAME, SELF, p);
	EXPECT_TYPE(MACH_PORT_TYPE_DEAD_NAME, other, at);
	/* a dead name keeps the send right's user references */
	EXPECT_UREFS(2, other, at, MACH_PORT_RIGHT_DEAD_NAME);
	EXPECT_UREFS(1, SELF, p, MACH_PORT_RIGHT_DEAD_NAME);
	EXPECT_MR(MACH_SEND_INVALID_DEST, ipc_send_id(p, IPC_ID_PING));
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(SELF, p));
	EXPECT_TYPE(IPC_TYPE_NONE, SELF, p);
	ipc_task_kill(holder);
	ipc_task_kill(other);
}

void test_sender_blocked_on_full_queue_wakes_when_port_dies(void)
{
	static struct ipc_waiter w;
	mach_port_name_t p = ipc_blocked_sender_start(&w);

	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(SELF, p));
	EXPECT(ipc_waiter_wait(&w, IPC_WAIT_MS));
	EXPECT_MR(MACH_SEND_INVALID_DEST, w.mr);
}

void test_receiver_blocked_on_a_port_or_set_wakes_when_it_dies(void)
{
	static struct ipc_waiter on_port, on_set;
	mach_port_name_t p = ipc_port_alloc(), set = ipc_port_alloc_set();
	mach_port_name_t member = ipc_port_alloc_send();
	struct ipc_buf m;

	EXPECT_KR(KERN_SUCCESS, mk_port_move_member(SELF, member, set));
	ipc_waiter_start(&on_port, IPC_WAITER_RECEIVE, p, 0);
	ipc_waiter_start(&on_set, IPC_WAITER_RECEIVE, set, 0);
	mk_thread_sleep(IPC_SETTLE_MS);
	EXPECT_EQ(0, on_port.done);
	EXPECT_EQ(0, on_set.done);

	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(SELF, p));
	EXPECT(ipc_waiter_wait(&on_port, IPC_WAIT_MS));
	EXPECT_MR(MACH_RCV_PORT_DIED, on_port.mr);
	EXPECT_EQ(0, on_set.done);

	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(SELF, set));
	EXPECT(ipc_waiter_wait(&on_set, IPC_WAIT_MS));
	EXPECT_MR(MACH_RCV_PORT_DIED, on_set.mr);
	/* the set's member lives on, by itself */
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND, SELF, member);
	EXPECT_EQ(0, ipc_status(member).set_name);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(member, 7));
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), member, 0));
	EXPECT_EQ(7, m.header.id);
}

void test_task_death_destroys_its_receive_rights(void)
{
	uint64_t ports = mk_kernel_stat(KSTAT_PORTS);
	mach_port_name_t p = ipc_port_alloc_send(), holder;

	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(p, 1));     /* goes with the receive right */
	holder = ipc_spawn_with_right("ipc_idle", NULL, p, MACH_MSG_TYPE_MOVE_RECEIVE);
	EXPECT_TYPE(MACH_PORT_TYPE_SEND, SELF, p);
	ipc_task_kill(holder);
	EXPECT_TYPE(MACH_PORT_TYPE_DEAD_NAME, SELF, p);
	EXPECT_MR(MACH_SEND_INVALID_DEST, ipc_send_id(p, 2));
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(SELF, p));
	/* the port, the task's port and the queued message are all gone */
	EXPECT_EQ(ports, mk_kernel_stat(KSTAT_PORTS));
}

void test_dead_name_notification_names_the_dead_right(void)
{
	mach_port_name_t notify = ipc_port_alloc(), p = ipc_port_alloc_send(), holder;
	struct ipc_buf m;

	holder = ipc_spawn_with_right("ipc_idle", NULL, p, MACH_MSG_TYPE_MOVE_RECEIVE);
	EXPECT_KR(KERN_SUCCESS, mk_port_request_notification(SELF, p, MACH_NOTIFY_DEAD_NAME,
							     notify));
	EXPECT_MR(MACH_RCV_TIMED_OUT, ipc_receive(&m.header, sizeof(m), notify, 0));
	ipc_task_kill(holder);
	EXPECT_NOTIFICATION(notify, MACH_NOTIFY_DEAD_NAME, p);
	EXPECT_TYPE(MACH_PORT_TYPE_DEAD_NAME, SELF, p);

	EXPECT_KR(KERN_INVALID_VALUE, mk_port_request_notification(SELF, notify, 99, notify));
	EXPECT_KR(KERN_INVALID_NAME, mk_port_request_notification(SELF, IPC_UNUSED_NAME,
								MACH_NOTIFY_DEAD_NAME, notify));
	EXPECT_KR(KERN_INVALID_RIGHT, mk_port_request_notification(SELF, MACH_PORT_BOOTSTRAP,
								 MACH_NOTIFY_DEAD_NAME,
								 MACH_PORT_BOOTSTRAP));
}

void test_no_senders_notification_follows_the_last_send_right(void)
{
	mach_port_name_t p = ipc_port_alloc_send(), notify = ipc_port_alloc();
	struct ipc_buf m;

	EXPECT_KR(KERN_SUCCESS, mk_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 1));
	EXPECT_KR(KERN_SUCCESS, mk_port_request_notification(SELF, p, MACH_NOTIFY_NO_SENDERS,
							     notify));
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(SELF, p));
	EXPECT_MR(MACH_RCV_TIMED_OUT, ipc_receive(&m.header, sizeof(m), notify, 0));
	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(SELF, p));
	EXPECT_NOTIFICATION(notify, MACH_NOTIFY_NO_SENDERS, p);
	EXPECT_TYPE(MACH_PORT_TYPE_RECEIVE, SELF, p);
}

void test_no_senders_notification_when_the_last_holder_dies(void)
{
	mach_port_name_t p = ipc_port_alloc(), notify = ipc_port_alloc();
	mach_port_name_t holder = ipc_spawn_with_right("ipc_idle", NULL, p, MACH_MSG_TYPE_MAKE_SEND);
	struct ipc_buf m;

	EXPECT_EQ(1, ipc_status(p).srights);
	EXPECT_KR(KERN_SUCCESS, mk_port_request_notification(SELF, p, MACH_NOTIFY_NO_SENDERS,
							     notify));
	EXPECT_MR(MACH_RCV_TIMED_OUT, ipc_receive(&m.header, sizeof(m), notify, 0));
	ipc_task_kill(holder);
	EXPECT_NOTIFICATION(notify, MACH_NOTIFY_NO_SENDERS, p);
	EXPECT_EQ(0, ipc_status(p).srights);
}

void test_unused_send_once_right_sends_send_once_notification(void)
{
	mach_port_name_t p = ipc_port_alloc(), so = ipc_make_send_once(p);
	mach_port_name_t s = ipc_port_alloc_send(), reply = ipc_port_alloc(), server;
	struct ipc_buf m;

	EXPECT_KR(KERN_SUCCESS, mk_port_deallocate(SELF, so));
	EXPECT_TYPE(IPC_TYPE_NONE, SELF, so);
	EXPECT_NOTIFICATION(p, MACH_NOTIFY_SEND_ONCE, MACH_PORT_NULL);
	EXPECT_EQ(0, ipc_status(p).sorights);

	/* a server that dies with a request queued: the client hears of it on its reply port */
	server = ipc_spawn_with_right("ipc_idle", NULL, s, MACH_MSG_TYPE_MOVE_RECEIVE);
	ipc_msg_init(&m.header, s, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	ipc_msg_set_reply(&m.header, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send(&m.header));
	ipc_task_kill(server);
	EXPECT_NOTIFICATION(reply, MACH_NOTIFY_SEND_ONCE, MACH_PORT_NULL);
}

/* Allocate argv[3] receive rights, report how many (as the id of a message
 * on the send right at IPC_HELPER_PORT), then wait to be killed. */
int helper_ipc_hold_rights(int argc, char **argv)
{
	mach_port_name_t ctl = ipc_helper_port(), name;
	unsigned want = argc > 3 ? ipc_parse_uint(argv[3]) : 0, held = 0;

	while (held < want && mk_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &name) == KERN_SUCCESS)
		held++;
	if (ipc_send_id(ctl, (int32_t)held) != MACH_MSG_SUCCESS)
		return IPC_HELPER_FAILED;
	mk_thread_sleep(GUEST_TEST_TIMEOUT_MS);
	return 0;
}

/* A helper takes HELD_RIGHTS receive rights and is killed; returns the ports
 * alive while it held them. */
static uint64_t hold_rights_and_die(void)
{
	mach_port_name_t r = ipc_port_alloc(), task;
	struct ipc_buf m;
	char count[16];
	uint64_t ports;

	snprintf(count, sizeof(count), "%d", HELD_RIGHTS);
	task = ipc_spawn_with_right("ipc_hold_rights", count, r, MACH_MSG_TYPE_MAKE_SEND);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), r, IPC_WAIT_MS));
	EXPECT_EQ(HELD_RIGHTS, m.header.id);
	ports = mk_kernel_stat(KSTAT_PORTS);
	ipc_task_kill(task);
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(SELF, r));
	return ports;
}

void test_task_holding_10000_rights_gives_everything_back(void)
{
	uint64_t ports, free_pages, held;

	hold_rights_and_die();                       /* warm the kernel's zones */
	ports = mk_kernel_stat(KSTAT_PORTS);
	free_pages = mk_kernel_stat(KSTAT_FREE_PAGES);
	held = hold_rights_and_die();
	EXPECT(held >= ports + HELD_RIGHTS);
	EXPECT_EQ(ports, mk_kernel_stat(KSTAT_PORTS));
	EXPECT_EQ(free_pages, mk_kernel_stat(KSTAT_FREE_PAGES));
}

struct reply_killer {
	mach_port_name_t service, victim;
};

/* Take one request, then destroy the client's reply port instead of answering. */
static void reply_killer_run(void *p)
{
	struct reply_killer *k = p;
	struct ipc_buf m;

	if (mk_mach_msg(&m.header, MACH_RCV_MSG, 0, sizeof(m), k->service, 0) == MACH_MSG_SUCCESS)
		mk_port_destroy(SELF, k->victim);
}

/* A client blocked in an RPC that took the fast path learns its reply port died. */
void test_fast_path_caller_wakes_when_its_reply_port_dies(void)
{
	static struct reply_killer k;
	struct ipc_buf m;
	uint64_t hits;

	k.service = ipc_port_alloc_send();
	k.victim = ipc_port_alloc();
	ipc_thread_start(reply_killer_run, &k);
	mk_thread_sleep(IPC_SETTLE_MS);                   /* the killer waits in receive */
	hits = mk_kernel_stat(KSTAT_IPC_FASTPATH_HITS);
	ipc_msg_init(&m.header, k.service, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	ipc_msg_set_reply(&m.header, k.victim, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	EXPECT_MR(MACH_RCV_PORT_DIED, mk_mach_msg(&m.header, MACH_SEND_MSG | MACH_RCV_MSG,
						  m.header.size, sizeof(m), k.victim, 0));
	EXPECT_EQ(hits + 1, mk_kernel_stat(KSTAT_IPC_FASTPATH_HITS));
}

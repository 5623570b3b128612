/*
 * test_kernel_check.c — the kernel's consistency walk (mk_kernel_check):
 * privileged (an unprivileged helper and a wrong name get KERN_NO_ACCESS),
 * and it passes, having walked something, on a quiet kernel and with rights
 * in transit, send-once rights, dead names and port sets about.
 */
#include "ipc_util.h"

/* An unprivileged task asks for the walk: 0 if it is refused as it must be. */
int helper_kernel_check_unprivileged(int argc, char **argv)
{
	struct kernel_check_info info;

	(void)argc;
	(void)argv;
	return mk_kernel_check(MACH_PORT_HOST_PRIV, &info) == KERN_NO_ACCESS ? 0 : 1;
}

/* The walk succeeds and reports spaces, names, ports and objects walked. */
static void kernel_check_expect_consistent(void)
{
	struct kernel_check_info info;
	kern_return_t kr = mk_kernel_check(MACH_PORT_HOST_PRIV, &info);

	if (kr != KERN_SUCCESS)
		guest_fail(__FILE__, __LINE__, "kernel_check: expected success got %s: %u errors, "
			   "first: %s", mk_strerror(kr), info.errors, info.first_error);
	EXPECT_EQ(0, info.errors);
	EXPECT(info.spaces > 0);
	EXPECT(info.entries > 0);
	EXPECT(info.ports > 0);
	EXPECT(info.objects > 0);
}

void test_kernel_check_needs_the_host_right_and_passes_with_it(void)
{
	struct kernel_check_info info;
	struct task_status st = guest_run_helper("kernel_check_unprivileged", NULL);

	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(0, st.code);
	EXPECT_KR(KERN_NO_ACCESS, mk_kernel_check(IPC_UNUSED_NAME, &info));
	EXPECT_KR(KERN_NO_ACCESS, mk_kernel_check(MACH_PORT_TASK_SELF, &info));
	kernel_check_expect_consistent();
}

void test_kernel_check_passes_with_rights_in_transit(void)
{
	mach_port_name_t dest = ipc_port_alloc_send(), moved = ipc_port_alloc_send();
	mach_port_name_t set = ipc_port_alloc_set(), member = ipc_port_alloc();
	mach_port_name_t dead = ipc_port_alloc_send(), so = ipc_make_send_once(dest);
	struct ipc_buf m;

	EXPECT_KR(KERN_SUCCESS, mk_port_move_member(MACH_PORT_TASK_SELF, member, set));
	ipc_msg_init(&m.header, dest, MACH_MSG_TYPE_COPY_SEND, IPC_ID_PING);
	ipc_msg_set_reply(&m.header, dest, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	ipc_msg_add_ports(&m.header, MACH_MSG_TYPE_MOVE_RECEIVE, 1, &moved);
	ipc_msg_add_ports(&m.header, MACH_MSG_TYPE_COPY_SEND, 1, &dead);
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send(&m.header));
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(MACH_PORT_TASK_SELF, dead));   /* a dead right queued */
	kernel_check_expect_consistent();
	ipc_msg_init(&m.header, so, MACH_MSG_TYPE_MOVE_SEND_ONCE, IPC_ID_PING);   /* the send-once, used */
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send(&m.header));
	kernel_check_expect_consistent();
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(MACH_PORT_TASK_SELF, dest));   /* queue and all go */
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(MACH_PORT_TASK_SELF, set));
	kernel_check_expect_consistent();
}

/*
 * A port set counts the messages queued on its members (the RPC fast path
 * tests it to know the set is empty; the walk checks it against the
 * members' queues): it follows messages that arrive and are received, and
 * members that join, move to another set, leave or die with their messages.
 */
void test_port_set_counts_its_members_messages(void)
{
	mach_port_name_t set = ipc_port_alloc_set(), other = ipc_port_alloc_set();
	mach_port_name_t a = ipc_port_alloc_send(), b = ipc_port_alloc_send();
	struct ipc_buf m;

	EXPECT_KR(KERN_SUCCESS, mk_port_move_member(MACH_PORT_TASK_SELF, a, set));
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(a, IPC_ID_PING));
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(a, IPC_ID_PING));
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_send_id(b, IPC_ID_PING));
	kernel_check_expect_consistent();
	EXPECT_KR(KERN_SUCCESS, mk_port_move_member(MACH_PORT_TASK_SELF, b, set)); /* with one */
	kernel_check_expect_consistent();
	EXPECT_MR(MACH_MSG_SUCCESS, ipc_receive(&m.header, sizeof(m), set, 0));
	EXPECT_EQ(a, m.header.local_port);
	kernel_check_expect_consistent();
	EXPECT_KR(KERN_SUCCESS, mk_port_move_member(MACH_PORT_TASK_SELF, a, other)); /* moves */
	kernel_check_expect_consistent();
	EXPECT_KR(KERN_SUCCESS, mk_port_move_member(MACH_PORT_TASK_SELF, b, MACH_PORT_NULL));
	EXPECT_EQ(1, ipc_msgcount(b));                                              /* left */
	kernel_check_expect_consistent();
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(MACH_PORT_TASK_SELF, a));            /* dies */
	kernel_check_expect_consistent();
	EXPECT_MR(MACH_RCV_TIMED_OUT, ipc_receive(&m.header, sizeof(m), other, 0));
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(MACH_PORT_TASK_SELF, set));
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(MACH_PORT_TASK_SELF, other));
	EXPECT_KR(KERN_SUCCESS, mk_port_destroy(MACH_PORT_TASK_SELF, b));
}

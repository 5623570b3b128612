/*
 * ipc_util.h — what the IPC tests share: building and walking messages,
 * checks on rights that print what was expected and what was found, threads
 * that block in mach_msg on a test's behalf, the echo server behind the RPC
 * tests, and handing a helper task its first port right.
 *
 * A helper gets its right at the fixed name IPC_HELPER_PORT: the test spawns
 * it and inserts the right there through the helper's task port; the helper
 * waits for the name to appear (ipc_helper_port).
 */
#ifndef IPC_UTIL_H
#define IPC_UTIL_H

#include "guest.h"

#define IPC_PAGE_BYTES        4096UL
#define IPC_BUF_BYTES         512        /* room for every small message a test builds */
#define IPC_THREAD_STACK_BYTES (64 * 1024)
#define IPC_HELPER_PORT       40u        /* where a test inserts a helper's first right */
#define IPC_UNUSED_NAME       999u       /* a name no test task holds */
#define IPC_BAD_DISPOSITION   7          /* not a MACH_MSG_TYPE_* disposition */
#define IPC_UNMAPPED_ADDR     0x10000UL  /* below the program image: never mapped */
#define IPC_KERNEL_ADDR       0xFFFF800000100000UL
#define IPC_FOREVER           (~0ULL)    /* ipc_receive: no MACH_RCV_TIMEOUT */
#define IPC_SETTLE_MS         20         /* long enough for a thread to block in mach_msg */
#define IPC_QUIET_MS          200        /* a helper's receive loop ends after this much silence */
#define IPC_WAIT_MS           2000       /* the longest a test waits for something due to happen */
#define IPC_TYPE_NONE         0x80000000u /* ipc_expect_type: the name must not exist */

/* Message ids the tests use (kernel ids live in kobject.h and port.h). */
#define IPC_ID_PING           1
#define IPC_ID_QUIT           99         /* the echo server answers it and stops */
#define IPC_REPLY_ID(id)      ((id) + 100)

/* Helper exit codes other than the count a helper reports. */
#define IPC_HELPER_NO_PORT    90         /* no port to work on (IPC_HELPER_PORT, a lookup) */
#define IPC_HELPER_FAILED     91         /* a trap the helper needs failed */
#define IPC_HELPER_BAD_REPLY  92         /* an answer came back with the wrong id */
#define IPC_HELPER_DISORDER   100        /* + n: message n + 1 arrived out of order */

#define IPC_ROUND8(n)         (((n) + 7u) & ~7u)

/* A message buffer: a header and room for a few items. */
struct ipc_buf {
	struct mach_msg_header header;
	uint8_t body[IPC_BUF_BYTES - sizeof(struct mach_msg_header)];
} __attribute__((aligned(8)));

#define EXPECT_MR(want, got) \
	do { mach_msg_return_t _w = (want), _g = (got); \
	     if (_w != _g) guest_fail(__FILE__, __LINE__, "%s: expected %s got %s (0x%x)", #got, \
				     ipc_mr_name(_w), ipc_mr_name(_g), (unsigned)_g); \
	} while (0)
/* The rights task holds at name (mk_port_type), or IPC_TYPE_NONE for no such name. */
#define EXPECT_TYPE(want, task, name) \
	ipc_expect_type(__FILE__, __LINE__, #name, task, name, want)
/* task holds exactly n user references of right (SEND or DEAD_NAME) at name. */
#define EXPECT_UREFS(n, task, name, right) \
	ipc_expect_urefs(__FILE__, __LINE__, #name, task, name, right, n)

const char *ipc_mr_name(mach_msg_return_t mr);
void ipc_expect_type(const char *file, int line, const char *label, mach_port_name_t task,
		     mach_port_name_t name, mach_port_type_t want);
void ipc_expect_urefs(const char *file, int line, const char *label, mach_port_name_t task,
		      mach_port_name_t name, mach_port_right_t right, int n);

/* Ports in the calling task; each fails the test if the kernel refuses. */
mach_port_name_t ipc_port_alloc(void);            /* a receive right */
mach_port_name_t ipc_port_alloc_send(void);       /* a receive right and one send uref */
mach_port_name_t ipc_port_alloc_set(void);
mach_port_name_t ipc_make_send_once(mach_port_name_t port);
struct mach_port_status ipc_status(mach_port_name_t port);
uint32_t ipc_msgcount(mach_port_name_t port);

/* Building messages: each append sets COMPLEX and grows header.size; the
 * buffer behind the header must have room. */
void ipc_msg_init(struct mach_msg_header *h, mach_port_name_t dest, int dest_disposition,
		  int32_t id);
void ipc_msg_set_reply(struct mach_msg_header *h, mach_port_name_t reply, int disposition);
struct mach_msg_type *ipc_msg_add_raw(struct mach_msg_header *h,
				      const struct mach_msg_type *type, uint32_t data_bytes);
void *ipc_msg_add_inline(struct mach_msg_header *h, uint8_t elem_size, uint32_t count,
			 const void *data);
mach_port_name_t *ipc_msg_add_ports(struct mach_msg_header *h, int disposition,
				    uint32_t count, const mach_port_name_t *names);
struct mach_msg_ool *ipc_msg_add_ool(struct mach_msg_header *h, vm_address_t addr,
				     uint64_t size, uint8_t flags);

/* Walking a received message: item index (from 0), or NULL if there is none. */
struct mach_msg_type *ipc_msg_item(struct mach_msg_header *h, unsigned index);
/* Item index, which must be of kind with count elements; fails the test otherwise. */
#define IPC_ITEM(h, index, kind, count) \
	ipc_expect_item(__FILE__, __LINE__, h, index, kind, count)
void *ipc_expect_item(const char *file, int line, struct mach_msg_header *h, unsigned index,
		      int kind, uint32_t count);

/* mach_msg with the options spelled out. */
mach_msg_return_t ipc_send(struct mach_msg_header *h);
mach_msg_return_t ipc_send_timeout(struct mach_msg_header *h, uint64_t timeout_ms);
mach_msg_return_t ipc_send_id(mach_port_name_t dest, int32_t id);   /* header only, COPY_SEND */
mach_msg_return_t ipc_receive(struct mach_msg_header *h, uint32_t size, mach_port_name_t name,
			      uint64_t timeout_ms);
/* Send h with reply as a MAKE_SEND_ONCE reply right and receive the answer into h. */
mach_msg_return_t ipc_call(struct mach_msg_header *h, uint32_t rcv_size, mach_port_name_t reply);
/* A request with no body to a kernel-served port; the reply lands in reply. */
mach_msg_return_t ipc_kobject_call(mach_port_name_t object, int32_t id, struct ipc_buf *reply);

/* The notification next on port: its id is id and, unless name is
 * MACH_PORT_NULL, its body names name. Fails the test otherwise. */
#define EXPECT_NOTIFICATION(port, id, name) \
	ipc_expect_notification(__FILE__, __LINE__, port, id, name)
void ipc_expect_notification(const char *file, int line, mach_port_name_t port, int32_t id,
			     mach_port_name_t name);

/* Milliseconds since boot, from the tick counter. */
uint64_t ipc_now_ms(void);
mach_port_name_t ipc_thread_start(void (*fn)(void *), void *arg);

/* A thread blocked in one mach_msg on the test's behalf. */
enum ipc_waiter_op { IPC_WAITER_SEND, IPC_WAITER_RECEIVE };
struct ipc_waiter {
	enum ipc_waiter_op op;
	mach_port_name_t name;        /* the destination, or the port or set received on */
	int32_t id;                   /* the id sent */
	volatile int done;
	volatile mach_msg_return_t mr;
	struct ipc_buf buf;
};
/* Send a header-only message with id to name (no timeout), or receive on name. */
void ipc_waiter_start(struct ipc_waiter *w, enum ipc_waiter_op op, mach_port_name_t name,
		      int32_t id);
/* A port (qlimit 1, message id 1 queued) with w blocked sending message id 2 to it. */
mach_port_name_t ipc_blocked_sender_start(struct ipc_waiter *w);
/* Wait up to ms for the waiter's mach_msg to return; returns whether it did. */
int ipc_waiter_wait(struct ipc_waiter *w, unsigned long ms);

/* The echo server: answers every request with its own body (rights and
 * regions go back) until IPC_ID_QUIT, a no-senders notification or a dead
 * port. Returns the requests answered. */
int ipc_echo_serve(mach_port_name_t port);
void ipc_echo_thread(void *port);           /* ipc_echo_serve as a thread body */
/* Turn a received request into its echo reply in place; 0 if it has no reply right. */
int ipc_echo_prepare(struct mach_msg_header *h);
/* n header-only RPCs to dest answered on reply; with samples, each one's rdtsc delta. */
void ipc_null_rpcs(mach_port_name_t dest, mach_port_name_t reply, int n, uint64_t *samples);
/* Ask the echo server at dest to stop, and wait for its answer. */
void ipc_echo_quit(mach_port_name_t dest, mach_port_name_t reply);

/* Spawn helper and give it, at IPC_HELPER_PORT, the right disposition makes from port. */
mach_port_name_t ipc_spawn_with_right(const char *helper, const char *extra,
				      mach_port_name_t port, int disposition);
/* Wait for a helper's end (failing the test on timeout) and drop its task port. */
struct task_status ipc_task_wait(mach_port_name_t task);
/* End a helper now, wait for it and drop its task port. */
void ipc_task_kill(mach_port_name_t task);
/* In a helper: the name IPC_HELPER_PORT once the test has put a right there. */
mach_port_name_t ipc_helper_port(void);
unsigned ipc_parse_uint(const char *s);
void ipc_sort_u64(uint64_t *v, size_t n);

/* [addr, addr + size) sent out of line (flags) to a new port of this task; returns the port. */
mach_port_name_t ipc_ool_send(vm_address_t addr, vm_size_t size, uint8_t flags);
/* Receive the region ipc_ool_send queued on p (size bytes), destroy p; returns its address. */
vm_address_t ipc_ool_receive(mach_port_name_t p, vm_size_t size);

#endif

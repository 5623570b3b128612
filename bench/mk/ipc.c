/*
 * ipc.c — the IPC benchmarks: RPC round trips (null, with in-line data,
 * with an out-of-line region, with port rights) and port allocation.
 *
 * Every RPC is one mach_msg(SEND|RCV) from the client: request to the
 * server's port with a send-once reply right made from the client's reply
 * port, then the wait for the reply. The server replies and waits for the
 * next request in one call (server.c). null_rpc_short and emul_rpc do the
 * same through the short trap (the message in registers, both sides).
 */
#include "bench_mk.h"
#include "emul.h"

#define RPC_REPLY_BYTES 64

static const long rpc_inline_sizes[] = { 0, 64, 256, 1024, 4096, 8192, 16384, 65536, 262144, 1048576 };
static const long ool_sizes[] = { 4096, 8192, 16384, 65536, 262144, 1048576, 4194304, 16777216 };
static const long rights_counts[] = { 1, 4, 16, 64, 256 };

struct rpc {
	mach_port_name_t service, reply;
	struct mach_msg_header *msg;   /* the request as built once */
	struct mach_msg_header *buf;   /* what mach_msg sends from and receives into */
	uint32_t size;
};

/* One round trip: send the request, wait for the reply. */
static void rpc_call(void *ctx)
{
	struct rpc *r = ctx;
	mach_msg_return_t mr;

	memcpy(r->buf, r->msg, sizeof(*r->msg));
	mr = mk_mach_msg(r->buf, MACH_SEND_MSG | MACH_RCV_MSG, r->size, RPC_REPLY_BYTES,
			 r->reply, MACH_MSG_TIMEOUT_NONE);
	if (mr != MACH_MSG_SUCCESS)
		bench_fail("rpc", "mach_msg", mr);
}

/* The same through the short trap: request and reply in registers, no buffer. */
static void rpc_call_short(void *ctx)
{
	struct rpc *r = ctx;
	struct mach_msg_short m = { .header = *r->msg };
	mach_msg_return_t mr = mk_mach_msg_short(&m, MACH_SEND_MSG | MACH_RCV_MSG, r->reply);

	if (mr != MACH_MSG_SUCCESS)
		bench_fail("rpc", "short mach_msg", mr);
}

static vm_address_t bench_alloc(size_t bytes)
{
	vm_address_t a = 0;
	kern_return_t kr = mk_vm_allocate(MACH_PORT_TASK_SELF, &a, bytes, VM_ALLOC_ANYWHERE);

	if (kr != KERN_SUCCESS)
		bench_fail("alloc", "vm_allocate", kr);
	memset((void *)a, 0x5A, bytes);               /* resident before timing */
	return a;
}

/* A request of `size` bytes with the header filled in; the body is the caller's. */
static void rpc_init(struct rpc *r, mach_port_name_t service, int id, uint32_t size)
{
	kern_return_t kr = mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_RECEIVE, &r->reply);

	if (kr != KERN_SUCCESS)
		bench_fail("rpc", "port_allocate", kr);
	r->service = service;
	r->size = size;
	r->msg = (struct mach_msg_header *)bench_alloc(size);
	r->buf = (struct mach_msg_header *)bench_alloc(size > RPC_REPLY_BYTES ? size : RPC_REPLY_BYTES);
	*r->msg = (struct mach_msg_header){
		.bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) |
			(size > sizeof(*r->msg) ? MACH_MSGH_BITS_COMPLEX : 0),
		.size = size, .remote_port = service, .local_port = r->reply, .id = id,
	};
	memcpy(r->buf, r->msg, size);                 /* the body never changes */
}

static void rpc_fini(struct rpc *r)
{
	mk_vm_deallocate(MACH_PORT_TASK_SELF, (vm_address_t)r->msg, r->size);
	mk_vm_deallocate(MACH_PORT_TASK_SELF, (vm_address_t)r->buf,
			 r->size > RPC_REPLY_BYTES ? r->size : RPC_REPLY_BYTES);
	mk_port_destroy(MACH_PORT_TASK_SELF, r->reply);
}

static struct mach_msg_type *rpc_item(struct rpc *r)
{
	return (struct mach_msg_type *)(r->msg + 1);
}

static void bench_null_rpc(const char *name, mach_port_name_t service, void (*call)(void *))
{
	struct rpc r;

	rpc_init(&r, service, BENCH_REQ_NULL, sizeof(struct mach_msg_header));
	bench_measure(name, BENCH_NO_PARAM, bench_plan_for(2000), call, &r);
	rpc_fini(&r);
	bench_server_stop(service);
}

/*
 * emul_rpc: a foreign system call whose emulation handler makes one null
 * RPC to a server task and returns — the shape of a Unix call answered by
 * a user-level server (trap, redirection, the library's RPC, the way back)
 * without the server's own work (bench/unix's null_call, run under the Unix
 * server by unix-run, has it). The handler reaches its RPC here; the RPC
 * goes through the short trap, as a Unix call's short request does.
 */
static struct rpc *emul_rpc_target;

static void emul_rpc_handler(struct emul_frame *f)
{
	rpc_call_short(emul_rpc_target);
	f->rax = 0;
}

void bench_emul_rpc(void)
{
	mach_port_name_t service = bench_server_start_task(BENCH_SERVER_SHORT);
	struct rpc r;
	kern_return_t kr;

	rpc_init(&r, service, BENCH_REQ_NULL, sizeof(struct mach_msg_header));
	emul_rpc_target = &r;
	kr = emul_install_self(emul_rpc_handler);
	if (kr != KERN_SUCCESS)
		bench_fail("emul_rpc", "task_set_emulation", kr);
	bench_measure("emul_rpc", BENCH_NO_PARAM, bench_plan_for(2500), bench_foreign_getpid_once,
		      NULL);
	emul_install_self(NULL);
	rpc_fini(&r);
	bench_server_stop(service);
}

void bench_null_rpc_threads(void)
{
	bench_null_rpc("null_rpc_threads", bench_server_start_thread(), rpc_call);
}

void bench_null_rpc_tasks(void)
{
	bench_null_rpc("null_rpc_tasks", bench_server_start_task(0), rpc_call);
}

void bench_null_rpc_short(void)
{
	bench_null_rpc("null_rpc_short", bench_server_start_task(BENCH_SERVER_SHORT), rpc_call_short);
}

void bench_null_rpc_set(void)
{
	bench_null_rpc("null_rpc_set", bench_server_start_task(BENCH_SERVER_SHORT | BENCH_SERVER_SET),
		       rpc_call_short);
}

void bench_rpc_inline(void)
{
	mach_port_name_t service = bench_server_start_task(0);

	for (size_t i = 0; i < sizeof(rpc_inline_sizes) / sizeof(rpc_inline_sizes[0]); i++) {
		long n = rpc_inline_sizes[i];
		uint32_t size = sizeof(struct mach_msg_header) + sizeof(struct mach_msg_type) +
				(uint32_t)((n + 7) & ~7L);
		struct rpc r;

		rpc_init(&r, service, BENCH_REQ_NULL, size);
		*rpc_item(&r) = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_INLINE,
							.elem_size = 1, .count = (uint32_t)n };
		memcpy(r.buf, r.msg, sizeof(*r.msg) + sizeof(struct mach_msg_type));
		bench_measure("rpc_inline", n, bench_plan_for(3000 + 2 * (uint64_t)n), rpc_call, &r);
		rpc_fini(&r);
	}
	bench_server_stop(service);
}

/*
 * Out-of-line round trips for every size up to max_bytes. A sample longer
 * than a timer tick (10^6 insn) always holds an interrupt and is flagged,
 * so sizes whose round trip takes that long are left out.
 */
static void bench_ool(const char *name, int request, long max_bytes)
{
	mach_port_name_t service = bench_server_start_task(0);

	for (size_t i = 0; i < sizeof(ool_sizes) / sizeof(ool_sizes[0]); i++) {
		long n = ool_sizes[i];
		uint32_t size = sizeof(struct mach_msg_header) + sizeof(struct mach_msg_type) +
				sizeof(struct mach_msg_ool);

		if (n > max_bytes)
			break;
		vm_address_t region = bench_alloc((size_t)n);
		struct rpc r;

		rpc_init(&r, service, request, size);
		*rpc_item(&r) = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_OOL, .count = 1 };
		*(struct mach_msg_ool *)(rpc_item(&r) + 1) =
			(struct mach_msg_ool){ .address = region, .size = (uint64_t)n };
		memcpy(r.buf, r.msg, size);
		bench_measure(name, n, bench_plan_for(20000 + 2 * (uint64_t)n), rpc_call, &r);
		rpc_fini(&r);
		mk_vm_deallocate(MACH_PORT_TASK_SELF, region, (vm_size_t)n);
	}
	bench_server_stop(service);
}

void bench_ool_transfer(void)
{
	bench_ool("ool_transfer", BENCH_REQ_OOL, 16L << 20);
}

void bench_ool_write_all(void)
{
	bench_ool("ool_write_all", BENCH_REQ_OOL_WRITE, 1L << 20);   /* 4 MiB: > 1 tick */
}

void bench_port_rights(void)
{
	mach_port_name_t service = bench_server_start_task(0), carried;
	kern_return_t kr = mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_RECEIVE, &carried);

	if (kr == KERN_SUCCESS)
		kr = mk_port_insert_right(MACH_PORT_TASK_SELF, carried, carried,
					  MACH_MSG_TYPE_MAKE_SEND);
	if (kr != KERN_SUCCESS)
		bench_fail("port_rights", "port setup", kr);
	for (size_t i = 0; i < sizeof(rights_counts) / sizeof(rights_counts[0]); i++) {
		long n = rights_counts[i];
		uint32_t size = sizeof(struct mach_msg_header) + sizeof(struct mach_msg_type) +
				(uint32_t)((n * 4 + 7) & ~7L);
		mach_port_name_t *names;
		struct rpc r;

		rpc_init(&r, service, BENCH_REQ_RIGHTS, size);
		*rpc_item(&r) = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_PORTS,
			.disposition = MACH_MSG_TYPE_COPY_SEND, .count = (uint32_t)n };
		names = (mach_port_name_t *)(rpc_item(&r) + 1);
		for (long k = 0; k < n; k++)
			names[k] = carried;
		memcpy(r.buf, r.msg, size);
		bench_measure("port_rights", n, bench_plan_for(5000 + 400 * (uint64_t)n), rpc_call, &r);
		rpc_fini(&r);
	}
	mk_port_destroy(MACH_PORT_TASK_SELF, carried);
	bench_server_stop(service);
}

static void port_alloc_destroy_once(void *ctx)
{
	mach_port_name_t p;

	(void)ctx;
	if (mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_RECEIVE, &p) != KERN_SUCCESS ||
	    mk_port_destroy(MACH_PORT_TASK_SELF, p) != KERN_SUCCESS)
		bench_fail("port_alloc_destroy", "port traps", KERN_FAILURE);
}

void bench_port_alloc_destroy(void)
{
	bench_measure("port_alloc_destroy", BENCH_NO_PARAM, bench_plan_for(1000),
		      port_alloc_destroy_once, NULL);
}

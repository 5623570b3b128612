/*
 * server.c — the RPC server the IPC benchmarks call: a loop that replies
 * and waits for the next request in one mach_msg (so both halves of an RPC
 * can take the fast path), run as its own task (--server, found through
 * the name service) or as a thread of the client.
 */
#include "bench_mk.h"

#define SERVER_STACK_BYTES (64 * 1024)
#define LOOKUP_RETRY_MS    1

/* What a request asks besides the reply: drop what it carried. */
static void bench_server_consume(struct mach_msg_header *h)
{
	struct mach_msg_type *t = (struct mach_msg_type *)(h + 1);

	if (h->id == BENCH_REQ_OOL || h->id == BENCH_REQ_OOL_WRITE) {
		struct mach_msg_ool *o = (struct mach_msg_ool *)(t + 1);

		for (uint64_t i = 0; h->id == BENCH_REQ_OOL_WRITE && i < o->size; i += 4096)
			((volatile char *)o->address)[i] = 1;
		if (o->size)
			mk_vm_deallocate(MACH_PORT_TASK_SELF, o->address, o->size);
	} else if (h->id == BENCH_REQ_RIGHTS) {
		mach_port_name_t *names = (mach_port_name_t *)(t + 1);

		for (uint32_t i = 0, run; i < t->count; i += run) {   /* one call per name */
			for (run = 1; i + run < t->count && names[i + run] == names[i]; run++)
				;
			mk_port_mod_refs(MACH_PORT_TASK_SELF, names[i], MACH_PORT_RIGHT_SEND,
					 -(int)run);
		}
	}
}

/* Serve on service until BENCH_REQ_QUIT; buf holds the largest request. */
static void bench_serve(mach_port_name_t service, struct mach_msg_header *buf)
{
	mach_msg_return_t mr = mk_mach_msg(buf, MACH_RCV_MSG, 0, BENCH_MSG_MAX_BYTES, service, 0);

	while (mr == MACH_MSG_SUCCESS) {
		mach_port_name_t reply = buf->remote_port;
		int id = buf->id;

		bench_server_consume(buf);
		*buf = (struct mach_msg_header){
			.bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0),
			.size = sizeof(*buf), .remote_port = reply, .id = id + 100,
		};
		if (id == BENCH_REQ_QUIT) {
			mk_mach_msg(buf, MACH_SEND_MSG, sizeof(*buf), 0, MACH_PORT_NULL, 0);
			return;
		}
		mr = mk_mach_msg(buf, MACH_SEND_MSG | MACH_RCV_MSG, sizeof(*buf),
				 BENCH_MSG_MAX_BYTES, service, 0);
	}
	mk_printf("bench server: mach_msg failed: 0x%x\n", mr);
}

/*
 * The same loop through the short trap (registers, no buffer): for the
 * short-message RPC, whose requests are all header-only. A request too
 * long for registers would stay queued (MACH_RCV_TOO_LARGE) and end it.
 */
static void bench_serve_short(mach_port_name_t service)
{
	struct mach_msg_short m = { 0 };
	mach_msg_return_t mr = mk_mach_msg_short(&m, MACH_RCV_MSG, service);

	while (mr == MACH_MSG_SUCCESS) {
		mach_port_name_t reply = m.header.remote_port;
		int id = m.header.id;

		m.header = (struct mach_msg_header){
			.bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0),
			.size = sizeof(m.header), .remote_port = reply, .id = id + 100,
		};
		if (id == BENCH_REQ_QUIT) {
			mk_mach_msg_short(&m, MACH_SEND_MSG, MACH_PORT_NULL);
			return;
		}
		mr = mk_mach_msg_short(&m, MACH_SEND_MSG | MACH_RCV_MSG, service);
	}
	mk_printf("bench server: short mach_msg failed: 0x%x\n", mr);
}

static struct mach_msg_header *bench_server_buffer(void)
{
	vm_address_t buf = 0;
	kern_return_t kr = mk_vm_allocate(MACH_PORT_TASK_SELF, &buf, BENCH_MSG_MAX_BYTES,
					  VM_ALLOC_ANYWHERE);

	if (kr != KERN_SUCCESS)
		bench_fail("server", "vm_allocate", kr);
	return (struct mach_msg_header *)buf;
}

static mach_port_name_t bench_service_port(void)
{
	mach_port_name_t p;
	kern_return_t kr = mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_RECEIVE, &p);

	if (kr == KERN_SUCCESS)
		kr = mk_port_insert_right(MACH_PORT_TASK_SELF, p, p, MACH_MSG_TYPE_MAKE_SEND);
	if (kr != KERN_SUCCESS)
		bench_fail("server", "port setup", kr);
	return p;
}

/* A port set holding service, to receive from (BENCH_SERVER_SET). */
static mach_port_name_t bench_service_set(mach_port_name_t service)
{
	mach_port_name_t set;
	kern_return_t kr = mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_PORT_SET, &set);

	if (kr == KERN_SUCCESS)
		kr = mk_port_move_member(MACH_PORT_TASK_SELF, service, set);
	if (kr != KERN_SUCCESS)
		bench_fail("server", "port set setup", kr);
	return set;
}

/* --server NAME [--short] [--set]: register the service under NAME, then
 * serve (through the short trap with --short, receiving from a port set
 * that holds the service port with --set). */
int bench_server_main(const char *name, int flags)
{
	mach_port_name_t service = bench_service_port();
	mach_port_name_t from = flags & BENCH_SERVER_SET ? bench_service_set(service) : service;
	kern_return_t kr = mk_bootstrap_register(name, service);

	if (kr != KERN_SUCCESS)
		bench_fail("server", "bootstrap_register", kr);
	if (flags & BENCH_SERVER_SHORT)
		bench_serve_short(from);
	else
		bench_serve(from, bench_server_buffer());
	return 0;
}

/* Start a server task under a name of its own (an earlier one may still be
 * dying), serving as flags (BENCH_SERVER_*) say. */
mach_port_name_t bench_server_start_task(int flags)
{
	static int servers;
	char args[64], name[24];
	const void *image;
	size_t size, len;
	mach_port_name_t task, service;
	kern_return_t kr;

	snprintf(name, sizeof(name), "%s-%d", BENCH_SERVICE_NAME, servers++);
	len = (size_t)snprintf(args, sizeof(args), "bench-server%c--server%c%s", 0, 0, name) + 1;
	if (flags & BENCH_SERVER_SHORT)
		len += (size_t)snprintf(args + len, sizeof(args) - len, "--short") + 1;
	if (flags & BENCH_SERVER_SET)
		len += (size_t)snprintf(args + len, sizeof(args) - len, "--set") + 1;
	bench_image(&image, &size);
	kr = mk_task_spawn(image, size, args, len, &task);
	if (kr != KERN_SUCCESS)
		bench_fail("server", "task_spawn", kr);
	while ((kr = mk_bootstrap_lookup(name, &service)) == KERN_NOT_FOUND)
		mk_thread_sleep(LOOKUP_RETRY_MS);
	if (kr != KERN_SUCCESS)
		bench_fail("server", "bootstrap_lookup", kr);
	mk_port_deallocate(MACH_PORT_TASK_SELF, task);
	return service;
}

static void bench_server_thread(void *arg)
{
	bench_serve((mach_port_name_t)(uintptr_t)arg, bench_server_buffer());
}

mach_port_name_t bench_server_start_thread(void)
{
	mach_port_name_t service = bench_service_port(), t;
	kern_return_t kr = mk_thread_start(bench_server_thread, (void *)(uintptr_t)service,
					   SERVER_STACK_BYTES, &t);

	if (kr != KERN_SUCCESS)
		bench_fail("server", "thread_start", kr);
	mk_port_deallocate(MACH_PORT_TASK_SELF, t);
	return service;
}

/* Ask the server to stop and wait for its answer. */
void bench_server_stop(mach_port_name_t service)
{
	struct mach_msg_header h;
	mach_port_name_t reply;

	if (mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_RECEIVE, &reply) != KERN_SUCCESS)
		return;
	h = (struct mach_msg_header){
		.bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE),
		.size = sizeof(h), .remote_port = service, .local_port = reply,
		.id = BENCH_REQ_QUIT,
	};
	mk_mach_msg(&h, MACH_SEND_MSG | MACH_RCV_MSG, sizeof(h), sizeof(h), reply, 0);
	mk_port_destroy(MACH_PORT_TASK_SELF, reply);
	mk_port_deallocate(MACH_PORT_TASK_SELF, service);
}

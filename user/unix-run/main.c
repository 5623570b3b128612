/*
 * unix-run — run one static Linux program under the Unix server on the
 * microkernel, and end with its exit status: the boot program of the Unix
 * suite on microkernel targets (`make bench` runs bench/unix/EMULATED
 * through it). Its arguments are the program's, after the program's name.
 *
 * The program is carried in this image (blobs.S: bench/unix's unix-bench,
 * with the emulation library's image), and the server runs as a thread of
 * this task on a control port of its own, or, in a kernel that links it in
 * (UNIX=colocated), as a supervisor thread in a copy of this task
 * (unix_server_colocate). The server's file system is the
 * root archive given as the second boot module (the one Linux boots,
 * build/linux/root.cpio; `machlab bench --unix-root`), or only /dev and
 * /tmp without one. A program that dies without exit (UNIX_STATUS_DIED) ends the run
 * with status 1 and a line saying so.
 */
#include "mk.h"
#include "server.h"
#include "unix_proto.h"

#define SERVER_STACK_BYTES (64 * 1024)
#define RUN_DIED_STATUS    1
#define ROOT_ARCHIVE_MODULE 1        /* the boot module after this program */

extern const char blob_unix_bench[], blob_unix_bench_end[];
extern const char blob_emul_image[], blob_emul_image_end[];

static struct unix_server_config cfg;
static struct unix_call_msg request;

static void server_thread(void *arg)
{
	(void)arg;
	unix_server_run(&cfg);
	mk_printf("unix-run: the Unix server stopped\n");
	mk_task_exit(RUN_DIED_STATUS);
}

/* The spawn request for program index (or UNIX_SPAWN_BY_PATH), its
 * arguments args[0..n) in the data item. */
static bool request_build(mach_port_name_t control, mach_port_name_t reply, uint64_t index,
			  char **args, int n)
{
	uint32_t len = 0;

	request = (struct unix_call_msg){
		.h = { .bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) |
			       MACH_MSGH_BITS_COMPLEX,
		       .remote_port = control, .local_port = reply, .id = UNIX_SPAWN_ID },
		.words_type = { .kind = MACH_MSG_TYPE_INLINE, .elem_size = 8,
				.count = UNIX_CALL_WORDS },
		.words = { index },
	};
	if (n > UNIX_SPAWN_ARGS_MAX + (index == UNIX_SPAWN_BY_PATH))
		return false;
	for (int i = 0; i < n; i++) {
		size_t a = strlen(args[i]) + 1;

		if (a > UNIX_DATA_MAX - len)
			return false;
		memcpy(request.data + len, args[i], a);
		len += (uint32_t)a;
	}
	request.data_type = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_INLINE, .elem_size = 1,
						    .count = len };
	request.h.size = (uint32_t)(offsetof(struct unix_call_msg, data) + ((len + 7) & ~7u));
	return true;
}

int main(int argc, char **argv)
{
	static const struct unix_prog progs[] = {
		{ "unix-bench", blob_unix_bench, 0 },
	};
	static struct unix_prog prog;
	vm_address_t archive = 0;
	mach_port_name_t control, reply, thread, server_task;
	mach_msg_return_t mr;
	kern_return_t kr;
	bool by_path = argc >= 3 && strcmp(argv[1], "--file") == 0;
	const char *name = by_path ? argv[2] : progs[0].name;

	prog = progs[0];
	prog.size = (size_t)(blob_unix_bench_end - blob_unix_bench);
	if (mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_RECEIVE, &control) ||
	    mk_port_insert_right(MACH_PORT_TASK_SELF, control, control, MACH_MSG_TYPE_MAKE_SEND) ||
	    mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_RECEIVE, &reply)) {
		mk_printf("unix-run: no ports\n");
		return RUN_DIED_STATUS;
	}
	cfg = (struct unix_server_config){
		.control = control, .progs = &prog, .nprogs = 1, .emul = blob_emul_image,
		.emul_size = (size_t)(blob_emul_image_end - blob_emul_image),
	};
	if (mk_boot_module(ROOT_ARCHIVE_MODULE, &archive, &cfg.archive_size) == KERN_SUCCESS)
		cfg.archive = (const void *)archive;
	kr = unix_server_colocated() ? unix_server_colocate(&cfg, &server_task) :
	     mk_thread_start(server_thread, NULL, SERVER_STACK_BYTES, &thread);
	if (kr != KERN_SUCCESS) {
		mk_printf("unix-run: cannot start the Unix server (%s)\n", mk_strerror(kr));
		return RUN_DIED_STATUS;
	}
	if (!request_build(control, reply, by_path ? UNIX_SPAWN_BY_PATH : 0, argv + 1 + by_path,
			   argc - 1 - by_path)) {
		mk_printf("unix-run: too many or too long arguments\n");
		return RUN_DIED_STATUS;
	}
	mr = mk_mach_msg(&request.h, MACH_SEND_MSG | MACH_RCV_MSG, request.h.size, sizeof(request),
			 reply, MACH_MSG_TIMEOUT_NONE);
	if (mr == MACH_MSG_SUCCESS && request.h.id == MACH_NOTIFY_SEND_ONCE) {
		mk_printf("unix-run: the Unix server ended before %s did\n", name);  /* (colocated) */
		return RUN_DIED_STATUS;
	}
	if (mr != MACH_MSG_SUCCESS || request.words[0] == (uint64_t)-1) {
		mk_printf("unix-run: the server could not start %s (0x%x)\n", name, mr);
		return RUN_DIED_STATUS;
	}
	if (request.words[0] == UNIX_STATUS_DIED) {
		mk_printf("unix-run: %s died without exit\n", name);
		return RUN_DIED_STATUS;
	}
	return (int)request.words[0];
}

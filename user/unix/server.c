/*
 * server.c — the Unix server, first slice (unix_proto.h): processes are
 * tasks built by exec.c, each with a port of its own in the server's port
 * set; the emulation library in each sends its system calls there.
 *
 * What it answers so far: getpid, getppid, set_tid_address (the pid: one
 * thread per process); open and openat of /dev/console, /dev/null and
 * /dev/zero (no file system yet: any other path is ENOENT), close, read
 * (zeros from /dev/zero, end of file from the others), write and writev
 * (the console; the two devices take everything), fcntl F_GETFD/F_SETFD
 * (EINVAL for the rest); descriptors 0, 1 and 2 are the console at the
 * start; ioctl (ENOTTY: no terminal yet), exit and exit_group (the status
 * goes to whoever asked for the process to be started). Any other call gets
 * -ENOSYS, and its number is printed once. Processes are started by
 * UNIX_SPAWN_ID on the control port; there is no fork, exec, file system,
 * signal or wait yet (the issue on Unix emulation lists what is to come).
 * A process that dies without calling exit is noticed by the no-senders
 * notice of its port (the process held the only send right), and reported
 * as UNIX_STATUS_DIED. Limits of this slice: one thread per process (the
 * library keeps one message buffer); a bad buffer given to write faults in
 * the library and ends the process instead of returning EFAULT.
 */
#include "server.h"
#include "unix_proto.h"
#include "linux_abi.h"
#include "exec.h"
#include <stddef.h>

#define UNIX_PROCS_MAX        16
#define UNIX_FIRST_PID        100
#define UNIX_FDS_MAX          32     /* open descriptors a process may hold */

/* What a descriptor names (no file system yet: the console and two devices). */
enum unix_file {
	FILE_NONE,                     /* the descriptor is free */
	FILE_CONSOLE,                  /* /dev/console: 0, 1 and 2 at the start */
	FILE_NULL,                     /* /dev/null: reads end at once, writes vanish */
	FILE_ZERO,                     /* /dev/zero: reads give zeros, writes vanish */
};

struct unix_proc {
	uint32_t pid;                  /* 0: the slot is free */
	mach_port_name_t task;
	mach_port_name_t port;         /* its port in the set: calls arrive here */
	mach_port_name_t waiter;       /* the send-once right of the spawn request */
	uint64_t calls;                /* the calls answered for it */
	uint8_t fds[UNIX_FDS_MAX];     /* enum unix_file, by descriptor */
	uint8_t fd_flags[UNIX_FDS_MAX]; /* FD_CLOEXEC (kept for F_GETFD: there is no exec yet) */
};

static struct unix_proc procs[UNIX_PROCS_MAX];
static uint32_t next_pid = UNIX_FIRST_PID;
static uint8_t named[UNIX_CALLS_NAMED_MAX / 8];

static struct unix_proc *proc_by_port(mach_port_name_t port)
{
	for (int i = 0; i < UNIX_PROCS_MAX; i++)
		if (procs[i].pid && procs[i].port == port)
			return &procs[i];
	return NULL;
}

/* Make in h an answer of n words (at most 2) to the reply right, then, if
 * zeros, an item of that many zero bytes (a read of /dev/zero: h must have
 * room, as m in unix_server_run has); its size. */
static uint32_t reply_build(struct mach_msg_header *h, mach_port_name_t reply, const uint64_t *w,
			    uint32_t n, uint32_t zeros)
{
	struct mach_msg_type *t = (struct mach_msg_type *)(h + 1);
	struct mach_msg_type *d = (struct mach_msg_type *)((uint64_t *)(t + 1) + n);

	*h = (struct mach_msg_header){
		.bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0) | MACH_MSGH_BITS_COMPLEX,
		.size = (uint32_t)(sizeof(*h) + sizeof(*t) + 8 * n), .remote_port = reply,
	};
	*t = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_INLINE, .elem_size = 8, .count = n };
	memcpy(t + 1, w, 8 * n);
	if (zeros) {
		*d = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_INLINE, .elem_size = 1,
					     .count = zeros };
		memset(d + 1, 0, zeros);
		h->size += (uint32_t)sizeof(*d) + ((zeros + 7) & ~7u);
	}
	return h->size;
}

/* Send words to a reply right (consumed, or dropped if the send fails). */
static void reply_words(mach_port_name_t reply, const uint64_t *w, uint32_t n)
{
	uint64_t buf[8];
	struct mach_msg_header *h = (struct mach_msg_header *)buf;

	if (mk_mach_msg(h, MACH_SEND_MSG, reply_build(h, reply, w, n, 0), 0, MACH_PORT_NULL, 0) !=
	    MACH_MSG_SUCCESS)
		mk_port_deallocate(MACH_PORT_TASK_SELF, reply);
}

/* The process is gone: tell whoever started it, and free its slot and port. */
static void proc_end(struct unix_proc *p, uint64_t status)
{
	uint64_t w[2] = { status, p->calls };

	if (p->waiter)
		reply_words(p->waiter, w, 2);
	mk_port_destroy(MACH_PORT_TASK_SELF, p->port);
	mk_port_deallocate(MACH_PORT_TASK_SELF, p->task);
	*p = (struct unix_proc){ 0 };
}

/*
 * A call's words item is well formed: UNIX_SHORT_CALL_WORDS to
 * UNIX_CALL_WORDS words, all in the message. The words a call leaves out
 * are made 0 (the buffer still holds the last call's).
 */
static bool call_words_ok(struct unix_call_msg *m)
{
	uint32_t n = m->words_type.count;

	if (m->h.size < offsetof(struct unix_call_msg, words) ||
	    m->words_type.kind != MACH_MSG_TYPE_INLINE || m->words_type.elem_size != 8 ||
	    n < UNIX_SHORT_CALL_WORDS || n > UNIX_CALL_WORDS ||
	    m->h.size < offsetof(struct unix_call_msg, words) + 8 * n)
		return false;
	memset(&m->words[n], 0, 8 * (UNIX_CALL_WORDS - n));
	return true;
}

/* The bytes of a write, if the call carries a data item (after all seven words). */
static const char *call_data(const struct unix_call_msg *m, uint32_t *len)
{
	if (m->words_type.count != UNIX_CALL_WORDS ||
	    m->h.size < offsetof(struct unix_call_msg, data) ||
	    m->data_type.kind != MACH_MSG_TYPE_INLINE || m->data_type.elem_size != 1 ||
	    m->data_type.count > m->h.size - offsetof(struct unix_call_msg, data))
		return NULL;
	*len = m->data_type.count;
	return m->data;
}

/* p's descriptor fd, FILE_NONE if it is not open. */
static enum unix_file fd_file(const struct unix_proc *p, uint64_t fd)
{
	return fd < UNIX_FDS_MAX ? (enum unix_file)p->fds[fd] : FILE_NONE;
}

/* open or openat of the path in the call's data: a device, or an error. */
static int64_t unix_open(struct unix_proc *p, const struct unix_call_msg *m, uint64_t dirfd)
{
	static const struct { const char *path; enum unix_file file; } devices[] = {
		{ "/dev/console", FILE_CONSOLE }, { "/dev/null", FILE_NULL },
		{ "/dev/zero", FILE_ZERO },
	};
	uint32_t len = 0;
	const char *path = call_data(m, &len);

	if ((int64_t)dirfd != LINUX_AT_FDCWD && fd_file(p, dirfd) == FILE_NONE)
		return -LINUX_EBADF;
	if (!path || !len || path[len - 1] != '\0')
		return -LINUX_ENOENT;
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
		if (strcmp(path, devices[i].path) != 0)
			continue;
		for (int fd = 0; fd < UNIX_FDS_MAX; fd++)
			if (p->fds[fd] == FILE_NONE) {
				p->fds[fd] = (uint8_t)devices[i].file;
				return fd;
			}
		return -LINUX_EMFILE;
	}
	return -LINUX_ENOENT;             /* no file system yet */
}

/* write or writev of the call's data to descriptor fd. */
static int64_t unix_write(struct unix_proc *p, const struct unix_call_msg *m, uint64_t fd)
{
	uint32_t len = 0;
	const char *data = call_data(m, &len);
	enum unix_file f = fd_file(p, fd);

	if (f == FILE_NONE || !data)
		return -LINUX_EBADF;
	if (f != FILE_CONSOLE)
		return len;                        /* /dev/null and /dev/zero take it all */
	return mk_console_write(data, len) == KERN_SUCCESS ? (int64_t)len : -LINUX_EBADF;
}

/* read of count bytes from descriptor fd; *zeros: the zero bytes the answer carries. */
static int64_t unix_read(struct unix_proc *p, uint64_t fd, uint64_t count, uint32_t *zeros)
{
	switch (fd_file(p, fd)) {
	case FILE_ZERO:
		*zeros = count < UNIX_DATA_MAX ? (uint32_t)count : UNIX_DATA_MAX;
		return *zeros;
	case FILE_NULL:
	case FILE_CONSOLE:                         /* no console input yet: end of file */
		return 0;
	default:
		return -LINUX_EBADF;
	}
}

/*
 * Answer one call of p; false for exit (no reply: the process is gone).
 * *zeros: zero bytes the answer carries after its word (a read of /dev/zero).
 */
static bool unix_call(struct unix_proc *p, const struct unix_call_msg *m, int64_t *result,
		      uint32_t *zeros)
{
	const uint64_t *w = m->words;

	p->calls++;
	*zeros = 0;
	switch (w[0]) {
	case LINUX_GETPID:
	case LINUX_SET_TID_ADDRESS:
		*result = p->pid;
		return true;
	case LINUX_GETPPID:
		*result = 1;                       /* started by the server: init's child */
		return true;
	case LINUX_WRITE:
	case LINUX_WRITEV:
		*result = unix_write(p, m, w[1]);
		return true;
	case LINUX_READ:
		*result = unix_read(p, w[1], w[3], zeros);
		return true;
	case LINUX_OPEN:
		*result = unix_open(p, m, (uint64_t)LINUX_AT_FDCWD);
		return true;
	case LINUX_OPENAT:
		*result = unix_open(p, m, w[1]);
		return true;
	case LINUX_CLOSE:
		*result = fd_file(p, w[1]) == FILE_NONE ? -LINUX_EBADF : 0;
		if (*result == 0)
			p->fds[w[1]] = p->fd_flags[w[1]] = 0;
		return true;
	case LINUX_FCNTL:
		*result = fd_file(p, w[1]) == FILE_NONE ? -LINUX_EBADF :
			  w[2] == LINUX_F_GETFD ? p->fd_flags[w[1]] :
			  w[2] == LINUX_F_SETFD ? (p->fd_flags[w[1]] = w[3] & LINUX_FD_CLOEXEC, 0) :
			  -LINUX_EINVAL;             /* the rest of fcntl: not yet */
		return true;
	case LINUX_IOCTL:
		*result = -LINUX_ENOTTY;
		return true;
	case LINUX_EXIT:
	case LINUX_EXIT_GROUP:
		proc_end(p, w[1] & 0xFF);
		return false;
	default:
		unix_name_unknown_once(named, "unix", w[0]);
		*result = -LINUX_ENOSYS;
		return true;
	}
}

/*
 * The program's arguments after its name: the request's data item, NUL-
 * terminated strings (UNIX_SPAWN_ARGS_MAX at most), or "one" and "two"
 * without one. argv[0] is the program's name.
 */
static void spawn_args(const struct unix_call_msg *m, const char *name,
		       const char *argv[UNIX_SPAWN_ARGS_MAX + 2])
{
	uint32_t len = 0, n = 1;
	const char *data = m->words_type.count == UNIX_CALL_WORDS ? call_data(m, &len) : NULL;

	argv[0] = name;
	if (!data) {
		argv[n++] = "one";
		argv[n++] = "two";
	}
	for (uint32_t at = 0; data && at < len && n <= UNIX_SPAWN_ARGS_MAX; n++) {
		size_t arg_len = strnlen(data + at, len - at);

		if (arg_len == len - at)
			break;                     /* an unterminated last string is left out */
		argv[n] = data + at;
		at += (uint32_t)arg_len + 1;
	}
	argv[n] = NULL;
}

/* Start the program the request names for the requester, who hears at its exit. */
static void unix_spawn(const struct unix_server_config *cfg, mach_port_name_t set,
		       const struct unix_call_msg *m, mach_port_name_t reply)
{
	static const char *const envp[] = { "PATH=/bin", "HOME=/", NULL };
	uint64_t index = m->words[0];
	const struct unix_prog *prog = &cfg->progs[index < cfg->nprogs ? index : 0];
	const char *argv[UNIX_SPAWN_ARGS_MAX + 2];
	struct unix_proc *p = NULL;
	struct unix_exec_start start;
	uint64_t fail[2] = { (uint64_t)-1, 0 };

	spawn_args(m, prog->name, argv);
	for (int i = 0; !p && i < UNIX_PROCS_MAX; i++)
		if (!procs[i].pid)
			p = &procs[i];
	if (!p || index >= cfg->nprogs ||
	    unix_exec_build(prog->image, prog->size, cfg->emul, cfg->emul_size, argv, envp,
			    &p->task, &start) != KERN_SUCCESS) {
		reply_words(reply, fail, 2);
		return;
	}
	if (mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_RECEIVE, &p->port) ||
	    mk_port_move_member(MACH_PORT_TASK_SELF, p->port, set) ||
	    mk_port_insert_right(p->task, UNIX_SERVER_NAME, p->port, MACH_MSG_TYPE_MAKE_SEND) ||
	    mk_port_request_notification(MACH_PORT_TASK_SELF, p->port, MACH_NOTIFY_NO_SENDERS,
					 p->port) ||
	    unix_exec_run(&p->task, &start)) {
		if (p->port)
			mk_port_destroy(MACH_PORT_TASK_SELF, p->port);
		if (p->task)
			unix_exec_abandon(&p->task);
		*p = (struct unix_proc){ 0 };
		reply_words(reply, fail, 2);
		return;
	}
	p->pid = next_pid++;
	p->waiter = reply;
	memset(p->fds, FILE_NONE, sizeof(p->fds));
	memset(p->fd_flags, 0, sizeof(p->fd_flags));
	p->fds[0] = p->fds[1] = p->fds[2] = FILE_CONSOLE;
}

/*
 * The answer to a call goes in the mach_msg that waits for the next one
 * (send, then receive, on the set), as a Mach server's loop does, so both
 * halves of a call can take the RPC fast path. An answer that cannot be
 * sent (the caller's reply port died) is dropped, and the wait goes on.
 */
int unix_server_run(const struct unix_server_config *cfg)
{
	static struct unix_call_msg m;
	mach_port_name_t set, reply = MACH_PORT_NULL;
	uint32_t answer = 0;                   /* bytes of an answer in m to send first */

	if (mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_PORT_SET, &set) ||
	    mk_port_move_member(MACH_PORT_TASK_SELF, cfg->control, set))
		return 1;
	for (;;) {
		mach_msg_return_t mr = mk_mach_msg(&m.h, answer ? MACH_SEND_MSG | MACH_RCV_MSG :
						   MACH_RCV_MSG, answer, sizeof(m), set, 0);
		struct unix_proc *p;
		int64_t result;
		uint32_t zeros;

		if (answer && MACH_MSG_SEND_REFUSED(mr)) {
			mk_port_deallocate(MACH_PORT_TASK_SELF, reply);
			answer = 0;
			continue;
		}
		answer = 0;
		if (mr != MACH_MSG_SUCCESS)
			return 1;
		if (m.h.local_port == cfg->control) {
			if (m.h.id == UNIX_SPAWN_ID && m.h.remote_port &&
			    m.h.size >= offsetof(struct unix_call_msg, words) + 8)
				unix_spawn(cfg, set, &m, m.h.remote_port);
			else if (m.h.remote_port)
				mk_port_deallocate(MACH_PORT_TASK_SELF, m.h.remote_port);
			continue;
		}
		p = proc_by_port(m.h.local_port);
		if (p && m.h.id == MACH_NOTIFY_NO_SENDERS) {    /* it ended without exit */
			proc_end(p, UNIX_STATUS_DIED);
			continue;
		}
		if (!p || m.h.id != UNIX_CALL_ID || !call_words_ok(&m)) {
			if (m.h.remote_port)              /* malformed: no answer */
				mk_port_deallocate(MACH_PORT_TASK_SELF, m.h.remote_port);
			continue;
		}
		if (unix_call(p, &m, &result, &zeros) && m.h.remote_port) {
			reply = m.h.remote_port;
			answer = reply_build(&m.h, reply, (uint64_t *)&result, 1, zeros);
		}
	}
}

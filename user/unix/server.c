/*
 * server.c — the Unix server, first slice (unix_proto.h): processes are
 * tasks built by exec.c, each with a port of its own in the server's port
 * set; the emulation library in each sends its system calls there.
 *
 * What it answers so far: getpid, gettid, getppid, set_tid_address (the
 * pid: one thread per process); fork (the child made from the parent's
 * task as a blueprint, copy-on-write, its thread started by the library's
 * code on its copy of the call's frame; clone only as fork, which the
 * library sends as fork), execve (a static ELF64 file of the file system,
 * read in place, becomes the process in a new task; argv and envp read
 * from the old one through its task port), access and faccessat, exit and
 * exit_group, wait4 (a call that may wait:
 * its reply right is kept until a child ends; an ended child stays a
 * zombie for it); pipe and pipe2 (O_CLOEXEC, O_NONBLOCK): a 64 KiB buffer
 * in the server, a read of an empty pipe or a write to a full one kept
 * waiting (its reply right) until the other side moves, end of file once
 * no writer is left, EPIPE and SIGPIPE once no reader is (one reader and
 * one writer may wait on a pipe at a time; more get EAGAIN); files, through the file system of fs.h (filled
 * from the root archive, or only /dev and /tmp without one): open and
 * openat (the access mode, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY,
 * O_NOFOLLOW, O_CLOEXEC), close, read, pread64, write, writev, pwrite64,
 * lseek, stat, lstat, fstat, newfstatat (AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW),
 * ftruncate, mkdir, mkdirat, rmdir, unlink, unlinkat (AT_REMOVEDIR),
 * readlink, readlinkat, creat, rename, renameat, renameat2 (no flags),
 * getdents64, chdir, fchdir, getcwd (relative paths start at the
 * process's working directory); descriptors: dup, dup2, dup3, fcntl
 * (F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL): the
 * descriptors that dup and fork copy share one open file (struct
 * unix_file: its offset and flags), as on Linux; poll (ppoll, select and
 * pselect6 come as poll from the library): a poll with nothing ready waits
 * like rt_sigsuspend, answered when a pipe it watches moves, by a signal
 * (EINTR), or when the library's timeout cancels it; chmod, fchmod,
 * fchmodat; mount of "tmpfs" (succeeds: every directory is memory; other
 * kinds ENODEV); reboot (ends the Unix system); execve and readlink of
 * /proc/self/exe (the file the process runs);
 * umask, uname (sysname "Linux"), getuid and the other ids (0: there are
 * no users); memory, in the process's task through its port:
 * brk (the break starts at the image's end, at most UNIX_BRK_MAX_BYTES
 * above it), anonymous mmap (anywhere, or MAP_FIXED in place; file
 * mappings are ENODEV for now), munmap, mprotect, and madvise's hints
 * (advice that changes memory is EINVAL for now); signals: rt_sigaction,
 * rt_sigprocmask, rt_sigreturn, kill, tkill and tgkill among its processes
 * (one thread each: a thread id is the pid; process groups other than the
 * caller's own are ESRCH), rt_sigsuspend (its reply right kept until a
 * signal comes), default actions done here (ending the task, or
 * nothing: the stop signals too, there is no job control), a handler's
 * signal delivered in the answer to the process's next whole call (short
 * calls have no room: unix_proto.h), the library building the frame;
 * the devices by their numbers: the console (5:1),
 * /dev/null (1:3) and /dev/zero (1:5), others ENXIO; descriptors 0, 1 and 2 are the console at the
 * start; ioctl (ENOTTY: no terminal yet), exit and exit_group (the status
 * goes to whoever asked for the process to be started). Up to
 * UNIX_DATA_MAX bytes travel in the messages; a longer read of a file or
 * write is done on the process's buffer directly (vm_write, vm_read through
 * its task port: a bad buffer is EFAULT), up to UNIX_READ_MAX and
 * UNIX_WRITE_MAX (a shorter transfer, as Linux allows; unix_proto.h says
 * why 2 KiB). Any other call gets -ENOSYS, and its number is printed
 * once. Processes are started by UNIX_SPAWN_ID on the control port, or by
 * fork, or (UNIX_SPAWN_BY_PATH) from a file of the file system; what is
 * still missing (file mappings, threads, ...) the issue on Unix emulation
 * lists.
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
#include "fs.h"
#include <stddef.h>

#define UNIX_PROCS_MAX        16
#define UNIX_FIRST_PID        100
#define DEV_MEM_MAJOR         1      /* Linux's: /dev/null 1:3, /dev/zero 1:5 */
#define DEV_NULL_MINOR        3
#define DEV_ZERO_MINOR        5
#define DEV_TTY_MAJOR         5      /* /dev/console 5:1 */
#define DEV_CONSOLE_MINOR     1
#define LINUX_ENXIO           6      /* a device the server has no driver for */
#define UNIX_PAGE             4096
#define UNIX_READ_MAX         MK_VM_RW_MAX_BYTES  /* one read's bytes written straight in (1 MiB) */
#define UNIX_WRITE_MAX        (64u << 10)         /* one write's bytes read in (the server's buffer) */
#define UNIX_BRK_MAX_BYTES    (256ul << 20) /* how far a process's break may grow */
#define PROC_SELF_EXE         "/proc/self/exe"  /* execve and readlink know this one path */

/* What an open descriptor reads and writes. */
enum unix_file_kind {
	FILE_NONE,                     /* none: a device without a driver here */
	FILE_CONSOLE,                  /* /dev/console: 0, 1 and 2 at the start */
	FILE_NULL,                     /* /dev/null: reads end at once, writes vanish */
	FILE_ZERO,                     /* /dev/zero: reads give zeros, writes vanish */
	FILE_NODE,                     /* a file or directory of the file system (fs.h) */
	FILE_PIPE,                     /* one end of a pipe (its access mode says which) */
};

#define UNIX_POLL_MAX         (UNIX_DATA_MAX / sizeof(struct linux_pollfd))
#define UNIX_PIPES_MAX        16
#define UNIX_PIPE_BYTES       65536  /* a pipe's buffer, Linux's default capacity */

/* A call kept waiting on a pipe: its process, reply right, and request. */
struct pipe_wait {
	struct unix_proc *proc;        /* NULL: none waits */
	mach_port_name_t reply;
	uint64_t addr, count;          /* a reader's buffer; a writer's bytes (in wbuf) */
};

struct unix_pipe {
	uint32_t readers, writers;     /* descriptors open on each end, in every process;
					* both 0: the pipe is free */
	uint32_t head, len;            /* the bytes in buf: from head, wrapping */
	struct pipe_wait rwait, wwait; /* a reader waiting for bytes, a writer for room */
	char buf[UNIX_PIPE_BYTES];
	char wbuf[UNIX_PIPE_BYTES];    /* the waiting writer's bytes (at most UNIX_WRITE_MAX) */
};

/*
 * An open file (Linux's open file description): what open or pipe made,
 * shared by the descriptors dup and fork copy from it, in any process, so
 * they share its offset and flags.
 */
struct unix_file {
	uint32_t refs;                 /* descriptors on it; 0: the slot is free */
	uint8_t file;                  /* enum unix_file_kind */
	uint32_t flags;                /* open's flags: the access mode, O_APPEND */
	uint64_t offset;
	struct fs_node *node;          /* held while open (the devices' too) */
	struct unix_pipe *pipe;        /* FILE_PIPE: counted in its readers or writers */
};

#define UNIX_FILES_MAX        256    /* open files in all (ENFILE past them) */

/* A signal's action, as the kernel's struct sigaction (LINUX_SIGACTION_BYTES). */
struct unix_sigaction {
	uint64_t handler, flags, restorer, mask;
};

struct unix_proc {
	uint32_t pid;                  /* 0: the slot is free */
	uint32_t ppid;                 /* its parent's pid: 1 when started by a spawn request,
					* 0 once the parent is gone */
	bool zombie;                   /* ended, its status kept for its parent's wait4 */
	uint32_t wait_status;          /* (a zombie's) in Linux's encoding */
	mach_port_name_t wait_reply;   /* a wait4 waiting for a child: its reply right */
	int64_t wait_pid;              /* the child it waits for (-1: any) */
	mach_port_name_t task;
	mach_port_name_t port;         /* its port in the set: calls arrive here */
	mach_port_name_t waiter;       /* the send-once right of the spawn request */
	uint64_t calls;                /* the calls answered for it */
	uint64_t brk_start, brk;       /* where its break started (its image's end), where it is */
	struct unix_file *fds[UNIX_FDS_MAX];   /* NULL: the descriptor is free */
	uint8_t cloexec[UNIX_FDS_MAX];        /* FD_CLOEXEC: closed by execve */
	struct unix_sigaction acts[LINUX_NSIG + 1];   /* by signal number (0 unused) */
	struct fs_node *cwd;           /* its working directory (held), NULL: the root */
	struct fs_node *exe;           /* the file it runs (held): /proc/self/exe; NULL for a
					* program of the server's table */
	uint32_t umask;
	uint64_t blocked, pending;     /* signal masks: bit sig - 1 */
	mach_port_name_t suspend_reply; /* an rt_sigsuspend (or a poll) waiting for a signal:
					 * its reply right */
	bool polling;                  /* a poll waits (with suspend_reply) */
	uint32_t npoll;                /* its pollfds (in poll_fds) */
	uint64_t suspend_mask;         /* the mask it goes back to after the handler */
};

/*
 * What an answer carries after its word: len bytes at data, or len zeros
 * (data NULL: a read of /dev/zero).
 */
struct unix_answer {
	const void *data;
	uint32_t len;
	bool deferred;                 /* no answer now: the call keeps its reply right */
};

static struct unix_proc procs[UNIX_PROCS_MAX];
static struct unix_file files[UNIX_FILES_MAX];
static struct linux_pollfd poll_fds[UNIX_PROCS_MAX][UNIX_POLL_MAX];   /* each one's waiting poll */
static uint32_t polls_waiting;         /* processes with npoll set */
static mach_port_name_t server_set;    /* the port set every process's port is in */
static const struct unix_server_config *server_cfg;   /* (the emulation library's image) */
static uint32_t next_pid = UNIX_FIRST_PID;
static uint8_t named[UNIX_CALLS_NAMED_MAX / 8];

static struct unix_proc *proc_by_port(mach_port_name_t port)
{
	for (int i = 0; i < UNIX_PROCS_MAX; i++)
		if (procs[i].pid && procs[i].port == port)
			return &procs[i];
	return NULL;
}

/* Make in h an answer of n words (at most UNIX_CALL_WORDS) to the reply right, then, if
 * len, an item of len bytes from data (zeros if data is NULL: a read of
 * /dev/zero); h must have room, as m in unix_server_run has; its size. */
static uint32_t reply_build(struct mach_msg_header *h, mach_port_name_t reply, const uint64_t *w,
			    uint32_t n, const void *data, uint32_t len)
{
	struct mach_msg_type *t = (struct mach_msg_type *)(h + 1);
	struct mach_msg_type *d = (struct mach_msg_type *)((uint64_t *)(t + 1) + n);

	*h = (struct mach_msg_header){
		.bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0) | MACH_MSGH_BITS_COMPLEX,
		.size = (uint32_t)(sizeof(*h) + sizeof(*t) + 8 * n), .remote_port = reply,
	};
	*t = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_INLINE, .elem_size = 8, .count = n };
	memcpy(t + 1, w, 8 * n);
	if (len) {
		*d = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_INLINE, .elem_size = 1,
					     .count = len };
		if (data)
			memcpy(d + 1, data, len);
		else
			memset(d + 1, 0, len);
		h->size += (uint32_t)sizeof(*d) + ((len + 7) & ~7u);
	}
	return h->size;
}

static void answer_words_later(mach_port_name_t reply, const uint64_t *w, uint32_t n,
			       const void *data, uint32_t len);

static void pipe_end_closed(struct unix_pipe *pp, bool writer);

/* A new open file (refs 1) of kind file on node (held for it) or an end of
 * pipe (counted in it), or NULL when UNIX_FILES_MAX are open (ENFILE). */
static struct unix_file *file_new(uint8_t file, uint32_t flags, struct fs_node *node,
				  struct unix_pipe *pipe)
{
	for (int i = 0; i < UNIX_FILES_MAX; i++)
		if (!files[i].refs) {
			files[i] = (struct unix_file){ .refs = 1, .file = file, .flags = flags,
						       .node = node, .pipe = pipe };
			return &files[i];
		}
	return NULL;
}

/* One descriptor fewer on f: the last one closes the file (its node let
 * go, its end of pipe closed). */
static void file_put(struct unix_file *f)
{
	if (--f->refs)
		return;
	if (f->node)
		fs_release(f->node);
	if (f->pipe)
		pipe_end_closed(f->pipe, (f->flags & LINUX_O_ACCMODE) == LINUX_O_WRONLY);
	*f = (struct unix_file){ 0 };
}

/* Descriptor fd of p (open) is closed. */
static void fd_close(struct unix_proc *p, int fd)
{
	struct unix_file *f = p->fds[fd];

	p->fds[fd] = NULL;
	p->cloexec[fd] = 0;
	file_put(f);
}

/* Descriptor fd of p (free) is f, with the close-on-exec flag cloexec. */
static void fd_install(struct unix_proc *p, int fd, struct unix_file *f, uint8_t cloexec)
{
	p->fds[fd] = f;
	p->cloexec[fd] = cloexec;
}

/* p's lowest free descriptor from `from` on, or UNIX_FDS_MAX. */
static int fd_free(const struct unix_proc *p, int from)
{
	while (from < UNIX_FDS_MAX && p->fds[from])
		from++;
	return from;
}

/* Linux's wait status for how a process ended (unix_proto.h's status). */
static uint32_t linux_wait_status(uint64_t status)
{
	if (status & UNIX_STATUS_SIGNALED)
		return (uint32_t)(status & 0x7f);
	if (status == UNIX_STATUS_DIED)
		return LINUX_SIGSEGV;        /* it died without exit: of a fault, as far as we know */
	return (uint32_t)(status & 0xff) << 8;
}

/* The live (not zombie) process pid, or NULL. */
static struct unix_proc *proc_by_pid(uint64_t pid)
{
	for (int i = 0; pid && i < UNIX_PROCS_MAX; i++)
		if (procs[i].pid == pid && !procs[i].zombie)
			return &procs[i];
	return NULL;
}

/* A child of p that wait4(pid) may take: a zombie one if want_zombie, any otherwise. */
static struct unix_proc *wait_child(const struct unix_proc *p, int64_t pid, bool want_zombie)
{
	for (int i = 0; i < UNIX_PROCS_MAX; i++) {
		struct unix_proc *c = &procs[i];

		if (c->pid && c->ppid == p->pid && (pid == -1 || c->pid == (uint64_t)pid) &&
		    (!want_zombie || c->zombie))
			return c;
	}
	return NULL;
}

static bool signal_post(struct unix_proc *p, uint64_t sig);

/* The answer to a call that was kept waiting (or to a spawn request): n
 * words, then len bytes of data; the reply right is used up either way. */
static void answer_words_later(mach_port_name_t reply, const uint64_t *w, uint32_t n,
			       const void *data, uint32_t len)
{
	static struct unix_call_msg m;

	if (mk_mach_msg(&m.h, MACH_SEND_MSG, reply_build(&m.h, reply, w, n, data, len), 0,
			MACH_PORT_NULL, 0) != MACH_MSG_SUCCESS)
		mk_port_deallocate(MACH_PORT_TASK_SELF, reply);
}

/* The same with one word, the result. */
static void answer_later(mach_port_name_t reply, int64_t result, const void *data, uint32_t len)
{
	uint64_t w = (uint64_t)result;

	answer_words_later(reply, &w, 1, data, len);
}

/* A wait4 of p that was kept waiting gets its zombie child now, if one came. */
static void wait_wake(struct unix_proc *p)
{
	struct unix_proc *z = p->wait_reply ? wait_child(p, p->wait_pid, true) : NULL;

	if (!z)
		return;
	answer_later(p->wait_reply, z->pid, &z->wait_status, sizeof(z->wait_status));
	p->wait_reply = MACH_PORT_NULL;
	*z = (struct unix_proc){ 0 };
}

static void pipe_waits_cancel(const struct unix_proc *p);

/* p's poll no longer waits. */
static void poll_clear(struct unix_proc *p)
{
	if (p->polling) {
		p->polling = false;
		p->npoll = 0;
		polls_waiting--;
	}
}

/*
 * The process is gone: tell whoever started it; free its files, port and
 * task; its children lose their parent (a zombie one goes); and it stays a
 * zombie for its parent's wait4 (who gets SIGCHLD) or its slot is free.
 */
static void proc_end(struct unix_proc *p, uint64_t status)
{
	uint64_t w[2] = { status, p->calls };
	struct unix_proc *parent = p->ppid ? proc_by_pid(p->ppid) : NULL;
	uint32_t pid = p->pid, ppid = p->ppid;

	if (p->waiter)
		answer_words_later(p->waiter, w, 2, NULL, 0);
	pipe_waits_cancel(p);
	for (int fd = 0; fd < UNIX_FDS_MAX; fd++)
		if (p->fds[fd])
			fd_close(p, fd);
	if (p->cwd)
		fs_release(p->cwd);
	if (p->exe)
		fs_release(p->exe);
	mk_port_destroy(MACH_PORT_TASK_SELF, p->port);
	mk_port_deallocate(MACH_PORT_TASK_SELF, p->task);
	if (p->wait_reply)
		mk_port_deallocate(MACH_PORT_TASK_SELF, p->wait_reply);
	if (p->suspend_reply)
		mk_port_deallocate(MACH_PORT_TASK_SELF, p->suspend_reply);
	poll_clear(p);
	for (int i = 0; i < UNIX_PROCS_MAX; i++)
		if (procs[i].pid && procs[i].ppid == pid) {
			procs[i].ppid = 0;
			if (procs[i].zombie)
				procs[i] = (struct unix_proc){ 0 };
		}
	*p = (struct unix_proc){ 0 };
	if (!parent)
		return;
	*p = (struct unix_proc){ .pid = pid, .ppid = ppid, .zombie = true,
				 .wait_status = linux_wait_status(status) };
	signal_post(parent, LINUX_SIGCHLD);
	wait_wake(parent);
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

/* The path a call carries (NUL-terminated within its item), or NULL. */
static const char *call_path(const struct unix_call_msg *m)
{
	uint32_t len = 0;
	const char *path = call_data(m, &len);

	return path && len && path[len - 1] == '\0' ? path : NULL;
}

/* p's descriptor fd (an unsigned int to Linux: the register's upper half is
 * not looked at), or NULL if it is not open. */
static struct unix_file *fd_get(struct unix_proc *p, uint64_t fd)
{
	fd = (uint32_t)fd;
	return fd < UNIX_FDS_MAX ? p->fds[fd] : NULL;
}

/* What a device node opens as (FILE_NONE: no driver here). */
static enum unix_file_kind device_file(const struct fs_node *n)
{
	uint32_t major, minor;

	fs_rdev(n, &major, &minor);
	if (major == DEV_MEM_MAJOR && minor == DEV_NULL_MINOR)
		return FILE_NULL;
	if (major == DEV_MEM_MAJOR && minor == DEV_ZERO_MINOR)
		return FILE_ZERO;
	if (major == DEV_TTY_MAJOR && minor == DEV_CONSOLE_MINOR)
		return FILE_CONSOLE;
	return FILE_NONE;
}

/* The directory a *at call's dirfd names relative paths from (NULL: the
 * root, this slice's only working directory); false: EBADF or ENOTDIR in *err. */
static bool at_dir(struct unix_proc *p, uint64_t dirfd, struct fs_node **dir, int64_t *err)
{
	struct unix_file *f;

	*dir = p->cwd;
	if ((int64_t)dirfd == LINUX_AT_FDCWD || (int32_t)dirfd == LINUX_AT_FDCWD)
		return true;
	if (!(f = fd_get(p, dirfd))) {
		*err = -LINUX_EBADF;
		return false;
	}
	if (f->file != FILE_NODE || fs_kind(f->node) != FS_DIR) {
		*err = -LINUX_ENOTDIR;
		return false;
	}
	*dir = f->node;
	return true;
}

/* The directory a *at call's path starts from and the path (its data):
 * 0, or the errno of a bad dirfd (EBADF, ENOTDIR) or of no path (EFAULT). */
static int64_t at_path(struct unix_proc *p, const struct unix_call_msg *m, uint64_t dirfd,
		       struct fs_node **dir, const char **path)
{
	int64_t rc = 0;

	*path = call_path(m);
	if (!at_dir(p, dirfd, dir, &rc))
		return rc;
	return *path ? 0 : -LINUX_EFAULT;
}

/* open or openat of the path in the call's data. */
static int64_t unix_open(struct unix_proc *p, const struct unix_call_msg *m, uint64_t dirfd,
			 uint64_t flags, uint64_t mode)
{
	const char *path = call_path(m);
	struct fs_node *dir, *n;
	enum unix_file_kind file = FILE_NODE;
	struct unix_file *f;
	int64_t rc = 0;
	int fd;

	if (!at_dir(p, dirfd, &dir, &rc))
		return rc;
	if (!path)
		return -LINUX_ENOENT;
	if ((fd = fd_free(p, 0)) == UNIX_FDS_MAX)
		return -LINUX_EMFILE;
	rc = fs_open(dir, path, (uint32_t)flags, (uint32_t)mode & ~p->umask, &n);
	if (rc)
		return rc;
	if (fs_kind(n) == FS_CHR && (file = device_file(n)) == FILE_NONE) {
		fs_release(n);
		return -LINUX_ENXIO;
	}
	if (!(f = file_new((uint8_t)file, (uint32_t)flags, n, NULL))) {
		fs_release(n);
		return -LINUX_ENFILE;
	}
	fd_install(p, fd, f, (flags & LINUX_O_CLOEXEC) ? LINUX_FD_CLOEXEC : 0);
	return fd;
}

/* May f be written (read: its access mode is not write-only)? */
static bool fd_writable(const struct unix_file *f)
{
	return (f->flags & LINUX_O_ACCMODE) != 0;
}

static bool fd_readable(const struct unix_file *f)
{
	return (f->flags & LINUX_O_ACCMODE) != LINUX_O_WRONLY;
}

/* ---- descriptors and directories ---- */

/*
 * dup (to the lowest free descriptor from `from` on) and dup2/dup3 (exact:
 * onto `to`, closed first): the same open file, held once more; the new
 * descriptor's close-on-exec flag is cloexec.
 */
static int64_t fd_dup(struct unix_proc *p, uint64_t fd, uint64_t to, bool exact, uint8_t cloexec)
{
	struct unix_file *f = fd_get(p, fd);
	int nfd;

	to = (uint32_t)to;
	if (!f || (exact && to >= UNIX_FDS_MAX))
		return -LINUX_EBADF;
	if (to >= UNIX_FDS_MAX)
		return -LINUX_EINVAL;
	nfd = exact ? (int)to : fd_free(p, (int)to);
	if (nfd == UNIX_FDS_MAX)
		return -LINUX_EMFILE;
	f->refs++;                                 /* (before a close of nfd: it may be f) */
	if (p->fds[nfd])
		fd_close(p, nfd);
	fd_install(p, nfd, f, cloexec);
	return nfd;
}

/* fcntl: F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL
 * (O_APPEND and O_NONBLOCK); EINVAL for the rest. */
static int64_t unix_fcntl(struct unix_proc *p, uint64_t fd, uint64_t cmd, uint64_t arg)
{
	struct unix_file *f = fd_get(p, fd);
	const uint32_t settable = LINUX_O_APPEND | LINUX_O_NONBLOCK;

	if (!f)
		return -LINUX_EBADF;
	switch (cmd) {
	case LINUX_F_DUPFD:
	case LINUX_F_DUPFD_CLOEXEC:
		return fd_dup(p, fd, arg, false, cmd == LINUX_F_DUPFD_CLOEXEC ? LINUX_FD_CLOEXEC : 0);
	case LINUX_F_GETFD:
		return p->cloexec[(uint32_t)fd];
	case LINUX_F_SETFD:
		p->cloexec[(uint32_t)fd] = arg & LINUX_FD_CLOEXEC;
		return 0;
	case LINUX_F_GETFL:
		return f->flags;
	case LINUX_F_SETFL:
		f->flags = (f->flags & ~settable) | ((uint32_t)arg & settable);
		return 0;
	default:
		return -LINUX_EINVAL;
	}
}

/* chdir (the call's path) or fchdir (fd >= 0). */
static int64_t unix_chdir(struct unix_proc *p, const struct unix_call_msg *m, int64_t fd)
{
	struct unix_file *f = fd >= 0 ? fd_get(p, (uint64_t)fd) : NULL;
	const char *path = call_path(m);
	struct fs_node *n;
	int64_t rc;

	if (fd >= 0) {
		if (!f || !f->node)
			return -LINUX_EBADF;
		n = f->node;
	} else if (!path) {
		return -LINUX_EFAULT;
	} else if ((rc = fs_lookup(p->cwd, path, true, &n)) != 0) {
		return rc;
	}
	if (fs_kind(n) != FS_DIR)
		return -LINUX_ENOTDIR;
	fs_hold(n);
	if (p->cwd)
		fs_release(p->cwd);
	p->cwd = n;
	return 0;
}

/* getdents64 of directory fd: the entries from its offset (an entry index)
 * that fit in count bytes (and the answer) as Linux's struct dirent64. */
static int64_t unix_getdents(struct unix_proc *p, uint64_t fd, uint64_t count, char *out,
			     struct unix_answer *a)
{
	static const uint8_t dtype[] = { [FS_DIR] = 4, [FS_REG] = 8, [FS_LINK] = 10, [FS_CHR] = 2 };
	struct unix_file *f = fd_get(p, fd);
	uint64_t len = 0, ino;
	const char *name;
	enum fs_kind kind;

	if (!f)
		return -LINUX_EBADF;
	if (f->file != FILE_NODE || fs_kind(f->node) != FS_DIR)
		return -LINUX_ENOTDIR;
	if (count > UNIX_DATA_MAX)
		count = UNIX_DATA_MAX;
	while (fs_readdir(f->node, f->offset, &name, &ino, &kind)) {
		uint64_t nl = strlen(name), reclen = (19 + nl + 1 + 7) & ~7UL;
		uint16_t r16 = (uint16_t)reclen;
		uint64_t next = f->offset + 1;

		if (len + reclen > count)
			break;
		memset(out + len, 0, reclen);
		memcpy(out + len, &ino, 8);                /* d_ino */
		memcpy(out + len + 8, &next, 8);           /* d_off */
		memcpy(out + len + 16, &r16, 2);           /* d_reclen */
		out[len + 18] = (char)dtype[kind];         /* d_type */
		memcpy(out + len + 19, name, nl);
		len += reclen;
		f->offset = next;
	}
	if (!len && fs_readdir(f->node, f->offset, &name, &ino, &kind))
		return -LINUX_EINVAL;                      /* not even one entry fits */
	*a = (struct unix_answer){ .data = out, .len = (uint32_t)len };
	return (int64_t)len;
}

/* rename, renameat, renameat2 (no flags): the call's data holds both paths. */
static int64_t unix_rename(struct unix_proc *p, const struct unix_call_msg *m)
{
	uint32_t len = 0;
	const char *from = call_data(m, &len), *to;
	struct fs_node *dfrom, *dto;
	bool at = m->words[0] != LINUX_RENAME;
	int64_t rc = 0;
	size_t l1;

	if (!from || !len || from[len - 1] != '\0' || (l1 = strnlen(from, len)) + 1 >= len)
		return -LINUX_EFAULT;
	to = from + l1 + 1;
	if (m->words[0] == LINUX_RENAMEAT2 && m->words[5])
		return -LINUX_EINVAL;                      /* RENAME_NOREPLACE and the rest: not yet */
	if (!at_dir(p, at ? m->words[1] : (uint64_t)LINUX_AT_FDCWD, &dfrom, &rc) ||
	    !at_dir(p, at ? m->words[3] : (uint64_t)LINUX_AT_FDCWD, &dto, &rc))
		return rc;
	return fs_rename(dfrom, from, dto, to);
}

/* uname: Linux's struct utsname, six fields of 65 bytes. */
static int64_t unix_uname(char *out)
{
	static const char *const fields[6] = {
		"Linux", "machlab", "6.1.0-machlab-unix-server", "#1 (the machlab Unix server)",
		"x86_64", "(none)",
	};

	memset(out, 0, LINUX_UTSNAME_BYTES);
	for (int i = 0; i < 6; i++)
		memcpy(out + 65 * i, fields[i], strlen(fields[i]));
	return 0;
}

/* ---- pipes ---- */

static struct unix_pipe pipes[UNIX_PIPES_MAX];

/* Put up to count of pp's bytes where a reader wants them: into out when
 * count is at most UNIX_DATA_MAX (the answer carries them), else straight
 * into the reader's buffer at addr (vm_write). How many, or -EFAULT. */
static int64_t pipe_take(struct unix_pipe *pp, struct unix_proc *reader, uint64_t addr,
			 uint64_t count, char *out)
{
	uint32_t n = (uint32_t)(count < pp->len ? count : pp->len), done = 0;

	while (done < n) {
		uint32_t at = (pp->head + done) % UNIX_PIPE_BYTES;
		uint32_t seg = n - done < UNIX_PIPE_BYTES - at ? n - done : UNIX_PIPE_BYTES - at;

		if (count <= UNIX_DATA_MAX)
			memcpy(out + done, pp->buf + at, seg);
		else if (mk_vm_write(reader->task, addr + done, pp->buf + at, seg) != KERN_SUCCESS)
			return -LINUX_EFAULT;
		done += seg;
	}
	pp->head = (pp->head + n) % UNIX_PIPE_BYTES;
	pp->len -= n;
	return n;
}

/* Put up to len bytes into pp's room; how many. */
static uint32_t pipe_put(struct unix_pipe *pp, const char *data, uint32_t len)
{
	uint32_t n = len < UNIX_PIPE_BYTES - pp->len ? len : UNIX_PIPE_BYTES - pp->len;

	for (uint32_t done = 0; done < n;) {
		uint32_t at = (pp->head + pp->len + done) % UNIX_PIPE_BYTES;
		uint32_t seg = n - done < UNIX_PIPE_BYTES - at ? n - done : UNIX_PIPE_BYTES - at;

		memcpy(pp->buf + at, data + done, seg);
		done += seg;
	}
	pp->len += n;
	return n;
}

static void pipe_resume_writer(struct unix_pipe *pp);

/* A waiting reader gets bytes that came, or end of file once no writer is left. */
static void pipe_resume_reader(struct unix_pipe *pp)
{
	static char out[UNIX_DATA_MAX];
	struct pipe_wait w = pp->rwait;
	int64_t n;

	if (!w.proc || (!pp->len && pp->writers))
		return;
	pp->rwait = (struct pipe_wait){ 0 };
	n = pipe_take(pp, w.proc, w.addr, w.count, out);
	answer_later(w.reply, n, out, n > 0 && w.count <= UNIX_DATA_MAX ? (uint32_t)n : 0);
	if (n > 0)
		pipe_resume_writer(pp);
}

/* A waiting writer puts what fits of its bytes now (a shorter write, as
 * Linux allows), or gets EPIPE and SIGPIPE once no reader is left. */
static void pipe_resume_writer(struct unix_pipe *pp)
{
	struct pipe_wait w = pp->wwait;
	uint32_t n;

	if (!w.proc || (pp->len == UNIX_PIPE_BYTES && pp->readers))
		return;
	pp->wwait = (struct pipe_wait){ 0 };
	if (!pp->readers) {
		answer_later(w.reply, -LINUX_EPIPE, NULL, 0);
		signal_post(w.proc, LINUX_SIGPIPE);
		return;
	}
	n = pipe_put(pp, pp->wbuf, (uint32_t)w.count);
	answer_later(w.reply, n, NULL, 0);
	pipe_resume_reader(pp);
}

/* One of pp's descriptors went: the other side may be waiting for that. */
static void pipe_end_closed(struct unix_pipe *pp, bool writer)
{
	if (writer) {
		pp->writers--;
		pipe_resume_reader(pp);
	} else {
		pp->readers--;
		pipe_resume_writer(pp);
	}
}

/* p is going: calls of it kept waiting on pipes are forgotten. */
static void pipe_waits_cancel(const struct unix_proc *p)
{
	for (int i = 0; i < UNIX_PIPES_MAX; i++) {
		struct pipe_wait *w[2] = { &pipes[i].rwait, &pipes[i].wwait };

		for (int k = 0; k < 2; k++)
			if (w[k]->proc == p) {
				mk_port_deallocate(MACH_PORT_TASK_SELF, w[k]->reply);
				*w[k] = (struct pipe_wait){ 0 };
			}
	}
}

/* pipe and pipe2: two descriptors, read end first, in the answer's data. */
static int64_t unix_pipe(struct unix_proc *p, uint64_t flags, char *out, struct unix_answer *a)
{
	int32_t fds[2] = { -1, -1 };
	struct unix_pipe *pp = NULL;
	struct unix_file *ends[2];

	if (flags & ~(uint64_t)(LINUX_O_CLOEXEC | LINUX_O_NONBLOCK))
		return -LINUX_EINVAL;
	for (int i = 0; !pp && i < UNIX_PIPES_MAX; i++)
		if (!pipes[i].readers && !pipes[i].writers)
			pp = &pipes[i];
	fds[0] = fd_free(p, 0);
	fds[1] = fd_free(p, fds[0] + 1);
	if (fds[0] >= UNIX_FDS_MAX || fds[1] >= UNIX_FDS_MAX)
		return -LINUX_EMFILE;
	if (!pp)
		return -LINUX_ENFILE;
	for (int k = 0; k < 2; k++)
		ends[k] = file_new(FILE_PIPE, (k ? LINUX_O_WRONLY : 0) |
				   (uint32_t)(flags & LINUX_O_NONBLOCK), NULL, pp);
	if (!ends[0] || !ends[1]) {
		for (int k = 0; k < 2; k++)
			if (ends[k])
				*ends[k] = (struct unix_file){ 0 };   /* (the pipe was not counted yet) */
		return -LINUX_ENFILE;
	}
	*pp = (struct unix_pipe){ .readers = 1, .writers = 1 };
	for (int k = 0; k < 2; k++)
		fd_install(p, fds[k], ends[k], (flags & LINUX_O_CLOEXEC) ? LINUX_FD_CLOEXEC : 0);
	memcpy(out, fds, sizeof(fds));
	*a = (struct unix_answer){ .data = out, .len = sizeof(fds) };
	return 0;
}

/* read of a pipe: its bytes, end of file, EAGAIN, or the call waits. */
static int64_t pipe_read(struct unix_proc *p, struct unix_file *f, const struct unix_call_msg *m,
			 uint64_t addr, uint64_t count, char *out, struct unix_answer *a)
{
	struct unix_pipe *pp = f->pipe;
	int64_t n;

	if (count > UNIX_READ_MAX)
		count = UNIX_READ_MAX;
	if (!count || (!pp->len && !pp->writers))
		return 0;
	if (!pp->len) {
		if ((f->flags & LINUX_O_NONBLOCK) || pp->rwait.proc || !m->h.remote_port)
			return -LINUX_EAGAIN;      /* (one reader waits at a time) */
		pp->rwait = (struct pipe_wait){ p, m->h.remote_port, addr, count };
		a->deferred = true;
		return 0;
	}
	n = pipe_take(pp, p, addr, count, out);
	if (n > 0 && count <= UNIX_DATA_MAX)
		*a = (struct unix_answer){ .data = out, .len = (uint32_t)n };
	pipe_resume_writer(pp);
	return n;
}

/* write to a pipe: what fits now, EPIPE (and SIGPIPE) with no reader, or the call waits. */
static int64_t pipe_write(struct unix_proc *p, struct unix_file *f, const struct unix_call_msg *m,
			  const char *data, uint32_t len, struct unix_answer *a)
{
	struct unix_pipe *pp = f->pipe;
	uint32_t n;

	if (!pp->readers) {
		signal_post(p, LINUX_SIGPIPE);
		return -LINUX_EPIPE;
	}
	if (!len)
		return 0;
	n = pipe_put(pp, data, len);
	if (n) {
		pipe_resume_reader(pp);
		return n;
	}
	if ((f->flags & LINUX_O_NONBLOCK) || pp->wwait.proc || !m->h.remote_port)
		return -LINUX_EAGAIN;              /* (one writer waits at a time) */
	memcpy(pp->wbuf, data, len);
	pp->wwait = (struct pipe_wait){ p, m->h.remote_port, 0, len };
	a->deferred = true;
	return 0;
}

/*
 * The bytes of a write: in the call's data item (at most UNIX_DATA_MAX), or,
 * for a longer write or pwrite64 (the library sends none then), read from
 * the process's buffer at addr (vm_read through its task port, at most
 * UNIX_WRITE_MAX: a shorter write); NULL with *err for a bad buffer.
 */
static const char *write_bytes(struct unix_proc *p, const struct unix_call_msg *m, uint64_t addr,
			       uint64_t count, uint32_t *len, int64_t *err)
{
	static char buf[UNIX_WRITE_MAX];
	const char *data = call_data(m, len);

	if (data || m->words[0] == LINUX_WRITEV)
		return data;
	*len = count < UNIX_WRITE_MAX ? (uint32_t)count : UNIX_WRITE_MAX;
	if (mk_vm_read(p->task, addr, buf, *len) != KERN_SUCCESS) {
		*err = -LINUX_EFAULT;
		return NULL;
	}
	return buf;
}

/* write, writev or pwrite64 (at off; -1: the descriptor's offset). */
static int64_t unix_write(struct unix_proc *p, const struct unix_call_msg *m, uint64_t fd,
			  int64_t off, struct unix_answer *a)
{
	struct unix_file *f = fd_get(p, fd);
	uint32_t len = 0;
	int64_t n = -LINUX_EBADF;
	const char *data;

	if (!f || !fd_writable(f))
		return -LINUX_EBADF;
	if (!(data = write_bytes(p, m, m->words[2], m->words[3], &len, &n)))
		return n;
	switch (f->file) {
	case FILE_PIPE:
		return off >= 0 ? -LINUX_ESPIPE : pipe_write(p, f, m, data, len, a);
	case FILE_CONSOLE:
		return mk_console_write(data, len) == KERN_SUCCESS ? (int64_t)len : -LINUX_EBADF;
	case FILE_NODE:
		if (off < 0 && (f->flags & LINUX_O_APPEND))
			f->offset = fs_size(f->node);
		n = fs_write(f->node, data, len, off < 0 ? f->offset : (uint64_t)off);
		if (n > 0 && off < 0)
			f->offset += (uint64_t)n;
		return n;
	default:
		return len;                        /* /dev/null and /dev/zero take it all */
	}
}

/*
 * read or pread64 (at off; -1: the descriptor's offset) of count bytes for
 * the process's buffer at addr. At most UNIX_DATA_MAX go in the answer (a
 * holds them: out, or zeros from /dev/zero); a longer read of a file is
 * written into the buffer directly (vm_write through the task port, from
 * the file's bytes in place, at most UNIX_READ_MAX: a shorter read), and
 * the answer carries only the count.
 */
static int64_t unix_read(struct unix_proc *p, const struct unix_call_msg *m, uint64_t fd,
			 uint64_t addr, uint64_t count, int64_t off, char *out,
			 struct unix_answer *a)
{
	struct unix_file *f = fd_get(p, fd);
	uint64_t at, avail;
	const char *bytes;
	int64_t n;

	if (!f || !fd_readable(f))
		return -LINUX_EBADF;
	if (f->file == FILE_PIPE)
		return off >= 0 ? -LINUX_ESPIPE : pipe_read(p, f, m, addr, count, out, a);
	if (f->file != FILE_NODE || count <= UNIX_DATA_MAX) {
		if (count > UNIX_DATA_MAX)
			count = UNIX_DATA_MAX;
		if (f->file == FILE_ZERO)
			n = (int64_t)count;                /* (answered as zeros: no data) */
		else if (f->file == FILE_NODE)
			n = fs_read(f->node, out, count, off < 0 ? f->offset : (uint64_t)off);
		else
			n = 0;                             /* /dev/null, and no console input yet */
		if (n > 0)
			*a = (struct unix_answer){ .data = f->file == FILE_ZERO ? NULL : out,
						   .len = (uint32_t)n };
	} else {
		at = off < 0 ? f->offset : (uint64_t)off;
		if (!(bytes = fs_peek(f->node, at, &avail)))
			return fs_read(f->node, NULL, 0, at);   /* its error (a directory) */
		n = (int64_t)(count < avail ? count : avail);
		if (n > UNIX_READ_MAX)
			n = UNIX_READ_MAX;
		if (n && mk_vm_write(p->task, addr, bytes, (vm_size_t)n) != KERN_SUCCESS)
			return -LINUX_EFAULT;
	}
	if (n > 0 && off < 0)
		f->offset += (uint64_t)n;
	return n;
}

static int64_t unix_lseek(struct unix_proc *p, uint64_t fd, int64_t off, uint64_t whence)
{
	struct unix_file *f = fd_get(p, fd);
	int64_t base;

	if (!f)
		return -LINUX_EBADF;
	if (f->file == FILE_CONSOLE || f->file == FILE_PIPE)
		return -LINUX_ESPIPE;
	if (f->file != FILE_NODE)
		return 0;                          /* the memory devices: always at 0 */
	base = whence == LINUX_SEEK_SET ? 0 : whence == LINUX_SEEK_CUR ? (int64_t)f->offset :
	       whence == LINUX_SEEK_END ? (int64_t)fs_size(f->node) : -1;
	if (base < 0 || (off < 0 && -off > base))
		return -LINUX_EINVAL;
	f->offset = (uint64_t)(base + off);
	return (int64_t)f->offset;
}

/* fstat of descriptor fd into st (FS_STAT_BYTES). */
static int64_t unix_fstat(struct unix_proc *p, uint64_t fd, char *st)
{
	struct unix_file *f = fd_get(p, fd);

	if (f && f->file == FILE_PIPE) {           /* a FIFO: no more than its kind */
		uint32_t mode = LINUX_S_IFIFO | 0600;

		memset(st, 0, FS_STAT_BYTES);
		memcpy(st + LINUX_STAT_MODE_OFFSET, &mode, sizeof(mode));
		return 0;
	}
	if (!f || !f->node)
		return -LINUX_EBADF;
	fs_stat_linux(f->node, st);
	return 0;
}

static int64_t unix_ftruncate(struct unix_proc *p, uint64_t fd, uint64_t size)
{
	struct unix_file *f = fd_get(p, fd);

	if (!f || !fd_writable(f))
		return -LINUX_EBADF;
	return f->file == FILE_NODE ? fs_truncate(f->node, size) : -LINUX_EINVAL;
}

/* stat, lstat and newfstatat (fstat when the path is empty with AT_EMPTY_PATH) into st. */
static int64_t unix_stat(struct unix_proc *p, const struct unix_call_msg *m, uint64_t dirfd,
			 uint64_t flags, char *st)
{
	const char *path = call_path(m);
	struct fs_node *dir, *n;
	int64_t rc;

	if (path && !*path && (flags & LINUX_AT_EMPTY_PATH))
		return unix_fstat(p, dirfd, st);
	if ((rc = at_path(p, m, dirfd, &dir, &path)) != 0)
		return rc;
	rc = fs_lookup(dir, path, !(flags & LINUX_AT_SYMLINK_NOFOLLOW), &n);
	if (rc == 0)
		fs_stat_linux(n, st);
	return rc;
}

/* ---- memory: the process's task, through its port ---- */

static uint64_t page_up(uint64_t a)
{
	return (a + UNIX_PAGE - 1) & ~(uint64_t)(UNIX_PAGE - 1);
}

static int64_t vm_errno(kern_return_t kr)
{
	return kr == KERN_INVALID_ARGUMENT ? -LINUX_EINVAL : -LINUX_ENOMEM;
}

/* brk: move the break to want (0 or out of range: leave it); the break after. */
static int64_t unix_brk(struct unix_proc *p, uint64_t want)
{
	uint64_t old_top = page_up(p->brk), new_top = page_up(want);
	vm_address_t at = old_top;

	if (want < p->brk_start || want - p->brk_start > UNIX_BRK_MAX_BYTES)
		return (int64_t)p->brk;
	if (new_top > old_top &&
	    mk_vm_allocate(p->task, &at, new_top - old_top, VM_ALLOC_FIXED) != KERN_SUCCESS)
		return (int64_t)p->brk;
	if (new_top < old_top)
		mk_vm_deallocate(p->task, new_top, old_top - new_top);
	p->brk = want;
	return (int64_t)want;
}

/*
 * mmap of anonymous memory (file mappings: ENODEV, not yet): fresh zero-fill
 * memory in the process's task, anywhere (Mach's anywhere starts far above
 * the break) or, MAP_FIXED, in place of what was at addr.
 */
static int64_t unix_mmap(struct unix_proc *p, uint64_t addr, uint64_t len, uint64_t prot,
			 uint64_t flags)
{
	uint64_t size = page_up(len);
	vm_address_t at = addr;
	kern_return_t kr;

	if (!(flags & LINUX_MAP_ANONYMOUS))
		return -LINUX_ENODEV;
	if (!len || size < len || prot & ~(uint64_t)LINUX_PROT_ALL ||
	    !(flags & (LINUX_MAP_SHARED | LINUX_MAP_PRIVATE)) ||
	    ((flags & LINUX_MAP_FIXED) && (addr % UNIX_PAGE)))
		return -LINUX_EINVAL;
	if (flags & LINUX_MAP_FIXED) {
		mk_vm_deallocate(p->task, addr, size);    /* (nothing there is fine) */
		kr = mk_vm_allocate(p->task, &at, size, VM_ALLOC_FIXED);
	} else {
		kr = mk_vm_allocate(p->task, &at, size, VM_ALLOC_ANYWHERE);
	}
	if (kr == KERN_SUCCESS && prot != LINUX_PROT_ALL &&
	    (kr = mk_vm_protect(p->task, at, size, (vm_prot_t)prot)) != KERN_SUCCESS)
		mk_vm_deallocate(p->task, at, size);
	return kr == KERN_SUCCESS ? (int64_t)at : vm_errno(kr);
}

static int64_t unix_munmap(struct unix_proc *p, uint64_t addr, uint64_t len)
{
	if (addr % UNIX_PAGE || !len || page_up(len) < len)
		return -LINUX_EINVAL;
	mk_vm_deallocate(p->task, addr, page_up(len));   /* (nothing there is fine, as on Linux) */
	return 0;
}

static int64_t unix_mprotect(struct unix_proc *p, uint64_t addr, uint64_t len, uint64_t prot)
{
	kern_return_t kr;

	if (addr % UNIX_PAGE || page_up(len) < len || prot & ~(uint64_t)LINUX_PROT_ALL)
		return -LINUX_EINVAL;
	if (!len)
		return 0;
	kr = mk_vm_protect(p->task, addr, page_up(len), (vm_prot_t)prot);
	return kr == KERN_SUCCESS ? 0 : vm_errno(kr);
}

/* madvise: the hints are taken (and do nothing); advice that changes memory
 * (MADV_DONTNEED, MADV_FREE, ...) is EINVAL, not yet. */
static int64_t unix_madvise(uint64_t addr, uint64_t advice)
{
	if (addr % UNIX_PAGE)
		return -LINUX_EINVAL;
	return advice <= LINUX_MADV_WILLNEED || advice == LINUX_MADV_HUGEPAGE ||
	       advice == LINUX_MADV_NOHUGEPAGE ? 0 : -LINUX_EINVAL;
}

/* ---- signals ---- */

static uint64_t sig_bit(uint64_t sig)
{
	return 1ULL << (sig - 1);
}

/* Signals no mask holds back and no action changes. */
#define SIG_UNBLOCKABLE (sig_bit(LINUX_SIGKILL) | sig_bit(LINUX_SIGSTOP))

/* Is sig's default action to let it go (the stop signals too: no job control here)? */
static bool sig_default_ignored(uint64_t sig)
{
	return sig == LINUX_SIGCHLD || sig == LINUX_SIGCONT || sig == LINUX_SIGURG ||
	       sig == LINUX_SIGWINCH || (sig >= LINUX_SIGSTOP && sig <= LINUX_SIGTTOU);
}

static bool sig_ignored(const struct unix_proc *p, uint64_t sig)
{
	uint64_t h = p->acts[sig].handler;

	return sig != LINUX_SIGKILL &&
	       (h == LINUX_SIG_IGN || (h == LINUX_SIG_DFL && sig_default_ignored(sig)));
}

/* The process ends by sig's default action: its task goes, whoever started it hears. */
static void proc_kill(struct unix_proc *p, uint64_t sig)
{
	mk_task_terminate(p->task);
	proc_end(p, UNIX_STATUS_SIGNALED | sig);
}

static int signal_take(struct unix_proc *p, uint64_t w[UNIX_SIGNAL_WORDS - 1]);

/*
 * An rt_sigsuspend of p gets the signal it waits for, if one is ready: its
 * answer is EINTR with the signal to deliver, whose handler goes back to
 * the mask from before the call (a default action that ends p ends it
 * here instead).
 */
static void signal_resume(struct unix_proc *p)
{
	uint64_t w[UNIX_SIGNAL_WORDS] = { (uint64_t)-LINUX_EINTR };
	mach_port_name_t reply = p->suspend_reply;

	if (!reply || signal_take(p, &w[1]) <= 0)
		return;                                /* nothing yet, or p is gone */
	w[UNIX_SIGNAL_WORDS - 1] = p->suspend_mask;
	p->suspend_reply = MACH_PORT_NULL;
	poll_clear(p);                               /* (a poll ends with EINTR too) */
	answer_words_later(reply, w, UNIX_SIGNAL_WORDS, NULL, 0);
}

/* Wait with mask until a signal with a handler (or one that ends p) comes;
 * the answer (EINTR) may be at once. */
static int64_t signal_wait(struct unix_proc *p, mach_port_name_t reply, uint64_t mask,
			   struct unix_answer *a)
{
	if (!reply || p->suspend_reply)
		return -LINUX_EINVAL;
	p->suspend_mask = p->blocked;
	p->blocked = mask & ~SIG_UNBLOCKABLE;
	p->suspend_reply = reply;
	a->deferred = true;
	signal_resume(p);
	return 0;
}

/* rt_sigsuspend(mask, size): signal_wait with the call's mask. */
static int64_t unix_sigsuspend(struct unix_proc *p, const struct unix_call_msg *m,
			       struct unix_answer *a)
{
	uint32_t len = 0;
	const char *data = call_data(m, &len);
	uint64_t mask;

	if (m->words[2] != LINUX_SIGSET_BYTES || !data || len != LINUX_SIGSET_BYTES)
		return -LINUX_EINVAL;
	memcpy(&mask, data, sizeof(mask));
	return signal_wait(p, m->h.remote_port, mask, a);
}

/*
 * Send sig (1..LINUX_NSIG) to p: an ignored one that is not blocked goes at
 * once, one whose default action ends p ends it at once unless blocked,
 * any other waits in p's pending set for its next call. True if p ended.
 */
static bool signal_post(struct unix_proc *p, uint64_t sig)
{
	bool blocked = p->blocked & sig_bit(sig);

	if (sig_ignored(p, sig) && !blocked)
		return false;
	if (sig == LINUX_SIGKILL || (!blocked && p->acts[sig].handler == LINUX_SIG_DFL)) {
		proc_kill(p, sig);
		return true;
	}
	p->pending |= sig_bit(sig);
	signal_resume(p);
	return false;
}

/*
 * The lowest pending signal p does not block, taken out of pending: for a
 * handler, its delivery's words after the result (signal, handler, flags,
 * restorer, the mask to restore) with the mask the handler runs under set,
 * and 1; 0 when there is none (ignored ones are dropped on the way); -1
 * when a default action ended p.
 */
static int signal_take(struct unix_proc *p, uint64_t w[UNIX_SIGNAL_WORDS - 1])
{
	uint64_t ready;

	while ((ready = p->pending & ~p->blocked) != 0) {
		uint64_t sig = (uint64_t)__builtin_ctzll(ready) + 1;
		struct unix_sigaction *a = &p->acts[sig];

		p->pending &= ~sig_bit(sig);
		if (sig_ignored(p, sig))
			continue;
		if (a->handler == LINUX_SIG_DFL) {
			proc_kill(p, sig);
			return -1;
		}
		w[0] = sig;
		w[1] = a->handler;
		w[2] = a->flags;
		w[3] = a->restorer;
		w[4] = p->blocked;
		p->blocked |= (a->mask | ((a->flags & LINUX_SA_NODEFER) ? 0 : sig_bit(sig))) &
			      ~SIG_UNBLOCKABLE;
		if (a->flags & LINUX_SA_RESETHAND)
			*a = (struct unix_sigaction){ 0 };
		return 1;
	}
	return 0;
}

/* rt_sigaction(sig, act, oact, size): the new action in the call's data,
 * the old one into out (*out_len bytes of it) when asked for. */
static int64_t unix_sigaction(struct unix_proc *p, const struct unix_call_msg *m, char *out,
			      uint32_t *out_len)
{
	uint64_t sig = m->words[1];
	uint32_t len = 0;
	const char *act = m->words[2] ? call_data(m, &len) : NULL;

	if (sig < 1 || sig > LINUX_NSIG || m->words[4] != LINUX_SIGSET_BYTES ||
	    (m->words[2] && (!act || len != LINUX_SIGACTION_BYTES)) ||
	    (act && (sig_bit(sig) & SIG_UNBLOCKABLE)))
		return -LINUX_EINVAL;
	if (m->words[3]) {
		memcpy(out, &p->acts[sig], LINUX_SIGACTION_BYTES);
		*out_len = LINUX_SIGACTION_BYTES;
	}
	if (act) {
		memcpy(&p->acts[sig], act, LINUX_SIGACTION_BYTES);
		p->acts[sig].mask &= ~SIG_UNBLOCKABLE;
		if (sig_ignored(p, sig))
			p->pending &= ~sig_bit(sig);    /* as POSIX says: a pending one goes */
	}
	return 0;
}

/* rt_sigprocmask(how, set, oldset, size): the set in the call's data, the old mask into out. */
static int64_t unix_sigprocmask(struct unix_proc *p, const struct unix_call_msg *m, char *out,
				uint32_t *out_len)
{
	uint64_t how = m->words[1], set = 0;
	uint32_t len = 0;
	const char *data = m->words[2] ? call_data(m, &len) : NULL;

	if (m->words[4] != LINUX_SIGSET_BYTES || (m->words[2] && (!data || len != 8)) ||
	    (data && how != LINUX_SIG_BLOCK && how != LINUX_SIG_UNBLOCK && how != LINUX_SIG_SETMASK))
		return -LINUX_EINVAL;
	if (m->words[3]) {
		memcpy(out, &p->blocked, LINUX_SIGSET_BYTES);
		*out_len = LINUX_SIGSET_BYTES;
	}
	if (data) {
		memcpy(&set, data, sizeof(set));
		p->blocked = how == LINUX_SIG_BLOCK ? p->blocked | set :
			     how == LINUX_SIG_UNBLOCK ? p->blocked & ~set : set;
		p->blocked &= ~SIG_UNBLOCKABLE;
	}
	return 0;
}

/* kill, tkill and tgkill: pid names a process of this server (one thread
 * each: a thread id is its pid); *self_ended when the caller ended. */
static int64_t unix_kill(struct unix_proc *p, uint64_t pid, uint64_t sig, bool *self_ended)
{
	struct unix_proc *t = NULL;

	pid = (uint64_t)(int64_t)(int32_t)pid;       /* (an int to Linux) */
	if (sig > LINUX_NSIG)
		return -LINUX_EINVAL;
	if ((int64_t)pid <= 0 && (int64_t)pid != -1 && pid != 0)
		return -LINUX_ESRCH;                 /* process groups: only the caller's own */
	if (pid == 0 || (int64_t)pid == -1)
		t = p;
	for (int i = 0; !t && i < UNIX_PROCS_MAX; i++)
		if (procs[i].pid && procs[i].pid == pid)
			t = &procs[i];
	if (!t)
		return -LINUX_ESRCH;
	if (sig && signal_post(t, sig))
		*self_ended = t == p;
	return 0;
}

/* ---- processes ---- */

#define EXEC_VECTOR_MAX  1024              /* arguments and environment strings, each */

/*
 * The NULL-terminated vector of strings at addr in p's memory (execve's
 * argv or envp), read through its task port into strings[*used..] (at
 * most EXEC_VECTOR_MAX of them, UNIX_ARGS_BYTES of text in all); 0 or a
 * negative errno (EFAULT: a bad pointer; E2BIG: too much).
 */
static int64_t exec_vector(struct unix_proc *p, uint64_t addr, const char *v[EXEC_VECTOR_MAX + 1],
			   char *strings, size_t *used)
{
	size_t n = 0;

	for (; addr; n++) {
		uint64_t ptr;
		size_t len = 0;

		if (n == EXEC_VECTOR_MAX)
			return -LINUX_E2BIG;
		if (mk_vm_read(p->task, addr + 8 * n, &ptr, sizeof(ptr)) != KERN_SUCCESS)
			return -LINUX_EFAULT;
		if (!ptr)
			break;
		for (;;) {                         /* the string, up to each page's end until its NUL */
			uint64_t at = ptr + len;
			size_t room = UNIX_ARGS_BYTES - *used - len;
			size_t chunk = UNIX_PAGE - (at % UNIX_PAGE), got;

			if (chunk > room)
				chunk = room;
			if (!chunk)
				return -LINUX_E2BIG;
			if (mk_vm_read(p->task, at, strings + *used + len, chunk) != KERN_SUCCESS)
				return -LINUX_EFAULT;
			got = strnlen(strings + *used + len, chunk);
			len += got;
			if (got < chunk)
				break;
		}
		v[n] = strings + *used;
		*used += len + 1;
	}
	v[n] = NULL;
	return 0;
}

/*
 * execve: the program at the call's path (a static ELF64 file of the file
 * system, read in place) becomes p in a new task built as exec.c builds
 * one, with argv and envp read from the old task; the old task goes. p
 * keeps its pid, parent, children and descriptors (but the close-on-exec
 * ones), and its handled signals go back to their default actions. No
 * answer on success: the caller is gone (its reply right is dropped).
 */
static int64_t unix_execve(struct unix_proc *p, const struct unix_call_msg *m,
			   struct unix_answer *a)
{
	static char strings[UNIX_ARGS_BYTES];
	static const char *argv[EXEC_VECTOR_MAX + 1], *envp[EXEC_VECTOR_MAX + 1];
	const char *path = call_path(m), *image;
	struct unix_exec_start start;
	mach_port_name_t task;
	struct fs_node *n;
	uint64_t size;
	size_t used = 0;
	int64_t rc;

	if (!path)
		return -LINUX_EFAULT;
	if (strcmp(path, PROC_SELF_EXE) == 0)
		n = p->exe;
	else if ((rc = fs_lookup(p->cwd, path, true, &n)) != 0)
		return rc;
	if (!n)
		return -LINUX_ENOENT;
	if (fs_kind(n) != FS_REG || !(image = fs_peek(n, 0, &size)))
		return -LINUX_EACCES;
	if ((rc = exec_vector(p, m->words[2], argv, strings, &used)) != 0 ||
	    (rc = exec_vector(p, m->words[3], envp, strings, &used)) != 0)
		return rc;
	switch (unix_exec_build(image, size, server_cfg->emul, server_cfg->emul_size, argv, envp,
				&task, &start)) {
	case KERN_SUCCESS:
		break;
	case KERN_BAD_IMAGE:
		return -LINUX_ENOEXEC;
	case KERN_INVALID_ARGUMENT:
		return -LINUX_E2BIG;
	default:
		return -LINUX_ENOMEM;
	}
	if (mk_port_insert_right(task, UNIX_SERVER_NAME, p->port, MACH_MSG_TYPE_MAKE_SEND) ||
	    unix_exec_run(&task, &start) != KERN_SUCCESS) {
		if (task)
			unix_exec_abandon(&task);
		return -LINUX_ENOMEM;
	}
	mk_task_terminate(p->task);                /* (its send right goes: the new one holds on) */
	mk_port_deallocate(MACH_PORT_TASK_SELF, p->task);
	p->task = task;
	p->brk_start = p->brk = start.brk;
	fs_hold(n);
	if (p->exe)
		fs_release(p->exe);
	p->exe = n;
	for (int fd = 0; fd < UNIX_FDS_MAX; fd++)
		if (p->fds[fd] && p->cloexec[fd])
			fd_close(p, fd);
	for (int sig = 1; sig <= LINUX_NSIG; sig++)
		if (p->acts[sig].handler != LINUX_SIG_IGN)
			p->acts[sig] = (struct unix_sigaction){ 0 };
	if (m->h.remote_port)
		mk_port_deallocate(MACH_PORT_TASK_SELF, m->h.remote_port);
	a->deferred = true;                        /* (no answer: nobody is left to take it) */
	return 0;
}

/* access and faccessat: the file exists (F_OK), and for X_OK is a directory or
 * has an execute bit (no owners or permissions otherwise: R_OK and W_OK pass). */
static int64_t unix_access(struct unix_proc *p, const struct unix_call_msg *m, uint64_t dirfd,
			   uint64_t mode)
{
	const char *path;
	struct fs_node *dir, *n;
	struct fs_stat st;
	int64_t rc;

	if ((rc = at_path(p, m, dirfd, &dir, &path)) != 0)
		return rc;
	if (mode & ~(uint64_t)LINUX_ACCESS_MODES)
		return -LINUX_EINVAL;
	if ((rc = fs_lookup(dir, path, true, &n)) != 0)
		return rc;
	fs_stat(n, &st);
	if ((mode & LINUX_X_OK) && fs_kind(n) != FS_DIR && !(st.mode & 0111))
		return -LINUX_EACCES;
	return 0;
}

/*
 * fork: a child task made from p's as a blueprint (copy-on-write), a port
 * and a server right of its own, p's descriptors (the same open files,
 * their offsets shared), signal actions and mask
 * and break; its one thread starts at entry (the library's emul_fork_child)
 * on its copy of the frame of p's fork call at frame, and returns 0 there.
 * The child's pid, or a negative errno.
 */
static int64_t unix_fork(struct unix_proc *p, uint64_t entry, uint64_t frame)
{
	struct unix_proc *c = NULL;
	mach_port_name_t thread = MACH_PORT_NULL;

	for (int i = 0; !c && i < UNIX_PROCS_MAX; i++)
		if (!procs[i].pid)
			c = &procs[i];
	if (!c)
		return -LINUX_EAGAIN;
	*c = (struct unix_proc){ 0 };
	if (mk_task_create(p->task, 1, &c->task) != KERN_SUCCESS)
		return -LINUX_ENOMEM;
	if (mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_RECEIVE, &c->port) ||
	    mk_port_move_member(MACH_PORT_TASK_SELF, c->port, server_set) ||
	    mk_port_insert_right(c->task, UNIX_SERVER_NAME, c->port, MACH_MSG_TYPE_MAKE_SEND) ||
	    mk_port_request_notification(MACH_PORT_TASK_SELF, c->port, MACH_NOTIFY_NO_SENDERS,
					 c->port) ||
	    mk_thread_create(c->task, (void (*)(void *))entry, (void *)frame, (void *)frame,
			     &thread) != KERN_SUCCESS) {
		if (c->port)
			mk_port_destroy(MACH_PORT_TASK_SELF, c->port);
		unix_exec_abandon(&c->task);
		*c = (struct unix_proc){ 0 };
		return -LINUX_ENOMEM;
	}
	mk_port_deallocate(MACH_PORT_TASK_SELF, thread);
	c->pid = next_pid++;
	c->ppid = p->pid;
	c->brk_start = p->brk_start;
	c->brk = p->brk;
	memcpy(c->fds, p->fds, sizeof(c->fds));   /* the same open files: offsets shared */
	memcpy(c->cloexec, p->cloexec, sizeof(c->cloexec));
	for (int fd = 0; fd < UNIX_FDS_MAX; fd++)
		if (c->fds[fd])
			c->fds[fd]->refs++;
	memcpy(c->acts, p->acts, sizeof(c->acts));
	c->blocked = p->blocked;
	c->umask = p->umask;
	if ((c->cwd = p->cwd) != NULL)
		fs_hold(c->cwd);
	if ((c->exe = p->exe) != NULL)
		fs_hold(c->exe);
	return c->pid;
}

/*
 * wait4(pid, status, options, rusage): a zombie child's pid, its status in
 * the answer's data (rusage is not filled); with none yet, 0 for WNOHANG or
 * the call waits (its reply right kept) until a child ends (wait_wake).
 * pid is an int (the register's upper half is not looked at); -1, 0 and
 * a process group (-pgid) mean any child: there is one process group.
 */
static int64_t unix_wait4(struct unix_proc *p, const struct unix_call_msg *m, char *out,
			  struct unix_answer *a)
{
	int64_t pid = (int32_t)m->words[1] <= 0 ? -1 : (int32_t)m->words[1];
	struct unix_proc *z;

	if ((z = wait_child(p, pid, true)) != NULL) {
		int64_t found = z->pid;

		memcpy(out, &z->wait_status, sizeof(z->wait_status));
		*a = (struct unix_answer){ .data = out, .len = sizeof(z->wait_status) };
		*z = (struct unix_proc){ 0 };
		return found;
	}
	if (!wait_child(p, pid, false))
		return -LINUX_ECHILD;
	if (m->words[3] & LINUX_WNOHANG)
		return 0;
	if (p->wait_reply || !m->h.remote_port)
		return -LINUX_EINVAL;              /* (one thread: one wait at a time) */
	p->wait_reply = m->h.remote_port;
	p->wait_pid = pid;
	a->deferred = true;
	return 0;
}

/* unlink, unlinkat, rmdir, mkdir and mkdirat of the call's path. */
static int64_t unix_path_change(struct unix_proc *p, const struct unix_call_msg *m,
				uint64_t nr, uint64_t dirfd, uint64_t arg)
{
	const char *path;
	struct fs_node *dir;
	int64_t rc;

	if ((rc = at_path(p, m, dirfd, &dir, &path)) != 0)
		return rc;
	switch (nr) {
	case LINUX_MKDIR:
	case LINUX_MKDIRAT:
		return fs_mkdir(dir, path, (uint32_t)arg & ~p->umask);
	case LINUX_RMDIR:
		return fs_rmdir(dir, path);
	default:                                   /* unlink, unlinkat */
		return arg & LINUX_AT_REMOVEDIR ? fs_rmdir(dir, path) : fs_unlink(dir, path);
	}
}

/*
 * What each of v[0..n) is ready for (its revents: what it asked for, and
 * POLLERR, POLLHUP, POLLNVAL unasked): files and /dev/null and /dev/zero
 * always; the console for writing, and for reading (at end of file: it
 * has no input); a pipe's read end once it holds bytes, or POLLHUP when no
 * writer is left; its write end while it has room, or POLLERR when no
 * reader is left; a closed descriptor POLLNVAL; a negative one is left
 * out. Returns how many have revents.
 */
static uint32_t poll_scan(struct unix_proc *p, struct linux_pollfd *v, uint32_t n)
{
	uint32_t ready = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct unix_file *f = v[i].fd < 0 ? NULL : fd_get(p, (uint64_t)v[i].fd);
		uint32_t r = LINUX_POLLIN | LINUX_POLLOUT;

		if (v[i].fd < 0)
			r = 0;
		else if (!f)
			r = LINUX_POLLNVAL;
		else if (f->file == FILE_PIPE && fd_readable(f))
			r = f->pipe->len ? LINUX_POLLIN : f->pipe->writers ? 0 : LINUX_POLLHUP;
		else if (f->file == FILE_PIPE)
			r = !f->pipe->readers ? LINUX_POLLERR :
			    f->pipe->len < UNIX_PIPE_BYTES ? LINUX_POLLOUT : 0;
		v[i].revents = (int16_t)(r & ((uint16_t)v[i].events | LINUX_POLLERR | LINUX_POLLHUP |
					      LINUX_POLLNVAL));
		ready += v[i].revents != 0;
	}
	return ready;
}

/*
 * poll(fds, nfds, timeout) as the library sends it (select, pselect6 and
 * ppoll too): the pollfds in the data, the timeout in ms (negative: none),
 * then a flag and a signal mask to wait with (ppoll, pselect6). Answers
 * at once when one is ready or the timeout is 0; otherwise the call keeps
 * its reply right (as rt_sigsuspend: a signal ends it with EINTR) until
 * poll_wake finds one ready, or the library's receive times out and it
 * sends UNIX_CALL_POLL_CANCEL.
 */
static int64_t unix_poll(struct unix_proc *p, const struct unix_call_msg *m, char *out,
			 struct unix_answer *a)
{
	uint32_t len = 0, n = (uint32_t)m->words[2], ready;
	const char *data = call_data(m, &len);
	struct linux_pollfd *v = (struct linux_pollfd *)out;
	int64_t rc;

	if (m->words[2] > UNIX_POLL_MAX)
		return -LINUX_EINVAL;
	if (len != n * sizeof(*v) || (n && !data))
		return -LINUX_EFAULT;
	memcpy(v, data, len);
	ready = poll_scan(p, v, n);
	if (ready || (int32_t)m->words[3] == 0) {
		*a = (struct unix_answer){ .data = out, .len = len };
		return ready;
	}
	rc = signal_wait(p, m->h.remote_port, m->words[4] ? m->words[5] : p->blocked, a);
	if (rc == 0 && p->suspend_reply) {             /* (no signal ended it at once) */
		memcpy(poll_fds[p - procs], v, len);
		p->polling = true;
		p->npoll = n;
		polls_waiting++;
	}
	return rc;
}

/* p's waiting poll is answered: ready (of its npoll pollfds), the mask from
 * before the call back. */
static void poll_answer(struct unix_proc *p, uint32_t ready)
{
	mach_port_name_t reply = p->suspend_reply;

	p->blocked = p->suspend_mask;
	p->suspend_reply = MACH_PORT_NULL;
	answer_later(reply, ready, poll_fds[p - procs], p->npoll * (uint32_t)sizeof(struct linux_pollfd));
	poll_clear(p);
}

/* Every waiting poll that has a descriptor ready now is answered. */
static void poll_wake(void)
{
	for (int i = 0; i < UNIX_PROCS_MAX && polls_waiting; i++) {
		struct unix_proc *p = &procs[i];
		uint32_t ready;

		if (p->polling && (ready = poll_scan(p, poll_fds[i], p->npoll)) != 0)
			poll_answer(p, ready);
	}
}

/* UNIX_CALL_POLL_CANCEL: the library's receive timed out; its poll, if
 * still waiting, is answered with none ready (the library takes it). */
static void poll_cancel(struct unix_proc *p)
{
	if (!p->polling)
		return;
	for (uint32_t i = 0; i < p->npoll; i++)
		poll_fds[p - procs][i].revents = 0;
	poll_answer(p, 0);
}

/* chmod, fchmodat (dirfd, path) and fchmod (fd: by_fd): the file's
 * permission bits (a pipe has none to change: nothing happens). */
static int64_t unix_chmod(struct unix_proc *p, const struct unix_call_msg *m, uint64_t fd,
			  bool by_fd, uint64_t mode)
{
	struct fs_node *dir, *n;
	const char *path;
	int64_t rc;

	if (by_fd) {
		struct unix_file *f = fd_get(p, fd);

		if (!f)
			return -LINUX_EBADF;
		n = f->node;
	} else if ((rc = at_path(p, m, fd, &dir, &path)) != 0 ||
		   (rc = fs_lookup(dir, path, true, &n)) != 0) {
		return rc;
	}
	if (n)
		fs_chmod(n, (uint32_t)mode);
	return 0;
}

/* readlink of /proc/self/exe: the path of the file p runs (ENOENT: none, or
 * it was removed); at most size bytes, no NUL, as readlink gives. */
static int64_t unix_readlink_exe(struct unix_proc *p, char *out, uint64_t size)
{
	static char path[UNIX_DATA_MAX + 1];
	int64_t len = p->exe ? fs_path(p->exe, path, sizeof(path)) : -LINUX_ENOENT;

	if (len < 0)
		return len;
	if ((uint64_t)len > size)
		len = (int64_t)size;
	memcpy(out, path, (size_t)len);
	return len;
}

/*
 * mount(source, target, type, ...), the library sending target and type:
 * the server's file system is all in memory already, so a "tmpfs" on an
 * existing directory changes nothing and succeeds; there is no other kind
 * of file system (ENODEV: no proc either).
 */
static int64_t unix_mount(struct unix_proc *p, const struct unix_call_msg *m)
{
	uint32_t len = 0;
	const char *data = call_data(m, &len), *type;
	size_t target_len;
	struct fs_node *n;
	int64_t rc;

	if (!data || (target_len = strnlen(data, len)) + 1 >= len ||
	    strnlen(data + target_len + 1, len - target_len - 1) == len - target_len - 1)
		return -LINUX_EFAULT;
	type = data + target_len + 1;
	if ((rc = fs_lookup(p->cwd, data, true, &n)) != 0)
		return rc;
	if (fs_kind(n) != FS_DIR)
		return -LINUX_ENOTDIR;
	return strcmp(type, "tmpfs") == 0 ? 0 : -LINUX_ENODEV;
}

/*
 * reboot(magic, magic2, cmd): halt, power-off and restart end the Unix
 * system: every other process is killed (SIGKILL) and the caller ends as
 * if by exit(0), so whoever started processes hears (unix-run then ends,
 * and with it the machine). Returns 0 when the caller is gone, else an
 * error (EINVAL: bad magic or another command).
 */
static int64_t unix_reboot(struct unix_proc *p, uint64_t magic, uint64_t magic2, uint64_t cmd)
{
	if ((uint32_t)magic != LINUX_REBOOT_MAGIC1 ||
	    ((uint32_t)magic2 != LINUX_REBOOT_MAGIC2 && (uint32_t)magic2 != LINUX_REBOOT_MAGIC2A &&
	     (uint32_t)magic2 != LINUX_REBOOT_MAGIC2B && (uint32_t)magic2 != LINUX_REBOOT_MAGIC2C) ||
	    ((uint32_t)cmd != LINUX_REBOOT_RESTART && (uint32_t)cmd != LINUX_REBOOT_HALT &&
	     (uint32_t)cmd != LINUX_REBOOT_POWER_OFF))
		return -LINUX_EINVAL;
	for (int i = 0; i < UNIX_PROCS_MAX; i++)
		if (procs[i].pid && !procs[i].zombie && &procs[i] != p)
			proc_kill(&procs[i], LINUX_SIGKILL);
	mk_task_terminate(p->task);
	proc_end(p, 0);
	return 0;
}

/* Answer one call of p (out: room for an answer's bytes); false for exit
 * (no reply: the process is gone). */
static bool unix_call(struct unix_proc *p, const struct unix_call_msg *m, int64_t *result,
		      char *out, struct unix_answer *a)
{
	const uint64_t *w = m->words;

	p->calls++;
	*a = (struct unix_answer){ 0 };
	switch (w[0]) {
	case LINUX_GETPID:
	case LINUX_GETTID:                         /* one thread a process: its id is the pid */
	case LINUX_SET_TID_ADDRESS:
		*result = p->pid;
		return true;
	case LINUX_GETPPID:
		*result = p->ppid;                 /* 1: started by the server, as init's child */
		return true;
	case LINUX_PIPE:
	case LINUX_PIPE2:
		*result = unix_pipe(p, w[0] == LINUX_PIPE2 ? w[2] : 0, out, a);
		return true;
	case LINUX_EXECVE:
		*result = unix_execve(p, m, a);
		return true;
	case LINUX_ACCESS:
		*result = unix_access(p, m, (uint64_t)LINUX_AT_FDCWD, w[2]);
		return true;
	case LINUX_FACCESSAT:
	case LINUX_FACCESSAT2:
		*result = unix_access(p, m, w[1], w[3]);
		return true;
	case LINUX_FORK:                           /* (the library's: entry, frame) */
		*result = unix_fork(p, w[1], w[2]);
		return true;
	case LINUX_CLONE:                          /* as fork, the library sends fork instead */
		*result = -LINUX_ENOSYS;           /* threads and vfork: not yet */
		return true;
	case LINUX_WAIT4:
		*result = unix_wait4(p, m, out, a);
		return true;
	case LINUX_WRITE:
	case LINUX_WRITEV:
		*result = unix_write(p, m, w[1], -1, a);
		return true;
	case LINUX_PWRITE64:
		*result = (int64_t)w[4] < 0 ? -LINUX_EINVAL : unix_write(p, m, w[1], (int64_t)w[4], a);
		return true;
	case LINUX_READ:
	case LINUX_PREAD64:
		*result = w[0] == LINUX_PREAD64 && (int64_t)w[4] < 0 ? -LINUX_EINVAL :
			  unix_read(p, m, w[1], w[2], w[3], w[0] == LINUX_PREAD64 ? (int64_t)w[4] : -1,
				    out, a);
		return true;
	case LINUX_LSEEK:
		*result = unix_lseek(p, w[1], (int64_t)w[2], w[3]);
		return true;
	case LINUX_BRK:
		*result = unix_brk(p, w[1]);
		return true;
	case LINUX_MMAP:
		*result = unix_mmap(p, w[1], w[2], w[3], w[4]);
		return true;
	case LINUX_MUNMAP:
		*result = unix_munmap(p, w[1], w[2]);
		return true;
	case LINUX_MPROTECT:
		*result = unix_mprotect(p, w[1], w[2], w[3]);
		return true;
	case LINUX_MADVISE:
		*result = unix_madvise(w[1], w[3]);
		return true;
	case LINUX_RT_SIGACTION:
	case LINUX_RT_SIGPROCMASK:
		*a = (struct unix_answer){ .data = out };
		*result = w[0] == LINUX_RT_SIGACTION ? unix_sigaction(p, m, out, &a->len) :
			  unix_sigprocmask(p, m, out, &a->len);
		return true;
	case LINUX_RT_SIGSUSPEND:
		*result = unix_sigsuspend(p, m, a);
		return true;
	case LINUX_POLL:
		*result = unix_poll(p, m, out, a);
		return true;
	case UNIX_CALL_POLL_CANCEL:
		poll_cancel(p);
		a->deferred = true;                /* (sent without a reply right) */
		return true;
	case LINUX_PAUSE:
		*result = signal_wait(p, m->h.remote_port, p->blocked, a);
		return true;
	case LINUX_RT_SIGRETURN:                   /* the library restored the registers */
		p->blocked = w[1] & ~SIG_UNBLOCKABLE;
		*result = 0;
		return true;
	case LINUX_KILL:
	case LINUX_TKILL:
	case LINUX_TGKILL: {
		bool ended = false;

		*result = w[0] == LINUX_TGKILL ? ((uint32_t)w[1] != (uint32_t)w[2] ? -LINUX_ESRCH :
						  unix_kill(p, w[2], w[3], &ended)) :
			  (int32_t)w[1] <= 0 && w[0] == LINUX_TKILL ? -LINUX_EINVAL :
			  unix_kill(p, w[1], w[2], &ended);
		return !ended;
	}
	case LINUX_OPEN:
		*result = unix_open(p, m, (uint64_t)LINUX_AT_FDCWD, w[2], w[3]);
		return true;
	case LINUX_OPENAT:
		*result = unix_open(p, m, w[1], w[3], w[4]);
		return true;
	case LINUX_FSTAT:
		*result = unix_fstat(p, w[1], out);
		if (*result == 0)
			*a = (struct unix_answer){ .data = out, .len = FS_STAT_BYTES };
		return true;
	case LINUX_STAT:
	case LINUX_LSTAT:
	case LINUX_NEWFSTATAT:
		*result = w[0] == LINUX_NEWFSTATAT ? unix_stat(p, m, w[1], w[4], out) :
			  unix_stat(p, m, (uint64_t)LINUX_AT_FDCWD,
				    w[0] == LINUX_LSTAT ? LINUX_AT_SYMLINK_NOFOLLOW : 0, out);
		if (*result == 0)
			*a = (struct unix_answer){ .data = out, .len = FS_STAT_BYTES };
		return true;
	case LINUX_MKDIR:
	case LINUX_RMDIR:
	case LINUX_UNLINK:
		*result = unix_path_change(p, m, w[0], (uint64_t)LINUX_AT_FDCWD,
					   w[0] == LINUX_MKDIR ? w[2] : 0);
		return true;
	case LINUX_MKDIRAT:
	case LINUX_UNLINKAT:
		*result = unix_path_change(p, m, w[0], w[1], w[3]);
		return true;
	case LINUX_READLINK:
	case LINUX_READLINKAT: {
		uint64_t size = w[0] == LINUX_READLINK ? w[3] : w[4];
		struct fs_node *dir;
		const char *path;

		*result = at_path(p, m, w[0] == LINUX_READLINK ? (uint64_t)LINUX_AT_FDCWD : w[1],
				  &dir, &path);
		if (*result == 0 && strcmp(path, PROC_SELF_EXE) == 0)
			*result = unix_readlink_exe(p, out, size < UNIX_DATA_MAX ? size : UNIX_DATA_MAX);
		else if (*result == 0)
			*result = fs_readlink(dir, path, out, size < UNIX_DATA_MAX ? size : UNIX_DATA_MAX);
		if (*result > 0)
			*a = (struct unix_answer){ .data = out, .len = (uint32_t)*result };
		return true;
	}
	case LINUX_FTRUNCATE:
		*result = unix_ftruncate(p, w[1], w[2]);
		return true;
	case LINUX_CLOSE:
		*result = fd_get(p, w[1]) ? 0 : -LINUX_EBADF;
		if (*result == 0)
			fd_close(p, (int)(uint32_t)w[1]);
		return true;
	case LINUX_FCNTL:
		*result = unix_fcntl(p, w[1], w[2], w[3]);
		return true;
	case LINUX_DUP:
		*result = fd_dup(p, w[1], 0, false, 0);
		return true;
	case LINUX_DUP2:
	case LINUX_DUP3:
		*result = w[0] == LINUX_DUP3 && (w[1] == w[2] || (w[3] & ~(uint64_t)LINUX_O_CLOEXEC)) ?
			  -LINUX_EINVAL :
			  w[0] == LINUX_DUP2 && w[1] == w[2] ? (fd_get(p, w[1]) ? (int64_t)w[1] :
								-LINUX_EBADF) :
			  fd_dup(p, w[1], w[2], true, w[0] == LINUX_DUP3 && (w[3] & LINUX_O_CLOEXEC) ?
				 LINUX_FD_CLOEXEC : 0);     /* (dup2 has no third argument) */
		return true;
	case LINUX_CHDIR:
	case LINUX_FCHDIR:
		*result = unix_chdir(p, m, w[0] == LINUX_FCHDIR ? (int64_t)w[1] : -1);
		return true;
	case LINUX_GETCWD:
		*result = fs_path(p->cwd ? p->cwd : fs_root(), out,
				  w[2] < UNIX_DATA_MAX ? w[2] : UNIX_DATA_MAX);
		if (*result >= 0)
			*a = (struct unix_answer){ .data = out, .len = (uint32_t)++*result };
		return true;
	case LINUX_GETDENTS64:
		*result = unix_getdents(p, w[1], w[3], out, a);
		return true;
	case LINUX_RENAME:
	case LINUX_RENAMEAT:
	case LINUX_RENAMEAT2:
		*result = unix_rename(p, m);
		return true;
	case LINUX_CHMOD:
	case LINUX_FCHMODAT:
	case LINUX_FCHMOD:
		*result = unix_chmod(p, m, w[0] == LINUX_FCHMOD ? w[1] : w[0] == LINUX_CHMOD ?
				     (uint64_t)LINUX_AT_FDCWD : w[1], w[0] == LINUX_FCHMOD,
				     w[0] == LINUX_FCHMODAT ? w[3] : w[2]);
		return true;
	case LINUX_CREAT:
		*result = unix_open(p, m, (uint64_t)LINUX_AT_FDCWD,
				    LINUX_O_CREAT | LINUX_O_WRONLY | LINUX_O_TRUNC, w[2]);
		return true;
	case LINUX_UMASK:
		*result = p->umask;
		p->umask = w[1] & 0777;
		return true;
	case LINUX_GETUID:
	case LINUX_GETGID:
	case LINUX_GETEUID:
	case LINUX_GETEGID:
		*result = 0;                       /* root: there are no users */
		return true;
	case LINUX_UNAME:
		*result = unix_uname(out);
		*a = (struct unix_answer){ .data = out, .len = LINUX_UTSNAME_BYTES };
		return true;
	case LINUX_IOCTL:
		*result = -LINUX_ENOTTY;
		return true;
	case LINUX_MOUNT:
		*result = unix_mount(p, m);
		return true;
	case LINUX_IOPL:
	case LINUX_IOPERM:                         /* no I/O ports for a Unix process */
		*result = -LINUX_EPERM;
		return true;
	case LINUX_REBOOT:
		*result = unix_reboot(p, w[1], w[2], w[3]);
		return *result != 0;
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
 * The program's arguments: the request's data item, NUL-terminated strings
 * (UNIX_SPAWN_ARGS_MAX at most, an unterminated last one left out), or
 * "one" and "two" without one. argv[0] is name, or (name NULL: a spawn by
 * path) the first string, the path itself. Returns false when there is no
 * argv[0].
 */
static bool spawn_args(const struct unix_call_msg *m, const char *name,
		       const char *argv[UNIX_SPAWN_ARGS_MAX + 2])
{
	uint32_t len = 0, n = 0;
	const char *data = m->words_type.count == UNIX_CALL_WORDS ? call_data(m, &len) : NULL;

	if (name)
		argv[n++] = name;
	if (!data && name) {
		argv[n++] = "one";
		argv[n++] = "two";
	}
	for (uint32_t at = 0; data && at < len && n <= UNIX_SPAWN_ARGS_MAX; n++) {
		size_t arg_len = strnlen(data + at, len - at);

		if (arg_len == len - at)
			break;
		argv[n] = data + at;
		at += (uint32_t)arg_len + 1;
	}
	argv[n] = NULL;
	return n > 0;
}

/*
 * The image a spawn request names: the server's table entry words[0], or
 * (UNIX_SPAWN_BY_PATH) the static ELF file of the file system at argv[0].
 * Returns false when there is none.
 */
static bool spawn_image(const struct unix_server_config *cfg, const struct unix_call_msg *m,
			const char *argv[UNIX_SPAWN_ARGS_MAX + 2], const void **image, uint64_t *size,
			struct fs_node **exe)
{
	uint64_t index = m->words[0];
	struct fs_node *n;

	if (index == UNIX_SPAWN_BY_PATH) {
		if (!spawn_args(m, NULL, argv) || fs_lookup(NULL, argv[0], true, &n) != 0 ||
		    fs_kind(n) != FS_REG)
			return false;
		*image = fs_peek(n, 0, size);
		*exe = n;
		return *image != NULL;
	}
	if (index >= cfg->nprogs)
		return false;
	spawn_args(m, cfg->progs[index].name, argv);
	*image = cfg->progs[index].image;
	*size = cfg->progs[index].size;
	return true;
}

/* Start the program the request names for the requester, who hears at its exit. */
static void unix_spawn(const struct unix_server_config *cfg, mach_port_name_t set,
		       const struct unix_call_msg *m, mach_port_name_t reply)
{
	static const char *const envp[] = { "PATH=/bin", "HOME=/", NULL };
	const char *argv[UNIX_SPAWN_ARGS_MAX + 2];
	struct unix_proc *p = NULL;
	struct unix_exec_start start;
	uint64_t fail[2] = { (uint64_t)-1, 0 };
	const void *image;
	struct fs_node *exe = NULL, *cons = NULL;
	struct unix_file *console = NULL;
	uint64_t size;

	for (int i = 0; !p && i < UNIX_PROCS_MAX; i++)
		if (!procs[i].pid)
			p = &procs[i];
	if (fs_lookup(NULL, "/dev/console", true, &cons) == 0)
		fs_hold(cons);              /* (else the archive took it away: fstat says EBADF) */
	else
		cons = NULL;
	if (!(console = file_new(FILE_CONSOLE, LINUX_O_RDWR, cons, NULL)) && cons)
		fs_release(cons);
	if (!p || !console || !spawn_image(cfg, m, argv, &image, &size, &exe) ||
	    unix_exec_build(image, size, cfg->emul, cfg->emul_size, argv, envp,
			    &p->task, &start) != KERN_SUCCESS) {
		if (console)
			file_put(console);
		answer_words_later(reply, fail, 2, NULL, 0);
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
		file_put(console);
		answer_words_later(reply, fail, 2, NULL, 0);
		return;
	}
	p->pid = next_pid++;
	p->ppid = 1;
	p->umask = 022;
	p->waiter = reply;
	p->brk_start = p->brk = start.brk;
	if ((p->exe = exe) != NULL)
		fs_hold(exe);
	for (int fd = 0; fd < 3; fd++)              /* 0, 1 and 2: the console, one open file */
		fd_install(p, fd, console, 0);
	console->refs = 3;
}

static void *server_mem_alloc(size_t bytes)
{
	vm_address_t addr = 0;

	return mk_vm_allocate(MACH_PORT_TASK_SELF, &addr, bytes, VM_ALLOC_ANYWHERE) == KERN_SUCCESS ?
	       (void *)addr : NULL;
}

static void server_mem_free(void *p, size_t bytes)
{
	mk_vm_deallocate(MACH_PORT_TASK_SELF, (vm_address_t)p, bytes);
}

/* The file system: /dev and /tmp, and the root archive's tree if there is one. */
static void server_fs_init(const struct unix_server_config *cfg)
{
	static const struct fs_mem mem = { server_mem_alloc, server_mem_free };
	int rc;

	fs_init(&mem);
	if (cfg->archive && (rc = fs_load_cpio(cfg->archive, cfg->archive_size)) != 0)
		mk_printf("unix: the root archive was refused (errno %d): only /dev and /tmp\n",
			  -rc);
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
	server_set = set;
	server_cfg = cfg;
	server_fs_init(cfg);
	for (;;) {
		mach_msg_return_t mr;

		if (polls_waiting)
			poll_wake();                   /* (the last call may have made one ready) */
		mr = mk_mach_msg(&m.h, answer ? MACH_SEND_MSG | MACH_RCV_MSG :
						   MACH_RCV_MSG, answer, sizeof(m), set, 0);
		static char out[UNIX_DATA_MAX];   /* an answer's bytes before they go in m */
		uint64_t words[UNIX_SIGNAL_WORDS];   /* the result, and a signal to deliver */
		struct unix_answer a;
		struct unix_proc *p;
		int64_t result;
		int deliver = 0;
		bool whole;

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
		whole = m.words_type.count == UNIX_CALL_WORDS;   /* (a short call's answer has no room) */
		if (unix_call(p, &m, &result, out, &a) && a.deferred)
			continue;                          /* (the process keeps the reply right) */
		if (!p->pid || p->zombie ||
		    (whole && (deliver = signal_take(p, &words[1])) < 0)) {
			if (m.h.remote_port)              /* the process is gone: no answer */
				mk_port_deallocate(MACH_PORT_TASK_SELF, m.h.remote_port);
			continue;
		}
		if (m.h.remote_port) {
			reply = m.h.remote_port;
			words[0] = (uint64_t)result;
			answer = reply_build(&m.h, reply, words, whole && deliver ? UNIX_SIGNAL_WORDS : 1,
					     a.data, a.len);
		}
	}
}

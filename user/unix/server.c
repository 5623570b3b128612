/*
 * server.c — the Unix server (unix_proto.h): processes are tasks built by
 * exec.c, each with a port of its own in the server's port set; the
 * emulation library in each sends its system calls there. This file has
 * the loop, the dispatch and process starts and ends; files.c, pipes.c,
 * signals.c, procs.c, memory.c and mapped.c the calls by topic
 * (server_int.h).
 *
 * What it answers: getpid, getpgrp and getpgid (each process its own
 * group), gettid, getppid, set_tid_address (the
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
 * above it), anonymous mmap (anywhere, or MAP_FIXED in place), file
 * mappings paged by the server (mapped.c), munmap, mprotect, and madvise's hints
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
 * start; ioctl (the console's TCGETS, TCSETS* and TIOCGWINSZ; else
 * ENOTTY), exit and exit_group (the status
 * goes to whoever asked for the process to be started). Up to
 * UNIX_DATA_MAX bytes travel in the messages; a longer read of a file or
 * write is done on the process's buffer directly (vm_write, vm_read through
 * its task port: a bad buffer is EFAULT), up to UNIX_READ_MAX and
 * UNIX_WRITE_MAX (a shorter transfer, as Linux allows; unix_proto.h says
 * why 2 KiB). Any other call gets -ENOSYS, and its number and name are
 * printed once. Processes are started by UNIX_SPAWN_ID on the control
 * port, or by fork, or (UNIX_SPAWN_BY_PATH) from a file of the file
 * system; what is still missing (threads, job control, ...) the issue on
 * Unix emulation lists.
 * A process that dies without calling exit is noticed by the no-senders
 * notice of its port (the process held the only send right), and reported
 * as UNIX_STATUS_DIED. Limits: one thread per process (the
 * library keeps one message buffer); a bad buffer given to write faults in
 * the library and ends the process instead of returning EFAULT.
 */
#include "server_int.h"

struct unix_proc procs[UNIX_PROCS_MAX];
mach_port_name_t server_set;
const struct unix_server_config *server_cfg;   /* (the emulation library's image) */
						   uint32_t next_pid = UNIX_FIRST_PID;
						   static uint8_t named[UNIX_CALLS_NAMED_MAX / 8];   /* calls already named as unknown */
						   
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
	for (uint32_t i = 0; i < n; i++)          /* (a word or six: no call to memcpy) */
		((uint64_t *)(t + 1))[i] = w[i];
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
struct unix_proc *wait_child(const struct unix_proc *p, int64_t pid, bool want_zombie)
{
	for (int i = 0; i < UNIX_PROCS_MAX; i++) {
		struct unix_proc *c = &procs[i];

		if (c->pid && c->ppid == p->pid && (pid == -1 || c->pid == (uint64_t)pid) &&
		    (!want_zombie || c->zombie))
			return c;
	}
	return NULL;
}

/* The answer to a call that was kept waiting (or to a spawn request): n
 * words, then len bytes of data; the reply right is used up either way. */
void answer_words_later(mach_port_name_t reply, const uint64_t *w, uint32_t n,
			const void *data, uint32_t len)
{
	static struct unix_call_msg m;

	if (mk_mach_msg(&m.h, MACH_SEND_MSG, reply_build(&m.h, reply, w, n, data, len), 0,
			MACH_PORT_NULL, 0) != MACH_MSG_SUCCESS)
		mk_port_deallocate(MACH_PORT_TASK_SELF, reply);
}

/* The same with one word, the result. */
void answer_later(mach_port_name_t reply, int64_t result, const void *data, uint32_t len)
{
	uint64_t w = (uint64_t)result;

	answer_words_later(reply, &w, 1, data, len);
}

/* A wait4 of p that was kept waiting gets its zombie child now, if one came. */
void wait_wake(struct unix_proc *p)
{
	struct unix_proc *z = p->wait_reply ? wait_child(p, p->wait_pid, true) : NULL;

	if (!z)
		return;
	answer_later(p->wait_reply, z->pid, &z->wait_status, sizeof(z->wait_status));
	p->wait_reply = MACH_PORT_NULL;
	*z = (struct unix_proc){ 0 };
}

/*
 * The process is gone: tell whoever started it; free its files, port and
 * task; its children lose their parent (a zombie one goes); and it stays a
 * zombie for its parent's wait4 (who gets SIGCHLD) or its slot is free.
 */
void proc_end(struct unix_proc *p, uint64_t status)
{
	uint64_t w[2] = { status, p->calls };
	struct unix_proc *parent = p->ppid ? proc_by_pid(p->ppid) : NULL;
	uint32_t pid = p->pid, ppid = p->ppid;

	if (file_pagers_busy()) {                  /* its shared mappings' pages go to the files */
		mk_task_terminate(p->task);        /* now, before anyone hears it ended */
		file_pagers_drain();
	}
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
	for (uint32_t i = n; i < UNIX_CALL_WORDS; i++)   /* (at most five: no call to memset) */
		m->words[i] = 0;
	return true;
}

/* The bytes of a write, if the call carries a data item (after all seven words). */
const char *call_data(const struct unix_call_msg *m, uint32_t *len)
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
const char *call_path(const struct unix_call_msg *m)
{
	uint32_t len = 0;
	const char *path = call_data(m, &len);

	return path && len && path[len - 1] == '\0' ? path : NULL;
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
	case LINUX_GETPGRP:                        /* no job control: each process is its own group */
		*result = p->pid;
		return true;
	case LINUX_GETPGID:
		*result = (int32_t)w[1] == 0 || (uint32_t)w[1] == p->pid ? p->pid :
			  (int32_t)w[1] > 0 && proc_by_pid((uint32_t)w[1]) ? (int64_t)(uint32_t)w[1] :
			  -LINUX_ESRCH;
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
		*result = unix_mmap(p, w[1], w[2], w[3], w[4], w[5], w[6]);
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
		if (m->h.remote_port)              /* (the library sends none: no answer) */
			mk_port_deallocate(MACH_PORT_TASK_SELF, m->h.remote_port);
		a->deferred = true;
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
		*result = unix_ioctl(p, m, w[1], w[2], out, a);
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
	    unix_exec_build(image, size, exe ? &(struct unix_exec_file){ file_map_exec, exe } : NULL,
			    cfg->emul, cfg->emul_size, argv, envp,
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

void *server_mem_alloc(size_t bytes)
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
		int64_t result = 0;
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
		if (!p && file_pager_serve(&m))
			continue;                          /* (a file mapping's: mapped.c) */
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

/*
 * procs.c — the Unix server's processes (server_int.h): fork (a child task
 * made from the parent's as a blueprint, copy-on-write), execve (a static
 * ELF file of the file system becomes a new task, exec.c), wait4 (its
 * reply right kept until a child ends).
 */
#include "server_int.h"

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
		if (proc_vm_read(p->task, addr + 8 * n, &ptr, sizeof(ptr)) != KERN_SUCCESS)
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
			if (proc_vm_read(p->task, at, strings + *used + len, chunk) != KERN_SUCCESS)
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
int64_t unix_execve(struct unix_proc *p, const struct unix_call_msg *m,
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
	switch (unix_exec_build(image, size, &(struct unix_exec_file){ file_map_exec, n },
				server_cfg->emul, server_cfg->emul_size, argv, envp,
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
	file_pagers_drain();                       /* (its shared mappings' pages are in the files) */
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

/*
 * fork: a child task made from p's as a blueprint (copy-on-write), a port
 * and a server right of its own, p's descriptors (the same open files,
 * their offsets shared), signal actions and mask
 * and break; its one thread starts at entry (the library's emul_fork_child)
 * on its copy of the frame of p's fork call at frame, and returns 0 there.
 * The child's pid, or a negative errno.
 */
int64_t unix_fork(struct unix_proc *p, uint64_t entry, uint64_t frame)
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
int64_t unix_wait4(struct unix_proc *p, const struct unix_call_msg *m, char *out,
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

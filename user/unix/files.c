/*
 * files.c — the Unix server's descriptors and files (server_int.h): open
 * files shared by the descriptors that dup and fork copy (struct
 * unix_file: one offset and one set of flags), the devices, and the calls
 * on fs.h's tree: open, read and write (in the message up to
 * UNIX_DATA_MAX, on the process's buffer through its task port beyond),
 * lseek, the stat family, directories, rename, chmod, mount, readlink
 * (and /proc/self/exe), access.
 */
#include "server_int.h"

static struct unix_file files[UNIX_FILES_MAX];

/* A new open file (refs 1) of kind file on node (held for it) or an end of
 * pipe (counted in it), or NULL when UNIX_FILES_MAX are open (ENFILE). */
struct unix_file *file_new(uint8_t file, uint32_t flags, struct fs_node *node,
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
void file_put(struct unix_file *f)
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
void fd_close(struct unix_proc *p, int fd)
{
	struct unix_file *f = p->fds[fd];

	p->fds[fd] = NULL;
	p->cloexec[fd] = 0;
	file_put(f);
}

/* Descriptor fd of p (free) is f, with the close-on-exec flag cloexec. */
void fd_install(struct unix_proc *p, int fd, struct unix_file *f, uint8_t cloexec)
{
	p->fds[fd] = f;
	p->cloexec[fd] = cloexec;
}

/* p's lowest free descriptor from `from` on, or UNIX_FDS_MAX. */
int fd_free(const struct unix_proc *p, int from)
{
	while (from < UNIX_FDS_MAX && p->fds[from])
		from++;
	return from;
}

/* p's descriptor fd (an unsigned int to Linux: the register's upper half is
 * not looked at), or NULL if it is not open. */
struct unix_file *fd_get(struct unix_proc *p, uint64_t fd)
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
int64_t at_path(struct unix_proc *p, const struct unix_call_msg *m, uint64_t dirfd,
		struct fs_node **dir, const char **path)
{
	int64_t rc = 0;

	*path = call_path(m);
	if (!at_dir(p, dirfd, dir, &rc))
		return rc;
	return *path ? 0 : -LINUX_EFAULT;
}

/* open or openat of the path in the call's data. */
int64_t unix_open(struct unix_proc *p, const struct unix_call_msg *m, uint64_t dirfd,
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
bool fd_writable(const struct unix_file *f)
{
	return (f->flags & LINUX_O_ACCMODE) != 0;
}

bool fd_readable(const struct unix_file *f)
{
	return (f->flags & LINUX_O_ACCMODE) != LINUX_O_WRONLY;
}

/*
 * dup (to the lowest free descriptor from `from` on) and dup2/dup3 (exact:
 * onto `to`, closed first): the same open file, held once more; the new
 * descriptor's close-on-exec flag is cloexec.
 */
int64_t fd_dup(struct unix_proc *p, uint64_t fd, uint64_t to, bool exact, uint8_t cloexec)
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
int64_t unix_fcntl(struct unix_proc *p, uint64_t fd, uint64_t cmd, uint64_t arg)
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
int64_t unix_chdir(struct unix_proc *p, const struct unix_call_msg *m, int64_t fd)
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
int64_t unix_getdents(struct unix_proc *p, uint64_t fd, uint64_t count, char *out,
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
int64_t unix_rename(struct unix_proc *p, const struct unix_call_msg *m)
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
	if (proc_vm_read(p->task, addr, buf, *len) != KERN_SUCCESS) {
		*err = -LINUX_EFAULT;
		return NULL;
	}
	return buf;
}

/* write, writev or pwrite64 (at off; -1: the descriptor's offset). */
int64_t unix_write(struct unix_proc *p, const struct unix_call_msg *m, uint64_t fd,
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
int64_t unix_read(struct unix_proc *p, const struct unix_call_msg *m, uint64_t fd,
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
		if (n && proc_vm_write(p->task, addr, bytes, (vm_size_t)n) != KERN_SUCCESS)
			return -LINUX_EFAULT;
	}
	if (n > 0 && off < 0)
		f->offset += (uint64_t)n;
	return n;
}

int64_t unix_lseek(struct unix_proc *p, uint64_t fd, int64_t off, uint64_t whence)
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
int64_t unix_fstat(struct unix_proc *p, uint64_t fd, char *st)
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

int64_t unix_ftruncate(struct unix_proc *p, uint64_t fd, uint64_t size)
{
	struct unix_file *f = fd_get(p, fd);

	if (!f || !fd_writable(f))
		return -LINUX_EBADF;
	return f->file == FILE_NODE ? fs_truncate(f->node, size) : -LINUX_EINVAL;
}

/* stat, lstat and newfstatat (fstat when the path is empty with AT_EMPTY_PATH) into st. */
int64_t unix_stat(struct unix_proc *p, const struct unix_call_msg *m, uint64_t dirfd,
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

/* access and faccessat: the file exists (F_OK), and for X_OK is a directory or
 * has an execute bit (no owners or permissions otherwise: R_OK and W_OK pass). */
int64_t unix_access(struct unix_proc *p, const struct unix_call_msg *m, uint64_t dirfd,
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

/* unlink, unlinkat, rmdir, mkdir and mkdirat of the call's path. */
int64_t unix_path_change(struct unix_proc *p, const struct unix_call_msg *m,
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

/* chmod, fchmodat (dirfd, path) and fchmod (fd: by_fd): the file's
 * permission bits (a pipe has none to change: nothing happens). */
int64_t unix_chmod(struct unix_proc *p, const struct unix_call_msg *m, uint64_t fd,
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

/*
 * ioctl: the console answers as a terminal, as Linux's serial console
 * does: TCGETS gives its settings (a plain 38400-baud line at first),
 * TCSETS, TCSETSW and TCSETSF take new ones (kept, though the console
 * translates nothing), TIOCGWINSZ a size of 0 x 0 (a serial line does not
 * know it). Any other request, and any other file, is ENOTTY.
 */
int64_t unix_ioctl(struct unix_proc *p, const struct unix_call_msg *m, uint64_t fd,
		   uint64_t req, char *out, struct unix_answer *a)
{
	static uint8_t termios[LINUX_TERMIOS_BYTES] = {
		0x00, 0x05, 0, 0,              /* c_iflag: ICRNL | IXON */
		0x05, 0x00, 0, 0,              /* c_oflag: OPOST | ONLCR */
		0xbf, 0x00, 0, 0,              /* c_cflag: B38400 | CS8 | CREAD */
		0x3b, 0x8a, 0, 0,              /* c_lflag: ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN */
		0,                             /* c_line */
		3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0,
		0, 0,                          /* c_cc: ^C ^\ DEL ^U ^D, VTIME 0, VMIN 1, ... */
	};
	struct unix_file *f = fd_get(p, fd);
	uint32_t len = 0;
	const char *data;

	if (!f)
		return -LINUX_EBADF;
	if (f->file != FILE_CONSOLE)
		return -LINUX_ENOTTY;
	switch ((uint32_t)req) {
	case LINUX_TCGETS:
		memcpy(out, termios, sizeof(termios));
		*a = (struct unix_answer){ .data = out, .len = sizeof(termios) };
		return 0;
	case LINUX_TCSETS:
	case LINUX_TCSETS + 1:
	case LINUX_TCSETSF:
		data = call_data(m, &len);
		if (!data || len != sizeof(termios))
			return -LINUX_EFAULT;
		memcpy(termios, data, sizeof(termios));
		return 0;
	case LINUX_TIOCGWINSZ:
		*a = (struct unix_answer){ .data = NULL, .len = LINUX_WINSIZE_BYTES };   /* zeros */
		return 0;
	default:
		return -LINUX_ENOTTY;
	}
}

/* readlink of /proc/self/exe: the path of the file p runs (ENOENT: none, or
 * it was removed); at most size bytes, no NUL, as readlink gives. */
int64_t unix_readlink_exe(struct unix_proc *p, char *out, uint64_t size)
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
int64_t unix_mount(struct unix_proc *p, const struct unix_call_msg *m)
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

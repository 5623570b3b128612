/*
 * hello.c — a static musl program for the exec tests (test_unix_exec.c):
 * it prints a line through stdio (ioctl, writev) and exits with a code made
 * from a thread-local variable (musl reaches it through the FS base that
 * its start-up sets with arch_prctl), its arguments and its environment, so
 * that a wrong stack, TLS or exit path shows in the status. A call no
 * system has (number 999) must fail with ENOSYS, or the status is 1; the
 * monotonic clock must work and not go back, or the status is 2. Given
 * "devices" as its third argument (a Unix server answers open), /dev/null
 * must take a write and /dev/zero give zeros, a missing path be ENOENT and
 * a closed descriptor EBADF, or the status is 3. Given "files" there
 * instead, files in /tmp must work as on Linux (files_ok: create, write,
 * seek, read, pread, the stat family, directories, unlink while open, and
 * each call's error), or the status is 4 and the step that failed is
 * printed. Given "memory", brk, mmap, munmap, mprotect, madvise and
 * malloc must work likewise (memory_step), or the status is 5. Given
 * "signals", handlers, masks, SIG_IGN, SA_RESETHAND, sigsuspend woken by
 * a child's kill, and the errors of sigaction and kill (signals_step), or
 * the status is 6; given "sigterm",
 * it raises SIGTERM with its default action, which must end it there.
 * Given "fork", fork, exit and wait4 must behave as on Linux (fork_step:
 * copy-on-write isolation, inherited descriptors, exit statuses, a child
 * ended by a signal or a fault, ECHILD), or the status is 8. Given
 * "pipes", pipes must (pipes_step: bytes through, between processes both
 * ways, more than a pipe holds, end of file, EPIPE, O_NONBLOCK, ESPIPE),
 * or the status is 9. Given "exec", execve and access must (exec_step:
 * its errors, then children that become /bin/tiny and /bin/hello), or the
 * status is 10. Given "calls", descriptors (dup, dup2, dup3, fcntl),
 * directories (chdir, getcwd, getdents64, rename), umask, uname, getuid,
 * nanosleep and vfork must (calls_step), or the status is 11. Given
 * "shared", descriptors copied by fork and dup must share their open
 * file's offset and flags but not FD_CLOEXEC (shared_step), or the status
 * is 12. Given "poll", poll, select and pselect must see pipes as Linux
 * does, wait, time out and be interrupted by a signal (poll_step), or the
 * status is 13. Given "self", /proc/self/exe, chmod and the start-up calls
 * must work (self_step: a child execs /bin/hello "self-exec", which
 * execs /proc/self/exe "self-done", which exits 42), or the status is 14.
 * Given "mmap", file mappings must (mmap_step: a mapping reads the file,
 * zeros past its end; MAP_PRIVATE stores stay private; MAP_SHARED stores
 * are shared with a forked child and reach the file when the mapping ends,
 * at munmap or exit; EACCES, ENODEV, EBADF, EINVAL), or the status is 15.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static __thread int tls_value = 40;

/* /dev/null and /dev/zero work, and their errors are Linux's. */
static int devices_ok(void)
{
	char buf[4] = { 1, 1, 1, 1 };
	int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int zero_fd = open("/dev/zero", O_RDONLY);
	int ok = null_fd >= 0 && zero_fd >= 0 && write(null_fd, "hello", 5) == 5 &&
		 read(zero_fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf) &&
		 !buf[0] && !buf[1] && !buf[2] && !buf[3];

	ok = ok && close(null_fd) == 0 && close(zero_fd) == 0;
	ok = ok && close(zero_fd) == -1 && errno == EBADF;
	ok = ok && open("/no/such/file", O_RDONLY) == -1 && errno == ENOENT;
	return ok;
}

/* The call failed with errno want. */
static int fails_with(int rc, int want)
{
	return rc == -1 && errno == want;
}

#define BIG_IO_BYTES 10000               /* past the 2 KiB a call carries in its message */

/* Reads and writes too long for a message (the server reads and writes the
 * buffer itself) move every byte, and a bad buffer is EFAULT. */
static int big_io_ok(void)
{
	static char out[BIG_IO_BYTES], in[BIG_IO_BYTES];
	int fd = open("/tmp/hello.big", O_CREAT | O_TRUNC | O_RDWR, 0600), ok;

	for (int i = 0; i < BIG_IO_BYTES; i++)
		out[i] = (char)(i * 7);
	ok = fd >= 0 && write(fd, out, BIG_IO_BYTES) == BIG_IO_BYTES &&
	     pread(fd, in, BIG_IO_BYTES, 0) == BIG_IO_BYTES && memcmp(in, out, BIG_IO_BYTES) == 0 &&
	     read(fd, (void *)8, BIG_IO_BYTES) == 0 &&       /* at the end: nothing to write there */
	     fails_with((int)pread(fd, (void *)8, BIG_IO_BYTES, 0), EFAULT) &&
	     fails_with((int)write(fd, (void *)8, BIG_IO_BYTES), EFAULT);
	return ok && close(fd) == 0 && unlink("/tmp/hello.big") == 0;
}

/* Files in /tmp behave as on Linux; 0, or the number of the step that failed. */
static int files_step(void)
{
	char buf[8] = { 0 };
	struct stat st;
	int fd = open("/tmp/hello.f", O_CREAT | O_EXCL | O_RDWR, 0640), ro;

	if (fd < 0 || write(fd, "abcdef", 6) != 6)
		return 1;
	if (lseek(fd, 2, SEEK_SET) != 2 || read(fd, buf, 3) != 3 || memcmp(buf, "cde", 3) != 0)
		return 2;
	if (pread(fd, buf, sizeof(buf), 4) != 2 || memcmp(buf, "ef", 2) != 0)
		return 3;
	if (fstat(fd, &st) != 0 || st.st_size != 6 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 07777) != 0640)
		return 4;
	if (!fails_with(open("/tmp/hello.f", O_CREAT | O_EXCL | O_WRONLY, 0600), EEXIST))
		return 5;
	if (stat("/tmp/hello.f", &st) != 0 || st.st_size != 6 ||
	    !fails_with(stat("/tmp/hello.f/x", &st), ENOTDIR) ||
	    !fails_with(stat("/tmp/none", &st), ENOENT))
		return 6;
	if (mkdir("/tmp/hello.d", 0755) != 0 || !fails_with(mkdir("/tmp/hello.d", 0755), EEXIST) ||
	    stat("/tmp/hello.d", &st) != 0 || !S_ISDIR(st.st_mode) ||
	    !fails_with(rmdir("/tmp"), ENOTEMPTY) || !fails_with(unlink("/tmp/hello.d"), EISDIR) ||
	    rmdir("/tmp/hello.d") != 0)
		return 7;
	if (unlink("/tmp/hello.f") != 0 || fstat(fd, &st) != 0 || st.st_size != 6 ||
	    pread(fd, buf, 1, 0) != 1 || buf[0] != 'a' || close(fd) != 0 ||
	    !fails_with(open("/tmp/hello.f", O_RDONLY), ENOENT))
		return 8;
	ro = open("/dev/null", O_RDONLY);
	if (ro < 0 || !fails_with(write(ro, "x", 1), EBADF) || close(ro) != 0 ||
	    !fails_with(fstat(ro, &st), EBADF))
		return 9;
	if (!big_io_ok())
		return 11;
	if (fstat(1, &st) != 0 || !S_ISCHR(st.st_mode) ||
	    !fails_with(open("/tmp", O_WRONLY), EISDIR) ||
	    !fails_with(open("/dev/null", O_RDONLY | O_DIRECTORY), ENOTDIR))
		return 10;
	return 0;
}

#define PAGE_BYTES 4096

/* Anonymous memory and the break behave as on Linux; 0, or the step that failed. */
static int memory_step(void)
{
	uintptr_t start = (uintptr_t)syscall(SYS_brk, 0), top = start + 3 * PAGE_BYTES;
	char *m, *big;

	if (!start || start % PAGE_BYTES || (uintptr_t)syscall(SYS_brk, top) != top)
		return 1;
	for (uintptr_t a = start; a < top; a += PAGE_BYTES)
		if (*(volatile char *)a != 0 || (*(volatile char *)a = 7) != 7)
			return 2;
	if ((uintptr_t)syscall(SYS_brk, start) != start ||
	    (uintptr_t)syscall(SYS_brk, start - PAGE_BYTES) != start)   /* below: refused */
		return 3;
	m = mmap(NULL, 3 * PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || m[0] || m[2 * PAGE_BYTES] || (m[PAGE_BYTES] = 9) != 9)
		return 4;
	if (mmap(m, PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0) != m || m[0] != 0 || m[PAGE_BYTES] != 9)
		return 5;                        /* MAP_FIXED: fresh zeros in place, the rest kept */
	if (mprotect(m, PAGE_BYTES, PROT_READ) != 0 || m[0] != 0 ||
	    !fails_with((int)syscall(SYS_mprotect, m + 1, PAGE_BYTES, PROT_READ), EINVAL) ||
	    madvise(m, 3 * PAGE_BYTES, MADV_NOHUGEPAGE) != 0)
		return 6;
	if (munmap(m, 3 * PAGE_BYTES) != 0 || !fails_with(munmap(m + 1, PAGE_BYTES), EINVAL) ||
	    mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED ||
	    errno != EINVAL)
		return 7;
	big = malloc(1 << 20);                   /* musl maps this much with mmap */
	if (!big)
		return 8;
	memset(big, 1, 1 << 20);
	free(big);
	return 0;
}

static volatile sig_atomic_t caught, caught_sig, caught_info_sig, usr1_blocked_inside;

static void on_usr1(int sig, siginfo_t *info, void *uc)
{
	sigset_t now;

	(void)uc;
	caught++;
	caught_sig = sig;
	caught_info_sig = info ? info->si_signo : 0;
	sigprocmask(SIG_BLOCK, NULL, &now);
	usr1_blocked_inside = sigismember(&now, SIGUSR1);
}

/* sigsuspend waits for a signal a child sends, runs its handler, and puts
 * the mask back; 0, or 7. */
static int suspend_step(struct sigaction *sa)
{
	sigset_t usr1, none, now;
	int status;
	pid_t pid;

	sa->sa_flags = SA_SIGINFO;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&none);
	if (sigaction(SIGUSR1, sa, NULL) != 0 || sigprocmask(SIG_BLOCK, &usr1, NULL) != 0)
		return 7;
	pid = fork();
	if (pid == 0)
		_exit(kill(getppid(), SIGUSR1) == 0 ? 0 : 1);
	if (pid < 0 || !fails_with(sigsuspend(&none), EINTR) || caught != 4 ||
	    sigprocmask(SIG_BLOCK, NULL, &now) != 0 || !sigismember(&now, SIGUSR1) ||
	    waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    sigprocmask(SIG_UNBLOCK, &usr1, NULL) != 0)
		return 7;
	return 0;
}

/* Signals behave as on Linux; 0, or the step that failed. */
static int signals_step(void)
{
	struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO }, old;
	volatile long kept = 0x5eed;                     /* lives across the handler */
	sigset_t usr1;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (sigaction(SIGUSR1, &sa, NULL) != 0 || raise(SIGUSR1) != 0 || caught != 1 ||
	    caught_sig != SIGUSR1 || caught_info_sig != SIGUSR1 || !usr1_blocked_inside ||
	    kept != 0x5eed)
		return 1;
	if (sigprocmask(SIG_BLOCK, &usr1, NULL) != 0 || raise(SIGUSR1) != 0 || caught != 1 ||
	    sigprocmask(SIG_UNBLOCK, &usr1, NULL) != 0 || caught != 2)
		return 2;                                /* held while blocked, then delivered */
	if (sigaction(SIGUSR1, NULL, &old) != 0 || old.sa_sigaction != on_usr1 ||
	    !(old.sa_flags & SA_SIGINFO))
		return 3;
	if (signal(SIGUSR2, SIG_IGN) == SIG_ERR || raise(SIGUSR2) != 0)
		return 4;
	if (!fails_with(sigaction(SIGKILL, &sa, NULL), EINVAL) ||
	    !fails_with((int)syscall(SYS_rt_sigaction, 65, NULL, NULL, 8), EINVAL) ||
	    kill(getpid(), 0) != 0 || !fails_with(kill(99999, SIGUSR1), ESRCH))
		return 5;
	sa.sa_flags |= SA_RESETHAND;
	if (sigaction(SIGUSR1, &sa, NULL) != 0 || raise(SIGUSR1) != 0 || caught != 3 ||
	    sigaction(SIGUSR1, NULL, &old) != 0 || old.sa_handler != SIG_DFL)
		return 6;
	return suspend_step(&sa);
}

static volatile int fork_marker = 1;

/* Fork a child that runs fn and exits with its value; wait for it; its status, or -1. */
static int fork_wait(int (*fn)(int fd), int fd)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(fd));
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static int child_changes_its_copy(int fd)
{
	(void)fd;
	fork_marker = 2;
	return getppid() > 1 && fork_marker == 2 ? 7 : 1;
}

static int child_writes_the_inherited_file(int fd)
{
	return write(fd, "child", 5) == 5 ? 0 : 1;
}

static int child_raises_sigterm(int fd)
{
	(void)fd;
	raise(SIGTERM);
	return 1;
}

static int child_faults(int fd)
{
	volatile uintptr_t nowhere = 8;           /* (through a variable: GCC sees no array) */

	(void)fd;
	*(volatile int *)nowhere = 1;
	return 1;
}

#define PIPE_BIG_BYTES 100000             /* more than a pipe holds (64 KiB) */

static int pong_fd_in, pong_fd_out;

/* The child of the ping-pong: "ping" out, "pong" back. */
static int child_pings(int fd)
{
	char buf[4];

	(void)fd;
	return write(pong_fd_out, "ping", 4) == 4 && read(pong_fd_in, buf, 4) == 4 &&
	       memcmp(buf, "pong", 4) == 0 ? 0 : 1;
}

/* The child of the big transfer: PIPE_BIG_BYTES of a pattern into fd. */
static int child_writes_big(int fd)
{
	static char big[PIPE_BIG_BYTES];
	size_t done = 0;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i % 251);
	while (done < sizeof(big)) {
		ssize_t n = write(fd, big + done, sizeof(big) - done);

		if (n <= 0)
			return 1;
		done += (size_t)n;
	}
	return 0;
}

/* Pipes behave as on Linux; 0, or the step that failed. */
static int pipes_step(void)
{
	static char big[PIPE_BIG_BYTES];
	int a[2], b[2], status;
	char buf[8];
	struct stat st;
	pid_t pid;
	size_t got = 0;

	if (pipe(a) != 0 || write(a[1], "hello", 5) != 5 || read(a[0], buf, 8) != 5 ||
	    memcmp(buf, "hello", 5) != 0 || fstat(a[0], &st) != 0 || !S_ISFIFO(st.st_mode) ||
	    !fails_with((int)lseek(a[0], 0, SEEK_SET), ESPIPE))
		return 1;
	if (pipe(b) != 0)
		return 2;
	pong_fd_out = a[1];
	pong_fd_in = b[0];
	pid = fork();
	if (pid == 0)
		_exit(child_pings(-1));
	if (pid < 0 || read(a[0], buf, 4) != 4 || memcmp(buf, "ping", 4) != 0 ||
	    write(b[1], "pong", 4) != 4 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 3;
	pid = fork();
	if (pid == 0)
		_exit(child_writes_big(a[1]));
	while (pid > 0 && got < sizeof(big)) {
		ssize_t n = read(a[0], big + got, sizeof(big) - got);

		if (n <= 0)
			return 4;
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(big); i++)
		if (big[i] != (char)(i % 251))
			return 5;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 6;
	if (close(a[1]) != 0 || read(a[0], buf, 1) != 0)        /* no writer left: end of file */
		return 7;
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR || close(b[0]) != 0 ||
	    !fails_with((int)write(b[1], "x", 1), EPIPE))
		return 8;
	close(a[0]);
	close(b[1]);
	if (pipe2(a, O_NONBLOCK) != 0 || !fails_with((int)read(a[0], buf, 1), EAGAIN) ||
	    close(a[0]) != 0 || close(a[1]) != 0)
		return 9;
	return 0;
}

/* The exit status of a child that execs path with argv and envp (-1 if it could not be had). */
static int exec_child_status(const char *path, char *const argv[], char *const envp[])
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execve(path, argv, envp);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* execve and access behave as on Linux; 0, or the step that failed. */
static int exec_step(void)
{
	char *const tiny[] = { "tiny", NULL }, *const none[] = { NULL };
	char *const hello[] = { "hello", "one", "two", NULL }, *const home[] = { "HOME=/", NULL };

	if (!fails_with(execve("/bin/none", tiny, none), ENOENT) ||
	    !fails_with(execve("/bin/not-elf", tiny, none), ENOEXEC) ||
	    !fails_with(execve("/bin", tiny, none), EACCES))
		return 1;
	if (access("/bin/tiny", X_OK) != 0 || !fails_with(access("/bin/none", F_OK), ENOENT))
		return 2;
	if (exec_child_status("/bin/tiny", tiny, none) != 0)
		return 3;
	if (exec_child_status("/bin/hello", hello, home) != 40 + 3 + 100 + 50)
		return 4;                        /* its code proves its argv and environment */
	return 0;
}

/* Does directory path list name (readdir: getdents64)? */
static int dir_lists(const char *path, const char *name)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int found = 0;

	while (d && (e = readdir(d)) != NULL)
		found |= strcmp(e->d_name, name) == 0;
	if (d)
		closedir(d);
	return found;
}

/* The rest of a C program's everyday calls; 0, or the step that failed. */
static int calls_step(void)
{
	char cwd[64];
	struct stat st;
	struct utsname u;
	struct timespec t0, t1, nap = { 0, 20 * 1000 * 1000 };
	int fd = open("/tmp/calls.f", O_CREAT | O_TRUNC | O_RDWR, 0644), d, status;
	pid_t pid;

	if (fd < 0 || (d = dup(fd)) < 0 || write(d, "abc", 3) != 3 || fstat(fd, &st) != 0 ||
	    st.st_size != 3 || dup2(fd, 20) != 20 || close(20) != 0 ||
	    !fails_with(dup3(fd, fd, 0), EINVAL) || fcntl(fd, F_DUPFD_CLOEXEC, 10) < 10 ||
	    fcntl(10, F_GETFD) != FD_CLOEXEC || (fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDWR ||
	    close(10) != 0 || close(d) != 0 || close(fd) != 0 || unlink("/tmp/calls.f") != 0)
		return 1;
	if (mkdir("/tmp/calls.d", 0755) != 0 || chdir("/tmp/calls.d") != 0 ||
	    !getcwd(cwd, sizeof(cwd)) || strcmp(cwd, "/tmp/calls.d") != 0 ||
	    (fd = open("x", O_CREAT | O_WRONLY, 0644)) < 0 || close(fd) != 0 ||
	    rename("x", "y") != 0 || stat("/tmp/calls.d/y", &st) != 0 ||
	    !dir_lists(".", "y") || dir_lists(".", "x") || !dir_lists("/tmp", "calls.d"))
		return 2;
	if (chdir("..") != 0 || !getcwd(cwd, sizeof(cwd)) || strcmp(cwd, "/tmp") != 0 ||
	    unlink("calls.d/y") != 0 || rmdir("calls.d") != 0 || chdir("/") != 0)
		return 3;
	if (umask(077) != 022 || (fd = creat("/tmp/calls.u", 0666)) < 0 || fstat(fd, &st) != 0 ||
	    (st.st_mode & 0777) != 0600 || close(fd) != 0 || unlink("/tmp/calls.u") != 0)
		return 4;
	if (uname(&u) != 0 || strcmp(u.sysname, "Linux") != 0 || getuid() != 0)
		return 5;
	if (clock_gettime(CLOCK_MONOTONIC, &t0) != 0 || nanosleep(&nap, NULL) != 0 ||
	    clock_gettime(CLOCK_MONOTONIC, &t1) != 0 ||
	    (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < nap.tv_nsec)
		return 6;
	pid = vfork();
	if (pid == 0)
		_exit(3);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 3)
		return 7;
	return 0;
}

static int child_writes_five(int fd)
{
	return write(fd, "child", 5) == 5 ? 0 : 1;
}

/* Descriptors share their open file's offset and flags, as on Linux; 0, or the step that failed. */
static int shared_step(void)
{
	char buf[16];
	int fd = open("/tmp/shared.f", O_CREAT | O_TRUNC | O_RDWR, 0644), d, status;

	status = fork_wait(child_writes_five, fd);
	if (fd < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    lseek(fd, 0, SEEK_CUR) != 5 || write(fd, "parent", 6) != 6 ||
	    pread(fd, buf, sizeof(buf), 0) != 11 || memcmp(buf, "childparent", 11) != 0)
		return 1;                      /* the child's write moved our offset */
	if ((d = dup(fd)) < 0 || lseek(d, 0, SEEK_SET) != 0 || lseek(fd, 0, SEEK_CUR) != 0)
		return 2;
	if (fcntl(d, F_SETFL, O_APPEND) != 0 || !(fcntl(fd, F_GETFL) & O_APPEND) ||
	    fcntl(d, F_SETFD, FD_CLOEXEC) != 0 || fcntl(fd, F_GETFD) != 0)
		return 3;
	if (dup2(fd, d) != d || close(d) != 0 || write(fd, "!", 1) != 1 ||
	    lseek(fd, 0, SEEK_CUR) != 12)
		return 4;                      /* (dup2 onto a copy of itself, then closed) */
	if (close(fd) != 0 || unlink("/tmp/shared.f") != 0)
		return 5;
	return 0;
}

static int poll_write_fd;

/* After a little while, a byte into poll_write_fd. */
static int child_writes_later(int fd)
{
	struct timespec nap = { 0, 20 * 1000 * 1000 };

	(void)fd;
	nanosleep(&nap, NULL);
	return write(poll_write_fd, "x", 1) == 1 ? 0 : 1;
}

/* After a little while, SIGUSR1 to its parent. */
static int child_signals_later(int fd)
{
	struct timespec nap = { 0, 20 * 1000 * 1000 };

	(void)fd;
	nanosleep(&nap, NULL);
	return kill(getppid(), SIGUSR1) == 0 ? 0 : 1;
}

static volatile sig_atomic_t poll_signalled;

static void on_poll_signal(int sig)
{
	poll_signalled = sig;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* poll, select and pselect on pipes behave as on Linux; 0, or the step that failed. */
static int poll_step(void)
{
	int p[2], q[2], status;
	struct pollfd v[2];
	struct timespec t0, ts = { 0, 20 * 1000 * 1000 };
	struct timeval tv = { 0, 0 };
	struct sigaction sa = { .sa_handler = on_poll_signal };
	fd_set r;
	char c;

	if (pipe(p) != 0)
		return 1;
	v[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	v[1] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	if (poll(v, 1, 0) != 0 || poll(v, 2, 0) != 1 || v[0].revents != 0 || v[1].revents != POLLOUT)
		return 2;                      /* empty: not readable; room: writable */
	if (!fails_with(poll(v, 100000, 0), EINVAL) ||
	    !fails_with((int)syscall(SYS_ppoll, v, 1, &(struct timespec){ 0, 2000000000 }, NULL, 8),
			EINVAL))
		return 14;                     /* absurd counts and times */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (poll(v, 1, 30) != 0 || ms_since(&t0) < 30)
		return 3;                      /* a timeout that runs out */
	poll_write_fd = p[1];
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (fork() == 0)
		_exit(child_writes_later(-1));
	if (poll(v, 1, -1) != 1 || v[0].revents != POLLIN || ms_since(&t0) < 15 ||
	    read(p[0], &c, 1) != 1 || c != 'x' || wait(&status) < 0 || status != 0)
		return 4;                      /* waits until another process writes */
	if (close(p[1]) != 0 || poll(v, 1, 0) != 1 || v[0].revents != POLLHUP)
		return 5;                      /* no writer left */
	v[1] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	v[0].fd = -1;
	if (poll(v, 2, 0) != 1 || v[0].revents != 0 || v[1].revents != POLLNVAL)
		return 6;                      /* a closed descriptor; a negative one is left out */
	if (pipe(q) != 0)
		return 7;
	FD_ZERO(&r);
	FD_SET(q[0], &r);
	if (select(q[0] + 1, &r, NULL, NULL, &tv) != 0 || FD_ISSET(q[0], &r) ||
	    write(q[1], "y", 1) != 1)
		return 8;
	FD_SET(q[0], &r);
	if (select(q[0] + 1, &r, NULL, NULL, NULL) != 1 || !FD_ISSET(q[0], &r))
		return 9;
	FD_SET(q[1] + 1, &r);                  /* (not open) */
	if (!fails_with(fcntl(q[1] + 1, F_GETFD), EBADF) ||
	    !fails_with(select(q[1] + 2, &r, NULL, NULL, &tv), EBADF))
		return 10;
	FD_ZERO(&r);
	FD_SET(q[1], &r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (pselect(q[1] + 1, &r, NULL, NULL, &ts, NULL) != 0 || ms_since(&t0) < 20)
		return 11;                     /* q[1] is not readable: the timeout runs out */
	if (read(q[0], &c, 1) != 1 || sigaction(SIGUSR1, &sa, NULL) != 0)
		return 12;
	v[0] = (struct pollfd){ .fd = q[0], .events = POLLIN };
	if (fork() == 0)
		_exit(child_signals_later(-1));
	if (!fails_with(poll(v, 1, -1), EINTR) || poll_signalled != SIGUSR1 || wait(&status) < 0)
		return 13;                     /* a signal ends the wait */
	close(p[0]);
	close(q[0]);
	close(q[1]);
	return 0;
}

/* /proc/self/exe, chmod and the C libraries' start-up calls; 0, or the step that failed. */
static int self_step(void)
{
	char *const argv[] = { "/bin/hello", "x", "self-exec", NULL };
	char buf[64];
	struct stat st;
	struct rlimit rl;
	struct timeval tv;
	struct timespec res;
	struct iovec iov[2] = { { buf, 3 }, { buf + 32, 16 } };
	unsigned cpu = 1;
	int fd, status;
	pid_t pid;

	if (!fails_with((int)readlink("/proc/self/exe", buf, sizeof(buf)), ENOENT))
		return 1;                      /* started from the server's table: no file */
	pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 42)
		return 2;
	if ((fd = creat("/tmp/self.f", 0644)) < 0 || chmod("/tmp/self.f", 0600) != 0 ||
	    stat("/tmp/self.f", &st) != 0 || (st.st_mode & 07777) != 0600 ||
	    fchmod(fd, 0640) != 0 || fstat(fd, &st) != 0 || (st.st_mode & 07777) != 0640 ||
	    !fails_with(fchmodat(AT_FDCWD, "/tmp/none", 0600, 0), ENOENT) || close(fd) != 0 ||
	    unlink("/tmp/self.f") != 0)
		return 3;
	if (syscall(SYS_getrandom, buf, 16, 0) != 16 || getrlimit(RLIMIT_NOFILE, &rl) != 0 ||
	    rl.rlim_cur < 16 || syscall(SYS_getrandom, buf, 16, 0x100) != -1 || errno != EINVAL)
		return 4;
	if (syscall(SYS_gettimeofday, &tv, NULL) != 0 || tv.tv_usec >= 1000000 ||
	    syscall(SYS_clock_getres, CLOCK_MONOTONIC, &res) != 0 || res.tv_nsec <= 0 ||
	    syscall(SYS_getcpu, &cpu, NULL, NULL) != 0 || cpu != 0 ||
	    syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS || getpgrp() != getpid())
		return 5;
	if ((fd = open("/tmp/self.v", O_CREAT | O_TRUNC | O_RDWR, 0644)) < 0 ||
	    write(fd, "abcdefgh", 8) != 8 || lseek(fd, 0, SEEK_SET) != 0 ||
	    readv(fd, iov, 2) != 8 || memcmp(buf, "abc", 3) != 0 || memcmp(buf + 32, "defgh", 5) != 0 ||
	    readv(fd, iov, 2) != 0 || close(fd) != 0 || unlink("/tmp/self.v") != 0)
		return 6;                      /* readv: the first iovec filled, then the second */
	return 0;
}

#define MAP_FILE_BYTES 6000              /* a page and a part: the rest of the second is zeros */

static char *map_shared_base;

/* A child's store into the shared mapping it inherited. */
static int child_stores_shared(int fd)
{
	(void)fd;
	map_shared_base[1] = 'C';
	return 0;
}

/* A child maps the file shared itself, stores, and exits without munmap. */
static int child_maps_and_exits(int fd)
{
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (m == MAP_FAILED)
		return 1;
	m[2] = 'X';
	return 0;
}

/*
 * Buffers in pages of a file mapping not touched yet, given to write and
 * read past the 2 KiB a message carries: the server reads and writes them
 * in the process itself, as their pager too (KERN_PAGER_SELF, mapped.c).
 */
static bool pages_pass_through_the_server(int fd)
{
	static char back[MAP_FILE_BYTES];
	char *src = mmap(NULL, 2 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	char *dst = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	int out = open("/tmp/map.copy", O_CREAT | O_TRUNC | O_RDWR, 0644);
	bool ok = src != MAP_FAILED && dst != MAP_FAILED && out >= 0 &&
		  write(out, src, MAP_FILE_BYTES) == MAP_FILE_BYTES &&
		  pread(out, back, MAP_FILE_BYTES, 0) == MAP_FILE_BYTES &&
		  memcmp(back, src, MAP_FILE_BYTES) == 0 &&
		  pwrite(out, "Z", 1, 4000) == 1 &&
		  pread(out, dst, MAP_FILE_BYTES, 0) == MAP_FILE_BYTES && dst[4000] == 'Z' &&
		  dst[3999] == src[3999];

	if (out >= 0)
		close(out);
	unlink("/tmp/map.copy");
	munmap(src, 2 * 4096);
	munmap(dst, 2 * 4096);
	return ok;
}

/* File mappings behave as on Linux (as far as mapped.c says); 0, or the step that failed. */
static int mmap_step(void)
{
	static char data[MAP_FILE_BYTES];
	char buf[8];
	char *m;
	int fd = open("/tmp/map.f", O_CREAT | O_TRUNC | O_RDWR, 0644), ro, p[2], status;

	for (int i = 0; i < MAP_FILE_BYTES; i++)
		data[i] = (char)('a' + i % 26);
	if (fd < 0 || write(fd, data, sizeof(data)) != (ssize_t)sizeof(data))
		return 1;
	m = mmap(NULL, 2 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED || memcmp(m, data, sizeof(data)) != 0 || m[MAP_FILE_BYTES] != 0 ||
	    m[2 * 4096 - 1] != 0 || munmap(m, 2 * 4096) != 0)
		return 2;                      /* the file's bytes, then zeros */
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 4096);
	if (m == MAP_FAILED || m[0] != data[4096] || (m[0] = 'P', munmap(m, 4096)) != 0 ||
	    pread(fd, buf, 1, 4096) != 1 || buf[0] != data[4096])
		return 3;                      /* from an offset; a private store stays private */
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED || (m[0] = 'S', munmap(m, 4096)) != 0 ||
	    pread(fd, buf, 1, 0) != 1 || buf[0] != 'S')
		return 4;                      /* a shared store reaches the file at munmap */
	map_shared_base = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	status = fork_wait(child_stores_shared, -1);
	if (map_shared_base == MAP_FAILED || status != 0 || map_shared_base[1] != 'C' ||
	    munmap(map_shared_base, 4096) != 0 || pread(fd, buf, 2, 0) != 2 || buf[1] != 'C')
		return 5;                      /* fork shares it; the file has it at the end */
	status = fork_wait(child_maps_and_exits, fd);
	if (status != 0 || pread(fd, buf, 3, 0) != 3 || buf[2] != 'X')
		return 10;                     /* a process's exit ends its mappings */
	if ((ro = open("/tmp/map.f", O_RDONLY)) < 0 ||
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) != MAP_FAILED ||
	    errno != EACCES || close(ro) != 0)
		return 6;
	if (pipe(p) != 0 || mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, p[0], 0) != MAP_FAILED ||
	    errno != ENODEV || close(p[0]) != 0 || close(p[1]) != 0)
		return 7;
	if (mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 29, 0) != MAP_FAILED || errno != EBADF ||
	    mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 100) != MAP_FAILED || errno != EINVAL)
		return 8;
	if (!pages_pass_through_the_server(fd))
		return 11;
	m = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED || mprotect(m + 4096, 4096, PROT_READ) != 0 || m[4096] != data[4096] ||
	    munmap(m, 4096) != 0 || m[4097] != data[4097] || munmap(m + 4096, 4096) != 0)
		return 12;                     /* a part protected or unmapped before it was touched */
	if (close(fd) != 0 || unlink("/tmp/map.f") != 0)
		return 9;
	return 0;
}

/* The exec'd hello of self_step: it knows its file, and execs it again. */
static int self_exec(const char *mode)
{
	char *const argv[] = { "/bin/hello", "x", "self-done", NULL };
	char buf[64];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf));

	if (n != 10 || memcmp(buf, "/bin/hello", 10) != 0)
		return 3;
	if (strcmp(mode, "self-done") == 0)
		return 42;
	execv("/proc/self/exe", argv);
	return 4;
}

/* fork, exit and wait4 behave as on Linux; 0, or the step that failed. */
static int fork_step(void)
{
	struct stat st;
	int status, fd;

	status = fork_wait(child_changes_its_copy, -1);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 7 || fork_marker != 1)
		return 1;
	fd = open("/tmp/hello.fork", O_CREAT | O_TRUNC | O_RDWR, 0600);
	status = fork_wait(child_writes_the_inherited_file, fd);
	if (fd < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || fstat(fd, &st) != 0 ||
	    st.st_size != 5 || close(fd) != 0 || unlink("/tmp/hello.fork") != 0)
		return 2;
	status = fork_wait(child_raises_sigterm, -1);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGTERM)
		return 3;
	status = fork_wait(child_faults, -1);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSEGV)
		return 4;
	if (!fails_with(waitpid(-1, &status, WNOHANG), ECHILD) ||
	    !fails_with(waitpid(getpid(), &status, 0), ECHILD))
		return 5;
	return 0;
}

/* The steps argv[3] names, and the status each gives when it fails. */
static const struct {
	const char *name;
	int (*step)(void);
	int status;
} steps[] = {
	{ "files", files_step, 4 }, { "memory", memory_step, 5 }, { "signals", signals_step, 6 },
	{ "fork", fork_step, 8 }, { "pipes", pipes_step, 9 }, { "exec", exec_step, 10 },
	{ "calls", calls_step, 11 }, { "shared", shared_step, 12 }, { "poll", poll_step, 13 },
	{ "self", self_step, 14 }, { "mmap", mmap_step, 15 },
};

int main(int argc, char **argv)
{
	const char *home = getenv("HOME");
	struct timespec t0, t1;
	int code;

	if (syscall(999) != -1 || errno != ENOSYS)
		return 1;
	if (clock_gettime(CLOCK_MONOTONIC, &t0) != 0 || clock_gettime(CLOCK_MONOTONIC, &t1) != 0 ||
	    t1.tv_sec < t0.tv_sec || (t1.tv_sec == t0.tv_sec && t1.tv_nsec < t0.tv_nsec))
		return 2;
	if (argc > 3 && strcmp(argv[3], "devices") == 0 && !devices_ok())
		return 3;
	for (size_t i = 0; argc > 3 && i < sizeof(steps) / sizeof(steps[0]); i++)
		if (strcmp(argv[3], steps[i].name) == 0 && (code = steps[i].step()) != 0) {
			printf("hello: %s: step %d failed (errno %d)\n", steps[i].name, code, errno);
			return steps[i].status;
		}
	if (argc == 3 && strncmp(argv[2], "self-", 5) == 0)
		return self_exec(argv[2]);
	if (argc > 3 && strcmp(argv[3], "sigterm") == 0) {
		raise(SIGTERM);
		return 7;                                /* (it must not come back) */
	}
	tls_value += argc;
	code = tls_value + (home && strcmp(home, "/") == 0 ? 100 : 0) +
	       (argc > 2 && strcmp(argv[2], "two") == 0 ? 50 : 0);
	printf("hello from %s: %d arguments, exit code %d\n", argv[0], argc, code);
	return code;
}

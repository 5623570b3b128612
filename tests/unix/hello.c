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
 * a closed descriptor EBADF, or the status is 3.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	tls_value += argc;
	code = tls_value + (home && strcmp(home, "/") == 0 ? 100 : 0) +
	       (argc > 2 && strcmp(argv[2], "two") == 0 ? 50 : 0);
	printf("hello from %s: %d arguments, exit code %d\n", argv[0], argc, code);
	return code;
}

/*
 * sys.c — system calls that do little work: the null call, 1-byte reads and
 * writes of /dev/zero and /dev/null, open/close, stat, fstat, and catching
 * a signal sent to oneself. Each op makes the same call(s) every time and
 * fails the benchmark when one fails.
 */
#include "unix_bench.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SYS_EST_INSN    1000    /* a cheap system call, for bench_plan_for */
#define PATH_EST_INSN   5000    /* a call that walks a path */
#define SIGNAL_EST_INSN 10000   /* sigaction + raise + handler + sigreturn */
#define DEV_ZERO_PATH   "/dev/zero"
#define DEV_NULL_PATH   "/dev/null"

/* What the 1-byte I/O ops work on. */
struct byte_io {
	const char *name;
	int fd;
	char byte;
};

/* getpid through syscall(2): the C library cannot answer from a cache. */
static void null_call_op(void *ctx)
{
	(void)ctx;
	syscall(SYS_getpid);
}

/* null_call. */
void bench_null_call(void)
{
	bench_measure("null_call", BENCH_NO_PARAM, bench_plan_for(SYS_EST_INSN), null_call_op, NULL);
}

/* Open path with flags for a 1-byte I/O benchmark. */
static struct byte_io byte_io_open(const char *name, const char *path, int flags)
{
	struct byte_io io = { .name = name, .byte = 'x' };

	io.fd = open(path, flags | O_CLOEXEC);
	if (io.fd < 0)
		bench_fail(name, "open", errno);
	return io;
}

/* One 1-byte read of /dev/zero. */
static void read_zero_op(void *ctx)
{
	struct byte_io *io = ctx;

	if (read(io->fd, &io->byte, 1) != 1)
		bench_fail(io->name, "read", errno);
}

/* read_zero: /dev/zero open for the whole measurement. */
void bench_read_zero(void)
{
	struct byte_io io = byte_io_open("read_zero", DEV_ZERO_PATH, O_RDONLY);

	bench_measure(io.name, BENCH_NO_PARAM, bench_plan_for(SYS_EST_INSN), read_zero_op, &io);
	close(io.fd);
}

/* One 1-byte write to /dev/null. */
static void write_null_op(void *ctx)
{
	struct byte_io *io = ctx;

	if (write(io->fd, &io->byte, 1) != 1)
		bench_fail(io->name, "write", errno);
}

/* write_null: /dev/null open for the whole measurement. */
void bench_write_null(void)
{
	struct byte_io io = byte_io_open("write_null", DEV_NULL_PATH, O_WRONLY);

	bench_measure(io.name, BENCH_NO_PARAM, bench_plan_for(SYS_EST_INSN), write_null_op, &io);
	close(io.fd);
}

/* Open the archive's small file and close it again. */
static void open_close_op(void *ctx)
{
	int fd = open(SMALL_FILE_PATH, O_RDONLY);

	(void)ctx;
	if (fd < 0)
		bench_fail("open_close", "open " SMALL_FILE_PATH, errno);
	if (close(fd) != 0)
		bench_fail("open_close", "close", errno);
}

/* open_close. */
void bench_open_close(void)
{
	bench_measure("open_close", BENCH_NO_PARAM, bench_plan_for(PATH_EST_INSN), open_close_op, NULL);
}

/* stat of the archive's small file by path. */
static void stat_op(void *ctx)
{
	struct stat *st = ctx;

	if (stat(SMALL_FILE_PATH, st) != 0)
		bench_fail("stat", "stat " SMALL_FILE_PATH, errno);
}

/* stat. */
void bench_stat(void)
{
	struct stat st;

	bench_measure("stat", BENCH_NO_PARAM, bench_plan_for(PATH_EST_INSN), stat_op, &st);
}

/* What fstat works on: an open file and a buffer for its status. */
struct fstat_ctx {
	int fd;
	struct stat st;
};

/* fstat of the open small file. */
static void fstat_op(void *ctx)
{
	struct fstat_ctx *c = ctx;

	if (fstat(c->fd, &c->st) != 0)
		bench_fail("fstat", "fstat", errno);
}

/* fstat: the file open for the whole measurement. */
void bench_fstat(void)
{
	struct fstat_ctx c = { .fd = open(SMALL_FILE_PATH, O_RDONLY | O_CLOEXEC) };

	if (c.fd < 0)
		bench_fail("fstat", "open " SMALL_FILE_PATH, errno);
	bench_measure("fstat", BENCH_NO_PARAM, bench_plan_for(SYS_EST_INSN), fstat_op, &c);
	close(c.fd);
}

static volatile sig_atomic_t signal_caught;

/* The handler: note the delivery and return (sigreturn follows). */
static void signal_self_handler(int sig)
{
	(void)sig;
	signal_caught++;
}

/* Install the handler, raise the signal; it is delivered before raise returns. */
static void signal_self_op(void *ctx)
{
	const struct sigaction *sa = ctx;
	sig_atomic_t before = signal_caught;

	if (sigaction(SIGUSR1, sa, NULL) != 0)
		bench_fail("signal_self", "sigaction", errno);
	if (raise(SIGUSR1) != 0)
		bench_fail("signal_self", "raise", errno);
	if (signal_caught == before)
		bench_fail("signal_self", "delivery before raise returned", EINTR);
}

/* signal_self: SIGUSR1 goes back to its default afterwards. */
void bench_signal_self(void)
{
	struct sigaction sa = { .sa_handler = signal_self_handler };

	sigemptyset(&sa.sa_mask);
	bench_measure("signal_self", BENCH_NO_PARAM, bench_plan_for(SIGNAL_EST_INSN), signal_self_op, &sa);
	signal(SIGUSR1, SIG_DFL);
}

/*
 * fs.c — files in /tmp: creating a 4 KiB file (create, write, close, unlink)
 * and reading a cached 1 MiB file 64 KiB at a time; plus the I/O helpers
 * the other benchmarks share.
 */
#include "unix_bench.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#define CREATE_PATH          TMP_DIR "/bench.create"
#define CREATE_BYTES         4096
#define CREATE_EST_INSN      30000
#define READ_FILE_PATH       TMP_DIR "/bench.read"
#define READ_FILE_BYTES      (1024 * 1024)
#define READ_CHUNK_BYTES     65536
#define READ_EST_INSN        100000
#define FILE_MODE            0644
#define PATTERN_BYTES        4096

static char pattern[PATTERN_BYTES];
static char read_buf[READ_CHUNK_BYTES];

/* All of buf to fd, across short writes (unix_bench.h). */
void bench_write_all(const char *name, int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			bench_fail(name, "write", n < 0 ? errno : EIO);
		p += n;
		len -= (size_t)n;
	}
}

/* Exactly len bytes from fd, across short reads (unix_bench.h). */
void bench_read_all(const char *name, int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			bench_fail(name, n < 0 ? "read" : "read (unexpected end of file)", n < 0 ? errno : EIO);
		p += n;
		len -= (size_t)n;
	}
}

/* The repeating pattern files are made of (refilled on each call: cheap, untimed). */
static const char *pattern_get(void)
{
	for (size_t i = 0; i < PATTERN_BYTES; i++)
		pattern[i] = (char)('a' + i % 26);
	return pattern;
}

/* A file of bytes bytes of the pattern, written 4 KiB at a time (unix_bench.h). */
void bench_make_file(const char *name, const char *path, size_t bytes)
{
	const char *p = pattern_get();
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, FILE_MODE);

	if (fd < 0)
		bench_fail(name, "create file in " TMP_DIR, errno);
	for (size_t done = 0; done < bytes; done += PATTERN_BYTES)
		bench_write_all(name, fd, p, bytes - done < PATTERN_BYTES ? bytes - done : PATTERN_BYTES);
	if (close(fd) != 0)
		bench_fail(name, "close", errno);
}

/* Create, write 4 KiB, close and unlink one file: the whole life of a small file. */
static void file_create_op(void *ctx)
{
	const char *data = ctx;
	int fd = open(CREATE_PATH, O_CREAT | O_EXCL | O_WRONLY, FILE_MODE);

	if (fd < 0)
		bench_fail("file_create", "create " CREATE_PATH, errno);
	bench_write_all("file_create", fd, data, CREATE_BYTES);
	if (close(fd) != 0)
		bench_fail("file_create", "close", errno);
	if (unlink(CREATE_PATH) != 0)
		bench_fail("file_create", "unlink " CREATE_PATH, errno);
}

/* file_create: a leftover file from an earlier run would make O_EXCL fail, so it goes first. */
void bench_file_create(void)
{
	unlink(CREATE_PATH);
	bench_measure("file_create", BENCH_NO_PARAM, bench_plan_for(CREATE_EST_INSN), file_create_op,
		      (void *)pattern_get());
}

/* The file read 64 KiB at a time, wrapping round at its end. */
struct read_ctx {
	int fd;
	off_t offset;
};

/* One 64 KiB pread of the cached file, then move on (wrapping at its end). */
static void file_read_op(void *ctx)
{
	struct read_ctx *r = ctx;
	ssize_t n = pread(r->fd, read_buf, READ_CHUNK_BYTES, r->offset);

	if (n != READ_CHUNK_BYTES)
		bench_fail("file_read_bandwidth", "pread of 64 KiB", n < 0 ? errno : EIO);
	r->offset = (r->offset + READ_CHUNK_BYTES) % READ_FILE_BYTES;
}

/* file_read_bandwidth: make the 1 MiB file (untimed), read it in 64 KiB chunks, remove it. */
void bench_file_read_bandwidth(void)
{
	struct read_ctx r = { .offset = 0 };

	bench_make_file("file_read_bandwidth", READ_FILE_PATH, READ_FILE_BYTES);
	r.fd = open(READ_FILE_PATH, O_RDONLY | O_CLOEXEC);
	if (r.fd < 0)
		bench_fail("file_read_bandwidth", "open " READ_FILE_PATH, errno);
	bench_measure("file_read_bandwidth", READ_CHUNK_BYTES, bench_plan_for(READ_EST_INSN),
		      file_read_op, &r);
	close(r.fd);
	unlink(READ_FILE_PATH);
}

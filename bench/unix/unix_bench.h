/*
 * unix_bench.h — the Unix benchmarks (bench/unix): one function per line
 * of bench/unix/BENCHMARKS, `void bench_<name>(void)`, each measuring with
 * bench_measure (bench/lib/timing.h), and the few helpers they share.
 * Programs are static musl binaries; they use only POSIX and a few Linux
 * system calls (brk) that the microkernel's Unix emulation also provides.
 */
#ifndef UNIX_BENCH_H
#define UNIX_BENCH_H

#include "timing.h"

#include <stddef.h>
#include <sys/types.h>

#define BENCH(name) void bench_##name(void);
#include "benchmarks.def"
#undef BENCH

#define PAGE_BYTES        4096
#define DATA_DIR          "/etc/machlab/data"
#define SMALL_FILE_PATH   DATA_DIR "/small.txt"   /* an existing file in the archive */
#define TINY_PATH         "/bin/tiny"             /* the smallest program: exits 0 at once */
#define TMP_DIR           "/tmp"

/* Fork a child that runs fn(arg) and then _exit(0)s; the child's pid (fails the benchmark). */
pid_t bench_spawn(const char *name, void (*fn)(void *arg), void *arg);
/* Wait for pid to exit with status 0 (fails the benchmark otherwise). */
void bench_reap(const char *name, pid_t pid);
/* Write all len bytes / read exactly len bytes (fail the benchmark on error or EOF). */
void bench_write_all(const char *name, int fd, const void *buf, size_t len);
void bench_read_all(const char *name, int fd, void *buf, size_t len);
/* Create path holding bytes bytes of a repeating pattern (fails the benchmark). */
void bench_make_file(const char *name, const char *path, size_t bytes);

#endif

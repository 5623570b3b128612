/*
 * bench_mk.h — the native microkernel benchmarks (bench/mk): one function
 * per line of bench/BENCHMARKS, `void bench_<name>(void)`, each measuring
 * with bench_measure (bench/lib/timing.h). Server tasks are this same
 * program started with --server.
 */
#ifndef BENCH_MK_H
#define BENCH_MK_H

#include "mk.h"
#include "timing.h"

#define BENCH(name) void bench_##name(void);
#include "benchmarks.def"
#undef BENCH

#define BENCH_SERVICE_NAME "bench-server"
#define BENCH_MSG_MAX_BYTES (MACH_MSG_SIZE_MAX)

/* Request ids the server understands. */
enum bench_request {
	BENCH_REQ_NULL = 1,       /* reply at once */
	BENCH_REQ_OOL = 2,        /* deallocate the received region, then reply */
	BENCH_REQ_RIGHTS = 3,     /* drop the received send rights, then reply */
	BENCH_REQ_OOL_WRITE = 4,  /* write every page of the received region, deallocate, reply */
	BENCH_REQ_QUIT = 99,
};

#define BENCH_LINUX_GETPID 39      /* the foreign call the emulation benchmarks make */

/* A foreign (Linux-numbered) system call: redirected to this task's emulation vector. */
static inline uint64_t bench_foreign_call(uint64_t nr)
{
	__asm__ volatile("syscall" : "+a"(nr) : : "rcx", "r11", "memory");
	return nr;
}
void bench_foreign_getpid_once(void *ctx);   /* a bench_measure op: one foreign getpid */

void bench_image(const void **image, size_t *size);
#define BENCH_SERVER_SHORT 0x1   /* the server uses the short trap */
#define BENCH_SERVER_SET   0x2   /* it receives from a port set holding its port */
mach_port_name_t bench_server_start_task(int flags);
mach_port_name_t bench_server_start_thread(void);
void bench_server_stop(mach_port_name_t service);
int bench_server_main(const char *name, int flags);
int bench_pager_main(bool move);
int bench_pt_child_main(const char *name, const char *stride, bool quick);

#define BENCH_PAGER_PORT 40u   /* where the pager task gets its memory object port */

#endif

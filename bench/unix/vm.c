/*
 * vm.c — virtual memory: the first write to a page of a shared file
 * mapping, of anonymous memory and of freshly grown heap (brk), and mmap +
 * munmap of 1 MiB.
 *
 * The fault benchmarks map, before bench_measure, one page for each run
 * the plan makes (warm-up and samples), so every op touches a page nobody
 * touched before and no mapping is ever made inside the timed region.
 */
#include "unix_bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FAULT_EST_INSN       4000
#define BRK_EST_INSN         8000
#define MAP_BYTES            (1024 * 1024)   /* what mmap_munmap maps */
#define MAP_EST_INSN         6000
#define FAULT_FILE_PATH      TMP_DIR "/bench.mmap"

/* Pages to touch one by one: the next untouched one is base + next pages. */
struct touch_ctx {
	const char *name;
	char *base;
	size_t next;
	size_t pages;
};

/* Pages one measurement touches: one per run of the plan. */
static size_t plan_pages(struct bench_plan plan)
{
	return (size_t)plan.warmup + (size_t)plan.samples;
}

/* Write the first byte of the next page (a write fault). */
static void touch_write_op(void *ctx)
{
	struct touch_ctx *t = ctx;

	if (t->next >= t->pages)
		bench_fail(t->name, "touch (more runs than mapped pages)", ENOMEM);
	*(volatile char *)(t->base + t->next++ * PAGE_BYTES) = 1;
}

/*
 * A file of one page per run, mapped shared, each page written once. A
 * write, not a read: Linux answers a read fault on a file mapping with
 * fault-around, mapping the 16 cached pages around the faulting one at
 * once (MADV_RANDOM does not stop it in 6.1), so 15 reads in 16 would not
 * fault at all. A write fault on a shared mapping maps just its page.
 */
void bench_mmap_file_fault(void)
{
	struct bench_plan plan = bench_plan_for(FAULT_EST_INSN);
	struct touch_ctx t = { .name = "mmap_file_fault", .pages = plan_pages(plan) };
	int fd;

	bench_make_file(t.name, FAULT_FILE_PATH, t.pages * PAGE_BYTES);
	fd = open(FAULT_FILE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		bench_fail(t.name, "open " FAULT_FILE_PATH, errno);
	t.base = mmap(NULL, t.pages * PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (t.base == MAP_FAILED)
		bench_fail(t.name, "mmap", errno);
	bench_measure(t.name, BENCH_NO_PARAM, plan, touch_write_op, &t);
	munmap(t.base, t.pages * PAGE_BYTES);
	close(fd);
	unlink(FAULT_FILE_PATH);
}

/*
 * Anonymous memory of one page per run. MADV_NOHUGEPAGE keeps Linux from
 * filling 2 MiB at once with a transparent huge page; a kernel without it
 * (EINVAL) has no huge pages to avoid.
 */
void bench_anon_fault(void)
{
	struct bench_plan plan = bench_plan_for(FAULT_EST_INSN);
	struct touch_ctx t = { .name = "anon_fault", .pages = plan_pages(plan) };

	t.base = mmap(NULL, t.pages * PAGE_BYTES, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t.base == MAP_FAILED)
		bench_fail(t.name, "mmap", errno);
	if (madvise(t.base, t.pages * PAGE_BYTES, MADV_NOHUGEPAGE) != 0 && errno != EINVAL)
		bench_fail(t.name, "madvise MADV_NOHUGEPAGE", errno);
	bench_measure(t.name, BENCH_NO_PARAM, plan, touch_write_op, &t);
	munmap(t.base, t.pages * PAGE_BYTES);
}

/* The program break, moved with the raw system call (musl's sbrk refuses to grow). */
static uintptr_t brk_set(uintptr_t addr)
{
	return (uintptr_t)syscall(SYS_brk, addr);
}

/* Grow the break by one page, then write the new page. */
static void brk_fault_op(void *ctx)
{
	uintptr_t *end = ctx;
	uintptr_t want = *end + PAGE_BYTES;

	if (brk_set(want) != want)
		bench_fail("brk_fault", "brk (grow by one page)", ENOMEM);
	*(volatile char *)*end = 1;
	*end = want;
}

/*
 * The break starts page-aligned (rounded up once, untimed) and goes back
 * where it was at the end. Nothing else here uses brk: unix-bench never
 * calls malloc.
 */
void bench_brk_fault(void)
{
	uintptr_t start = brk_set(0);
	uintptr_t end = (start + PAGE_BYTES - 1) & ~(uintptr_t)(PAGE_BYTES - 1);

	if (brk_set(end) != end)
		bench_fail("brk_fault", "brk (page-align the break)", ENOMEM);
	bench_measure("brk_fault", BENCH_NO_PARAM, bench_plan_for(BRK_EST_INSN), brk_fault_op, &end);
	brk_set(start);
}

/* Map 1 MiB of anonymous memory and unmap it, untouched. */
static void mmap_munmap_op(void *ctx)
{
	void *p = mmap(NULL, MAP_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)ctx;
	if (p == MAP_FAILED)
		bench_fail("mmap_munmap", "mmap", errno);
	if (munmap(p, MAP_BYTES) != 0)
		bench_fail("mmap_munmap", "munmap", errno);
}

/* mmap_munmap (parameter: the bytes mapped). */
void bench_mmap_munmap(void)
{
	bench_measure("mmap_munmap", MAP_BYTES, bench_plan_for(MAP_EST_INSN), mmap_munmap_op, NULL);
}

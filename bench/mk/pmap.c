/*
 * pmap.c — page-table cost against sparsity (the PMAP axis). A fresh task
 * touches PT_TOUCHED pages, one every K pages over a range of
 * PT_TOUCHED x K pages, then either reports its translation structures
 * with the footprint query (pt_footprint, unit bytes: PMAP=radix counts its
 * table pages, PMAP=hashed its hash entries and its bounded hardware
 * tables) or times reading the same pages again, in a cycle (pt_refill,
 * insn per read: with radix tables every read hits; with the hashed page
 * table, once the pages span more page tables than the hardware-table
 * budget, every read refills its translation from the hash, and the
 * program's own code, stack and comm page refill after each trim too).
 * Each K runs in its own task (this program with --pt-sparsity), so
 * translations one K left behind cannot make another cheaper.
 */
#include "bench_mk.h"

#define PAGE_BYTES 4096UL
#define PT_TOUCHED 256

static const long pt_strides[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512 };

struct pt_ctx {
	vm_address_t base;
	long stride;
	size_t next;
};

static void pt_read_next(void *p)
{
	struct pt_ctx *c = p;

	(void)*(volatile char *)(c->base + (c->next++ % PT_TOUCHED) * c->stride * PAGE_BYTES);
}

/* A decimal stride from the command line (0 if it is not one). */
static long pt_stride_parse(const char *s)
{
	long v = 0;

	for (; *s >= '0' && *s <= '9' && v < 1000000; s++)
		v = v * 10 + (*s - '0');
	return *s ? 0 : v;
}

/* --pt-sparsity NAME K: touch the pages, then measure what NAME says (in this task). */
int bench_pt_child_main(const char *name, const char *stride, bool quick)
{
	struct pt_ctx c = { 0, pt_stride_parse(stride), 0 };
	struct pmap_footprint_info info;
	kern_return_t kr;

	bench_set_quick(quick);
	if (c.stride <= 0)
		bench_fail(name, "stride", KERN_INVALID_ARGUMENT);
	kr = mk_vm_allocate(MACH_PORT_TASK_SELF, &c.base, PT_TOUCHED * c.stride * PAGE_BYTES,
			    VM_ALLOC_ANYWHERE);
	if (kr != KERN_SUCCESS)
		bench_fail(name, "vm_allocate", kr);
	for (size_t i = 0; i < PT_TOUCHED; i++)
		((volatile char *)c.base)[i * c.stride * PAGE_BYTES] = 1;
	if (strcmp(name, "pt_footprint") == 0) {
		kr = mk_pmap_footprint(MACH_PORT_TASK_SELF, &info);
		if (kr != KERN_SUCCESS)
			bench_fail(name, "pmap_footprint", kr);
		bench_report(name, c.stride, "bytes", &info.bytes, 1);
	} else {
		bench_measure(name, c.stride, bench_plan_for(2000), pt_read_next, &c);
	}
	return 0;
}

/* Run one child per stride and wait for each (it prints its own samples). */
static void pt_sparsity(const char *name)
{
	for (size_t i = 0; i < sizeof(pt_strides) / sizeof(pt_strides[0]); i++) {
		char args[96];
		size_t len = 0;
		const char *words[] = { "bench-pt", "--pt-sparsity", name, NULL,
					bench_quick() ? "--quick" : NULL };
		char stride[24];
		const void *image;
		size_t size;
		mach_port_name_t task;
		struct task_status st;
		kern_return_t kr;

		snprintf(stride, sizeof(stride), "%ld", pt_strides[i]);
		words[3] = stride;
		for (size_t w = 0; w < sizeof(words) / sizeof(words[0]) && words[w]; w++) {
			size_t n = strlen(words[w]) + 1;

			memcpy(args + len, words[w], n);
			len += n;
		}
		bench_image(&image, &size);
		kr = mk_task_spawn(image, size, args, len, &task);
		if (kr == KERN_SUCCESS)
			kr = mk_task_wait(task, &st, MK_WAIT_FOREVER);
		if (kr != KERN_SUCCESS)
			bench_fail(name, "spawn/wait", kr);
		if (st.how != TASK_END_EXITED || st.code != 0)
			bench_fail(name, "child", st.code);
		mk_port_deallocate(MACH_PORT_TASK_SELF, task);
	}
}

void bench_pt_footprint(void)
{
	pt_sparsity("pt_footprint");
}

void bench_pt_refill(void)
{
	pt_sparsity("pt_refill");
}

/*
 * cpu.h — per-CPU data.
 *
 * Each CPU has one struct cpu, reached through the GS base while in the
 * kernel (user GS is swapped in with `swapgs` on the way out). Only CPU 0
 * is started for now; nothing here assumes there is only one.
 */
#ifndef KERN_CPU_H
#define KERN_CPU_H

#include <stdbool.h>
#include <stdint.h>
#include "param.h"

struct thread;

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

#define CPU_DOUBLE_FAULT_STACK_BYTES 4096

struct cpu {
	struct cpu *self;          /* %gs:0  */
	uint64_t kernel_rsp;       /* %gs:8  top of the running thread's kernel stack */
	uint64_t user_rsp;         /* %gs:16 scratch for the syscall entry */
	struct thread *current;    /* %gs:24 */
	int id;
	bool need_resched;         /* switch at the next return to user mode */
	struct thread *idle;
	struct thread *reap;       /* a dead thread to free once we are off its stack */
	struct thread *fpu_owner;  /* whose user FPU/SSE registers are loaded */
	uint64_t tls_base;         /* the FS base loaded (MSR_FS_BASE): a thread's tls_base */
	uint64_t ticks;
	struct tss tss;
	uint64_t gdt[7];
	uint8_t double_fault_stack[CPU_DOUBLE_FAULT_STACK_BYTES] __attribute__((aligned(16)));
};

extern struct cpu cpus[MAX_CPUS];

static inline struct cpu *cpu_current(void)
{
	struct cpu *c;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

static inline struct thread *current_thread(void)
{
	struct thread *t;

	__asm__ volatile("movq %%gs:24, %0" : "=r"(t));
	return t;
}

void cpu_init_boot(void);                 /* GDT, TSS, GS base, syscall MSRs for CPU 0 */
void cpu_set_kernel_stack(struct cpu *c, uint64_t top);
void cpu_set_tls_base(struct cpu *c, uint64_t base);

#endif

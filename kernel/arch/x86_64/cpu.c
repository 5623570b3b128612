/*
 * cpu.c — per-CPU descriptor tables and CPU features: the GDT and TSS of
 * each CPU, its GS base, the syscall MSRs, NX and FPU/SSE enablement.
 *
 * GDT order matters for syscall/sysret: kernel code 0x08, kernel data 0x10,
 * user data 0x18, user code 0x20 (sysret loads CS = STAR[63:48] + 16 and
 * SS = STAR[63:48] + 8), then the 16-byte TSS descriptor at 0x28.
 */
#include "kern/cpu.h"
#include "kern/kprintf.h"
#include "arch/x86.h"
#include "arch/trapframe.h"
#include "arch/fpu.h"
#include "lib/string.h"

struct cpu cpus[MAX_CPUS];
bool cpu_has_nx;

extern void syscall_entry(void);

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static void cpu_load_gdt(struct cpu *c)
{
	uint64_t tss = (uint64_t)&c->tss;
	uint64_t limit = sizeof(c->tss) - 1;
	struct gdt_ptr p = { sizeof(c->gdt) - 1, (uint64_t)c->gdt };

	c->gdt[0] = 0;
	c->gdt[1] = 0x00AF9A000000FFFFUL;   /* kernel code, 64-bit */
	c->gdt[2] = 0x00CF92000000FFFFUL;   /* kernel data */
	c->gdt[3] = 0x00CFF2000000FFFFUL;   /* user data, DPL 3 */
	c->gdt[4] = 0x00AFFA000000FFFFUL;   /* user code, 64-bit, DPL 3 */
	c->gdt[5] = (limit & 0xFFFF) | ((tss & 0xFFFFFF) << 16) | (0x89UL << 40) |
		    (((limit >> 16) & 0xF) << 48) | (((tss >> 24) & 0xFF) << 56);
	c->gdt[6] = tss >> 32;
	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w2, %%ax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%ss\n\t"
		"ltr %w3\n\t"
		: : "m"(p), "i"((uint64_t)GDT_KERNEL_CODE), "r"(GDT_KERNEL_DATA), "r"(GDT_TSS)
		: "rax", "memory");
}

static void cpu_enable_features(void)
{
	uint32_t a, b, c, d;
	uint64_t cr0, cr4;

	cpuid(0x80000001, &a, &b, &c, &d);
	cpu_has_nx = (d >> 20) & 1;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | (cpu_has_nx ? EFER_NXE : 0));

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 &= ~((1UL << 2) | (1UL << 3));   /* clear EM and TS */
	cr0 |= (1UL << 1) | (1UL << 16);      /* MP, WP: the kernel honours read-only pages */
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= (1UL << 9) | (1UL << 10);      /* OSFXSR, OSXMMEXCPT */
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
	fpu_init_boot();
}

/* The syscall entry point and the segments and flags syscall/sysret use. */
static void cpu_init_syscall(void)
{
	wrmsr(MSR_STAR, ((uint64_t)(GDT_USER_DATA - 8) << 48) | ((uint64_t)GDT_KERNEL_CODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* clear IF, DF, TF and AC on entry */
	wrmsr(MSR_SFMASK, (1UL << 9) | (1UL << 10) | (1UL << 8) | (1UL << 18));
}

/* Bring up CPU 0's tables, GS base and features. */
void cpu_init_boot(void)
{
	struct cpu *c = &cpus[0];

	c->self = c;
	c->id = 0;
	c->tss.iomap_base = sizeof(c->tss);
	c->tss.ist[0] = (uint64_t)c->double_fault_stack + CPU_DOUBLE_FAULT_STACK_BYTES;
	cpu_load_gdt(c);
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	cpu_enable_features();
	cpu_init_syscall();
}

/* The stack the CPU switches to on a trap or syscall from user mode. */
void cpu_set_kernel_stack(struct cpu *c, uint64_t top)
{
	c->tss.rsp[0] = top;
	c->kernel_rsp = top;
}

/* User mode's FS base from now on (a canonical user address, checked by the caller). */
void cpu_set_tls_base(struct cpu *c, uint64_t base)
{
	wrmsr(MSR_FS_BASE, base);
	c->tls_base = base;
}

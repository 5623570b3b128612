/*
 * trap.c — the IDT and the C side of interrupts and exceptions.
 *
 * A user-mode exception goes to the task's handler: a page fault first asks
 * the VM system (zero fill, later pagers); anything still unresolved ends
 * the task with a console message naming the task, the exception, the
 * address and the registers, and task_wait reports the same facts. A
 * supervisor thread (kernel code run for a task: the colocated Unix
 * server) is treated the same way: its page faults on the task's memory
 * are resolved, an exception nothing resolves ends its task, and an
 * interrupt in the server's own code may preempt it. Any other
 * kernel-mode exception is a kernel bug: it panics with the registers.
 */
#include "arch/trap.h"
#include "arch/x86.h"
#include "arch/lapic.h"
#include "kern/comm_page.h"
#include "kern/cpu.h"
#include "kern/kprintf.h"
#include "kern/sched.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "vm/vm_map.h"
#include "pmap.h"
#include "vm/vm_fault.h"
#include "param.h"
#include <mach/types.h>
#include "vm/phys.h"
#include "unix_server.h"

struct idt_entry {
	uint16_t off_lo, selector;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

static struct idt_entry idt[256];
extern const uint64_t isr_table[256];

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
	"invalid opcode", "device not available", "double fault", "coprocessor overrun",
	"invalid TSS", "segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 FP error", "alignment check", "machine check",
	"SIMD FP error", "virtualization", "control protection",
};

const char *trap_name(uint64_t vector)
{
	if (vector < 32 && exception_names[vector])
		return exception_names[vector];
	return "interrupt";
}

void idt_init(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) p;

	for (int v = 0; v < 256; v++) {
		uint64_t a = isr_table[v];

		idt[v].off_lo = a & 0xFFFF;
		idt[v].selector = GDT_KERNEL_CODE;
		idt[v].ist = v == 8 ? 1 : 0;      /* double fault on its own stack */
		idt[v].type = v == 3 ? 0xEE : 0x8E; /* int3 callable from user mode */
		idt[v].off_mid = (a >> 16) & 0xFFFF;
		idt[v].off_hi = a >> 32;
		idt[v].zero = 0;
	}
	p.limit = sizeof(idt) - 1;
	p.base = (uint64_t)idt;
	__asm__ volatile("lidt %0" : : "m"(p));
}

void trapframe_print(const struct trapframe *tf)
{
	kprintf("  rip %016lx  rsp %016lx  rflags %016lx  cs %lx ss %lx\n",
		tf->rip, tf->rsp, tf->rflags, tf->cs, tf->ss);
	kprintf("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n",
		tf->rax, tf->rbx, tf->rcx, tf->rdx);
	kprintf("  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n",
		tf->rsi, tf->rdi, tf->rbp, tf->r8);
	kprintf("  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n",
		tf->r9, tf->r10, tf->r11, tf->r12);
	kprintf("  r13 %016lx  r14 %016lx  r15 %016lx  err %lx\n",
		tf->r13, tf->r14, tf->r15, tf->error_code);
}

extern const char kernel_image_start[], kernel_text_end[];   /* kernel.ld */

/*
 * Print what look like return addresses on the kernel stack above rsp: the
 * words that point into the kernel's code, up to the thread's stack top.
 * The kernel is built without frame pointers (they cost every call three
 * instructions), so this is a scan, not a walk: a stale address left on the
 * stack can appear too. An rsp outside the running thread's kernel stack is
 * not followed (reading it could fault again).
 */
#define BACKTRACE_MAX 16

static void trap_backtrace(uint64_t rsp)
{
	struct thread *t = current_thread();
	uint64_t top = t ? t->kstack_top : 0;
	int shown = 0;

	if (!t || rsp >= top || top - rsp > (uint64_t)t->kstack_pages * PAGE_SIZE) {
		kprintf("  backtrace: rsp 0x%lx is not on the thread's kernel stack\n", rsp);
		return;
	}
	kprintf("  backtrace (scan):");
	for (const uint64_t *w = (const uint64_t *)(rsp & ~7UL);
	     (uint64_t)w < top && shown < BACKTRACE_MAX; w++)
		if (*w >= (uint64_t)kernel_image_start && *w < (uint64_t)kernel_text_end) {
			kprintf(" 0x%lx", *w);
			shown++;
		}
	kprintf("\n");
}

/* A kernel-mode exception: print everything and stop the machine. */
static void trap_kernel_fatal(const struct trapframe *tf, uint64_t addr)
{
	struct thread *t = current_thread();

	kprintf("\nkernel %s (vector %lu) at rip 0x%lx, address 0x%lx, thread %u of task '%s'\n",
		trap_name(tf->vector), tf->vector, tf->rip, addr,
		t ? t->id : 0, t && t->task ? t->task->name : "kernel");
	trapframe_print(tf);
	trap_backtrace(tf->rsp);
	panic("unhandled kernel exception");
}

/* A user-mode exception nothing handled: end the task, say why. */
static void trap_user_fatal(const struct trapframe *tf, uint64_t addr, kern_return_t kr)
{
	struct thread *t = current_thread();
	struct task_status st = {
		.how = TASK_END_FAULTED, .code = (int32_t)tf->vector,
		.fault_addr = addr, .fault_rip = tf->rip, .error_code = tf->error_code,
	};

	if (tf->vector == VECTOR_PAGE_FAULT)
		kprintf("machlab: task '%s' (thread %u) killed: page fault at 0x%lx (%s, %s, "
			"vm_fault kern_return %d) rip 0x%lx\n",
			t->task->name, t->id, addr,
			(tf->error_code & PF_FETCH) ? "execute" :
			(tf->error_code & PF_WRITE) ? "write" : "read",
			(tf->error_code & PF_PRESENT) ? "protection" : "not mapped", kr, tf->rip);
	else
		kprintf("machlab: task '%s' (thread %u) killed: %s (vector %lu) at rip 0x%lx\n",
			t->task->name, t->id, trap_name(tf->vector), tf->vector, tf->rip);
	trapframe_print(tf);
	task_terminate(t->task, &st);
}

static void trap_page_fault(struct trapframe *tf)
{
	uint64_t addr = read_cr2();
	vm_prot_t access = (tf->error_code & PF_FETCH) ? VM_PROT_EXECUTE :
			   (tf->error_code & PF_WRITE) ? VM_PROT_WRITE : VM_PROT_READ;
	struct thread *t = current_thread();
	kern_return_t kr;

	if (!trapframe_from_user(tf)) {
		/* user_copy touching user memory, or a supervisor thread its task's memory:
		 * resolve it like a user fault, or bail out */
		if (!t || !(t->recover || t->supervisor) || !t->task || addr >= USER_SPACE_END) {
			if (supervisor_running()) {
				trap_user_fatal(tf, addr, KERN_INVALID_ADDRESS);
				thread_exit_self();
			}
			trap_kernel_fatal(tf, addr);
		}
		if (pmap_refill(t->task->map->pmap, addr, access))
			return;
		irq_enable();
		kr = vm_fault(t->task->map, addr, access);
		if (kr == KERN_SUCCESS)
			return;
		if (t->recover) {
			tf->rip = t->recover;
			return;
		}
		trap_user_fatal(tf, addr, kr);    /* the supervisor's task ends, not the kernel */
		thread_exit_self();
	}
	if (pmap_refill(t->task->map->pmap, addr, access))
		return;                          /* the pmap alone had it: no VM fault path */
	irq_enable();
	kr = vm_fault(t->task->map, addr, access);
	if (kr != KERN_SUCCESS)
		trap_user_fatal(tf, addr, kr);
}

/* Entry from trap_common for every vector. */
void trap_dispatch(struct trapframe *tf)
{
	switch (tf->vector) {
	case VECTOR_PAGE_FAULT:
		trap_page_fault(tf);
		break;
	case VECTOR_TIMER:
		comm_page->interrupts++;
		lapic_eoi();
		sched_tick();
		break;
	case VECTOR_SPURIOUS:
		comm_page->interrupts++;
		break;
	default:
		if (tf->vector >= 32 && tf->vector < 48)
			break;                   /* a masked 8259 line that fired anyway */
		if (!trapframe_from_user(tf) && !supervisor_running())
			trap_kernel_fatal(tf, tf->vector == VECTOR_PAGE_FAULT ? read_cr2() : 0);
		trap_user_fatal(tf, 0, KERN_SUCCESS);
		if (!trapframe_from_user(tf))
			thread_exit_self();       /* a supervisor's exception ends its task */
		break;
	}
	if (trapframe_from_user(tf) || (supervisor_code_at(tf->rip) && supervisor_running()))
		return_to_user_check();       /* (a supervisor in its own code: as user code) */
}

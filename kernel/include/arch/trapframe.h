/*
 * trapframe.h — the registers saved on a thread's kernel stack on every
 * entry from user mode (interrupt, exception or syscall) and from kernel
 * mode (interrupts and exceptions). entry.S builds it; the layout must match.
 */
#ifndef ARCH_TRAPFRAME_H
#define ARCH_TRAPFRAME_H

#include <stdint.h>

/* A trap's six arguments, in the order the trap ABI passes them. */
struct trap_args {
	uint64_t a[6];
};

struct trapframe {
	union {                     /* lowest: syscall_dispatch hands them over in place */
		struct {
			uint64_t rdi, rsi, rdx, r10, r8, r9;
		};
		struct trap_args args;
	};
	uint64_t r15, r14, r13, r12, r11, rbp, rcx, rbx, rax;
	uint64_t vector;      /* interrupt vector, or TRAP_VECTOR_SYSCALL */
	uint64_t error_code;  /* the CPU's error code, or 0 */
	/* pushed by the CPU (by entry.S for syscall) */
	uint64_t rip, cs, rflags, rsp, ss;
};

#define TRAP_VECTOR_SYSCALL 0x100  /* marks a frame built by the syscall path */

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_USER_DATA   0x18      /* sysret wants user data just below user code */
#define GDT_USER_CODE   0x20
#define GDT_TSS         0x28

static inline int trapframe_from_user(const struct trapframe *tf)
{
	return (tf->cs & 3) == 3;
}

#endif

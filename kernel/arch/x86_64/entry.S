/*
 * entry.S — every way into and out of the kernel, and the context switch.
 *
 *  - isr_N: one stub per interrupt vector; pushes a zero error code where
 *    the CPU pushes none, then the vector, then jumps to trap_common.
 *  - trap_common / trap_return: save and restore a struct trapframe
 *    (arch/trapframe.h), swapgs when coming from or going to user mode,
 *    and call trap_dispatch(frame).
 *  - syscall_entry: the `syscall` instruction's path. A Mach trap (rax in
 *    -MK_TRAP_COUNT..-1) takes the short path: it saves what the trap ABI
 *    must give back and the C code does not keep by itself (user rsp, rip,
 *    rflags and the six argument registers, which are the trap's struct
 *    trap_args in place), calls mk_trap_table[-rax], checks for work due
 *    before user mode (the four tests of return_to_user_check, here in
 *    assembly), and leaves by sysretq. The callee-saved registers (rbx,
 *    rbp, r12-r15) stay the user's because every C function keeps them, so
 *    nothing else is saved; no code reads a trap's frame. Every register
 *    but rax (the result), rcx and r11 (the `syscall` instruction's own)
 *    comes back unchanged, except that the short message trap returns a
 *    received message in the six argument registers by writing their saved
 *    copies (mach_msg_short_trap, fastpath.c). rip needs no canonical check: user space ends a
 *    page below the non-canonical hole, so the address after a `syscall`
 *    is canonical.
 *    Anything else (a foreign system call, rax >= 0, or an invalid number)
 *    takes syscall_full: a whole struct trapframe (so the Unix emulation
 *    can read and rewrite the caller's registers), syscall_dispatch(frame),
 *    then sysretq, or trap_return's iretq when syscall_dispatch asks.
 *  - switch_context: save callee-saved registers, switch kernel stacks.
 *  - thread_trampoline: where a new thread's first switch lands.
 */
#define GDT_USER_DATA 0x18
#define GDT_USER_CODE 0x20
#define TF_CS_OFFSET  (18 * 8)      /* offsetof(struct trapframe, cs) */
#include "arch/asm_offsets.h"
#include <mach/traps.h>

	.text

.macro PUSH_TRAP_ARGS              /* struct trap_args: lowest, in the ABI's order */
	pushq %r9
	pushq %r8
	pushq %r10
	pushq %rdx
	pushq %rsi
	pushq %rdi
.endm

.macro POP_TRAP_ARGS
	popq %rdi
	popq %rsi
	popq %rdx
	popq %r10
	popq %r8
	popq %r9
.endm

.macro PUSH_GPRS                   /* struct trapframe's order, from the top */
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rbp
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	PUSH_TRAP_ARGS
.endm

.macro POP_GPRS
	POP_TRAP_ARGS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %rbp
	popq %rcx
	popq %rbx
	popq %rax
.endm

.macro ISR num
	.align 16
isr_\num:
	.if (\num == 8) || (\num == 10) || (\num == 11) || (\num == 12) || (\num == 13) || (\num == 14) || (\num == 17) || (\num == 21) || (\num == 29) || (\num == 30)
	.else
	pushq $0
	.endif
	pushq $\num
	jmp trap_common
.endm

.altmacro
.macro ISR_AT i
	ISR %i
.endm
.macro ISR_ADDR i
	.quad isr_\i
.endm

	.set vec, 0
	.rept 256
	ISR_AT %vec
	.set vec, vec + 1
	.endr

	.section .rodata
	.align 8
	.globl isr_table
isr_table:
	.set vec, 0
	.rept 256
	ISR_ADDR %vec
	.set vec, vec + 1
	.endr
.noaltmacro

	.text
trap_common:
	PUSH_GPRS
	testb $3, TF_CS_OFFSET(%rsp)
	jz 1f
	swapgs
1:	cld
	movq %rsp, %rdi
	call trap_dispatch
	.globl trap_return
trap_return:
	cli
	testb $3, TF_CS_OFFSET(%rsp)
	jz 2f
	swapgs
2:	POP_GPRS
	addq $16, %rsp                 /* vector, error code */
	iretq

	.globl syscall_entry
syscall_entry:
	swapgs
	movq %rsp, %gs:16
	movq %gs:8, %rsp
	cmpq $-MK_TRAP_COUNT, %rax     /* below, unsigned: rax >= 0 or < -MK_TRAP_COUNT */
	jb syscall_full
	pushq %rax                     /* the trap's number (keeps the stack 16-aligned) */
	pushq %gs:16                   /* user rsp */
	pushq %rcx                     /* user rip */
	pushq %r11                     /* user rflags */
	PUSH_TRAP_ARGS
	movq %rsp, %rdi
	negq %rax
	sti
	call *mk_trap_table(,%rax,8)
	movslq %eax, %rax              /* kern_return_t, sign-extended */
1:	cli                            /* return_to_user_check's four tests, with */
	leaq deferred_list(%rip), %rcx /* interrupts off: no preemption an interrupt */
	cmpq %rcx, (%rcx)              /* asks for can slip in between test and exit */
	jne 2f
	movq %gs:0, %rcx
	cmpb $0, CPU_NEED_RESCHED(%rcx)
	jne 2f
	movq %gs:24, %rcx
	cmpb $0, THREAD_TERMINATE_PENDING(%rcx)
	jne 2f
	cmpl $0, THREAD_SUSPEND_COUNT(%rcx)
	jne 2f
	POP_TRAP_ARGS
	popq %r11
	popq %rcx
	swapgs
	movq (%rsp), %rsp
	sysretq
2:	sti
	pushq %rax                     /* the result, and 16-byte alignment */
	pushq %rax
	call return_to_user_slow
	popq %rax
	popq %rax
	jmp 1b

syscall_full:
	pushq $(GDT_USER_DATA | 3)     /* ss */
	pushq %gs:16                   /* rsp */
	pushq %r11                     /* rflags */
	pushq $(GDT_USER_CODE | 3)     /* cs */
	pushq %rcx                     /* rip */
	pushq $0                       /* error code */
	pushq $0x100                   /* TRAP_VECTOR_SYSCALL */
	PUSH_GPRS
	movq %rsp, %rdi                /* (SFMASK has cleared DF, IF, TF and AC) */
	call syscall_dispatch
	testl %eax, %eax
	jnz trap_return                /* the frame needs a full iretq */
	cli
	POP_GPRS                       /* rsp at the vector; rip, rflags, rsp above it */
	movq 16(%rsp), %rcx            /* rip */
	movq 32(%rsp), %r11            /* rflags */
	swapgs
	movq 40(%rsp), %rsp            /* user rsp */
	sysretq

/*
 * int user_copy(void *dst, const void *src, size_t n): copy to or from the
 * user half of the loaded address space; 0, or -1 if a fault could not be
 * resolved (the page fault handler resumes at the recovery label, whose
 * address sits in the current thread's `recover`, at offset 0).
 */
	.globl user_copy
user_copy:
	movq %gs:24, %rax
	leaq 1f(%rip), %r8
	movq %r8, (%rax)
	movq %rdx, %rcx
	shrq $3, %rcx
	rep movsq
	movq %rdx, %rcx
	andq $7, %rcx
	rep movsb
	movq $0, (%rax)
	xorl %eax, %eax
	ret
1:	movq %gs:24, %rax
	movq $0, (%rax)
	movl $-1, %eax
	ret

/* void switch_context(uint64_t *save_rsp, uint64_t new_rsp) */
	.globl switch_context
switch_context:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

/*
 * A new thread's first switch returns here. r12 = kernel function to run
 * (kernel threads) or 0 (user threads: rsp points at their trapframe);
 * r13 = its argument.
 */
	.globl thread_trampoline
thread_trampoline:
	call sched_thread_first_run
	testq %r12, %r12
	jz trap_return
	movq %r13, %rdi
	call *%r12
	ud2

	.section .note.GNU-stack, "", @progbits

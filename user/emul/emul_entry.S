/*
 * emul_entry.S — the emulation vector (include/mach/emulation.h): rsp and
 * rdi point at the struct emul_frame the kernel wrote (16-byte aligned).
 * Call the C side, then load every register from the frame and go back to
 * the program: rflags through the stack, rcx = rip and r11 = rflags as a
 * `syscall` leaves them, the result in rax, the program's own rsp last.
 * Offsets: struct emul_frame (checked in emul.c).
 *
 * emul_fork_child is where a forked child's thread starts (emul_fork): on
 * its own copy of the parent's frame; it sets its TLS base first
 * (emul_fork_child_start), makes rax 0 and takes the way back above.
 */
	.text
	.globl emul_entry
emul_entry:
	call emul_dispatch
emul_return:
	movq 8(%rsp), %rdi
	movq 16(%rsp), %rsi
	movq 24(%rsp), %rdx
	movq 32(%rsp), %r10
	movq 40(%rsp), %r8
	movq 48(%rsp), %r9
	movq 56(%rsp), %rbx
	movq 64(%rsp), %rbp
	movq 72(%rsp), %r12
	movq 80(%rsp), %r13
	movq 88(%rsp), %r14
	movq 96(%rsp), %r15
	movq 120(%rsp), %r11
	pushq %r11
	popfq
	movq 0(%rsp), %rax
	movq 104(%rsp), %rcx
	movq 112(%rsp), %rsp
	jmp *%rcx

	.globl emul_fork_child
emul_fork_child:
	call emul_fork_child_start
	movq $0, (%rsp)                 /* fork returns 0 in the child */
	jmp emul_return
	.section .note.GNU-stack,"",@progbits

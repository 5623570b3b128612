/*
 * crt0.S — user program entry: the kernel starts the main thread with
 * rdi = argc, rsi = argv and rsp just below argv; call main and exit with
 * its result.
 */
	.section .text.start, "ax"
	.globl _start
_start:
	xorl %ebp, %ebp
	andq $-16, %rsp
	call main
	movl %eax, %edi
	call mk_task_exit
	ud2

	.section .note.GNU-stack, "", @progbits

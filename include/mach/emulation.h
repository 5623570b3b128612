/*
 * emulation.h — system-call redirection (the trampoline of Mach's Unix
 * emulation).
 *
 * A task may have an emulation vector: an address in its own address space,
 * set through its task port with mk_task_set_emulation (so that a Unix
 * server can set it for its processes; 0 removes it). A `syscall` with a
 * number >= 0 (a foreign ABI's: Linux's from 0) from a task with a vector
 * does not enter any kernel service. The kernel writes a struct emul_frame
 * with the caller's registers on the caller's own stack, below the 128-byte
 * red zone and 16-byte aligned, and resumes the thread at the vector with
 * rsp and rdi pointing at the frame; every other register is as the program
 * left it. The code at the vector (user/emul/emul_entry.S) performs the
 * call, puts the result in the frame's rax, and returns straight to the
 * program by loading the frame's registers, rflags, rsp and rip — no
 * second trap. It may change any field first (a signal or an exec would).
 * As after a Linux `syscall`, rcx then holds the return address and r11
 * the flags; every other register is the frame's.
 *
 * A task without a vector is ended (TASK_END_BAD_TRAP) at its first
 * foreign call, with a kernel message naming the call. A frame that cannot
 * be written (the stack pointer unmapped, read-only or too low) ends the
 * task with a page fault (TASK_END_FAULTED, vector 14, fault_addr the
 * frame's address). Only `syscall` is redirected: `int $0x80` is not (no
 * program of the suite uses it) and faults as any unknown interrupt does.
 * A task made from another as a blueprint (task_create with its memory)
 * inherits the vector, with the emulation code it points to.
 */
#ifndef MACH_EMULATION_H
#define MACH_EMULATION_H

#include <stdint.h>

#define EMUL_RED_ZONE_BYTES 128   /* below rsp, left alone (the x86-64 ABI's red zone) */

struct emul_frame {
	uint64_t rax;                         /* the call's number; its result on return */
	uint64_t rdi, rsi, rdx, r10, r8, r9;  /* its arguments, in the Linux order */
	uint64_t rbx, rbp, r12, r13, r14, r15;
	uint64_t rip;                         /* where the program goes on (after its syscall) */
	uint64_t rsp;                         /* the program's stack pointer */
	uint64_t rflags;
};

_Static_assert(sizeof(struct emul_frame) % 16 == 0, "frames keep rsp 16-byte aligned");

#endif

/*
 * asm_offsets.h — offsets of C structure fields that entry.S reads. Each is
 * checked against offsetof where the structure is defined in C
 * (kernel/kern/syscall.c), so a change of layout fails the build.
 */
#ifndef ARCH_ASM_OFFSETS_H
#define ARCH_ASM_OFFSETS_H

#define CPU_NEED_RESCHED         0x24  /* struct cpu: need_resched (bool) */
#define THREAD_SUSPEND_COUNT     0x50  /* struct thread: suspend_count (32 bits) */
#define THREAD_TERMINATE_PENDING 0x54  /* struct thread: terminate_pending (bool) */

#endif

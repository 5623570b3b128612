/*
 * trap.h — interrupt vectors and the trap entry points in C.
 */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include "arch/trapframe.h"

#define VECTOR_PAGE_FAULT   14
#define VECTOR_TIMER        64
#define VECTOR_PIC_BASE     32     /* the 8259s are remapped here, then masked */
#define VECTOR_SPURIOUS     255

/* A page fault's error code. */
#define PF_PRESENT (1u << 0)
#define PF_WRITE   (1u << 1)
#define PF_USER    (1u << 2)
#define PF_FETCH   (1u << 4)

void idt_init(void);
void trap_dispatch(struct trapframe *tf);
int syscall_dispatch(struct trapframe *tf);
void syscall_table_check(void);
const char *trap_name(uint64_t vector);
void trapframe_print(const struct trapframe *tf);

#endif

/*
 * fpu.h — user FPU/SSE state.
 *
 * The kernel is built with -mgeneral-regs-only and never touches these
 * registers, so only user threads have FPU state. The policy is eager with
 * an owner: when the scheduler switches to a user thread whose registers are
 * not the ones loaded, it saves the owner's (fxsave) and loads the new
 * thread's (fxrstor). Switching to a kernel thread and back costs nothing.
 */
#ifndef ARCH_FPU_H
#define ARCH_FPU_H

#include <stdint.h>

#define FPU_STATE_BYTES 512

struct fpu_state {
	uint8_t bytes[FPU_STATE_BYTES];
} __attribute__((aligned(16)));

void fpu_init_boot(void);
void fpu_state_init(struct fpu_state *s);      /* the clean state of a new thread */

static inline void fpu_save(struct fpu_state *s)
{
	__asm__ volatile("fxsave64 %0" : "=m"(*s));
}

static inline void fpu_restore(const struct fpu_state *s)
{
	__asm__ volatile("fxrstor64 %0" : : "m"(*s));
}

#endif

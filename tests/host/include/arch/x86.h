/*
 * arch/x86.h (host shim) — shadows kernel/include/arch/x86.h in the host
 * unit tests, which put tests/host/include first on the include path.
 *
 * Only the interrupt-flag and pause helpers kern/lock.h needs are here, as
 * no-ops: a host process cannot run cli/sti. Port I/O, MSRs and control
 * registers are left out on purpose, so kernel code that touches hardware
 * fails to compile into the unit tests instead of crashing them.
 */
#ifndef ARCH_X86_H
#define ARCH_X86_H

#include <stdint.h>

#define RFLAGS_IF (1UL << 9)

/* Report interrupts as already disabled, so irq_restore never enables them. */
static inline uint64_t irq_save(void)
{
	return 0;
}

static inline void irq_restore(uint64_t was_enabled)
{
	(void)was_enabled;
}

static inline void irq_enable(void)
{
}

static inline void irq_disable(void)
{
}

static inline void cpu_pause(void)
{
}

#endif

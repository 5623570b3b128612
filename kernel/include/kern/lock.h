/*
 * lock.h — spin locks.
 *
 * Every piece of shared kernel state has an owner and a lock, even while
 * only one CPU runs. A lock is taken with interrupts disabled; the caller
 * keeps the previous interrupt state and gives it back on release, so a
 * lock may be released by another thread after a context switch (the
 * scheduler lock is).
 */
#ifndef KERN_LOCK_H
#define KERN_LOCK_H

#include <stdint.h>
#include "arch/x86.h"

typedef struct {
	volatile uint32_t locked;
} spinlock_t;

#define SPINLOCK_INIT { 0 }

/* Take the lock (interrupts are off). The free lock is the straight line:
 * written as a loop, GCC enters it by a jump, one more instruction on
 * every lock the kernel takes. */
static inline void spin_acquire(spinlock_t *l)
{
	if (__builtin_expect(__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE), 0)) {
		do
			cpu_pause();
		while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE));
	}
}

/* Disable interrupts, take the lock; return the interrupt state to restore. */
static inline uint64_t spin_lock(spinlock_t *l)
{
	uint64_t flags = irq_save();

	spin_acquire(l);
	return flags;
}

/* Take the lock when interrupts are already off (the caller holds another
 * lock, whose release restores them): no state to keep. */
static inline void spin_lock_irqs_off(spinlock_t *l)
{
	spin_acquire(l);
}

/* Take the lock if it is free (*flags gets the interrupt state); false, with
 * nothing changed, when someone holds it. */
static inline int spin_trylock(spinlock_t *l, uint64_t *flags)
{
	*flags = irq_save();
	if (!__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		return 1;
	irq_restore(*flags);
	return 0;
}

static inline void spin_unlock(spinlock_t *l, uint64_t flags)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	irq_restore(flags);
}

static inline int spin_is_locked(const spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED);
}

#endif

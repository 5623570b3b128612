/*
 * supervisor_range.h (UNIX=colocated) — a supervisor thread's memory
 * includes the kernel half: the colocated Unix server's messages and
 * buffers are in the kernel's image and on its kernel stack, and it passes
 * them to its traps as a user server passes its own (vm/vm_fault.h). Only
 * the caller's own memory: a range another task names is never checked
 * here. And a fast path writes a message straight into a supervisor's
 * receive buffer when that is kernel memory, mapped in every address space
 * (kern/mach_msg.h: ipc_fast_target): one copy less than through ipc.msg.
 */
#ifndef SUPERVISOR_RANGE_H
#define SUPERVISOR_RANGE_H

#include <stdbool.h>
#include <stdint.h>
#include <mach/message.h>
#include "kern/thread.h"
#include "param.h"

static inline bool supervisor_range_ok(uint64_t addr, uint64_t len)
{
	return addr >= KERNEL_HALF_START && addr + len >= addr && supervisor_running();
}

/* Is blocked receiver t a supervisor whose receive buffer is kernel memory,
 * with room for a whole short message (the short trap writes all three
 * words)? (Its own code chose the buffer: no wrap-around to fear.) */
static inline bool supervisor_buffer_ok(const struct thread *t)
{
	return t->supervisor && t->ipc.buf >= KERNEL_HALF_START && t->ipc.size >= MACH_MSG_SHORT_MAX;
}

#define SUPERVISOR_THREADS             1

#endif

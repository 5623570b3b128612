/*
 * supervisor_range.h (UNIX=server) — no supervisor threads exist: the
 * kernel half is never a caller's memory (vm/vm_fault.h), and no receiver's
 * buffer is written directly (kern/mach_msg.h: ipc_fast_target).
 */
#ifndef SUPERVISOR_RANGE_H
#define SUPERVISOR_RANGE_H

#define supervisor_range_ok(addr, len) ((void)(addr), (void)(len), 0)
#define supervisor_buffer_ok(t)        ((void)(t), 0)

#define SUPERVISOR_THREADS             0     /* (the kernel's tests on it fold away) */

#endif

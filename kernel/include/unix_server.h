/*
 * unix_server.h — where the Unix server runs (one variant axis:
 * UNIX=server|colocated, DESIGN.md section 2).
 *
 * UNIX=server: the server (user/unix/) is a user task its starter makes;
 * the kernel knows nothing of it. UNIX=colocated: the same source is
 * linked into the kernel and runs as a supervisor thread (kern/thread.h:
 * kernel code run on behalf of a task, in the task's address space, its
 * traps called directly by supervisor_trap instead of through `syscall`),
 * Chorus's supervisor actors and MkLinux's in-kernel server. Processes
 * reach it through the same ports and messages either way. The two
 * implementations are variants/unix-<value>/; each also has
 * supervisor_range.h, the inline test of whether the kernel half may be a
 * caller's memory (only a supervisor thread's, in UNIX=colocated).
 */
#ifndef UNIX_SERVER_H
#define UNIX_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <mach/kern_return.h>

struct task;

/* UNIX_SERVER_KIND_* (include/mach/types.h): what this kernel has. */
uint32_t unix_server_kind(void);

/*
 * Run the kernel's Unix server as a supervisor thread of task (which has no
 * threads yet) on arg, the address in task of its struct
 * unix_server_config. KERN_NOT_SUPPORTED in UNIX=server; KERN_NO_SPACE while
 * another colocated server still runs (its state is the kernel's: one at a
 * time).
 */
kern_return_t supervisor_start(struct task *task, uint64_t arg);

/* The colocated server's code (kernel.ld; empty in UNIX=server): a
 * supervisor thread interrupted there holds no kernel lock (spin locks
 * keep interrupts off) and may be preempted as user code is. */
extern const char unix_text_start[], unix_text_end[];

static inline bool supervisor_code_at(uint64_t rip)
{
	return rip >= (uint64_t)unix_text_start && rip < (uint64_t)unix_text_end;
}

#endif

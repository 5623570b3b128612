/*
 * unix_server.c (UNIX=colocated) — the Unix server (user/unix/) linked into
 * the kernel, run as a supervisor thread of a task its starter makes
 * (user/unix/colocate.c): Chorus's supervisor actors, MkLinux's in-kernel
 * server.
 *
 * The server's source is the user server's, compiled with the kernel's
 * flags and MK_SUPERVISOR (its traps become supervisor_trap calls: no
 * `syscall`, no register save, no sysret) and linked into one object whose
 * only global is unix_server_run (Makefile: UNIX_SERVER_KOBJ), with its
 * data and bss in sections of their own (kernel.ld: unix_data_*,
 * unix_bss_*). Its messages and static buffers are thus kernel memory,
 * which its traps accept as its own (supervisor_range.h); what it
 * allocates (vm_allocate), what it maps and the memory its starter gave it
 * (the task is a copy of the starter: the configuration, the programs, the
 * emulation library's image and the root archive are at the addresses the
 * starter had them) are in the task's user half, where its faults are
 * resolved like a user thread's (trap.c). Processes reach it through the
 * same ports and messages as a user server; a call still switches address
 * spaces (the server's task keeps a map of its own for that memory).
 *
 * One colocated server runs at a time: its state is the kernel's. Each
 * start puts the state back as linked (initialised data from a copy taken
 * before the first start, bss zeroed), once the previous server's thread
 * has gone. The server's task ends when its thread does: when its control
 * port goes, or when the task is terminated (the thread stops at its next
 * trap, as a user thread at its next return to user mode). Its code is a
 * section of its own (.unix_text, unix_server.h): an interrupt there may
 * preempt it (trap.c), so a long stretch of server work without a trap does
 * not hold the CPU.
 */
#include "unix_server.h"
#include "arch/x86.h"
#include "kern/lock.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "kern/zalloc.h"
#include "lib/string.h"
#include "param.h"
#include <mach/types.h>

struct unix_server_config;
int unix_server_run(const struct unix_server_config *cfg);   /* user/unix/server.c */

extern char unix_data_start[], unix_data_end[], unix_bss_start[], unix_bss_end[];

static spinlock_t colocated_lock = SPINLOCK_INIT;
static struct task *colocated_task;    /* the last server's task, referenced */
static void *data_as_linked;           /* the server's initialised data before any start */

uint32_t unix_server_kind(void)
{
	return UNIX_SERVER_KIND_COLOCATED;
}

static void supervisor_unix_main(void *cfg)
{
	irq_enable();            /* (a new thread's first switch leaves interrupts off) */
	unix_server_run(cfg);
	thread_exit_self();
}

kern_return_t supervisor_start(struct task *task, uint64_t arg)
{
	size_t data = (size_t)(unix_data_end - unix_data_start);
	size_t data_pages = (data + PAGE_SIZE - 1) / PAGE_SIZE;
	struct task *previous = NULL;
	kern_return_t kr;
	uint64_t f;

	if (!data_as_linked && data_pages) {
		void *copy = kmem_pages_alloc(data_pages);

		if (!copy)
			return KERN_RESOURCE_SHORTAGE;
		f = spin_lock(&colocated_lock);
		if (!data_as_linked && !colocated_task) {      /* (nothing has run yet) */
			memcpy(copy, unix_data_start, data);
			data_as_linked = copy;
			copy = NULL;
		}
		spin_unlock(&colocated_lock, f);
		if (copy)
			kmem_pages_free(copy, data_pages);
	}
	f = spin_lock(&colocated_lock);
	if (colocated_task && __atomic_load_n(&colocated_task->nthreads, __ATOMIC_ACQUIRE)) {
		spin_unlock(&colocated_lock, f);
		return KERN_NO_SPACE;                 /* a server runs: its state is in use */
	}
	if (data)
		memcpy(unix_data_start, data_as_linked, data);
	memset(unix_bss_start, 0, (size_t)(unix_bss_end - unix_bss_start));
	strncpy_z(task->name, "unix-server (colocated)", sizeof(task->name));
	/* (under the lock: a second start sees this thread and waits its turn) */
	if (thread_create_supervisor(task, supervisor_unix_main, (void *)arg, &kr)) {
		previous = colocated_task;
		task_ref(task);
		colocated_task = task;
	}
	spin_unlock(&colocated_lock, f);
	if (previous)
		task_release(previous);
	return kr;
}

/*
 * task.h — tasks: an address space, an IPC space (the task's port rights)
 * and the threads running in them.
 *
 * A task lives while it has threads; when the last one ends (or the task is
 * terminated), its memory and handles are released at once and it becomes
 * a zombie holding only its end status, which task_wait reports through its
 * task port. The struct is freed when the last reference goes (its threads,
 * and its task port, which lives while anyone holds a send right to it).
 */
#ifndef KERN_TASK_H
#define KERN_TASK_H

#include <stdint.h>
#include <mach/kern_return.h>
#include <mach/port.h>
#include <mach/types.h>
#include "kern/deferred.h"
#include "kern/kobject.h"
#include "kern/lock.h"
#include "kern/sched.h"
#include "lib/list.h"
#include "param.h"

struct vm_map;
struct ipc_space;
struct port;

enum task_state {
	TASK_ALIVE,
	TASK_DYING,      /* terminated; threads are leaving */
	TASK_ZOMBIE,     /* resources released; status kept for task_wait */
};

struct task {
	char name[TASK_NAME_LEN];
	uint32_t id;
	spinlock_t lock;               /* threads, state */
	uint32_t refs;
	enum task_state state;
	struct vm_map *map;
	struct list threads;
	uint32_t nthreads;
	struct ipc_space *space;
	struct port *self_port;        /* its task port (kernel-served), ipc_lock */
	struct task_status status;     /* valid once state != TASK_ALIVE */
	struct waitq waiters;          /* task_wait callers (sched_lock) */
	struct deferred_work abandon;  /* ending it when nothing can reach it any more */
	struct ledger *ledger;         /* what it and the tasks it creates may hold (ledger.c) */
	uint64_t emul_vector;          /* where its foreign system calls go (0: none; mach/emulation.h) */
};

struct image_source;

void task_init(void);
struct ledger *current_ledger(void);
struct task *task_create(const char *name, struct task *creator, bool host_priv);
kern_return_t task_spawn(const struct image_source *img, const char *args, size_t args_len,
			 struct task *creator, bool host_priv, struct task **out);
void task_terminate(struct task *task, const struct task_status *why);
kern_return_t task_wait(struct task *task, struct task_status *st, uint64_t timeout_ms);
void task_thread_gone(struct task *task);
void task_ref(struct task *task);
void task_release(struct task *task);
/*
 * The task behind a task port name in space, referenced. An ended task
 * (its address and port spaces released: map is NULL from then on) only
 * if ended_too; otherwise KERN_TERMINATED. Inline: most traps start here.
 */
static inline kern_return_t task_lookup(struct ipc_space *space, mach_port_name_t name,
					bool ended_too, struct task **task)
{
	kern_return_t kr = kobject_lookup(space, name, KOT_TASK, (void **)task);

	if (kr == KERN_SUCCESS && !ended_too && !(*task)->map) {
		task_release(*task);
		kr = KERN_TERMINATED;
	}
	return kr;
}
uint32_t task_count(void);
void task_set_bootstrap(struct task *task);

#endif

/* Where task_spawn reads an ELF image from: a user task's memory or the kernel's. */
struct image_source {
	struct vm_map *map;       /* the caller's map, or NULL for kaddr */
	vm_address_t uaddr;
	const void *kaddr;        /* a boot module, through the direct map */
	size_t size;
};

/*
 * handle.h — a task's names for kernel objects (tasks and threads).
 *
 * Handles are small integers indexing a per-task table; each entry holds a
 * reference to its object. Handle 0 always names the task itself. The next
 * issue turns this table into the task's IPC space of port rights.
 */
#ifndef KERN_HANDLE_H
#define KERN_HANDLE_H

#include <stdint.h>
#include <mach/kern_return.h>
#include <mach/types.h>

struct task;

enum handle_type {
	HANDLE_FREE,
	HANDLE_TASK,
	HANDLE_THREAD,
};

struct handle_entry {
	enum handle_type type;
	void *obj;
};

struct handle_table {
	struct handle_entry *entries;
	uint32_t capacity;
	uint32_t used;
	uint32_t hint;              /* a free slot is at or after it */
};

kern_return_t handle_insert(struct task *task, enum handle_type type, void *obj,
			    mk_handle_t *out);
kern_return_t handle_lookup(struct task *task, mk_handle_t h, enum handle_type type,
			    void **obj);
kern_return_t handle_close(struct task *task, mk_handle_t h);
void handle_table_destroy(struct task *task);

#endif

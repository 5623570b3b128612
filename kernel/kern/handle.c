/*
 * handle.c — per-task handle tables (task->lock protects them).
 *
 * The table grows by doubling up to TASK_HANDLES_MAX; a freed slot is
 * reused first, so names stay small. Handle 0 is the task itself and is
 * not stored (a task holding a reference to itself would never be freed).
 */
#include "kern/handle.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "kern/zalloc.h"
#include "lib/string.h"
#include "param.h"
#include <mach/traps.h>

#define HANDLE_TABLE_INITIAL 16

static void handle_obj_release(enum handle_type type, void *obj)
{
	if (type == HANDLE_TASK)
		task_release(obj);
	else if (type == HANDLE_THREAD)
		thread_release(obj);
}

static void handle_obj_ref(enum handle_type type, void *obj)
{
	if (type == HANDLE_TASK)
		task_ref(obj);
	else if (type == HANDLE_THREAD)
		thread_ref(obj);
}

/* Double the table (task->lock held; kmem_alloc takes only zone locks). */
static kern_return_t handle_table_grow(struct handle_table *ht)
{
	uint32_t cap = ht->capacity ? ht->capacity * 2 : HANDLE_TABLE_INITIAL;
	struct handle_entry *e;

	if (cap > TASK_HANDLES_MAX)
		return KERN_RESOURCE_SHORTAGE;
	e = kmem_alloc(cap * sizeof(*e));
	if (!e)
		return KERN_RESOURCE_SHORTAGE;
	if (ht->entries) {
		memcpy(e, ht->entries, ht->capacity * sizeof(*e));
		kmem_free(ht->entries, ht->capacity * sizeof(*e));
	} else {
		ht->hint = 1;                  /* slot 0 is the task itself */
	}
	ht->entries = e;
	ht->capacity = cap;
	return KERN_SUCCESS;
}

/* Store obj (whose reference the table takes over) under a new handle. */
kern_return_t handle_insert(struct task *task, enum handle_type type, void *obj,
			    mk_handle_t *out)
{
	struct handle_table *ht = &task->handles;
	uint64_t f = spin_lock(&task->lock);
	kern_return_t kr = KERN_SUCCESS;
	uint32_t i;

	if (task->state != TASK_ALIVE)
		kr = KERN_TERMINATED;
	else if (ht->used + 1 >= ht->capacity)
		kr = handle_table_grow(ht);
	if (kr != KERN_SUCCESS) {
		spin_unlock(&task->lock, f);
		return kr;
	}
	for (i = ht->hint; ht->entries[i].type != HANDLE_FREE; i = i + 1 < ht->capacity ? i + 1 : 1)
		;
	ht->entries[i].type = type;
	ht->entries[i].obj = obj;
	ht->used++;
	ht->hint = i + 1 < ht->capacity ? i + 1 : 1;
	spin_unlock(&task->lock, f);
	*out = (mk_handle_t)i;
	return KERN_SUCCESS;
}

/* The object behind h, with a new reference, if it has the expected type. */
kern_return_t handle_lookup(struct task *task, mk_handle_t h, enum handle_type type,
			    void **obj)
{
	struct handle_table *ht = &task->handles;
	kern_return_t kr = KERN_SUCCESS;
	uint64_t f;

	if (h == MK_TASK_SELF) {
		if (type != HANDLE_TASK)
			return KERN_INVALID_RIGHT;
		task_ref(task);
		*obj = task;
		return KERN_SUCCESS;
	}
	f = spin_lock(&task->lock);
	if (h < 0 || (uint32_t)h >= ht->capacity || ht->entries[h].type == HANDLE_FREE)
		kr = KERN_INVALID_NAME;
	else if (ht->entries[h].type != type)
		kr = KERN_INVALID_RIGHT;
	else {
		*obj = ht->entries[h].obj;
		handle_obj_ref(type, *obj);
	}
	spin_unlock(&task->lock, f);
	return kr;
}

kern_return_t handle_close(struct task *task, mk_handle_t h)
{
	struct handle_table *ht = &task->handles;
	struct handle_entry e;
	uint64_t f = spin_lock(&task->lock);

	if (h <= 0 || (uint32_t)h >= ht->capacity || ht->entries[h].type == HANDLE_FREE) {
		spin_unlock(&task->lock, f);
		return KERN_INVALID_NAME;
	}
	e = ht->entries[h];
	ht->entries[h].type = HANDLE_FREE;
	ht->entries[h].obj = NULL;
	ht->used--;
	if ((uint32_t)h < ht->hint)
		ht->hint = h;
	spin_unlock(&task->lock, f);
	handle_obj_release(e.type, e.obj);
	return KERN_SUCCESS;
}

/* Drop every handle (the task is a zombie; nobody else uses the table). */
void handle_table_destroy(struct task *task)
{
	struct handle_table *ht = &task->handles;

	for (uint32_t i = 0; i < ht->capacity; i++)
		if (ht->entries[i].type != HANDLE_FREE)
			handle_obj_release(ht->entries[i].type, ht->entries[i].obj);
	if (ht->entries)
		kmem_free(ht->entries, ht->capacity * sizeof(*ht->entries));
	ht->entries = NULL;
	ht->capacity = ht->used = 0;
}

/*
 * kobject.c — task and thread ports, and the kernel's message server for
 * them (MACH_TASK_INFO_ID, MACH_THREAD_INFO_ID; see include/mach/kobject.h).
 */
#include "kern/kobject.h"
#include "kern/ipc_space.h"
#include "kern/kprintf.h"
#include "kern/msg.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "kern/zalloc.h"
#include "lib/string.h"
#include <mach/kobject.h>
#include <mach/memory_object.h>
#include "pager.h"
#include "vm/vm_object.h"

/* Tasks and threads are referenced by their ports; a memory object's control port is not
 * (the object tears the port down when it dies, see vm_pager.c). */
static void kobject_obj_ref(enum kobject_type type, void *obj)
{
	if (type == KOT_TASK)
		task_ref(obj);
	else if (type == KOT_THREAD)
		thread_ref(obj);
}

static void kobject_obj_release(enum kobject_type type, void *obj)
{
	if (type == KOT_TASK)
		task_release(obj);
	else if (type == KOT_THREAD)
		thread_release(obj);
}

/* A kernel-served port for obj; the port's one reference stands for its receive right. */
struct port *kobject_port_create(enum kobject_type type, void *obj)
{
	struct port *p = port_alloc(false);

	if (!p)
		return NULL;
	p->kotype = type;
	p->kobject = obj;
	p->receiver = ipc_space_kernel;
	kobject_obj_ref(type, obj);
	return p;
}

/* The object is gone: without senders, the port goes too. */
void kobject_object_dead(struct port *p)
{
	p->kobject_dead = true;
	if (p->srights == 0) {
		port_destroy(p);
		port_release(p);
	}
}

/* A task with no thread and no send right can never run: end it (deferred work). */
static void kobject_task_abandoned(struct deferred_work *w)
{
	struct task *task = list_entry(w, struct task, abandon);
	struct task_status st = { .how = TASK_END_KILLED };

	if (task->nthreads == 0)
		task_terminate(task, &st);
	task_release(task);
}

/*
 * A send right to a task port went. If every send right left is the task's
 * own (MACH_PORT_TASK_SELF) and it has no thread, nothing can ever start or
 * end it: end it later, at a safe point (ending takes locks held here).
 */
void kobject_send_right_gone(struct port *p)
{
	struct task *task = p->kobject;
	struct ipc_entry *own;

	if (p->kotype != KOT_TASK || p->kobject_dead || task->nthreads ||
	    task->state != TASK_ALIVE || task->abandon.queued)
		return;
	own = ipc_entry_lookup(task->space, MACH_PORT_TASK_SELF);
	if (p->srights != (own && own->port == p ? own->urefs : 0))
		return;
	task_ref(task);
	deferred_queue(&task->abandon, kobject_task_abandoned);
}

/* The last send right is gone: a dead object's port goes. */
void kobject_no_senders(struct port *p)
{
	if (p->kobject_dead) {
		port_destroy(p);
		port_release(p);
	}
}

/* The port is destroyed: let go of the object and its pointer to us. */
void kobject_port_destroyed(struct port *p)
{
	enum kobject_type type = p->kotype;
	void *obj = p->kobject;

	if (type == KOT_NONE)
		return;
	p->kotype = KOT_NONE;
	p->kobject = NULL;
	if (type == KOT_TASK)
		((struct task *)obj)->self_port = NULL;
	else if (type == KOT_THREAD)
		((struct thread *)obj)->self_port = NULL;
	else if (type == KOT_MEMORY_CONTROL)
		((struct vm_object *)obj)->control = NULL;
	kobject_obj_release(type, obj);
}

/* Insert a new send right to p into space at name want (0: any); returns the name (0 if none could be made). */
mach_port_name_t kobject_give_send_at(struct ipc_space *space, struct port *p,
				      mach_port_name_t want)
{
	port_ref(p);
	port_send_right_add(p);
	return ipc_right_insert(space, p, MSG_RIGHT_SEND, want);
}

mach_port_name_t kobject_give_send(struct ipc_space *space, struct port *p)
{
	return kobject_give_send_at(space, p, MACH_PORT_NULL);
}

kern_return_t kobject_lookup(struct ipc_space *space, mach_port_name_t name,
			     enum kobject_type type, void **obj)
{
	uint64_t f = spin_lock(&ipc_lock);
	struct ipc_entry *e = ipc_entry_lookup(space, name);
	kern_return_t kr = KERN_SUCCESS;

	if (!e)
		kr = KERN_INVALID_NAME;
	else if (!(e->type & MACH_PORT_TYPE_SEND) || !e->port || e->port->kotype != type)
		kr = KERN_INVALID_RIGHT;
	else {
		*obj = e->port->kobject;
		kobject_obj_ref(type, *obj);
	}
	spin_unlock(&ipc_lock, f);
	return kr;
}

/*
 * A reply to req (which gives up its reply right): one INLINE item of
 * words, and one PORTS item if send_right (referenced, counted) is given,
 * charged to whoever paid for the request.
 */
struct kmsg *kobject_reply_alloc(struct kmsg *req, const uint32_t *words, uint32_t nwords,
				 struct port *send_right)
{
	struct port *dest = req->reply;

	req->reply = NULL;
	return kmsg_kernel_build(dest, req->reply_type, req->hdr->id + 100, words, nwords, 4,
				 send_right, NULL, req->ledger);
}

/* Queue a kernel-made message; a dead destination destroys it (ipc_lock held). */
void ipc_send_kernel(struct kmsg *m)
{
	if (m->dest && m->dest->active && m->dest->kotype == KOT_NONE)
		port_enqueue(m->dest, m);
	else
		kmsg_destroy(m);
}

static uint32_t kobject_task_info(struct task *task, uint32_t *w)
{
	w[1] = task->nthreads;
	w[2] = task->state;
	w[3] = task->state == TASK_ALIVE ? 0 : task->status.how;
	w[4] = (uint32_t)task->status.code;
	return 5;
}

static uint32_t kobject_thread_info(struct thread *t, uint32_t *w)
{
	w[1] = thread_state_public(t);
	w[2] = (uint32_t)t->priority;
	return 3;
}

/* Serve one request: answer it on its reply right, then destroy it. */
void kobject_server(struct kmsg *m)
{
	uint64_t f = spin_lock(&ipc_lock);
	struct port *p = m->dest;

	if (p->kotype == KOT_MEMORY_CONTROL || (!p->active && p->kotype == KOT_NONE &&
						 m->hdr->id >= MEMORY_OBJECT_INIT_ID)) {
		void *obj = p->kotype == KOT_MEMORY_CONTROL ? p->kobject : NULL;

		spin_unlock(&ipc_lock, f);
		pager_control_server(m, obj);          /* takes the VM locks itself */
		return;
	}
	uint32_t w[8] = { KERN_INVALID_ARGUMENT };
	uint32_t n = 1;

	if (p->kotype == KOT_TASK && m->hdr->id == MACH_TASK_INFO_ID) {
		w[0] = KERN_SUCCESS;
		n = kobject_task_info(p->kobject, w);
	} else if (p->kotype == KOT_THREAD && m->hdr->id == MACH_THREAD_INFO_ID) {
		w[0] = KERN_SUCCESS;
		n = kobject_thread_info(p->kobject, w);
	}
	if (m->reply) {
		struct kmsg *r = kobject_reply_alloc(m, w, n, NULL);

		if (r)
			ipc_send_kernel(r);
	}
	kmsg_destroy(m);
	spin_unlock(&ipc_lock, f);
}

/*
 * task.c — task lifetime: creation, spawning from an ELF image, ending,
 * waiting, and freeing.
 *
 * Lock order: task->lock, then sched_lock. A task's map and handles are
 * released by whoever ends it last (its last thread, or the caller when it
 * never had one), and the zombie wakes its waiters.
 */
#include "kern/task.h"
#include "kern/cpu.h"
#include "kern/bootstrap.h"
#include "kern/comm_page.h"
#include "kern/elf.h"
#include "kern/host.h"
#include "kern/ipc_space.h"
#include "kern/kobject.h"
#include "kern/ledger.h"
#include "kern/msg.h"
#include "kern/kprintf.h"
#include "kern/thread.h"
#include "kern/zalloc.h"
#include "lib/string.h"
#include "vm/vm_fault.h"
#include "vm/vm_map.h"
#include "pmap.h"

#define BOOTSTRAP_FAULT_EXIT 0x7D   /* machine exit status if the bootstrap task dies badly */

static struct zone task_zone;
static uint32_t next_task_id = 1;
static uint32_t tasks_alive;
static struct task *bootstrap_task;

void task_init(void)
{
	zone_init(&task_zone, "task", sizeof(struct task));
}

uint32_t task_count(void)
{
	return tasks_alive;
}

/* When this task ends, the machine stops with its exit status. */
void task_set_bootstrap(struct task *task)
{
	bootstrap_task = task;
}

/* Give the new task its task port, a send right to it and one to the name service. */
static bool task_ports_init(struct task *task)
{
	uint64_t f = spin_lock(&ipc_lock);
	struct port *bp = bootstrap_port_get();
	bool ok;

	task->self_port = kobject_port_create(KOT_TASK, task);
	ok = task->self_port &&
	     kobject_give_send(task->space, task->self_port) == MACH_PORT_TASK_SELF;
	if (ok && bp) {
		port_ref(bp);
		port_send_right_add(bp);
		ok = ipc_right_insert(task->space, bp, MSG_RIGHT_SEND, MACH_PORT_BOOTSTRAP) ==
		     MACH_PORT_BOOTSTRAP;
	}
	spin_unlock(&ipc_lock, f);
	return ok;
}

/* The ledger of the task the current thread belongs to (NULL for kernel threads: the kernel's). */
struct ledger *current_ledger(void)
{
	struct thread *t = current_thread();

	return t && t->task ? t->task->ledger : NULL;
}

/*
 * The ledger a task made by creator gets (referenced): a new one when the
 * kernel or a holder of the host privilege port creates it (privileged if
 * the child gets the host right too), else the creator's own.
 */
static struct ledger *task_child_ledger(struct task *creator, bool host_priv)
{
	bool own = !creator;
	uint64_t f;

	if (creator) {
		f = spin_lock(&ipc_lock);
		own = creator->space && host_priv_held(creator->space);
		spin_unlock(&ipc_lock, f);
	}
	if (own)
		return ledger_create(host_priv);
	ledger_ref(creator->ledger);
	return creator->ledger;
}

/* task_create once the ledger is known (the caller keeps its reference to it). */
static struct task *task_create_charged(const char *name, struct ledger *ledger)
{
	struct task *task;
	struct pmap *pmap;

	if (ledger_charge(ledger, LEDGER_TASKS, 1) != KERN_SUCCESS)
		return NULL;
	task = zalloc(&task_zone);
	if (!task) {
		ledger_credit(ledger, LEDGER_TASKS, 1);
		return NULL;
	}
	task->ledger = ledger;          /* the space charges its names to it */
	pmap = pmap_create(ledger);
	if (pmap && comm_page_map(pmap) != KERN_SUCCESS) {
		pmap_destroy(pmap);
		pmap = NULL;
	}
	task->map = pmap ? vm_map_create(pmap, USER_SPACE_START, USER_SPACE_END) : NULL;
	task->space = task->map ? ipc_space_create(task) : NULL;
	if (!task->space) {
		if (task->map)
			vm_map_destroy(task->map);
		else if (pmap)
			pmap_destroy(pmap);
		zfree(&task_zone, task);
		ledger_credit(ledger, LEDGER_TASKS, 1);
		return NULL;
	}
	ledger_ref(ledger);
	task->map->ledger = ledger;
	strncpy_z(task->name, name, sizeof(task->name));
	task->id = __atomic_fetch_add(&next_task_id, 1, __ATOMIC_RELAXED);
	task->lock = (spinlock_t)SPINLOCK_INIT;
	task->refs = 1;
	task->state = TASK_ALIVE;
	list_init(&task->threads);
	waitq_init(&task->waiters);
	__atomic_fetch_add(&tasks_alive, 1, __ATOMIC_RELAXED);
	if (!task_ports_init(task)) {
		struct task_status st = { .how = TASK_END_KILLED };

		task_terminate(task, &st);
		task_release(task);
		return NULL;
	}
	return task;
}

/*
 * An empty task (no threads, empty address space) holding one reference for
 * the caller, made on behalf of creator (NULL: the kernel) and charged to
 * the ledger task_child_ledger gives it; NULL if memory or that ledger's
 * task limit is short.
 */
struct task *task_create(const char *name, struct task *creator, bool host_priv)
{
	struct ledger *ledger = task_child_ledger(creator, host_priv);
	struct task *task;

	if (!ledger)
		return NULL;
	task = task_create_charged(name, ledger);
	ledger_release(ledger);                 /* the task holds its own reference */
	return task;
}

void task_ref(struct task *task)
{
	__atomic_fetch_add(&task->refs, 1, __ATOMIC_RELAXED);
}

void task_release(struct task *task)
{
	if (__atomic_sub_fetch(&task->refs, 1, __ATOMIC_ACQ_REL))
		return;
	assert(task->state == TASK_ZOMBIE);
	__atomic_fetch_sub(&tasks_alive, 1, __ATOMIC_RELAXED);
	ipc_space_free(task->space);
	ledger_credit(task->ledger, LEDGER_TASKS, 1);
	ledger_release(task->ledger);
	zfree(&task_zone, task);
}

static void task_bootstrap_ended(struct task *task)
{
	const struct task_status *st = &task->status;

	kprintf("machlab: bootstrap task '%s' ended (how %u, code %d)\n",
		task->name, st->how, st->code);
	machine_exit(st->how == TASK_END_EXITED ? (st->code & 0x7F) : BOOTSTRAP_FAULT_EXIT);
}

/* Release everything but the status, then wake the waiters. */
static void task_zombify(struct task *task)
{
	uint64_t f;

	vm_map_destroy(task->map);
	task->map = NULL;
	ipc_space_destroy(task->space);
	f = spin_lock(&sched_lock);
	task->state = TASK_ZOMBIE;
	waitq_wakeup_all_locked(&task->waiters, WAIT_AWAKENED);
	spin_unlock(&sched_lock, f);
	f = spin_lock(&ipc_lock);
	if (task->self_port)
		kobject_object_dead(task->self_port);
	spin_unlock(&ipc_lock, f);
	if (task == bootstrap_task)
		task_bootstrap_ended(task);
}

/* End the task with status why (the first reason given wins). */
void task_terminate(struct task *task, const struct task_status *why)
{
	uint64_t f = spin_lock(&task->lock);
	bool empty;

	if (task->state != TASK_ALIVE) {
		spin_unlock(&task->lock, f);
		return;
	}
	task->state = TASK_DYING;
	task->status = *why;
	list_for_each(l, &task->threads)
		thread_terminate(list_entry(l, struct thread, task_link));
	empty = task->nthreads == 0;
	spin_unlock(&task->lock, f);
	if (empty)
		task_zombify(task);
}

/* The current thread of task is exiting; the last one out ends the task. */
void task_thread_gone(struct task *task)
{
	struct thread *t = cpu_current()->current;
	uint64_t f = spin_lock(&task->lock);
	bool last;

	list_unlink(&t->task_link);
	last = --task->nthreads == 0;
	if (last && task->state == TASK_ALIVE) {
		task->state = TASK_DYING;
		task->status = (struct task_status){ .how = TASK_END_EXITED, .code = 0 };
	}
	spin_unlock(&task->lock, f);
	if (last)
		task_zombify(task);
}

/* Wait until task is a zombie and copy its status (timeout_ms: ~0 = forever, 0 = poll). */
kern_return_t task_wait(struct task *task, struct task_status *st, uint64_t timeout_ms)
{
	uint64_t f = spin_lock(&sched_lock);
	uint64_t deadline = timeout_ms == ~0UL ? 0 : sched_ticks() + sched_ms_to_ticks(timeout_ms);
	kern_return_t kr = KERN_SUCCESS;

	while (task->state != TASK_ZOMBIE) {
		uint64_t now = sched_ticks();
		int r;

		if (timeout_ms == 0 || (deadline && now >= deadline)) {
			kr = KERN_OPERATION_TIMED_OUT;
			break;
		}
		r = sched_wait_locked(&task->waiters, deadline ? deadline - now : SCHED_NO_TIMEOUT);
		if (r == WAIT_ABORTED) {
			kr = KERN_ABORTED;
			break;
		}
	}
	if (kr == KERN_SUCCESS)
		*st = task->status;
	spin_unlock(&sched_lock, f);
	return kr;
}

/* ---- spawning ---- */

static kern_return_t image_read(const struct image_source *img, size_t off, void *dst, size_t n)
{
	if (off > img->size || n > img->size - off)
		return KERN_INVALID_ARGUMENT;
	if (img->kaddr) {
		memcpy(dst, (const char *)img->kaddr + off, n);
		return KERN_SUCCESS;
	}
	return vm_copyin(img->map, img->uaddr + off, dst, n);
}

struct segment_copy {
	const struct image_source *img;
	uint64_t file_offset;
	kern_return_t kr;
};

static void segment_copy_chunk(void *ctx, void *kva, size_t off, size_t n)
{
	struct segment_copy *sc = ctx;

	if (sc->kr == KERN_SUCCESS)
		sc->kr = image_read(sc->img, sc->file_offset + off, kva, n);
}

/* Map one segment and fill it from the image; the rest stays zero-filled. */
static kern_return_t task_load_segment(struct task *task, const struct image_source *img,
				       const struct elf_segment *seg)
{
	vm_address_t start = seg->vaddr & ~(PAGE_SIZE - 1);
	struct segment_copy sc = { img, seg->offset, KERN_SUCCESS };
	kern_return_t kr = vm_map_allocate(task->map, &start, seg->vaddr + seg->memsz - start,
					   VM_ALLOC_FIXED, seg->prot);

	if (kr != KERN_SUCCESS)
		return kr;
	kr = vm_map_visit(task->map, seg->vaddr, seg->filesz, VM_PROT_WRITE, true,
			  segment_copy_chunk, &sc);
	return kr != KERN_SUCCESS ? kr : sc.kr;
}

/* The main stack with argv laid out on it; returns the initial rsp and argv. */
static kern_return_t task_setup_stack(struct task *task, const char *args, size_t args_len,
				      size_t argc, uint64_t *rsp, uint64_t *argv_out)
{
	vm_address_t base = USER_STACK_TOP - USER_STACK_BYTES;
	uint64_t strings = (USER_STACK_TOP - args_len) & ~15UL;
	uint64_t argv = (strings - (argc + 1) * 8) & ~15UL;
	size_t ptrs_bytes = (argc + 1) * sizeof(uint64_t);
	uint64_t *ptrs;
	kern_return_t kr;
	size_t i = 0;

	kr = vm_map_allocate(task->map, &base, USER_STACK_BYTES, VM_ALLOC_FIXED,
			     VM_PROT_READ | VM_PROT_WRITE);
	if (kr != KERN_SUCCESS)
		return kr;
	ptrs = kmem_alloc(ptrs_bytes);
	if (!ptrs)
		return KERN_RESOURCE_SHORTAGE;
	for (size_t off = 0; off < args_len; off += strlen(args + off) + 1)
		ptrs[i++] = strings + off;
	ptrs[argc] = 0;
	kr = vm_copyout(task->map, args, strings, args_len);
	if (kr == KERN_SUCCESS)
		kr = vm_copyout(task->map, ptrs, argv, ptrs_bytes);
	kmem_free(ptrs, ptrs_bytes);
	*rsp = argv - 8;            /* as if main's caller had pushed a return address */
	*argv_out = argv;
	return kr;
}

/* Count the NUL-terminated strings in args; 0 if malformed. */
static size_t spawn_args_count(const char *args, size_t len)
{
	size_t argc = 0;

	if (len == 0 || len > SPAWN_ARGS_MAX_BYTES || args[len - 1] != 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (args[i] == 0)
			argc++;
	return argc;
}

static const char *spawn_task_name(const char *argv0)
{
	const char *slash = argv0;

	for (const char *p = argv0; *p; p++)
		if (*p == '/')
			slash = p + 1;
	return slash;
}

/*
 * Create a task running the ELF image img with arguments args (args_len
 * bytes of NUL-terminated strings; the first names the task), with a send
 * right to the host privilege port at MACH_PORT_HOST_PRIV if host_priv,
 * on behalf of creator (NULL: the kernel; see task_create).
 * Everything checkable is checked before the task exists.
 */
kern_return_t task_spawn(const struct image_source *img, const char *args, size_t args_len,
			 struct task *creator, bool host_priv, struct task **out)
{
	size_t argc = spawn_args_count(args, args_len);
	size_t head_len = img->size < ELF_HEADER_BYTES ? img->size : ELF_HEADER_BYTES;
	struct elf_image elf;
	const char *why = "";
	uint64_t rsp, argv;
	struct task *task;
	struct thread *t;
	void *head;
	kern_return_t kr;

	if (argc == 0 || img->size > SPAWN_IMAGE_MAX_BYTES)
		return KERN_INVALID_ARGUMENT;
	head = kmem_alloc(ELF_HEADER_BYTES);
	if (!head)
		return KERN_RESOURCE_SHORTAGE;
	kr = image_read(img, 0, head, head_len);
	if (kr == KERN_SUCCESS)
		kr = elf_check(head, head_len, img->size, USER_SPACE_START, USER_STACK_TOP -
			       USER_STACK_BYTES, &elf, &why);
	kmem_free(head, ELF_HEADER_BYTES);
	if (kr != KERN_SUCCESS) {
		if (kr == KERN_BAD_IMAGE)
			kprintf("machlab: task_spawn('%s'): bad image: %s\n", args, why);
		return kr;
	}
	task = task_create(spawn_task_name(args), creator, host_priv);
	if (!task)
		return KERN_RESOURCE_SHORTAGE;
	if (host_priv) {
		uint64_t f = spin_lock(&ipc_lock);

		if (!host_priv_give(task->space, MACH_PORT_HOST_PRIV))
			kr = KERN_RESOURCE_SHORTAGE;
		spin_unlock(&ipc_lock, f);
	}
	for (size_t i = 0; i < elf.nsegs && kr == KERN_SUCCESS; i++)
		kr = task_load_segment(task, img, &elf.segs[i]);
	if (kr == KERN_SUCCESS)
		kr = task_setup_stack(task, args, args_len, argc, &rsp, &argv);
	t = kr == KERN_SUCCESS ? thread_create_user(task, elf.entry, rsp, argc, argv, &kr) : NULL;
	if (!t) {
		struct task_status st = { .how = TASK_END_KILLED };

		task_terminate(task, &st);
		task_release(task);
		return kr;
	}
	*out = task;
	return KERN_SUCCESS;
}

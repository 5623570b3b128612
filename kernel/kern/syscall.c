/*
 * syscall.c — the kernel trap table and its handlers.
 *
 * Each handler decodes its arguments (port names, user pointers, sizes) and
 * fails with a specific kern_return_t before changing anything; user
 * memory is reached only through vm_copyin/vm_copyout (or, for the
 * redirection's frame on the caller's own stack, user_copy after a range
 * check: the caller's map is the one loaded). Numbers >= 0 are
 * foreign system calls: redirected to the task's emulation vector
 * (syscall_redirect, include/mach/emulation.h), or with none the task ends
 * with TASK_END_BAD_TRAP and a console message. A supervisor thread
 * (unix_server.h) calls the same table directly (supervisor_trap).
 */
#include <stddef.h>
#include "arch/asm_offsets.h"
#include "arch/trap.h"
#include "arch/x86.h"
#include "kern/boot_info.h"
#include "kern/cpu.h"
#include "kern/ipc_space.h"
#include "kern/kernel_check.h"
#include "kern/kobject.h"
#include "kern/ledger.h"
#include "kern/mach_msg.h"
#include "kern/pmc.h"
#include "kern/msg.h"
#include "kern/port_traps.h"
#include "kern/kprintf.h"
#include "kern/deferred.h"
#include "kern/host.h"
#include "kern/sched.h"
#include "kern/stats.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "kern/zalloc.h"
#include "arch/lapic.h"
#include <mach/emulation.h>
#include "vm/page_alloc.h"
#include "vm/phys.h"
#include "vm/vm_fault.h"
#include "vm/vm_map.h"
#include "vm/vm_object.h"
#include "pager.h"
#include "msg_ool.h"
#include "pmap.h"
#include "unix_server.h"
#include <mach/traps.h>

typedef kern_return_t (*trap_fn)(const struct trap_args *args);
extern const trap_fn mk_trap_table[MK_TRAP_COUNT + 1];

/* entry.S reads these fields by offset (arch/asm_offsets.h). */
_Static_assert(offsetof(struct cpu, need_resched) == CPU_NEED_RESCHED, "asm_offsets.h");
_Static_assert(offsetof(struct thread, suspend_count) == THREAD_SUSPEND_COUNT, "asm_offsets.h");
_Static_assert(offsetof(struct thread, terminate_pending) == THREAD_TERMINATE_PENDING,
	       "asm_offsets.h");
_Static_assert(sizeof(((struct thread *)0)->suspend_count) == 4, "asm_offsets.h: cmpl");
_Static_assert(sizeof(((struct thread *)0)->terminate_pending) == 1, "asm_offsets.h: cmpb");
_Static_assert(sizeof(((struct cpu *)0)->need_resched) == 1, "asm_offsets.h: cmpb");

static struct task *self_task(void)
{
	return current_thread()->task;
}

static struct vm_map *self_map(void)
{
	return self_task()->map;
}

/* Does the caller hold a send right to the host privilege port under any name? */
static bool self_host_priv_held(void)
{
	uint64_t f = spin_lock(&ipc_lock);
	bool held = host_priv_held(self_task()->space);

	spin_unlock(&ipc_lock, f);
	return held;
}

/* KERN_SUCCESS if the caller names a send right to the host privilege port, else KERN_NO_ACCESS. */
static kern_return_t self_host_priv_check(uint64_t name)
{
	return host_priv_check(self_task()->space, name);
}

static kern_return_t put_user_u64(vm_address_t uaddr, uint64_t v)
{
	return vm_copyout(self_map(), &v, uaddr, sizeof(v));
}

static kern_return_t put_user_name(vm_address_t uaddr, mach_port_name_t name)
{
	return vm_copyout(self_map(), &name, uaddr, sizeof(name));
}

/* The task a caller's port name denotes, referenced, in any state (task_wait, task_terminate). */
static kern_return_t lookup_task_any(uint64_t name, struct task **task)
{
	if (name > UINT32_MAX)
		return KERN_INVALID_NAME;
	return task_lookup(self_task()->space, (mach_port_name_t)name, true, task);
}

/* The same for a task that has not ended (KERN_TERMINATED once it has). */
static kern_return_t lookup_task(uint64_t name, struct task **task)
{
	if (name > UINT32_MAX)
		return KERN_INVALID_NAME;
	return task_lookup(self_task()->space, (mach_port_name_t)name, false, task);
}

static kern_return_t lookup_thread(uint64_t name, struct thread **t)
{
	if (name > UINT32_MAX)
		return KERN_INVALID_NAME;
	return kobject_lookup(self_task()->space, (mach_port_name_t)name, KOT_THREAD, (void **)t);
}

static kern_return_t sys_console_write(const struct trap_args *a)
{
	size_t len = a->a[1];
	char *buf;
	kern_return_t kr;

	if (len > CONSOLE_WRITE_MAX_BYTES)
		return KERN_INVALID_ARGUMENT;
	if (len == 0)
		return KERN_SUCCESS;
	buf = kmem_alloc(len);
	if (!buf)
		return KERN_RESOURCE_SHORTAGE;
	kr = vm_copyin(self_map(), a->a[0], buf, len);
	if (kr == KERN_SUCCESS)
		console_write(buf, len);
	kmem_free(buf, len);
	return kr;
}

static kern_return_t sys_task_exit(const struct trap_args *a)
{
	struct task_status st = { .how = TASK_END_EXITED, .code = (int32_t)a->a[0] };

	task_terminate(self_task(), &st);
	return KERN_SUCCESS;          /* the thread ends on its way out */
}

static kern_return_t sys_vm_allocate(const struct trap_args *a)
{
	struct task *task;
	vm_address_t addr;
	kern_return_t kr = vm_copyin(self_map(), a->a[1], &addr, sizeof(addr));

	if (kr != KERN_SUCCESS)
		return kr;
	kr = lookup_task(a->a[0], &task);
	if (kr != KERN_SUCCESS)
		return kr;
	kr = a->a[3] & ~(uint64_t)VM_ALLOC_ANYWHERE ? KERN_INVALID_ARGUMENT :
	     vm_map_allocate(task->map, &addr, a->a[2],
			     a->a[3] == VM_ALLOC_FIXED ? VM_ALLOC_EXTEND : (int)a->a[3],
			     VM_PROT_READ | VM_PROT_WRITE);
	if (kr == KERN_SUCCESS && put_user_u64(a->a[1], addr) != KERN_SUCCESS) {
		vm_map_deallocate(task->map, addr, a->a[2]);
		kr = KERN_INVALID_ADDRESS;
	}
	task_release(task);
	return kr;
}

static kern_return_t sys_vm_deallocate(const struct trap_args *a)
{
	struct task *task;
	kern_return_t kr = lookup_task(a->a[0], &task);

	if (kr != KERN_SUCCESS)
		return kr;
	kr = vm_map_deallocate(task->map, a->a[1], a->a[2]);
	task_release(task);
	return kr;
}

/*
 * Copy size bytes from (from_map, from) to (to_map, to), a page at a time
 * through a kernel page, with no lock held between the read and the write
 * (so either map may be the caller's, or both); faults on either side are
 * resolved as the tasks' own, and a failure leaves what was copied before
 * it. At most MK_VM_RW_MAX_BYTES: the loop is bounded by the kernel, not by
 * the caller.
 */
static kern_return_t vm_transfer(struct vm_map *from_map, vm_address_t from,
				 struct vm_map *to_map, vm_address_t to, uint64_t size)
{
	kern_return_t kr = KERN_SUCCESS;
	char *bounce;

	if (size > MK_VM_RW_MAX_BYTES)
		return KERN_INVALID_ARGUMENT;
	if (!size)
		return KERN_SUCCESS;
	bounce = kmem_page_alloc();
	if (!bounce)
		return KERN_RESOURCE_SHORTAGE;
	for (uint64_t done = 0; done < size && kr == KERN_SUCCESS; done += PAGE_SIZE) {
		size_t n = size - done < PAGE_SIZE ? size - done : PAGE_SIZE;

		kr = vm_copyin(from_map, from + done, bounce, n);
		if (kr == KERN_SUCCESS)
			kr = vm_copyout(to_map, bounce, to + done, n);
	}
	kmem_page_free(bounce);
	return kr;
}

/* vm_write (into_task: the caller's data to the task's addr) or vm_read (the other way). */
static kern_return_t vm_task_transfer(const struct trap_args *a, bool into_task)
{
	struct task *task;
	kern_return_t kr = lookup_task(a->a[0], &task);

	if (kr != KERN_SUCCESS)
		return kr;
	current_thread()->pager_self_check = true;     /* (a pager reading its client's pages) */
	kr = into_task ? vm_transfer(self_map(), a->a[2], task->map, a->a[1], a->a[3]) :
			 vm_transfer(task->map, a->a[1], self_map(), a->a[2], a->a[3]);
	current_thread()->pager_self_check = false;
	task_release(task);
	return kr;
}

/* (task, addr, data, size): Mach's vm_write, how a server builds another task's image. */
static kern_return_t sys_vm_write(const struct trap_args *a)
{
	return vm_task_transfer(a, true);
}

/* (task, addr, buffer, size): vm_read into a buffer of the caller's. */
static kern_return_t sys_vm_read(const struct trap_args *a)
{
	return vm_task_transfer(a, false);
}

static kern_return_t sys_vm_protect(const struct trap_args *a)
{
	struct task *task;
	kern_return_t kr = lookup_task(a->a[0], &task);

	if (kr != KERN_SUCCESS)
		return kr;
	kr = vm_map_protect(task->map, a->a[1], a->a[2], (vm_prot_t)a->a[3]);
	task_release(task);
	return kr;
}

/* Give the caller a send right to a kernel object's port and write its name to uaddr. */
static kern_return_t give_port(enum kobject_type type, void *obj, vm_address_t uaddr)
{
	struct ipc_space *space = self_task()->space;
	uint64_t f = spin_lock(&ipc_lock);
	struct port **slot = type == KOT_TASK ? &((struct task *)obj)->self_port :
			     &((struct thread *)obj)->self_port;
	mach_port_name_t name = MACH_PORT_NULL;

	if (!*slot && type == KOT_THREAD) {
		*slot = kobject_port_create(KOT_THREAD, obj);
		if (*slot && ((struct thread *)obj)->state == TH_DEAD)
			kobject_object_dead(*slot);
	}
	if (*slot)
		name = kobject_give_send(space, *slot);
	spin_unlock(&ipc_lock, f);
	if (!name)
		return KERN_RESOURCE_SHORTAGE;
	if (put_user_name(uaddr, name) != KERN_SUCCESS) {
		port_deallocate(space, name);
		return KERN_INVALID_ADDRESS;
	}
	return KERN_SUCCESS;
}

static kern_return_t sys_thread_create(const struct trap_args *a)
{
	struct task *task;
	struct thread *t;
	kern_return_t kr = put_user_name(a->a[4], MACH_PORT_NULL);

	if (kr == KERN_SUCCESS)
		kr = lookup_task(a->a[0], &task);
	if (kr != KERN_SUCCESS)
		return kr;
	t = thread_create_user(task, a->a[1], a->a[2], a->a[3], 0, &kr);
	task_release(task);
	return t ? give_port(KOT_THREAD, t, a->a[4]) : kr;
}

typedef kern_return_t (*thread_op)(struct thread *t);

static kern_return_t thread_op_terminate(struct thread *t)
{
	thread_terminate(t);
	return KERN_SUCCESS;
}

static kern_return_t with_thread(uint64_t h, thread_op op)
{
	struct thread *t;
	kern_return_t kr = lookup_thread(h, &t);

	if (kr != KERN_SUCCESS)
		return kr;
	kr = op(t);
	thread_release(t);
	return kr;
}

static kern_return_t sys_thread_suspend(const struct trap_args *a)
{
	return with_thread(a->a[0], thread_suspend);
}

static kern_return_t sys_thread_resume(const struct trap_args *a)
{
	return with_thread(a->a[0], thread_resume);
}

static kern_return_t sys_thread_terminate(const struct trap_args *a)
{
	return with_thread(a->a[0], thread_op_terminate);
}

static kern_return_t sys_thread_exit(const struct trap_args *a)
{
	(void)a;
	thread_terminate(current_thread());
	return KERN_SUCCESS;          /* the thread ends on its way out */
}

static kern_return_t sys_thread_yield(const struct trap_args *a)
{
	(void)a;
	sched_yield();
	return KERN_SUCCESS;
}

static kern_return_t sys_task_spawn(const struct trap_args *a)
{
	struct image_source img = { .map = self_map(), .uaddr = a->a[0], .size = a->a[1] };
	size_t args_len = a->a[3];
	struct task *child;
	char *args;
	bool host_priv = a->a[5] & MK_SPAWN_HOST_PRIV;
	kern_return_t kr = put_user_name(a->a[4], MACH_PORT_NULL);

	if (kr != KERN_SUCCESS)
		return kr;
	if (args_len == 0 || args_len > SPAWN_ARGS_MAX_BYTES || (a->a[5] & ~(uint64_t)MK_SPAWN_FLAGS))
		return KERN_INVALID_ARGUMENT;
	if (host_priv && !self_host_priv_held())
		return KERN_NO_ACCESS;
	args = kmem_alloc(args_len);
	if (!args)
		return KERN_RESOURCE_SHORTAGE;
	kr = vm_copyin(self_map(), a->a[2], args, args_len);
	if (kr == KERN_SUCCESS)
		kr = task_spawn(&img, args, args_len, self_task(), host_priv, &child);
	kmem_free(args, args_len);
	if (kr != KERN_SUCCESS)
		return kr;
	kr = give_port(KOT_TASK, child, a->a[4]);
	if (kr != KERN_SUCCESS) {
		struct task_status st = { .how = TASK_END_KILLED };

		task_terminate(child, &st);
	}
	task_release(child);
	return kr;
}

static kern_return_t sys_task_wait(const struct trap_args *a)
{
	struct task_status st;
	struct task *task;
	kern_return_t kr = lookup_task_any(a->a[0], &task);

	if (kr != KERN_SUCCESS)
		return kr;
	if (task == self_task())
		kr = KERN_INVALID_ARGUMENT;
	else
		kr = task_wait(task, &st, a->a[2]);
	task_release(task);
	if (kr == KERN_SUCCESS)
		kr = vm_copyout(self_map(), &st, a->a[1], sizeof(st));
	return kr;
}

static kern_return_t sys_task_terminate(const struct trap_args *a)
{
	struct task_status st = { .how = TASK_END_KILLED };
	struct task *task;
	kern_return_t kr = lookup_task_any(a->a[0], &task);

	if (kr != KERN_SUCCESS)
		return kr;
	task_terminate(task, &st);
	task_release(task);
	return KERN_SUCCESS;
}

static kern_return_t sys_boot_module(const struct trap_args *a)
{
	const struct boot_module *m;
	vm_address_t addr = 0;
	size_t size;
	kern_return_t kr;

	if (a->a[0] >= boot_info.nmodules)
		return KERN_NOT_FOUND;
	m = &boot_info.modules[a->a[0]];
	size = m->end - m->start;
	kr = vm_map_allocate(self_map(), &addr, size ? size : 1, VM_ALLOC_ANYWHERE,
			     VM_PROT_READ | VM_PROT_WRITE);
	if (kr != KERN_SUCCESS)
		return kr;
	kr = vm_copyout(self_map(), phys_to_virt(m->start), addr, size);
	if (kr == KERN_SUCCESS)
		kr = put_user_u64(a->a[1], addr);
	if (kr == KERN_SUCCESS)
		kr = put_user_u64(a->a[2], size);
	if (kr != KERN_SUCCESS)
		vm_map_deallocate(self_map(), addr, size ? size : 1);
	return kr;
}

static kern_return_t sys_kernel_stat(const struct trap_args *a)
{
	uint64_t v;

	switch (a->a[0]) {
	case KSTAT_FREE_PAGES:       v = page_free_count(); break;
	case KSTAT_TOTAL_PAGES:      v = page_total_count(); break;
	case KSTAT_TICKS:            v = sched_ticks(); break;
	case KSTAT_CONTEXT_SWITCHES: v = stats_counters[STAT_CONTEXT_SWITCHES]; break;
	case KSTAT_TASKS:            v = task_count(); break;
	case KSTAT_THREADS:          v = thread_count(); break;
	case KSTAT_PAGE_FAULTS:      v = stats_counters[STAT_PAGE_FAULTS]; break;
	case KSTAT_ZERO_FILLS:       v = stats_counters[STAT_ZERO_FILLS]; break;
	case KSTAT_TICK_NS:          v = lapic_tick_ns(); break;
	case KSTAT_IPC_FASTPATH_HITS: v = stats_counters[STAT_IPC_FASTPATH_HITS]; break;
	case KSTAT_IPC_FASTPATH_MISSES: v = stats_counters[STAT_IPC_FASTPATH_MISSES]; break;
	case KSTAT_PORTS:            v = port_count(); break;
	case KSTAT_COW_FAULTS:       v = stats_counters[STAT_COW_FAULTS]; break;
	case KSTAT_PAGER_MESSAGES:   v = stats_counters[STAT_PAGER_MESSAGES]; break;
	case KSTAT_PAGER_FAULTS:     v = stats_counters[STAT_PAGER_FAULTS]; break;
	case KSTAT_PAGEOUTS:         v = stats_counters[STAT_PAGEOUTS]; break;
	case KSTAT_PAGEINS:          v = stats_counters[STAT_PAGEINS]; break;
	case KSTAT_DEFAULT_PAGER:    v = dp_kind(); break;
	case KSTAT_MSG_OOL:          v = msg_ool_kind(); break;
	case KSTAT_PMAP_REFILLS:     v = stats_counters[STAT_PMAP_REFILLS]; break;
	case KSTAT_PMAP_EVICTIONS:   v = stats_counters[STAT_PMAP_EVICTIONS]; break;
	case KSTAT_PMAP_TRIMS:       v = stats_counters[STAT_PMAP_TRIMS]; break;
	case KSTAT_PAGER_REPLIES_REFUSED: v = stats_counters[STAT_PAGER_REPLIES_REFUSED]; break;
	case KSTAT_PAGER_FASTPATH_HITS: v = stats_counters[STAT_PAGER_FASTPATH_HITS]; break;
	case KSTAT_UNIX_SERVER:      v = unix_server_kind(); break;
	default:                     return KERN_INVALID_ARGUMENT;
	}
	return put_user_u64(a->a[1], v);
}

static kern_return_t sys_task_self(const struct trap_args *a)
{
	(void)a;
	return MACH_PORT_TASK_SELF;
}

static kern_return_t sys_thread_self(const struct trap_args *a)
{
	return give_port(KOT_THREAD, current_thread(), a->a[0]);
}

static kern_return_t sys_thread_set_priority(const struct trap_args *a)
{
	struct thread *t;
	kern_return_t kr;
	uint64_t f;

	if (a->a[1] > MK_THREAD_PRIORITY_MAX)
		return KERN_INVALID_ARGUMENT;
	if (a->a[1] > MK_THREAD_PRIORITY_USER_MAX && !self_host_priv_held())
		return KERN_NO_ACCESS;             /* it would starve everything below it */
	kr = lookup_thread(a->a[0], &t);
	if (kr != KERN_SUCCESS)
		return kr;
	f = spin_lock(&sched_lock);
	sched_set_priority_locked(t, (int)a->a[1]);
	spin_unlock(&sched_lock, f);
	thread_release(t);
	return KERN_SUCCESS;
}

/*
 * (thread, base): the thread's FS base, which user code reaches as %fs:
 * (its thread-local storage). At once for the calling thread; another one
 * gets it when it is next switched to. The base must be a user address, so
 * that loading it can never fault in the kernel.
 */
static kern_return_t sys_thread_set_tls(const struct trap_args *a)
{
	struct thread *t;
	kern_return_t kr;

	if (a->a[1] > USER_SPACE_END)
		return KERN_INVALID_ADDRESS;
	kr = lookup_thread(a->a[0], &t);
	if (kr != KERN_SUCCESS)
		return kr;
	t->tls_base = a->a[1];
	if (t == current_thread()) {
		uint64_t f = irq_save();              /* (no switch between the two stores) */

		cpu_set_tls_base(cpu_current(), t->tls_base);
		irq_restore(f);
	}
	thread_release(t);
	return KERN_SUCCESS;
}

static kern_return_t sys_thread_sleep(const struct trap_args *a)
{
	uint64_t f = spin_lock(&sched_lock);
	int r = sched_wait_locked(NULL, sched_ms_to_ticks(a->a[0]));

	spin_unlock(&sched_lock, f);
	return r == WAIT_ABORTED ? KERN_ABORTED : KERN_SUCCESS;
}

static kern_return_t sys_thread_info(const struct trap_args *a)
{
	struct thread *t;
	uint32_t state;
	kern_return_t kr = lookup_thread(a->a[0], &t);

	if (kr != KERN_SUCCESS)
		return kr;
	state = thread_state_public(t);
	thread_release(t);
	return vm_copyout(self_map(), &state, a->a[1], sizeof(state));
}

/* The IPC space of the task whose port name is the trap's first argument. */
typedef kern_return_t (*space_op)(struct ipc_space *space, const struct trap_args *a);

static kern_return_t with_space(const struct trap_args *a, space_op op)
{
	struct task *task;
	kern_return_t kr = lookup_task(a->a[0], &task);

	if (kr != KERN_SUCCESS)
		return kr;
	kr = op(task->space, a);
	task_release(task);
	return kr;
}

static kern_return_t op_port_allocate(struct ipc_space *space, const struct trap_args *a)
{
	mach_port_name_t name;
	kern_return_t kr = put_user_name(a->a[2], MACH_PORT_NULL);

	if (kr == KERN_SUCCESS)
		kr = port_allocate(space, (mach_port_right_t)a->a[1], &name);
	if (kr == KERN_SUCCESS && put_user_name(a->a[2], name) != KERN_SUCCESS) {
		port_destroy_name(space, name);
		kr = KERN_INVALID_ADDRESS;
	}
	return kr;
}

static kern_return_t op_port_destroy(struct ipc_space *space, const struct trap_args *a)
{
	return port_destroy_name(space, (mach_port_name_t)a->a[1]);
}

static kern_return_t op_port_deallocate(struct ipc_space *space, const struct trap_args *a)
{
	return port_deallocate(space, (mach_port_name_t)a->a[1]);
}

static kern_return_t op_port_mod_refs(struct ipc_space *space, const struct trap_args *a)
{
	return port_mod_refs(space, (mach_port_name_t)a->a[1], (mach_port_right_t)a->a[2],
			     (int)a->a[3]);
}

static kern_return_t op_port_type(struct ipc_space *space, const struct trap_args *a)
{
	mach_port_type_t type;
	kern_return_t kr = port_type(space, (mach_port_name_t)a->a[1], &type);

	return kr == KERN_SUCCESS ? vm_copyout(self_map(), &type, a->a[2], sizeof(type)) : kr;
}

static kern_return_t op_port_insert_right(struct ipc_space *space, const struct trap_args *a)
{
	mach_port_name_t out;

	if (a->a[1] == MACH_PORT_NULL || a->a[1] == MACH_PORT_DEAD)
		return KERN_INVALID_VALUE;
	return port_transfer(self_task()->space, (mach_port_name_t)a->a[2], (int)a->a[3],
			     space, (mach_port_name_t)a->a[1], &out);
}

static kern_return_t op_port_extract_right(struct ipc_space *space, const struct trap_args *a)
{
	mach_port_name_t out;
	kern_return_t kr = put_user_name(a->a[3], MACH_PORT_NULL);

	if (kr == KERN_SUCCESS)
		kr = port_transfer(space, (mach_port_name_t)a->a[1], (int)a->a[2],
				   self_task()->space, MACH_PORT_NULL, &out);
	return kr == KERN_SUCCESS ? put_user_name(a->a[3], out) : kr;
}

static kern_return_t op_port_set_qlimit(struct ipc_space *space, const struct trap_args *a)
{
	return a->a[2] > UINT32_MAX ? KERN_INVALID_VALUE :
	       port_set_qlimit(space, (mach_port_name_t)a->a[1], (uint32_t)a->a[2]);
}

static kern_return_t op_port_move_member(struct ipc_space *space, const struct trap_args *a)
{
	return port_move_member(space, (mach_port_name_t)a->a[1], (mach_port_name_t)a->a[2]);
}

static kern_return_t op_port_request_notification(struct ipc_space *space,
						  const struct trap_args *a)
{
	return port_request_notification(space, (mach_port_name_t)a->a[1], (int)a->a[2],
					 (mach_port_name_t)a->a[3]);
}

static kern_return_t op_port_get_attributes(struct ipc_space *space, const struct trap_args *a)
{
	struct mach_port_status st;
	kern_return_t kr = port_get_attributes(space, (mach_port_name_t)a->a[1], &st);

	return kr == KERN_SUCCESS ? vm_copyout(self_map(), &st, a->a[2], sizeof(st)) : kr;
}

#define SPACE_TRAP(op) \
	static kern_return_t sys_##op(const struct trap_args *a) { return with_space(a, op_##op); }
SPACE_TRAP(port_allocate)
SPACE_TRAP(port_destroy)
SPACE_TRAP(port_deallocate)
SPACE_TRAP(port_mod_refs)
SPACE_TRAP(port_type)
SPACE_TRAP(port_insert_right)
SPACE_TRAP(port_extract_right)
SPACE_TRAP(port_set_qlimit)
SPACE_TRAP(port_move_member)
SPACE_TRAP(port_request_notification)
SPACE_TRAP(port_get_attributes)

static kern_return_t sys_vm_inherit(const struct trap_args *a)
{
	struct task *task;
	kern_return_t kr = lookup_task(a->a[0], &task);

	if (kr != KERN_SUCCESS)
		return kr;
	kr = a->a[3] > VM_INHERIT_COPY ? KERN_INVALID_ARGUMENT :
	     vm_map_inherit(task->map, a->a[1], a->a[2], (vm_inherit_t)a->a[3]);
	task_release(task);
	return kr;
}

/* A task with no threads, its memory built from the parent's when asked. */
static kern_return_t sys_task_create(const struct trap_args *a)
{
	struct task *parent, *child;
	kern_return_t kr = put_user_name(a->a[2], MACH_PORT_NULL);

	if (kr == KERN_SUCCESS)
		kr = lookup_task(a->a[0], &parent);
	if (kr != KERN_SUCCESS)
		return kr;
	child = task_create(parent->name, self_task(), false);
	if (!child) {
		kr = KERN_RESOURCE_SHORTAGE;
	} else if (a->a[1]) {
		kr = vm_map_fork(parent->map, child->map);
		child->emul_vector = parent->emul_vector;   /* with the code it points to */
	}
	task_release(parent);
	if (kr == KERN_SUCCESS)
		kr = give_port(KOT_TASK, child, a->a[2]);
	if (child && kr != KERN_SUCCESS) {
		struct task_status st = { .how = TASK_END_KILLED };

		task_terminate(child, &st);
	}
	if (child)
		task_release(child);
	return kr;
}

static kern_return_t sys_vm_region(const struct trap_args *a)
{
	struct vm_region_info info;
	vm_address_t addr;
	struct task *task;
	kern_return_t kr = vm_copyin(self_map(), a->a[1], &addr, sizeof(addr));

	if (kr == KERN_SUCCESS)
		kr = lookup_task(a->a[0], &task);
	if (kr != KERN_SUCCESS)
		return kr;
	kr = vm_map_region(task->map, &addr, &info);
	task_release(task);
	if (kr == KERN_SUCCESS)
		kr = put_user_u64(a->a[1], addr);
	if (kr == KERN_SUCCESS)
		kr = vm_copyout(self_map(), &info, a->a[2], sizeof(info));
	return kr;
}

static kern_return_t sys_vm_debug(const struct trap_args *a)
{
	struct vm_debug_info info;
	struct task *task;
	kern_return_t kr = lookup_task(a->a[0], &task);

	if (kr != KERN_SUCCESS)
		return kr;
	kr = vm_map_debug(task->map, a->a[1], &info);
	task_release(task);
	if (kr == KERN_SUCCESS)
		kr = vm_copyout(self_map(), &info, a->a[2], sizeof(info));
	return kr;
}

static kern_return_t sys_pmap_footprint(const struct trap_args *a)
{
	struct pmap_footprint_info info;
	struct task *task;
	kern_return_t kr = lookup_task(a->a[0], &task);

	if (kr != KERN_SUCCESS)
		return kr;
	pmap_footprint(task->map->pmap, &info);
	task_release(task);
	return vm_copyout(self_map(), &info, a->a[1], sizeof(info));
}

/* What the task's ledger holds and may hold (any task: ended ones too, their ledger lives on). */
static kern_return_t sys_ledger_info(const struct trap_args *a)
{
	struct ledger_info info;
	struct task *task;
	kern_return_t kr = lookup_task_any(a->a[0], &task);

	if (kr != KERN_SUCCESS)
		return kr;
	ledger_info_get(task->ledger, &info);
	task_release(task);
	return vm_copyout(self_map(), &info, a->a[1], sizeof(info));
}

/*
 * Wire a task's memory (privileged): what it holds now and what it maps
 * later is never paged out, as the default pager's own memory is not. A
 * default pager that dies loses the pages it held; the test runner wires
 * itself so that a test killing the pager cannot take the runner with it.
 */
static kern_return_t sys_task_wire(const struct trap_args *a)
{
	struct task *task;
	kern_return_t kr = self_host_priv_check(a->a[0]);

	if (kr == KERN_SUCCESS)
		kr = lookup_task(a->a[1], &task);
	if (kr != KERN_SUCCESS)
		return kr;
	vm_map_wire(task->map);
	task_release(task);
	return KERN_SUCCESS;
}

/* (task, vector): the task's foreign system calls go to vector from now on; 0: none. */
static kern_return_t sys_task_set_emulation(const struct trap_args *a)
{
	struct task *task;
	kern_return_t kr;

	if (a->a[1] && !user_range_ok(a->a[1], 1))
		return KERN_INVALID_ADDRESS;
	kr = lookup_task(a->a[0], &task);
	if (kr != KERN_SUCCESS)
		return kr;
	__atomic_store_n(&task->emul_vector, a->a[1], __ATOMIC_RELAXED);
	task_release(task);
	return KERN_SUCCESS;
}

/*
 * Run the kernel's Unix server in a task of the caller's that has no threads
 * yet (unix_server.h; privileged: it runs kernel code). Not the caller
 * itself, and not a task that runs already: the supervisor thread
 * would share its memory with code it does not know.
 */
static kern_return_t sys_supervisor_start(const struct trap_args *a)
{
	struct task *task;
	kern_return_t kr = self_host_priv_check(a->a[0]);

	if (kr != KERN_SUCCESS)
		return kr;
	kr = lookup_task(a->a[1], &task);
	if (kr != KERN_SUCCESS)
		return kr;
	if (task == self_task() || __atomic_load_n(&task->nthreads, __ATOMIC_RELAXED))
		kr = KERN_INVALID_ARGUMENT;
	else if (!user_range_ok(a->a[2], 1))
		kr = KERN_INVALID_ADDRESS;
	else
		kr = supervisor_start(task, a->a[2]);
	task_release(task);
	return kr;
}

/* Program a performance counter (kern/pmc.h; privileged: the counters are the machine's). */
static kern_return_t sys_pmc_program(const struct trap_args *a)
{
	kern_return_t kr = self_host_priv_check(a->a[0]);

	return kr == KERN_SUCCESS ? pmc_program(a->a[1], a->a[2]) : kr;
}

/*
 * A supervisor thread's trap (user/libmk/mk.h under MK_SUPERVISOR): the
 * handler syscall_entry would call, on behalf of the thread's task, with
 * the same checks on the way out (deferred work, preemption, a pending
 * termination or suspension: return_to_user_slow), so a supervisor is
 * stopped and preempted where a user thread would be.
 */
long supervisor_trap(long nr, unsigned long a0, unsigned long a1, unsigned long a2,
		     unsigned long a3, unsigned long a4, unsigned long a5)
{
	const struct trap_args args = { { a0, a1, a2, a3, a4, a5 } };
	kern_return_t kr;

	if (nr >= 0 || nr < -MK_TRAP_COUNT || nr == MK_TRAP_MACH_MSG_SHORT)
		kr = KERN_INVALID_TRAP;              /* (no foreign calls, no register trap) */
	else
		kr = mk_trap_table[-nr](&args);
	return_to_user_check();
	return kr;
}

/* Walk the kernel's IPC and VM state and check its counts (privileged: it reads everything). */
static kern_return_t sys_kernel_check(const struct trap_args *a)
{
	struct kernel_check_info info;
	kern_return_t kr = self_host_priv_check(a->a[0]);

	if (kr != KERN_SUCCESS)
		return kr;
	kr = kernel_check(&info);
	if (vm_copyout(self_map(), &info, a->a[1], sizeof(info)) != KERN_SUCCESS)
		return KERN_INVALID_ADDRESS;
	return kr;
}

/* Take a send right (copied) to the caller's port at name. */
static kern_return_t take_send_right(mach_port_name_t name, struct port **out)
{
	struct ipc_space *space = self_task()->space;
	uint64_t f = spin_lock(&ipc_lock);
	kern_return_t kr = !ipc_entry_lookup(space, name) ? KERN_INVALID_NAME :
			   !ipc_right_valid(space, name, MACH_MSG_TYPE_COPY_SEND, NULL, false) ?
			   KERN_INVALID_RIGHT : KERN_SUCCESS;

	if (kr == KERN_SUCCESS)
		*out = ipc_right_take(space, name, MACH_MSG_TYPE_COPY_SEND, NULL);
	spin_unlock(&ipc_lock, f);
	return kr;
}

/* Map memory backed by the external pager behind the send right a->a[3]. */
static kern_return_t sys_vm_map(const struct trap_args *a)
{
	uint64_t size = a->a[2], offset = a->a[4];
	struct vm_object *obj = NULL;
	struct port *pager;
	vm_address_t addr;
	struct task *task;
	kern_return_t kr = vm_copyin(self_map(), a->a[1], &addr, sizeof(addr));

	if (kr != KERN_SUCCESS)
		return kr;
	if (size == 0 || (offset & (PAGE_SIZE - 1)) || offset + size < offset ||
	    a->a[3] > UINT32_MAX ||
	    (a->a[5] & ~(uint64_t)(VM_ALLOC_ANYWHERE | VM_MAP_RETURN_PAGES)))
		return KERN_INVALID_ARGUMENT;
	kr = lookup_task(a->a[0], &task);
	if (kr != KERN_SUCCESS)
		return kr;
	kr = take_send_right((mach_port_name_t)a->a[3], &pager);
	if (kr == KERN_SUCCESS)
		kr = pager_object_create(pager, offset + size, &obj);   /* consumes the right */
	if (kr == KERN_SUCCESS) {
		obj->return_pages = (a->a[5] & VM_MAP_RETURN_PAGES) != 0;
		kr = vm_map_enter(task->map, &addr, size, (int)(a->a[5] & VM_ALLOC_ANYWHERE),
				  VM_PROT_READ | VM_PROT_WRITE, obj, offset);
		if (kr != KERN_SUCCESS) {
			uint64_t f = spin_lock(&vm_lock);

			vm_object_deallocate(obj);
			spin_unlock(&vm_lock, f);
		}
	}
	task_release(task);
	if (kr == KERN_SUCCESS && put_user_u64(a->a[1], addr) != KERN_SUCCESS)
		kr = KERN_INVALID_ADDRESS;                /* the mapping stays; the caller lost it */
	return kr;
}

/*
 * Limit resident pageable pages (0: no limit), so that a test can put the
 * machine under memory pressure without booting it with less RAM, and page
 * out down to the new limit before returning. A user-level default pager
 * takes a few pages at a time (the laundry): send them and let it run
 * until a round pages nothing out (each round sends at least one page to a
 * store of bounded size, so the rounds are bounded too). The limit is
 * global: it takes the host privilege port, and a limit below
 * VM_RESIDENT_LIMIT_MIN_PAGES (what one instruction may need at once, with
 * room to spare) or above the machine's pages is refused.
 */
static kern_return_t sys_vm_set_resident_limit(const struct trap_args *a)
{
	kern_return_t kr = self_host_priv_check(a->a[0]);
	uint64_t pages = a->a[1];

	if (kr != KERN_SUCCESS)
		return kr;
	if (pages && (pages < VM_RESIDENT_LIMIT_MIN_PAGES || pages > page_total_count()))
		return KERN_INVALID_ARGUMENT;
	for (;;) {
		uint64_t f = spin_lock(&vm_lock);
		uint32_t n = 0;

		vm_resident_limit = pages;
		while (default_pager_pressure() && default_pager_pageout_one())
			n++;
		spin_unlock(&vm_lock, f);
		if (n == 0 || dp_kind() != DEFAULT_PAGER_KIND_USER)
			return KERN_SUCCESS;
		deferred_run();
		sched_yield();
	}
}

/* The caller becomes the default pager (PAGER=user), served on the port it names (privileged). */
static kern_return_t sys_set_default_pager(const struct trap_args *a)
{
	struct port *pager;
	kern_return_t kr = self_host_priv_check(a->a[0]);

	if (kr == KERN_SUCCESS)
		kr = a->a[1] > UINT32_MAX ? KERN_INVALID_NAME :
		     take_send_right((mach_port_name_t)a->a[1], &pager);
	if (kr != KERN_SUCCESS)
		return kr;
	kr = dp_register(self_map(), pager);
	if (kr == KERN_SUCCESS) {
		current_thread()->vm_privileged++;   /* the pager's serving thread */
	} else {
		struct msg_right r = { .port = pager, .type = MSG_RIGHT_SEND };
		uint64_t f = spin_lock(&ipc_lock);

		msg_right_destroy(&r);
		spin_unlock(&ipc_lock, f);
	}
	return kr;
}

/* Trap -n is mk_trap_table[n]; syscall_entry (entry.S) calls it directly. */
const trap_fn mk_trap_table[MK_TRAP_COUNT + 1] = {
	[-MK_TRAP_CONSOLE_WRITE]      = sys_console_write,
	[-MK_TRAP_TASK_EXIT]          = sys_task_exit,
	[-MK_TRAP_VM_ALLOCATE]        = sys_vm_allocate,
	[-MK_TRAP_VM_DEALLOCATE]      = sys_vm_deallocate,
	[-MK_TRAP_VM_PROTECT]         = sys_vm_protect,
	[-MK_TRAP_THREAD_CREATE]      = sys_thread_create,
	[-MK_TRAP_THREAD_SUSPEND]     = sys_thread_suspend,
	[-MK_TRAP_THREAD_RESUME]      = sys_thread_resume,
	[-MK_TRAP_THREAD_TERMINATE]   = sys_thread_terminate,
	[-MK_TRAP_THREAD_YIELD]       = sys_thread_yield,
	[-MK_TRAP_TASK_SPAWN]         = sys_task_spawn,
	[-MK_TRAP_TASK_WAIT]          = sys_task_wait,
	[-MK_TRAP_TASK_TERMINATE]     = sys_task_terminate,
	[-MK_TRAP_BOOT_MODULE]        = sys_boot_module,
	[-MK_TRAP_KERNEL_STAT]        = sys_kernel_stat,
	[-MK_TRAP_TASK_SELF]          = sys_task_self,
	[-MK_TRAP_THREAD_SELF]        = sys_thread_self,
	[-MK_TRAP_PORT_DEALLOCATE]    = sys_port_deallocate,
	[-MK_TRAP_THREAD_SET_PRIORITY] = sys_thread_set_priority,
	[-MK_TRAP_THREAD_SLEEP]       = sys_thread_sleep,
	[-MK_TRAP_THREAD_INFO]        = sys_thread_info,
	[-MK_TRAP_THREAD_EXIT]        = sys_thread_exit,
	[-MK_TRAP_MACH_MSG]           = mach_msg_trap,     /* mach_msg.c */
	[-MK_TRAP_PORT_ALLOCATE]      = sys_port_allocate,
	[-MK_TRAP_PORT_DESTROY]       = sys_port_destroy,
	[-MK_TRAP_PORT_MOD_REFS]      = sys_port_mod_refs,
	[-MK_TRAP_PORT_TYPE]          = sys_port_type,
	[-MK_TRAP_PORT_INSERT_RIGHT]  = sys_port_insert_right,
	[-MK_TRAP_PORT_EXTRACT_RIGHT] = sys_port_extract_right,
	[-MK_TRAP_PORT_SET_QLIMIT]    = sys_port_set_qlimit,
	[-MK_TRAP_PORT_MOVE_MEMBER]   = sys_port_move_member,
	[-MK_TRAP_PORT_REQUEST_NOTIFICATION] = sys_port_request_notification,
	[-MK_TRAP_PORT_GET_ATTRIBUTES] = sys_port_get_attributes,
	[-MK_TRAP_VM_INHERIT]         = sys_vm_inherit,
	[-MK_TRAP_TASK_CREATE]        = sys_task_create,
	[-MK_TRAP_VM_REGION]          = sys_vm_region,
	[-MK_TRAP_VM_DEBUG]           = sys_vm_debug,
	[-MK_TRAP_VM_MAP]             = sys_vm_map,
	[-MK_TRAP_VM_SET_RESIDENT_LIMIT] = sys_vm_set_resident_limit,
	[-MK_TRAP_SET_DEFAULT_PAGER]  = sys_set_default_pager,
	[-MK_TRAP_PMAP_FOOTPRINT]     = sys_pmap_footprint,
	[-MK_TRAP_KERNEL_CHECK]       = sys_kernel_check,
	[-MK_TRAP_LEDGER_INFO]        = sys_ledger_info,
	[-MK_TRAP_TASK_WIRE]          = sys_task_wire,
	[-MK_TRAP_TASK_SET_EMULATION] = sys_task_set_emulation,
	[-MK_TRAP_THREAD_SET_TLS]     = sys_thread_set_tls,
	[-MK_TRAP_VM_WRITE]           = sys_vm_write,
	[-MK_TRAP_VM_READ]            = sys_vm_read,
	[-MK_TRAP_MACH_MSG_SHORT]     = mach_msg_short_trap, /* fastpath.c */
	[-MK_TRAP_SUPERVISOR_START]   = sys_supervisor_start,
	[-MK_TRAP_PMC_PROGRAM]        = sys_pmc_program,
};

/* A system call of a foreign ABI from a task with no emulation vector (cold:
 * it ends the task). */
static __attribute__((noinline, cold)) void syscall_foreign(struct trapframe *tf)
{
	struct thread *t = current_thread();
	struct task_status st = { .how = TASK_END_BAD_TRAP, .code = (int32_t)tf->rax,
				  .fault_rip = tf->rip };

	kprintf("machlab: task '%s' (thread %u) killed: system call %ld at rip 0x%lx "
		"and no emulation vector\n", t->task->name, t->id, (long)tf->rax, tf->rip);
	task_terminate(t->task, &st);
}

/*
 * A foreign system call from a task with an emulation vector: the caller's
 * registers go into a struct emul_frame on its own stack, below the red
 * zone, and the thread resumes at the vector with rsp and rdi at the frame
 * (include/mach/emulation.h). A frame that cannot be written ends the task
 * as the page fault it is.
 */
static void syscall_redirect(struct trapframe *tf, uint64_t vector)
{
	struct emul_frame f = {
		.rax = tf->rax, .rdi = tf->rdi, .rsi = tf->rsi, .rdx = tf->rdx, .r10 = tf->r10,
		.r8 = tf->r8, .r9 = tf->r9, .rbx = tf->rbx, .rbp = tf->rbp, .r12 = tf->r12,
		.r13 = tf->r13, .r14 = tf->r14, .r15 = tf->r15, .rip = tf->rip, .rsp = tf->rsp,
		.rflags = tf->rflags,
	};
	uint64_t sp = ((tf->rsp - EMUL_RED_ZONE_BYTES) & ~15UL) - sizeof(f);

	/* the caller's own address space is loaded: copy directly (user_copy) */
	if (tf->rsp < USER_SPACE_START + EMUL_RED_ZONE_BYTES + 2 * sizeof(f) ||
	    !user_range_ok(sp, sizeof(f)) || user_copy((void *)sp, &f, sizeof(f)) != 0) {
		struct thread *t = current_thread();
		struct task_status st = { .how = TASK_END_FAULTED, .code = VECTOR_PAGE_FAULT,
					  .fault_addr = sp, .fault_rip = tf->rip,
					  .error_code = PF_WRITE | PF_USER };

		kprintf("machlab: task '%s' (thread %u) killed: system call %ld at rip 0x%lx: "
			"no room for its emulation frame at 0x%lx\n", t->task->name, t->id,
			(long)tf->rax, tf->rip, sp);
		task_terminate(t->task, &st);
		return;
	}
	tf->rsp = sp;
	tf->rdi = sp;
	tf->rip = vector;
}

/* entry.S calls mk_trap_table[1..MK_TRAP_COUNT] unchecked: every slot must be filled. */
void syscall_table_check(void)
{
	for (int n = 1; n <= MK_TRAP_COUNT; n++)
		if (!mk_trap_table[n])
			panic("trap -%d has no entry in mk_trap_table", n);
}

/*
 * The C side of syscall_entry's full path: a system call that is not a
 * Mach trap (those go straight to mk_trap_table from entry.S). Returns
 * nonzero when the frame must leave by iretq.
 */
int syscall_dispatch(struct trapframe *tf)
{
	int64_t nr = (int64_t)tf->rax;

	irq_enable();
	if (nr >= 0) {
		uint64_t vector = __atomic_load_n(&current_thread()->task->emul_vector,
						  __ATOMIC_RELAXED);

		if (vector)
			syscall_redirect(tf, vector);
		else
			syscall_foreign(tf);
	} else
		tf->rax = KERN_INVALID_TRAP;
	return_to_user_check();
	/* sysret faults in kernel mode on a non-canonical rip: use iretq then */
	return tf->rip >= USER_SPACE_END;
}

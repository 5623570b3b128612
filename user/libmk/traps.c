/*
 * traps.c — one C wrapper per kernel trap (numbers in include/mach/traps.h).
 */
#include "mk.h"

kern_return_t mk_console_write(const char *buf, size_t len)
{
	return (kern_return_t)mk_trap(MK_TRAP_CONSOLE_WRITE, buf, len);
}

void mk_task_exit(int code)
{
	mk_trap(MK_TRAP_TASK_EXIT, code);
	for (;;)
		;
}

void mk_thread_exit(void)
{
	mk_trap(MK_TRAP_THREAD_EXIT, 0);
	for (;;)
		;
}

kern_return_t mk_vm_allocate(mach_port_name_t task, vm_address_t *addr, vm_size_t size, int flags)
{
	return (kern_return_t)mk_trap(MK_TRAP_VM_ALLOCATE, task, addr, size, flags);
}

kern_return_t mk_vm_deallocate(mach_port_name_t task, vm_address_t addr, vm_size_t size)
{
	return (kern_return_t)mk_trap(MK_TRAP_VM_DEALLOCATE, task, addr, size);
}

kern_return_t mk_vm_protect(mach_port_name_t task, vm_address_t addr, vm_size_t size, vm_prot_t prot)
{
	return (kern_return_t)mk_trap(MK_TRAP_VM_PROTECT, task, addr, size, prot);
}

kern_return_t mk_thread_create(mach_port_name_t task, void (*entry)(void *), void *stack_top,
			       void *arg, mach_port_name_t *out)
{
	return (kern_return_t)mk_trap(MK_TRAP_THREAD_CREATE, task, entry, stack_top, arg, out);
}

kern_return_t mk_thread_suspend(mach_port_name_t t)
{
	return (kern_return_t)mk_trap(MK_TRAP_THREAD_SUSPEND, t);
}

kern_return_t mk_thread_resume(mach_port_name_t t)
{
	return (kern_return_t)mk_trap(MK_TRAP_THREAD_RESUME, t);
}

kern_return_t mk_thread_terminate(mach_port_name_t t)
{
	return (kern_return_t)mk_trap(MK_TRAP_THREAD_TERMINATE, t);
}

kern_return_t mk_thread_yield(void)
{
	return (kern_return_t)mk_trap(MK_TRAP_THREAD_YIELD, 0);
}

kern_return_t mk_thread_sleep(unsigned long ms)
{
	return (kern_return_t)mk_trap(MK_TRAP_THREAD_SLEEP, ms);
}

kern_return_t mk_thread_info(mach_port_name_t t, uint32_t *state)
{
	return (kern_return_t)mk_trap(MK_TRAP_THREAD_INFO, t, state);
}

kern_return_t mk_thread_self(mach_port_name_t *out)
{
	return (kern_return_t)mk_trap(MK_TRAP_THREAD_SELF, out);
}

kern_return_t mk_thread_set_priority(mach_port_name_t t, int priority)
{
	return (kern_return_t)mk_trap(MK_TRAP_THREAD_SET_PRIORITY, t, priority);
}

kern_return_t mk_task_spawn(const void *image, size_t size, const char *args, size_t args_len,
			    mach_port_name_t *out)
{
	return mk_task_spawn_flags(image, size, args, args_len, out, 0);
}

kern_return_t mk_task_spawn_flags(const void *image, size_t size, const char *args,
				  size_t args_len, mach_port_name_t *out, unsigned long flags)
{
	return (kern_return_t)mk_trap(MK_TRAP_TASK_SPAWN, image, size, args, args_len, out, flags);
}

kern_return_t mk_task_wait(mach_port_name_t task, struct task_status *st, unsigned long timeout_ms)
{
	return (kern_return_t)mk_trap(MK_TRAP_TASK_WAIT, task, st, timeout_ms);
}

kern_return_t mk_task_terminate(mach_port_name_t task)
{
	return (kern_return_t)mk_trap(MK_TRAP_TASK_TERMINATE, task);
}

kern_return_t mk_boot_module(unsigned index, vm_address_t *addr, size_t *size)
{
	return (kern_return_t)mk_trap(MK_TRAP_BOOT_MODULE, index, addr, size);
}

/* A kernel counter (KSTAT_*), or ~0 if the kernel refused. */
uint64_t mk_kernel_stat(int which)
{
	uint64_t v;

	if (mk_trap(MK_TRAP_KERNEL_STAT, which, &v) != KERN_SUCCESS)
		return ~0UL;
	return v;
}

mach_msg_return_t mk_mach_msg(struct mach_msg_header *msg, int option, uint32_t send_size,
			      uint32_t rcv_size, mach_port_name_t rcv_name, uint64_t timeout_ms)
{
	return (mach_msg_return_t)mk_trap(MK_TRAP_MACH_MSG, msg, option, send_size, rcv_size,
					 rcv_name, timeout_ms);
}

kern_return_t mk_port_allocate(mach_port_name_t task, mach_port_right_t right,
			       mach_port_name_t *name)
{
	return (kern_return_t)mk_trap(MK_TRAP_PORT_ALLOCATE, task, right, name);
}

kern_return_t mk_port_destroy(mach_port_name_t task, mach_port_name_t name)
{
	return (kern_return_t)mk_trap(MK_TRAP_PORT_DESTROY, task, name);
}

kern_return_t mk_port_deallocate(mach_port_name_t task, mach_port_name_t name)
{
	return (kern_return_t)mk_trap(MK_TRAP_PORT_DEALLOCATE, task, name);
}

kern_return_t mk_port_mod_refs(mach_port_name_t task, mach_port_name_t name,
			       mach_port_right_t right, int delta)
{
	return (kern_return_t)mk_trap(MK_TRAP_PORT_MOD_REFS, task, name, right, (long)delta);
}

kern_return_t mk_port_type(mach_port_name_t task, mach_port_name_t name, mach_port_type_t *type)
{
	return (kern_return_t)mk_trap(MK_TRAP_PORT_TYPE, task, name, type);
}

kern_return_t mk_port_insert_right(mach_port_name_t task, mach_port_name_t name,
				   mach_port_name_t poly, int disposition)
{
	return (kern_return_t)mk_trap(MK_TRAP_PORT_INSERT_RIGHT, task, name, poly, disposition);
}

kern_return_t mk_port_extract_right(mach_port_name_t task, mach_port_name_t name,
				    int disposition, mach_port_name_t *out)
{
	return (kern_return_t)mk_trap(MK_TRAP_PORT_EXTRACT_RIGHT, task, name, disposition, out);
}

kern_return_t mk_port_set_qlimit(mach_port_name_t task, mach_port_name_t name, uint32_t qlimit)
{
	return (kern_return_t)mk_trap(MK_TRAP_PORT_SET_QLIMIT, task, name, qlimit);
}

kern_return_t mk_port_move_member(mach_port_name_t task, mach_port_name_t member,
				  mach_port_name_t set)
{
	return (kern_return_t)mk_trap(MK_TRAP_PORT_MOVE_MEMBER, task, member, set);
}

kern_return_t mk_port_request_notification(mach_port_name_t task, mach_port_name_t name,
					   int variant, mach_port_name_t notify)
{
	return (kern_return_t)mk_trap(MK_TRAP_PORT_REQUEST_NOTIFICATION, task, name, variant,
				     notify);
}

kern_return_t mk_port_get_attributes(mach_port_name_t task, mach_port_name_t name,
				     struct mach_port_status *status)
{
	return (kern_return_t)mk_trap(MK_TRAP_PORT_GET_ATTRIBUTES, task, name, status);
}

kern_return_t mk_vm_inherit(mach_port_name_t task, vm_address_t addr, vm_size_t size,
			    vm_inherit_t inheritance)
{
	return (kern_return_t)mk_trap(MK_TRAP_VM_INHERIT, task, addr, size, inheritance);
}

kern_return_t mk_task_create(mach_port_name_t parent, int inherit_memory, mach_port_name_t *child)
{
	return (kern_return_t)mk_trap(MK_TRAP_TASK_CREATE, parent, inherit_memory, child);
}

kern_return_t mk_vm_region(mach_port_name_t task, vm_address_t *addr, struct vm_region_info *info)
{
	return (kern_return_t)mk_trap(MK_TRAP_VM_REGION, task, addr, info);
}

kern_return_t mk_vm_debug(mach_port_name_t task, vm_address_t addr, struct vm_debug_info *info)
{
	return (kern_return_t)mk_trap(MK_TRAP_VM_DEBUG, task, addr, info);
}

kern_return_t mk_vm_map(mach_port_name_t task, vm_address_t *addr, vm_size_t size,
			mach_port_name_t memory_object, uint64_t offset, int flags)
{
	return (kern_return_t)mk_trap(MK_TRAP_VM_MAP, task, addr, size, memory_object, offset, flags);
}

kern_return_t mk_vm_set_resident_limit(mach_port_name_t host, uint64_t pages)
{
	return (kern_return_t)mk_trap(MK_TRAP_VM_SET_RESIDENT_LIMIT, host, pages);
}

kern_return_t mk_pmc_program(mach_port_name_t host, uint64_t index, uint64_t select)
{
	return (kern_return_t)mk_trap(MK_TRAP_PMC_PROGRAM, host, index, select);
}

kern_return_t mk_pmap_footprint(mach_port_name_t task, struct pmap_footprint_info *info)
{
	return (kern_return_t)mk_trap(MK_TRAP_PMAP_FOOTPRINT, task, info);
}

kern_return_t mk_set_default_pager(mach_port_name_t host, mach_port_name_t port)
{
	return (kern_return_t)mk_trap(MK_TRAP_SET_DEFAULT_PAGER, host, port);
}

kern_return_t mk_kernel_check(mach_port_name_t host, struct kernel_check_info *info)
{
	return (kern_return_t)mk_trap(MK_TRAP_KERNEL_CHECK, host, info);
}

kern_return_t mk_ledger_info(mach_port_name_t task, struct ledger_info *info)
{
	return (kern_return_t)mk_trap(MK_TRAP_LEDGER_INFO, task, info);
}

kern_return_t mk_task_wire(mach_port_name_t host, mach_port_name_t task)
{
	return (kern_return_t)mk_trap(MK_TRAP_TASK_WIRE, host, task);
}

kern_return_t mk_task_set_emulation(mach_port_name_t task, vm_address_t vector)
{
	return (kern_return_t)mk_trap(MK_TRAP_TASK_SET_EMULATION, task, vector);
}

kern_return_t mk_supervisor_start(mach_port_name_t host, mach_port_name_t task, vm_address_t arg)
{
	return (kern_return_t)mk_trap(MK_TRAP_SUPERVISOR_START, host, task, arg);
}

kern_return_t mk_thread_set_tls(mach_port_name_t thread, vm_address_t base)
{
	return (kern_return_t)mk_trap(MK_TRAP_THREAD_SET_TLS, thread, base);
}

kern_return_t mk_vm_write(mach_port_name_t task, vm_address_t addr, const void *data,
			  vm_size_t size)
{
	return (kern_return_t)mk_trap(MK_TRAP_VM_WRITE, task, addr, data, size);
}

kern_return_t mk_vm_read(mach_port_name_t task, vm_address_t addr, void *buffer, vm_size_t size)
{
	return (kern_return_t)mk_trap(MK_TRAP_VM_READ, task, addr, buffer, size);
}

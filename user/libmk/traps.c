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

kern_return_t mk_vm_allocate(mk_handle_t task, vm_address_t *addr, vm_size_t size, int flags)
{
	return (kern_return_t)mk_trap(MK_TRAP_VM_ALLOCATE, task, addr, size, flags);
}

kern_return_t mk_vm_deallocate(mk_handle_t task, vm_address_t addr, vm_size_t size)
{
	return (kern_return_t)mk_trap(MK_TRAP_VM_DEALLOCATE, task, addr, size);
}

kern_return_t mk_vm_protect(mk_handle_t task, vm_address_t addr, vm_size_t size, vm_prot_t prot)
{
	return (kern_return_t)mk_trap(MK_TRAP_VM_PROTECT, task, addr, size, prot);
}

kern_return_t mk_thread_create(mk_handle_t task, void (*entry)(void *), void *stack_top,
			       void *arg, mk_handle_t *out)
{
	return (kern_return_t)mk_trap(MK_TRAP_THREAD_CREATE, task, entry, stack_top, arg, out);
}

kern_return_t mk_thread_suspend(mk_handle_t t)
{
	return (kern_return_t)mk_trap(MK_TRAP_THREAD_SUSPEND, t);
}

kern_return_t mk_thread_resume(mk_handle_t t)
{
	return (kern_return_t)mk_trap(MK_TRAP_THREAD_RESUME, t);
}

kern_return_t mk_thread_terminate(mk_handle_t t)
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

kern_return_t mk_thread_info(mk_handle_t t, uint32_t *state)
{
	return (kern_return_t)mk_trap(MK_TRAP_THREAD_INFO, t, state);
}

kern_return_t mk_thread_self(mk_handle_t *out)
{
	return (kern_return_t)mk_trap(MK_TRAP_THREAD_SELF, out);
}

kern_return_t mk_thread_set_priority(mk_handle_t t, int priority)
{
	return (kern_return_t)mk_trap(MK_TRAP_THREAD_SET_PRIORITY, t, priority);
}

kern_return_t mk_task_spawn(const void *image, size_t size, const char *args, size_t args_len,
			    mk_handle_t *out)
{
	return (kern_return_t)mk_trap(MK_TRAP_TASK_SPAWN, image, size, args, args_len, out);
}

kern_return_t mk_task_wait(mk_handle_t task, struct task_status *st, unsigned long timeout_ms)
{
	return (kern_return_t)mk_trap(MK_TRAP_TASK_WAIT, task, st, timeout_ms);
}

kern_return_t mk_task_terminate(mk_handle_t task)
{
	return (kern_return_t)mk_trap(MK_TRAP_TASK_TERMINATE, task);
}

kern_return_t mk_boot_module(unsigned index, vm_address_t *addr, size_t *size)
{
	return (kern_return_t)mk_trap(MK_TRAP_BOOT_MODULE, index, addr, size);
}

kern_return_t mk_handle_close(mk_handle_t h)
{
	return (kern_return_t)mk_trap(MK_TRAP_HANDLE_CLOSE, h);
}

/* A kernel counter (KSTAT_*), or ~0 if the kernel refused. */
uint64_t mk_kernel_stat(int which)
{
	uint64_t v;

	if (mk_trap(MK_TRAP_KERNEL_STAT, which, &v) != KERN_SUCCESS)
		return ~0UL;
	return v;
}

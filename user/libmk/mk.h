/*
 * mk.h — the user-side interface to the microkernel: trap wrappers,
 * console output and small helpers (user/libmk).
 */
#ifndef USER_MK_H
#define USER_MK_H

#include <stdarg.h>
#include <mach/kern_return.h>
#include <mach/traps.h>
#include <mach/types.h>
#include "lib/fmt.h"
#include "lib/string.h"

#define MK_WAIT_FOREVER (~0UL)

/* The raw trap: number in rax, arguments in rdi, rsi, rdx, r10, r8, r9. */
static inline long mk_trap6(long nr, unsigned long a0, unsigned long a1, unsigned long a2,
			    unsigned long a3, unsigned long a4, unsigned long a5)
{
	long ret;
	register unsigned long r10 __asm__("r10") = a3;
	register unsigned long r8 __asm__("r8") = a4;
	register unsigned long r9 __asm__("r9") = a5;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define mk_trap(nr, ...) mk_trap_n(nr, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define mk_trap_n(nr, a, b, c, d, e, f, ...) \
	mk_trap6(nr, (unsigned long)(a), (unsigned long)(b), (unsigned long)(c), \
		 (unsigned long)(d), (unsigned long)(e), (unsigned long)(f))

kern_return_t mk_console_write(const char *buf, size_t len);
void mk_task_exit(int code) __attribute__((noreturn));
void mk_thread_exit(void) __attribute__((noreturn));
kern_return_t mk_vm_allocate(mk_handle_t task, vm_address_t *addr, vm_size_t size, int flags);
kern_return_t mk_vm_deallocate(mk_handle_t task, vm_address_t addr, vm_size_t size);
kern_return_t mk_vm_protect(mk_handle_t task, vm_address_t addr, vm_size_t size, vm_prot_t prot);
kern_return_t mk_thread_create(mk_handle_t task, void (*entry)(void *), void *stack_top,
			       void *arg, mk_handle_t *out);
kern_return_t mk_thread_suspend(mk_handle_t t);
kern_return_t mk_thread_resume(mk_handle_t t);
kern_return_t mk_thread_terminate(mk_handle_t t);
kern_return_t mk_thread_yield(void);
kern_return_t mk_thread_sleep(unsigned long ms);
kern_return_t mk_thread_info(mk_handle_t t, uint32_t *state);
kern_return_t mk_thread_self(mk_handle_t *out);
kern_return_t mk_thread_set_priority(mk_handle_t t, int priority);
kern_return_t mk_task_spawn(const void *image, size_t size, const char *args, size_t args_len,
			    mk_handle_t *out);
kern_return_t mk_task_wait(mk_handle_t task, struct task_status *st, unsigned long timeout_ms);
kern_return_t mk_task_terminate(mk_handle_t task);
kern_return_t mk_boot_module(unsigned index, vm_address_t *addr, size_t *size);
kern_return_t mk_handle_close(mk_handle_t h);
uint64_t mk_kernel_stat(int which);

/* Start a thread running fn(arg) on a fresh stack of stack_bytes; it exits when fn returns. */
kern_return_t mk_thread_start(void (*fn)(void *), void *arg, size_t stack_bytes,
			      mk_handle_t *out);

int mk_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int mk_vprintf(const char *fmt, va_list ap);
const char *mk_strerror(kern_return_t kr);

static inline uint64_t mk_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#endif

/*
 * mk.h — the user-side interface to the microkernel: trap wrappers,
 * console output and small helpers (user/libmk).
 */
#ifndef USER_MK_H
#define USER_MK_H

#include <stdarg.h>
#include <mach/kern_return.h>
#include <mach/kobject.h>
#include <mach/message.h>
#include <mach/port.h>
#include <mach/traps.h>
#include <mach/types.h>
#include "lib/fmt.h"
#include "lib/string.h"

#define MK_WAIT_FOREVER (~0UL)

#ifdef MK_SUPERVISOR
/* Linked into the kernel (UNIX=colocated, the Unix server as a supervisor thread): a trap is a
 * call of the kernel's trap table on behalf of the thread's task (kernel/include/unix_server.h). */
long supervisor_trap(long nr, unsigned long a0, unsigned long a1, unsigned long a2,
		     unsigned long a3, unsigned long a4, unsigned long a5);

static inline long mk_trap6(long nr, unsigned long a0, unsigned long a1, unsigned long a2,
			    unsigned long a3, unsigned long a4, unsigned long a5)
{
	return supervisor_trap(nr, a0, a1, a2, a3, a4, a5);
}
#else
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
#endif

#define mk_trap(nr, ...) mk_trap_n(nr, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define mk_trap_n(nr, a, b, c, d, e, f, ...) \
	mk_trap6(nr, (unsigned long)(a), (unsigned long)(b), (unsigned long)(c), \
		 (unsigned long)(d), (unsigned long)(e), (unsigned long)(f))

kern_return_t mk_console_write(const char *buf, size_t len);
void mk_task_exit(int code) __attribute__((noreturn));
void mk_thread_exit(void) __attribute__((noreturn));
kern_return_t mk_vm_allocate(mach_port_name_t task, vm_address_t *addr, vm_size_t size, int flags);
kern_return_t mk_vm_deallocate(mach_port_name_t task, vm_address_t addr, vm_size_t size);
kern_return_t mk_vm_protect(mach_port_name_t task, vm_address_t addr, vm_size_t size, vm_prot_t prot);
kern_return_t mk_thread_create(mach_port_name_t task, void (*entry)(void *), void *stack_top,
			       void *arg, mach_port_name_t *out);
kern_return_t mk_thread_suspend(mach_port_name_t t);
kern_return_t mk_thread_resume(mach_port_name_t t);
kern_return_t mk_thread_terminate(mach_port_name_t t);
kern_return_t mk_thread_yield(void);
kern_return_t mk_thread_sleep(unsigned long ms);
kern_return_t mk_thread_info(mach_port_name_t t, uint32_t *state);
kern_return_t mk_thread_self(mach_port_name_t *out);
kern_return_t mk_thread_set_priority(mach_port_name_t t, int priority);
kern_return_t mk_task_spawn(const void *image, size_t size, const char *args, size_t args_len,
			    mach_port_name_t *out);
kern_return_t mk_task_spawn_flags(const void *image, size_t size, const char *args,
				  size_t args_len, mach_port_name_t *out, unsigned long flags);
kern_return_t mk_task_wait(mach_port_name_t task, struct task_status *st, unsigned long timeout_ms);
kern_return_t mk_task_terminate(mach_port_name_t task);
kern_return_t mk_boot_module(unsigned index, vm_address_t *addr, size_t *size);

uint64_t mk_kernel_stat(int which);

/* Virtual memory beyond allocate/deallocate/protect (from the VM issue). */
kern_return_t mk_vm_inherit(mach_port_name_t task, vm_address_t addr, vm_size_t size,
			    vm_inherit_t inheritance);
/* A task built from parent's address space (per region inheritance) when inherit_memory,
 * empty otherwise; it runs once a thread is created in it (mk_thread_create). */
kern_return_t mk_task_create(mach_port_name_t parent, int inherit_memory, mach_port_name_t *child);
kern_return_t mk_vm_region(mach_port_name_t task, vm_address_t *addr, struct vm_region_info *info);
/* Map size bytes of the memory object behind a send right, served by its (user) pager. */
kern_return_t mk_vm_map(mach_port_name_t task, vm_address_t *addr, vm_size_t size,
			mach_port_name_t memory_object, uint64_t offset, int flags);
/* Page out above this many resident object pages (0: no limit): memory pressure for tests. */
kern_return_t mk_vm_set_resident_limit(mach_port_name_t host, uint64_t pages);
/* The default pager (PAGER=user): serve it (never returns), register, start one if needed. */
int mk_default_pager_run(void);
kern_return_t mk_set_default_pager(mach_port_name_t host, mach_port_name_t port);
kern_return_t mk_kernel_check(mach_port_name_t host, struct kernel_check_info *info);
kern_return_t mk_ledger_info(mach_port_name_t task, struct ledger_info *info);
/* The task's memory, present and future, is never paged out (privileged). */
kern_return_t mk_task_wire(mach_port_name_t host, mach_port_name_t task);
/* The task's foreign system calls (numbers >= 0) go to vector in its own space; 0: none
 * (include/mach/emulation.h; user/emul/ has the code for a vector). */
kern_return_t mk_task_set_emulation(mach_port_name_t task, vm_address_t vector);
kern_return_t mk_supervisor_start(mach_port_name_t host, mach_port_name_t task, vm_address_t arg);
kern_return_t mk_pmc_program(mach_port_name_t host, uint64_t index, uint64_t select);
/* The thread's FS base (%fs: addresses its thread-local storage); 0 for a new thread. */
kern_return_t mk_thread_set_tls(mach_port_name_t thread, vm_address_t base);
/* Copy between the caller's memory and another task's (at most MK_VM_RW_MAX_BYTES; the
 * target of a write must be writable): how a server builds or reads a task's image. */
kern_return_t mk_vm_write(mach_port_name_t task, vm_address_t addr, const void *data,
			  vm_size_t size);
kern_return_t mk_vm_read(mach_port_name_t task, vm_address_t addr, void *buffer, vm_size_t size);
kern_return_t mk_default_pager_ensure(const void *image, size_t size, const char *name);
kern_return_t mk_vm_debug(mach_port_name_t task, vm_address_t addr, struct vm_debug_info *info);
kern_return_t mk_pmap_footprint(mach_port_name_t task, struct pmap_footprint_info *info);

/* Ports (include/mach/port.h). task is a task port name (MACH_PORT_TASK_SELF for the caller). */
mach_msg_return_t mk_mach_msg(struct mach_msg_header *msg, int option, uint32_t send_size,
			      uint32_t rcv_size, mach_port_name_t rcv_name, uint64_t timeout_ms);
/*
 * mach_msg for a short message carried in registers both ways (MACH_MSG_SHORT_*
 * in mach/message.h): m is sent (if option has MACH_SEND_MSG; its
 * header.size says how many body words go) and, if a message is received,
 * replaced by it. Inline, so the message goes from the caller's variables
 * to the registers with no call and no copy.
 */
#ifndef MK_SUPERVISOR   /* (the registers are the trap's: no supervisor form) */
static inline mach_msg_return_t mk_mach_msg_short(struct mach_msg_short *m, uint32_t option,
						  mach_port_name_t rcv_name)
{
	long ret = MK_TRAP_MACH_MSG_SHORT;
	register uint64_t rdi __asm__("rdi") =
		MACH_MSG_SHORT_OPTION(option, (option & MACH_SEND_MSG) ? m->header.size : 0) |
		(uint64_t)rcv_name << 32;
	register uint64_t rsi __asm__("rsi") = m->header.bits | (uint64_t)(uint32_t)m->header.id << 32;
	register uint64_t rdx __asm__("rdx") = m->header.remote_port |
					       (uint64_t)m->header.local_port << 32;
	register uint64_t r10 __asm__("r10") = m->body[0];
	register uint64_t r8 __asm__("r8") = m->body[1];
	register uint64_t r9 __asm__("r9") = m->body[2];

	__asm__ volatile("syscall"
			 : "+a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
			 : : "rcx", "r11", "memory");
	if (ret == MACH_MSG_SUCCESS && (option & MACH_RCV_MSG)) {
		m->header = (struct mach_msg_header){
			.bits = (uint32_t)rsi, .size = (uint32_t)rdi, .remote_port = (uint32_t)rdx,
			.local_port = (uint32_t)(rdx >> 32), .id = (int32_t)(rsi >> 32),
		};
		m->body[0] = r10;
		m->body[1] = r8;
		m->body[2] = r9;
	}
	return (mach_msg_return_t)ret;
}
#endif
kern_return_t mk_port_allocate(mach_port_name_t task, mach_port_right_t right,
			       mach_port_name_t *name);
kern_return_t mk_port_destroy(mach_port_name_t task, mach_port_name_t name);
kern_return_t mk_port_deallocate(mach_port_name_t task, mach_port_name_t name);
kern_return_t mk_port_mod_refs(mach_port_name_t task, mach_port_name_t name,
			       mach_port_right_t right, int delta);
kern_return_t mk_port_type(mach_port_name_t task, mach_port_name_t name, mach_port_type_t *type);
kern_return_t mk_port_insert_right(mach_port_name_t task, mach_port_name_t name,
				   mach_port_name_t poly, int disposition);
kern_return_t mk_port_extract_right(mach_port_name_t task, mach_port_name_t name,
				    int disposition, mach_port_name_t *out);
kern_return_t mk_port_set_qlimit(mach_port_name_t task, mach_port_name_t name, uint32_t qlimit);
kern_return_t mk_port_move_member(mach_port_name_t task, mach_port_name_t member,
				  mach_port_name_t set);
kern_return_t mk_port_request_notification(mach_port_name_t task, mach_port_name_t name,
					   int variant, mach_port_name_t notify);
kern_return_t mk_port_get_attributes(mach_port_name_t task, mach_port_name_t name,
				     struct mach_port_status *status);

/* The bootstrap name service (kobject.h): register a send right under a name, look one up. */
kern_return_t mk_bootstrap_register(const char *name, mach_port_name_t port);
kern_return_t mk_bootstrap_lookup(const char *name, mach_port_name_t *port);

/* Start a thread running fn(arg) on a fresh stack of stack_bytes; it exits when fn returns. */
kern_return_t mk_thread_start(void (*fn)(void *), void *arg, size_t stack_bytes,
			      mach_port_name_t *out);

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

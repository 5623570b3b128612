/*
 * traps.h — kernel trap numbers.
 *
 * A trap is `syscall` with the number in rax. Kernel traps are NEGATIVE (as
 * in GNU Mach and XNU); every number >= 0 belongs to a foreign system-call ABI
 * (Linux numbers from 0) and is redirected to the task's emulation vector
 * (mach/emulation.h), or ends the task (TASK_END_BAD_TRAP) while it has none. Arguments go in rdi,
 * rsi, rdx, r10, r8, r9 (rcx and r11 are clobbered by `syscall`); the result
 * (a kern_return_t unless stated) comes back in rax. Every other register
 * comes back as it was.
 */
#ifndef MACH_TRAPS_H
#define MACH_TRAPS_H

#define MK_TRAP_CONSOLE_WRITE     (-1)  /* (const char *buf, size_t len) */
#define MK_TRAP_TASK_EXIT         (-2)  /* (int code): does not return */
#define MK_TRAP_VM_ALLOCATE       (-3)  /* (task, vm_address_t *addr, size, flags) */
#define MK_TRAP_VM_DEALLOCATE     (-4)  /* (task, addr, size) */
#define MK_TRAP_VM_PROTECT        (-5)  /* (task, addr, size, prot) */
#define MK_TRAP_THREAD_CREATE     (-6)  /* (task, entry, stack_top, arg, mach_port_name_t *out) */
#define MK_TRAP_THREAD_SUSPEND    (-7)  /* (thread) */
#define MK_TRAP_THREAD_RESUME     (-8)  /* (thread) */
#define MK_TRAP_THREAD_TERMINATE  (-9)  /* (thread) */
#define MK_TRAP_THREAD_YIELD      (-10) /* () */
#define MK_TRAP_TASK_SPAWN        (-11) /* (image, size, args, args_len, mach_port_name_t *out, flags): out = task port send right; flags MK_SPAWN_* */
#define MK_TRAP_TASK_WAIT         (-12) /* (task, struct task_status *, timeout_ms; -1 = forever) */
#define MK_TRAP_TASK_TERMINATE    (-13) /* (task) */
#define MK_TRAP_BOOT_MODULE       (-14) /* (index, vm_address_t *addr, size_t *size) */
#define MK_TRAP_KERNEL_STAT       (-15) /* (which, uint64_t *value) */
#define MK_TRAP_TASK_SELF         (-16) /* () -> MACH_PORT_TASK_SELF, the name of the caller's task port */
#define MK_TRAP_THREAD_SELF       (-17) /* (mach_port_name_t *out): a send right to the calling thread's port */
#define MK_TRAP_PORT_DEALLOCATE   (-18) /* (task, name): drop one user reference (send, send-once, dead name) */
#define MK_TRAP_THREAD_SET_PRIORITY (-19) /* (thread, priority): above MK_THREAD_PRIORITY_USER_MAX only with the host right */
#define MK_TRAP_THREAD_SLEEP      (-20) /* (ms) */
#define MK_TRAP_THREAD_INFO       (-21) /* (thread, uint32_t *state) */
#define MK_TRAP_THREAD_EXIT       (-22) /* (): the calling thread ends; does not return */
#define MK_TRAP_MACH_MSG          (-23) /* (msg, option, send_size, rcv_size, rcv_name, timeout_ms) */
#define MK_TRAP_PORT_ALLOCATE     (-24) /* (task, right, mach_port_name_t *name) */
#define MK_TRAP_PORT_DESTROY      (-25) /* (task, name): every right at name */
#define MK_TRAP_PORT_MOD_REFS     (-26) /* (task, name, right, delta) */
#define MK_TRAP_PORT_TYPE         (-27) /* (task, name, mach_port_type_t *type) */
#define MK_TRAP_PORT_INSERT_RIGHT (-28) /* (task, name, poly, disposition): caller's poly into task as name */
#define MK_TRAP_PORT_EXTRACT_RIGHT (-29) /* (task, name, disposition, mach_port_name_t *out): into the caller */
#define MK_TRAP_PORT_SET_QLIMIT   (-30) /* (task, name, qlimit) */
#define MK_TRAP_PORT_MOVE_MEMBER  (-31) /* (task, member, set): set MACH_PORT_NULL removes */
#define MK_TRAP_PORT_REQUEST_NOTIFICATION (-32) /* (task, name, variant, notify): notify is a receive right */
#define MK_TRAP_PORT_GET_ATTRIBUTES (-33) /* (task, name, struct mach_port_status *) */
#define MK_TRAP_VM_INHERIT        (-34) /* (task, addr, size, inheritance) */
#define MK_TRAP_TASK_CREATE       (-35) /* (parent, inherit_memory, mach_port_name_t *child): no threads yet */
#define MK_TRAP_VM_REGION         (-36) /* (task, vm_address_t *addr, struct vm_region_info *) */
#define MK_TRAP_VM_DEBUG          (-37) /* (task, addr, struct vm_debug_info *): what backs addr */
#define MK_TRAP_VM_MAP            (-38) /* (task, vm_address_t *addr, size, memory_object, offset, flags) */
#define MK_TRAP_VM_SET_RESIDENT_LIMIT (-39) /* (host, pages): page out above this many object pages; 0: none (privileged) */
#define MK_TRAP_SET_DEFAULT_PAGER (-40) /* (host, port): the caller serves the default pager on it (PAGER=user; privileged) */
#define MK_TRAP_PMAP_FOOTPRINT    (-41) /* (task, struct pmap_footprint_info *) */
#define MK_TRAP_KERNEL_CHECK      (-42) /* (host, struct kernel_check_info *): walk every IPC space, port and VM object
					 * and verify their counts; KERN_FAILURE and the first inconsistency if any (privileged) */
#define MK_TRAP_LEDGER_INFO       (-43) /* (task, struct ledger_info *): what the task's ledger holds and may hold */
#define MK_TRAP_TASK_WIRE         (-44) /* (host, task): the task's memory, present and future, is never paged out
					 * (a task that must outlive a default pager that dies; privileged) */
#define MK_TRAP_TASK_SET_EMULATION (-45) /* (task, vector): its foreign system calls go to vector
					  * (0: none); see mach/emulation.h */
#define MK_TRAP_THREAD_SET_TLS    (-46) /* (thread, base): its user FS base (thread-local storage;
					 * what Linux's arch_prctl(ARCH_SET_FS) sets); 0 for a new thread */
#define MK_TRAP_VM_WRITE          (-47) /* (task, addr, const void *data, size): copy the caller's
					 * data into the task's memory, which must be writable */
#define MK_TRAP_VM_READ           (-48) /* (task, addr, void *buffer, size): copy the task's memory
					 * into the caller's buffer */
#define MK_VM_RW_MAX_BYTES        (1u << 20)  /* the most one vm_write or vm_read copies */
#define MK_TRAP_MACH_MSG_SHORT    (-49) /* (registers: see MACH_MSG_SHORT_* in mach/message.h) */
#define MK_TRAP_SUPERVISOR_START  (-50) /* (host, task, arg): run the Unix server linked into this
					 * kernel (UNIX=colocated) as a supervisor thread of task, a
					 * task of the caller's with no threads yet, on arg (the address
					 * in task of its struct unix_server_config); KERN_NOT_SUPPORTED
					 * in a kernel without one (KSTAT_UNIX_SERVER; privileged) */
#define MK_TRAP_PMC_PROGRAM       (-51) /* (host, index, select): program general-purpose
					 * performance counter index with a raw event select
					 * (0: off), zero it, let user code read it with rdpmc;
					 * KERN_NOT_SUPPORTED without architectural performance
					 * monitoring (qemu64 under TCG; see kern/pmc.h; privileged) */
#define MK_PMC_MAX                8     /* counter indexes MK_TRAP_PMC_PROGRAM takes: 0 .. 7 */
#define MK_TRAP_COUNT             51    /* traps are -1 .. -MK_TRAP_COUNT */

/*
 * Privileged traps take a send right to the host privilege port as their
 * first argument and fail with KERN_NO_ACCESS without one. Only the
 * bootstrap task holds it at start (MACH_PORT_HOST_PRIV); it may pass it on
 * like any right, or give it to a child with MK_SPAWN_HOST_PRIV.
 */
#define MK_SPAWN_HOST_PRIV 0x1  /* task_spawn: the child gets the caller's host right at MACH_PORT_HOST_PRIV */
#define MK_SPAWN_FLAGS     0x1  /* every flag task_spawn knows */

#define MK_THREAD_PRIORITY_MIN     0
#define MK_THREAD_PRIORITY_DEFAULT 16
#define MK_THREAD_PRIORITY_MAX     31
#define MK_THREAD_PRIORITY_USER_MAX 16  /* above this, thread_set_priority needs the host privilege port */

#define MK_TASK_SELF 1  /* = MACH_PORT_TASK_SELF: every task's name for its own task port */

#endif

/* profile_components.c: the rule table that sorts profiled functions into
 * components (see profile_components.h), and its lookup. The first rule that
 * matches wins, so a file's specific functions come before the file.
 *
 * Choices worth knowing when reading a profile:
 * - User<->kernel byte copies (entry.S's user_copy, vm_fault.c's vm_copyin/
 *   vm_copyout and their chunk walkers) count as IPC copy: on the benchmark
 *   paths they carry message bodies. A fault taken during one is VM fault.
 * - The fast path is split: its "may I?" tests (fastpath_body_ok,
 *   fastpath_receiver) are IPC check; the transfer (ipc_fastpath,
 *   ipc_fast_copyout) is IPC copy; the handoff it calls is scheduler/switch.
 * - msg.c's copyin/copyout (rights moved with the message included) and
 *   kmsg_* are IPC copy, as mach_msg.c; its validation is IPC check.
 * - port.c: right counts and port lifetime are rights; its queue and the
 *   blocking/waking of threads are queue/wakeup.
 * - thread.c: suspend/resume/exit are scheduler/switch, return_to_user_check
 *   is trap exit; creation, references and the out-of-line spin_lock stay
 *   other.
 * - The kernel's memset/memcpy/memmove are page zero/copy; in a user program
 *   the same kernel/lib/string.c is user library.
 * - The page allocator's plain alloc/free and vm_object/vm_copy, the
 *   msg-cow/msg-copy variants' OOL code: memory objects.
 * - zalloc.c (the memory of every kernel object) and ledger.c (charging
 *   what a task causes to exist) have components of their own.
 * - Attribution is per function: code GCC inlines counts for its caller.
 *   With -O2 the fast path's tests and its reply right (ipc_sonce_insert,
 *   ipc_sonce_remove in ipc_space.h) are inlined into ipc_fastpath, so they
 *   show as IPC copy; a memcpy of a message body by the kernel shows as page
 *   zero/copy. */
#include "profile_components.h"

#include <fnmatch.h>
#include <string.h>

#define PROFILE_NAME_MAX_BYTES 256 /* a function name is compared up to this many bytes */

#define C_TRAP "trap entry/exit"
#define C_IPC_CHECK "IPC check"
#define C_IPC_COPY "IPC copy"
#define C_RIGHTS "rights"
#define C_QUEUE "queue/wakeup"
#define C_SCHED "scheduler/switch"
#define C_VM_FAULT "VM fault"
#define C_PMAP "pmap"
#define C_PAGE_COPY "page zero/copy"
#define C_PAGER "pager protocol"
#define C_MEMOBJ "memory objects"
#define C_KALLOC "kernel allocator"  /* zalloc: every kernel object's memory */
#define C_LEDGER "ledgers"           /* charging what a task causes to exist */
#define C_USER_LIB "user library"
#define C_SERVER "server/pager work"
#define C_BENCH "benchmark"
#define C_OTHER "other"     /* code no rule names */
#define C_UNKNOWN "unknown" /* an address in no symbol */

const char *const profile_component_names[] = {
	C_TRAP, C_IPC_CHECK, C_IPC_COPY, C_RIGHTS, C_QUEUE, C_SCHED, C_VM_FAULT, C_PMAP,
	C_PAGE_COPY, C_PAGER, C_MEMOBJ, C_KALLOC, C_LEDGER, C_USER_LIB, C_SERVER, C_BENCH, C_OTHER, C_UNKNOWN,
};
const size_t profile_component_count =
	sizeof profile_component_names / sizeof profile_component_names[0];

#define K PROFILE_KERNEL
#define U PROFILE_USER
#define ENTRY_S "kernel/arch/x86_64/entry.S"
#define MSG_C "kernel/kern/msg.c"
#define PORT_C "kernel/kern/port.c"
#define FASTPATH_C "kernel/kern/fastpath.c"
#define THREAD_C "kernel/kern/thread.c"
#define VM_FAULT_C "kernel/vm/vm_fault.c"
#define PAGE_ALLOC_C "kernel/vm/page_alloc.c"

const struct profile_rule profile_rules[] = {
	/* trap entry/exit, with entry.S's switch and copy routines first */
	{ K, ENTRY_S, "switch_context", C_SCHED },
	{ K, ENTRY_S, "thread_trampoline", C_SCHED },
	{ K, ENTRY_S, "user_copy", C_IPC_COPY },
	{ K, ENTRY_S, NULL, C_TRAP },
	{ K, "kernel/arch/x86_64/trap.c", NULL, C_TRAP },
	{ K, "kernel/kern/syscall.c", NULL, C_TRAP },
	{ K, THREAD_C, "return_to_user_check", C_TRAP },
	/* IPC: checking, then copying */
	{ K, MSG_C, "msg_check*", C_IPC_CHECK },
	{ K, MSG_C, "msg_walk_items", C_IPC_CHECK },
	{ K, MSG_C, "msg_item_bytes", C_IPC_CHECK },
	{ K, MSG_C, "msg_disposition_type", C_IPC_CHECK },
	{ K, MSG_C, "msg_right_destroy", C_RIGHTS },
	{ K, MSG_C, NULL, C_IPC_COPY },
	{ K, FASTPATH_C, "fastpath_body_ok", C_IPC_CHECK },
	{ K, FASTPATH_C, "fastpath_receiver", C_IPC_CHECK },
	{ K, FASTPATH_C, NULL, C_IPC_COPY },
	{ K, "kernel/kern/mach_msg.c", NULL, C_IPC_COPY },
	{ K, VM_FAULT_C, "vm_copy*", C_IPC_COPY },
	{ K, VM_FAULT_C, "vm_chunk_*", C_IPC_COPY },
	{ K, VM_FAULT_C, "vm_map_visit", C_IPC_COPY },
	/* rights and queues */
	{ K, "kernel/kern/ipc_right.c", NULL, C_RIGHTS },
	{ K, "kernel/kern/ipc_space.c", NULL, C_RIGHTS },
	{ K, "kernel/kern/port_traps.c", NULL, C_RIGHTS },
	{ K, PORT_C, "port_*_right_*", C_RIGHTS },
	{ K, PORT_C, "port_enqueue", C_QUEUE },
	{ K, PORT_C, "port_dequeue*", C_QUEUE },
	{ K, PORT_C, "port_queue_full", C_QUEUE },
	{ K, PORT_C, "port_wake*", C_QUEUE },
	{ K, PORT_C, "ipc_wait", C_QUEUE },
	{ K, PORT_C, "ipc_wakeup*", C_QUEUE },
	{ K, PORT_C, NULL, C_RIGHTS },
	{ K, "kernel/kern/port_set.c", NULL, C_QUEUE },
	{ K, "kernel/kern/notify.c", NULL, C_QUEUE },
	/* scheduling */
	{ K, "kernel/kern/sched.c", NULL, C_SCHED },
	{ K, THREAD_C, "thread_suspend", C_SCHED },
	{ K, THREAD_C, "thread_resume", C_SCHED },
	{ K, THREAD_C, "thread_exit_self", C_SCHED },
	{ K, THREAD_C, "thread_terminate", C_SCHED },
	{ K, "kernel/arch/x86_64/cpu.c", NULL, C_SCHED },
	{ K, "kernel/arch/x86_64/lapic.c", NULL, C_SCHED },
	{ K, "kernel/arch/x86_64/fpu.c", NULL, C_SCHED },
	/* virtual memory */
	{ K, VM_FAULT_C, NULL, C_VM_FAULT },
	{ K, "kernel/vm/vm_map.c", NULL, C_VM_FAULT },
	{ K, "variants/pmap-*", NULL, C_PMAP },
	{ K, "kernel/arch/x86_64/pt.c", NULL, C_PMAP },
	{ K, PAGE_ALLOC_C, "page_zero", C_PAGE_COPY },
	{ K, PAGE_ALLOC_C, "page_copy", C_PAGE_COPY },
	{ K, PAGE_ALLOC_C, "page_alloc_zeroed", C_PAGE_COPY },
	{ K, "kernel/lib/string.c", "mem*", C_PAGE_COPY },
	{ K, "kernel/vm/vm_pager.c", NULL, C_PAGER },
	{ K, "kernel/vm/default_pager.c", NULL, C_PAGER },
	{ K, "variants/pager-*", NULL, C_PAGER },
	{ K, "kernel/vm/vm_object.c", NULL, C_MEMOBJ },
	{ K, "kernel/kern/zalloc.c", NULL, C_KALLOC },
	{ K, "kernel/kern/ledger.c", NULL, C_LEDGER },
	{ K, "kernel/vm/vm_copy.c", NULL, C_MEMOBJ },
	{ K, PAGE_ALLOC_C, NULL, C_MEMOBJ },
	{ K, "kernel/vm/page_pool.c", NULL, C_MEMOBJ },
	{ K, "variants/msg-*", NULL, C_MEMOBJ },
	/* user programs */
	{ U, "user/libmk/default_pager.c", NULL, C_SERVER },
	{ U, "bench/mk/server.c", NULL, C_SERVER },
	{ U, "user/libmk/*", NULL, C_USER_LIB },
	{ U, "kernel/lib/*", NULL, C_USER_LIB },
	{ U, "bench/*", NULL, C_BENCH },
	/* Linux (the baseline): kallsyms names, source LINUX_SOURCE; sorted by name
	 * into the same components where the kernels do the same work */
	{ K, LINUX_SOURCE, "entry_SYSCALL_64*", C_TRAP },
	{ K, LINUX_SOURCE, "do_syscall_64", C_TRAP },
	{ K, LINUX_SOURCE, "syscall_*", C_TRAP },
	{ K, LINUX_SOURCE, "*exit_to_user_mode*", C_TRAP },
	{ K, LINUX_SOURCE, "*enter_from_user_mode*", C_TRAP },
	{ K, LINUX_SOURCE, "asm_exc_*", C_TRAP },
	{ K, LINUX_SOURCE, "exc_*", C_TRAP },
	{ K, LINUX_SOURCE, "irqentry_*", C_TRAP },
	{ K, LINUX_SOURCE, "error_*", C_TRAP },
	{ K, LINUX_SOURCE, "swapgs_*", C_TRAP },
	{ K, LINUX_SOURCE, "__x64_sys_*", C_TRAP },
	{ K, LINUX_SOURCE, "vfs_*", C_IPC_CHECK },
	{ K, LINUX_SOURCE, "ksys_*", C_IPC_CHECK },
	{ K, LINUX_SOURCE, "*fdget*", C_IPC_CHECK },
	{ K, LINUX_SOURCE, "fput*", C_IPC_CHECK },
	{ K, LINUX_SOURCE, "rw_verify_area", C_IPC_CHECK },
	{ K, LINUX_SOURCE, "security_*", C_IPC_CHECK },
	{ K, LINUX_SOURCE, "*memcg*", C_LEDGER },
	{ K, LINUX_SOURCE, "psi_*", C_SCHED },
	{ K, LINUX_SOURCE, "*load_avg*", C_SCHED },
	{ K, LINUX_SOURCE, "mt_*", C_VM_FAULT },
	{ K, LINUX_SOURCE, "mtree_*", C_VM_FAULT },
	{ K, LINUX_SOURCE, "mas_*", C_VM_FAULT },
	{ K, LINUX_SOURCE, "get_page_from_freelist", C_MEMOBJ },
	{ K, LINUX_SOURCE, "pipe_*", C_IPC_COPY },
	{ K, LINUX_SOURCE, "*copy_*_iter*", C_IPC_COPY },
	{ K, LINUX_SOURCE, "copy_user_*", C_IPC_COPY },
	{ K, LINUX_SOURCE, "rep_movs_alternative", C_IPC_COPY },
	{ K, LINUX_SOURCE, "__wake_up*", C_QUEUE },
	{ K, LINUX_SOURCE, "*wait_event*", C_QUEUE },
	{ K, LINUX_SOURCE, "prepare_to_wait*", C_QUEUE },
	{ K, LINUX_SOURCE, "finish_wait", C_QUEUE },
	{ K, LINUX_SOURCE, "*schedule*", C_SCHED },
	{ K, LINUX_SOURCE, "*switch_to*", C_SCHED },
	{ K, LINUX_SOURCE, "*switch_mm*", C_SCHED },
	{ K, LINUX_SOURCE, "*task_switch*", C_SCHED },
	{ K, LINUX_SOURCE, "*_fair", C_SCHED },
	{ K, LINUX_SOURCE, "*_entity*", C_SCHED },
	{ K, LINUX_SOURCE, "pick_next_*", C_SCHED },
	{ K, LINUX_SOURCE, "try_to_wake_up", C_SCHED },
	{ K, LINUX_SOURCE, "ttwu_*", C_SCHED },
	{ K, LINUX_SOURCE, "update_*", C_SCHED },
	{ K, LINUX_SOURCE, "*handle_mm_fault", C_VM_FAULT },
	{ K, LINUX_SOURCE, "do_*_page", C_VM_FAULT },
	{ K, LINUX_SOURCE, "do_user_addr_fault", C_VM_FAULT },
	{ K, LINUX_SOURCE, "*vma*", C_VM_FAULT },
	{ K, LINUX_SOURCE, "clear_page*", C_PAGE_COPY },
	{ K, LINUX_SOURCE, "copy_page*", C_PAGE_COPY },
	{ K, LINUX_SOURCE, "mem*", C_PAGE_COPY },
	{ K, LINUX_SOURCE, "*pte*", C_PMAP },
	{ K, LINUX_SOURCE, "*pmd*", C_PMAP },
	{ K, LINUX_SOURCE, "*tlb*", C_PMAP },
	{ K, LINUX_SOURCE, "kmem_cache_*", C_KALLOC },
	{ K, LINUX_SOURCE, "*kmalloc*", C_KALLOC },
	{ K, LINUX_SOURCE, "kfree*", C_KALLOC },
	{ K, LINUX_SOURCE, "*alloc_pages*", C_MEMOBJ },
	{ K, LINUX_SOURCE, "*free_*page*", C_MEMOBJ },
	{ K, LINUX_SOURCE, "rmqueue*", C_MEMOBJ },
	{ K, LINUX_SOURCE, "*folio*", C_MEMOBJ },
	{ K, LINUX_SOURCE, "*lru*", C_MEMOBJ },
	{ U, NULL, NULL, C_USER_LIB }, /* a user function no object names: the C library */
};
const size_t profile_rule_count = sizeof profile_rules / sizeof profile_rules[0];

/* True when rule r matches code of space at source (maybe NULL) whose name
 * without clone suffix is name. */
static bool profile_rule_matches(const struct profile_rule *r, enum profile_space space,
				 const char *source, const char *name)
{
	if (r->space != space || (r->source && (!source || fnmatch(r->source, source, 0) != 0)))
		return false;
	return !r->function || fnmatch(r->function, name, 0) == 0;
}

/* The component of function (NULL: the address had no symbol), compiled
 * from source (NULL or a bare basename when unknown: then only "other"),
 * at a kernel address or not. */
const char *profile_component(const char *source, const char *function, bool kernel)
{
	if (!function)
		return C_UNKNOWN;
	char name[PROFILE_NAME_MAX_BYTES];
	size_t len = strcspn(function, ".");
	if (len >= sizeof name)
		len = sizeof name - 1;
	memcpy(name, function, len);
	name[len] = '\0';
	enum profile_space space = kernel ? PROFILE_KERNEL : PROFILE_USER;
	for (size_t i = 0; i < profile_rule_count; i++)
		if (profile_rule_matches(&profile_rules[i], space, source, name))
			return profile_rules[i].component;
	return C_OTHER;
}

/*
 * types.h — fixed-width types and small structures of the kernel/user ABI.
 *
 * Everything here crosses the trap boundary, so every field has a fixed
 * size and the layout is the same for the kernel and user code.
 */
#ifndef MACH_TYPES_H
#define MACH_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned long      vm_address_t;
typedef unsigned long      vm_size_t;
typedef unsigned int       vm_prot_t;
typedef unsigned int       vm_inherit_t;

/* Protections (vm_prot_t): any combination. */
#define VM_PROT_NONE    0x0
#define VM_PROT_READ    0x1
#define VM_PROT_WRITE   0x2
#define VM_PROT_EXECUTE 0x4
#define VM_PROT_ALL     0x7

/* Inheritance of a region by a child task (used from the VM issue on). */
#define VM_INHERIT_NONE   0
#define VM_INHERIT_SHARE  1
#define VM_INHERIT_COPY   2

/* vm_allocate flags */
#define VM_ALLOC_FIXED    0x0   /* at exactly *addr */
#define VM_ALLOC_ANYWHERE 0x1   /* wherever there is room; *addr is set */
#define VM_MAP_RETURN_PAGES 0x2 /* vm_map only: when the object ends, its resident pages
				 * go back to the pager (DATA_RETURN) before TERMINATE */

#define MK_PAGE_SIZE 4096UL

/* vm_region: the region containing (or first after) an address. */
struct vm_region_info {
	vm_address_t start;
	vm_size_t size;
	uint32_t prot, max_prot;
	uint32_t inheritance;    /* VM_INHERIT_* */
	uint32_t shared;         /* its object is mapped by other entries too */
	uint64_t object_id;      /* an opaque name for the memory object behind it */
	uint64_t offset;         /* of start in that object */
};

/* vm_debug: what backs one page of a task (tests use it to check sharing). */
struct vm_debug_info {
	uint64_t object_id;      /* the object whose page is mapped (0: none resident) */
	uint64_t offset;         /* the page's offset in that object */
	uint64_t frame;          /* its physical address */
	uint32_t shadow_depth;   /* how far down the top object's shadow chain it was found */
	uint32_t resident;       /* 1 if a page is mapped or resident for addr */
};

/*
 * A task's translation structures, as mk_pmap_footprint reports them. bytes
 * is the footprint: PMAP=radix, its page-table pages; PMAP=hashed, its
 * entries in the global hashed page table times the entry size plus its
 * hardware-table pages (the hash table itself is allocated at boot).
 */
#define PMAP_KIND_RADIX  1   /* per-task x86-64 4-level tables */
#define PMAP_KIND_HASHED 2   /* one global hashed page table, small per-task hardware tables */
struct pmap_footprint_info {
	uint64_t bytes;             /* the footprint (see above) */
	uint64_t table_pages;       /* hardware page-table pages, the PML4 included */
	uint64_t table_budget;      /* most table_pages the task may hold; 0: no bound */
	uint64_t hash_entries;      /* the task's entries in the hashed page table */
	uint64_t hash_entry_bytes;  /* one entry's size (0: no hash table) */
	uint64_t hash_capacity;     /* entries the whole hashed page table holds */
	uint32_t kind;              /* PMAP_KIND_* */
	uint32_t reserved;
};

/* How a task ended, as task_wait reports it. */
#define TASK_END_RUNNING    0   /* not ended (only with a zero timeout) */
#define TASK_END_EXITED     1   /* called task_exit(code) */
#define TASK_END_FAULTED    2   /* an exception nothing handled */
#define TASK_END_KILLED     3   /* task_terminate from another task */
#define TASK_END_BAD_TRAP   4   /* a system call with no emulation vector */

struct task_status {
	uint32_t how;        /* TASK_END_* */
	int32_t  code;       /* exit code (EXITED); exception vector (FAULTED); syscall number (BAD_TRAP) */
	uint64_t fault_addr; /* FAULTED: faulting address (cr2 for page faults) */
	uint64_t fault_rip;  /* FAULTED: instruction pointer */
	uint64_t error_code; /* FAULTED: the CPU's error code */
};

/* Thread states reported by thread_info. */
#define THREAD_STATE_RUNNABLE  1
#define THREAD_STATE_WAITING   2
#define THREAD_STATE_SUSPENDED 3
#define THREAD_STATE_DEAD      4

/* Kernel statistics readable with mk_kernel_stat(). */
#define KSTAT_FREE_PAGES     0   /* physical pages free (empty pages zones keep included: taken back on demand) */
#define KSTAT_TOTAL_PAGES    1   /* physical pages managed */
#define KSTAT_TICKS          2   /* timer ticks since boot */
#define KSTAT_CONTEXT_SWITCHES 3
#define KSTAT_TASKS          4   /* tasks alive (including zombies) */
#define KSTAT_THREADS        5   /* threads alive */
#define KSTAT_PAGE_FAULTS    6   /* user page faults resolved */
#define KSTAT_ZERO_FILLS     7   /* pages zero-filled on first touch */
#define KSTAT_TICK_NS        8   /* nominal length of one tick, ns */
#define KSTAT_IPC_FASTPATH_HITS   9   /* RPCs handed straight to a waiting receiver */
#define KSTAT_IPC_FASTPATH_MISSES 10  /* send+receive calls that took the general path */
#define KSTAT_PORTS          11  /* ports alive */
#define KSTAT_COW_FAULTS     12  /* pages copied on a write to copy-on-write memory */
#define KSTAT_PAGER_MESSAGES 13  /* messages between the kernel and pagers (both ways) */
#define KSTAT_PAGER_FAULTS   14  /* faults that had to ask a pager */
#define KSTAT_PAGEOUTS       15  /* pages written to the default pager's backing store */
#define KSTAT_PAGEINS        16  /* pages read back from it */
#define KSTAT_DEFAULT_PAGER  17  /* DEFAULT_PAGER_KIND_*: which default pager this kernel has */
#define KSTAT_MSG_OOL        18  /* MSG_OOL_KIND_*: how out-of-line regions travel */
/* PMAP=hashed only (0 with radix tables): */
#define KSTAT_PMAP_REFILLS   19  /* hardware translations reloaded from the hash, no vm_fault */
#define KSTAT_PMAP_EVICTIONS 20  /* translations evicted from a full bucket of the hash table */
#define KSTAT_PMAP_TRIMS     21  /* times a task's hardware tables were trimmed to their budget */
#define KSTAT_PAGER_REPLIES_REFUSED 22  /* pager replies ignored (malformed, or a bad range) */
#define KSTAT_PAGER_FASTPATH_HITS 23  /* pager messages that took the pager fast path (vm_pager.c):
					 * requests written into a waiting pager, one-page supplies */
#define KSTAT_UNIX_SERVER    24  /* UNIX_SERVER_KIND_*: where this kernel runs the Unix server */
#define KSTAT_COUNT          25

/* What mk_kernel_check found (MK_TRAP_KERNEL_CHECK): what it walked, and the first inconsistency. */
struct kernel_check_info {
	uint64_t spaces;            /* IPC spaces walked (the kernel's included) */
	uint64_t entries;           /* names in them */
	uint64_t ports;             /* ports and port sets reached */
	uint64_t messages;          /* messages queued on them */
	uint64_t objects;           /* VM objects reached from task maps */
	uint32_t errors;            /* inconsistencies found (0: consistent) */
	uint32_t reserved;
	char first_error[128];      /* the first one, in words (NUL-terminated) */
};

/*
 * A ledger (MK_TRAP_LEDGER_INFO): what a group of tasks holds of each
 * kernel resource, and its limit. A task created by a holder of the host
 * privilege port gets a ledger of its own; any other task shares its
 * creator's, so a task and everything it creates are bounded together.
 */
#define LEDGER_TASKS         0   /* tasks (zombies included, until their port goes) */
#define LEDGER_THREADS       1   /* threads */
#define LEDGER_PORTS         2   /* ports and port sets created */
#define LEDGER_MESSAGES      3   /* messages queued or in transit, kernel notices included */
#define LEDGER_MESSAGE_BYTES 4   /* their in-line bytes */
#define LEDGER_OOL_BYTES     5   /* out-of-line bytes in transit */
#define LEDGER_MAP_ENTRIES   6   /* address-map entries */
#define LEDGER_NAMES         7   /* name-table slots of the tasks' IPC spaces (they bound the rights held) */
#define LEDGER_PAGE_TABLES   8   /* hardware page-table pages below the tasks' PML4s */
#define LEDGER_COUNT         9
struct ledger_info {
	uint64_t held[LEDGER_COUNT];
	uint64_t limit[LEDGER_COUNT];
	uint64_t refused;           /* charges refused so far */
};

#define DEFAULT_PAGER_KIND_KERNEL     1   /* PAGER=kernel: in the kernel, no messages */
#define DEFAULT_PAGER_KIND_USER_NONE  2   /* PAGER=user: no default pager task registered yet */
#define DEFAULT_PAGER_KIND_USER       3   /* PAGER=user: a task serves it (mk_set_default_pager) */

/* KSTAT_UNIX_SERVER: the UNIX axis */
#define UNIX_SERVER_KIND_TASK       1   /* UNIX=server: a user task (the starter makes it) */
#define UNIX_SERVER_KIND_COLOCATED  2   /* UNIX=colocated: linked into the kernel (MK_TRAP_SUPERVISOR_START) */

/* KSTAT_MSG_OOL: what becomes of an out-of-line region sent without deallocate */
#define MSG_OOL_KIND_COPY   1   /* MSG=copy: copied into fresh pages at send time */
#define MSG_OOL_KIND_COW    2   /* MSG=cow: shared copy-on-write with the sender */

#endif

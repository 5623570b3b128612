/*
 * param.h — the kernel's tunables, one per line, each with its unit.
 */
#ifndef PARAM_H
#define PARAM_H

#define MAX_CPUS                 8          /* per-CPU structures allocated */
#define PAGE_SIZE                4096UL     /* bytes in a page */
#define PAGE_SHIFT               12
#define KERNEL_STACK_PAGES       4          /* pages per thread kernel stack (16 KiB) */
#define SUPERVISOR_STACK_PAGES   16         /* a supervisor thread's (64 KiB: the colocated Unix
					     * server's own frames, as a user server's stack, and the traps') */
#define TIMER_HZ                 1000       /* timer interrupts per second (1 ms tick) */
#define SCHED_QUANTUM_TICKS      10         /* round-robin time slice, in ticks */
#define SCHED_PRIORITIES         32         /* priority levels 0 (low) .. 31 (high) */
#define TASK_NAME_LEN            32         /* bytes in a task's name, with NUL */
#define SPAWN_ARGS_MAX_BYTES     4096       /* task_spawn argument string limit */
#define SPAWN_IMAGE_MAX_BYTES    (64UL << 20) /* largest ELF image task_spawn reads */
#define USER_STACK_BYTES         (256UL << 10) /* main thread stack of a spawned task */
#define USER_SPACE_START         0x1000UL   /* lowest mappable user address */
#define USER_SPACE_END           0x00007FFFFFFFF000UL /* first address above user space */
#define KERNEL_HALF_START        0xFFFF800000000000UL /* the kernel's half: direct map, image, stacks */
#define USER_STACK_TOP           0x00007FFFFFF00000UL /* top of the main thread's stack */
#define USER_ANYWHERE_START      0x0000100000000000UL /* where ANYWHERE allocation starts */
#define CONSOLE_WRITE_MAX_BYTES  4096       /* longest console_write */
#define BOOT_MODULES_MAX         16         /* boot modules the kernel keeps */
#define VM_RESIDENT_LIMIT_MIN_PAGES 16      /* smallest resident-page limit vm_set_resident_limit takes */

/* Ledgers (kern/ledger.c): what one task and everything it creates may hold. */
#define LEDGER_TASKS_MAX         64         /* tasks */
#define LEDGER_THREADS_MAX       256        /* threads (16 KiB of kernel stack each) */
#define LEDGER_PORTS_MAX         16384      /* ports and port sets */
#define LEDGER_MESSAGES_MAX      1024       /* messages queued or in transit, kernel notices included */
#define LEDGER_MESSAGE_BYTES_MAX (8UL << 20) /* their in-line bytes */
#define LEDGER_OOL_BYTES_MAX     (32UL << 20) /* out-of-line bytes in transit */
#define LEDGER_MAP_ENTRIES_MAX   4096       /* address-map entries (maps are sorted lists: operations walk them) */
#define LEDGER_NAMES_MAX         65536      /* name-table slots of IPC spaces (16 bytes each) */
#define LEDGER_PAGE_TABLES_MAX   4096       /* page-table pages (16 MiB; radix: 8 GiB mapped densely) */
#define LEDGER_GLOBAL_FACTOR     8          /* all ledgers together: this many ledgers' worth */
#define LEDGER_RESERVE_FACTOR    2          /* of which this many only privileged ledgers may use */
#define LEDGER_PAGE_RESERVE_SHIFT 5         /* the last 1/32 of the frames only privileged tasks' memory may take */

#endif

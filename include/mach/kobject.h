/*
 * kobject.h — messages the kernel itself serves.
 *
 * Task and thread ports are kernel-served: a message sent to one is handled
 * by the kernel at once (in the sender's context) and the answer goes to the
 * message's reply right. Each request is a header with no body; each reply
 * carries one INLINE item of uint32_t words (the first is a kern_return_t).
 *
 * The bootstrap name service is a kernel thread receiving on the port every
 * task holds a send right to at MACH_PORT_BOOTSTRAP. Requests carry the name
 * as an INLINE item of chars (NUL included, at most BOOTSTRAP_NAME_MAX
 * bytes); REGISTER adds a PORTS item with one send right. Replies: an INLINE
 * item with one kern_return_t word, and for LOOKUP a PORTS item with a send
 * right.
 *
 * The table is shared, so it is bounded per ledger (the ledger of the task
 * that sent the REGISTER): a ledger holds at most BOOTSTRAP_NAMES_PER_LEDGER
 * names, and the last BOOTSTRAP_NAMES_RESERVE slots go only to privileged
 * ledgers. Either bound refuses REGISTER with KERN_RESOURCE_SHORTAGE (as a
 * ledger refuses a charge); a table with no free slot at all gives
 * KERN_NO_SPACE. A name whose server died (its port destroyed, or the task
 * or thread behind a task or thread port ended) is forgotten: LOOKUP gives
 * KERN_NOT_FOUND, and its slot is free again.
 *
 * Names beginning with BOOTSTRAP_PRIVILEGED_PREFIX are registered and looked
 * up only by privileged ledgers (holders of the host right and what they
 * were given it with); anyone else gets KERN_NO_ACCESS.
 *
 * Names the system registers: "privileged/default-pager", a send right to
 * the user-level default pager's task port (PAGER=user;
 * user/libmk/default_pager.c) — a right that controls the pager, so only
 * privileged tasks may look it up.
 */
#ifndef MACH_KOBJECT_H
#define MACH_KOBJECT_H

#define MACH_TASK_INFO_ID        3000  /* reply words: kr, threads, state, end how, end code */
#define MACH_THREAD_INFO_ID      3100  /* reply words: kr, THREAD_STATE_*, priority */
#define MACH_KOBJECT_REPLY_ID(id) ((id) + 100)

#define BOOTSTRAP_REGISTER_ID    4000
#define BOOTSTRAP_LOOKUP_ID      4001
#define BOOTSTRAP_REPLY_ID(id)   ((id) + 100)
#define BOOTSTRAP_NAME_MAX       64
#define BOOTSTRAP_NAMES_MAX      64    /* registrations the service keeps */
#define BOOTSTRAP_NAMES_PER_LEDGER 8   /* registrations one ledger may hold */
#define BOOTSTRAP_NAMES_RESERVE  16    /* of BOOTSTRAP_NAMES_MAX, slots only privileged ledgers take */
#define BOOTSTRAP_PRIVILEGED_PREFIX "privileged/" /* names only privileged ledgers register and look up */
#define BOOTSTRAP_DEFAULT_PAGER_NAME "privileged/default-pager" /* the default pager's task port (PAGER=user) */

#endif

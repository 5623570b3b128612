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

#endif

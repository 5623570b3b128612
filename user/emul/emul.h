/*
 * emul.h — the emulation library (user/emul/): the code at a task's
 * emulation vector (include/mach/emulation.h).
 *
 * emul_entry is the vector: the kernel resumes a thread there after a
 * foreign system call, with the caller's registers in a struct emul_frame
 * on its stack. It calls the handler the program installed, which performs
 * the call and leaves the result in the frame's rax (it may change any
 * other field: a signal or an exec would), then returns straight to the
 * program with the frame's registers. The handler runs on the program's
 * own stack, below the frame, in the calling thread: it may make traps and
 * further foreign calls (each gets a frame of its own below).
 *
 * What the handler does is the rest of the Unix emulation (the RPC to the
 * Unix server is a later step); today a program installs its own.
 */
#ifndef EMUL_H
#define EMUL_H

#include <mach/emulation.h>
#include "mk.h"

#define EMUL_ENOSYS 38                     /* Linux's: what a call no handler takes returns */

typedef void (*emul_handler_t)(struct emul_frame *f);

extern void emul_entry(void);              /* the vector (emul_entry.S) */

/* Send this task's foreign system calls to handler (NULL: end the redirection). */
kern_return_t emul_install_self(emul_handler_t handler);

/* What answers when no handler is installed (weak: -ENOSYS; image/local.c has its own). */
void emul_default(struct emul_frame *f);

/*
 * fork for a handler answering a foreign call at frame f: a child task made
 * from this one as a blueprint (copy-on-write, the emulation vector
 * inherited), with one thread that starts on the child's copy of f and
 * returns 0 from the call there, with tls_base as its TLS base. The
 * child's task port name goes to *child; the caller answers the parent.
 */
kern_return_t emul_fork(struct emul_frame *f, uint64_t tls_base, mach_port_name_t *child);
extern void emul_fork_child(void);         /* (emul_entry.S) */

/* A fork made by someone else (the Unix server, from this task as its
 * blueprint) whose child starts at emul_fork_child: the TLS base it sets
 * (call before the child's memory is copied), and what the child's
 * library resets first (its own rights: a child inherits none). */
void emul_fork_prepare(uint64_t tls_base);
void emul_child_reset(void);

#endif

/*
 * emul.c — the emulation library's C side: the handler the program
 * installed, called from emul_entry (emul_entry.S) with the frame.
 */
#include <stddef.h>
#include "emul.h"

/* emul_entry.S reads the frame at these offsets. */
_Static_assert(offsetof(struct emul_frame, rax) == 0 && offsetof(struct emul_frame, rdi) == 8 &&
	       offsetof(struct emul_frame, r9) == 48 && offsetof(struct emul_frame, rbx) == 56 &&
	       offsetof(struct emul_frame, r15) == 96 && offsetof(struct emul_frame, rip) == 104 &&
	       offsetof(struct emul_frame, rsp) == 112 && offsetof(struct emul_frame, rflags) == 120,
	       "emul_entry.S's offsets");

static emul_handler_t emul_handler;

void emul_dispatch(struct emul_frame *f);

/* What answers when no handler is installed: ENOSYS here; the image mapped
 * into Linux processes links a handler of its own (image/local.c). */
__attribute__((weak)) void emul_default(struct emul_frame *f)
{
	f->rax = (uint64_t)-EMUL_ENOSYS;
}

void emul_dispatch(struct emul_frame *f)
{
	emul_handler_t h = emul_handler;

	if (h)
		h(f);
	else
		emul_default(f);
}

/* The TLS base a forked child sets before anything else, read in its copy
 * of this variable (set just before the copy is made; one fork at a time). */
static uint64_t emul_fork_tls;

void emul_fork_child_start(void);

/* What a forked child's library resets first (weak: nothing; image/local.c has its own). */
__attribute__((weak)) void emul_child_reset(void)
{
}

void emul_fork_prepare(uint64_t tls_base)
{
	emul_fork_tls = tls_base;
}

void emul_fork_child_start(void)
{
	mach_port_name_t me;

	emul_child_reset();
	if (emul_fork_tls && mk_thread_self(&me) == KERN_SUCCESS) {
		mk_thread_set_tls(me, emul_fork_tls);
		mk_port_deallocate(MACH_PORT_TASK_SELF, me);
	}
}

kern_return_t emul_fork(struct emul_frame *f, uint64_t tls_base, mach_port_name_t *child)
{
	mach_port_name_t thread = MACH_PORT_NULL;
	kern_return_t kr;

	emul_fork_tls = tls_base;
	kr = mk_task_create(MACH_PORT_TASK_SELF, 1, child);
	if (kr != KERN_SUCCESS)
		return kr;
	/* the frame is at the same address in the child's copy of this stack */
	kr = mk_thread_create(*child, (void (*)(void *))emul_fork_child, f, f, &thread);
	if (thread != MACH_PORT_NULL)
		mk_port_deallocate(MACH_PORT_TASK_SELF, thread);
	if (kr != KERN_SUCCESS) {
		mk_task_terminate(*child);
		mk_port_deallocate(MACH_PORT_TASK_SELF, *child);
		*child = MACH_PORT_NULL;
	}
	return kr;
}

kern_return_t emul_install_self(emul_handler_t handler)
{
	emul_handler = handler;
	return mk_task_set_emulation(MACH_PORT_TASK_SELF,
				     handler ? (vm_address_t)emul_entry : 0);
}

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

kern_return_t emul_install_self(emul_handler_t handler)
{
	emul_handler = handler;
	return mk_task_set_emulation(MACH_PORT_TASK_SELF,
				     handler ? (vm_address_t)emul_entry : 0);
}

/*
 * exec.h — building a Unix process from a static Linux ELF64 executable,
 * as the Unix server's execve does: a new task, the program's segments
 * (mapped from the server's file pager when the program is a file:
 * struct unix_exec_file; else written) and the emulation library's image
 * put into it through its task port (vm_map, vm_allocate, vm_write,
 * vm_protect), the System V initial stack (argc, argv, envp, the auxiliary
 * vector) at UNIX_STACK_TOP, the task's emulation vector set to the
 * library's entry, and a thread started at the program's entry. The guest
 * tests use it alone, without a server, too.
 */
#ifndef UNIX_EXEC_H
#define UNIX_EXEC_H

#include "mk.h"

#define UNIX_STACK_TOP   0x7FFFFFF00000UL  /* the initial stack ends here */
#define UNIX_STACK_BYTES (1UL << 20)
#define UNIX_ARGS_BYTES  65536             /* argv, envp and auxv together, at most
						* (Linux allows 2 MiB; a shell glob of
						* hundreds of names fits) */

/*
 * Start prog (prog_size bytes) in a new task with the emulation image
 * (emul, emul_size bytes: build/user/emul-image.elf) and argv/envp
 * (NULL-terminated). The task's port name goes to *task. KERN_BAD_IMAGE
 * for an image that is not a static x86-64 executable (the reason on the
 * console), KERN_INVALID_ARGUMENT when the arguments do not fit.
 */
kern_return_t unix_exec_spawn(const void *prog, size_t prog_size, const void *emul,
			      size_t emul_size, const char *const argv[], const char *const envp[],
			      mach_port_name_t *task);

/*
 * A program that is a file its caller pages (the Unix server, mapped.c):
 * map puts size bytes of it from file offset off at `at` in task, private
 * (copy-on-write), with protection prot.
 */
struct unix_exec_file {
	kern_return_t (*map)(void *ctx, mach_port_name_t task, vm_address_t at, uint64_t size,
			     uint64_t off, vm_prot_t prot);
	void *ctx;
};

/* The same in two steps, so that the caller can give the task rights before it runs.
 * With file, the program's whole pages are mapped from it instead of copied: only a
 * segment's last page that is part file, part zeros (its .bss) is copied. */
struct unix_exec_start {
	uint64_t entry, sp;
	uint64_t brk;            /* the program break at the start: its image's end, page-aligned */
};
kern_return_t unix_exec_build(const void *prog, size_t prog_size, const struct unix_exec_file *file,
			      const void *emul, size_t emul_size, const char *const argv[],
			      const char *const envp[], mach_port_name_t *task,
			      struct unix_exec_start *start);
/* Start it (on failure the task is ended and *task made MACH_PORT_NULL). */
kern_return_t unix_exec_run(mach_port_name_t *task, const struct unix_exec_start *start);
/* End a task that could not be made whole, and forget its name (MACH_PORT_NULL after). */
void unix_exec_abandon(mach_port_name_t *task);

#endif

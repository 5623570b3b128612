/*
 * server.h — starting the Unix server (server.c): the programs it can start
 * (until it has a file system, a table of images in memory), the emulation
 * library's image, and its control port (a receive right); in a user task
 * (UNIX=server: the starter calls unix_server_run in a thread or task of its
 * own) or in the kernel (UNIX=colocated: unix_server_colocate).
 */
#ifndef UNIX_SERVER_H
#define UNIX_SERVER_H

#include "mk.h"

struct unix_prog {
	const char *name;                   /* its argv[0] */
	const void *image;
	size_t size;
};

struct unix_server_config {
	mach_port_name_t control;
	const struct unix_prog *progs;
	size_t nprogs;
	const void *emul;
	size_t emul_size;
	const void *archive;                /* the root archive (newc cpio), or NULL: only /dev and /tmp */
	size_t archive_size;
};

/* Serve until the control port goes (returns nonzero). */
int unix_server_run(const struct unix_server_config *cfg);

/*
 * UNIX=colocated (colocate.c): does this kernel link the server in, and
 * start it there on cfg (cfg->control a receive right of the caller's, which
 * moves to the server): *task names the server's task (terminate it to stop
 * the server). Needs the host privilege port; KERN_NOT_SUPPORTED in a
 * kernel without the server, whose starter runs unix_server_run itself.
 */
bool unix_server_colocated(void);
kern_return_t unix_server_colocate(const struct unix_server_config *cfg, mach_port_name_t *task);

#endif

/*
 * server.h — starting the Unix server (server.c): the programs it can start
 * (until it has a file system, a table of images in memory), the emulation
 * library's image, and its control port (a receive right).
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

#endif

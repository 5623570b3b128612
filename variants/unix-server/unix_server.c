/*
 * unix_server.c (UNIX=server) — the Unix server is a user task its starter
 * makes (user/unix/colocate.c starts it as one when KSTAT_UNIX_SERVER says
 * so); this kernel links no server in.
 */
#include "unix_server.h"
#include <mach/types.h>

uint32_t unix_server_kind(void)
{
	return UNIX_SERVER_KIND_TASK;
}

kern_return_t supervisor_start(struct task *task, uint64_t arg)
{
	(void)task, (void)arg;
	return KERN_NOT_SUPPORTED;
}

/* linux_boot.c: Linux targets and their command line (see linux_boot.h). */
#include "linux_boot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "target.h"

/* True when dir is a Linux target: it holds vmlinux. */
bool linux_target_is(const char *dir)
{
	char *kernel = path_join(dir, LINUX_KERNEL_FILE);
	bool is = kernel && access(kernel, F_OK) == 0;
	free(kernel);
	return is;
}

/* Returns the malloc'd kernel command line that starts /init with init_args
 * ("bench --quick null_call", "run"), or NULL when out of memory. */
char *linux_cmdline(const char *init_args)
{
	size_t bytes = sizeof LINUX_CMDLINE + strlen(init_args) + sizeof " -- ";
	char *out = malloc(bytes);
	if (out)
		snprintf(out, bytes, "%s -- %s", LINUX_CMDLINE, init_args);
	return out;
}


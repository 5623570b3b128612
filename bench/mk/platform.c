/*
 * platform.c — the microkernel side of bench_platform.h: printing, exiting
 * and naming errors through libmk.
 */
#include "bench_platform.h"

/* One line to the console through libmk. */
void bench_puts(const char *line)
{
	mk_printf("%s\n", line);
}

/* The task ends; its exit status goes to whoever waits for it. */
void bench_exit(int status)
{
	mk_task_exit(status);
}

/* libmk's name for a kern_return_t. */
const char *bench_error_string(int code)
{
	return mk_strerror(code);
}

/*
 * platform.c — the Linux side of bench_platform.h: printing with one
 * write(2) per line, exiting, errno names.
 */
#include "bench_platform.h"

#include <termios.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/*
 * One line and its newline in one write (no stdio buffer a fork could
 * copy), then wait until the console has sent it: the serial port's
 * transmit interrupts must not land in the next measurement's samples,
 * where no tick would flag them. If stdout is lost there is nowhere to
 * report it: the program ends with status 1.
 */
void bench_puts(const char *line)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)line, .iov_len = strlen(line) },
		{ .iov_base = "\n", .iov_len = 1 },
	};

	if (writev(STDOUT_FILENO, iov, 2) < 0)
		_exit(1);
	tcdrain(STDOUT_FILENO);  /* fails harmlessly (ENOTTY) when stdout is no terminal */
}

/* The process ends with status (stdio flushed). */
void bench_exit(int status)
{
	exit(status);
}

/* The C library's text for an errno value. */
const char *bench_error_string(int code)
{
	return strerror(code);
}

/* errmsg.c: formatting a failure's message (see errmsg.h). */
#include "errmsg.h"

#include <stdarg.h>
#include <stdio.h>

/* Formats the message into err and returns -1 (a failure's last step). */
int errmsg_fail(char *err, size_t err_bytes, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, err_bytes, fmt, ap);
	va_end(ap);
	return -1;
}

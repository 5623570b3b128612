/* errmsg.h: the harness's way of failing with a message: a function that
 * can fail writes one line saying what and where into a caller's buffer. */
#ifndef MACHLAB_ERRMSG_H
#define MACHLAB_ERRMSG_H

#include <stddef.h>

int errmsg_fail(char *err, size_t err_bytes, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif

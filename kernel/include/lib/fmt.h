/*
 * fmt.h — printf-style formatting for freestanding code.
 *
 * One formatter (kernel/lib/fmt.c, also compiled into user/libmk) writes
 * through a callback, so the kernel console, user debug prints and
 * snprintf share it. Supported: %d %i %u %x %X %p %s %c %%, the length
 * modifiers l and ll (and z), a field width, '0' padding and '-' alignment.
 */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*fmt_out_fn)(void *ctx, char c);

void fmt_format(fmt_out_fn out, void *ctx, const char *fmt, va_list ap);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif

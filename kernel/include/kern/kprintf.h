/*
 * kprintf.h — the kernel console (serial port COM1) and panic.
 */
#ifndef KERN_KPRINTF_H
#define KERN_KPRINTF_H

#include <stddef.h>

void console_init(void);
void console_write(const char *s, size_t len);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void machine_exit(int status) __attribute__((noreturn));

#define assert(cond) \
	do { if (!(cond)) panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__); } while (0)

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#endif

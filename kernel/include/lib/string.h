/*
 * string.h — memory and string helpers for freestanding code.
 *
 * kernel/lib/string.c is compiled into the kernel and into user/libmk.
 * Bulk copies and fills use 8-byte string operations, because under TCG
 * icount a `rep` instruction counts one instruction per iteration (see
 * DESIGN.md section 4): a page costs 512, as it does on Linux.
 */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strncpy_z(char *dst, const char *src, size_t size); /* always NUL-terminates */

#endif

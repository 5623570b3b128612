/*
 * fmt.c — the one printf-style formatter (kernel and user/libmk).
 */
#include "lib/fmt.h"
#include <stdbool.h>
#include <stdint.h>

struct fmt_spec {
	int width;
	bool zero_pad;
	bool left;
};

/* Emit s (len bytes) padded to the field width. */
static void fmt_emit(fmt_out_fn out, void *ctx, const char *s, int len,
		     const struct fmt_spec *spec)
{
	int pad = spec->width > len ? spec->width - len : 0;

	if (!spec->left)
		while (pad-- > 0)
			out(ctx, spec->zero_pad ? '0' : ' ');
	for (int i = 0; i < len; i++)
		out(ctx, s[i]);
	if (spec->left)
		while (pad-- > 0)
			out(ctx, ' ');
}

/*
 * Format v in base 10 or 16 behind prefix ("-", "0x" or ""). Zero padding
 * goes between the prefix and the digits; space padding before both.
 */
static void fmt_number(fmt_out_fn out, void *ctx, uint64_t v, const char *prefix,
		       unsigned base, bool upper, const struct fmt_spec *spec)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[26];
	int i = sizeof(buf), plen = 0;

	do {
		buf[--i] = digits[v % base];
		v /= base;
	} while (v);
	while (prefix[plen])
		plen++;
	if (spec->zero_pad && !spec->left) {
		struct fmt_spec rest = *spec;

		for (int k = 0; k < plen; k++)
			out(ctx, prefix[k]);
		rest.width = spec->width > plen ? spec->width - plen : 0;
		fmt_emit(out, ctx, buf + i, sizeof(buf) - i, &rest);
		return;
	}
	for (int k = plen; k > 0; k--)
		buf[--i] = prefix[k - 1];
	fmt_emit(out, ctx, buf + i, sizeof(buf) - i, spec);
}

/* Read an integer argument of the given length (0 int, 1 long, 2 long long). */
static uint64_t fmt_arg_unsigned(va_list *ap, int length)
{
	if (length >= 2)
		return va_arg(*ap, unsigned long long);
	if (length == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static int64_t fmt_arg_signed(va_list *ap, int length)
{
	if (length >= 2)
		return va_arg(*ap, long long);
	if (length == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

/* Format fmt with ap, writing each character through out. */
void fmt_format(fmt_out_fn out, void *ctx, const char *fmt, va_list ap0)
{
	va_list ap;

	va_copy(ap, ap0);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			out(ctx, *fmt);
			continue;
		}
		struct fmt_spec spec = { 0, false, false };
		int length = 0;

		fmt++;
		for (; *fmt == '0' || *fmt == '-'; fmt++)
			*fmt == '0' ? (spec.zero_pad = true) : (spec.left = true);
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			spec.width = spec.width * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			length++;   /* l and z: long; ll: long long */
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = fmt_arg_signed(&ap, length);
			fmt_number(out, ctx, v < 0 ? -(uint64_t)v : (uint64_t)v,
				   v < 0 ? "-" : "", 10, false, &spec);
			break;
		}
		case 'u':
			fmt_number(out, ctx, fmt_arg_unsigned(&ap, length), "", 10, false, &spec);
			break;
		case 'x':
		case 'X':
			fmt_number(out, ctx, fmt_arg_unsigned(&ap, length), "", 16,
				   *fmt == 'X', &spec);
			break;
		case 'p':
			fmt_number(out, ctx, (uintptr_t)va_arg(ap, void *), "0x", 16, false, &spec);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len = 0;

			if (!s)
				s = "(null)";
			while (s[len])
				len++;
			fmt_emit(out, ctx, s, len, &spec);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			fmt_emit(out, ctx, &c, 1, &spec);
			break;
		}
		case '%':
			out(ctx, '%');
			break;
		case 0:
			va_end(ap);
			return;
		default:
			out(ctx, '%');
			out(ctx, *fmt);
			break;
		}
	}
	va_end(ap);
}

struct fmt_buf {
	char *buf;
	size_t size;
	size_t len;
};

static void fmt_buf_put(void *ctx, char c)
{
	struct fmt_buf *b = ctx;

	if (b->len + 1 < b->size)
		b->buf[b->len] = c;
	b->len++;
}

/* Format into buf[size] (always NUL-terminated); return the untruncated length. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_buf b = { buf, size, 0 };

	fmt_format(fmt_buf_put, &b, fmt, ap);
	if (size)
		buf[b.len < size ? b.len : size - 1] = 0;
	return (int)b.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

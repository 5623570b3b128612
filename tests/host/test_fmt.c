/*
 * test_fmt.c — the kernel's formatter (kernel/lib/fmt.c) through snprintf
 * and vsnprintf, which in this binary are the kernel's, not the C
 * library's: conversions, length modifiers, width, padding, alignment,
 * truncation and the returned length.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include "unit.h"
#include "lib/fmt.h"

#define FMT_BUF_BYTES 128

/* snprintf into a roomy buffer must give exactly want, and return its length. */
#define CHECK_FMT(want, ...)                                            \
	do {                                                            \
		char buf_[FMT_BUF_BYTES];                               \
		int n_ = snprintf(buf_, sizeof(buf_), __VA_ARGS__);     \
		CHECK_STR(want, buf_);                                  \
		CHECK_EQ(strlen(want), n_);                             \
	} while (0)

UNIT_TEST(fmt_signed_decimal_prints_negatives_and_extremes)
{
	CHECK_FMT("0", "%d", 0);
	CHECK_FMT("42 -42", "%d %i", 42, -42);
	CHECK_FMT("2147483647 -2147483648", "%d %d", INT_MAX, INT_MIN);
	CHECK_FMT("-9223372036854775808", "%ld", LONG_MIN);
	CHECK_FMT("9223372036854775807", "%lld", LLONG_MAX);
	CHECK_FMT("-1", "%ld", -1L);
}

UNIT_TEST(fmt_unsigned_and_size_conversions_print_full_range)
{
	CHECK_FMT("4294967295", "%u", UINT_MAX);
	CHECK_FMT("18446744073709551615", "%lu", ULONG_MAX);
	CHECK_FMT("18446744073709551615", "%zu", SIZE_MAX);
	CHECK_FMT("4096", "%zu", (size_t)4096);
}

UNIT_TEST(fmt_hex_is_lower_or_upper_case_and_honours_long)
{
	CHECK_FMT("0", "%x", 0u);
	CHECK_FMT("deadbeef DEADBEEF", "%x %X", 0xDEADBEEFu, 0xDEADBEEFu);
	CHECK_FMT("123456789abcdef0", "%lx", 0x123456789ABCDEF0UL);
	CHECK_FMT("ffffffff", "%x", UINT_MAX);         /* int-sized without l */
}

UNIT_TEST(fmt_pointer_string_char_and_percent)
{
	const char *volatile null_str = NULL;          /* hidden from -Wformat */

	CHECK_FMT("0x1234", "%p", (void *)0x1234);
	CHECK_FMT("[abc]", "[%s]", "abc");
	CHECK_FMT("(null)", "%s", null_str);
	CHECK_FMT("", "%s", "");
	CHECK_FMT("A", "%c", 'A');
	CHECK_FMT("100%", "%d%%", 100);
	CHECK_FMT("x=7 s=hi c=z 0x1f", "x=%d s=%s c=%c 0x%x", 7, "hi", 'z', 31u);
}

UNIT_TEST(fmt_width_pads_on_the_left_with_spaces_or_zeros)
{
	CHECK_FMT("   42", "%5d", 42);
	CHECK_FMT("  -42", "%5d", -42);
	CHECK_FMT("00042", "%05d", 42);
	CHECK_FMT("-0042", "%05d", -42);               /* sign before the zeros */
	CHECK_FMT("000000ff", "%08x", 255u);
	CHECK_FMT("00000000deadbeef", "%016lx", 0xDEADBEEFUL);
	CHECK_FMT("  abc", "%5s", "abc");
	CHECK_FMT("    x", "%5c", 'x');
	CHECK_FMT("12345", "%3d", 12345);              /* width is a minimum */
}

UNIT_TEST(fmt_pointer_width_pads_the_whole_0x_value)
{
	CHECK_FMT("    0x1234", "%10p", (void *)0x1234);
	CHECK_FMT("0x1234    |", "%-10p|", (void *)0x1234);
}

UNIT_TEST(fmt_minus_flag_aligns_left_padding_with_spaces)
{
	CHECK_FMT("42   |", "%-5d|", 42);
	CHECK_FMT("-42  |", "%-5d|", -42);
	CHECK_FMT("abc   |", "%-6s|", "abc");
	CHECK_FMT("ff   |", "%-5x|", 255u);
}

UNIT_TEST(fmt_truncates_but_returns_the_full_length_and_terminates)
{
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	CHECK_EQ(11, snprintf(buf, 5, "hello %s", "world"));
	CHECK_STR("hell", buf);
	CHECK_EQ('X', buf[5]);                         /* nothing past size written */
	CHECK_EQ(5, snprintf(buf, 6, "%d", 12345));    /* exactly fits */
	CHECK_STR("12345", buf);
	CHECK_EQ(3, snprintf(buf, 1, "abc"));
	CHECK_STR("", buf);
}

UNIT_TEST(fmt_size_zero_writes_nothing_and_returns_the_length)
{
	char buf[4] = "XYZ";

	CHECK_EQ(9, snprintf(buf, 0, "%d", 123456789));
	CHECK_STR("XYZ", buf);
	CHECK_EQ(4, snprintf(NULL, 0, "%s", "abcd"));
}

/* harness_check.h: checks and scratch files shared by the harness's host tests
 * (test_harness.c, test_bench.c). A failed EXPECT_* records the first failure
 * of the running test in test_why; tmp_path names files in a scratch
 * directory made for the run; check_main runs a table of tests, prints "ok
 * name", "FAIL name: why" or "skip name: why" per test and ends with exactly
 * "N passed, N failed" (then ", N skipped" when asked or when a test skipped). */
#ifndef TESTS_HOST_HARNESS_CHECK_H
#define TESTS_HOST_HARNESS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* One entry of a test table; TEST(fn) names it after its function. */
struct check_test {
	void (*fn)(void);
	const char *name;
};
#define TEST(fn) { fn, #fn }

extern char tmp_dir[128];   /* the run's scratch directory */
extern bool test_failed;    /* the running test failed an expectation */
extern bool test_skipped;   /* the running test skipped itself; test_why says why */
extern char test_why[1024]; /* why it failed (the first failure) or skipped */

void expect_fail(int line, const char *expr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void expect_int(int line, const char *expr, long long expected, long long got);
void expect_str(int line, const char *expr, const char *expected, const char *got);

#define EXPECT_INT(expected, got) \
	expect_int(__LINE__, #got, (long long)(expected), (long long)(got))
#define EXPECT_STR(expected, got) expect_str(__LINE__, #got, (expected), (got))
#define EXPECT_TRUE(cond) expect_int(__LINE__, #cond, 1, !!(cond))

void expect_contains(int line, const char *expr, const char *haystack, const char *needle);
#define EXPECT_CONTAINS(haystack, needle) expect_contains(__LINE__, #haystack, haystack, needle)

const char *tmp_path(const char *name);
void file_write(const char *path, const char *text, mode_t mode);
void bytes_write(const char *path, const unsigned char *bytes, size_t n);
char *file_read(const char *path);
int main_capture(int (*main_fn)(int argc, char **argv), char **args, const char *out_name,
		 char **out);

int check_main(const struct check_test *tests, size_t count, const char *tmp_prefix,
	       void (*setup)(void), bool count_skipped);

#endif

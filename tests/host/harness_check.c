/* harness_check.c: checks and scratch files shared by the harness's host tests
 * (see harness_check.h). Owns the running test's state (test_failed,
 * test_skipped, test_why), the run's scratch directory and every path handed
 * out in it, and the loop that runs a test table and prints the summary. */
#include "harness_check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"
#include "strlist.h"

char tmp_dir[128];
bool test_failed, test_skipped;
char test_why[1024];
static struct strlist tmp_paths; /* every path tmp_path returned */

/* Records the first failed expectation of the running test. */
void expect_fail(int line, const char *expr, const char *fmt, ...)
{
	if (test_failed)
		return;
	test_failed = true;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(test_why, sizeof test_why, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof test_why)
		snprintf(test_why + n, sizeof test_why - (size_t)n, " (line %d: %s)", line, expr);
}

/* Checks two integers are equal. */
void expect_int(int line, const char *expr, long long expected, long long got)
{
	if (expected != got)
		expect_fail(line, expr, "expected %lld got %lld", expected, got);
}

/* Checks two strings are equal (got may be NULL). */
void expect_str(int line, const char *expr, const char *expected, const char *got)
{
	if (!got || strcmp(expected, got) != 0)
		expect_fail(line, expr, "expected \"%s\" got \"%s\"", expected, got ? got : "(null)");
}

/* Checks that haystack (NULL counts as empty) contains needle. */
void expect_contains(int line, const char *expr, const char *haystack, const char *needle)
{
	if (!haystack || !strstr(haystack, needle))
		expect_fail(line, expr, "expected \"...%s...\" got \"%s\"", needle,
			    haystack ? haystack : "(null)");
}

/* Writes bytes[0..n) to path (a failure fails the running test). */
void bytes_write(const char *path, const unsigned char *bytes, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(bytes, 1, n, f) != n || fclose(f) != 0)
		expect_fail(__LINE__, path, "cannot write %s", path);
}

/* Returns tmp_dir/name; the string lives until the end of the run. */
const char *tmp_path(const char *name)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof buf, "%s/%s", tmp_dir, name);
	if (strlist_push(&tmp_paths, buf) < 0)
		abort();
	return tmp_paths.items[tmp_paths.count - 1];
}

/* Writes text to path with the given mode. */
void file_write(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0 || chmod(path, mode) < 0)
		expect_fail(__LINE__, path, "cannot write %s: %s", path, strerror(errno));
}

/* Returns the malloc'd contents of path ("" if unreadable). */
char *file_read(const char *path)
{
	char *text = NULL;
	size_t bytes = 0;
	FILE *mem = open_memstream(&text, &bytes);
	FILE *f = fopen(path, "r");
	for (int c; f && (c = fgetc(f)) != EOF;)
		fputc(c, mem);
	if (f)
		fclose(f);
	fclose(mem);
	return text;
}

/* Runs main_fn(args) (NULL-terminated) in a child with stdout and stderr in
 * tmp_dir/out_name; returns its exit status and the output (malloc'd) in *out. */
int main_capture(int (*main_fn)(int argc, char **argv), char **args, const char *out_name,
		 char **out)
{
	const char *path = tmp_path(out_name);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		report_stream_set(NULL);
		int argc = 0;
		while (args[argc])
			argc++;
		_exit(main_fn(argc, args));
	}
	int status = -1;
	waitpid(pid, &status, 0);
	*out = file_read(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Removes dir and everything in it. */
static void tmp_remove(const char *dir)
{
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d));) {
		char path[PATH_MAX];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (unlink(path) < 0 && errno == EISDIR)
			tmp_remove(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Runs tests[0..count) in a fresh scratch directory made from tmp_prefix
 * ("<tmp_prefix>XXXXXX") after setup (if any), with the harness' own chatter
 * going to a file there; prints a line per test and the summary, which ends
 * with ", N skipped" when count_skipped or when a test skipped. The directory
 * is removed when nothing failed. Returns main's exit status. */
int check_main(const struct check_test *tests, size_t count, const char *tmp_prefix,
	       void (*setup)(void), bool count_skipped)
{
	const char *skips = count_skipped ? ", 0 skipped" : "";
	unsigned passed = 0, failed = 0, skipped = 0;
	snprintf(tmp_dir, sizeof tmp_dir, "%sXXXXXX", tmp_prefix);
	if (!mkdtemp(tmp_dir)) {
		printf("FAIL setup: mkdtemp: %s\n0 passed, 1 failed%s\n", strerror(errno), skips);
		return 1;
	}
	FILE *chatter = fopen(tmp_path("harness-output.txt"), "w");
	report_stream_set(chatter);
	if (setup)
		setup();
	for (size_t i = 0; i < count; i++) {
		test_failed = test_skipped = false;
		tests[i].fn();
		if (test_failed)
			printf("FAIL %s: %s\n", tests[i].name, test_why);
		else if (test_skipped)
			printf("skip %s: %s\n", tests[i].name, test_why);
		else
			printf("ok %s\n", tests[i].name);
		fflush(stdout);
		test_failed ? failed++ : test_skipped ? skipped++ : passed++;
	}
	report_stream_set(NULL);
	if (chatter)
		fclose(chatter);
	if (failed == 0)
		tmp_remove(tmp_dir);
	else
		printf("(kept %s for inspection)\n", tmp_dir);
	strlist_free(&tmp_paths);
	if (count_skipped || skipped > 0)
		printf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
	else
		printf("%u passed, %u failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}

/*
 * unit_main.c — the host unit-test runner: the test table, the checks'
 * failure reports, and main.
 *
 * Output goes through printf only: in this binary snprintf is the kernel's
 * (kernel/lib/fmt.c), which is under test.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"

#define UNIT_TESTS_MAX 256   /* tests one binary may register */

static struct {
	const char *name;
	unit_fn fn;
} unit_tests[UNIT_TESTS_MAX];
static size_t unit_ntests;
static const char *unit_current;
static jmp_buf unit_abort;

/* Called by UNIT_TEST's constructor, in the order the tests are defined. */
void unit_register(const char *name, unit_fn fn)
{
	if (unit_ntests == UNIT_TESTS_MAX) {
		fprintf(stderr, "unit: more than %d tests; raise UNIT_TESTS_MAX\n",
			UNIT_TESTS_MAX);
		exit(2);
	}
	unit_tests[unit_ntests].name = name;
	unit_tests[unit_ntests].fn = fn;
	unit_ntests++;
}

/* Start a failure line for the running test at file:line. */
static void unit_fail_begin(const char *file, int line)
{
	printf("FAIL %s: %s:%d: ", unit_current, file, line);
}

/* Finish the failure line and abandon the running test. */
static __attribute__((noreturn)) void unit_fail_end(void)
{
	printf("\n");
	longjmp(unit_abort, 1);
}

/* Decimal, and hex as well when the value looks like an address or mask. */
static void unit_print_int(long long v)
{
	printf("%lld", v);
	if (v > 0xFFFF)
		printf(" (0x%llx)", (unsigned long long)v);
}

void unit_fail_cond(const char *file, int line, const char *cond)
{
	unit_fail_begin(file, line);
	printf("expected %s to hold", cond);
	unit_fail_end();
}

void unit_check_eq(const char *file, int line, const char *expr, long long want,
		   long long got)
{
	if (want == got)
		return;
	unit_fail_begin(file, line);
	printf("expected ");
	unit_print_int(want);
	printf(" got ");
	unit_print_int(got);
	printf(" (%s)", expr);
	unit_fail_end();
}

/* Print s quoted, or NULL. */
static void unit_print_str(const char *s)
{
	if (s)
		printf("\"%s\"", s);
	else
		printf("NULL");
}

void unit_check_str(const char *file, int line, const char *expr, const char *want,
		    const char *got)
{
	if (want == got || (want && got && strcmp(want, got) == 0))
		return;
	unit_fail_begin(file, line);
	printf("expected ");
	unit_print_str(want);
	printf(" got ");
	unit_print_str(got);
	printf(" (%s)", expr);
	unit_fail_end();
}

/* Run one test; true if it passed. Kept apart from main's loop so no local
 * variable lives across the setjmp. */
static bool unit_run(size_t i)
{
	unit_current = unit_tests[i].name;
	if (setjmp(unit_abort) != 0)
		return false;
	unit_tests[i].fn();
	printf("ok   %s\n", unit_current);
	return true;
}

/* Run every test whose name contains argv[1] (all of them without it). */
int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : "";
	size_t passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);   /* lines reach the harness before a crash */
	for (size_t i = 0; i < unit_ntests; i++) {
		if (!strstr(unit_tests[i].name, filter))
			continue;
		if (unit_run(i))
			passed++;
		else
			failed++;
	}
	if (passed + failed == 0)
		fprintf(stderr, "unit: no test name contains \"%s\"\n", filter);
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed || passed == 0 ? 1 : 0;
}

/*
 * guest.h — the in-guest test framework (shape of xv6's usertests).
 *
 * The runner (runner.c) spawns each test listed in tests/guest/MANIFEST as
 * its own task running this same program with "--run NAME". A test is a
 * function `void test_NAME(void)`; it passes by returning. A failed check
 * prints `TEST NAME FAIL file:line: expected … got …` itself and ends the
 * task with GUEST_EXIT_REPORTED; the runner reports every other ending (a
 * crash, a timeout, another exit code) as a failure with the reason.
 *
 * Tests that need a task to misbehave spawn this program again with
 * "--helper NAME"; helpers are listed in a table in the test's file.
 */
#ifndef GUEST_H
#define GUEST_H

#include "mk.h"

#define GUEST_EXIT_REPORTED 2
#define GUEST_TEST_TIMEOUT_MS 5000    /* virtual ms: 1e6 instructions each under icount */

extern const char *guest_current_test;

void guest_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

#define EXPECT(cond) \
	do { if (!(cond)) guest_fail(__FILE__, __LINE__, "expected %s", #cond); } while (0)
#define EXPECT_EQ(want, got) \
	do { long _w = (long)(want), _g = (long)(got); \
	     if (_w != _g) guest_fail(__FILE__, __LINE__, "%s: expected %ld got %ld", #got, _w, _g); \
	} while (0)
#define EXPECT_KR(want, got) \
	do { kern_return_t _w = (want), _g = (got); \
	     if (_w != _g) guest_fail(__FILE__, __LINE__, "%s: expected %s got %s (%d)", #got, \
				     mk_strerror(_w), mk_strerror(_g), _g); \
	} while (0)

/* Helpers: misbehaving programs the tests start as separate tasks. */
struct guest_helper {
	const char *name;
	int (*fn)(int argc, char **argv);
};

/* This program's own ELF image (boot module 0), mapped once per task. */
void guest_image(const void **image, size_t *size);
/* Spawn this program as "--helper NAME [extra]"; returns its task handle. */
mach_port_name_t guest_spawn_helper(const char *name, const char *extra);
/* Spawn a helper and wait for its end (with the test timeout). */
struct task_status guest_run_helper(const char *name, const char *extra);

#endif

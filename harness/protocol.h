/* protocol.h: the line formats the harness reads: the guest test runner's
 * serial-console lines and a host unit-test binary's summary line.
 *
 * The guest runner prints, in order: SUITE begin <count>; per test, RUN <name>
 * as it starts, HEARTBEAT <name> after each wait slice in which the test did
 * not end (so a quiet serial line means a hung kernel, not a slow test), and
 * one TEST <name> ok|FAIL <reason>; finally SUITE end <passed> <failed>.
 * Only TEST lines are results. */
#ifndef MACHLAB_PROTOCOL_H
#define MACHLAB_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>

#define TEST_NAME_MAX_BYTES 64       /* a test name is at most 63 characters */
#define TEST_REASON_MAX_BYTES 256    /* longer failure reasons are truncated */

enum guest_line_kind {
	GUEST_LINE_OTHER,       /* anything else: only kept in the log */
	GUEST_LINE_TEST_OK,     /* TEST <name> ok */
	GUEST_LINE_TEST_FAIL,   /* TEST <name> FAIL <reason> */
	GUEST_LINE_SUITE_BEGIN, /* SUITE begin <count> */
	GUEST_LINE_SUITE_END,   /* SUITE end <passed> <failed> */
	GUEST_LINE_RUN,         /* RUN <name>: the test starts (not a result) */
	GUEST_LINE_HEARTBEAT,   /* HEARTBEAT <name>: it is still running (not a result) */
};

struct guest_line {
	enum guest_line_kind kind;
	char name[TEST_NAME_MAX_BYTES];
	char reason[TEST_REASON_MAX_BYTES]; /* "" when the guest gave none */
	unsigned count, passed, failed;     /* the SUITE numbers */
};

struct unit_counts {
	unsigned passed, failed, skipped;
};

bool test_name_valid(const char *name);
enum guest_line_kind guest_line_parse(const char *line, struct guest_line *out);
bool unit_summary_parse(const char *line, struct unit_counts *out);

#endif

/* protocol.c: strict parsers for the harness' line protocols. A line either
 * matches a format exactly (trailing blanks aside) or is "other": a truncated
 * or garbled result line is never half-believed. */
#include "protocol.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* A cursor over one line being parsed. */
struct lexer {
	const char *p;
	const char *end; /* trailing blanks already cut off */
};

/* Starts a lexer on line, ignoring trailing blanks and '\r'. */
static struct lexer lexer_start(const char *line)
{
	const char *end = line + strlen(line);
	while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	return (struct lexer){ .p = line, .end = end };
}

/* Consumes the exact text lit; false (nothing consumed) if it is not next. */
static bool lexer_literal(struct lexer *lx, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(lx->end - lx->p) < n || memcmp(lx->p, lit, n) != 0)
		return false;
	lx->p += n;
	return true;
}

/* Consumes a decimal number (digits only, fits an unsigned). */
static bool lexer_uint(struct lexer *lx, unsigned *out)
{
	unsigned long v = 0;
	const char *start = lx->p;
	for (; lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9'; lx->p++) {
		v = v * 10 + (unsigned long)(*lx->p - '0');
		if (v > UINT_MAX)
			return false;
	}
	*out = (unsigned)v;
	return lx->p > start;
}

/* Consumes a test name ([A-Za-z0-9_]+, shorter than TEST_NAME_MAX_BYTES). */
static bool lexer_name(struct lexer *lx, char out[TEST_NAME_MAX_BYTES])
{
	size_t n = strspn(lx->p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
	if (n > (size_t)(lx->end - lx->p))
		n = (size_t)(lx->end - lx->p);
	if (n == 0 || n >= TEST_NAME_MAX_BYTES)
		return false;
	memcpy(out, lx->p, n);
	out[n] = '\0';
	lx->p += n;
	return true;
}

/* True at the end of the line. */
static bool lexer_done(const struct lexer *lx)
{
	return lx->p == lx->end;
}

/* True when name is a valid test name. */
bool test_name_valid(const char *name)
{
	char copy[TEST_NAME_MAX_BYTES];
	struct lexer lx = { .p = name, .end = name + strlen(name) };
	return lexer_name(&lx, copy) && lexer_done(&lx);
}

/* Parses the rest of a "TEST <name> " line: "ok" or "FAIL [reason]". */
static enum guest_line_kind guest_line_parse_test(struct lexer *lx, struct guest_line *out)
{
	if (!lexer_name(lx, out->name) || !lexer_literal(lx, " "))
		return GUEST_LINE_OTHER;
	if (lexer_literal(lx, "ok"))
		return lexer_done(lx) ? GUEST_LINE_TEST_OK : GUEST_LINE_OTHER;
	if (!lexer_literal(lx, "FAIL"))
		return GUEST_LINE_OTHER;
	if (!lexer_done(lx) && !lexer_literal(lx, " "))
		return GUEST_LINE_OTHER; /* "FAILED", "FAILx" */
	snprintf(out->reason, sizeof out->reason, "%.*s", (int)(lx->end - lx->p), lx->p);
	return GUEST_LINE_TEST_FAIL;
}

/* Parses the rest of a "SUITE " line: "begin <n>" or "end <passed> <failed>". */
static enum guest_line_kind guest_line_parse_suite(struct lexer *lx, struct guest_line *out)
{
	if (lexer_literal(lx, "begin ") && lexer_uint(lx, &out->count) && lexer_done(lx))
		return GUEST_LINE_SUITE_BEGIN;
	if (lexer_literal(lx, "end ") && lexer_uint(lx, &out->passed) &&
	    lexer_literal(lx, " ") && lexer_uint(lx, &out->failed) && lexer_done(lx))
		return GUEST_LINE_SUITE_END;
	return GUEST_LINE_OTHER;
}

/* Parses the rest of a "RUN " or "HEARTBEAT " line: one test name, which is
 * all a line of this kind carries. */
static enum guest_line_kind guest_line_parse_named(struct lexer *lx, enum guest_line_kind kind,
						   struct guest_line *out)
{
	return lexer_name(lx, out->name) && lexer_done(lx) ? kind : GUEST_LINE_OTHER;
}

/* Classifies one serial-console line and extracts its fields into *out. */
enum guest_line_kind guest_line_parse(const char *line, struct guest_line *out)
{
	*out = (struct guest_line){ .kind = GUEST_LINE_OTHER };
	struct lexer lx = lexer_start(line);
	if (lexer_literal(&lx, "TEST "))
		out->kind = guest_line_parse_test(&lx, out);
	else if (lexer_literal(&lx, "SUITE "))
		out->kind = guest_line_parse_suite(&lx, out);
	else if (lexer_literal(&lx, "RUN "))
		out->kind = guest_line_parse_named(&lx, GUEST_LINE_RUN, out);
	else if (lexer_literal(&lx, "HEARTBEAT "))
		out->kind = guest_line_parse_named(&lx, GUEST_LINE_HEARTBEAT, out);
	return out->kind;
}

/* Parses "N passed, N failed" optionally followed by ", N skipped". */
bool unit_summary_parse(const char *line, struct unit_counts *out)
{
	struct lexer lx = lexer_start(line);
	*out = (struct unit_counts){ 0 };
	if (!lexer_uint(&lx, &out->passed) || !lexer_literal(&lx, " passed, ") ||
	    !lexer_uint(&lx, &out->failed) || !lexer_literal(&lx, " failed"))
		return false;
	if (lexer_done(&lx))
		return true;
	return lexer_literal(&lx, ", ") && lexer_uint(&lx, &out->skipped) &&
	       lexer_literal(&lx, " skipped") && lexer_done(&lx);
}

/* results.c: one target's result table (see results.h). */
#include "results.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

/* Sets t's outcome; the reason is copied. Returns 0 or -ENOMEM. */
static int test_result_set(struct test_result *t, bool passed, const char *reason)
{
	t->state = passed ? TEST_PASSED : TEST_FAILED;
	if (passed)
		return 0;
	t->reason = strdup(reason);
	return t->reason ? 0 : -ENOMEM;
}

/* Returns the entry named name in tests[0..count), or NULL. */
static struct test_result *test_result_find(struct test_result *tests, size_t count,
					    const char *name)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(tests[i].name, name) == 0)
			return &tests[i];
	return NULL;
}

/* Starts r with every name pending. Returns 0 or -ENOMEM. */
int results_init(struct results *r, const struct strlist *names)
{
	*r = (struct results){ 0 };
	r->tests = calloc(names->count ? names->count : 1, sizeof *r->tests);
	if (!r->tests)
		return -ENOMEM;
	for (; r->count < names->count; r->count++) {
		r->tests[r->count].name = strdup(names->items[r->count]);
		if (!r->tests[r->count].name)
			return -ENOMEM;
	}
	return 0;
}

/* Adds an extra failure for a name outside the manifest and returns it, or
 * NULL when out of memory. */
static struct test_result *results_add_extra(struct results *r, const char *name, bool passed,
					     const char *reason)
{
	struct test_result *extras = realloc(r->extras, (r->extra_count + 1) * sizeof *extras);
	if (!extras)
		return NULL;
	r->extras = extras;
	struct test_result *t = &extras[r->extra_count];
	*t = (struct test_result){ .name = strdup(name) };
	if (!t->name)
		return NULL;
	r->extra_count++;
	char why[TEST_REASON_MAX_BYTES + 64];
	snprintf(why, sizeof why, "not in the manifest (guest reported %s%s)",
		 passed ? "ok" : "FAIL: ", passed ? "" : reason);
	return test_result_set(t, false, why) == 0 ? t : NULL;
}

/* Records one reported result (reason is for failures) and returns what
 * became of it; *entry is set to the stored result when one was stored. */
enum results_outcome results_record(struct results *r, const char *name, bool passed,
				    const char *reason, const struct test_result **entry)
{
	struct test_result *t = test_result_find(r->tests, r->count, name);
	*entry = NULL;
	if (!t) {
		if (test_result_find(r->extras, r->extra_count, name))
			return RESULTS_DUPLICATE;
		*entry = results_add_extra(r, name, passed, reason);
		return *entry ? RESULTS_UNKNOWN : RESULTS_NO_MEMORY;
	}
	if (t->state != TEST_PENDING)
		return RESULTS_DUPLICATE;
	*entry = t;
	return test_result_set(t, passed, reason) == 0 ? RESULTS_RECORDED : RESULTS_NO_MEMORY;
}

/* Appends the names still without a result, in manifest order, to names.
 * Returns 0 or -ENOMEM. */
int results_missing(const struct results *r, struct strlist *names)
{
	for (size_t i = 0; i < r->count; i++)
		if (r->tests[i].state == TEST_PENDING && strlist_push(names, r->tests[i].name) < 0)
			return -ENOMEM;
	return 0;
}

/* Returns how many manifest names still have no result. */
size_t results_missing_count(const struct results *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->count; i++)
		n += r->tests[i].state == TEST_PENDING;
	return n;
}

/* Fails the first name without a result (the guest runs tests in order, so
 * that is the one that was running when the boot ended) and returns it, or
 * NULL if none is missing or memory ran out. */
const struct test_result *results_fail_next_missing(struct results *r, const char *reason)
{
	for (size_t i = 0; i < r->count; i++)
		if (r->tests[i].state == TEST_PENDING)
			return test_result_set(&r->tests[i], false, reason) == 0 ? &r->tests[i] : NULL;
	return NULL;
}

/* Counts passes and failures; a name still without a result counts as a
 * failure, so a test can never vanish from the totals. */
void results_count(const struct results *r, unsigned *passed, unsigned *failed)
{
	*passed = 0;
	*failed = (unsigned)r->extra_count;
	for (size_t i = 0; i < r->count; i++) {
		if (r->tests[i].state == TEST_PASSED)
			++*passed;
		else
			++*failed;
	}
}

/* Frees the names and reasons of tests[0..count) and the array. */
static void test_results_free(struct test_result *tests, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(tests[i].name);
		free(tests[i].reason);
	}
	free(tests);
}

/* Frees everything r holds. */
void results_free(struct results *r)
{
	test_results_free(r->tests, r->count);
	test_results_free(r->extras, r->extra_count);
	*r = (struct results){ 0 };
}

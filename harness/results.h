/* results.h: one target's test results and the rules that count them: one
 * result per manifest name (the first one counts), names the guest reports
 * that are not in the manifest are failures, and a name with no result is a
 * failure too. */
#ifndef MACHLAB_RESULTS_H
#define MACHLAB_RESULTS_H

#include <stdbool.h>
#include <stddef.h>

#include "strlist.h"

enum test_state { TEST_PENDING, TEST_PASSED, TEST_FAILED };

struct test_result {
	char *name;
	enum test_state state;
	char *reason; /* why it failed; NULL otherwise */
};

struct results {
	struct test_result *tests; /* one per manifest name, in manifest order */
	size_t count;
	struct test_result *extras; /* names the guest reported but the manifest lacks */
	size_t extra_count;
};

enum results_outcome {
	RESULTS_RECORDED,  /* first result for a manifest name */
	RESULTS_DUPLICATE, /* this name already had a result: ignored */
	RESULTS_UNKNOWN,   /* not in the manifest: recorded as an extra failure */
	RESULTS_NO_MEMORY,
};

int results_init(struct results *r, const struct strlist *names);
enum results_outcome results_record(struct results *r, const char *name, bool passed,
				    const char *reason, const struct test_result **entry);
int results_missing(const struct results *r, struct strlist *names);
size_t results_missing_count(const struct results *r);
const struct test_result *results_fail_next_missing(struct results *r, const char *reason);
void results_count(const struct results *r, unsigned *passed, unsigned *failed);
void results_free(struct results *r);

#endif

/* host_unit.h: running a host unit-test binary and folding its summary line
 * into the harness totals. */
#ifndef MACHLAB_HOST_UNIT_H
#define MACHLAB_HOST_UNIT_H

#include "proc.h"
#include "protocol.h"

#define HOST_UNIT_NAME "host-unit-tests" /* the failure's name when the binary breaks */

struct host_unit_result {
	struct unit_counts counts;
	char reason[256]; /* why the run itself counts as a failure; "" if it does not */
};

void host_unit_judge(const char *last_line, const struct proc_status *status,
		     struct host_unit_result *out);
void host_unit_run(const char *path, int timeout_ms, struct host_unit_result *out);

#endif

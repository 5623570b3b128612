/* jobs.h: running independent work items on a bounded number of threads
 * (one item per target: at most --jobs QEMU guests at a time). */
#ifndef MACHLAB_JOBS_H
#define MACHLAB_JOBS_H

#include <stddef.h>

typedef void (*jobs_fn)(void *ctx, size_t index);

void jobs_run(size_t count, unsigned jobs, jobs_fn fn, void *ctx);

#endif

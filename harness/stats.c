/* stats.c: nearest-rank statistics over unflagged samples (see stats.h). */
#include "stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* qsort order for uint64_t. */
static int stats_u64_compare(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Returns the nearest-rank percent-th percentile of sorted[0..n), n > 0. */
uint64_t stats_percentile(const uint64_t *sorted, size_t n, unsigned percent)
{
	/* ceil(n * percent / 100), split so that n * percent cannot overflow */
	size_t rank = n / 100 * percent + (n % 100 * percent + 99) / 100;
	return sorted[rank > 0 ? rank - 1 : 0];
}

/* Fills out from n values (left unchanged; a sorted copy is made) and the
 * count of flagged samples. Returns 0 or -ENOMEM. */
int stats_compute(const uint64_t *values, size_t n, size_t flagged, struct bench_stats *out)
{
	*out = (struct bench_stats){ .n = n, .flagged = flagged };
	if (n == 0)
		return 0;
	uint64_t *sorted = malloc(n * sizeof *sorted);
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, values, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, stats_u64_compare);
	out->min = sorted[0];
	out->median = stats_percentile(sorted, n, 50);
	out->p90 = stats_percentile(sorted, n, 90);
	out->p99 = stats_percentile(sorted, n, 99);
	out->max = sorted[n - 1];
	free(sorted);
	return 0;
}

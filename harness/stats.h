/* stats.h: the summary statistics of one group of samples.
 *
 * Percentiles use the nearest-rank definition: of n sorted values, the p-th
 * percentile is the value at 1-based rank ceil(p * n / 100). Every reported
 * figure is therefore a sample that occurred, never an interpolation. The
 * median is the 50th percentile: for an even n, the LOWER of the two middle
 * values (n = 2: the smaller one). With n = 0 there are no figures (the row
 * still exists, with only its flagged count). */
#ifndef MACHLAB_STATS_H
#define MACHLAB_STATS_H

#include <stddef.h>
#include <stdint.h>

struct bench_stats {
	size_t n; /* unflagged samples; the figures below are valid when n > 0 */
	uint64_t min, median, p90, p99, max;
	size_t flagged; /* samples left out because the guest flagged them */
};

uint64_t stats_percentile(const uint64_t *sorted, size_t n, unsigned percent);
int stats_compute(const uint64_t *values, size_t n, size_t flagged, struct bench_stats *out);

#endif

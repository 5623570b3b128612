/* report.h: everything the harness prints while running. Targets run in
 * parallel threads, so all output goes through here, one whole line at a
 * time. */
#ifndef MACHLAB_REPORT_H
#define MACHLAB_REPORT_H

#include <stdio.h>

void report_stream_set(FILE *stream);
void report_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

/* report.c: serialised, flushed line output (see report.h). */
#include "report.h"

#include <pthread.h>
#include <stdarg.h>

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *report_stream; /* NULL means stdout */

/* Sends all further output to stream (tests use a file). */
void report_stream_set(FILE *stream)
{
	pthread_mutex_lock(&report_lock);
	report_stream = stream;
	pthread_mutex_unlock(&report_lock);
}

/* Prints one line (a newline is added) and flushes it, so progress is seen
 * at once even through a pipe. */
void report_line(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&report_lock);
	FILE *out = report_stream ? report_stream : stdout;
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	fflush(out);
	pthread_mutex_unlock(&report_lock);
	va_end(ap);
}

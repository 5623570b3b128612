/* proc.h: running one child program with a wall-clock timeout (and, if asked,
 * a silence timeout: too long without an output line), its stdout and stderr
 * streamed back line by line. QEMU boots and host unit tests both run through
 * proc_run. */
#ifndef MACHLAB_PROC_H
#define MACHLAB_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strlist.h"

#define PROC_LINE_MAX_BYTES 4096 /* longer output lines are split */

typedef void (*proc_line_fn)(void *ctx, const char *line);
typedef void (*proc_tick_fn)(void *ctx);

struct proc_spec {
	char *const *argv;      /* argv[0] is searched in PATH unless it has a '/' */
	int timeout_ms;         /* wall clock; then the process group is killed */
	int silence_timeout_ms; /* this long without an output line: killed too; 0: none */
	proc_line_fn on_line;   /* each output line, without its "\r\n"; may be NULL */
	proc_tick_fn on_tick;   /* called every tick_interval_ms; may be NULL */
	int tick_interval_ms;
	void *ctx;              /* passed to on_line and on_tick */
};

struct proc_status {
	bool timed_out; /* killed by us at the deadline */
	bool silent;    /* killed by us after silence_timeout_ms without a line */
	bool exited;    /* exit_code is valid */
	int exit_code;
	int term_signal; /* the signal that ended it, when !exited */
};

int proc_run(const struct proc_spec *spec, struct proc_status *status);
int proc_capture(char *const *argv, int timeout_ms, struct strlist *lines);
int proc_path_resolve(const char *name, char *out, size_t out_bytes);
int64_t proc_clock_ms(void);

#endif

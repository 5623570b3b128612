/* proc.c: child processes for the harness. A child gets its own process group,
 * stdin from /dev/null and stdout+stderr into one pipe that we read with poll()
 * until EOF, the deadline or, when asked, a silence (no output line for
 * silence_timeout_ms: the child hangs); at either of the last two the whole
 * group gets SIGKILL.
 * Targets run in parallel threads, so every descriptor we create is
 * close-on-exec (another thread's child must never inherit our pipe, or our
 * EOF would wait for its exit), and the child between fork and exec only makes
 * async-signal-safe calls. */
#define _GNU_SOURCE /* pipe2(); the only portable alternative races with fork */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROC_READ_CHUNK_BYTES 4096
#define PROC_REAP_POLL_MS 10 /* how often we check for exit after EOF */
#define PROC_EXIT_EXEC_FAILED 127

struct line_buf {
	char data[PROC_LINE_MAX_BYTES];
	size_t len;
	int64_t last_line_ms; /* when the last line was emitted (or reading began) */
};

/* Returns the monotonic clock in milliseconds. */
int64_t proc_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Finds an executable like execvp would, but in the parent (execvp is not
 * async-signal-safe). Returns 0 with the path in out, or -errno. */
int proc_path_resolve(const char *name, char *out, size_t out_bytes)
{
	if (strchr(name, '/')) {
		if (access(name, X_OK) < 0)
			return -errno;
		if ((size_t)snprintf(out, out_bytes, "%s", name) >= out_bytes)
			return -ENAMETOOLONG;
		return 0;
	}
	const char *path = getenv("PATH");
	for (const char *dir = path ? path : "/usr/bin:/bin"; *dir;) {
		size_t len = strcspn(dir, ":");
		int n = snprintf(out, out_bytes, "%.*s/%s", (int)len, len ? dir : ".", name);
		if (n > 0 && (size_t)n < out_bytes && access(out, X_OK) == 0)
			return 0;
		dir += len + (dir[len] == ':');
	}
	return -ENOENT;
}

/* Hands the buffered line (without trailing '\r') to the caller. */
static void line_buf_emit(struct line_buf *lb, const struct proc_spec *spec)
{
	while (lb->len > 0 && lb->data[lb->len - 1] == '\r')
		lb->len--;
	lb->data[lb->len] = '\0';
	if (spec->on_line)
		spec->on_line(spec->ctx, lb->data);
	lb->len = 0;
	lb->last_line_ms = proc_clock_ms();
}

/* Splits raw output into lines; NUL bytes become '?' so lines stay strings. */
static void line_buf_feed(struct line_buf *lb, const char *bytes, size_t n,
			  const struct proc_spec *spec)
{
	for (size_t i = 0; i < n; i++) {
		if (bytes[i] == '\n') {
			line_buf_emit(lb, spec);
			continue;
		}
		lb->data[lb->len++] = bytes[i] ? bytes[i] : '?';
		if (lb->len == sizeof lb->data - 1)
			line_buf_emit(lb, spec);
	}
}

/* Forks and execs path in a new process group with output into out_fd.
 * Returns the pid or -1 with errno set. */
static pid_t proc_spawn(const char *path, char *const *argv, int out_fd)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0) {
		if (pid > 0)
			setpgid(pid, pid); /* also done by the child: no race either way */
		return pid;
	}
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* no orphaned guests if we die */
	if (getppid() != parent)
		_exit(PROC_EXIT_EXEC_FAILED);
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		_exit(PROC_EXIT_EXEC_FAILED);
	execv(path, argv);
	static const char msg[] = "machlab: exec failed\n";
	(void)!write(2, msg, sizeof msg - 1);
	_exit(PROC_EXIT_EXEC_FAILED);
}

/* How proc_pump stopped reading. */
enum proc_pump_end {
	PROC_PUMP_EOF,      /* the child closed its output */
	PROC_PUMP_DEADLINE, /* the wall-clock deadline passed */
	PROC_PUMP_SILENT,   /* silence_timeout_ms passed without an output line */
};

/* Returns when the silence watchdog fires: silence_timeout_ms after the last
 * line (or the start), or never when the spec asks for no watchdog. */
static int64_t proc_silence_deadline(const struct line_buf *lb, const struct proc_spec *spec)
{
	return spec->silence_timeout_ms > 0 ? lb->last_line_ms + spec->silence_timeout_ms
					    : INT64_MAX;
}

/* Reads fd until EOF, the deadline or too long a silence, feeding lines and
 * ticks to the caller. Says which of the three ended it. */
static enum proc_pump_end proc_pump(int fd, int64_t deadline_ms, const struct proc_spec *spec)
{
	struct line_buf lb = { .len = 0, .last_line_ms = proc_clock_ms() };
	int64_t tick_ms = spec->on_tick ? spec->tick_interval_ms : 0;
	int64_t next_tick_ms = tick_ms > 0 ? proc_clock_ms() + tick_ms : INT64_MAX;
	enum proc_pump_end end = PROC_PUMP_DEADLINE;
	for (int64_t now = proc_clock_ms(); now < deadline_ms; now = proc_clock_ms()) {
		int64_t silence_ms = proc_silence_deadline(&lb, spec);
		if (now >= silence_ms) {
			end = PROC_PUMP_SILENT;
			break;
		}
		if (now >= next_tick_ms) {
			spec->on_tick(spec->ctx);
			next_tick_ms += tick_ms;
		}
		int64_t wake_ms = deadline_ms < next_tick_ms ? deadline_ms : next_tick_ms;
		wake_ms = silence_ms < wake_ms ? silence_ms : wake_ms;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, (int)(wake_ms - now)) <= 0)
			continue; /* timeout or EINTR: the loop re-checks the clock */
		char buf[PROC_READ_CHUNK_BYTES];
		ssize_t got = read(fd, buf, sizeof buf);
		if (got > 0) {
			line_buf_feed(&lb, buf, (size_t)got, spec);
		} else if (got == 0 || errno != EINTR) {
			end = PROC_PUMP_EOF;
			break;
		}
	}
	if (lb.len > 0)
		line_buf_emit(&lb, spec);
	return end;
}

/* Fills status from a waitpid() status word. */
static void proc_status_decode(int wstatus, struct proc_status *status)
{
	status->exited = WIFEXITED(wstatus);
	status->exit_code = status->exited ? WEXITSTATUS(wstatus) : -1;
	status->term_signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
}

/* Waits for pid until the deadline; past it, kills the process group. The
 * group is killed before the reap, so its id cannot have been reused. */
static void proc_reap(pid_t pid, int64_t deadline_ms, struct proc_status *status)
{
	int wstatus = 0;
	pid_t got;
	while (((got = waitpid(pid, &wstatus, WNOHANG)) == 0 || (got < 0 && errno == EINTR)) &&
	       proc_clock_ms() < deadline_ms)
		nanosleep(&(struct timespec){ .tv_nsec = PROC_REAP_POLL_MS * 1000000L }, NULL);
	if (got <= 0) {
		status->timed_out = true;
		kill(-pid, SIGKILL);
		while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
			;
	}
	proc_status_decode(wstatus, status);
}

/* Runs spec->argv to completion or timeout. Returns 0 with status filled in,
 * or -errno when the program could not be started. */
int proc_run(const struct proc_spec *spec, struct proc_status *status)
{
	char path[PATH_MAX];
	int rc = proc_path_resolve(spec->argv[0], path, sizeof path);
	if (rc < 0)
		return rc;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	int64_t deadline_ms = proc_clock_ms() + spec->timeout_ms;
	pid_t pid = proc_spawn(path, spec->argv, fds[1]);
	int spawn_errno = errno;
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return -spawn_errno;
	}
	*status = (struct proc_status){ 0 };
	enum proc_pump_end end = proc_pump(fds[0], deadline_ms, spec);
	close(fds[0]);
	if (end != PROC_PUMP_EOF) {
		*(end == PROC_PUMP_SILENT ? &status->silent : &status->timed_out) = true;
		kill(-pid, SIGKILL);
	}
	proc_reap(pid, deadline_ms, status);
	return 0;
}

/* Appends one output line to the strlist in ctx. */
static void proc_line_collect(void *ctx, const char *line)
{
	strlist_push(ctx, line);
}

/* Runs argv to completion within timeout_ms, its output lines appended to
 * lines (dropped when lines is NULL). Returns the exit code, or -1 when it
 * could not start, timed out or died of a signal (for programs whose only
 * interesting results are their exit code and output). */
int proc_capture(char *const *argv, int timeout_ms, struct strlist *lines)
{
	struct strlist dropped = { 0 };
	struct proc_spec spec = { .argv = argv, .timeout_ms = timeout_ms,
				  .on_line = proc_line_collect, .ctx = lines ? lines : &dropped };
	struct proc_status status;
	int rc = proc_run(&spec, &status);
	strlist_free(&dropped);
	return rc == 0 && status.exited && !status.timed_out ? status.exit_code : -1;
}

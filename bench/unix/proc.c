/*
 * proc.c — processes: fork + exit + wait, fork + execve + wait, and the
 * helpers the other benchmarks use to start and reap their child processes.
 */
#include "unix_bench.h"

#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define FORK_EST_INSN       200000   /* fork + exit + wait, for bench_plan_for */
#define FORK_EXEC_EST_INSN  500000   /* fork + execve of a static program + wait */
#define EXIT_EXEC_FAILED    127      /* a child whose execve failed exits with this */
#define WHAT_BYTES_MAX      96

/* fork; the child runs fn(arg) and exits 0 (unix_bench.h). */
pid_t bench_spawn(const char *name, void (*fn)(void *arg), void *arg)
{
	pid_t pid = fork();

	if (pid < 0)
		bench_fail(name, "fork", errno);
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	return pid;
}

/* waitpid; anything but exit status 0 fails the benchmark with the status (unix_bench.h). */
void bench_reap(const char *name, pid_t pid)
{
	char what[WHAT_BYTES_MAX];
	int status;

	if (waitpid(pid, &status, 0) != pid)
		bench_fail(name, "waitpid", errno);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	if (WIFEXITED(status))
		snprintf(what, sizeof(what), "child %d (exit status %d)", (int)pid, WEXITSTATUS(status));
	else
		snprintf(what, sizeof(what), "child %d (killed by signal %d)", (int)pid,
			 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	bench_fail(name, what, ECHILD);
}

/* The child of fork_exit_wait: nothing to do (bench_spawn exits). */
static void child_exit_now(void *arg)
{
	(void)arg;
}

/* One sample: fork, the child exits, wait. */
static void fork_exit_wait_op(void *ctx)
{
	(void)ctx;
	bench_reap("fork_exit_wait", bench_spawn("fork_exit_wait", child_exit_now, NULL));
}

/* fork_exit_wait. */
void bench_fork_exit_wait(void)
{
	bench_measure("fork_exit_wait", BENCH_NO_PARAM, bench_plan_for(FORK_EST_INSN),
		      fork_exit_wait_op, NULL);
}

/* The child of fork_exec_wait: become /bin/tiny (or exit EXIT_EXEC_FAILED). */
static void child_exec_tiny(void *arg)
{
	char *const argv[] = { TINY_PATH, NULL };
	char *const envp[] = { NULL };

	(void)arg;
	execve(TINY_PATH, argv, envp);
	_exit(EXIT_EXEC_FAILED);
}

/* One sample: fork, the child execs tiny, wait (status 0 checked). */
static void fork_exec_wait_op(void *ctx)
{
	(void)ctx;
	bench_reap("fork_exec_wait", bench_spawn("fork_exec_wait", child_exec_tiny, NULL));
}

/* fork_exec_wait: tiny must be there before anything is timed. */
void bench_fork_exec_wait(void)
{
	if (access(TINY_PATH, X_OK) != 0)
		bench_fail("fork_exec_wait", "access " TINY_PATH, errno);
	bench_measure("fork_exec_wait", BENCH_NO_PARAM, bench_plan_for(FORK_EXEC_EST_INSN),
		      fork_exec_wait_op, NULL);
}

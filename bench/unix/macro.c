/*
 * macro.c — macro_shell: the AIM-like shell workload (macro/script.sh) run
 * by busybox sh, one whole run per sample.
 *
 * A sample forks; the child enters its own fresh directory /tmp/macro.<i>
 * (made before timing), sends stdout and stderr to /tmp/macro.<i>.out and
 * execs /bin/busybox sh on the script; the parent waits. Whole runs always
 * span timer interrupts, so samples are never flagged (keep_disturbed).
 * After timing, every run must have exited 0 and printed exactly
 * expected.out (made on the build host with the same busybox), so a wrong
 * result can never pass as a fast one.
 */
#include "unix_bench.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MACRO_NAME          "macro_shell"
#define MACRO_EST_INSN      (136UL * 1000 * 1000)  /* measured on Linux 6.1 */
#define MACRO_RUNS_MAX      64       /* warm-up + samples of one measurement */
#define MACRO_PATH_BYTES    64
#define BUSYBOX_PATH        "/bin/busybox"
#define SCRIPT_PATH         "/etc/machlab/macro/script.sh"
#define EXPECTED_PATH       "/etc/machlab/macro/expected.out"
#define DEV_NULL_PATH       "/dev/null"
#define OUTPUT_BYTES_MAX    65536    /* the script prints a few KiB */
#define SHOWN_LINE_BYTES    80       /* of a differing line, in the failure message */
#define WHAT_BYTES_MAX      320
#define NFTW_FDS            16
#define DIR_MODE            0755
#define FILE_MODE           0644
#define EXIT_CHILD_SETUP    126      /* the child failed before execve */
#define EXIT_EXEC_FAILED    127

/* The runs of one measurement: their directories, output files and exit statuses. */
struct macro_ctx {
	int runs;
	int next;
	char dir[MACRO_RUNS_MAX][MACRO_PATH_BYTES];
	char out[MACRO_RUNS_MAX][MACRO_PATH_BYTES];
	int status[MACRO_RUNS_MAX];
};

static struct macro_ctx macro;
static char expected_buf[OUTPUT_BYTES_MAX + 1];
static char output_buf[OUTPUT_BYTES_MAX + 1];

/* In the child: enter dir, output to out, stdin from /dev/null, exec the script. */
static void macro_child(const char *dir, const char *out)
{
	static char *const argv[] = { BUSYBOX_PATH, "sh", SCRIPT_PATH, NULL };
	static char *const envp[] = { "PATH=/bin", "HOME=/", "TERM=dumb", NULL };
	int in_fd = open(DEV_NULL_PATH, O_RDONLY);
	int out_fd = open(out, O_CREAT | O_TRUNC | O_WRONLY, FILE_MODE);

	if (in_fd < 0 || out_fd < 0 || chdir(dir) != 0 || dup2(in_fd, STDIN_FILENO) < 0 ||
	    dup2(out_fd, STDOUT_FILENO) < 0 || dup2(out_fd, STDERR_FILENO) < 0)
		_exit(EXIT_CHILD_SETUP);
	close(in_fd);
	close(out_fd);
	execve(BUSYBOX_PATH, argv, envp);
	_exit(EXIT_EXEC_FAILED);
}

/* One run of the script, waited for; its status is checked after timing. */
static void macro_op(void *ctx)
{
	struct macro_ctx *m = ctx;
	int i = m->next++;
	pid_t pid;

	if (i >= m->runs)
		bench_fail(MACRO_NAME, "run (more runs than prepared directories)", ENOMEM);
	pid = fork();
	if (pid < 0)
		bench_fail(MACRO_NAME, "fork", errno);
	if (pid == 0)
		macro_child(m->dir[i], m->out[i]);
	if (waitpid(pid, &m->status[i], 0) != pid)
		bench_fail(MACRO_NAME, "waitpid", errno);
}

/* Name and make the runs' fresh directories (untimed). */
static void macro_prepare(struct macro_ctx *m, struct bench_plan plan)
{
	m->runs = plan.warmup + plan.samples;
	m->next = 0;
	if (m->runs > MACRO_RUNS_MAX)
		bench_fail(MACRO_NAME, "plan (more runs than MACRO_RUNS_MAX)", E2BIG);
	for (int i = 0; i < m->runs; i++) {
		snprintf(m->dir[i], MACRO_PATH_BYTES, TMP_DIR "/macro.%d", i);
		snprintf(m->out[i], MACRO_PATH_BYTES, TMP_DIR "/macro.%d.out", i);
		if (mkdir(m->dir[i], DIR_MODE) != 0)
			bench_fail(MACRO_NAME, "mkdir of a run directory in " TMP_DIR, errno);
	}
}

/* The whole of path into buf (NUL-terminated); its length. */
static size_t file_slurp(const char *path, char *buf)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		bench_fail(MACRO_NAME, path, errno);
	while (len < OUTPUT_BYTES_MAX && (n = read(fd, buf + len, OUTPUT_BYTES_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len == OUTPUT_BYTES_MAX)
		bench_fail(MACRO_NAME, "read of an output larger than OUTPUT_BYTES_MAX", EFBIG);
	buf[len] = '\0';
	return len;
}

/* Copy the line starting at p (at most SHOWN_LINE_BYTES - 1 bytes) into shown. */
static void line_show(const char *p, char shown[SHOWN_LINE_BYTES])
{
	size_t n = strcspn(p, "\n");

	if (n >= SHOWN_LINE_BYTES)
		n = SHOWN_LINE_BYTES - 1;
	memcpy(shown, p, n);
	shown[n] = '\0';
}

/* Fail with the first line where got differs from want (they differ somewhere). */
static void output_mismatch(const char *path, const char *got, const char *want)
{
	char what[WHAT_BYTES_MAX], got_line[SHOWN_LINE_BYTES], want_line[SHOWN_LINE_BYTES];
	size_t at = 0, line_start = 0;
	int line = 1;

	while (got[at] && got[at] == want[at]) {
		if (got[at] == '\n') {
			line++;
			line_start = at + 1;
		}
		at++;
	}
	line_show(got + line_start, got_line);
	line_show(want + line_start, want_line);
	snprintf(what, sizeof(what), "output check (%s line %d is '%s', expected.out has '%s')",
		 path, line, got_line, want_line);
	bench_fail(MACRO_NAME, what, EBADMSG);
}

/* Remove one entry of a run's tree (nftw, depth first). */
static int tree_remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* Check every run's exit status and output, then remove its directory and output. */
static void macro_check(const struct macro_ctx *m)
{
	char what[WHAT_BYTES_MAX];
	size_t want_len = file_slurp(EXPECTED_PATH, expected_buf);

	for (int i = 0; i < m->runs; i++) {
		int st = m->status[i];

		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			snprintf(what, sizeof(what), "script run %d (%s %d; its output: %s)", i,
				 WIFEXITED(st) ? "exit status" : "killed by signal",
				 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), m->out[i]);
			bench_fail(MACRO_NAME, what, ECHILD);
		}
		if (file_slurp(m->out[i], output_buf) != want_len || memcmp(output_buf, expected_buf, want_len))
			output_mismatch(m->out[i], output_buf, expected_buf);
		if (nftw(m->dir[i], tree_remove_entry, NFTW_FDS, FTW_DEPTH | FTW_PHYS) != 0)
			bench_fail(MACRO_NAME, "removing a run directory", errno);
		unlink(m->out[i]);
	}
}

/* macro_shell: prepare the run directories, time the runs, then check every output. */
void bench_macro_shell(void)
{
	struct bench_plan plan = bench_plan_for(MACRO_EST_INSN);

	plan.keep_disturbed = true;
	if (access(BUSYBOX_PATH, X_OK) != 0)
		bench_fail(MACRO_NAME, "access " BUSYBOX_PATH, errno);
	macro_prepare(&macro, plan);
	bench_measure(MACRO_NAME, BENCH_NO_PARAM, plan, macro_op, &macro);
	macro_check(&macro);
}

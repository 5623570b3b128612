/*
 * init.c — /init of the root archive (bench/unix/ROOT): process 1, run by
 * the kernel with the words after `--` on its command line as arguments.
 *
 *   /init bench [--quick] NAME...  run /bin/unix-bench [--quick] NAME...;
 *                                  machine exit 0 when it exits 0, else 1
 *   /init run                      run the program whose argv is in
 *                                  /etc/machlab/run.argv, framed by
 *                                  \001MACHLAB records; machine exit 0
 *
 * Both mount proc on /proc and tmpfs on /tmp, give the child fd 0/1/2 on
 * /dev/console (in run mode fd 0 is /dev/null: the console has no input)
 * and the environment PATH=/bin HOME=/ TERM=dumb. The machine
 * exit is QEMU's isa-debug-exit device (QEMU exits with (value << 1) | 1,
 * as for the microkernel), else power-off. Process 1 must never return:
 * the kernel panics when it exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define CONSOLE_PATH        "/dev/console"
#define NULL_PATH           "/dev/null"
#define BENCH_PATH          "/bin/unix-bench"
#define RUN_ARGV_PATH       "/etc/machlab/run.argv"
#define RUN_ARGV_BYTES_MAX  65536
#define RUN_ARGS_MAX        256
#define BENCH_ARGS_MAX      64
#define DEBUG_EXIT_PORT     0xf4     /* QEMU isa-debug-exit, iobase=0xf4 */
#define DEBUG_EXIT_PORTS    4        /* its iosize */
#define EXIT_CLEAN          0
#define EXIT_FAILED         1
#define DIR_MODE            0755
#define RECORD              "\001MACHLAB "  /* run mode's records start with byte 0x01 */

static char *const child_env[] = { "PATH=/bin", "HOME=/", "TERM=dumb", NULL };
static char run_argv_buf[RUN_ARGV_BYTES_MAX + 1];

/* Leave the machine with value as QEMU's exit code ((value << 1) | 1); never returns. */
static void machine_exit(int value)
{
	fflush(stdout);
	tcdrain(STDOUT_FILENO);  /* the serial port has sent everything */
	if (ioperm(DEBUG_EXIT_PORT, DEBUG_EXIT_PORTS, 1) == 0)
		outl((unsigned)value, DEBUG_EXIT_PORT);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

/* fd 0, 1 and 2 on the console (the kernel may have opened them already). */
static void console_open(void)
{
	int fd = open(CONSOLE_PATH, O_RDWR | O_NOCTTY);

	if (fd < 0)
		return;  /* keep what the kernel gave us: there is nowhere else to print */
	for (int i = STDIN_FILENO; i <= STDERR_FILENO; i++)
		dup2(fd, i);
	if (fd > STDERR_FILENO)
		close(fd);
}

/* Mount fstype on dir (made if missing); a failure is reported, not fatal. */
static void mount_at(const char *fstype, const char *dir)
{
	if (mkdir(dir, DIR_MODE) != 0 && errno != EEXIST)
		printf("init: mkdir %s: %s\n", dir, strerror(errno));
	if (mount(fstype, dir, fstype, 0, NULL) != 0)
		printf("init: mount %s on %s: %s\n", fstype, dir, strerror(errno));
}

/* The file systems every mode needs: proc (interrupt counts, busybox) and a tmpfs /tmp. */
static void mounts_make(void)
{
	mount_at("proc", "/proc");
	mount_at("tmpfs", "/tmp");
}

/* Describe a wait status as "exited with status N" / "killed by signal N" into buf. */
static void status_describe(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
	else
		snprintf(buf, size, "killed by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* bench mode: run unix-bench with our arguments; machine exit 0 only when it exits 0. */
static void mode_bench(int argc, char **argv)
{
	char *args[BENCH_ARGS_MAX + 2] = { BENCH_PATH };
	char how[64];
	int status, n = 0;
	pid_t pid;

	if (argc > BENCH_ARGS_MAX) {
		printf("init: bench: more than %d arguments\n", BENCH_ARGS_MAX);
		machine_exit(EXIT_FAILED);
	}
	for (int i = 0; i < argc; i++)
		args[1 + i] = argv[i];
	mounts_make();
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execve(BENCH_PATH, args, child_env);
		printf("init: execve %s: %s\n", BENCH_PATH, strerror(errno));
		fflush(stdout);
		_exit(EXIT_FAILED);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		printf("init: %s %s: %s\n", pid < 0 ? "fork" : "waitpid", BENCH_PATH, strerror(errno));
		machine_exit(EXIT_FAILED);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		machine_exit(EXIT_CLEAN);
	status_describe(status, how, sizeof(how));
	printf("init: %s", BENCH_PATH);
	for (; n < argc; n++)
		printf(" %s", argv[n]);
	printf(": %s\n", how);
	machine_exit(EXIT_FAILED);
}

/* run mode's error record; the machine exit is still clean (the host reads the record). */
static void run_error(const char *what, const char *detail)
{
	printf(RECORD "error %s: %s\n", what, detail);
	machine_exit(EXIT_CLEAN);
}

/* Split the NUL-terminated arguments of run.argv into args; their count. */
static int run_argv_read(char **args)
{
	int fd = open(RUN_ARGV_PATH, O_RDONLY);
	size_t len = 0;
	ssize_t n;
	int count = 0;

	if (fd < 0)
		run_error(RUN_ARGV_PATH, strerror(errno));
	while (len < RUN_ARGV_BYTES_MAX && (n = read(fd, run_argv_buf + len, RUN_ARGV_BYTES_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len == 0)
		run_error(RUN_ARGV_PATH, "empty");
	if (len == RUN_ARGV_BYTES_MAX)
		run_error(RUN_ARGV_PATH, "larger than 64 KiB");
	if (run_argv_buf[len - 1] != '\0')
		run_error(RUN_ARGV_PATH, "the last argument is not terminated by a NUL byte");
	for (size_t at = 0; at < len; at += strlen(run_argv_buf + at) + 1) {
		if (count == RUN_ARGS_MAX)
			run_error(RUN_ARGV_PATH, "more than 256 arguments");
		args[count++] = run_argv_buf + at;
	}
	args[count] = NULL;
	return count;
}

/* The console passes bytes through as written (no \n -> \r\n). */
static void console_raw_output(void)
{
	struct termios t;

	if (tcgetattr(STDOUT_FILENO, &t) != 0)
		return;  /* not a terminal: nothing translates */
	t.c_oflag &= ~(tcflag_t)OPOST;
	tcsetattr(STDOUT_FILENO, TCSANOW, &t);
}

/*
 * Fork and exec args; an execve failure comes back through a close-on-exec
 * pipe (its errno), so it is reported as an error record, not as an exit.
 */
static void run_program(char **args)
{
	int report[2], status, exec_errno = 0;
	pid_t pid;

	if (pipe2(report, O_CLOEXEC) != 0)
		run_error("pipe", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		run_error("fork", strerror(errno));
	if (pid == 0) {
		int null_fd = open(NULL_PATH, O_RDONLY);

		close(report[0]);
		if (null_fd >= 0 && null_fd != STDIN_FILENO) {
			dup2(null_fd, STDIN_FILENO);  /* the console has no input to give */
			close(null_fd);
		}
		execve(args[0], args, child_env);
		exec_errno = errno;
		write(report[1], &exec_errno, sizeof(exec_errno));
		_exit(EXIT_FAILED);
	}
	close(report[1]);
	if (read(report[0], &exec_errno, sizeof(exec_errno)) == sizeof(exec_errno)) {
		waitpid(pid, &status, 0);
		run_error(args[0], strerror(exec_errno));
	}
	close(report[0]);
	if (waitpid(pid, &status, 0) != pid)
		run_error("waitpid", strerror(errno));
	if (WIFEXITED(status))
		printf(RECORD "exit %d\n", WEXITSTATUS(status));
	else
		printf(RECORD "signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	machine_exit(EXIT_CLEAN);
}

/* run mode: one program from run.argv, in / with the fixed environment. */
static void mode_run(void)
{
	char *args[RUN_ARGS_MAX + 1];

	mounts_make();
	console_raw_output();
	if (chdir("/") != 0)
		run_error("chdir /", strerror(errno));
	run_argv_read(args);
	printf(RECORD "run start\n");
	run_program(args);
}

/* Pick the mode from argv[1]; every path ends in machine_exit. */
int main(int argc, char **argv)
{
	console_open();
	if (argc >= 2 && strcmp(argv[1], "bench") == 0)
		mode_bench(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		mode_run();
	printf("usage: /init bench [--quick] NAME... | /init run (kernel command line: ... -- MODE ARGS)\n");
	machine_exit(EXIT_FAILED);
}

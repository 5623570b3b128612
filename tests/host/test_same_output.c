/*
 * test_same_output.c — the same static binaries print the same bytes on the
 * host, on the Linux target (build/linux) and under the microkernel's Unix
 * emulation with the server as a user task (build/default) and linked into
 * the kernel (build/unix-colocated), each run by `machlab run` (issue: Unix
 * emulation). Programs: tests/unix/same.c built with musl and with glibc
 * (build/unix/same-musl, same-glibc), and busybox sh running the macro
 * workload's script, compared with build/unix/macro.expected.out (made by
 * the same busybox on this host). Run from the checkout's root after
 * `make test` has built what it names; a missing input is a failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness_check.h"

#define MACHLAB        "build/host/machlab"
#define TARGET_LINUX   "build/linux"
/* the microkernel's targets: one for each value of the UNIX axis */
static const char *const targets_mk[] = { "build/default", "build/unix-colocated" };
#define TARGETS_MK     (sizeof targets_mk / sizeof targets_mk[0])
#define OUTPUT_MAX     (1 << 20)
#define MACRO_COMMAND  "mkdir /tmp/m && cd /tmp/m && sh /etc/machlab/macro/script.sh"

/* The stdout of command (run by sh), or NULL; *status its exit status. */
static char *command_output(const char *command, int *status)
{
	FILE *p = popen(command, "r");
	char *buf = calloc(1, OUTPUT_MAX + 1);
	size_t len = 0, n;

	if (!p || !buf) {
		if (p)
			pclose(p);
		free(buf);
		return NULL;
	}
	while (len < OUTPUT_MAX && (n = fread(buf + len, 1, OUTPUT_MAX - len, p)) > 0)
		len += n;
	*status = pclose(p);
	return buf;
}

/* Runs program with its arguments (a shell word list) on target; checks the
 * exit status is 0 and the output is want. */
static void expect_run_prints(const char *target, const char *program, const char *args,
			      const char *want)
{
	char command[1024];
	int status = -1;
	char *got;

	snprintf(command, sizeof command, MACHLAB " run --target %s --timeout 300 -- %s %s",
		 target, program, args);
	got = command_output(command, &status);
	if (!got) {
		expect_fail(__LINE__, command, "could not run it");
		return;
	}
	if (strcmp(got, want) != 0)
		expect_fail(__LINE__, command, "printed %zu bytes that differ from the host's %zu:\n"
			    "%.300s\n-- the host's --\n%.300s", strlen(got), strlen(want), got, want);
	EXPECT_INT(0, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	free(got);
}

/* program runs on the host, then on Linux and the microkernel: the same bytes. */
static void expect_same_everywhere(const char *program)
{
	const char *args = "alpha 'beta gamma'";
	char command[512];
	int status = -1;
	char *host;

	if (access(program, X_OK) != 0 || access(MACHLAB, X_OK) != 0) {
		expect_fail(__LINE__, program, "missing (make test builds it and " MACHLAB ")");
		return;
	}
	snprintf(command, sizeof command, "%s %s", program, args);
	host = command_output(command, &status);
	EXPECT_TRUE(host != NULL && status == 0 && strlen(host) > 100);
	if (!host)
		return;
	expect_run_prints(TARGET_LINUX, program, args, host);
	for (size_t k = 0; k < TARGETS_MK; k++)
		expect_run_prints(targets_mk[k], program, args, host);
	free(host);
}

static void musl_program_prints_the_same_on_the_host_linux_and_the_microkernel(void)
{
	expect_same_everywhere("build/unix/same-musl");
}

static void glibc_program_prints_the_same_on_the_host_linux_and_the_microkernel(void)
{
	expect_same_everywhere("build/unix/same-glibc");
}

/* busybox (as busybox-run: its name must start with "busybox", and /bin/busybox is
 * the archive's) runs the macro script: the host's expected output on both. */
static void macro_script_prints_the_hosts_output_on_linux_and_the_microkernel(void)
{
	char *want = file_read("build/unix/macro.expected.out");
	const char *copy = tmp_path("busybox-run");
	char command[512];

	if (!want) {
		expect_fail(__LINE__, "build/unix/macro.expected.out", "missing (make test makes it)");
		return;
	}
	snprintf(command, sizeof command, "cp build/linux/busybox %s", copy);
	EXPECT_INT(0, system(command));
	snprintf(command, sizeof command, "sh -c '" MACRO_COMMAND "'");
	expect_run_prints(TARGET_LINUX, copy, command, want);
	for (size_t k = 0; k < TARGETS_MK; k++)
		expect_run_prints(targets_mk[k], copy, command, want);
	free(want);
}

static const struct check_test tests[] = {
	TEST(musl_program_prints_the_same_on_the_host_linux_and_the_microkernel),
	TEST(glibc_program_prints_the_same_on_the_host_linux_and_the_microkernel),
	TEST(macro_script_prints_the_hosts_output_on_linux_and_the_microkernel),
};

int main(void)
{
	return check_main(tests, sizeof tests / sizeof tests[0], "/tmp/machlab-same-test-", NULL,
			  true);
}

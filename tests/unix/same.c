/*
 * same.c — a static C program built twice on the host (musl-gcc and glibc's
 * gcc -static: build/unix/same-musl, same-glibc) whose output must be the
 * same, byte for byte, on the host, on the Linux target and under the
 * microkernel's Unix emulation (tests/host/test_same_output.c). It uses
 * what ordinary C programs do (stdio with its buffering, malloc, a file in
 * /tmp, fork, a pipe, wait, qsort, strtol, snprintf of floats) and prints
 * nothing that differs between machines (no pids, times or paths).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define FILE_PATH   "/tmp/machlab-same.txt"
#define BIG_BYTES   (3 << 20)           /* past brk's first growth: malloc maps it */
#define WORDS       8

static int by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(int argc, char **argv)
{
	const char *words[WORDS] = { "pager", "port", "task", "thread", "message", "right",
				     "object", "kernel" };
	struct utsname u;
	struct stat st;
	char line[128], *big = malloc(BIG_BYTES);
	int p[2], status = 0;
	long sum = 0;
	FILE *f;
	pid_t pid;

	printf("arguments: %d", argc);
	for (int i = 1; i < argc; i++)
		printf(" [%s]", argv[i]);
	printf("\nsystem: %s\n", uname(&u) == 0 ? u.sysname : strerror(errno));
	for (long i = 1; i <= 1000; i++)
		sum += strtol("7", NULL, 10) * i;
	printf("sum: %ld, pi about %.6f, %e, %x, %-6s|\n", sum, 3.14159265, 6.02e23, 48879, "left");
	qsort(words, WORDS, sizeof(words[0]), by_string);
	for (int i = 0; i < WORDS; i++)
		printf("%s%s", words[i], i + 1 < WORDS ? " " : "\n");
	if (!big)
		return 1;
	memset(big, 'm', BIG_BYTES);
	printf("big: %c%c, %d bytes\n", big[0], big[BIG_BYTES - 1], BIG_BYTES);
	free(big);
	f = fopen(FILE_PATH, "w+");
	if (!f)
		return 2;
	for (int i = 0; i < 100; i++)
		fprintf(f, "line %d of %d\n", i, 100);
	rewind(f);
	for (int i = 0; i < 42 && fgets(line, sizeof(line), f); i++)
		;
	fclose(f);
	printf("file: %s", line);
	if (stat(FILE_PATH, &st) != 0 || unlink(FILE_PATH) != 0)
		return 3;
	printf("size: %lld, mode %o\n", (long long)st.st_size, (unsigned)(st.st_mode & 0777) & ~0022u);
	fflush(stdout);                      /* (the child must not print our buffer again) */
	if (pipe(p) != 0 || (pid = fork()) < 0)
		return 4;
	if (pid == 0) {
		close(p[0]);
		dprintf(p[1], "child: %d words sorted\n", WORDS);
		_exit(7);
	}
	close(p[1]);
	memset(line, 0, sizeof(line));
	if (read(p[0], line, sizeof(line) - 1) <= 0 || waitpid(pid, &status, 0) != pid)
		return 5;
	printf("%sexit status %d\n", line, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	printf("%s\n", open("/nonexistent/x", O_RDONLY) < 0 ? strerror(errno) : "opened?");
	return 0;
}

/*
 * kallsyms.c — prints the kernel's text symbols ("<address> <t|T> <name>"
 * lines of /proc/kallsyms), for the profile of the Linux target: Debian's
 * vmlinux has no symbol table, so `make linux-target` runs this once per
 * kernel with `machlab run` and keeps the output as build/linux/kallsyms.
 * The addresses hold from boot to boot: the uncompressed kernel is booted
 * through its PVH entry, which randomises nothing.
 */
#include <stdio.h>
#include <string.h>

#define LINE_BYTES 512
#define OUT_BUFFER_BYTES 65536

int main(void)
{
	static char out[OUT_BUFFER_BYTES];
	char line[LINE_BYTES];
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f) {
		perror("kallsyms: /proc/kallsyms");
		return 1;
	}
	setvbuf(stdout, out, _IOFBF, sizeof(out));
	while (fgets(line, sizeof(line), f)) {
		const char *type = strchr(line, ' ');

		if (type && (type[1] == 't' || type[1] == 'T'))
			fputs(line, stdout);
	}
	fclose(f);
	return fflush(stdout) == 0 ? 0 : 1;
}

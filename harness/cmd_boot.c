/* cmd_boot.c: "machlab boot KERNEL [MODULE [ARGS...]]": boots one kernel by
 * hand in the same QEMU machine the tests and benchmarks use (qemu.c),
 * with the serial console on this terminal and no timeout. */
#include "cmd_boot.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd_test.h"
#include "qemu.h"

#define BOOT_ARGS_MAX_BYTES 1024

/* Replaces this process with QEMU. Returns only on error. */
int cmd_boot_main(int argc, char **argv)
{
	char args[BOOT_ARGS_MAX_BYTES] = "";
	struct qemu_module module = { .path = argc >= 3 ? argv[2] : NULL, .args = args };
	struct qemu_boot boot = {
		.qemu_path = QEMU_DEFAULT_BINARY, .kernel_path = argc >= 2 ? argv[1] : NULL,
		.modules = &module, .module_count = argc >= 3 ? 1 : 0,
	};
	struct strlist qargv = { 0 };

	if (argc < 2) {
		fprintf(stderr, "usage: machlab boot KERNEL [MODULE [ARGS...]]\n");
		return CMD_EXIT_USAGE;
	}
	for (int i = 3; i < argc; i++) {
		size_t used = strlen(args);
		snprintf(args + used, sizeof args - used, "%s%s", used ? " " : "", argv[i]);
	}
	if (qemu_argv_build(&boot, &qargv) < 0) {
		fprintf(stderr, "machlab boot: bad kernel or module path\n");
		return CMD_EXIT_USAGE;
	}
	execvp(qargv.items[0], qargv.items);
	perror("machlab boot: " QEMU_DEFAULT_BINARY);
	return CMD_EXIT_FAILED;
}

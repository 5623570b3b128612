/* main.c: the machlab command: dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cmd_boot.h"
#include "cmd_test.h"

/* Runs "machlab SUBCOMMAND ...". */
int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "test") == 0)
		return cmd_test_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "boot") == 0)
		return cmd_boot_main(argc - 1, argv + 1);
	fprintf(stderr, "usage: machlab test [options] TARGET_DIR...  (machlab test --help)\n"
			"       machlab boot KERNEL [MODULE [ARGS...]]\n");
	return CMD_EXIT_USAGE;
}

/* main.c: the machlab command: dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cmd_bench.h"
#include "cmd_boot.h"
#include "cmd_linux.h"
#include "cmd_plots.h"
#include "cmd_profile.h"
#include "cmd_rootfs.h"
#include "cmd_run.h"
#include "cmd_test.h"
#include "pmu.h"

/* Runs "machlab SUBCOMMAND ...". */
int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "test") == 0)
		return cmd_test_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "bench") == 0)
		return cmd_bench_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "plots") == 0)
		return cmd_plots_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "profile") == 0)
		return cmd_profile_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return cmd_run_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "boot") == 0)
		return cmd_boot_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "rootfs") == 0)
		return cmd_rootfs_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "pmu-encode") == 0)
		return cmd_pmu_encode_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "linux-fetch") == 0)
		return cmd_linux_fetch_main(argc - 1, argv + 1);
	fprintf(stderr, "usage: machlab test [options] TARGET_DIR...  (machlab test --help)\n"
			"       machlab bench [options] TARGET_DIR...  (machlab bench --help)\n"
			"       machlab plots [--results-dir DIR] [--plots-dir DIR] [--csv PATH]\n"
			"       machlab boot KERNEL [MODULE [ARGS...]]\n"
			"       machlab run [options] -- PROGRAM [ARG...]  (machlab run --help)\n"
			"       machlab profile [options] BENCH[:PARAM]...  (machlab profile --help)\n"
			"       machlab rootfs --spec FILE [--base DIR] --out FILE\n"
			"       machlab linux-fetch [--cache DIR] --out DIR\n"
			"       machlab pmu-encode EVENT...\n");
	return CMD_EXIT_USAGE;
}

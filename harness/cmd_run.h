/* cmd_run.h: "machlab run": try a static Linux program on a target. */
#ifndef MACHLAB_CMD_RUN_H
#define MACHLAB_CMD_RUN_H

#include <stddef.h>

#define RUN_EXIT_NO_STATUS 125 /* the guest ended without saying how the program ended */
#define RUN_EXIT_SIGNAL_BASE 128 /* killed by signal N: 128 + N, as a shell says it */

int cmd_run_main(int argc, char **argv);
int run_program_check(const char *path, char *err, size_t err_bytes);

#endif

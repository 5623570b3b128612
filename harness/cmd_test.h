/* cmd_test.h: the "machlab test" subcommand. */
#ifndef MACHLAB_CMD_TEST_H
#define MACHLAB_CMD_TEST_H

#include <stdbool.h>

#define CMD_EXIT_OK 0     /* every test passed, and at least one ran */
#define CMD_EXIT_FAILED 1 /* a test failed, or none ran */
#define CMD_EXIT_USAGE 2  /* bad options or inputs: nothing was run */

int cmd_test_main(int argc, char **argv);

/* Parses a whole decimal number in [1, max] into *out (every subcommand's
 * numeric options). */
bool cmd_number_parse(const char *s, long max, long *out);

#endif

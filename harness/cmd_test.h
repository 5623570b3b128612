/* cmd_test.h: the "machlab test" subcommand. */
#ifndef MACHLAB_CMD_TEST_H
#define MACHLAB_CMD_TEST_H

#define CMD_EXIT_OK 0     /* every test passed, and at least one ran */
#define CMD_EXIT_FAILED 1 /* a test failed, or none ran */
#define CMD_EXIT_USAGE 2  /* bad options or inputs: nothing was run */

int cmd_test_main(int argc, char **argv);

#endif

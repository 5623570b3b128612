/*
 * helpers.c — the table of helper programs (misbehaving tasks the tests
 * start with "--helper NAME"); each is defined next to the test using it.
 */
#include "guest.h"

int helper_null_write(int, char **);
int helper_exit_after_sleep(int, char **);
int helper_divide_by_zero(int, char **);
int helper_invalid_opcode(int, char **);
int helper_privileged_instruction(int, char **);
int helper_linux_getpid(int, char **);
int helper_write_after_protect(int, char **);
int helper_read_after_deallocate(int, char **);
int helper_exit0(int, char **);
int helper_spin(int, char **);

const struct guest_helper guest_helpers[] = {
	{ "null_write", helper_null_write },
	{ "exit_after_sleep", helper_exit_after_sleep },
	{ "divide_by_zero", helper_divide_by_zero },
	{ "invalid_opcode", helper_invalid_opcode },
	{ "privileged_instruction", helper_privileged_instruction },
	{ "linux_getpid", helper_linux_getpid },
	{ "write_after_protect", helper_write_after_protect },
	{ "read_after_deallocate", helper_read_after_deallocate },
	{ "exit0", helper_exit0 },
	{ "spin", helper_spin },
	{ NULL, NULL },
};

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
int helper_emul_cleared(int, char **);
int helper_emul_bad_stack(int, char **);
int helper_unix_server(int, char **);
int helper_supervisor_unprivileged(int, char **);
int helper_write_after_protect(int, char **);
int helper_read_after_deallocate(int, char **);
int helper_exit0(int, char **);
int helper_write_comm_page(int, char **);
int helper_vm_split_hole(int, char **);
int helper_pager(int, char **);
int helper_trap_fuzz(int, char **);
int helper_spin(int, char **);
int helper_ipc_idle(int, char **);
int helper_ipc_echo_server(int, char **);
int helper_ipc_report_type(int, char **);
int helper_ipc_name_report(int, char **);
int helper_ipc_drain(int, char **);
int helper_ipc_bootstrap_client(int, char **);
int helper_ipc_hold_rights(int, char **);
int helper_hog(int, char **);
int helper_table_hog(int, char **);
int helper_memory_hog(int, char **);
int helper_privileged_names(int, char **);
int helper_name_server(int, char **);
int helper_name_fill(int, char **);
int helper_kernel_check_unprivileged(int, char **);

const struct guest_helper guest_helpers[] = {
	{ "null_write", helper_null_write },
	{ "exit_after_sleep", helper_exit_after_sleep },
	{ "divide_by_zero", helper_divide_by_zero },
	{ "invalid_opcode", helper_invalid_opcode },
	{ "privileged_instruction", helper_privileged_instruction },
	{ "linux_getpid", helper_linux_getpid },
	{ "emul_cleared", helper_emul_cleared },
	{ "emul_bad_stack", helper_emul_bad_stack },
	{ "unix_server", helper_unix_server },
	{ "supervisor_unprivileged", helper_supervisor_unprivileged },
	{ "write_after_protect", helper_write_after_protect },
	{ "read_after_deallocate", helper_read_after_deallocate },
	{ "exit0", helper_exit0 },
	{ "write_comm_page", helper_write_comm_page },
	{ "vm_split_hole", helper_vm_split_hole },
	{ "pager", helper_pager },
	{ "trap_fuzz", helper_trap_fuzz },
	{ "spin", helper_spin },
	{ "ipc_idle", helper_ipc_idle },
	{ "ipc_echo_server", helper_ipc_echo_server },
	{ "ipc_report_type", helper_ipc_report_type },
	{ "ipc_name_report", helper_ipc_name_report },
	{ "ipc_drain", helper_ipc_drain },
	{ "ipc_bootstrap_client", helper_ipc_bootstrap_client },
	{ "ipc_hold_rights", helper_ipc_hold_rights },
	{ "hog", helper_hog },
	{ "table_hog", helper_table_hog },
	{ "memory_hog", helper_memory_hog },
	{ "privileged_names", helper_privileged_names },
	{ "name_server", helper_name_server },
	{ "name_fill", helper_name_fill },
	{ "kernel_check_unprivileged", helper_kernel_check_unprivileged },
	{ NULL, NULL },
};

/*
 * colocate.c — the starter's side of UNIX=colocated (server.h): a kernel
 * that links the Unix server in (KSTAT_UNIX_SERVER) runs it as a supervisor
 * thread of a task the starter makes (variants/unix-colocated/). The task
 * is a copy of the starter (its memory copy-on-write, as fork makes), so
 * the configuration and the images and archive it names are at the same
 * addresses for the server; the control port's receive right moves there
 * under the same name. Not linked into the kernel.
 */
#include "server.h"

bool unix_server_colocated(void)
{
	return mk_kernel_stat(KSTAT_UNIX_SERVER) == UNIX_SERVER_KIND_COLOCATED;
}

kern_return_t unix_server_colocate(const struct unix_server_config *cfg, mach_port_name_t *task)
{
	mach_port_name_t t;
	kern_return_t kr = mk_task_create(MACH_PORT_TASK_SELF, 1, &t);

	if (kr != KERN_SUCCESS)
		return kr;
	kr = mk_port_insert_right(t, cfg->control, cfg->control, MACH_MSG_TYPE_MOVE_RECEIVE);
	if (kr == KERN_SUCCESS)
		kr = mk_supervisor_start(MACH_PORT_HOST_PRIV, t, (vm_address_t)cfg);
	if (kr != KERN_SUCCESS) {
		mk_task_terminate(t);            /* (the right, if it moved, goes with it) */
		mk_port_deallocate(MACH_PORT_TASK_SELF, t);
		return kr;
	}
	*task = t;
	return KERN_SUCCESS;
}

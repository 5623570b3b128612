/*
 * kernel_check.c — the kernel's consistency walk (MK_TRAP_KERNEL_CHECK).
 *
 * Placeholder until the walk lands: it reports nothing walked and refuses
 * with KERN_FAILURE so that no caller can mistake it for a passed check.
 */
#include "kern/kernel_check.h"
#include "lib/string.h"

kern_return_t kernel_check(struct kernel_check_info *info)
{
	memset(info, 0, sizeof(*info));
	info->errors = 1;
	strncpy_z(info->first_error, "kernel_check: not implemented yet", sizeof(info->first_error));
	return KERN_FAILURE;
}

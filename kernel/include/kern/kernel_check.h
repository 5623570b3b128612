/*
 * kernel_check.h — the kernel's consistency walk (see kernel_check.c).
 */
#ifndef KERN_KERNEL_CHECK_H
#define KERN_KERNEL_CHECK_H

#include <mach/kern_return.h>
#include <mach/types.h>

/* Walk every IPC space, port and VM object; KERN_SUCCESS if every count agrees. */
kern_return_t kernel_check(struct kernel_check_info *info);

#endif

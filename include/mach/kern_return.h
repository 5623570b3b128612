/*
 * kern_return.h — the result codes every kernel trap returns.
 *
 * Shared by the kernel and user code. KERN_SUCCESS is 0; every failure has its
 * own code so that a test can check exactly which check refused a call.
 */
#ifndef MACH_KERN_RETURN_H
#define MACH_KERN_RETURN_H

typedef int kern_return_t;

#define KERN_SUCCESS            0
#define KERN_INVALID_ADDRESS    1   /* address outside the user range or unmapped */
#define KERN_PROTECTION_FAILURE 2   /* access the region's protection forbids */
#define KERN_NO_SPACE           3   /* no free range of the requested size */
#define KERN_INVALID_ARGUMENT   4   /* a bad size, flag, alignment or value */
#define KERN_FAILURE            5   /* the operation could not be done */
#define KERN_RESOURCE_SHORTAGE  6   /* out of kernel or physical memory */
#define KERN_INVALID_NAME       7   /* a port name the task does not hold */
#define KERN_INVALID_RIGHT      8   /* the name denotes the wrong kind of object */
#define KERN_INVALID_TRAP       9   /* no kernel trap with this number */
#define KERN_TERMINATED         10  /* the object is dead (or dying) */
#define KERN_OPERATION_TIMED_OUT 11 /* a timed wait ran out */
#define KERN_ABORTED            12  /* a blocked call was interrupted */
#define KERN_BAD_IMAGE          13  /* task_spawn: the ELF image is malformed */
#define KERN_NOT_FOUND          14  /* no such item (boot module, name service) */
#define KERN_NAME_EXISTS        15  /* the name is already in use */
#define KERN_INVALID_VALUE      16  /* a value out of range for a port operation: a right,
					 * disposition, variant or qlimit, or mod_refs below zero */
#define KERN_UREFS_OVERFLOW     17  /* too many user references */
#define KERN_MEMORY_ERROR       18  /* the pager failed, timed out or died */
#define KERN_NO_ACCESS          19  /* the call changes global state and needs the host privilege port */
#define KERN_PAGER_SELF         20  /* vm_read/vm_write: a page waits for a pager the caller's
				     * own task serves (its DATA_REQUEST is queued): serve, retry */
#define KERN_NOT_SUPPORTED      21  /* this kernel variant does not have it (MK_TRAP_SUPERVISOR_START) */

#endif

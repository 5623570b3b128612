/*
 * host.h — the host privilege port (see host.c).
 */
#ifndef KERN_HOST_H
#define KERN_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <mach/kern_return.h>
#include <mach/port.h>

struct ipc_space;

void host_init(void);
kern_return_t host_priv_check(struct ipc_space *space, uint64_t name);   /* takes ipc_lock */
bool host_priv_held(struct ipc_space *space);                            /* ipc_lock held */
bool host_priv_give(struct ipc_space *space, mach_port_name_t want);     /* ipc_lock held */

#endif

/*
 * port_traps.h — the operations behind the mach_port_* traps (port_traps.c).
 * Each takes ipc_lock itself.
 */
#ifndef KERN_PORT_TRAPS_H
#define KERN_PORT_TRAPS_H

#include <mach/kern_return.h>
#include <mach/port.h>

struct ipc_space;
struct task;

#define MACH_PORT_UREFS_MAX 0xFFFFu   /* user references one name may hold */

kern_return_t port_trap_task(struct task *caller, mach_port_name_t task_name, struct task **task);
kern_return_t port_allocate(struct ipc_space *space, mach_port_right_t right,
			    mach_port_name_t *name);
kern_return_t port_destroy_name(struct ipc_space *space, mach_port_name_t name);
kern_return_t port_mod_refs(struct ipc_space *space, mach_port_name_t name,
			    mach_port_right_t right, int delta);
kern_return_t port_deallocate(struct ipc_space *space, mach_port_name_t name);
kern_return_t port_type(struct ipc_space *space, mach_port_name_t name, mach_port_type_t *type);
kern_return_t port_transfer(struct ipc_space *from, mach_port_name_t poly, int disposition,
			    struct ipc_space *to, mach_port_name_t name, mach_port_name_t *out);
kern_return_t port_set_qlimit(struct ipc_space *space, mach_port_name_t name, uint32_t qlimit);
kern_return_t port_move_member(struct ipc_space *space, mach_port_name_t member,
			       mach_port_name_t set);
kern_return_t port_request_notification(struct ipc_space *space, mach_port_name_t name,
					int variant, mach_port_name_t notify);
kern_return_t port_get_attributes(struct ipc_space *space, mach_port_name_t name,
				  struct mach_port_status *st);

#endif

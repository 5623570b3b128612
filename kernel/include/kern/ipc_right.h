/*
 * ipc_right.h — port rights as a space holds and gives them (ipc_right.c).
 * Everything here needs ipc_lock.
 */
#ifndef KERN_IPC_RIGHT_H
#define KERN_IPC_RIGHT_H

#include <stdbool.h>
#include <stdint.h>
#include <mach/port.h>

struct ipc_space;
struct ipc_entry;
struct port;

/*
 * May space give the right at name with this disposition, given that
 * `prior` earlier uses in the same message moved a right out of it? dest
 * (may be NULL) is where a moved receive right would be queued.
 */
bool ipc_right_valid(struct ipc_space *space, mach_port_name_t name, int disposition,
		     uint32_t prior, struct port *dest, bool allow_dead);
/* Take the validated right out of space: its port, referenced, or NULL for a dead name. */
struct port *ipc_right_take(struct ipc_space *space, mach_port_name_t name, int disposition,
			    struct port *dest);
/* Give space a right of type MSG_RIGHT_*; returns the name, 0 when out of names or memory. */
mach_port_name_t ipc_right_insert(struct ipc_space *space, struct port *p, int type,
				  mach_port_name_t want);
void ipc_right_drop_entry(struct ipc_entry *e);       /* every right at this name */
void ipc_entry_make_dead(struct ipc_entry *e);

#endif

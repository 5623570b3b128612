/*
 * ipc_right.h — port rights as a space holds and gives them (ipc_right.c).
 * Everything here needs ipc_lock.
 */
#ifndef KERN_IPC_RIGHT_H
#define KERN_IPC_RIGHT_H

#include <stdbool.h>
#include <stdint.h>
#include <mach/message.h>
#include <mach/port.h>

struct ipc_space;
struct ipc_entry;
struct port;

/*
 * The rights at one name: an entry's own, or what the uses a message check
 * has gone through so far would leave of them (type 0: the name is gone).
 */
struct ipc_right_state {
	uint32_t type;                 /* MACH_PORT_TYPE_* bits */
	uint32_t urefs;
	struct port *port;             /* NULL for a dead name */
};

/*
 * May rights in state s be given with this disposition? dest (may be
 * NULL) is where a moved receive right would be queued; allow_dead lets a
 * dead name travel as MACH_PORT_DEAD.
 */
bool ipc_right_state_valid(const struct ipc_right_state *s, int disposition, struct port *dest,
			   bool allow_dead);
/*
 * What giving a (valid) right with this disposition leaves of s: exactly
 * what ipc_right_take does to the entry. (Inline: the RPC paths take
 * rights, and msg_check_rights applies it to every use.)
 */
static inline void ipc_right_state_take(struct ipc_right_state *s, int disposition)
{
	if (!s->port) {                                 /* a dead name */
		if (disposition == MACH_MSG_TYPE_MOVE_SEND && --s->urefs == 0)
			s->type = 0;
		return;
	}
	switch (disposition) {
	case MACH_MSG_TYPE_MOVE_SEND:
		if (--s->urefs == 0)
			s->type &= ~MACH_PORT_TYPE_SEND;
		break;
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
		s->type = 0;
		break;
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		s->type &= ~MACH_PORT_TYPE_RECEIVE;
		break;
	default:                                        /* copies and makes leave the name as it is */
		break;
	}
}

/* ipc_right_state_valid for the entry at name in space as it is now. */
bool ipc_right_valid(struct ipc_space *space, mach_port_name_t name, int disposition,
		     struct port *dest, bool allow_dead);
/* Take the validated right out of space: its port, referenced, or NULL for a dead name. */
struct port *ipc_right_take(struct ipc_space *space, mach_port_name_t name, int disposition,
			    struct port *dest);
/* Give space a right of type MSG_RIGHT_*; returns the name, 0 when out of names or memory. */
mach_port_name_t ipc_right_insert(struct ipc_space *space, struct port *p, int type,
				  mach_port_name_t want);
void ipc_right_drop_entry(struct ipc_entry *e);       /* every right at this name */
void ipc_entry_make_dead(struct ipc_entry *e);

#endif

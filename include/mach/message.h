/*
 * message.h — the message format and mach_msg.
 *
 * A message is a header followed by a body of typed items. The header
 * names the destination (a send or send-once right, mandatory) and an
 * optional reply right, each with a disposition saying what the sender
 * gives up or makes. The body (present when MACH_MSGH_BITS_COMPLEX is set;
 * otherwise the message is the header alone) is a sequence of 8-byte-
 * aligned items, each starting with a struct mach_msg_type:
 *   MACH_MSG_TYPE_INLINE  count elements of elem_size bytes (1, 2, 4, 8)
 *                         follow, padded to 8 bytes;
 *   MACH_MSG_TYPE_PORTS   count port names (uint32_t each) follow, padded
 *                         to 8; every name is transferred with the item's
 *                         disposition;
 *   MACH_MSG_TYPE_OOL     one struct mach_msg_ool follows: an out-of-line
 *                         region, copied (physically for now) or, with
 *                         MACH_MSG_OOL_DEALLOCATE, removed from the sender.
 * The kernel validates the whole message before anything moves: a bad
 * message changes no state and returns a specific MACH_SEND_* code.
 *
 * On receive, the header is rewritten for the receiver: remote_port holds
 * the reply right (if any), local_port the name of the port the message
 * arrived on (for a port set: the member), bits the dispositions received.
 * Port names in items are the receiver's names; OOL addresses are the
 * receiver's, the region allocated in its address space.
 */
#ifndef MACH_MESSAGE_H
#define MACH_MESSAGE_H

#include <stdint.h>
#include <mach/port.h>

typedef int32_t mach_msg_return_t;

struct mach_msg_header {
	uint32_t bits;                 /* MACH_MSGH_BITS(remote, local) [| COMPLEX] */
	uint32_t size;                 /* bytes, header included; a multiple of 8 */
	mach_port_name_t remote_port;  /* send: destination; receive: reply right */
	mach_port_name_t local_port;   /* send: reply right; receive: port received on */
	uint32_t reserved;             /* must be 0 */
	int32_t id;                    /* the sender's choice */
};

/* Dispositions (what a transferred right is made from). */
#define MACH_MSG_TYPE_MOVE_RECEIVE    16   /* the receive right moves */
#define MACH_MSG_TYPE_MOVE_SEND       17   /* one send uref moves */
#define MACH_MSG_TYPE_MOVE_SEND_ONCE  18
#define MACH_MSG_TYPE_COPY_SEND       19   /* a new send right; the sender keeps its own */
#define MACH_MSG_TYPE_MAKE_SEND       20   /* a send right made from the receive right */
#define MACH_MSG_TYPE_MAKE_SEND_ONCE  21   /* a send-once right made from the receive right */
/* What the receiver gets (in bits and item dispositions after receive). */
#define MACH_MSG_TYPE_PORT_RECEIVE    MACH_MSG_TYPE_MOVE_RECEIVE
#define MACH_MSG_TYPE_PORT_SEND       MACH_MSG_TYPE_MOVE_SEND
#define MACH_MSG_TYPE_PORT_SEND_ONCE  MACH_MSG_TYPE_MOVE_SEND_ONCE

#define MACH_MSGH_BITS(remote, local) ((uint32_t)(remote) | ((uint32_t)(local) << 8))
#define MACH_MSGH_BITS_REMOTE(bits)   ((bits) & 0xFF)
#define MACH_MSGH_BITS_LOCAL(bits)    (((bits) >> 8) & 0xFF)
#define MACH_MSGH_BITS_COMPLEX        0x80000000u
#define MACH_MSGH_BITS_USED           (0xFFFFu | MACH_MSGH_BITS_COMPLEX)

/* Body items. */
#define MACH_MSG_TYPE_INLINE  1
#define MACH_MSG_TYPE_PORTS   2
#define MACH_MSG_TYPE_OOL     3

struct mach_msg_type {
	uint8_t kind;          /* MACH_MSG_TYPE_INLINE, _PORTS or _OOL */
	uint8_t elem_size;     /* INLINE: bytes per element (1, 2, 4, 8) */
	uint8_t disposition;   /* PORTS: MACH_MSG_TYPE_* disposition */
	uint8_t flags;         /* OOL: MACH_MSG_OOL_DEALLOCATE */
	uint32_t count;        /* INLINE: elements; PORTS: names; OOL: 1 */
};

#define MACH_MSG_OOL_DEALLOCATE 0x1

struct mach_msg_ool {
	uint64_t address;
	uint64_t size;
};

#define MACH_MSG_SIZE_MAX        ((1u << 20) + 4096)  /* 1 MiB of in-line data plus headers */
#define MACH_MSG_PORTS_MAX       1024                 /* port names in one message */
#define MACH_MSG_OOL_MAX_BYTES   (64u << 20)          /* one out-of-line region */

/* mach_msg options. */
#define MACH_SEND_MSG      0x1
#define MACH_RCV_MSG       0x2
#define MACH_SEND_TIMEOUT  0x10   /* give up sending after timeout ms (0: fail at once if full) */
#define MACH_RCV_TIMEOUT   0x100  /* give up receiving after timeout ms (0: poll) */

#define MACH_MSG_TIMEOUT_NONE 0

/*
 * Short messages in registers (MK_TRAP_MACH_MSG_SHORT, libmk's
 * mk_mach_msg_short): mach_msg for a message of at most MACH_MSG_SHORT_MAX
 * bytes — a header and up to three 8-byte body words — that never touches a
 * buffer in memory, so an RPC pays no copy in or out (seL4's message
 * registers). The message is the same message: the words are exactly the
 * bytes that follow the header in mach_msg's format (items and all), so
 * either side of an exchange may use either trap, and every check, right
 * and error of mach_msg applies. In the six argument registers:
 *   rdi  option | rcv_name << 32, the send size (header included) in the
 *        option's bits 16..23 (MACH_MSG_SHORT_OPTION); options are
 *        MACH_SEND_MSG and MACH_RCV_MSG only (no register is left for a
 *        timeout: use mach_msg to wait a bounded time)
 *   rsi  bits | id << 32          (the header's reserved field is 0)
 *   rdx  remote_port | local_port << 32
 *   r10, r8, r9   body words 0, 1, 2
 * After a message is received, the same registers hold it as the receiver
 * sees it (rdi: its size; rdx: the reply right and the port it arrived
 * on; unused words 0); a message longer than MACH_MSG_SHORT_MAX stays
 * queued and the call returns MACH_RCV_TOO_LARGE. If nothing was received
 * the registers are unchanged.
 */
#define MACH_MSG_SHORT_WORDS    3
#define MACH_MSG_SHORT_MAX      (sizeof(struct mach_msg_header) + 8 * MACH_MSG_SHORT_WORDS)
#define MACH_MSG_SHORT_OPTION(option, send_size) ((uint32_t)(option) | (uint32_t)(send_size) << 16)
#define MACH_MSG_SHORT_SEND_SIZE(option)         (((option) >> 16) & 0xFF)

/* A short message as a buffer: the layout of a mach_msg message of that size. */
struct mach_msg_short {
	struct mach_msg_header header;
	uint64_t body[MACH_MSG_SHORT_WORDS];
};

/* mach_msg results (also returned by the port traps where they apply). */
#define MACH_MSG_SUCCESS              0
#define MACH_SEND_INVALID_DATA        0x10000002  /* the message could not be read */
#define MACH_SEND_INVALID_DEST        0x10000003  /* no send right at remote_port, or it died */
#define MACH_SEND_TIMED_OUT           0x10000004
#define MACH_SEND_INVALID_REPLY       0x10000009  /* bad local_port or disposition */
#define MACH_SEND_INVALID_RIGHT       0x1000000a  /* a port item names a right the sender lacks */
#define MACH_SEND_INVALID_MEMORY      0x1000000c  /* an OOL region is not readable */
#define MACH_SEND_MSG_TOO_SMALL       0x10000008  /* size below a header or not a multiple of 8 */
#define MACH_SEND_TOO_LARGE           0x1000000d  /* size above MACH_MSG_SIZE_MAX */
#define MACH_SEND_INVALID_TYPE        0x1000000f  /* a bad item kind, size, count or disposition */
#define MACH_SEND_INVALID_HEADER      0x10000010  /* bad bits or reserved field */
#define MACH_SEND_RECEIVE_CYCLE       0x10000011  /* a receive right sent into its own queue */
#define MACH_SEND_NO_BUFFER           0x1000000b  /* kernel memory exhausted */
#define MACH_SEND_ABORTED             0x10000012
#define MACH_SEND_RIGHT_CONSUMED      0x10000013  /* a name is used after an earlier use in the
							 * same message moved or consumed its right */
#define MACH_RCV_INVALID_NAME         0x10004002  /* rcv_name is not a receive right or set */
#define MACH_RCV_TIMED_OUT            0x10004003
#define MACH_RCV_TOO_LARGE            0x10004004  /* buffer too small; the message stays queued */
#define MACH_RCV_INVALID_DATA         0x10004008  /* the receive buffer is not writable */
#define MACH_RCV_PORT_DIED            0x10004009  /* the port (or set) was destroyed while waiting */
#define MACH_RCV_PORT_CHANGED         0x10004006  /* the receive right moved away while waiting */
#define MACH_RCV_ABORTED              0x1000400a
#define MACH_RCV_BODY_ERROR           0x1000400c  /* the body could not be delivered (OOL space) */
/* A result that is a refused send (MACH_SEND_*: nothing was sent, and with
 * MACH_RCV_MSG nothing received either), as against a receive's (MACH_RCV_*). */
#define MACH_MSG_SEND_REFUSED(mr)     (((uint32_t)(mr) & 0xFFFFC000u) == 0x10000000u)

/* Ids of kernel-generated messages. */
#define MACH_NOTIFY_FIRST  0x40   /* notifications use their MACH_NOTIFY_* value as id */

/* A notification's body: one INLINE item of one uint32_t, the name concerned. */
struct mach_notify_msg {
	struct mach_msg_header header;
	struct mach_msg_type type;
	uint32_t name;
	uint32_t pad;
};

#endif

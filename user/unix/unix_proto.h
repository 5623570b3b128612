/*
 * unix_proto.h — the messages between the emulation library (in a Unix
 * process) and the Unix server (user/unix/server.c).
 *
 * Each process has a port of its own in the server's port set; the server
 * puts a send right to it at UNIX_SERVER_NAME in the process's task before
 * the process runs, so the port a call arrives on names the process. A call
 * is one mach_msg (send, then receive on the library's reply port with a
 * send-once reply right): UNIX_CALL_ID with one INLINE item of 7 words (the
 * number and its six arguments), then for write, pwrite64 and writev one
 * INLINE item of bytes (at most UNIX_DATA_MAX; a longer writev is a
 * shorter one, as Linux allows, and a longer write or pwrite64 carries no
 * item: the server reads the bytes from the process's buffer itself with
 * vm_read), for a call that names a path the path with its NUL. A call whose later arguments are 0 may send fewer words
 * (at least UNIX_SHORT_CALL_WORDS: the number and the first argument); the
 * words left out are 0. The library sends those through the short trap,
 * a 48-byte message in registers. The reply is one INLINE word, the result
 * (a negative errno on failure), and for a call that returns bytes (read,
 * pread64, the stat family, readlink) one INLINE item of them after it, at
 * most UNIX_DATA_MAX; a longer read of a file is written into the
 * process's buffer by the server (vm_write) and the answer has no item.
 * Why 2 KiB: measured on the default variant, the direct way costs a
 * 1-byte read 721 instructions more (2,461 against read_zero's 1,740: the
 * vm_write trap and its map work) and saves about 0.19 a byte (in-line,
 * the bytes are copied four times: into the answer, in and out of the
 * kernel, into the buffer), so it pays from about 3.8 KiB; 2 KiB is the
 * message buffer's room, below that. exit and exit_group are sent without
 * waiting for a reply.
 *
 * A signal for a handler is delivered in the answer to a whole call (not
 * a short one): UNIX_SIGNAL_WORDS words instead of one; the library builds
 * Linux's signal frame on the process's stack and runs the handler, whose
 * return (sa_restorer, rt_sigreturn) restores the registers from the frame
 * and sends the mask back with rt_sigreturn. A default action that ends the
 * process is the server's: it ends the task and reports
 * UNIX_STATUS_SIGNALED | the signal.
 *
 * UNIX_SPAWN_ID is the one request of the server's control port (its first
 * right, given by whoever starts it): start the program named by its first
 * word (an index in the server's table of programs), and answer on the
 * request's reply right when it ends, with two words: its exit status
 * (UNIX_STATUS_DIED if it ended without exit: the server hears of that by
 * the no-senders notice of the process's port) and the calls the server
 * answered for it. With UNIX_CALL_WORDS words and a data item laid out as
 * a call's, the data are the program's arguments after its name, each
 * NUL-terminated (at most UNIX_SPAWN_ARGS_MAX); with one word, the
 * arguments are "one" and "two". A first word of UNIX_SPAWN_BY_PATH
 * starts the static ELF file of the server's file system named by the
 * first string instead, which is also its argv[0].
 */
#ifndef UNIX_PROTO_H
#define UNIX_PROTO_H

#define UNIX_SERVER_NAME  16       /* the process's send right to its server port */
#define UNIX_CALL_ID      3000
#define UNIX_SPAWN_ID     3001
#define UNIX_CALL_WORDS   7
#define UNIX_SHORT_CALL_WORDS 2    /* the fewest words a call sends: the number and one argument */
#define UNIX_DATA_MAX     2048
#define UNIX_SPAWN_ARGS_MAX 16     /* arguments a spawn request gives after the name */
#define UNIX_FDS_MAX      32       /* open descriptors a process may hold (RLIMIT_NOFILE) */
#define UNIX_CALL_POLL_CANCEL 0x10000 /* a call number past Linux's: the library's poll
				      * timed out (server.c: unix_poll) */
#define UNIX_SPAWN_BY_PATH (~0ull) /* a spawn request's first word: the program is a file */

#define UNIX_PROG_HELLO   0        /* tests/unix/hello */
#define UNIX_PROG_CRASH   1        /* tests/unix/crash */

#define UNIX_STATUS_DIED  0x100    /* the status of a process that ended without exit */
#define UNIX_STATUS_SIGNALED 0x200 /* | the signal: ended by a signal's default action */
#define UNIX_SIGNAL_WORDS 6        /* an answer that delivers a signal: the result, then
				    * the signal, handler, flags, restorer and the mask
				    * to restore at rt_sigreturn */

#include <mach/message.h>
#include "mk.h"
#include "linux_calls.h"

#define UNIX_CALLS_NAMED_MAX 512   /* call numbers remembered as already named */

/* Name an unimplemented call on the console, once per number (bits: UNIX_CALLS_NAMED_MAX),
 * with Linux's name for it (linux_calls.h). */
static inline void unix_name_unknown_once(uint8_t *bits, const char *who, uint64_t nr)
{
	const char *name = nr < LINUX_CALL_NAMES && linux_call_names[nr] ? linux_call_names[nr] :
			   "no Linux call";

	if (nr < UNIX_CALLS_NAMED_MAX) {
		if (bits[nr / 8] & (1u << (nr % 8)))
			return;
		bits[nr / 8] |= (uint8_t)(1u << (nr % 8));
	}
	mk_printf("%s: system call %lu (%s) not implemented (ENOSYS)\n", who, (unsigned long)nr,
		  name);
}

/* A call as it travels (the data item only for write and writev). */
struct unix_call_msg {
	struct mach_msg_header h;
	struct mach_msg_type words_type;
	uint64_t words[UNIX_CALL_WORDS];
	struct mach_msg_type data_type;
	char data[UNIX_DATA_MAX];
};

#endif

/*
 * local.c — the emulation library's calls, in the image mapped into Linux
 * processes (emul.ld). A thread's TLS base (arch_prctl) is set here: it is
 * the thread's own register. clock_gettime is answered here too, from the
 * kernel's tick count on the comm page, as Linux's vDSO answers it in the
 * process (it is the benchmarks' disturbance clock; so the server never
 * sees it, and nothing is cached: the page is read at each call). The
 * clocks are ticks since boot, tick-coarse: CLOCK_REALTIME starts at 0
 * (1970) since the machine has no clock of the day yet. nanosleep and
 * clock_nanosleep are answered here as well (a receive with a timeout on
 * a port of the library's own: not interrupted by signals), and fork,
 * vfork and the clones made for them are sent to the server as fork
 * (fork_call). The C libraries' start-up calls and the vDSO's others are
 * answered here too (local_startup says how); poll, ppoll, select and
 * pselect6 go to the server as one poll whose timeout the library keeps
 * (poll_call); readv is one read per iovec (local_readv). Every other call goes to the Unix server (server.c, unix_proto.h) as one RPC when the
 * process has a server right at UNIX_SERVER_NAME; a process started
 * without a server (exec.c alone) gets a few answers here instead: exit,
 * exit_group, set_tid_address, write and writev on descriptors 1 and 2
 * (the console), ioctl (ENOTTY). Either way a writev carries at most
 * UNIX_DATA_MAX bytes (a shorter write, as Linux allows) from at most
 * LOCAL_IOV_MAX iovecs (more: EINVAL), and so does a write (a longer one
 * carries none: the server reads the buffer itself); a call that names a
 * path carries it (ENAMETOOLONG from UNIX_DATA_MAX bytes on), and the
 * bytes a call returns (read, pread64, the stat family, readlink) come
 * back in the server's answer, at most UNIX_DATA_MAX of them (a longer
 * read of a file the server writes into the buffer itself; call_shape
 * says which argument is which; unix_proto.h). Where the library reads
 * or writes the caller's buffers itself, a bad pointer faults here and
 * ends the process (Linux would return EFAULT: the server's direct
 * transfers do). A signal for a handler arrives in the server's answer
 * to a whole call: signal_deliver builds Linux's x86-64 signal frame
 * (return address, ucontext, siginfo) on the process's stack and makes the
 * handler the call's return, and rt_sigreturn (signal_return) takes the
 * registers back from that frame and the mask back to the server. Any
 * other call then gets -ENOSYS,
 * and the first time a number is seen it is named on the console, so
 * missing coverage is visible.
 */
#include "emul.h"
#include "unix_proto.h"
#include "linux_abi.h"
#include "exec.h"
#include <mach/comm_page.h>

#define LINUX_CLOCKS          8      /* CLOCK_REALTIME (0) .. CLOCK_BOOTTIME (7): here all
				      * ticks since boot, the CPU-time ones too (an approximation) */
#define LOCAL_IOV_MAX         64     /* iovecs one writev may pass */
#define SLEEP_MAX_S           (1ULL << 32)   /* longer sleeps: EINVAL (no overflow in ms) */

static uint64_t tls_base;            /* this process's one thread's, for ARCH_GET_FS */
static uint8_t named[UNIX_CALLS_NAMED_MAX / 8];

static int64_t local_arch_prctl(uint64_t code, uint64_t addr)
{
	mach_port_name_t self;

	if (code == ARCH_GET_FS) {
		if (!addr)
			return -LINUX_EFAULT;
		*(uint64_t *)addr = tls_base;        /* (a bad address faults, as on Linux) */
		return 0;
	}
	if (code != ARCH_SET_FS)
		return -LINUX_EINVAL;
	if (mk_thread_self(&self) != KERN_SUCCESS)
		return -LINUX_EINVAL;
	if (mk_thread_set_tls(self, addr) != KERN_SUCCESS) {
		mk_port_deallocate(MACH_PORT_TASK_SELF, self);
		return -LINUX_EFAULT;
	}
	mk_port_deallocate(MACH_PORT_TASK_SELF, self);
	tls_base = addr;
	return 0;
}

/* clock_gettime(clock, ts) from the comm page's ticks. */
static int64_t local_clock_gettime(uint64_t clock, uint64_t ts)
{
	uint64_t ns = MK_COMM_PAGE->ticks * MK_COMM_PAGE->tick_ns;

	if (clock >= LINUX_CLOCKS)
		return -LINUX_EINVAL;
	if (!ts)
		return -LINUX_EFAULT;
	((uint64_t *)ts)[0] = ns / 1000000000;   /* (a bad address faults, as on Linux) */
	((uint64_t *)ts)[1] = ns % 1000000000;
	return 0;
}

/*
 * The C libraries' start-up calls and their like, answered here from what
 * the library knows (none keeps state in the server). Returns false for
 * any other call.
 *  - time: seconds of the tick clock (clock_gettime's CLOCK_REALTIME).
 *  - getrandom: bytes of a fixed generator (splitmix64), the same in every
 *    run, as AT_RANDOM's: runs must be repeatable. Not random at all.
 *  - gettimeofday, clock_getres (a tick) and getcpu (CPU 0, node 0): what
 *    Linux's vDSO answers in the process.
 *  - set_robust_list: accepted (one thread a process: no futex to clean
 *    up); rseq: ENOSYS, as glibc expects of kernels without it; clone3:
 *    ENOSYS, so glibc's posix_spawn falls back to clone (fork_call).
 *  - prlimit64 (of the caller): the limits that hold here, RLIMIT_STACK the
 *    stack exec.c makes, RLIMIT_NOFILE UNIX_FDS_MAX, the others infinite;
 *    new limits are EPERM (none can be changed).
 *  - prctl: PR_SET_NAME and PR_GET_NAME on a name kept here (empty at
 *    first, not the program's name as on Linux); other options EINVAL.
 *  - sysinfo: the uptime; the memory and load fields are 0 (the kernel
 *    does not say), mem_unit 1. sendfile: ENOSYS (busybox then reads and
 *    writes).
 */
static bool own_pid(uint64_t pid);

static bool local_startup(const struct emul_frame *f, int64_t *r)
{
	static char comm[LINUX_TASK_COMM_BYTES];
	static uint64_t random_state = 0x6d61636866616221ull;
	uint64_t secs = MK_COMM_PAGE->ticks * MK_COMM_PAGE->tick_ns / 1000000000;

	switch (f->rax) {
	case LINUX_GETTIMEOFDAY: {
		uint64_t ns = MK_COMM_PAGE->ticks * MK_COMM_PAGE->tick_ns;

		if (f->rdi) {                        /* (a bad address faults, as on Linux) */
			((int64_t *)f->rdi)[0] = (int64_t)(ns / 1000000000);
			((int64_t *)f->rdi)[1] = (int64_t)(ns % 1000000000 / 1000);
		}
		if (f->rsi)
			memset((void *)f->rsi, 0, 2 * sizeof(int32_t));   /* struct timezone: UTC */
		*r = 0;
		return true;
	}
	case LINUX_CLOCK_GETRES:
		*r = f->rdi >= LINUX_CLOCKS ? -LINUX_EINVAL : 0;
		if (*r == 0 && f->rsi) {
			((int64_t *)f->rsi)[0] = 0;
			((int64_t *)f->rsi)[1] = (int64_t)MK_COMM_PAGE->tick_ns;
		}
		return true;
	case LINUX_GETCPU:
		if (f->rdi)
			*(uint32_t *)f->rdi = 0;
		if (f->rsi)
			*(uint32_t *)f->rsi = 0;
		*r = 0;
		return true;
	case LINUX_TIME:
		if (f->rdi)
			*(int64_t *)f->rdi = (int64_t)secs;   /* (a bad address faults, as on Linux) */
		*r = (int64_t)secs;
		return true;
	case LINUX_GETRANDOM:
		if (f->rdx & ~(uint64_t)LINUX_GRND_FLAGS) {
			*r = -LINUX_EINVAL;
			return true;
		}
		for (uint64_t i = 0; i < f->rsi; i++) {
			uint64_t z = (random_state += 0x9e3779b97f4a7c15ull);

			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
			z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
			((uint8_t *)f->rdi)[i] = (uint8_t)(z ^ (z >> 31));
		}
		*r = (int64_t)f->rsi;
		return true;
	case LINUX_SET_ROBUST_LIST:
		*r = f->rsi == 3 * sizeof(uint64_t) ? 0 : -LINUX_EINVAL;   /* (its head's size) */
		return true;
	case LINUX_RSEQ:
	case LINUX_CLONE3:
	case LINUX_SENDFILE:
		*r = -LINUX_ENOSYS;
		return true;
	case LINUX_PRLIMIT64: {
		uint64_t *old = (uint64_t *)f->r10, limit = LINUX_RLIM_INFINITY;

		if ((uint32_t)f->rsi >= LINUX_RLIMITS || ((uint32_t)f->rdi && !own_pid(f->rdi))) {
			*r = (uint32_t)f->rsi >= LINUX_RLIMITS ? -LINUX_EINVAL : -LINUX_EPERM;
			return true;
		}
		if ((uint32_t)f->rsi == LINUX_RLIMIT_STACK)
			limit = UNIX_STACK_BYTES;
		else if ((uint32_t)f->rsi == LINUX_RLIMIT_NOFILE)
			limit = UNIX_FDS_MAX;
		if (old)
			old[0] = old[1] = limit;
		*r = f->rdx ? -LINUX_EPERM : 0;
		return true;
	}
	case LINUX_PRCTL:
		*r = 0;
		if (f->rdi == LINUX_PR_SET_NAME) {
			size_t n = strnlen((const char *)f->rsi, sizeof(comm) - 1);

			memcpy(comm, (const char *)f->rsi, n);
			comm[n] = '\0';
		} else if (f->rdi == LINUX_PR_GET_NAME)
			memcpy((void *)f->rsi, comm, sizeof(comm));
		else
			*r = -LINUX_EINVAL;
		return true;
	case LINUX_SYSINFO:
		memset((void *)f->rdi, 0, LINUX_SYSINFO_BYTES);
		((int64_t *)f->rdi)[0] = (int64_t)secs;
		((uint32_t *)f->rdi)[LINUX_SYSINFO_BYTES / 4 - 2] = 1;   /* mem_unit */
		*r = 0;
		return true;
	default:
		return false;
	}
}

/* A timespec at t (seconds, nanoseconds) in ns into *ns; false if Linux would say EINVAL. */
static bool timespec_ns(const int64_t *t, uint64_t *ns)
{
	if (t[0] < 0 || t[1] < 0 || t[1] >= 1000000000 || (uint64_t)t[0] > SLEEP_MAX_S)
		return false;
	*ns = (uint64_t)t[0] * 1000000000 + (uint64_t)t[1];
	return true;
}

struct linux_iovec {
	uint64_t base, len;
};

/*
 * The bytes a write or writev at f writes, copied into buf (at most
 * UNIX_DATA_MAX); how many, or -EINVAL for too many iovecs.
 */
static int64_t write_bytes(const struct emul_frame *f, char *buf)
{
	const struct linux_iovec *v = (const struct linux_iovec *)f->rsi;
	uint32_t n = 0;

	if (f->rax != LINUX_WRITEV) {                /* write, pwrite64 */
		n = f->rdx < UNIX_DATA_MAX ? (uint32_t)f->rdx : UNIX_DATA_MAX;
		memcpy(buf, (const void *)f->rsi, n);
		return n;
	}
	if (f->rdx > LOCAL_IOV_MAX)
		return -LINUX_EINVAL;
	for (uint64_t i = 0; i < f->rdx && n < UNIX_DATA_MAX; i++) {
		uint32_t take = v[i].len < UNIX_DATA_MAX - n ? (uint32_t)v[i].len : UNIX_DATA_MAX - n;

		memcpy(buf + n, (const void *)v[i].base, take);
		n += take;
	}
	return n;
}

/* write or writev without a server: to the console, for descriptors 1 and 2. */
static int64_t local_write(const struct emul_frame *f)
{
	static char buf[UNIX_DATA_MAX];
	int64_t n;

	if (f->rdi != 1 && f->rdi != 2)
		return -LINUX_EBADF;
	n = write_bytes(f, buf);
	if (n <= 0)
		return n;
	return mk_console_write(buf, (size_t)n) == KERN_SUCCESS ? n : -LINUX_EFAULT;
}

static mach_port_name_t reply_port;        /* for the server's answers, made at the first call */
static int server_state;                   /* 0: not looked at yet; 1: there; -1: none */

static bool have_server(void)
{
	mach_port_type_t type = 0;

	if (!server_state)
		server_state = mk_port_type(MACH_PORT_TASK_SELF, UNIX_SERVER_NAME, &type) ==
			       KERN_SUCCESS && (type & MACH_PORT_TYPE_SEND) ? 1 : -1;
	return server_state > 0;
}

/*
 * A call that takes at most one argument and carries no data (getpid,
 * close, ...) goes as a short message: its number and first argument in
 * registers (UNIX_SHORT_CALL_WORDS), the answer back the same way
 * (mk_mach_msg_short). The server reads the words a call leaves out as 0;
 * the call never reads them (the registers of arguments a Linux call does
 * not take hold whatever the caller left there: musl's syscall() passes
 * six). Calls not named here go whole.
 */
#define SHORT_CALL_BIT(nr) (1ULL << ((nr) % 64))
#define SHORT_CALL_WORD(w, nr) ((nr) / 64 == (w) ? SHORT_CALL_BIT(nr) : 0)
#define SHORT_CALLS_IN(w) \
	(SHORT_CALL_WORD(w, LINUX_CLOSE) | SHORT_CALL_WORD(w, LINUX_DUP) | \
	 SHORT_CALL_WORD(w, LINUX_GETPID) | SHORT_CALL_WORD(w, LINUX_UMASK) | \
	 SHORT_CALL_WORD(w, LINUX_GETUID) | SHORT_CALL_WORD(w, LINUX_GETGID) | \
	 SHORT_CALL_WORD(w, LINUX_GETEUID) | SHORT_CALL_WORD(w, LINUX_GETEGID) | \
	 SHORT_CALL_WORD(w, LINUX_GETPPID) | SHORT_CALL_WORD(w, LINUX_GETPGRP) | \
	 SHORT_CALL_WORD(w, LINUX_GETPGID) | SHORT_CALL_WORD(w, LINUX_GETTID) | \
	 SHORT_CALL_WORD(w, LINUX_SET_TID_ADDRESS) | SHORT_CALL_WORD(w, LINUX_BRK))

/* (a bitmap of the numbers below 256: one test on the getpid path, not a switch) */
static inline bool short_call_ok(const struct emul_frame *f)
{
	static const uint64_t short_calls[4] = {
		SHORT_CALLS_IN(0), SHORT_CALLS_IN(1), SHORT_CALLS_IN(2), SHORT_CALLS_IN(3),
	};

	return f->rax < 256 && (short_calls[f->rax / 64] >> (f->rax % 64) & 1);
}

static int64_t server_call_short(const struct emul_frame *f)
{
	struct mach_msg_type t = { .kind = MACH_MSG_TYPE_INLINE, .elem_size = 8,
				   .count = UNIX_SHORT_CALL_WORDS };
	struct mach_msg_short m = {
		.header = { .bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
						   MACH_MSG_TYPE_MAKE_SEND_ONCE) |
				    MACH_MSGH_BITS_COMPLEX,
			    .size = MACH_MSG_SHORT_MAX, .remote_port = UNIX_SERVER_NAME,
			    .local_port = reply_port, .id = UNIX_CALL_ID },
		.body = { 0, f->rax, f->rdi },
	};

	memcpy(&m.body[0], &t, sizeof(t));
	if (mk_mach_msg_short(&m, MACH_SEND_MSG | MACH_RCV_MSG, reply_port) != MACH_MSG_SUCCESS)
		return -LINUX_EINVAL;
	return (int64_t)m.body[1];           /* the answer's one word, after its type */
}

/* A path: its bytes with the NUL into buf (at most UNIX_DATA_MAX), or
 * -ENAMETOOLONG. (A bad pointer faults here, as noted at the top.) */
static int64_t path_bytes(uint64_t path, char *buf, size_t room)
{
	size_t len;

	if (!path)
		return -LINUX_EFAULT;
	len = strnlen((const char *)path, room);

	if (len == room)
		return -LINUX_ENAMETOOLONG;
	memcpy(buf, (const void *)path, len + 1);
	return (int64_t)len + 1;
}

/* The bytes a call's answer carries after its word, into the caller's
 * buffer (at most count of them). */
static void answer_bytes(const struct unix_call_msg *m, uint64_t buf, uint64_t count)
{
	uint32_t n = m->words_type.count;            /* 1, or UNIX_SIGNAL_WORDS */
	const struct mach_msg_type *d = (const void *)&m->words[n < UNIX_CALL_WORDS ? n : 1];
	uint64_t end = offsetof(struct unix_call_msg, words) + 8 * n + sizeof(*d);

	if ((n != 1 && n != UNIX_SIGNAL_WORDS) || m->h.size < end || d->kind != MACH_MSG_TYPE_INLINE ||
	    d->elem_size != 1 || d->count > m->h.size - end)
		return;
	memcpy((void *)buf, d + 1, d->count < count ? d->count : count);
}

/*
 * What a call sends besides its words and where its answer's bytes go, as
 * argument numbers (1: rdi, 2: rsi, 3: rdx, 4: r10; 0: none): the path it
 * names, the buffer its answer fills and that buffer's length (an argument,
 * or out_bytes when fixed: a struct stat), times scale (0 or 1: bytes).
 */
struct call_shape {
	uint8_t path, path2, out, out_len, in;   /* path2: a second path, after the first */
	uint8_t in_len, scale;               /* in_len: the argument counting in's elements */
	uint16_t out_bytes, in_bytes;        /* in: a struct the call reads (in_bytes of it) */
	bool data;                           /* it writes bytes (write, writev, pwrite64) */
};

static struct call_shape call_shape(uint64_t nr, uint64_t arg2)
{
	switch (nr) {
	case LINUX_IOCTL:                    /* the console's requests (server: unix_ioctl) */
		return (uint32_t)arg2 == LINUX_TCGETS ?
		       (struct call_shape){ .out = 3, .out_bytes = LINUX_TERMIOS_BYTES } :
		       (uint32_t)arg2 == LINUX_TIOCGWINSZ ?
		       (struct call_shape){ .out = 3, .out_bytes = LINUX_WINSIZE_BYTES } :
		       (uint32_t)arg2 >= LINUX_TCSETS && (uint32_t)arg2 <= LINUX_TCSETSF ?
		       (struct call_shape){ .in = 3, .in_bytes = LINUX_TERMIOS_BYTES } :
		       (struct call_shape){ 0 };
	case LINUX_WRITE: case LINUX_WRITEV: case LINUX_PWRITE64:
		return (struct call_shape){ .data = true };
	case LINUX_READ: case LINUX_PREAD64:
		return (struct call_shape){ .out = 2, .out_len = 3 };
	case LINUX_OPEN: case LINUX_UNLINK: case LINUX_MKDIR: case LINUX_RMDIR:
	case LINUX_EXECVE: case LINUX_ACCESS: case LINUX_CHDIR: case LINUX_CREAT:
	case LINUX_CHMOD:
		return (struct call_shape){ .path = 1 };
	case LINUX_RENAME:
		return (struct call_shape){ .path = 1, .path2 = 2 };
	case LINUX_RENAMEAT: case LINUX_RENAMEAT2:
		return (struct call_shape){ .path = 2, .path2 = 4 };
	case LINUX_MOUNT:                    /* the place, then the file system's type */
		return (struct call_shape){ .path = 2, .path2 = 3 };
	case LINUX_GETCWD:
		return (struct call_shape){ .out = 1, .out_len = 2 };
	case LINUX_GETDENTS64:
		return (struct call_shape){ .out = 2, .out_len = 3 };
	case LINUX_UNAME:
		return (struct call_shape){ .out = 1, .out_bytes = LINUX_UTSNAME_BYTES };
	case LINUX_OPENAT: case LINUX_UNLINKAT: case LINUX_MKDIRAT: case LINUX_FACCESSAT:
	case LINUX_FACCESSAT2: case LINUX_FCHMODAT:
		return (struct call_shape){ .path = 2 };
	case LINUX_STAT: case LINUX_LSTAT:
		return (struct call_shape){ .path = 1, .out = 2, .out_bytes = LINUX_STAT_BYTES };
	case LINUX_NEWFSTATAT:
		return (struct call_shape){ .path = 2, .out = 3, .out_bytes = LINUX_STAT_BYTES };
	case LINUX_FSTAT:
		return (struct call_shape){ .out = 2, .out_bytes = LINUX_STAT_BYTES };
	case LINUX_READLINK:
		return (struct call_shape){ .path = 1, .out = 2, .out_len = 3 };
	case LINUX_READLINKAT:
		return (struct call_shape){ .path = 2, .out = 3, .out_len = 4 };
	case LINUX_PIPE: case LINUX_PIPE2:
		return (struct call_shape){ .out = 1, .out_bytes = 2 * sizeof(int32_t) };
	case LINUX_WAIT4:
		return (struct call_shape){ .out = 2, .out_bytes = sizeof(int32_t) };
	case LINUX_RT_SIGSUSPEND:
		return (struct call_shape){ .in = 1, .in_bytes = LINUX_SIGSET_BYTES };
	case LINUX_POLL: case UNIX_CALL_POLL_CANCEL:   /* (poll_call's: fds, nfds) */
		return (struct call_shape){ .in = 1, .in_len = 2, .out = 1, .out_len = 2,
					    .scale = sizeof(struct linux_pollfd) };
	case LINUX_RT_SIGACTION:
		return (struct call_shape){ .in = 2, .in_bytes = LINUX_SIGACTION_BYTES, .out = 3,
					    .out_bytes = LINUX_SIGACTION_BYTES };
	case LINUX_RT_SIGPROCMASK:
		return (struct call_shape){ .in = 2, .in_bytes = LINUX_SIGSET_BYTES, .out = 3,
					    .out_bytes = LINUX_SIGSET_BYTES };
	default:
		return (struct call_shape){ 0 };
	}
}

/* A signal the server's answer delivers (sig 0: none); unix_proto.h. */
struct signal_delivery {
	uint64_t sig, handler, flags, restorer, old_mask;
};

/*
 * The call at f as one RPC to the server (no answer awaited for exit);
 * *d: a signal its answer delivers. With timeout_ms, a poll whose answer
 * has not come by then is cancelled (UNIX_CALL_POLL_CANCEL, sent without a
 * reply right): the server then answers it with none ready, unless its
 * answer is already on the way, and the one answer is taken either way.
 */
static int64_t server_call_timed(const struct emul_frame *f, bool wait, uint32_t timeout_ms,
				 struct signal_delivery *d)
{
	static struct unix_call_msg m;
	uint32_t size = (uint32_t)offsetof(struct unix_call_msg, data_type);
	const uint64_t words[UNIX_CALL_WORDS] = { f->rax, f->rdi, f->rsi, f->rdx, f->r10, f->r8,
						  f->r9 };
	struct call_shape shape = call_shape(f->rax, f->rsi);
	int64_t r;

	*d = (struct signal_delivery){ 0 };     /* (a short call's answer delivers none) */
	if (wait && !reply_port) {                /* the first call (emul_default takes
						 * short calls itself once the port is there) */
		if (mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_RECEIVE, &reply_port))
			return -LINUX_EINVAL;
		if (short_call_ok(f))
			return server_call_short(f);
	}
	m.h = (struct mach_msg_header){
		.bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
				       wait ? MACH_MSG_TYPE_MAKE_SEND_ONCE : 0) | MACH_MSGH_BITS_COMPLEX,
		.remote_port = UNIX_SERVER_NAME, .local_port = wait ? reply_port : 0,
		.id = UNIX_CALL_ID,
	};
	m.words_type = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_INLINE, .elem_size = 8,
					       .count = UNIX_CALL_WORDS };
	memcpy(m.words, words, sizeof(words));
	if (shape.data && f->rax != LINUX_WRITEV && f->rdx > UNIX_DATA_MAX)
		shape.data = false;             /* a long write: the server reads the buffer itself */
	if (shape.in && !words[shape.in])
		shape.in = 0;                   /* (no struct given: NULL) */
	if (shape.in_len)
		shape.in_bytes = (uint16_t)(words[shape.in_len] * shape.scale);   /* (poll_call: fits) */
	if (shape.path || shape.data || shape.in) {
		int64_t len = shape.path ? path_bytes(words[shape.path], m.data, UNIX_DATA_MAX) :
			      shape.in ? (memcpy(m.data, (const void *)words[shape.in], shape.in_bytes),
					  (int64_t)shape.in_bytes) :
			      write_bytes(f, m.data);

		if (len > 0 && shape.path2) {
			int64_t len2 = path_bytes(words[shape.path2], m.data + len,
						  UNIX_DATA_MAX - (size_t)len);

			len = len2 < 0 ? len2 : len + len2;
		}
		if (len < 0)
			return len;
		m.data_type = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_INLINE, .elem_size = 1,
						      .count = (uint32_t)len };
		size = (uint32_t)offsetof(struct unix_call_msg, data) + ((len + 7) & ~7u);
	}
	m.h.size = size;
	if (!wait)
		return mk_mach_msg(&m.h, MACH_SEND_MSG, size, 0, MACH_PORT_NULL, 0);
	r = mk_mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG | (timeout_ms ? MACH_RCV_TIMEOUT : 0),
			size, sizeof(m), reply_port, timeout_ms);
	if (r == MACH_RCV_TIMED_OUT) {
		struct unix_call_msg cancel = {
			.h = { .bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX,
			       .size = (uint32_t)offsetof(struct unix_call_msg, words) +
				       8 * UNIX_SHORT_CALL_WORDS,
			       .remote_port = UNIX_SERVER_NAME, .id = UNIX_CALL_ID },
			.words_type = { .kind = MACH_MSG_TYPE_INLINE, .elem_size = 8,
					.count = UNIX_SHORT_CALL_WORDS },
			.words = { UNIX_CALL_POLL_CANCEL },
		};

		r = mk_mach_msg(&cancel.h, MACH_SEND_MSG, cancel.h.size, 0, MACH_PORT_NULL, 0);
		if (r == MACH_MSG_SUCCESS)
			r = mk_mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof(m), reply_port, 0);
	}
	if (r != MACH_MSG_SUCCESS)
		return -LINUX_EINVAL;
	r = (int64_t)m.words[0];             /* the answer's first word, where a call's first is */
	if (m.words_type.count == UNIX_SIGNAL_WORDS)
		*d = (struct signal_delivery){ m.words[1], m.words[2], m.words[3], m.words[4],
					       m.words[5] };
	if (shape.out && words[shape.out] && r >= 0)
		answer_bytes(&m, words[shape.out], shape.out_len ?
			     words[shape.out_len] * (shape.scale ? shape.scale : 1) : shape.out_bytes);
	return r;
}

static int64_t server_call(const struct emul_frame *f, bool wait, struct signal_delivery *d)
{
	return server_call_timed(f, wait, 0, d);
}

/* pid (an int) is the caller's own: the server says (nothing is cached). */
static bool own_pid(uint64_t pid)
{
	struct emul_frame q = { .rax = LINUX_GETPID };
	struct signal_delivery d;

	return (int32_t)pid == (int32_t)server_call(&q, true, &d);
}

/* ---- poll, ppoll, select and pselect6: all one poll of the server's ---- */

#define POLL_FDS_MAX  (UNIX_DATA_MAX / sizeof(struct linux_pollfd))   /* pollfds one call takes */
#define MS_NONE       (-1)          /* no timeout */

/*
 * The server's poll of the nfds pollfds at fds, waiting at most timeout_ms
 * (MS_NONE: no limit) with *mask as the signal mask while it waits (NULL:
 * the process's own). The library's receive does the timing
 * (server_call_timed).
 */
static int64_t poll_call(uint64_t fds, uint64_t nfds, int64_t timeout_ms, const uint64_t *mask,
			 struct signal_delivery *d)
{
	struct emul_frame call = { .rax = LINUX_POLL, .rdi = fds, .rsi = nfds,
				   .rdx = (uint64_t)timeout_ms, .r10 = mask != NULL,
				   .r8 = mask ? *mask : 0 };   /* (a bad mask pointer faults here) */

	if (nfds > POLL_FDS_MAX)
		return -LINUX_EINVAL;
	return server_call_timed(&call, true, timeout_ms <= 0 ? 0 : timeout_ms > UINT32_MAX ?
				 UINT32_MAX : (uint32_t)timeout_ms, d);
}

/* A timespec's ms, rounded up (MS_NONE for NULL); -EINVAL for a bad one. */
static int64_t timespec_ms(uint64_t ts)
{
	uint64_t ns;

	if (!ts)
		return MS_NONE;
	if (!timespec_ns((const int64_t *)ts, &ns))
		return -LINUX_EINVAL;
	return (int64_t)((ns + 999999) / 1000000);
}

/* A signal mask argument: NULL, or a sigset of size bytes (else EINVAL). */
static int64_t sigmask_arg(uint64_t set, uint64_t size, const uint64_t **mask)
{
	*mask = (const uint64_t *)set;
	return set && size != LINUX_SIGSET_BYTES ? -LINUX_EINVAL : 0;
}

/*
 * select and pselect6 as a poll: each descriptor below nfds in a set
 * becomes a pollfd (read: POLLIN, write: POLLOUT, except: POLLPRI), and
 * the answer's revents set the bits back. A closed descriptor is EBADF.
 * The remaining time is not written back (0 after a timeout).
 */
static int64_t select_call(uint64_t nfds, uint64_t sets[3], int64_t ms, const uint64_t *mask,
			   uint64_t time_left, size_t time_bytes, struct signal_delivery *d)
{
	static struct linux_pollfd v[POLL_FDS_MAX];
	static const int16_t asked[3] = { LINUX_POLLIN, LINUX_POLLOUT, LINUX_POLLPRI };
	static const int16_t answers[3] = { LINUX_POLLIN | LINUX_POLLHUP | LINUX_POLLERR,
					    LINUX_POLLOUT | LINUX_POLLERR, LINUX_POLLPRI };
	uint32_t n = 0;
	int64_t r, bits = 0;

	if ((int32_t)nfds < 0 || nfds > LINUX_FD_SETSIZE)
		return -LINUX_EINVAL;
	for (uint32_t fd = 0; fd < nfds; fd++) {
		int16_t ev = 0;

		for (int k = 0; k < 3; k++)
			if (sets[k] && (((const uint64_t *)sets[k])[fd / 64] >> (fd % 64) & 1))
				ev |= asked[k];
		if (!ev)
			continue;
		if (n == POLL_FDS_MAX)
			return -LINUX_EINVAL;
		v[n++] = (struct linux_pollfd){ .fd = (int32_t)fd, .events = ev };
	}
	r = poll_call((uint64_t)v, n, ms, mask, d);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < n; i++)
		if (v[i].revents & LINUX_POLLNVAL)
			return -LINUX_EBADF;
	for (int k = 0; k < 3; k++)
		if (sets[k])
			memset((void *)sets[k], 0, (nfds + 7) / 8);
	for (uint32_t i = 0; i < n; i++)
		for (int k = 0; k < 3; k++)
			if (sets[k] && (v[i].events & asked[k]) && (v[i].revents & answers[k])) {
				((uint64_t *)sets[k])[v[i].fd / 64] |= 1ULL << (v[i].fd % 64);
				bits++;
			}
	if (!r && time_left)
		memset((void *)time_left, 0, time_bytes);
	return bits;
}

/*
 * readv as one read per iovec, in order, until one comes back short (end
 * of file, a pipe with less in it) or fails: not atomic as Linux's is
 * against other readers of the same file. At most LOCAL_IOV_MAX iovecs;
 * an answer that delivers a signal ends it there.
 */
static int64_t local_readv(const struct emul_frame *f, struct signal_delivery *d)
{
	const struct linux_iovec *v = (const struct linux_iovec *)f->rsi;
	int64_t total = 0;

	*d = (struct signal_delivery){ 0 };
	if (f->rdx > LOCAL_IOV_MAX)
		return -LINUX_EINVAL;
	for (uint64_t i = 0; i < f->rdx; i++) {
		struct emul_frame call = { .rax = LINUX_READ, .rdi = f->rdi, .rsi = v[i].base,
					   .rdx = v[i].len };
		int64_t n = server_call(&call, true, d);

		if (n < 0)
			return total ? total : n;
		total += n;
		if ((uint64_t)n < v[i].len || d->sig)
			break;
	}
	return total;
}

/* The poll family at f. */
static int64_t local_poll(const struct emul_frame *f, struct signal_delivery *d)
{
	uint64_t sets[3] = { f->rsi, f->rdx, f->r10 };
	const uint64_t *mask = NULL;
	int64_t ms, r;

	*d = (struct signal_delivery){ 0 };     /* (an argument refused here delivers none) */
	switch (f->rax) {
	case LINUX_POLL:
		return poll_call(f->rdi, (uint32_t)f->rsi, (int32_t)f->rdx < 0 ? MS_NONE :
				 (int32_t)f->rdx, NULL, d);
	case LINUX_PPOLL:
		if ((ms = timespec_ms(f->rdx)) < MS_NONE || (r = sigmask_arg(f->r10, f->r8, &mask)))
			return ms < MS_NONE ? ms : r;
		return poll_call(f->rdi, (uint32_t)f->rsi, ms, mask, d);
	case LINUX_SELECT: {                         /* timeval: seconds, microseconds */
		const int64_t *tv = (const int64_t *)f->r8;

		if (tv && (tv[0] < 0 || tv[1] < 0 || tv[1] >= 1000000 || (uint64_t)tv[0] > SLEEP_MAX_S))
			return -LINUX_EINVAL;
		ms = tv ? tv[0] * 1000 + (tv[1] + 999) / 1000 : MS_NONE;
		return select_call((uint32_t)f->rdi, sets, ms, NULL, f->r8, 2 * sizeof(int64_t), d);
	}
	default: {                                   /* pselect6: its 6th is { sigset *, size } */
		const uint64_t *sig = (const uint64_t *)f->r9;

		if ((ms = timespec_ms(f->r8)) < MS_NONE || (sig && (r = sigmask_arg(sig[0], sig[1], &mask))))
			return ms < MS_NONE ? ms : r;
		return select_call((uint32_t)f->rdi, sets, ms, mask, f->r8, 2 * sizeof(int64_t), d);
	}
	}
}

/* ---- signals: Linux's x86-64 signal frame, built and taken down here ---- */

struct linux_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
	uint64_t eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate, reserved[8];
};

struct linux_ucontext {
	uint64_t flags, link;
	uint64_t ss_sp;
	uint32_t ss_flags, pad;
	uint64_t ss_size;
	struct linux_sigcontext mc;
	uint64_t sigmask;
};

#define LINUX_SIGINFO_BYTES 128

/* What the handler finds at its rsp: its return address (sa_restorer), the
 * context, the signal's information. */
struct linux_sigframe {
	uint64_t pretcode;
	struct linux_ucontext uc;
	int32_t info[LINUX_SIGINFO_BYTES / 4];   /* si_signo, si_errno, si_code, ... */
};

_Static_assert(sizeof(struct linux_sigcontext) == 256 && sizeof(struct linux_ucontext) == 304,
	       "Linux's x86-64 signal context");

#define SIGFRAME_GAP     1024        /* below this function's stack: its callees' room */
#define RFLAGS_DF        0x400       /* cleared for the handler, as Linux does */

/*
 * Run the handler d names when the program resumes: Linux's signal frame
 * (the context of f: the registers the call returns with, the mask to
 * restore) goes on the program's stack, below where this code runs (the
 * frame f itself is above, read by emul_entry on the way out), and f is
 * made the handler's call: rip the handler, rsp the frame, rdi the signal,
 * rsi its information, rdx the context. Its return goes to sa_restorer
 * (the C library's, which calls rt_sigreturn). si_code is SI_USER and
 * si_pid 0: the server does not say who sent it.
 */
static void signal_deliver(struct emul_frame *f, const struct signal_delivery *d)
{
	uint64_t sp;
	struct linux_sigframe *fr;

	__asm__ volatile("mov %%rsp, %0" : "=r"(sp));
	fr = (struct linux_sigframe *)(((sp - SIGFRAME_GAP - sizeof(*fr)) & ~15UL) - 8);
	memset(fr, 0, sizeof(*fr));
	fr->pretcode = (d->flags & LINUX_SA_RESTORER) ? d->restorer : 0;
	fr->uc.mc = (struct linux_sigcontext){
		.r8 = f->r8, .r9 = f->r9, .r10 = f->r10, .r11 = f->rflags, .r12 = f->r12,
		.r13 = f->r13, .r14 = f->r14, .r15 = f->r15, .rdi = f->rdi, .rsi = f->rsi,
		.rbp = f->rbp, .rbx = f->rbx, .rdx = f->rdx, .rax = f->rax, .rcx = f->rip,
		.rsp = f->rsp, .rip = f->rip, .eflags = f->rflags, .oldmask = d->old_mask,
	};
	fr->uc.sigmask = d->old_mask;
	fr->info[0] = (int32_t)d->sig;
	fr->info[2] = LINUX_SI_USER;
	f->rip = d->handler;
	f->rsp = (uint64_t)fr;
	f->rdi = d->sig;
	f->rsi = (uint64_t)fr->info;
	f->rdx = (uint64_t)&fr->uc;
	f->rax = 0;
	f->rflags &= ~(uint64_t)RFLAGS_DF;
}

/*
 * rt_sigreturn: the handler returned through sa_restorer, so rsp is at the
 * context signal_deliver left: the registers come back from it, and the
 * mask goes back to the server (whose answer may deliver the next signal).
 */
static void signal_return(struct emul_frame *f)
{
	struct linux_ucontext uc;
	struct emul_frame call = { .rax = LINUX_RT_SIGRETURN };
	struct signal_delivery d;

	memcpy(&uc, (const void *)f->rsp, sizeof(uc));  /* (a bad stack faults, as on Linux) */
	*f = (struct emul_frame){
		.rax = uc.mc.rax, .rdi = uc.mc.rdi, .rsi = uc.mc.rsi, .rdx = uc.mc.rdx,
		.r10 = uc.mc.r10, .r8 = uc.mc.r8, .r9 = uc.mc.r9, .rbx = uc.mc.rbx,
		.rbp = uc.mc.rbp, .r12 = uc.mc.r12, .r13 = uc.mc.r13, .r14 = uc.mc.r14,
		.r15 = uc.mc.r15, .rip = uc.mc.rip, .rsp = uc.mc.rsp, .rflags = uc.mc.eflags,
	};
	call.rdi = uc.sigmask;
	server_call(&call, true, &d);
	if (d.sig)
		signal_deliver(f, &d);
}

static mach_port_name_t sleep_port;         /* nanosleep waits on it, with a timeout */
static uint64_t fork_child_tid;             /* clone's CLONE_CHILD_SETTID address, or 0 */

/* A forked child's library: the ports were the parent's (no right came
 * along); CLONE_CHILD_SETTID's word is written with the child's id. */
void emul_child_reset(void)
{
	reply_port = MACH_PORT_NULL;
	sleep_port = MACH_PORT_NULL;
	if (fork_child_tid) {
		struct emul_frame q = { .rax = LINUX_GETTID };
		struct signal_delivery d;

		*(int32_t *)fork_child_tid = (int32_t)server_call(&q, true, &d);
	}
}

#define CLONE_AS_FORK (LINUX_CLONE_VM | LINUX_CLONE_VFORK | LINUX_CLONE_PARENT_SETTID | \
		       LINUX_CLONE_CHILD_CLEARTID | LINUX_CLONE_CHILD_SETTID)

/*
 * fork, vfork, and the clones the C libraries make for them (glibc's fork:
 * CHILD_SETTID|CHILD_CLEARTID; posix_spawn: VM|VFORK on a stack of its
 * own), all as fork: the server makes the child from this task (a copy,
 * also for CLONE_VM: the parent of a vfork does not need to see the
 * child's writes unless it reads them back, which glibc's posix_spawn
 * does for an exec error: that error is lost) and starts it at
 * emul_fork_child on its copy of f (its rsp the new stack if one is
 * given), where it returns 0; the parent gets the child's pid.
 * CLONE_CHILD_CLEARTID is not done (one thread per process: nobody waits
 * on it). Other clones (threads): ENOSYS from the server.
 */
static bool fork_call(struct emul_frame *f, struct signal_delivery *d)
{
	struct emul_frame call = { .rax = LINUX_FORK, .rdi = (uint64_t)emul_fork_child,
				   .rsi = (uint64_t)f };
	bool clone = f->rax == LINUX_CLONE;
	uint64_t flags = clone ? f->rdi : 0, rsp = f->rsp;

	if (f->rax != LINUX_FORK && f->rax != LINUX_VFORK &&
	    !(clone && (flags & 0xff) == LINUX_SIGCHLD && !(flags & ~(0xffUL | CLONE_AS_FORK))))
		return false;
	emul_fork_prepare(tls_base);
	fork_child_tid = (flags & LINUX_CLONE_CHILD_SETTID) ? f->r10 : 0;
	if (clone && f->rsi)
		f->rsp = f->rsi;                 /* (the child's copy starts on the new stack) */
	f->rax = (uint64_t)server_call(&call, true, d);
	f->rsp = rsp;
	fork_child_tid = 0;
	if ((flags & LINUX_CLONE_PARENT_SETTID) && (int64_t)f->rax > 0)
		*(int32_t *)f->rdx = (int32_t)f->rax;
	return true;
}

/* nanosleep and clock_nanosleep (relative, or TIMER_ABSTIME on the tick
 * clock): a receive with a timeout on a port nothing sends to, rounded up
 * to the millisecond (the kernel's timeouts); not interrupted by signals. */
static int64_t local_nanosleep(uint64_t flags, uint64_t req, uint64_t rem)
{
	uint64_t ms, now_ns = MK_COMM_PAGE->ticks * MK_COMM_PAGE->tick_ns, want_ns;
	struct mach_msg_header h;

	if (!req)
		return -LINUX_EFAULT;
	if (!timespec_ns((const int64_t *)req, &want_ns))
		return -LINUX_EINVAL;
	if (flags & LINUX_TIMER_ABSTIME)
		want_ns = want_ns > now_ns ? want_ns - now_ns : 0;
	ms = (want_ns + 999999) / 1000000;
	if (!sleep_port && mk_port_allocate(MACH_PORT_TASK_SELF, MACH_PORT_RIGHT_RECEIVE,
					    &sleep_port))
		return -LINUX_EINVAL;
	if (ms)
		mk_mach_msg(&h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(h), sleep_port, ms);
	if (rem && !(flags & LINUX_TIMER_ABSTIME))
		memset((void *)rem, 0, 2 * sizeof(int64_t));
	return 0;
}

static void emul_default_rest(struct emul_frame *f);

/* A short call first, with as little as possible before it (it is getpid's path). */
void emul_default(struct emul_frame *f)
{
	if (reply_port && server_state > 0 && short_call_ok(f)) {
		f->rax = (uint64_t)server_call_short(f);     /* no shape, no data, no signal */
		return;                                       /* in the answer */
	}
	emul_default_rest(f);
}

/* Every other call: the ones answered here, then the server's. */
static __attribute__((noinline)) void emul_default_rest(struct emul_frame *f)
{
	struct signal_delivery d;
	int64_t r;

	if (f->rax == LINUX_CLOCK_GETTIME) {
		f->rax = (uint64_t)local_clock_gettime(f->rdi, f->rsi);
		return;
	}
	if (f->rax == LINUX_NANOSLEEP || f->rax == LINUX_CLOCK_NANOSLEEP) {
		f->rax = (uint64_t)(f->rax == LINUX_NANOSLEEP ? local_nanosleep(0, f->rdi, f->rsi) :
				    f->rdi >= LINUX_CLOCKS ? -LINUX_EINVAL :
				    local_nanosleep(f->rsi, f->rdx, f->r10));
		return;
	}
	if (local_startup(f, &r)) {
		f->rax = (uint64_t)r;
		return;
	}
	if (f->rax != LINUX_ARCH_PRCTL && have_server()) {
		if (f->rax == LINUX_EXIT || f->rax == LINUX_EXIT_GROUP) {
			server_call(f, false, &d);
			mk_task_exit((int)(f->rdi & 0xFF));
		}
		if (f->rax == LINUX_RT_SIGRETURN) {
			signal_return(f);
			return;
		}
		if (f->rax == LINUX_POLL || f->rax == LINUX_PPOLL || f->rax == LINUX_SELECT ||
		    f->rax == LINUX_PSELECT6)
			f->rax = (uint64_t)local_poll(f, &d);
		else if (f->rax == LINUX_READV)
			f->rax = (uint64_t)local_readv(f, &d);
		else if (!fork_call(f, &d))
			f->rax = (uint64_t)server_call(f, true, &d);
		if (d.sig)
			signal_deliver(f, &d);
		return;
	}
	switch (f->rax) {
	case LINUX_ARCH_PRCTL:
		r = local_arch_prctl(f->rdi, f->rsi);
		break;
	case LINUX_WRITE:
	case LINUX_WRITEV:
		r = local_write(f);
		break;
	case LINUX_IOCTL:
		r = -LINUX_ENOTTY;                   /* no terminal yet */
		break;
	case LINUX_SET_TID_ADDRESS:
		r = 1;                               /* the one thread's id, for now */
		break;
	case LINUX_EXIT:
	case LINUX_EXIT_GROUP:
		mk_task_exit((int)(f->rdi & 0xFF));
	default:
		unix_name_unknown_once(named, "emul", f->rax);
		r = -EMUL_ENOSYS;
	}
	f->rax = (uint64_t)r;
}

/*
 * server_int.h — what the Unix server's modules (server.c, files.c,
 * pipes.c, signals.c, procs.c, memory.c) share: its limits, its tables'
 * types, the tables themselves and the functions one module calls in
 * another. server.c says what the server does as a whole.
 */
#ifndef UNIX_SERVER_INT_H
#define UNIX_SERVER_INT_H

#include "server.h"
#include "unix_proto.h"
#include "linux_abi.h"
#include "exec.h"
#include "fs.h"
#include <stddef.h>

#define UNIX_PROCS_MAX        16
#define UNIX_FIRST_PID        100
#define DEV_MEM_MAJOR         1      /* Linux's: /dev/null 1:3, /dev/zero 1:5 */
#define DEV_NULL_MINOR        3
#define DEV_ZERO_MINOR        5
#define DEV_TTY_MAJOR         5      /* /dev/console 5:1 */
#define DEV_CONSOLE_MINOR     1
#define LINUX_ENXIO           6      /* a device the server has no driver for */
#define UNIX_PAGE             4096
#define UNIX_READ_MAX         MK_VM_RW_MAX_BYTES  /* one read's bytes written straight in (1 MiB) */
#define UNIX_WRITE_MAX        (64u << 10)         /* one write's bytes read in (the server's buffer) */
#define UNIX_BRK_MAX_BYTES    (256ul << 20) /* how far a process's break may grow */
#define PROC_SELF_EXE         "/proc/self/exe"  /* execve and readlink know this one path */

/* What an open descriptor reads and writes. */
enum unix_file_kind {
	FILE_NONE,                     /* none: a device without a driver here */
	FILE_CONSOLE,                  /* /dev/console: 0, 1 and 2 at the start */
	FILE_NULL,                     /* /dev/null: reads end at once, writes vanish */
	FILE_ZERO,                     /* /dev/zero: reads give zeros, writes vanish */
	FILE_NODE,                     /* a file or directory of the file system (fs.h) */
	FILE_PIPE,                     /* one end of a pipe (its access mode says which) */
};

#define UNIX_POLL_MAX         (UNIX_DATA_MAX / sizeof(struct linux_pollfd))
#define UNIX_PIPES_MAX        16
#define UNIX_PIPE_BYTES       65536  /* a pipe's buffer, Linux's default capacity */

/* A call kept waiting on a pipe: its process, reply right, and request. */
struct pipe_wait {
	struct unix_proc *proc;        /* NULL: none waits */
	mach_port_name_t reply;
	uint64_t addr, count;          /* a reader's buffer; a writer's bytes (in wbuf) */
};

struct unix_pipe {
	uint32_t readers, writers;     /* descriptors open on each end, in every process;
					* both 0: the pipe is free */
	uint32_t head, len;            /* the bytes in buf: from head, wrapping */
	struct pipe_wait rwait, wwait; /* a reader waiting for bytes, a writer for room */
	char *buf;                     /* UNIX_PIPE_BYTES, allocated at the slot's first use and
					* kept (server_mem_alloc: no memory until then) */
	char *wbuf;                    /* the waiting writer's bytes (at most UNIX_WRITE_MAX), after buf */
};

/* A signal's action, as the kernel's struct sigaction (LINUX_SIGACTION_BYTES). */
struct unix_sigaction {
	uint64_t handler, flags, restorer, mask;
};

/*
 * An open file (Linux's open file description): what open or pipe made,
 * shared by the descriptors dup and fork copy from it, in any process, so
 * they share its offset and flags.
 */
struct unix_file {
	uint32_t refs;                 /* descriptors on it; 0: the slot is free */
	uint8_t file;                  /* enum unix_file_kind */
	uint32_t flags;                /* open's flags: the access mode, O_APPEND */
	uint64_t offset;
	struct fs_node *node;          /* held while open (the devices' too) */
	struct unix_pipe *pipe;        /* FILE_PIPE: counted in its readers or writers */
};

#define UNIX_FILES_MAX        256    /* open files in all (ENFILE past them) */

struct unix_proc {
	uint32_t pid;                  /* 0: the slot is free */
	uint32_t ppid;                 /* its parent's pid: 1 when started by a spawn request,
					* 0 once the parent is gone */
	bool zombie;                   /* ended, its status kept for its parent's wait4 */
	uint32_t wait_status;          /* (a zombie's) in Linux's encoding */
	mach_port_name_t wait_reply;   /* a wait4 waiting for a child: its reply right */
	int64_t wait_pid;              /* the child it waits for (-1: any) */
	mach_port_name_t task;
	mach_port_name_t port;         /* its port in the set: calls arrive here */
	mach_port_name_t waiter;       /* the send-once right of the spawn request */
	uint64_t calls;                /* the calls answered for it */
	uint64_t brk_start, brk;       /* where its break started (its image's end), where it is */
	struct unix_file *fds[UNIX_FDS_MAX];   /* NULL: the descriptor is free */
	uint8_t cloexec[UNIX_FDS_MAX];        /* FD_CLOEXEC: closed by execve */
	struct unix_sigaction acts[LINUX_NSIG + 1];   /* by signal number (0 unused) */
	struct fs_node *cwd;           /* its working directory (held), NULL: the root */
	struct fs_node *exe;           /* the file it runs (held): /proc/self/exe; NULL for a
					* program of the server's table */
	uint32_t umask;
	uint64_t blocked, pending;     /* signal masks: bit sig - 1 */
	mach_port_name_t suspend_reply; /* an rt_sigsuspend (or a poll) waiting for a signal:
					 * its reply right */
	bool polling;                  /* a poll waits (with suspend_reply) */
	uint32_t npoll;                /* its pollfds (in poll_fds) */
	uint64_t suspend_mask;         /* the mask it goes back to after the handler */
};

/*
 * What an answer carries after its word: len bytes at data, or len zeros
 * (data NULL: a read of /dev/zero).
 */
struct unix_answer {
	const void *data;
	uint32_t len;
	bool deferred;                 /* no answer now: the call keeps its reply right */
};

/* A signal's bit in a mask. */
static inline uint64_t sig_bit(uint64_t sig)
			       {
			       return 1ULL << (sig - 1);
}

/* Signals no mask holds back and no action changes. */
#define SIG_UNBLOCKABLE (sig_bit(LINUX_SIGKILL) | sig_bit(LINUX_SIGSTOP))

extern struct unix_proc procs[UNIX_PROCS_MAX];
extern mach_port_name_t server_set;    /* the port set every process's port is in */
extern const struct unix_server_config *server_cfg;
extern uint32_t next_pid;
extern uint32_t polls_waiting;         /* processes whose poll waits (pipes.c) */

/* server.c */
struct unix_proc *wait_child(const struct unix_proc *p, int64_t pid, bool want_zombie);
void answer_words_later(mach_port_name_t reply, const uint64_t *w, uint32_t n,
			const void *data, uint32_t len);
void answer_later(mach_port_name_t reply, int64_t result, const void *data, uint32_t len);
void wait_wake(struct unix_proc *p);
void proc_end(struct unix_proc *p, uint64_t status);
const char *call_data(const struct unix_call_msg *m, uint32_t *len);
const char *call_path(const struct unix_call_msg *m);

void *server_mem_alloc(size_t bytes);

/* files.c */
bool fd_writable(const struct unix_file *f);
struct unix_file *file_new(uint8_t file, uint32_t flags, struct fs_node *node,
			   struct unix_pipe *pipe);
void file_put(struct unix_file *f);
void fd_close(struct unix_proc *p, int fd);
void fd_install(struct unix_proc *p, int fd, struct unix_file *f, uint8_t cloexec);
int fd_free(const struct unix_proc *p, int from);
struct unix_file *fd_get(struct unix_proc *p, uint64_t fd);
int64_t at_path(struct unix_proc *p, const struct unix_call_msg *m, uint64_t dirfd,
		struct fs_node **dir, const char **path);
int64_t unix_open(struct unix_proc *p, const struct unix_call_msg *m, uint64_t dirfd,
		  uint64_t flags, uint64_t mode);
bool fd_readable(const struct unix_file *f);
int64_t fd_dup(struct unix_proc *p, uint64_t fd, uint64_t to, bool exact, uint8_t cloexec);
int64_t unix_fcntl(struct unix_proc *p, uint64_t fd, uint64_t cmd, uint64_t arg);
int64_t unix_chdir(struct unix_proc *p, const struct unix_call_msg *m, int64_t fd);
int64_t unix_getdents(struct unix_proc *p, uint64_t fd, uint64_t count, char *out,
		      struct unix_answer *a);
int64_t unix_rename(struct unix_proc *p, const struct unix_call_msg *m);
int64_t unix_write(struct unix_proc *p, const struct unix_call_msg *m, uint64_t fd,
		   int64_t off, struct unix_answer *a);
int64_t unix_read(struct unix_proc *p, const struct unix_call_msg *m, uint64_t fd,
		  uint64_t addr, uint64_t count, int64_t off, char *out,
		  struct unix_answer *a);
int64_t unix_lseek(struct unix_proc *p, uint64_t fd, int64_t off, uint64_t whence);
int64_t unix_fstat(struct unix_proc *p, uint64_t fd, char *st);
int64_t unix_ftruncate(struct unix_proc *p, uint64_t fd, uint64_t size);
int64_t unix_stat(struct unix_proc *p, const struct unix_call_msg *m, uint64_t dirfd,
		  uint64_t flags, char *st);
int64_t unix_access(struct unix_proc *p, const struct unix_call_msg *m, uint64_t dirfd,
		    uint64_t mode);
int64_t unix_path_change(struct unix_proc *p, const struct unix_call_msg *m,
			 uint64_t nr, uint64_t dirfd, uint64_t arg);
int64_t unix_chmod(struct unix_proc *p, const struct unix_call_msg *m, uint64_t fd,
		   bool by_fd, uint64_t mode);
int64_t unix_readlink_exe(struct unix_proc *p, char *out, uint64_t size);
int64_t unix_mount(struct unix_proc *p, const struct unix_call_msg *m);
int64_t unix_ioctl(struct unix_proc *p, const struct unix_call_msg *m, uint64_t fd,
		   uint64_t req, char *out, struct unix_answer *a);

/* pipes.c */
void poll_clear(struct unix_proc *p);
void pipe_end_closed(struct unix_pipe *pp, bool writer);
void pipe_waits_cancel(const struct unix_proc *p);
int64_t unix_pipe(struct unix_proc *p, uint64_t flags, char *out, struct unix_answer *a);
int64_t pipe_read(struct unix_proc *p, struct unix_file *f, const struct unix_call_msg *m,
		  uint64_t addr, uint64_t count, char *out, struct unix_answer *a);
int64_t pipe_write(struct unix_proc *p, struct unix_file *f, const struct unix_call_msg *m,
		   const char *data, uint32_t len, struct unix_answer *a);
int64_t unix_poll(struct unix_proc *p, const struct unix_call_msg *m, char *out,
		  struct unix_answer *a);
void poll_wake(void);
void poll_cancel(struct unix_proc *p);

/* signals.c */
void proc_kill(struct unix_proc *p, uint64_t sig);
int64_t signal_wait(struct unix_proc *p, mach_port_name_t reply, uint64_t mask,
		    struct unix_answer *a);
int64_t unix_sigsuspend(struct unix_proc *p, const struct unix_call_msg *m,
			struct unix_answer *a);
bool signal_post(struct unix_proc *p, uint64_t sig);
int signal_take(struct unix_proc *p, uint64_t w[UNIX_SIGNAL_WORDS - 1]);
int64_t unix_sigaction(struct unix_proc *p, const struct unix_call_msg *m, char *out,
		       uint32_t *out_len);
int64_t unix_sigprocmask(struct unix_proc *p, const struct unix_call_msg *m, char *out,
			 uint32_t *out_len);
int64_t unix_kill(struct unix_proc *p, uint64_t pid, uint64_t sig, bool *self_ended);

/* procs.c */
int64_t unix_execve(struct unix_proc *p, const struct unix_call_msg *m,
		    struct unix_answer *a);
int64_t unix_fork(struct unix_proc *p, uint64_t entry, uint64_t frame);
int64_t unix_wait4(struct unix_proc *p, const struct unix_call_msg *m, char *out,
		   struct unix_answer *a);

/* memory.c */
int64_t unix_brk(struct unix_proc *p, uint64_t want);
int64_t unix_mmap(struct unix_proc *p, uint64_t addr, uint64_t len, uint64_t prot,
		  uint64_t flags, uint64_t fd, uint64_t off);

/* mapped.c */
int64_t unix_mmap_file(struct unix_proc *p, vm_address_t at, uint64_t size, uint64_t prot,
		       uint64_t flags, uint64_t fd, uint64_t off);
bool file_pager_serve(struct unix_call_msg *m);
kern_return_t file_map_exec(void *ctx, mach_port_name_t task, vm_address_t at, uint64_t size,
			    uint64_t off, vm_prot_t prot);
kern_return_t proc_vm_read(mach_port_name_t task, vm_address_t addr, void *buf, vm_size_t n);
kern_return_t proc_vm_write(mach_port_name_t task, vm_address_t addr, const void *buf,
			    vm_size_t n);
void file_pagers_drain(void);
bool file_pagers_busy(void);           /* a file mapping lives (in any process) */
int64_t unix_munmap(struct unix_proc *p, uint64_t addr, uint64_t len);
int64_t unix_mprotect(struct unix_proc *p, uint64_t addr, uint64_t len, uint64_t prot);
int64_t unix_madvise(uint64_t addr, uint64_t advice);

#endif

/*
 * fuzz.h — the kernel fuzzer (tests/fuzz/), a guest-side library.
 *
 * A campaign (fuzz_campaign, in a task holding the host right) runs batches:
 * each batch is one unprivileged child task (its own ledger) running the
 * program's own image with "--fuzz-child SEED BATCH OPS FLAGS". The child
 * builds valid-looking traffic and mutates it (fuzz_msg.c: messages, names
 * repeated with every pair of dispositions, out-of-line edges, full queues;
 * fuzz_pager.c: a task that is its own pager answering with mutated ranges;
 * fuzz_task.c: task and thread operations on live, dying and dead targets,
 * and every trap number with edge-case arguments), then reports what it did
 * to the parent in one message. After each batch the parent checks that the
 * kernel still answers, that ports, tasks, threads and free pages are back
 * to their baseline and that mk_kernel_check passes; a failure names the
 * seed and batch, and "--seed S --batch B" re-runs exactly that batch.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include "mk.h"

/* Child flags (FLAGS on the child's command line). */
#define FUZZ_TRACE            0x2   /* print every operation before doing it */
/*
 * Kernel bugs the fuzzer found (all fixed since; regression tests in
 * tests/guest/test_reliability.c and test_pager.c). Each can still be left
 * out by a switch (--skip-bug a|b|c, or --skip-known-bugs for all three),
 * to run a campaign against a kernel from before a fix; make test and make
 * fuzz use none of them.
 *  (a) a name used again in one message after an earlier use consumed its
 *      right (MOVE_SEND of the last uref then COPY_SEND, a dead name moved
 *      twice, MOVE_RECEIVE then MAKE_SEND, MOVE_SEND_ONCE then anything):
 *      the check passes and copyin uses a freed entry (panic in
 *      ipc_right_take). Left out: any message naming a name twice with a
 *      moving use (broader than the bug).
 *  (b) a pager reply whose range is not page-aligned inside the object
 *      (unaligned, beyond it, length 0, near 2^64, overflowing): the kernel
 *      loops forever.
 *  (c) thread_set_priority on a RUNNABLE thread (sys_thread_set_priority)
 *      unlinks it from its run queue without clearing the queue's nonempty
 *      bit; a later switch pops an empty queue (panic in
 *      sched_switch_locked, address 0x3c).
 *  A fourth showed as a leak once the name service had the default
 *  pager's task port: any task could look it up and kill the pager
 *  (fixed: names under BOOTSTRAP_PRIVILEGED_PREFIX are privileged only).
 */
#define FUZZ_SKIP_BUG_A       0x4
#define FUZZ_SKIP_BUG_B       0x8
#define FUZZ_SKIP_BUG_C       0x10
#define FUZZ_SKIP_KNOWN_BUGS  (FUZZ_SKIP_BUG_A | FUZZ_SKIP_BUG_B | FUZZ_SKIP_BUG_C)

#define FUZZ_OPS_PER_BATCH    2000  /* operations one child task makes by default */
#define FUZZ_PAGE_SLACK       256   /* free pages below the baseline a batch may leave (zones, caches) */
#define FUZZ_BATCH_TIMEOUT_MS 60000 /* virtual ms a child may take */
#define FUZZ_CHECK_EVERY_MS   200   /* the parent walks the kernel this often during a batch */
#define FUZZ_SETTLE_MS        500   /* how long counts may take to come back after a batch */
#define FUZZ_REPORT_NAME      40u   /* where the child finds its send right to the parent */
#define FUZZ_COVER_SLOTS      4096  /* distinct coverage keys a child reports */

/* Coverage keys: class in the top byte, then class-specific fields, then an outcome. */
enum fuzz_class {
	FUZZ_C_PAIR = 1,      /* a name used twice in one message: state, placement, dispositions */
	FUZZ_C_TRIPLE,        /* three uses of one name */
	FUZZ_C_MUTATED,       /* a mutated message */
	FUZZ_C_OOL,           /* an out-of-line region at a mapping's edge */
	FUZZ_C_QUEUE,         /* full queues, timeouts, sets, too-small buffers */
	FUZZ_C_PAGER,         /* a pager reply */
	FUZZ_C_TASK,          /* task and thread operations */
	FUZZ_C_TRAP,          /* a trap number with edge-case arguments */
};

/* A set of 32-bit keys (open addressing; 0 is never a key). */
struct fuzz_cover {
	uint32_t *slots;
	uint32_t capacity, count;
};

/* What a child does its batch with. */
struct fuzz_child {
	uint64_t rng;
	uint64_t ops, batch;
	uint32_t flags;
	uint64_t skipped;                 /* operations left out by FUZZ_SKIP_KNOWN_BUGS */
	uint64_t violations;              /* privileged traps that did not refuse */
	mach_port_name_t report;          /* send right to the parent */
	mach_port_name_t main_thread;     /* never suspended or terminated */
	struct fuzz_cover cover;
	const void *image;                /* this program, for spawning idle tasks */
	size_t image_size;
	const char *argv0;
};

/* A campaign's parameters and what it found. */
struct fuzz_config {
	uint64_t seed;
	uint64_t ops;                     /* operations in all */
	uint64_t ops_per_batch;
	int64_t only_batch;               /* >= 0: run just this batch */
	uint32_t flags;                   /* FUZZ_SKIP_KNOWN_BUGS, FUZZ_TRACE for the children */
	const char *argv0;                /* the program's name, the children's argv[0] */
	bool quiet;                       /* no line per batch */
};
struct fuzz_result {
	uint64_t ops, batches, combos, pairs, traps, checks;
	uint64_t leaks, inconsistent, hangs, violations, skipped, children_ended;
};

/* The PRNG (xorshift64*), seeded per batch so a batch can be re-run alone. */
uint64_t fuzz_rand(uint64_t *state);
uint64_t fuzz_below(struct fuzz_child *c, uint64_t n);     /* uniform-ish in [0, n) */
uint64_t fuzz_batch_seed(uint64_t seed, uint64_t batch);

void fuzz_cover_add(struct fuzz_cover *cv, uint32_t key);
uint32_t fuzz_key(enum fuzz_class cls, uint32_t a, uint32_t b, kern_return_t outcome);
/* Note one operation of cls with outcome; fields a (8 bits) and b (12 bits). */
void fuzz_note(struct fuzz_child *c, enum fuzz_class cls, uint32_t a, uint32_t b,
	       kern_return_t outcome);
void fuzz_trace(struct fuzz_child *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parent side: run the campaign; 0 if the kernel stayed consistent throughout. */
int fuzz_campaign(const struct fuzz_config *cfg, struct fuzz_result *res);
/* Both sides: handle "--fuzz-child ..." and "--fuzz-idle" in main; true if argv was one. */
bool fuzz_main_dispatch(int argc, char **argv, int *exit_code);
/* Parse "--seed S --ops N --batch B --ops-per-batch K --skip-known-bugs --trace". */
int fuzz_parse_args(int argc, char **argv, struct fuzz_config *cfg);
uint64_t fuzz_parse_u64(const char *s);

/* The operation classes (each makes one operation or a few and notes them). */
void fuzz_op_pair(struct fuzz_child *c, uint64_t index);
void fuzz_op_triple(struct fuzz_child *c);
void fuzz_op_mutated(struct fuzz_child *c);
void fuzz_op_ool(struct fuzz_child *c);
void fuzz_op_queue(struct fuzz_child *c);
void fuzz_op_pager(struct fuzz_child *c);
void fuzz_op_thread(struct fuzz_child *c);
void fuzz_op_task(struct fuzz_child *c);
void fuzz_op_trap(struct fuzz_child *c);

/* Message helpers shared by the classes (fuzz_msg.c). */
#define FUZZ_MSG_BYTES 1024
struct fuzz_msg {
	struct mach_msg_header header;
	uint8_t body[FUZZ_MSG_BYTES - sizeof(struct mach_msg_header)];
} __attribute__((aligned(8)));

void fuzz_msg_init(struct fuzz_msg *m, mach_port_name_t dest, int dest_disp, int32_t id);
void *fuzz_msg_add(struct fuzz_msg *m, uint8_t kind, uint8_t elem_size, uint8_t disp,
		   uint8_t flags, uint32_t count, uint32_t data_bytes);
mach_port_name_t fuzz_port(void);                      /* a receive right, or 0 */
mach_port_name_t fuzz_port_send(void);                 /* a receive right with one send uref */
/* Receive everything queued on name (no waiting) and destroy what came with it. */
void fuzz_drain(mach_port_name_t name);
/* Destroy the rights and regions a received message brought. */
void fuzz_msg_release(struct fuzz_msg *m);
/* Would this message, as the kernel reads it, hit known bug (a)? */
bool fuzz_msg_reuses_consumed_name(const struct fuzz_msg *m);
/* Replace the names a fuzzing child must keep (task self, bootstrap, report, its thread). */
void fuzz_msg_protect(struct fuzz_child *c, struct fuzz_msg *m);
bool fuzz_name_protected(const struct fuzz_child *c, uint64_t name);
mach_msg_return_t fuzz_send(struct fuzz_msg *m, uint64_t timeout_ms);

#endif

/*
 * ipc.c — pipes between processes: the 1-byte round trip, a token round a
 * ring of N processes (context switches), and 64 KiB moved to a reader.
 *
 * Every child here is a relay: it keeps only its two pipe ends, reads from
 * one and answers on the other until its input reaches end of file, so the
 * parent ends a benchmark by closing its write end and reaping the children.
 */
#include "unix_bench.h"

#include <errno.h>
#include <unistd.h>

#define RTT_EST_INSN        12000    /* 1-byte round trip, for bench_plan_for */
#define RING_HOP_EST_INSN   6000     /* one hop of the ring */
#define RING_MEMBERS_MAX    8
#define BANDWIDTH_BYTES     65536    /* what one pipe_bandwidth sample moves */
#define BANDWIDTH_EST_INSN  150000

/*
 * A relay's two pipe ends, what it answers per message, and every pipe fd
 * of the benchmark: the child closes all the others first, so that closing
 * the parent's write end really ends its input.
 */
struct relay {
	int in;
	int out;
	size_t chunk;      /* bytes read before the 1-byte answer (1: echo) */
	const int *fds;
	int fd_count;
};

static char bandwidth_buf[BANDWIDTH_BYTES];

/* Close every fd in fds[0..n) except keep0 and keep1. */
static void close_others(const int *fds, int n, int keep0, int keep1)
{
	for (int i = 0; i < n; i++)
		if (fds[i] != keep0 && fds[i] != keep1)
			close(fds[i]);
}

/* Make a pipe (fails the benchmark). */
static void pipe_make(const char *name, int fds[2])
{
	if (pipe(fds) != 0)
		bench_fail(name, "pipe", errno);
}

/*
 * The child's loop: read chunk bytes, write one byte; exit at end of file.
 * Any other failure exits 1, which the parent's bench_reap reports.
 */
static void relay_run(void *arg)
{
	const struct relay *r = arg;
	static char buf[BANDWIDTH_BYTES];

	close_others(r->fds, r->fd_count, r->in, r->out);
	for (;;) {
		size_t got = 0;

		while (got < r->chunk) {
			ssize_t n = read(r->in, buf + got, r->chunk - got);

			if (n == 0 && got == 0)
				return;
			if (n <= 0)
				_exit(1);
			got += (size_t)n;
		}
		if (write(r->out, buf, 1) != 1)
			_exit(1);
	}
}

/* The parent's side of one exchange: send len bytes, wait for the 1-byte answer. */
struct exchange {
	const char *name;
	int out;
	int in;
	const char *data;
	size_t len;
};

/* One sample: the data out, the 1-byte answer back. */
static void exchange_op(void *ctx)
{
	struct exchange *x = ctx;
	char answer;

	bench_write_all(x->name, x->out, x->data, x->len);
	bench_read_all(x->name, x->in, &answer, 1);
}

/*
 * One parent and one relay child answering after every chunk bytes:
 * measure exchanges of chunk bytes, then close and reap.
 */
static void relay_pair_measure(const char *name, long param, size_t chunk, uint64_t est_insn)
{
	int fds[4];   /* to the child: 0 read, 1 write; from it: 2 read, 3 write */
	struct relay r = { .chunk = chunk, .fds = fds, .fd_count = 4 };
	struct exchange x = { .name = name, .data = bandwidth_buf, .len = chunk };
	pid_t pid;

	pipe_make(name, &fds[0]);
	pipe_make(name, &fds[2]);
	r.in = fds[0];
	r.out = fds[3];
	pid = bench_spawn(name, relay_run, &r);
	x.out = fds[1];
	x.in = fds[2];
	close_others(fds, 4, x.in, x.out);
	bench_measure(name, param, bench_plan_for(est_insn), exchange_op, &x);
	close(x.out);
	bench_reap(name, pid);
	close(x.in);
}

/* pipe_rtt: 1 byte out, 1 byte back. */
void bench_pipe_rtt(void)
{
	relay_pair_measure("pipe_rtt", BENCH_NO_PARAM, 1, RTT_EST_INSN);
}

/* pipe_bandwidth: 64 KiB out (the child reads it all), 1 byte back. */
void bench_pipe_bandwidth(void)
{
	for (size_t i = 0; i < BANDWIDTH_BYTES; i++)
		bandwidth_buf[i] = (char)i;
	relay_pair_measure("pipe_bandwidth", BANDWIDTH_BYTES, BANDWIDTH_BYTES, BANDWIDTH_EST_INSN);
}

/*
 * A ring of members processes (this one is member 0): member i reads pipe i
 * and writes pipe i+1 (mod members). One sample sends a token from member 0
 * and waits for it to come back: members hops, each a context switch.
 */
static void ring_measure(int members)
{
	int fds[2 * RING_MEMBERS_MAX];
	pid_t pids[RING_MEMBERS_MAX];
	struct exchange x = { .name = "ctx_switch", .data = bandwidth_buf, .len = 1 };

	for (int i = 0; i < members; i++)
		pipe_make(x.name, &fds[2 * i]);
	for (int i = 1; i < members; i++) {
		struct relay r = {
			.in = fds[2 * i],
			.out = fds[2 * ((i + 1) % members) + 1],
			.chunk = 1,
			.fds = fds,
			.fd_count = 2 * members,
		};

		pids[i] = bench_spawn(x.name, relay_run, &r);
	}
	x.in = fds[0];
	x.out = fds[3];
	close_others(fds, 2 * members, x.in, x.out);
	bench_measure(x.name, members, bench_plan_for((uint64_t)members * RING_HOP_EST_INSN),
		      exchange_op, &x);
	close(x.out);  /* end of file travels round the ring: each member exits in turn */
	for (int i = 1; i < members; i++)
		bench_reap(x.name, pids[i]);
	close(x.in);
}

/* ctx_switch: rings of 2 and 8 processes (parameter N). */
void bench_ctx_switch(void)
{
	static const int ring_sizes[] = { 2, RING_MEMBERS_MAX };

	for (size_t i = 0; i < sizeof(ring_sizes) / sizeof(ring_sizes[0]); i++)
		ring_measure(ring_sizes[i]);
}

/*
 * pipes.c — the Unix server's pipes and poll (server_int.h): a 64 KiB
 * buffer a pipe; a read of an empty pipe or a write to a full one keeps
 * its reply right until the other side moves (one reader and one writer
 * may wait at a time); a poll with nothing ready waits the same way
 * (poll_wake after each call), ended by a signal (EINTR) or the library's
 * timeout (UNIX_CALL_POLL_CANCEL).
 */
#include "server_int.h"

static struct linux_pollfd poll_fds[UNIX_PROCS_MAX][UNIX_POLL_MAX];   /* each one's waiting poll */
uint32_t polls_waiting;

/* p's poll no longer waits. */
void poll_clear(struct unix_proc *p)
{
	if (p->polling) {
		p->polling = false;
		p->npoll = 0;
		polls_waiting--;
	}
}

static struct unix_pipe pipes[UNIX_PIPES_MAX];

/* Put up to count of pp's bytes where a reader wants them: into out when
 * count is at most UNIX_DATA_MAX (the answer carries them), else straight
 * into the reader's buffer at addr (vm_write). How many, or -EFAULT. */
static int64_t pipe_take(struct unix_pipe *pp, struct unix_proc *reader, uint64_t addr,
			 uint64_t count, char *out)
{
	uint32_t n = (uint32_t)(count < pp->len ? count : pp->len), done = 0;

	while (done < n) {
		uint32_t at = (pp->head + done) % UNIX_PIPE_BYTES;
		uint32_t seg = n - done < UNIX_PIPE_BYTES - at ? n - done : UNIX_PIPE_BYTES - at;

		if (count <= UNIX_DATA_MAX)
			memcpy(out + done, pp->buf + at, seg);
		else if (proc_vm_write(reader->task, addr + done, pp->buf + at, seg) != KERN_SUCCESS)
			return -LINUX_EFAULT;
		done += seg;
	}
	pp->head = (pp->head + n) % UNIX_PIPE_BYTES;
	pp->len -= n;
	return n;
}

/* Put up to len bytes into pp's room; how many. */
static uint32_t pipe_put(struct unix_pipe *pp, const char *data, uint32_t len)
{
	uint32_t n = len < UNIX_PIPE_BYTES - pp->len ? len : UNIX_PIPE_BYTES - pp->len;

	for (uint32_t done = 0; done < n;) {
		uint32_t at = (pp->head + pp->len + done) % UNIX_PIPE_BYTES;
		uint32_t seg = n - done < UNIX_PIPE_BYTES - at ? n - done : UNIX_PIPE_BYTES - at;

		memcpy(pp->buf + at, data + done, seg);
		done += seg;
	}
	pp->len += n;
	return n;
}

static void pipe_resume_writer(struct unix_pipe *pp);

/* A waiting reader gets bytes that came, or end of file once no writer is left. */
static void pipe_resume_reader(struct unix_pipe *pp)
{
	static char out[UNIX_DATA_MAX];
	struct pipe_wait w = pp->rwait;
	int64_t n;

	if (!w.proc || (!pp->len && pp->writers))
		return;
	pp->rwait = (struct pipe_wait){ 0 };
	n = pipe_take(pp, w.proc, w.addr, w.count, out);
	answer_later(w.reply, n, out, n > 0 && w.count <= UNIX_DATA_MAX ? (uint32_t)n : 0);
	if (n > 0)
		pipe_resume_writer(pp);
}

/* A waiting writer puts what fits of its bytes now (a shorter write, as
 * Linux allows), or gets EPIPE and SIGPIPE once no reader is left. */
static void pipe_resume_writer(struct unix_pipe *pp)
{
	struct pipe_wait w = pp->wwait;
	uint32_t n;

	if (!w.proc || (pp->len == UNIX_PIPE_BYTES && pp->readers))
		return;
	pp->wwait = (struct pipe_wait){ 0 };
	if (!pp->readers) {
		answer_later(w.reply, -LINUX_EPIPE, NULL, 0);
		signal_post(w.proc, LINUX_SIGPIPE);
		return;
	}
	n = pipe_put(pp, pp->wbuf, (uint32_t)w.count);
	answer_later(w.reply, n, NULL, 0);
	pipe_resume_reader(pp);
}

/* One of pp's descriptors went: the other side may be waiting for that. */
void pipe_end_closed(struct unix_pipe *pp, bool writer)
{
	if (writer) {
		pp->writers--;
		pipe_resume_reader(pp);
	} else {
		pp->readers--;
		pipe_resume_writer(pp);
	}
}

/* p is going: calls of it kept waiting on pipes are forgotten. */
void pipe_waits_cancel(const struct unix_proc *p)
{
	for (int i = 0; i < UNIX_PIPES_MAX; i++) {
		struct pipe_wait *w[2] = { &pipes[i].rwait, &pipes[i].wwait };

		for (int k = 0; k < 2; k++)
			if (w[k]->proc == p) {
				mk_port_deallocate(MACH_PORT_TASK_SELF, w[k]->reply);
				*w[k] = (struct pipe_wait){ 0 };
			}
	}
}

/* pipe and pipe2: two descriptors, read end first, in the answer's data. */
int64_t unix_pipe(struct unix_proc *p, uint64_t flags, char *out, struct unix_answer *a)
{
	int32_t fds[2] = { -1, -1 };
	struct unix_pipe *pp = NULL;
	struct unix_file *ends[2];

	if (flags & ~(uint64_t)(LINUX_O_CLOEXEC | LINUX_O_NONBLOCK))
		return -LINUX_EINVAL;
	for (int i = 0; !pp && i < UNIX_PIPES_MAX; i++)
		if (!pipes[i].readers && !pipes[i].writers)
			pp = &pipes[i];
	fds[0] = fd_free(p, 0);
	fds[1] = fd_free(p, fds[0] + 1);
	if (fds[0] >= UNIX_FDS_MAX || fds[1] >= UNIX_FDS_MAX)
		return -LINUX_EMFILE;
	if (!pp)
		return -LINUX_ENFILE;
	if (!pp->buf) {
		if (!(pp->buf = server_mem_alloc(2 * UNIX_PIPE_BYTES)))
			return -LINUX_ENOMEM;
		pp->wbuf = pp->buf + UNIX_PIPE_BYTES;
	}
	for (int k = 0; k < 2; k++)
		ends[k] = file_new(FILE_PIPE, (k ? LINUX_O_WRONLY : 0) |
				   (uint32_t)(flags & LINUX_O_NONBLOCK), NULL, pp);
	if (!ends[0] || !ends[1]) {
		for (int k = 0; k < 2; k++)
			if (ends[k])
				*ends[k] = (struct unix_file){ 0 };   /* (the pipe was not counted yet) */
		return -LINUX_ENFILE;
	}
	*pp = (struct unix_pipe){ .readers = 1, .writers = 1, .buf = pp->buf, .wbuf = pp->wbuf };
	for (int k = 0; k < 2; k++)
		fd_install(p, fds[k], ends[k], (flags & LINUX_O_CLOEXEC) ? LINUX_FD_CLOEXEC : 0);
	memcpy(out, fds, sizeof(fds));
	*a = (struct unix_answer){ .data = out, .len = sizeof(fds) };
	return 0;
}

/* read of a pipe: its bytes, end of file, EAGAIN, or the call waits. */
int64_t pipe_read(struct unix_proc *p, struct unix_file *f, const struct unix_call_msg *m,
		  uint64_t addr, uint64_t count, char *out, struct unix_answer *a)
{
	struct unix_pipe *pp = f->pipe;
	int64_t n;

	if (count > UNIX_READ_MAX)
		count = UNIX_READ_MAX;
	if (!count || (!pp->len && !pp->writers))
		return 0;
	if (!pp->len) {
		if ((f->flags & LINUX_O_NONBLOCK) || pp->rwait.proc || !m->h.remote_port)
			return -LINUX_EAGAIN;      /* (one reader waits at a time) */
		pp->rwait = (struct pipe_wait){ p, m->h.remote_port, addr, count };
		a->deferred = true;
		return 0;
	}
	n = pipe_take(pp, p, addr, count, out);
	if (n > 0 && count <= UNIX_DATA_MAX)
		*a = (struct unix_answer){ .data = out, .len = (uint32_t)n };
	pipe_resume_writer(pp);
	return n;
}

/* write to a pipe: what fits now, EPIPE (and SIGPIPE) with no reader, or the call waits. */
int64_t pipe_write(struct unix_proc *p, struct unix_file *f, const struct unix_call_msg *m,
		   const char *data, uint32_t len, struct unix_answer *a)
{
	struct unix_pipe *pp = f->pipe;
	uint32_t n;

	if (!pp->readers) {
		signal_post(p, LINUX_SIGPIPE);
		return -LINUX_EPIPE;
	}
	if (!len)
		return 0;
	n = pipe_put(pp, data, len);
	if (n) {
		pipe_resume_reader(pp);
		return n;
	}
	if ((f->flags & LINUX_O_NONBLOCK) || pp->wwait.proc || !m->h.remote_port)
		return -LINUX_EAGAIN;              /* (one writer waits at a time) */
	memcpy(pp->wbuf, data, len);
	pp->wwait = (struct pipe_wait){ p, m->h.remote_port, 0, len };
	a->deferred = true;
	return 0;
}

/*
 * What each of v[0..n) is ready for (its revents: what it asked for, and
 * POLLERR, POLLHUP, POLLNVAL unasked): files and /dev/null and /dev/zero
 * always; the console for writing, and for reading (at end of file: it
 * has no input); a pipe's read end once it holds bytes, or POLLHUP when no
 * writer is left; its write end while it has room, or POLLERR when no
 * reader is left; a closed descriptor POLLNVAL; a negative one is left
 * out. Returns how many have revents.
 */
static uint32_t poll_scan(struct unix_proc *p, struct linux_pollfd *v, uint32_t n)
{
	uint32_t ready = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct unix_file *f = v[i].fd < 0 ? NULL : fd_get(p, (uint64_t)v[i].fd);
		uint32_t r = LINUX_POLLIN | LINUX_POLLOUT;

		if (v[i].fd < 0)
			r = 0;
		else if (!f)
			r = LINUX_POLLNVAL;
		else if (f->file == FILE_PIPE && fd_readable(f))
			r = f->pipe->len ? LINUX_POLLIN : f->pipe->writers ? 0 : LINUX_POLLHUP;
		else if (f->file == FILE_PIPE)
			r = !f->pipe->readers ? LINUX_POLLERR :
			    f->pipe->len < UNIX_PIPE_BYTES ? LINUX_POLLOUT : 0;
		v[i].revents = (int16_t)(r & ((uint16_t)v[i].events | LINUX_POLLERR | LINUX_POLLHUP |
					      LINUX_POLLNVAL));
		ready += v[i].revents != 0;
	}
	return ready;
}

/*
 * poll(fds, nfds, timeout) as the library sends it (select, pselect6 and
 * ppoll too): the pollfds in the data, the timeout in ms (negative: none),
 * then a flag and a signal mask to wait with (ppoll, pselect6). Answers
 * at once when one is ready or the timeout is 0; otherwise the call keeps
 * its reply right (as rt_sigsuspend: a signal ends it with EINTR) until
 * poll_wake finds one ready, or the library's receive times out and it
 * sends UNIX_CALL_POLL_CANCEL.
 */
int64_t unix_poll(struct unix_proc *p, const struct unix_call_msg *m, char *out,
		  struct unix_answer *a)
{
	uint32_t len = 0, n = (uint32_t)m->words[2], ready;
	const char *data = call_data(m, &len);
	struct linux_pollfd *v = (struct linux_pollfd *)out;
	int64_t rc;

	if (m->words[2] > UNIX_POLL_MAX)
		return -LINUX_EINVAL;
	if (len != n * sizeof(*v) || (n && !data))
		return -LINUX_EFAULT;
	memcpy(v, data, len);
	ready = poll_scan(p, v, n);
	if (ready || (int32_t)m->words[3] == 0) {
		*a = (struct unix_answer){ .data = out, .len = len };
		return ready;
	}
	rc = signal_wait(p, m->h.remote_port, m->words[4] ? m->words[5] : p->blocked, a);
	if (rc == 0 && p->suspend_reply) {             /* (no signal ended it at once) */
		memcpy(poll_fds[p - procs], v, len);
		p->polling = true;
		p->npoll = n;
		polls_waiting++;
	}
	return rc;
}

/* p's waiting poll is answered: ready (of its npoll pollfds), the mask from
 * before the call back. */
static void poll_answer(struct unix_proc *p, uint32_t ready)
{
	mach_port_name_t reply = p->suspend_reply;

	p->blocked = p->suspend_mask;
	p->suspend_reply = MACH_PORT_NULL;
	answer_later(reply, ready, poll_fds[p - procs], p->npoll * (uint32_t)sizeof(struct linux_pollfd));
	poll_clear(p);
}

/* Every waiting poll that has a descriptor ready now is answered. */
void poll_wake(void)
{
	for (int i = 0; i < UNIX_PROCS_MAX && polls_waiting; i++) {
		struct unix_proc *p = &procs[i];
		uint32_t ready;

		if (p->polling && (ready = poll_scan(p, poll_fds[i], p->npoll)) != 0)
			poll_answer(p, ready);
	}
}

/* UNIX_CALL_POLL_CANCEL: the library's receive timed out; its poll, if
 * still waiting, is answered with none ready (the library takes it). */
void poll_cancel(struct unix_proc *p)
{
	if (!p->polling)
		return;
	for (uint32_t i = 0; i < p->npoll; i++)
		poll_fds[p - procs][i].revents = 0;
	poll_answer(p, 0);
}

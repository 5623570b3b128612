/*
 * signals.c — the Unix server's signals (server_int.h): each process's
 * actions, mask and pending set; default actions are done here (ending the
 * task); a signal for a handler goes in the answer to the process's next
 * whole call (signal_take), where the library builds Linux's frame;
 * rt_sigsuspend and poll wait for one with their reply right kept.
 */
#include "server_int.h"

/* Is sig's default action to let it go (the stop signals too: no job control here)? */
static bool sig_default_ignored(uint64_t sig)
{
	return sig == LINUX_SIGCHLD || sig == LINUX_SIGCONT || sig == LINUX_SIGURG ||
	       sig == LINUX_SIGWINCH || (sig >= LINUX_SIGSTOP && sig <= LINUX_SIGTTOU);
}

static bool sig_ignored(const struct unix_proc *p, uint64_t sig)
{
	uint64_t h = p->acts[sig].handler;

	return sig != LINUX_SIGKILL &&
	       (h == LINUX_SIG_IGN || (h == LINUX_SIG_DFL && sig_default_ignored(sig)));
}

/* The process ends by sig's default action: its task goes, whoever started it hears. */
void proc_kill(struct unix_proc *p, uint64_t sig)
{
	mk_task_terminate(p->task);
	proc_end(p, UNIX_STATUS_SIGNALED | sig);
}

/*
 * An rt_sigsuspend of p gets the signal it waits for, if one is ready: its
 * answer is EINTR with the signal to deliver, whose handler goes back to
 * the mask from before the call (a default action that ends p ends it
 * here instead).
 */
static void signal_resume(struct unix_proc *p)
{
	uint64_t w[UNIX_SIGNAL_WORDS] = { (uint64_t)-LINUX_EINTR };
	mach_port_name_t reply = p->suspend_reply;

	if (!reply || signal_take(p, &w[1]) <= 0)
		return;                                /* nothing yet, or p is gone */
	w[UNIX_SIGNAL_WORDS - 1] = p->suspend_mask;
	p->suspend_reply = MACH_PORT_NULL;
	poll_clear(p);                               /* (a poll ends with EINTR too) */
	answer_words_later(reply, w, UNIX_SIGNAL_WORDS, NULL, 0);
}

/* Wait with mask until a signal with a handler (or one that ends p) comes;
 * the answer (EINTR) may be at once. */
int64_t signal_wait(struct unix_proc *p, mach_port_name_t reply, uint64_t mask,
		    struct unix_answer *a)
{
	if (!reply || p->suspend_reply)
		return -LINUX_EINVAL;
	p->suspend_mask = p->blocked;
	p->blocked = mask & ~SIG_UNBLOCKABLE;
	p->suspend_reply = reply;
	a->deferred = true;
	signal_resume(p);
	return 0;
}

/* rt_sigsuspend(mask, size): signal_wait with the call's mask. */
int64_t unix_sigsuspend(struct unix_proc *p, const struct unix_call_msg *m,
			struct unix_answer *a)
{
	uint32_t len = 0;
	const char *data = call_data(m, &len);
	uint64_t mask;

	if (m->words[2] != LINUX_SIGSET_BYTES || !data || len != LINUX_SIGSET_BYTES)
		return -LINUX_EINVAL;
	memcpy(&mask, data, sizeof(mask));
	return signal_wait(p, m->h.remote_port, mask, a);
}

/*
 * Send sig (1..LINUX_NSIG) to p: an ignored one that is not blocked goes at
 * once, one whose default action ends p ends it at once unless blocked,
 * any other waits in p's pending set for its next call. True if p ended.
 */
bool signal_post(struct unix_proc *p, uint64_t sig)
{
	bool blocked = p->blocked & sig_bit(sig);

	if (sig_ignored(p, sig) && !blocked)
		return false;
	if (sig == LINUX_SIGKILL || (!blocked && p->acts[sig].handler == LINUX_SIG_DFL)) {
		proc_kill(p, sig);
		return true;
	}
	p->pending |= sig_bit(sig);
	signal_resume(p);
	return false;
}

/*
 * The lowest pending signal p does not block, taken out of pending: for a
 * handler, its delivery's words after the result (signal, handler, flags,
 * restorer, the mask to restore) with the mask the handler runs under set,
 * and 1; 0 when there is none (ignored ones are dropped on the way); -1
 * when a default action ended p.
 */
int signal_take(struct unix_proc *p, uint64_t w[UNIX_SIGNAL_WORDS - 1])
{
	uint64_t ready;

	while ((ready = p->pending & ~p->blocked) != 0) {
		uint64_t sig = (uint64_t)__builtin_ctzll(ready) + 1;
		struct unix_sigaction *a = &p->acts[sig];

		p->pending &= ~sig_bit(sig);
		if (sig_ignored(p, sig))
			continue;
		if (a->handler == LINUX_SIG_DFL) {
			proc_kill(p, sig);
			return -1;
		}
		w[0] = sig;
		w[1] = a->handler;
		w[2] = a->flags;
		w[3] = a->restorer;
		w[4] = p->blocked;
		p->blocked |= (a->mask | ((a->flags & LINUX_SA_NODEFER) ? 0 : sig_bit(sig))) &
			      ~SIG_UNBLOCKABLE;
		if (a->flags & LINUX_SA_RESETHAND)
			*a = (struct unix_sigaction){ 0 };
		return 1;
	}
	return 0;
}

/* rt_sigaction(sig, act, oact, size): the new action in the call's data,
 * the old one into out (*out_len bytes of it) when asked for. */
int64_t unix_sigaction(struct unix_proc *p, const struct unix_call_msg *m, char *out,
		       uint32_t *out_len)
{
	uint64_t sig = m->words[1];
	uint32_t len = 0;
	const char *act = m->words[2] ? call_data(m, &len) : NULL;

	if (sig < 1 || sig > LINUX_NSIG || m->words[4] != LINUX_SIGSET_BYTES ||
	    (m->words[2] && (!act || len != LINUX_SIGACTION_BYTES)) ||
	    (act && (sig_bit(sig) & SIG_UNBLOCKABLE)))
		return -LINUX_EINVAL;
	if (m->words[3]) {
		memcpy(out, &p->acts[sig], LINUX_SIGACTION_BYTES);
		*out_len = LINUX_SIGACTION_BYTES;
	}
	if (act) {
		memcpy(&p->acts[sig], act, LINUX_SIGACTION_BYTES);
		p->acts[sig].mask &= ~SIG_UNBLOCKABLE;
		if (sig_ignored(p, sig))
			p->pending &= ~sig_bit(sig);    /* as POSIX says: a pending one goes */
	}
	return 0;
}

/* rt_sigprocmask(how, set, oldset, size): the set in the call's data, the old mask into out. */
int64_t unix_sigprocmask(struct unix_proc *p, const struct unix_call_msg *m, char *out,
			 uint32_t *out_len)
{
	uint64_t how = m->words[1], set = 0;
	uint32_t len = 0;
	const char *data = m->words[2] ? call_data(m, &len) : NULL;

	if (m->words[4] != LINUX_SIGSET_BYTES || (m->words[2] && (!data || len != 8)) ||
	    (data && how != LINUX_SIG_BLOCK && how != LINUX_SIG_UNBLOCK && how != LINUX_SIG_SETMASK))
		return -LINUX_EINVAL;
	if (m->words[3]) {
		memcpy(out, &p->blocked, LINUX_SIGSET_BYTES);
		*out_len = LINUX_SIGSET_BYTES;
	}
	if (data) {
		memcpy(&set, data, sizeof(set));
		p->blocked = how == LINUX_SIG_BLOCK ? p->blocked | set :
			     how == LINUX_SIG_UNBLOCK ? p->blocked & ~set : set;
		p->blocked &= ~SIG_UNBLOCKABLE;
	}
	return 0;
}

/* kill, tkill and tgkill: pid names a process of this server (one thread
 * each: a thread id is its pid); *self_ended when the caller ended. */
int64_t unix_kill(struct unix_proc *p, uint64_t pid, uint64_t sig, bool *self_ended)
{
	struct unix_proc *t = NULL;

	pid = (uint64_t)(int64_t)(int32_t)pid;       /* (an int to Linux) */
	if (sig > LINUX_NSIG)
		return -LINUX_EINVAL;
	if ((int64_t)pid <= 0 && (int64_t)pid != -1 && pid != 0)
		return -LINUX_ESRCH;                 /* process groups: only the caller's own */
	if (pid == 0 || (int64_t)pid == -1)
		t = p;
	for (int i = 0; !t && i < UNIX_PROCS_MAX; i++)
		if (procs[i].pid && procs[i].pid == pid)
			t = &procs[i];
	if (!t)
		return -LINUX_ESRCH;
	if (sig && signal_post(t, sig))
		*self_ended = t == p;
	return 0;
}

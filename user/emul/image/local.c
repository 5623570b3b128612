/*
 * local.c — the calls the emulation library answers by itself, in the
 * image mapped into Linux processes (emul.ld), until the Unix server
 * exists: a thread's TLS base (arch_prctl, which stays here in the final
 * design too: it is the thread's own register), and for now exit,
 * exit_group, set_tid_address, write and writev on descriptors 1 and 2 (to
 * the console) and ioctl (ENOTTY). Any other call gets -ENOSYS, and the
 * first time a number is seen it is named on the console, so missing
 * coverage is visible.
 */
#include "emul.h"
#include "lib/fmt.h"

#define LINUX_WRITE           1
#define LINUX_IOCTL           16
#define LINUX_WRITEV          20
#define LINUX_EXIT            60
#define LINUX_ARCH_PRCTL      158
#define LINUX_SET_TID_ADDRESS 218
#define LINUX_EXIT_GROUP      231
#define ARCH_SET_FS           0x1002
#define ARCH_GET_FS           0x1003
#define LINUX_EINVAL          22
#define LINUX_EFAULT          14
#define LINUX_EBADF           9
#define LINUX_ENOTTY          25
#define LOCAL_IOV_MAX         64     /* iovecs one writev may pass */
#define LOCAL_LOGGED_MAX      512    /* call numbers remembered as already named */

static uint64_t tls_base;            /* this process's one thread's, for ARCH_GET_FS */
static uint8_t logged[LOCAL_LOGGED_MAX / 8];

static void local_unknown(uint64_t nr)
{
	char msg[64];

	if (nr < LOCAL_LOGGED_MAX && (logged[nr / 8] & (1u << (nr % 8))))
		return;
	if (nr < LOCAL_LOGGED_MAX)
		logged[nr / 8] |= (uint8_t)(1u << (nr % 8));
	mk_console_write(msg, (size_t)snprintf(msg, sizeof(msg),
					       "emul: system call %lu not implemented (ENOSYS)\n",
					       (unsigned long)nr));
}

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

struct linux_iovec {
	uint64_t base, len;
};

/* write(fd, buf, n) for the console's descriptors; the bytes written or -errno. */
static int64_t local_write(uint64_t fd, uint64_t buf, uint64_t n)
{
	if (fd != 1 && fd != 2)
		return -LINUX_EBADF;
	return mk_console_write((const char *)buf, n) == KERN_SUCCESS ? (int64_t)n : -LINUX_EFAULT;
}

static int64_t local_writev(uint64_t fd, uint64_t iov, uint64_t cnt)
{
	const struct linux_iovec *v = (const struct linux_iovec *)iov;
	int64_t total = 0;

	if (cnt > LOCAL_IOV_MAX)
		return -LINUX_EINVAL;
	for (uint64_t i = 0; i < cnt; i++) {
		int64_t r = local_write(fd, v[i].base, v[i].len);

		if (r < 0)
			return r;
		total += r;
	}
	return total;
}

void emul_default(struct emul_frame *f)
{
	int64_t r;

	switch (f->rax) {
	case LINUX_ARCH_PRCTL:
		r = local_arch_prctl(f->rdi, f->rsi);
		break;
	case LINUX_WRITE:
		r = local_write(f->rdi, f->rsi, f->rdx);
		break;
	case LINUX_WRITEV:
		r = local_writev(f->rdi, f->rsi, f->rdx);
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
		local_unknown(f->rax);
		r = -EMUL_ENOSYS;
	}
	f->rax = (uint64_t)r;
}

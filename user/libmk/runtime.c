/*
 * runtime.c — console printing, error names and thread start-up for user
 * programs.
 */
#include "mk.h"

#define PRINT_BUF_BYTES 512

struct print_buf {
	char buf[PRINT_BUF_BYTES];
	size_t len;
};

static void print_flush(struct print_buf *p)
{
	if (p->len)
		mk_console_write(p->buf, p->len);
	p->len = 0;
}

static void print_put(void *ctx, char c)
{
	struct print_buf *p = ctx;

	if (p->len == sizeof(p->buf))
		print_flush(p);
	p->buf[p->len++] = c;
}

/* Format into a buffer and write it with one trap (so lines stay whole). */
int mk_vprintf(const char *fmt, va_list ap)
{
	struct print_buf p;

	p.len = 0;
	fmt_format(print_put, &p, fmt, ap);
	print_flush(&p);
	return 0;
}

int mk_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mk_vprintf(fmt, ap);
	va_end(ap);
	return 0;
}

const char *mk_strerror(kern_return_t kr)
{
	static const char *const names[] = {
		[KERN_SUCCESS] = "success",
		[KERN_INVALID_ADDRESS] = "invalid address",
		[KERN_PROTECTION_FAILURE] = "protection failure",
		[KERN_NO_SPACE] = "no space",
		[KERN_INVALID_ARGUMENT] = "invalid argument",
		[KERN_FAILURE] = "failure",
		[KERN_RESOURCE_SHORTAGE] = "resource shortage",
		[KERN_INVALID_NAME] = "invalid name",
		[KERN_INVALID_RIGHT] = "invalid right",
		[KERN_INVALID_TRAP] = "invalid trap",
		[KERN_TERMINATED] = "terminated",
		[KERN_OPERATION_TIMED_OUT] = "timed out",
		[KERN_ABORTED] = "aborted",
		[KERN_BAD_IMAGE] = "bad image",
		[KERN_NOT_FOUND] = "not found",
		[KERN_NAME_EXISTS] = "name exists",
		[KERN_INVALID_VALUE] = "invalid value",
		[KERN_UREFS_OVERFLOW] = "user references overflow",
		[KERN_MEMORY_ERROR] = "memory error",
		[KERN_NO_ACCESS] = "no access (needs the host privilege port)",
		[KERN_PAGER_SELF] = "the page waits for the caller's own pager",
		[KERN_NOT_SUPPORTED] = "not supported by this kernel variant",
	};

	if (kr < 0 || (size_t)kr >= sizeof(names) / sizeof(names[0]) || !names[kr])
		return "unknown error";
	return names[kr];
}

struct thread_start {
	void (*fn)(void *);
	void *arg;
};

/* First code of a thread made by mk_thread_start: run fn, then end the thread. */
static void mk_thread_entry(void *p)
{
	struct thread_start *ts = p;

	ts->fn(ts->arg);
	mk_thread_exit();
}

kern_return_t mk_thread_start(void (*fn)(void *), void *arg, size_t stack_bytes,
			      mach_port_name_t *out)
{
	vm_address_t stack = 0;
	struct thread_start *ts;
	uint64_t top;
	kern_return_t kr = mk_vm_allocate(MK_TASK_SELF, &stack, stack_bytes, VM_ALLOC_ANYWHERE);

	if (kr != KERN_SUCCESS)
		return kr;
	top = (stack + stack_bytes) & ~15UL;
	ts = (struct thread_start *)(top - 16);
	ts->fn = fn;
	ts->arg = arg;
	/* rsp = top - 24: 16-aligned minus 8, as after a call */
	return mk_thread_create(MK_TASK_SELF, mk_thread_entry, (void *)(top - 24), ts, out);
}

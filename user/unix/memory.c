/*
 * memory.c — the Unix server's memory calls (server_int.h), done in the
 * process's task through its task port: brk, anonymous mmap (anywhere or
 * MAP_FIXED; file mappings are mapped.c's), munmap, mprotect and madvise's
 * hints.
 */
#include "server_int.h"

static uint64_t page_up(uint64_t a)
{
	return (a + UNIX_PAGE - 1) & ~(uint64_t)(UNIX_PAGE - 1);
}

static int64_t vm_errno(kern_return_t kr)
{
	return kr == KERN_INVALID_ARGUMENT ? -LINUX_EINVAL : -LINUX_ENOMEM;
}

/* brk: move the break to want (0 or out of range: leave it); the break after. */
int64_t unix_brk(struct unix_proc *p, uint64_t want)
{
	uint64_t old_top = page_up(p->brk), new_top = page_up(want);
	vm_address_t at = old_top;

	if (want < p->brk_start || want - p->brk_start > UNIX_BRK_MAX_BYTES)
		return (int64_t)p->brk;
	if (new_top > old_top &&
	    mk_vm_allocate(p->task, &at, new_top - old_top, VM_ALLOC_FIXED) != KERN_SUCCESS)
		return (int64_t)p->brk;
	if (new_top < old_top)
		mk_vm_deallocate(p->task, new_top, old_top - new_top);
	p->brk = want;
	return (int64_t)want;
}

/*
 * mmap: of a file, mapped.c's; of anonymous memory, fresh zero-fill memory
 * in the process's task, anywhere (Mach's anywhere starts far above the
 * break) or, MAP_FIXED, in place of what was at addr; MAP_SHARED memory is
 * shared with the children fork makes (VM_INHERIT_SHARE).
 */
int64_t unix_mmap(struct unix_proc *p, uint64_t addr, uint64_t len, uint64_t prot,
		  uint64_t flags, uint64_t fd, uint64_t off)
{
	uint64_t size = page_up(len);
	vm_address_t at = addr;
	kern_return_t kr;

	if (!len || size < len || prot & ~(uint64_t)LINUX_PROT_ALL ||
	    !(flags & (LINUX_MAP_SHARED | LINUX_MAP_PRIVATE)) ||
	    ((flags & LINUX_MAP_FIXED) && (addr % UNIX_PAGE)))
		return -LINUX_EINVAL;
	if (!(flags & LINUX_MAP_ANONYMOUS))
		return unix_mmap_file(p, at, size, prot, flags, fd, off);
	if (flags & LINUX_MAP_FIXED) {
		mk_vm_deallocate(p->task, addr, size);    /* (nothing there is fine) */
		kr = mk_vm_allocate(p->task, &at, size, VM_ALLOC_FIXED);
	} else {
		kr = mk_vm_allocate(p->task, &at, size, VM_ALLOC_ANYWHERE);
	}
	if (kr == KERN_SUCCESS && prot != LINUX_PROT_ALL)
		kr = mk_vm_protect(p->task, at, size, (vm_prot_t)prot);
	if (kr == KERN_SUCCESS && (flags & LINUX_MAP_SHARED))
		kr = mk_vm_inherit(p->task, at, size, VM_INHERIT_SHARE);
	if (kr != KERN_SUCCESS && at)
		mk_vm_deallocate(p->task, at, size);
	return kr == KERN_SUCCESS ? (int64_t)at : vm_errno(kr);
}

int64_t unix_munmap(struct unix_proc *p, uint64_t addr, uint64_t len)
{
	if (addr % UNIX_PAGE || !len || page_up(len) < len)
		return -LINUX_EINVAL;
	mk_vm_deallocate(p->task, addr, page_up(len));   /* (nothing there is fine, as on Linux) */
	file_pagers_drain();                 /* (a shared mapping's pages are in the file now) */
	return 0;
}

int64_t unix_mprotect(struct unix_proc *p, uint64_t addr, uint64_t len, uint64_t prot)
{
	kern_return_t kr;

	if (addr % UNIX_PAGE || page_up(len) < len || prot & ~(uint64_t)LINUX_PROT_ALL)
		return -LINUX_EINVAL;
	if (!len)
		return 0;
	kr = mk_vm_protect(p->task, addr, page_up(len), (vm_prot_t)prot);
	return kr == KERN_SUCCESS ? 0 : vm_errno(kr);
}

/* madvise: the hints are taken (and do nothing); advice that changes memory
 * (MADV_DONTNEED, MADV_FREE, ...) is EINVAL, not yet. */
int64_t unix_madvise(uint64_t addr, uint64_t advice)
{
	if (addr % UNIX_PAGE)
		return -LINUX_EINVAL;
	return advice <= LINUX_MADV_WILLNEED || advice == LINUX_MADV_HUGEPAGE ||
	       advice == LINUX_MADV_NOHUGEPAGE ? 0 : -LINUX_EINVAL;
}

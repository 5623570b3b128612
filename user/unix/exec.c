/*
 * exec.c — a Unix process from a static Linux executable (exec.h).
 *
 * Both images (the program and the emulation library) are checked by the
 * kernel's own ELF checker (kernel/kern/elf.c, compiled here too) before
 * anything is made; each loadable segment becomes fresh zero-filled memory
 * of the new task holding the file's bytes, with the segment's protection.
 * The initial stack is the one Linux's execve builds: rsp at argc, then
 * argv, a NULL, envp, a NULL, and the auxiliary vector; the strings and 16
 * random bytes (AT_RANDOM) lie above. The program headers are handed over
 * at their address in the first segment (AT_PHDR), where the C runtimes
 * look for their TLS template.
 */
#include "exec.h"
#include "kern/elf.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define PAGE        4096UL
#define USER_MIN    0x1000UL             /* as the kernel's USER_SPACE_START */
#define AUX_WORDS   32                   /* room for the auxiliary vector's pairs */

/* Auxiliary vector keys (Linux's). */
#define AT_NULL   0
#define AT_PHDR   3
#define AT_PHENT  4
#define AT_PHNUM  5
#define AT_PAGESZ 6
#define AT_ENTRY  9
#define AT_UID    11
#define AT_EUID   12
#define AT_GID    13
#define AT_EGID   14
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25

static vm_address_t page_down(vm_address_t a)
{
	return a & ~(PAGE - 1);
}

static vm_address_t page_up(vm_address_t a)
{
	return (a + PAGE - 1) & ~(PAGE - 1);
}

/* Copy the segment's bytes from img into task at [from, to) (allocated there). */
static kern_return_t exec_copy(mach_port_name_t task, const void *img,
			       const struct elf_segment *s, vm_address_t from, vm_address_t to)
{
	vm_address_t start = from;
	uint64_t file_end = s->vaddr + s->filesz;
	kern_return_t kr = mk_vm_allocate(task, &start, to - from, VM_ALLOC_FIXED);

	for (uint64_t at = from < s->vaddr ? s->vaddr : from; kr == KERN_SUCCESS && at < file_end;
	     at += MK_VM_RW_MAX_BYTES)
		kr = mk_vm_write(task, at, (const char *)img + s->offset + (at - s->vaddr),
				 file_end - at < MK_VM_RW_MAX_BYTES ? file_end - at : MK_VM_RW_MAX_BYTES);
	return kr;
}

/* Where s's pages that are all file end (its start: none can be mapped from file). */
static vm_address_t exec_file_end(const struct unix_exec_file *file, const struct elf_segment *s)
{
	vm_address_t start = page_down(s->vaddr);

	if (!file || s->vaddr % PAGE != s->offset % PAGE)
		return start;
	return s->memsz > s->filesz ? page_down(s->vaddr + s->filesz) :
	       page_up(s->vaddr + s->memsz);
}

/*
 * Check img and give task its loadable segments; e describes it after.
 * With file (and a segment whose address and file offset agree within a
 * page, as linkers make them), the pages that are all file are mapped from
 * it, segments that follow on in memory and in the file as one mapping; a
 * last page that is part .bss, and the .bss after it, are copied.
 */
static kern_return_t exec_load(mach_port_name_t task, const void *img, size_t size,
			       const struct unix_exec_file *file, struct elf_image *e)
{
	const char *why = "";
	kern_return_t kr = elf_check(img, size < ELF_HEADER_BYTES ? size : ELF_HEADER_BYTES, size,
				     USER_MIN, UNIX_STACK_TOP - UNIX_STACK_BYTES, e, &why);

	if (kr != KERN_SUCCESS) {
		mk_printf("exec: %s\n", why);
		return kr;
	}
	for (size_t i = 0; i < e->nsegs && kr == KERN_SUCCESS; i++) {
		const struct elf_segment *s = &e->segs[i];
		vm_address_t start = page_down(s->vaddr);
		vm_size_t len = page_up(s->vaddr + s->memsz) - start;
		vm_address_t mapped = exec_file_end(file, s);   /* [start, mapped): from the file */
		size_t last = i;

		/* segments that follow on in memory and in the file: one mapping (one object) */
		while (mapped == start + len && last + 1 < e->nsegs &&
		       page_down(e->segs[last + 1].vaddr) == mapped &&
		       page_down(e->segs[last + 1].offset) == page_down(s->offset) + (mapped - start) &&
		       exec_file_end(file, &e->segs[last + 1]) > mapped) {
			last++;
			mapped = exec_file_end(file, &e->segs[last]);
			len = page_up(e->segs[last].vaddr + e->segs[last].memsz) - start;
		}
		if (mapped > start)
			kr = file->map(file->ctx, task, start, mapped - start, page_down(s->offset),
				       s->prot);
		for (size_t k = i + 1; k <= last && kr == KERN_SUCCESS; k++)   /* (each its own) */
			kr = mk_vm_protect(task, page_down(e->segs[k].vaddr),
					   exec_file_end(file, &e->segs[k]) - page_down(e->segs[k].vaddr),
					   e->segs[k].prot);
		s = &e->segs[last];
		i = last;
		if (kr == KERN_SUCCESS && mapped < start + len)
			kr = exec_copy(task, img, s, mapped, start + len);
		if (kr == KERN_SUCCESS && mapped < start + len)
			kr = mk_vm_protect(task, mapped, start + len - mapped, s->prot);
	}
	return kr;
}

/* Where the image's last segment ends, page-aligned: the program break starts there. */
static uint64_t exec_end(const struct elf_image *e)
{
	uint64_t end = 0;

	for (size_t i = 0; i < e->nsegs; i++)
		if (page_up(e->segs[i].vaddr + e->segs[i].memsz) > end)
			end = page_up(e->segs[i].vaddr + e->segs[i].memsz);
	return end;
}

/* Where the program headers are in the task: inside the segment that maps file offset phoff. */
static uint64_t exec_phdr_addr(const struct elf_image *e)
{
	for (size_t i = 0; i < e->nsegs; i++)
		if (e->phoff >= e->segs[i].offset && e->phoff < e->segs[i].offset + e->segs[i].filesz)
			return e->segs[i].vaddr + (e->phoff - e->segs[i].offset);
	return 0;
}

struct stack_image {
	uint64_t words[UNIX_ARGS_BYTES / 8]; /* the top of the stack, built here, then written */
	size_t strings;                      /* bytes of strings at the top, growing down */
};

/* Put a string (or bytes) at the top; its address in the task, or 0 if there is no room. */
static uint64_t stack_put(struct stack_image *s, const void *data, size_t n)
{
	if (n > sizeof(s->words) / 2 - s->strings)
		return 0;
	s->strings += n;
	memcpy((char *)s->words + sizeof(s->words) - s->strings, data, n);
	return UNIX_STACK_TOP - s->strings;
}

static size_t count(const char *const v[])
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

/*
 * Build the initial stack for argv, envp and the program e; *sp is where
 * rsp starts (at argc, 16-byte aligned). False when it does not fit.
 */
static bool exec_stack(struct stack_image *s, const char *const argv[],
		       const char *const envp[], const struct elf_image *e, uint64_t *sp)
{
	static const uint8_t random_bytes[16] = {        /* fixed: runs must be repeatable */
		0x6d, 0x61, 0x63, 0x68, 0x6c, 0x61, 0x62, 0x21,
		0x93, 0x4f, 0x2a, 0xc1, 0x5e, 0x07, 0xb8, 0x3d };
	size_t argc = count(argv), envc = count(envp);
	static uint64_t ptrs[UNIX_ARGS_BYTES / 16];    /* (not on the server's stack) */
	uint64_t random_at = stack_put(s, random_bytes, 16);
	uint64_t aux[AUX_WORDS] = {
		AT_PHDR, exec_phdr_addr(e), AT_PHENT, e->phentsize, AT_PHNUM, e->phnum,
		AT_PAGESZ, PAGE, AT_ENTRY, e->entry, AT_UID, 0, AT_EUID, 0, AT_GID, 0,
		AT_EGID, 0, AT_CLKTCK, 100, AT_SECURE, 0, AT_RANDOM, random_at, AT_NULL, 0,
	};
	size_t naux = 26, nwords, first;

	if (argc + envc + 2 > sizeof(ptrs) / sizeof(ptrs[0]) || !random_at)
		return false;
	for (size_t i = 0; i < argc + envc; i++) {
		const char *str = i < argc ? argv[i] : envp[i - argc];

		if (!(ptrs[i] = stack_put(s, str, strlen(str) + 1)))
			return false;
	}
	s->strings = (s->strings + 15) & ~15UL;         /* the vectors below start aligned */
	nwords = 1 + argc + 1 + envc + 1 + naux;
	if (nwords % 2)
		nwords++;                                   /* rsp 16-byte aligned at argc */
	if (nwords * 8 > sizeof(s->words) - s->strings)
		return false;
	first = sizeof(s->words) / 8 - s->strings / 8 - nwords;
	s->words[first] = argc;
	for (size_t i = 0; i < argc; i++)
		s->words[first + 1 + i] = ptrs[i];
	s->words[first + 1 + argc] = 0;
	for (size_t i = 0; i < envc; i++)
		s->words[first + 2 + argc + i] = ptrs[argc + i];
	s->words[first + 2 + argc + envc] = 0;
	memcpy(&s->words[first + 3 + argc + envc], aux, naux * 8);
	if ((1 + argc + 1 + envc + 1 + naux) % 2)
		s->words[first + nwords - 1] = 0;
	*sp = UNIX_STACK_TOP - (sizeof(s->words) - first * 8);
	return true;
}

kern_return_t unix_exec_spawn(const void *prog, size_t prog_size, const void *emul,
			      size_t emul_size, const char *const argv[], const char *const envp[],
			      mach_port_name_t *task)
{
	struct unix_exec_start start;
	kern_return_t kr = unix_exec_build(prog, prog_size, NULL, emul, emul_size, argv, envp,
					   task, &start);

	return kr == KERN_SUCCESS ? unix_exec_run(task, &start) : kr;
}

void unix_exec_abandon(mach_port_name_t *task)
{
	mk_task_terminate(*task);
	mk_port_deallocate(MACH_PORT_TASK_SELF, *task);
	*task = MACH_PORT_NULL;
}

kern_return_t unix_exec_run(mach_port_name_t *task, const struct unix_exec_start *start)
{
	mach_port_name_t thread = MACH_PORT_NULL;
	kern_return_t kr = mk_thread_create(*task, (void (*)(void *))start->entry,
					    (void *)start->sp, NULL, &thread);

	if (kr != KERN_SUCCESS) {
		unix_exec_abandon(task);
		return kr;
	}
	mk_port_deallocate(MACH_PORT_TASK_SELF, thread);
	return KERN_SUCCESS;
}

kern_return_t unix_exec_build(const void *prog, size_t prog_size, const struct unix_exec_file *file,
			      const void *emul, size_t emul_size, const char *const argv[],
			      const char *const envp[], mach_port_name_t *task,
			      struct unix_exec_start *start)
{
	static struct stack_image stack;       /* (not on the caller's stack; one exec at a time) */
	struct elf_image pe, ee;
	vm_address_t stack_base = UNIX_STACK_TOP - UNIX_STACK_BYTES;
	uint64_t sp = 0;
	kern_return_t kr;

	memset(&stack, 0, sizeof(stack));
	kr = mk_task_create(MACH_PORT_TASK_SELF, 0, task);
	if (kr != KERN_SUCCESS)
		return kr;
	kr = exec_load(*task, prog, prog_size, file, &pe);
	if (kr == KERN_SUCCESS)
		kr = exec_load(*task, emul, emul_size, NULL, &ee);
	if (kr == KERN_SUCCESS)
		kr = exec_stack(&stack, argv, envp, &pe, &sp) ? KERN_SUCCESS : KERN_INVALID_ARGUMENT;
	if (kr == KERN_SUCCESS)
		kr = mk_vm_allocate(*task, &stack_base, UNIX_STACK_BYTES, VM_ALLOC_FIXED);
	if (kr == KERN_SUCCESS)
		kr = mk_vm_write(*task, sp, (const char *)stack.words + sizeof(stack.words) -
				 (UNIX_STACK_TOP - sp), UNIX_STACK_TOP - sp);
	if (kr == KERN_SUCCESS)
		kr = mk_task_set_emulation(*task, ee.entry);
	if (kr != KERN_SUCCESS) {
		unix_exec_abandon(task);
		return kr;
	}
	*start = (struct unix_exec_start){ .entry = pe.entry, .sp = sp, .brk = exec_end(&pe) };
	return KERN_SUCCESS;
}

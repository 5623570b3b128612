/*
 * elf.c — validate an ELF64 x86-64 executable (ET_EXEC, static).
 *
 * Every check that can refuse an image runs here, before a task exists:
 * identification, type, machine, program-header bounds, each PT_LOAD's
 * file range, address range, alignment and overlap, and the entry point.
 */
#include "kern/elf.h"

#define PAGE_BYTES 4096UL

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define ET_EXEC     2
#define EM_X86_64   62
#define PT_LOAD     1
#define PF_X        1
#define PF_W        2
#define PF_R        4

static kern_return_t elf_refuse(const char **why, const char *msg)
{
	*why = msg;
	return KERN_BAD_IMAGE;
}

static int elf_ident_ok(const struct elf64_ehdr *h)
{
	return h->ident[0] == 0x7F && h->ident[1] == 'E' && h->ident[2] == 'L' &&
	       h->ident[3] == 'F';
}

static vm_prot_t elf_prot(uint32_t flags)
{
	return ((flags & PF_R) ? VM_PROT_READ : 0) | ((flags & PF_W) ? VM_PROT_WRITE : 0) |
	       ((flags & PF_X) ? VM_PROT_EXECUTE : 0);
}

/* Check one PT_LOAD and append it to out. */
static kern_return_t elf_check_segment(const struct elf64_phdr *ph, size_t image_size,
				       uint64_t user_min, uint64_t user_max,
				       struct elf_image *out, const char **why)
{
	uint64_t start = ph->vaddr & ~(PAGE_BYTES - 1);
	uint64_t end = ph->vaddr + ph->memsz;

	if (out->nsegs == ELF_SEGMENTS_MAX)
		return elf_refuse(why, "too many loadable segments");
	if (ph->filesz > ph->memsz)
		return elf_refuse(why, "segment file size exceeds its memory size");
	if (ph->offset + ph->filesz < ph->offset || ph->offset + ph->filesz > image_size)
		return elf_refuse(why, "segment data lies outside the image");
	if (ph->memsz == 0 || end < ph->vaddr || end + PAGE_BYTES < end)
		return elf_refuse(why, "segment size is zero or wraps around");
	if (start < user_min || end > user_max)
		return elf_refuse(why, "segment lies outside user space");
	if ((ph->vaddr - ph->offset) % PAGE_BYTES)
		return elf_refuse(why, "segment address and file offset disagree modulo the page size");
	end = (end + PAGE_BYTES - 1) & ~(PAGE_BYTES - 1);
	for (size_t i = 0; i < out->nsegs; i++) {
		const struct elf_segment *s = &out->segs[i];
		uint64_t s_start = s->vaddr & ~(PAGE_BYTES - 1);
		uint64_t s_end = (s->vaddr + s->memsz + PAGE_BYTES - 1) & ~(PAGE_BYTES - 1);

		if (start < s_end && s_start < end)
			return elf_refuse(why, "loadable segments share a page");
	}
	out->segs[out->nsegs++] = (struct elf_segment){
		.vaddr = ph->vaddr, .memsz = ph->memsz,
		.offset = ph->offset, .filesz = ph->filesz,
		.prot = elf_prot(ph->flags),
	};
	return KERN_SUCCESS;
}

kern_return_t elf_check(const void *head, size_t head_len, size_t image_size,
			uint64_t user_min, uint64_t user_max,
			struct elf_image *out, const char **why)
{
	const struct elf64_ehdr *h = head;
	const struct elf64_phdr *ph;
	kern_return_t kr;
	int entry_ok = 0;

	out->nsegs = 0;
	if (head_len > image_size || head_len < sizeof(*h))
		return elf_refuse(why, "image is shorter than an ELF header");
	if (!elf_ident_ok(h))
		return elf_refuse(why, "not an ELF file (bad magic)");
	if (h->ident[4] != 2 || h->ident[5] != 1 || h->ident[6] != 1)
		return elf_refuse(why, "not a little-endian ELF64 version-1 file");
	if (h->type != ET_EXEC)
		return elf_refuse(why, "not an executable (ET_EXEC)");
	if (h->machine != EM_X86_64)
		return elf_refuse(why, "not an x86-64 executable");
	if (h->phentsize != sizeof(*ph))
		return elf_refuse(why, "unexpected program header size");
	if (h->phoff % 8)
		return elf_refuse(why, "program headers are misaligned");
	if (h->phnum == 0)
		return elf_refuse(why, "no program headers");
	if (h->phoff > head_len || (uint64_t)h->phnum * sizeof(*ph) > head_len - h->phoff)
		return elf_refuse(why, "program headers lie outside the first page of the image");
	ph = (const struct elf64_phdr *)((const char *)head + h->phoff);
	for (unsigned i = 0; i < h->phnum; i++) {
		if (ph[i].type != PT_LOAD)
			continue;
		kr = elf_check_segment(&ph[i], image_size, user_min, user_max, out, why);
		if (kr != KERN_SUCCESS)
			return kr;
		if (h->entry >= ph[i].vaddr && h->entry < ph[i].vaddr + ph[i].memsz &&
		    (ph[i].flags & PF_X))
			entry_ok = 1;
	}
	if (out->nsegs == 0)
		return elf_refuse(why, "no loadable segments");
	if (!entry_ok)
		return elf_refuse(why, "entry point is not in an executable segment");
	out->entry = h->entry;
	out->phoff = h->phoff;
	out->phnum = h->phnum;
	out->phentsize = h->phentsize;
	return KERN_SUCCESS;
}

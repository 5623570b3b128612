/*
 * elf.h — checking an ELF64 executable before anything is loaded.
 *
 * elf_check validates the header and program headers of an image (which
 * must lie in its first ELF_HEADER_BYTES) against the whole image size and
 * the user address range, and describes the loadable segments. It has no
 * hardware dependence and is unit-tested on the host with corrupt images.
 */
#ifndef KERN_ELF_H
#define KERN_ELF_H

#include <stddef.h>
#include <stdint.h>
#include <mach/kern_return.h>
#include <mach/types.h>

#define ELF_HEADER_BYTES  4096   /* header and program headers must fit here */
#define ELF_SEGMENTS_MAX  16     /* loadable segments accepted */

struct elf_segment {
	uint64_t vaddr, memsz;       /* where it goes and how big it is */
	uint64_t offset, filesz;     /* what of the file fills it */
	vm_prot_t prot;
};

struct elf_image {
	uint64_t entry;
	uint64_t phoff;              /* the program headers: where in the file, how many */
	uint16_t phnum, phentsize;   /* (a Unix exec passes them to the program: AT_PHDR...) */
	struct elf_segment segs[ELF_SEGMENTS_MAX];
	size_t nsegs;
};

/*
 * head: the first min(image_size, ELF_HEADER_BYTES) bytes of the image.
 * On failure returns KERN_BAD_IMAGE and sets *why to a fixed message.
 */
kern_return_t elf_check(const void *head, size_t head_len, size_t image_size,
			uint64_t user_min, uint64_t user_max,
			struct elf_image *out, const char **why);

#endif

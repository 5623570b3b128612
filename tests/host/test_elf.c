/*
 * test_elf.c — ELF64 image checking (kernel/kern/elf.c): a minimal valid
 * executable is accepted and described; every malformation is refused
 * with KERN_BAD_IMAGE and its own message.
 *
 * Images are built with the host's <elf.h>, not the kernel's private
 * structures, so the kernel's idea of the layout is checked too.
 */
#include <elf.h>
#include <string.h>
#include "unit.h"
#include "kern/elf.h"

#define IMAGE_BYTES 0x3000                 /* larger than ELF_HEADER_BYTES */
#define TEXT_VA     0x400000UL
#define DATA_VA     0x401000UL
#define ENTRY_VA    (TEXT_VA + 0x100)
#define USER_MIN    0x1000UL
#define USER_MAX    0x00007FFFFFFFF000UL

static struct {
	_Alignas(8) unsigned char bytes[IMAGE_BYTES];
	size_t size;
} img;

static Elf64_Ehdr *ehdr(void)
{
	return (Elf64_Ehdr *)img.bytes;
}

static Elf64_Phdr *phdr(size_t i)
{
	return (Elf64_Phdr *)(img.bytes + ehdr()->e_phoff) + i;
}

/* Append a program header of the given type. */
static void image_add(uint32_t type, uint64_t vaddr, uint64_t offset, uint64_t filesz,
		      uint64_t memsz, uint32_t flags)
{
	*phdr(ehdr()->e_phnum++) = (Elf64_Phdr){
		.p_type = type, .p_flags = flags, .p_offset = offset,
		.p_vaddr = vaddr, .p_paddr = vaddr,
		.p_filesz = filesz, .p_memsz = memsz, .p_align = 0x1000,
	};
}

/* A correct header with no program headers yet. */
static void image_empty(void)
{
	memset(&img, 0, sizeof(img));
	img.size = IMAGE_BYTES;
	memcpy(ehdr()->e_ident, ELFMAG, SELFMAG);
	ehdr()->e_ident[EI_CLASS] = ELFCLASS64;
	ehdr()->e_ident[EI_DATA] = ELFDATA2LSB;
	ehdr()->e_ident[EI_VERSION] = EV_CURRENT;
	ehdr()->e_type = ET_EXEC;
	ehdr()->e_machine = EM_X86_64;
	ehdr()->e_version = EV_CURRENT;
	ehdr()->e_entry = ENTRY_VA;
	ehdr()->e_phoff = sizeof(Elf64_Ehdr);
	ehdr()->e_ehsize = sizeof(Elf64_Ehdr);
	ehdr()->e_phentsize = sizeof(Elf64_Phdr);
}

/* Text: one R+X page from offset 0. Data: R+W, half a page of file, two of memory. */
static void image_valid(void)
{
	image_empty();
	image_add(PT_LOAD, TEXT_VA, 0, 0x1000, 0x1000, PF_R | PF_X);
	image_add(PT_LOAD, DATA_VA, 0x1000, 0x800, 0x2000, PF_R | PF_W);
}

static kern_return_t image_check(struct elf_image *out, const char **why)
{
	size_t head = img.size < ELF_HEADER_BYTES ? img.size : ELF_HEADER_BYTES;

	return elf_check(img.bytes, head, img.size, USER_MIN, USER_MAX, out, why);
}

static void check_accepted(void)
{
	struct elf_image out;
	const char *why = NULL;
	kern_return_t kr = image_check(&out, &why);

	CHECK_STR(NULL, why);                          /* names the refusal, if any */
	CHECK_EQ(KERN_SUCCESS, kr);
}

static void check_refused(const char *want_why)
{
	struct elf_image out;
	const char *why = NULL;

	CHECK_EQ(KERN_BAD_IMAGE, image_check(&out, &why));
	CHECK_STR(want_why, why);
}

UNIT_TEST(elf_check_accepts_a_valid_image_and_describes_its_segments)
{
	struct elf_image out;
	const char *why = NULL;

	image_valid();
	CHECK_EQ(KERN_SUCCESS, image_check(&out, &why));
	CHECK_EQ(ENTRY_VA, out.entry);
	CHECK_EQ(2, out.nsegs);
	CHECK_EQ(TEXT_VA, out.segs[0].vaddr);
	CHECK_EQ(0x1000, out.segs[0].memsz);
	CHECK_EQ(0, out.segs[0].offset);
	CHECK_EQ(0x1000, out.segs[0].filesz);
	CHECK_EQ(VM_PROT_READ | VM_PROT_EXECUTE, out.segs[0].prot);
	CHECK_EQ(DATA_VA, out.segs[1].vaddr);
	CHECK_EQ(0x2000, out.segs[1].memsz);
	CHECK_EQ(0x1000, out.segs[1].offset);
	CHECK_EQ(0x800, out.segs[1].filesz);
	CHECK_EQ(VM_PROT_READ | VM_PROT_WRITE, out.segs[1].prot);
}

UNIT_TEST(elf_check_ignores_program_headers_that_are_not_pt_load)
{
	struct elf_image out;
	const char *why = NULL;

	image_empty();   /* nonsense values that a PT_LOAD would be refused for */
	image_add(PT_NOTE, 0, IMAGE_BYTES * 2, 0x10, 0, PF_R);
	image_add(PT_LOAD, TEXT_VA, 0, 0x1000, 0x1000, PF_R | PF_X);
	image_add(PT_GNU_STACK, TEXT_VA, 0, 0, 0, PF_R | PF_W);
	image_add(PT_LOAD, DATA_VA, 0x1000, 0x800, 0x2000, PF_R | PF_W);
	CHECK_EQ(KERN_SUCCESS, image_check(&out, &why));
	CHECK_EQ(2, out.nsegs);
	CHECK_EQ(DATA_VA, out.segs[1].vaddr);
}

UNIT_TEST(elf_check_refuses_an_image_with_no_pt_load)
{
	image_empty();
	image_add(PT_NOTE, TEXT_VA, 0, 0x10, 0x10, PF_R | PF_X);
	check_refused("no loadable segments");
}

UNIT_TEST(elf_check_refuses_an_image_shorter_than_a_header)
{
	struct elf_image out;
	const char *why = NULL;

	image_valid();
	img.size = sizeof(Elf64_Ehdr) - 1;
	check_refused("image is shorter than an ELF header");
	CHECK_EQ(KERN_BAD_IMAGE, elf_check(img.bytes, 2 * sizeof(Elf64_Ehdr), sizeof(Elf64_Ehdr),
					   USER_MIN, USER_MAX, &out, &why));
	CHECK_STR("image is shorter than an ELF header", why);
}

UNIT_TEST(elf_check_refuses_bad_magic)
{
	image_valid();
	ehdr()->e_ident[EI_MAG3] = 'X';
	check_refused("not an ELF file (bad magic)");
}

UNIT_TEST(elf_check_refuses_elf32_class)
{
	image_valid();
	ehdr()->e_ident[EI_CLASS] = ELFCLASS32;
	check_refused("not a little-endian ELF64 version-1 file");
}

UNIT_TEST(elf_check_refuses_big_endian)
{
	image_valid();
	ehdr()->e_ident[EI_DATA] = ELFDATA2MSB;
	check_refused("not a little-endian ELF64 version-1 file");
}

UNIT_TEST(elf_check_refuses_a_type_other_than_et_exec)
{
	image_valid();
	ehdr()->e_type = ET_DYN;
	check_refused("not an executable (ET_EXEC)");
}

UNIT_TEST(elf_check_refuses_a_machine_other_than_x86_64)
{
	image_valid();
	ehdr()->e_machine = EM_386;
	check_refused("not an x86-64 executable");
}

UNIT_TEST(elf_check_refuses_a_wrong_program_header_size)
{
	image_valid();
	ehdr()->e_phentsize = sizeof(Elf32_Phdr);
	check_refused("unexpected program header size");
}

UNIT_TEST(elf_check_refuses_zero_program_headers)
{
	image_valid();
	ehdr()->e_phnum = 0;
	check_refused("no program headers");
}

UNIT_TEST(elf_check_refuses_misaligned_program_headers)
{
	image_valid();
	ehdr()->e_phoff += 4;
	check_refused("program headers are misaligned");
}

/* Move the program headers to end at end_offset (phdr() follows e_phoff). */
static void image_move_phdrs(size_t end_offset)
{
	size_t bytes = ehdr()->e_phnum * sizeof(Elf64_Phdr);

	memmove(img.bytes + end_offset - bytes, phdr(0), bytes);
	ehdr()->e_phoff = end_offset - bytes;
}

UNIT_TEST(elf_check_refuses_program_headers_beyond_the_first_page)
{
	image_valid();
	image_move_phdrs(ELF_HEADER_BYTES);            /* last byte is the limit: fine */
	check_accepted();
	ehdr()->e_phoff += sizeof(Elf64_Phdr);         /* second header now past it */
	check_refused("program headers lie outside the first page of the image");
	ehdr()->e_phoff = ~7UL;                        /* far past the image */
	check_refused("program headers lie outside the first page of the image");
}

UNIT_TEST(elf_check_refuses_file_size_above_memory_size)
{
	image_valid();
	phdr(1)->p_filesz = phdr(1)->p_memsz + 1;
	check_refused("segment file size exceeds its memory size");
}

UNIT_TEST(elf_check_refuses_segment_data_beyond_the_image)
{
	image_valid();
	phdr(1)->p_memsz = 0x3000;
	phdr(1)->p_filesz = IMAGE_BYTES - 0x1000;      /* ends at the last byte: fine */
	check_accepted();
	phdr(1)->p_filesz++;
	check_refused("segment data lies outside the image");
	phdr(1)->p_offset = ~0xFFFUL;                  /* offset + filesz wraps */
	phdr(1)->p_filesz = 0x1000;
	check_refused("segment data lies outside the image");
}

UNIT_TEST(elf_check_refuses_zero_or_wrapping_memory_size)
{
	image_valid();
	phdr(1)->p_filesz = 0;
	phdr(1)->p_memsz = 0;
	check_refused("segment size is zero or wraps around");
	phdr(1)->p_vaddr = ~0xFFFUL;
	phdr(1)->p_offset = 0;
	phdr(1)->p_memsz = 0x2000;
	check_refused("segment size is zero or wraps around");
}

UNIT_TEST(elf_check_refuses_segments_outside_user_space)
{
	image_valid();
	phdr(1)->p_vaddr = USER_MAX - 0x2000;          /* ends exactly at user_max: fine */
	check_accepted();
	phdr(1)->p_vaddr = USER_MAX - 0x1000;
	check_refused("segment lies outside user space");
	image_valid();
	phdr(0)->p_vaddr = USER_MIN - 0x800;           /* starts below user_min */
	phdr(0)->p_offset = 0x800;
	phdr(0)->p_filesz = 0x800;
	phdr(0)->p_memsz = 0x800;
	check_refused("segment lies outside user space");
}

UNIT_TEST(elf_check_refuses_address_and_offset_disagreeing_modulo_page)
{
	image_valid();
	phdr(1)->p_offset = 0x1800;
	check_refused("segment address and file offset disagree modulo the page size");
}

UNIT_TEST(elf_check_refuses_segments_sharing_a_page)
{
	image_valid();
	phdr(0)->p_memsz = 0x1001;                     /* spills into the data page */
	check_refused("loadable segments share a page");
	image_valid();
	phdr(0)->p_memsz = 0x800;                      /* disjoint bytes, same page */
	phdr(0)->p_filesz = 0x800;
	phdr(1)->p_vaddr = TEXT_VA + 0xC00;
	phdr(1)->p_offset = 0xC00;
	check_refused("loadable segments share a page");
}

UNIT_TEST(elf_check_accepts_segments_max_and_refuses_one_more)
{
	image_empty();
	for (uint64_t i = 0; i < ELF_SEGMENTS_MAX; i++)
		image_add(PT_LOAD, TEXT_VA + i * 0x1000, 0, 0, 0x1000, PF_R | PF_X);
	check_accepted();
	image_add(PT_LOAD, TEXT_VA + ELF_SEGMENTS_MAX * 0x1000, 0, 0, 0x1000, PF_R);
	check_refused("too many loadable segments");
}

UNIT_TEST(elf_check_refuses_an_entry_outside_executable_segments)
{
	image_valid();
	ehdr()->e_entry = TEXT_VA + 0xFFF;             /* last byte of the text: fine */
	check_accepted();
	ehdr()->e_entry = TEXT_VA + 0x1000;            /* one past the text, in data */
	check_refused("entry point is not in an executable segment");
	ehdr()->e_entry = TEXT_VA - 1;
	check_refused("entry point is not in an executable segment");
}

/* elf_file.c: checked reading of ELF64 x86-64 files (see elf_file.h): the
 * header (ELF64, little-endian, x86-64, the expected type), the section
 * header table, .symtab and its string table, and which symbols are defined
 * and which are code. */
#include "elf_file.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "array.h"
#include "errmsg.h"

#define ELF_FILE_MAX_BYTES (256u << 20) /* far above any kernel or program we build */
#define ELF_LOCAL_LABEL_PREFIX ".L"     /* assembler-local labels, never functions */

/* Reads the whole of path into f->bytes. */
static int elf_file_read(struct elf_file *f, char *err, size_t err_bytes)
{
	struct stat st;
	FILE *fp = fopen(f->path, "rb");
	if (!fp || fstat(fileno(fp), &st) < 0) {
		int e = errno;
		if (fp)
			fclose(fp);
		return errmsg_fail(err, err_bytes, "%s: %s", f->path, strerror(e));
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > ELF_FILE_MAX_BYTES) {
		fclose(fp);
		return errmsg_fail(err, err_bytes, "%s: not a regular file of at most %u MiB",
				  f->path, ELF_FILE_MAX_BYTES >> 20);
	}
	f->size = (size_t)st.st_size;
	f->bytes = malloc(f->size ? f->size : 1);
	bool ok = f->bytes && fread(f->bytes, 1, f->size, fp) == f->size;
	fclose(fp);
	if (!ok)
		return errmsg_fail(err, err_bytes, "%s: cannot read it", f->path);
	return 0;
}

/* True when [off, off + count * each) lies inside the file and off is aligned
 * to align (so the structures there can be read in place). */
static bool elf_range_ok(const struct elf_file *f, uint64_t off, uint64_t count, uint64_t each,
			 uint64_t align)
{
	if (off % align != 0 || off > f->size)
		return false;
	return each == 0 || count <= (f->size - off) / each;
}

/* Checks the ELF identification: ELF64, little-endian, x86-64; an ELF32 file
 * gets a pointer at the ELF64 kernel image. */
static int elf_ident_check(const struct elf_file *f, char *err, size_t err_bytes)
{
	const unsigned char *id = f->bytes;
	if (f->size < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG) != 0)
		return errmsg_fail(err, err_bytes, "%s: not an ELF file (%zu bytes, no \\177ELF magic)",
				  f->path, f->size);
	if (id[EI_CLASS] == ELFCLASS32)
		return errmsg_fail(err, err_bytes,
				  "%s: an ELF32 file; symbols are read from ELF64 images (for the "
				  "kernel use build/<variant>/kernel64.elf, not its ELF32 copy kernel.elf)",
				  f->path);
	if (id[EI_CLASS] != ELFCLASS64 || id[EI_DATA] != ELFDATA2LSB)
		return errmsg_fail(err, err_bytes, "%s: not a little-endian ELF64 file", f->path);
	if (f->size < sizeof(Elf64_Ehdr))
		return errmsg_fail(err, err_bytes, "%s: truncated: %zu bytes, shorter than an ELF header",
				  f->path, f->size);
	return 0;
}

/* What an ELF file of type e_type is, for messages. */
static const char *elf_type_name(uint16_t e_type)
{
	switch (e_type) {
	case ET_REL:
		return "an object file";
	case ET_EXEC:
	case ET_DYN:
		return "an executable";
	case ET_CORE:
		return "a core dump";
	default:
		return "an unknown kind of ELF file";
	}
}

/* Checks the header (machine, type want) and the section header table's place. */
static int elf_header_check(struct elf_file *f, uint16_t want, char *err, size_t err_bytes)
{
	if (elf_ident_check(f, err, err_bytes) < 0)
		return -1;
	f->eh = (const Elf64_Ehdr *)f->bytes;
	if (f->eh->e_machine != EM_X86_64)
		return errmsg_fail(err, err_bytes, "%s: not an x86-64 ELF file (e_machine %u)", f->path,
				  f->eh->e_machine);
	bool exec = f->eh->e_type == ET_EXEC || f->eh->e_type == ET_DYN;
	if (want == ET_REL ? f->eh->e_type != ET_REL : !exec)
		return errmsg_fail(err, err_bytes, "%s: %s (ELF type %u), expected %s", f->path,
				  elf_type_name(f->eh->e_type), f->eh->e_type,
				  elf_type_name(want));
	if (f->eh->e_shentsize != sizeof(Elf64_Shdr) || f->eh->e_shnum == 0 ||
	    !elf_range_ok(f, f->eh->e_shoff, f->eh->e_shnum, sizeof(Elf64_Shdr), 8))
		return errmsg_fail(err, err_bytes,
				  "%s: bad section header table (offset %llu, %u entries of %u bytes) "
				  "in a %zu-byte file (truncated?)",
				  f->path, (unsigned long long)f->eh->e_shoff, f->eh->e_shnum,
				  f->eh->e_shentsize, f->size);
	f->sh = (const Elf64_Shdr *)(f->bytes + f->eh->e_shoff);
	return 0;
}

/* Locates the string table of the symbol table section symtab. */
static int elf_strtab_find(struct elf_file *f, const Elf64_Shdr *symtab, char *err,
			   size_t err_bytes)
{
	if (symtab->sh_link == 0 || symtab->sh_link >= f->eh->e_shnum)
		return errmsg_fail(err, err_bytes,
				  "%s: .symtab's string table is section %u, but there are %u sections",
				  f->path, symtab->sh_link, f->eh->e_shnum);
	const Elf64_Shdr *s = &f->sh[symtab->sh_link];
	if (s->sh_type != SHT_STRTAB || s->sh_size == 0 ||
	    !elf_range_ok(f, s->sh_offset, s->sh_size, 1, 1) ||
	    f->bytes[s->sh_offset + s->sh_size - 1] != '\0')
		return errmsg_fail(err, err_bytes,
				  "%s: the symbol string table (section %u) is not a NUL-terminated "
				  "string table inside the file (truncated?)",
				  f->path, symtab->sh_link);
	f->str = (const char *)f->bytes + s->sh_offset;
	f->str_size = s->sh_size;
	return 0;
}

/* Locates .symtab (the first SHT_SYMTAB section) and its strings. */
static int elf_symtab_find_section(struct elf_file *f, char *err, size_t err_bytes)
{
	for (unsigned i = 0; i < f->eh->e_shnum; i++) {
		const Elf64_Shdr *s = &f->sh[i];
		if (s->sh_type != SHT_SYMTAB)
			continue;
		if (s->sh_entsize != sizeof(Elf64_Sym) ||
		    !elf_range_ok(f, s->sh_offset, s->sh_size / sizeof(Elf64_Sym), sizeof(Elf64_Sym), 8) ||
		    s->sh_size % sizeof(Elf64_Sym) != 0)
			return errmsg_fail(err, err_bytes,
					  "%s: .symtab (section %u: offset %llu, %llu bytes) does not "
					  "fit the %zu-byte file (truncated?)",
					  f->path, i, (unsigned long long)s->sh_offset,
					  (unsigned long long)s->sh_size, f->size);
		f->syms = (const Elf64_Sym *)(f->bytes + s->sh_offset);
		f->nsyms = s->sh_size / sizeof(Elf64_Sym);
		return elf_strtab_find(f, s, err, err_bytes);
	}
	return errmsg_fail(err, err_bytes, "%s: no .symtab section (a stripped file?)", f->path);
}

/* Reads and checks path, an ELF file of type want (ET_EXEC for any
 * executable, ET_REL for an object file), and finds its symbols. Used by
 * elf_syms.c (executables) and elf_sym_sources.c (objects). */
int elf_file_open(struct elf_file *f, const char *path, uint16_t want, char *err,
			 size_t err_bytes)
{
	memset(f, 0, sizeof *f);
	f->path = path;
	if (elf_file_read(f, err, err_bytes) < 0 || elf_header_check(f, want, err, err_bytes) < 0 ||
	    elf_symtab_find_section(f, err, err_bytes) < 0) {
		free(f->bytes);
		f->bytes = NULL;
		return -1;
	}
	return 0;
}

/* Frees what elf_file_open read. */
void elf_file_close(struct elf_file *f)
{
	free(f->bytes);
	f->bytes = NULL;
}

/* Sets *name to the name of symbol s, checking its string index. */
int elf_sym_name(const struct elf_file *f, const Elf64_Sym *s, const char **name, char *err,
			size_t err_bytes)
{
	if (s->st_name >= f->str_size)
		return errmsg_fail(err, err_bytes,
				  "%s: symbol %zu's name index %u is outside its %zu-byte string table",
				  f->path, (size_t)(s - f->syms), s->st_name, f->str_size);
	*name = f->str + s->st_name;
	return 0;
}

/* The section symbol s is defined in, or NULL (undefined, absolute, common,
 * or an index outside the section table). */
const Elf64_Shdr *elf_sym_section(const struct elf_file *f, const Elf64_Sym *s)
{
	if (s->st_shndx == SHN_UNDEF || s->st_shndx >= SHN_LORESERVE || s->st_shndx >= f->eh->e_shnum)
		return NULL;
	return &f->sh[s->st_shndx];
}

/* True when s (called name) is a defined, named symbol of the file's own:
 * not a section, file, undefined or assembler-local .L symbol. */
bool elf_sym_is_defined(const struct elf_file *f, const Elf64_Sym *s, const char *name)
{
	unsigned type = ELF64_ST_TYPE(s->st_info);
	size_t local_prefix = strlen(ELF_LOCAL_LABEL_PREFIX);
	return elf_sym_section(f, s) && name[0] != '\0' && type != STT_SECTION &&
	       type != STT_FILE && strncmp(name, ELF_LOCAL_LABEL_PREFIX, local_prefix) != 0;
}

/* True when s (called name) is code: a defined function, or a label in an
 * executable section (assembly entry points are STT_NOTYPE); never an
 * assembler-local .L label. */
bool elf_sym_is_code(const struct elf_file *f, const Elf64_Sym *s, const char *name)
{
	const Elf64_Shdr *sec = elf_sym_section(f, s);
	unsigned type = ELF64_ST_TYPE(s->st_info);
	if (!elf_sym_is_defined(f, s, name))
		return false;
	if (type == STT_FUNC)
		return true;
	return type == STT_NOTYPE && (sec->sh_flags & SHF_EXECINSTR);
}

/* Makes *items (an array of *cap items of each bytes) hold at least need
 * (array_grow), saying so in err when memory runs out. */
int elf_array_grow(void **items, size_t each, size_t need, size_t *cap, char *err,
		   size_t err_bytes)
{
	if (array_grow(items, each, need, cap) < 0)
		return errmsg_fail(err, err_bytes, "out of memory for %zu symbols", need);
	return 0;
}

/* elf_file.h: checked reading of ELF64 x86-64 files for the profile's
 * symbol table (elf_syms.c, elf_sym_sources.c): the whole file in memory,
 * every offset, index and string checked against it before use, so a
 * truncated or foreign file gives a message naming it, never a crash. */
#ifndef MACHLAB_ELF_FILE_H
#define MACHLAB_ELF_FILE_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>

#define ELF_OBJ_SUFFIX ".o" /* object files are <obj_dir>/<source>.o; gas names its STT_FILE so */

/* An ELF file read whole into memory, its header checked and .symtab found. */
struct elf_file {
	const char *path;
	unsigned char *bytes;
	size_t size;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;  /* eh->e_shnum section headers */
	const Elf64_Sym *syms; /* .symtab */
	size_t nsyms;
	const char *str;       /* its string table, NUL-terminated at str[str_size - 1] */
	size_t str_size;
};

int elf_file_open(struct elf_file *f, const char *path, uint16_t want, char *err, size_t err_bytes);
void elf_file_close(struct elf_file *f);
int elf_sym_name(const struct elf_file *f, const Elf64_Sym *s, const char **name, char *err,
		 size_t err_bytes);
const Elf64_Shdr *elf_sym_section(const struct elf_file *f, const Elf64_Sym *s);
bool elf_sym_is_defined(const struct elf_file *f, const Elf64_Sym *s, const char *name);
bool elf_sym_is_code(const struct elf_file *f, const Elf64_Sym *s, const char *name);
int elf_array_grow(void **items, size_t each, size_t need, size_t *cap, char *err,
		   size_t err_bytes);

#endif

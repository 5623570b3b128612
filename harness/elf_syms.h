/* elf_syms.h: symbolising guest code addresses for the profile. A table of
 * code symbols read from the .symtab of ELF64 x86-64 executables (the kernel's
 * kernel64.elf, a user program such as bench-mk.elf), sorted by address, each
 * symbol named with the source file it was compiled from (found by reading the
 * build's object files, whose paths are <obj_dir>/<source path>.o). Read in C
 * with <elf.h>: no nm, objdump or addr2line at run time. */
#ifndef MACHLAB_ELF_SYMS_H
#define MACHLAB_ELF_SYMS_H

#include <stddef.h>
#include <stdint.h>

/* One code symbol: a function, or an assembly label in an executable section. */
struct elf_sym {
	uint64_t addr;   /* its first byte */
	uint64_t size;   /* bytes; a label of size 0 is given the bytes up to the next symbol */
	char *name;      /* as in .symtab, GCC clone suffixes included ("msg_use.isra.0") */
	char *source;    /* "kernel/kern/msg.c"; only a basename ("msg.c") when just the
			  * executable's STT_FILE symbol names it; NULL when unknown */
	unsigned image;  /* which elf_symtab_load call added it: 0 for the first */
	unsigned rank;   /* of symbols at one address, the highest rank is the one found */
};

/* The symbols of one or more executables, sorted by address (then rank). */
struct elf_symtab {
	struct elf_sym *syms;
	size_t count;
	size_t cap;
	unsigned images; /* elf_symtab_load calls that succeeded */
};

int elf_symtab_load(struct elf_symtab *t, const char *elf_path, char *err, size_t err_bytes);
int elf_symtab_load_map(struct elf_symtab *t, const char *map_path, const char *source,
			char *err, size_t err_bytes);
int elf_symtab_sources(struct elf_symtab *t, const char *obj_dir, char *err, size_t err_bytes);
const struct elf_sym *elf_symtab_find(const struct elf_symtab *t, uint64_t addr);
const struct elf_sym *elf_symtab_by_name(const struct elf_symtab *t, const char *name);
void elf_symtab_free(struct elf_symtab *t);

#endif

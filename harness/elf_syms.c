/* elf_syms.c: the profile's symbol table (see elf_syms.h): which symbols of
 * an executable are code, the sizes given to labels, the order by address
 * and the lookup. Files are read by elf_file.c; source paths are found by
 * elf_sym_sources.c. */
#include "elf_syms.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_file.h"
#include "errmsg.h"

/* Ranks of symbols sharing an address: a function beats a label, a local label
 * (entry.S's isr_0) beats a global one (the linker script's kernel_image_start). */
#define ELF_RANK_FUNC 2u
#define ELF_RANK_LOCAL 1u

/* Orders symbols by address, then rank (so the best of an address is last). */
static int elf_sym_cmp_addr(const void *a, const void *b)
{
	const struct elf_sym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (x->rank > y->rank) - (x->rank < y->rank);
}

/* Frees the strings of syms[0..count). */
static void elf_syms_free_strings(struct elf_sym *syms, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(syms[i].name);
		free(syms[i].source);
	}
}

/* The basename an STT_FILE symbol gives: "msg.c", or "entry.S" for the
 * assembler's "entry.S.o". Returns a malloc'd string or NULL. */
static char *elf_file_basename(const char *file_sym)
{
	size_t len = strlen(file_sym), suffix = strlen(ELF_OBJ_SUFFIX);
	if (len > suffix && strcmp(file_sym + len - suffix, ELF_OBJ_SUFFIX) == 0 &&
	    memchr(file_sym, '.', len - suffix))
		len -= suffix;
	return strndup(file_sym, len);
}

#define ELF_MAP_LINE_MAX_BYTES 1024

/* One symbol of a load before it joins the table, with its section's end. */
struct elf_load_sym {
	struct elf_sym sym;
	uint64_t section_end;
};

/* The symbols of one load. */
struct elf_load {
	struct elf_load_sym *items;
	size_t count;
	size_t cap;
};

/* Appends code symbol s (called name, in a file whose STT_FILE said file). */
static int elf_load_push(struct elf_load *l, const struct elf_file *f, const Elf64_Sym *s,
			 const char *name, const char *file, char *err, size_t err_bytes)
{
	if (elf_array_grow((void **)&l->items, sizeof *l->items, l->count + 1, &l->cap, err,
			   err_bytes) < 0)
		return -1;
	const Elf64_Shdr *sec = elf_sym_section(f, s);
	bool local = ELF64_ST_BIND(s->st_info) == STB_LOCAL;
	unsigned rank = (ELF64_ST_TYPE(s->st_info) == STT_FUNC ? ELF_RANK_FUNC : 0) +
			(local ? ELF_RANK_LOCAL : 0);
	struct elf_load_sym *e = &l->items[l->count++];
	*e = (struct elf_load_sym){ .sym = { .addr = s->st_value, .size = s->st_size,
					     .name = strdup(name), .rank = rank },
				    .section_end = sec->sh_addr + sec->sh_size };
	e->sym.source = local && file ? elf_file_basename(file) : NULL;
	if (!e->sym.name || (local && file && !e->sym.source))
		return errmsg_fail(err, err_bytes, "out of memory for symbol names");
	return 0;
}

/* Collects f's code symbols into l, each local one with the basename of the
 * STT_FILE symbol before it. */
static int elf_load_collect(struct elf_load *l, const struct elf_file *f, char *err,
			    size_t err_bytes)
{
	const char *file = NULL;
	for (size_t i = 1; i < f->nsyms; i++) {
		const Elf64_Sym *s = &f->syms[i];
		const char *name = NULL;
		if (elf_sym_name(f, s, &name, err, err_bytes) < 0)
			return -1;
		if (ELF64_ST_TYPE(s->st_info) == STT_FILE)
			file = name[0] ? name : NULL;
		else if (elf_sym_is_code(f, s, name) &&
			 elf_load_push(l, f, s, name, file, err, err_bytes) < 0)
			return -1;
	}
	return 0;
}

/* Sorts l by address and gives each size-0 symbol the bytes up to the next
 * symbol at a higher address, or to its section's end if that comes first. */
static void elf_load_extend(struct elf_load *l)
{
	qsort(l->items, l->count, sizeof *l->items, elf_sym_cmp_addr); /* sym is the first member */
	size_t next = 0; /* the first item at an address above item i's */
	for (size_t i = 0; i < l->count; i++) {
		struct elf_sym *s = &l->items[i].sym;
		while (next < l->count && l->items[next].sym.addr <= s->addr)
			next++;
		if (s->size != 0)
			continue;
		uint64_t end = l->items[i].section_end;
		if (next < l->count && l->items[next].sym.addr < end)
			end = l->items[next].sym.addr;
		s->size = end > s->addr ? end - s->addr : 0;
	}
}

/* Moves l's symbols into t as image number t->images and sorts t. */
static int elf_load_commit(struct elf_symtab *t, struct elf_load *l, char *err, size_t err_bytes)
{
	if (elf_array_grow((void **)&t->syms, sizeof *t->syms, t->count + l->count, &t->cap, err,
			   err_bytes) < 0)
		return -1;
	for (size_t i = 0; i < l->count; i++) {
		t->syms[t->count] = l->items[i].sym;
		t->syms[t->count++].image = t->images;
		l->items[i].sym = (struct elf_sym){ 0 };
	}
	t->images++;
	qsort(t->syms, t->count, sizeof *t->syms, elf_sym_cmp_addr);
	return 0;
}

/* Frees a load's symbols (those not moved into a table). */
static void elf_load_free(struct elf_load *l)
{
	for (size_t i = 0; i < l->count; i++)
		elf_syms_free_strings(&l->items[i].sym, 1);
	free(l->items);
}

/* Adds the code symbols of the ELF64 x86-64 executable at elf_path to t.
 * On failure t is as it was. */
int elf_symtab_load(struct elf_symtab *t, const char *elf_path, char *err, size_t err_bytes)
{
	struct elf_file f;
	if (elf_file_open(&f, elf_path, ET_EXEC, err, err_bytes) < 0)
		return -1;
	struct elf_load l = { 0 };
	int rc = elf_load_collect(&l, &f, err, err_bytes);
	if (rc == 0) {
		elf_load_extend(&l);
		rc = elf_load_commit(t, &l, err, err_bytes);
	}
	elf_load_free(&l);
	elf_file_close(&f);
	return rc;
}

/* The end a map's last text symbol extends to: kallsyms has no sizes and
 * no sections, so the last one gets this many bytes. */
#define ELF_MAP_LAST_BYTES 4096

/* Adds the text symbols ('t' or 'T') of a symbol map at map_path, one
 * "<hex address> <type> <name>" per line as /proc/kallsyms and System.map
 * give them, to t as one image, each with source, e.g. "[linux]". Sizes
 * reach the next symbol. On failure t is as it was. */
int elf_symtab_load_map(struct elf_symtab *t, const char *map_path, const char *source,
			char *err, size_t err_bytes)
{
	FILE *f = fopen(map_path, "re");
	if (!f)
		return errmsg_fail(err, err_bytes, "%s: %s", map_path, strerror(errno));
	struct elf_load l = { 0 };
	char line[ELF_MAP_LINE_MAX_BYTES], type, name[ELF_MAP_LINE_MAX_BYTES];
	unsigned long long addr;
	int rc = 0, number = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		number++;
		if (sscanf(line, "%llx %c %1023s", &addr, &type, name) != 3)
			rc = errmsg_fail(err, err_bytes, "%s:%d: not \"<address> <type> <name>\"",
					 map_path, number);
		else if ((type == 't' || type == 'T') &&
			 elf_array_grow((void **)&l.items, sizeof *l.items, l.count + 1, &l.cap, err,
					err_bytes) < 0)
			rc = -1;
		else if (type == 't' || type == 'T') {
			struct elf_load_sym *e = &l.items[l.count++];
			*e = (struct elf_load_sym){ .sym = { .addr = addr, .name = strdup(name),
							     .source = strdup(source),
							     .rank = ELF_RANK_FUNC },
						    .section_end = addr + ELF_MAP_LAST_BYTES };
			if (!e->sym.name || !e->sym.source)
				rc = errmsg_fail(err, err_bytes, "out of memory for symbol names");
		}
	}
	fclose(f);
	if (rc == 0 && l.count == 0)
		rc = errmsg_fail(err, err_bytes, "%s: no text symbols", map_path);
	if (rc == 0) {
		elf_load_extend(&l); /* sorts; sizes reach the next symbol, at most the cap */
		rc = elf_load_commit(t, &l, err, err_bytes);
	}
	elf_load_free(&l);
	return rc;
}

/* Returns the symbol whose bytes hold addr, or NULL. */
const struct elf_sym *elf_symtab_find(const struct elf_symtab *t, uint64_t addr)
{
	size_t lo = 0, hi = t->count; /* the first symbol above addr is in [lo, hi] */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct elf_sym *s = &t->syms[lo - 1];
	return addr - s->addr < s->size ? s : NULL;
}

/* The first symbol called name, or NULL (a linear search: for the few
 * names the profile needs, such as the fault vectors' entries). */
const struct elf_sym *elf_symtab_by_name(const struct elf_symtab *t, const char *name)
{
	for (size_t i = 0; i < t->count; i++)
		if (strcmp(t->syms[i].name, name) == 0)
			return &t->syms[i];
	return NULL;
}

/* Frees the table's symbols and leaves it empty. */
void elf_symtab_free(struct elf_symtab *t)
{
	elf_syms_free_strings(t->syms, t->count);
	free(t->syms);
	*t = (struct elf_symtab){ 0 };
}

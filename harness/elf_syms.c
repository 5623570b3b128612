/* elf_syms.c: the profile's symbol table (see elf_syms.h). Owns the checked
 * reading of ELF64 x86-64 files (every offset, index and string is checked
 * against the file before use, so a truncated or foreign file gives a message,
 * never a crash), the choice of code symbols, the sizes given to labels, the
 * lookup by address, and the mapping of symbols to source paths through the
 * build's object files. */
#include "elf_syms.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "errmsg.h"

#define ELF_FILE_MAX_BYTES (256u << 20) /* far above any kernel or program we build */
#define ELF_TABLE_MIN_CAP 256           /* first allocation of a symbol array */
#define ELF_PATH_MAX_BYTES 4096
#define ELF_OBJ_SUFFIX ".o"             /* <obj_dir>/<source>.o */
#define ELF_LOCAL_LABEL_PREFIX ".L"     /* assembler-local labels, never functions */

/* Ranks of symbols sharing an address: a function beats a label, a local label
 * (entry.S's isr_0) beats a global one (the linker script's kernel_image_start). */
#define ELF_RANK_FUNC 2u
#define ELF_RANK_LOCAL 1u

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

/* ---- reading ELF files ---- */

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
	if (s->sh_type != SHT_STRTAB || s->sh_size == 0 || !elf_range_ok(f, s->sh_offset, s->sh_size, 1, 1) ||
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
 * executable, ET_REL for an object file), and finds its symbols. */
static int elf_file_open(struct elf_file *f, const char *path, uint16_t want, char *err,
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
static void elf_file_close(struct elf_file *f)
{
	free(f->bytes);
	f->bytes = NULL;
}

/* Sets *name to the name of symbol s, checking its string index. */
static int elf_sym_name(const struct elf_file *f, const Elf64_Sym *s, const char **name, char *err,
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
static const Elf64_Shdr *elf_sym_section(const struct elf_file *f, const Elf64_Sym *s)
{
	if (s->st_shndx == SHN_UNDEF || s->st_shndx >= SHN_LORESERVE || s->st_shndx >= f->eh->e_shnum)
		return NULL;
	return &f->sh[s->st_shndx];
}

/* True when s (called name) is a defined, named symbol of the file's own:
 * not a section, file, undefined or assembler-local .L symbol. */
static bool elf_sym_is_defined(const struct elf_file *f, const Elf64_Sym *s, const char *name)
{
	unsigned type = ELF64_ST_TYPE(s->st_info);
	return elf_sym_section(f, s) && name[0] != '\0' && type != STT_SECTION &&
	       type != STT_FILE && strncmp(name, ELF_LOCAL_LABEL_PREFIX, strlen(ELF_LOCAL_LABEL_PREFIX)) != 0;
}

/* True when s (called name) is code: a defined function, or a label in an
 * executable section (assembly entry points are STT_NOTYPE); never an
 * assembler-local .L label. */
static bool elf_sym_is_code(const struct elf_file *f, const Elf64_Sym *s, const char *name)
{
	const Elf64_Shdr *sec = elf_sym_section(f, s);
	unsigned type = ELF64_ST_TYPE(s->st_info);
	if (!elf_sym_is_defined(f, s, name))
		return false;
	if (type == STT_FUNC)
		return true;
	return type == STT_NOTYPE && (sec->sh_flags & SHF_EXECINSTR);
}

/* ---- the table ---- */

/* Makes *items (an array of *cap items of each bytes) hold at least need. */
static int elf_array_grow(void **items, size_t each, size_t need, size_t *cap, char *err,
			  size_t err_bytes)
{
	if (need <= *cap)
		return 0;
	size_t grown_cap = *cap ? *cap : ELF_TABLE_MIN_CAP;
	while (grown_cap < need)
		grown_cap *= 2;
	void *grown = realloc(*items, grown_cap * each);
	if (!grown)
		return errmsg_fail(err, err_bytes, "out of memory for %zu symbols", grown_cap);
	*items = grown;
	*cap = grown_cap;
	return 0;
}

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

/* Frees the table's symbols and leaves it empty. */
void elf_symtab_free(struct elf_symtab *t)
{
	elf_syms_free_strings(t->syms, t->count);
	free(t->syms);
	*t = (struct elf_symtab){ 0 };
}

/* ---- source paths from the build's object files ---- */

/* A symbol an object file defines. Data symbols are kept too: a label the
 * assembler put in a data section (boot.S's boot_gdt) can end up in an
 * executable section of the image. */
struct elf_def {
	char *name;
	size_t obj;    /* index into elf_objs.sources */
	uint64_t size; /* st_size in the object */
	bool global;
	bool code;     /* elf_sym_is_code */
};

/* What the object files under one obj_dir define. */
struct elf_objs {
	char **sources; /* per object: its source path ("kernel/kern/msg.c") */
	size_t count;
	size_t cap;
	struct elf_def *defs; /* sorted by name once all are read */
	size_t ndefs;
	size_t defs_cap;
};

/* Frees what the object walk collected. */
static void elf_objs_free(struct elf_objs *o)
{
	for (size_t i = 0; i < o->count; i++)
		free(o->sources[i]);
	for (size_t i = 0; i < o->ndefs; i++)
		free(o->defs[i].name);
	free(o->sources);
	free(o->defs);
}

/* Records the definition of symbol s (called name) by the latest object, f. */
static int elf_objs_def_push(struct elf_objs *o, const struct elf_file *f, const Elf64_Sym *s,
			     const char *name, char *err, size_t err_bytes)
{
	if (elf_array_grow((void **)&o->defs, sizeof *o->defs, o->ndefs + 1, &o->defs_cap, err,
			   err_bytes) < 0)
		return -1;
	char *copy = strdup(name);
	if (!copy)
		return errmsg_fail(err, err_bytes, "out of memory for symbol names");
	o->defs[o->ndefs++] = (struct elf_def){ .name = copy, .obj = o->count - 1,
						.size = s->st_size,
						.global = ELF64_ST_BIND(s->st_info) != STB_LOCAL,
						.code = elf_sym_is_code(f, s, name) };
	return 0;
}

/* Adds the symbols the object file at path (compiled from source) defines. */
static int elf_objs_add(struct elf_objs *o, const char *path, const char *source, char *err,
			size_t err_bytes)
{
	struct elf_file f;
	if (elf_file_open(&f, path, ET_REL, err, err_bytes) < 0)
		return -1;
	int rc = elf_array_grow((void **)&o->sources, sizeof *o->sources, o->count + 1, &o->cap, err,
				err_bytes);
	if (rc == 0 && !(o->sources[o->count] = strdup(source)))
		rc = errmsg_fail(err, err_bytes, "out of memory for source paths");
	if (rc == 0)
		o->count++;
	for (size_t i = 1; rc == 0 && i < f.nsyms; i++) {
		const Elf64_Sym *s = &f.syms[i];
		const char *name = NULL;
		rc = elf_sym_name(&f, s, &name, err, err_bytes);
		if (rc == 0 && elf_sym_is_defined(&f, s, name))
			rc = elf_objs_def_push(o, &f, s, name, err, err_bytes);
	}
	elf_file_close(&f);
	return rc;
}

static int elf_objs_walk(struct elf_objs *o, const char *root, const char *rel, char *err,
			 size_t err_bytes);

/* Handles the directory entry name of root/rel: walks a directory, adds an
 * object file "<source>.o", ignores anything else (symbolic links too, so a
 * link loop cannot trap the walk). */
static int elf_objs_entry(struct elf_objs *o, const char *root, const char *rel, const char *name,
			  char *err, size_t err_bytes)
{
	char rel_path[ELF_PATH_MAX_BYTES], path[ELF_PATH_MAX_BYTES];
	int n = snprintf(rel_path, sizeof rel_path, "%s%s%s", rel, rel[0] ? "/" : "", name);
	int m = snprintf(path, sizeof path, "%s/%s", root, rel_path);
	if (n < 0 || (size_t)n >= sizeof rel_path || m < 0 || (size_t)m >= sizeof path)
		return errmsg_fail(err, err_bytes, "%s/%s: path longer than %d bytes", root, rel_path,
				  ELF_PATH_MAX_BYTES - 1);
	struct stat st;
	if (lstat(path, &st) < 0)
		return errmsg_fail(err, err_bytes, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return elf_objs_walk(o, root, rel_path, err, err_bytes);
	size_t len = strlen(rel_path), suffix = strlen(ELF_OBJ_SUFFIX);
	if (!S_ISREG(st.st_mode) || len <= suffix ||
	    strcmp(rel_path + len - suffix, ELF_OBJ_SUFFIX) != 0)
		return 0;
	rel_path[len - suffix] = '\0';
	return elf_objs_add(o, path, rel_path, err, err_bytes);
}

/* Adds every object file under root/rel (rel "" for root itself). */
static int elf_objs_walk(struct elf_objs *o, const char *root, const char *rel, char *err,
			 size_t err_bytes)
{
	char dir[ELF_PATH_MAX_BYTES];
	snprintf(dir, sizeof dir, "%s%s%s", root, rel[0] ? "/" : "", rel);
	DIR *d = opendir(dir);
	if (!d)
		return errmsg_fail(err, err_bytes, "%s: %s", dir, strerror(errno));
	int rc = 0;
	const struct dirent *e;
	while (rc == 0 && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			rc = elf_objs_entry(o, root, rel, e->d_name, err, err_bytes);
	closedir(d);
	return rc;
}

/* Orders definitions by name. */
static int elf_def_cmp(const void *a, const void *b)
{
	const struct elf_def *x = a, *y = b;
	return strcmp(x->name, y->name);
}

/* Orders table symbols (through pointers) by name, then image. */
static int elf_sym_cmp_name(const void *a, const void *b)
{
	const struct elf_sym *x = *(const struct elf_sym *const *)a;
	const struct elf_sym *y = *(const struct elf_sym *const *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->image > y->image) - (x->image < y->image);
}

/* Compares def with the first len bytes of name, as strcmp would with them alone. */
static int elf_name_cmp_len(const char *def, const char *name, size_t len)
{
	int c = strncmp(def, name, len);
	return c ? c : def[len] != '\0';
}

/* Finds the definitions of name's first len bytes: n of them from *first. */
static size_t elf_defs_range(const struct elf_objs *o, const char *name, size_t len, size_t *first)
{
	size_t lo = 0, hi = o->ndefs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (elf_name_cmp_len(o->defs[mid].name, name, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t n = 0;
	while (lo + n < o->ndefs && elf_name_cmp_len(o->defs[lo + n].name, name, len) == 0)
		n++;
	*first = lo;
	return n;
}

/* Works out which objects are linked into which of t's images: object j is
 * in image i when every global code symbol it defines is a symbol of image i
 * (a linked object brings all of them). linked[j * t->images + i]. */
static int elf_objs_linked(const struct elf_objs *o, const struct elf_symtab *t, bool **linked,
			   char *err, size_t err_bytes)
{
	size_t cells = o->count * t->images;
	const struct elf_sym **by_name = malloc((t->count ? t->count : 1) * sizeof *by_name);
	*linked = malloc((cells ? cells : 1) * sizeof **linked);
	if (!by_name || !*linked) {
		free(by_name);
		return errmsg_fail(err, err_bytes, "out of memory for %zu objects", o->count);
	}
	for (size_t i = 0; i < t->count; i++)
		by_name[i] = &t->syms[i];
	qsort(by_name, t->count, sizeof *by_name, elf_sym_cmp_name);
	for (size_t i = 0; i < cells; i++)
		(*linked)[i] = true;
	for (size_t d = 0; d < o->ndefs; d++)
		for (unsigned image = 0; o->defs[d].global && o->defs[d].code && image < t->images;
		     image++) {
			struct elf_sym key = { .name = o->defs[d].name, .image = image };
			const struct elf_sym *keyp = &key;
			if (!bsearch(&keyp, by_name, t->count, sizeof *by_name, elf_sym_cmp_name))
				(*linked)[o->defs[d].obj * t->images + image] = false;
		}
	free(by_name);
	return 0;
}

/* The part of path after its last '/'. */
static const char *elf_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* The source path of s: the one source among the objects that define its
 * name (else its name up to the first '.'), are linked into its image and,
 * when s already has a source, have that basename; with same_size, only
 * definitions of s's size count (to tell apart two objects that both could
 * be linked, like two programs' main.c). NULL when none or several fit. */
static const char *elf_sym_source_pick(const struct elf_sym *s, const struct elf_objs *o,
				       const bool *linked, unsigned images, bool same_size)
{
	size_t first, n = elf_defs_range(o, s->name, strlen(s->name), &first);
	if (n == 0)
		n = elf_defs_range(o, s->name, strcspn(s->name, "."), &first);
	const char *want = s->source ? elf_basename(s->source) : NULL;
	const char *found = NULL;
	for (const struct elf_def *d = &o->defs[first]; d < &o->defs[first + n]; d++) {
		const char *source = o->sources[d->obj];
		if (!linked[d->obj * images + s->image] || (same_size && d->size != s->size) ||
		    (want && strcmp(elf_basename(source), want) != 0))
			continue;
		if (found && strcmp(found, source) != 0)
			return NULL;
		found = source;
	}
	return found;
}

/* Gives each symbol of t the source path the objects in o pick for it. */
static int elf_symtab_sources_set(struct elf_symtab *t, const struct elf_objs *o,
				  const bool *linked, char *err, size_t err_bytes)
{
	for (size_t i = 0; i < t->count; i++) {
		struct elf_sym *s = &t->syms[i];
		const char *source = elf_sym_source_pick(s, o, linked, t->images, false);
		if (!source)
			source = elf_sym_source_pick(s, o, linked, t->images, true);
		if (!source || (s->source && strcmp(s->source, source) == 0))
			continue;
		char *copy = strdup(source);
		if (!copy)
			return errmsg_fail(err, err_bytes, "out of memory for source paths");
		free(s->source);
		s->source = copy;
	}
	return 0;
}

/* Names t's symbols with source paths read from the object files under
 * obj_dir ("<source path>.o"). May be called once per build directory
 * (kernel, user programs); objects not linked into a symbol's image are
 * never used for it, so the order of the calls does not matter. */
int elf_symtab_sources(struct elf_symtab *t, const char *obj_dir, char *err, size_t err_bytes)
{
	struct elf_objs o = { 0 };
	bool *linked = NULL;
	int rc = elf_objs_walk(&o, obj_dir, "", err, err_bytes);
	if (rc == 0 && o.count == 0)
		rc = errmsg_fail(err, err_bytes, "%s: no object files (*%s) under it", obj_dir,
				 ELF_OBJ_SUFFIX);
	if (rc == 0) {
		qsort(o.defs, o.ndefs, sizeof *o.defs, elf_def_cmp);
		rc = elf_objs_linked(&o, t, &linked, err, err_bytes);
	}
	if (rc == 0)
		rc = elf_symtab_sources_set(t, &o, linked, err, err_bytes);
	free(linked);
	elf_objs_free(&o);
	return rc;
}

/* elf_sym_sources.c: naming the profile's symbols with source paths (see
 * elf_symtab_sources in elf_syms.h) by reading the .symtab of every object
 * file under a build's object directory, <obj_dir>/<source path>.o. A name
 * defined by several objects is settled by the basename the executable's
 * STT_FILE symbols gave the symbol, by which objects are linked into the
 * symbol's image, and last by the symbol's size. */
#include "elf_syms.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "elf_file.h"
#include "errmsg.h"

#define ELF_PATH_MAX_BYTES 4096

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

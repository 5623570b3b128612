/* cpio.c: the "newc" cpio writer (see cpio.h). Owns the checks on archive
 * names, the implicit parent directories and the byte layout: per entry a
 * 110-byte header of "070701" and 13 eight-digit hex fields, the name with its
 * NUL padded so header+name is a multiple of 4, the data padded to 4; then the
 * "TRAILER!!!" entry and zeros up to a whole 512-byte block. */
#include "cpio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "array.h"
#include "errmsg.h"

#define CPIO_MAGIC "070701"
#define CPIO_HEADER_BYTES 110     /* magic + 13 fields of 8 hex digits */
#define CPIO_ALIGN_BYTES 4        /* names and data start on this boundary */
#define CPIO_BLOCK_BYTES 512      /* the archive ends on a whole block, like cpio(1)'s */
#define CPIO_TRAILER "TRAILER!!!"
#define CPIO_FILE_MAX_BYTES 0xffffffffu /* the size field has 32 bits */
#define CPIO_MAJOR_MAX 0xfffu     /* Linux dev_t: 12-bit major */
#define CPIO_MINOR_MAX 0xfffffu   /* and 20-bit minor */
#define CPIO_COPY_CHUNK_BYTES 65536
#define CPIO_DIR_NLINK 2
#define CPIO_OTHER_NLINK 1

/* Checks one '/'-separated component of path (len bytes at comp). */
static int cpio_component_check(const char *path, const char *comp, size_t len, char *err,
				size_t err_bytes)
{
	if (len == 0)
		return errmsg_fail(err, err_bytes, "'%s': empty path component ('//' or a trailing '/')",
				 path);
	if ((len == 1 && comp[0] == '.') || (len == 2 && comp[0] == '.' && comp[1] == '.'))
		return errmsg_fail(err, err_bytes, "'%s': path has a '%.*s' component", path, (int)len,
				 comp);
	return 0;
}

/* Turns path into its archive name (leading '/'s dropped) in name, refusing
 * empty, overlong, '.' and '..' paths. */
static int cpio_name_make(const char *path, char name[CPIO_PATH_MAX_BYTES + 1], char *err,
			  size_t err_bytes)
{
	const char *p = path;
	while (*p == '/')
		p++;
	if (*p == '\0')
		return errmsg_fail(err, err_bytes, "'%s': empty path", path);
	if (strlen(p) > CPIO_PATH_MAX_BYTES)
		return errmsg_fail(err, err_bytes, "'%.40s...': path longer than %u bytes", path,
				 CPIO_PATH_MAX_BYTES);
	for (const char *comp = p;; comp++) {
		size_t len = strcspn(comp, "/");
		if (cpio_component_check(path, comp, len, err, err_bytes) < 0)
			return -1;
		comp += len;
		if (*comp == '\0')
			break;
	}
	strcpy(name, p);
	return 0;
}

/* Returns the index of the entry called name, or -1. */
static long cpio_find(const struct cpio_archive *a, const char *name)
{
	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->entries[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* Appends e (whose owned strings move into the archive). */
static int cpio_push(struct cpio_archive *a, const struct cpio_entry *e, char *err,
		     size_t err_bytes)
{
	if (array_grow((void **)&a->entries, sizeof *a->entries, a->count + 1, &a->cap) < 0)
		return errmsg_fail(err, err_bytes, "'%s': out of memory", e->name);
	a->entries[a->count++] = *e;
	return 0;
}

/* Adds every missing parent directory of name as an implicit directory. */
static int cpio_parents_add(struct cpio_archive *a, const char *name, char *err,
			    size_t err_bytes)
{
	char prefix[CPIO_PATH_MAX_BYTES + 1];
	for (const char *slash = strchr(name, '/'); slash; slash = strchr(slash + 1, '/')) {
		snprintf(prefix, sizeof prefix, "%.*s", (int)(slash - name), name);
		long at = cpio_find(a, prefix);
		if (at >= 0 && a->entries[at].kind != CPIO_DIR)
			return errmsg_fail(err, err_bytes, "'%s': parent '%s' is not a directory",
					 name, prefix);
		if (at >= 0)
			continue;
		struct cpio_entry dir = { .kind = CPIO_DIR, .name = strdup(prefix),
					  .mode = CPIO_IMPLICIT_DIR_MODE, .implicit = true };
		if (!dir.name || cpio_push(a, &dir, err, err_bytes) < 0) {
			free(dir.name);
			return errmsg_fail(err, err_bytes, "'%s': out of memory", name);
		}
	}
	return 0;
}

/* Adds proto (its data and host_path already owned copies, freed here on
 * failure) under path after its parents. A directory already made implicitly
 * takes proto's mode instead; any other second entry for a path is refused. */
static int cpio_entry_add(struct cpio_archive *a, const char *path, struct cpio_entry *proto,
			  char *err, size_t err_bytes)
{
	char name[CPIO_PATH_MAX_BYTES + 1];
	int rc = cpio_name_make(path, name, err, err_bytes);
	if (rc == 0 && (proto->mode & ~CPIO_MODE_BITS))
		rc = errmsg_fail(err, err_bytes, "'%s': mode %o has bits outside %o", path,
			       proto->mode, CPIO_MODE_BITS);
	long at = rc == 0 ? cpio_find(a, name) : -1;
	if (at >= 0 && proto->kind == CPIO_DIR && a->entries[at].implicit) {
		a->entries[at].mode = proto->mode;
		a->entries[at].implicit = false;
		return 0;
	}
	if (at >= 0)
		rc = errmsg_fail(err, err_bytes, "'%s': already in the archive", path);
	if (rc == 0)
		rc = cpio_parents_add(a, name, err, err_bytes);
	if (rc == 0 && !(proto->name = strdup(name)))
		rc = errmsg_fail(err, err_bytes, "'%s': out of memory", path);
	if (rc == 0)
		rc = cpio_push(a, proto, err, err_bytes);
	if (rc < 0) {
		free(proto->name);
		free(proto->data);
		free(proto->host_path);
	}
	return rc;
}

/* Adds the directory path with the given permission bits. */
int cpio_add_dir(struct cpio_archive *a, const char *path, unsigned mode, char *err,
		 size_t err_bytes)
{
	struct cpio_entry e = { .kind = CPIO_DIR, .mode = mode };
	return cpio_entry_add(a, path, &e, err, err_bytes);
}

/* Adds a regular file holding a copy of data[0..size). */
int cpio_add_data(struct cpio_archive *a, const char *path, unsigned mode, const void *data,
		  size_t size, char *err, size_t err_bytes)
{
	struct cpio_entry e = { .kind = CPIO_FILE, .mode = mode, .size = size,
				.data = malloc(size ? size : 1) };
	if (!e.data)
		return errmsg_fail(err, err_bytes, "'%s': out of memory", path);
	if (size)
		memcpy(e.data, data, size);
	return cpio_entry_add(a, path, &e, err, err_bytes);
}

/* Adds a regular file whose contents are streamed from host_path when the
 * archive is written; host_path must be a regular file now. */
int cpio_add_host_file(struct cpio_archive *a, const char *path, unsigned mode,
		       const char *host_path, char *err, size_t err_bytes)
{
	struct stat st;
	if (stat(host_path, &st) < 0)
		return errmsg_fail(err, err_bytes, "host file %s: %s", host_path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return errmsg_fail(err, err_bytes, "host file %s: not a regular file", host_path);
	if ((uint64_t)st.st_size > CPIO_FILE_MAX_BYTES)
		return errmsg_fail(err, err_bytes, "host file %s: larger than the 4 GiB cpio limit",
				 host_path);
	struct cpio_entry e = { .kind = CPIO_FILE, .mode = mode, .size = (uint64_t)st.st_size,
				.host_path = strdup(host_path) };
	if (!e.host_path)
		return errmsg_fail(err, err_bytes, "'%s': out of memory", path);
	return cpio_entry_add(a, path, &e, err, err_bytes);
}

/* Adds a symbolic link path -> target (target is stored as given). */
int cpio_add_symlink(struct cpio_archive *a, const char *path, const char *target, char *err,
		     size_t err_bytes)
{
	size_t len = strlen(target);
	if (len == 0 || len > CPIO_PATH_MAX_BYTES)
		return errmsg_fail(err, err_bytes, "'%s': symlink target must be 1 to %u bytes", path,
				 CPIO_PATH_MAX_BYTES);
	struct cpio_entry e = { .kind = CPIO_SYMLINK, .mode = 0777, .size = len,
				.data = strdup(target) };
	if (!e.data)
		return errmsg_fail(err, err_bytes, "'%s': out of memory", path);
	return cpio_entry_add(a, path, &e, err, err_bytes);
}

/* Adds a device node: type 'c' (character) or 'b' (block). */
int cpio_add_node(struct cpio_archive *a, const char *path, char type, unsigned major,
		  unsigned minor, unsigned mode, char *err, size_t err_bytes)
{
	if (type != 'c' && type != 'b')
		return errmsg_fail(err, err_bytes, "'%s': device type '%c' is neither 'c' nor 'b'",
				 path, type);
	if (major > CPIO_MAJOR_MAX || minor > CPIO_MINOR_MAX)
		return errmsg_fail(err, err_bytes, "'%s': device %u:%u out of range (major <= %u, "
				 "minor <= %u)", path, major, minor, CPIO_MAJOR_MAX, CPIO_MINOR_MAX);
	struct cpio_entry e = { .kind = CPIO_NODE, .mode = mode, .major = major, .minor = minor,
				.char_dev = type == 'c' };
	return cpio_entry_add(a, path, &e, err, err_bytes);
}

/* Writes n zero bytes. */
static void cpio_zeros_write(FILE *out, size_t n)
{
	static const char zeros[CPIO_BLOCK_BYTES];
	fwrite(zeros, 1, n, out);
}

/* Returns the bytes that bring n up to a multiple of align. */
static size_t cpio_pad_bytes(uint64_t n, size_t align)
{
	return (align - n % align) % align;
}

/* Writes one header and its padded name. Returns the bytes written. */
static uint64_t cpio_header_write(FILE *out, uint32_t ino, uint32_t mode, uint32_t nlink,
				  uint64_t size, unsigned rmajor, unsigned rminor, const char *name)
{
	size_t name_bytes = strlen(name) + 1;
	fprintf(out, CPIO_MAGIC "%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino, mode,
		0u, 0u, nlink, 0u, (unsigned)size, 0u, 0u, rmajor, rminor, (unsigned)name_bytes, 0u);
	fwrite(name, 1, name_bytes, out);
	size_t pad = cpio_pad_bytes(CPIO_HEADER_BYTES + name_bytes, CPIO_ALIGN_BYTES);
	cpio_zeros_write(out, pad);
	return CPIO_HEADER_BYTES + name_bytes + pad;
}

/* Copies e's host file into out; it must still have the size seen when added. */
static int cpio_host_stream(FILE *out, const struct cpio_entry *e, char *err, size_t err_bytes)
{
	FILE *in = fopen(e->host_path, "rb");
	if (!in)
		return errmsg_fail(err, err_bytes, "host file %s: %s", e->host_path, strerror(errno));
	char buf[CPIO_COPY_CHUNK_BYTES];
	uint64_t copied = 0;
	for (size_t got; (got = fread(buf, 1, sizeof buf, in)) > 0; copied += got)
		if (copied + got <= e->size)
			fwrite(buf, 1, got, out);
	int read_failed = ferror(in);
	fclose(in);
	if (read_failed)
		return errmsg_fail(err, err_bytes, "host file %s: read error", e->host_path);
	if (copied != e->size)
		return errmsg_fail(err, err_bytes, "host file %s: changed size from %llu to %llu "
				 "bytes while the archive was built", e->host_path,
				 (unsigned long long)e->size, (unsigned long long)copied);
	return 0;
}

/* Returns e's mode word: its type bits and permission bits. */
static uint32_t cpio_mode_word(const struct cpio_entry *e)
{
	switch (e->kind) {
	case CPIO_DIR:
		return S_IFDIR | e->mode;
	case CPIO_FILE:
		return S_IFREG | e->mode;
	case CPIO_SYMLINK:
		return S_IFLNK | e->mode;
	case CPIO_NODE:
		break;
	}
	return (e->char_dev ? S_IFCHR : S_IFBLK) | e->mode;
}

/* Writes entry e with inode number ino. Returns the bytes written, or -1. */
static int64_t cpio_entry_write(FILE *out, const struct cpio_entry *e, uint32_t ino, char *err,
				size_t err_bytes)
{
	uint32_t nlink = e->kind == CPIO_DIR ? CPIO_DIR_NLINK : CPIO_OTHER_NLINK;
	bool node = e->kind == CPIO_NODE;
	uint64_t bytes = cpio_header_write(out, ino, cpio_mode_word(e), nlink, e->size,
					   node ? e->major : 0, node ? e->minor : 0, e->name);
	if (e->host_path && cpio_host_stream(out, e, err, err_bytes) < 0)
		return -1;
	if (e->data)
		fwrite(e->data, 1, e->size, out);
	size_t pad = cpio_pad_bytes(e->size, CPIO_ALIGN_BYTES);
	cpio_zeros_write(out, pad);
	return (int64_t)(bytes + e->size + pad);
}

/* Writes the whole archive to out: the entries in order, the trailer and the
 * padding to a whole block. Returns 0, or -1 (a host file unreadable or
 * changed, or a write error) with the reason in err. */
int cpio_write(const struct cpio_archive *a, FILE *out, char *err, size_t err_bytes)
{
	uint64_t offset = 0;
	for (size_t i = 0; i < a->count; i++) {
		int64_t bytes = cpio_entry_write(out, &a->entries[i], (uint32_t)(i + 1), err,
						 err_bytes);
		if (bytes < 0)
			return -1;
		offset += (uint64_t)bytes;
	}
	offset += cpio_header_write(out, 0, 0, 1, 0, 0, 0, CPIO_TRAILER);
	cpio_zeros_write(out, cpio_pad_bytes(offset, CPIO_BLOCK_BYTES));
	if (fflush(out) != 0 || ferror(out))
		return errmsg_fail(err, err_bytes, "writing the archive: %s", strerror(errno));
	return 0;
}

/* Frees every entry; a is empty again afterwards. */
void cpio_free(struct cpio_archive *a)
{
	for (size_t i = 0; i < a->count; i++) {
		free(a->entries[i].name);
		free(a->entries[i].data);
		free(a->entries[i].host_path);
	}
	free(a->entries);
	*a = (struct cpio_archive){ 0 };
}

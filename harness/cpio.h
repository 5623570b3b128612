/* cpio.h: building a cpio archive in the SVR4 "newc" format, the format of a
 * Linux initramfs. Entries are collected in a cpio_archive (host files are
 * only checked then, and streamed when the archive is written), so that a
 * directory first made implicitly, as the parent of an entry, can still take
 * the mode of a later explicit entry. Every entry's parent directories come
 * before it (the kernel's unpacker silently drops a file whose parent is
 * missing); no path is written twice. The output is deterministic: mtime,
 * uid, gid and dev are 0 and inode numbers count from 1 in entry order.
 * Paths may be given with or without a leading '/'; the archive's names have
 * none ("init", "dev/console"). Every function that can fail returns 0 or -1
 * with a message naming the path (or host file) and what is wrong in err. */
#ifndef MACHLAB_CPIO_H
#define MACHLAB_CPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CPIO_PATH_MAX_BYTES 256     /* longest name in an archive, without its NUL */
#define CPIO_MODE_BITS 07777u       /* permission bits an entry may carry */
#define CPIO_IMPLICIT_DIR_MODE 0755u /* mode of a parent directory nobody named */

/* What an entry is. */
enum cpio_kind {
	CPIO_DIR,
	CPIO_FILE,    /* contents from memory (data) or a host file (host_path) */
	CPIO_SYMLINK, /* target in data */
	CPIO_NODE,    /* a device node: major, minor, char_dev */
};

struct cpio_entry {
	enum cpio_kind kind;
	char *name;         /* archive name, no leading '/' */
	unsigned mode;      /* permission bits only */
	char *data;         /* file contents or symlink target (owned); NULL: host file */
	uint64_t size;      /* bytes of data, or of the host file when checked */
	char *host_path;    /* the host file to stream, or NULL */
	unsigned major, minor;
	bool char_dev;      /* CPIO_NODE: 'c' (else 'b') */
	bool implicit;      /* a directory added only as a parent so far */
};

struct cpio_archive {
	struct cpio_entry *entries;
	size_t count, cap;
};

int cpio_add_dir(struct cpio_archive *a, const char *path, unsigned mode, char *err,
		 size_t err_bytes);
int cpio_add_data(struct cpio_archive *a, const char *path, unsigned mode, const void *data,
		  size_t size, char *err, size_t err_bytes);
int cpio_add_host_file(struct cpio_archive *a, const char *path, unsigned mode,
		       const char *host_path, char *err, size_t err_bytes);
int cpio_add_symlink(struct cpio_archive *a, const char *path, const char *target, char *err,
		     size_t err_bytes);
int cpio_add_node(struct cpio_archive *a, const char *path, char type, unsigned major,
		  unsigned minor, unsigned mode, char *err, size_t err_bytes);
int cpio_write(const struct cpio_archive *a, FILE *out, char *err, size_t err_bytes);
void cpio_free(struct cpio_archive *a);

#endif

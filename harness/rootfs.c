/* rootfs.c: the root archive spec (see rootfs.h): parsing its lines into
 * cpio entries, the absolute-path rule for everything added, and writing the
 * archive atomically. */
#include "rootfs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "errmsg.h"

#define ROOTFS_FIELDS_MAX 8        /* more fields than any kind takes, to count extras */
#define ROOTFS_WHY_MAX_BYTES 512   /* one line's error, before the "<spec>:<line>: " */
#define ROOTFS_ARCHIVE_MODE 0644
#define ROOTFS_DEV_NUMBER_MAX 0xfffffu /* the widest (minor) device number field */

/* One spec line split into blank-separated fields; field[0] is the kind. */
struct rootfs_line {
	char *field[ROOTFS_FIELDS_MAX];
	int count;
	const char *base_dir;
};

/* Refuses a path that is not absolute (spec and caller paths are). */
static int rootfs_path_check(const char *path, char *err, size_t err_bytes)
{
	if (path[0] != '/')
		return errmsg_fail(err, err_bytes, "'%s': path must be absolute (start with '/')",
				   path);
	return 0;
}

/* Adds the directory path (absolute) with the given mode. */
int rootfs_add_dir(struct rootfs *rootfs, const char *path, unsigned mode, char *err,
		   size_t err_bytes)
{
	if (rootfs_path_check(path, err, err_bytes) < 0)
		return -1;
	return cpio_add_dir(&rootfs->archive, path, mode, err, err_bytes);
}

/* Adds path (absolute) with the contents of host_path. */
int rootfs_add_file(struct rootfs *rootfs, const char *path, const char *host_path,
		    unsigned mode, char *err, size_t err_bytes)
{
	if (rootfs_path_check(path, err, err_bytes) < 0)
		return -1;
	return cpio_add_host_file(&rootfs->archive, path, mode, host_path, err, err_bytes);
}

/* Adds path (absolute) holding a copy of data[0..size). */
int rootfs_add_data(struct rootfs *rootfs, const char *path, const void *data, size_t size,
		    unsigned mode, char *err, size_t err_bytes)
{
	if (rootfs_path_check(path, err, err_bytes) < 0)
		return -1;
	return cpio_add_data(&rootfs->archive, path, mode, data, size, err, err_bytes);
}

/* Adds the symbolic link path (absolute) -> target. */
int rootfs_add_symlink(struct rootfs *rootfs, const char *path, const char *target, char *err,
		       size_t err_bytes)
{
	if (rootfs_path_check(path, err, err_bytes) < 0)
		return -1;
	return cpio_add_symlink(&rootfs->archive, path, target, err, err_bytes);
}

/* Adds the device node path (absolute), type 'c' or 'b'. */
int rootfs_add_node(struct rootfs *rootfs, const char *path, char type, unsigned major,
		    unsigned minor, unsigned mode, char *err, size_t err_bytes)
{
	if (rootfs_path_check(path, err, err_bytes) < 0)
		return -1;
	return cpio_add_node(&rootfs->archive, path, type, major, minor, mode, err, err_bytes);
}

/* Parses an octal mode of at most CPIO_MODE_BITS. */
static int rootfs_mode_parse(const char *s, unsigned *mode, char *err, size_t err_bytes)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 8);
	if (s[0] < '0' || s[0] > '7' || *end != '\0' || errno || v > CPIO_MODE_BITS)
		return errmsg_fail(err, err_bytes, "bad mode '%s' (octal, at most %04o)", s,
				   CPIO_MODE_BITS);
	*mode = (unsigned)v;
	return 0;
}

/* Parses a decimal device number. */
static int rootfs_dev_parse(const char *s, const char *what, unsigned *out, char *err,
			    size_t err_bytes)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno || v > ROOTFS_DEV_NUMBER_MAX)
		return errmsg_fail(err, err_bytes, "bad %s number '%s' (decimal)", what, s);
	*out = (unsigned)v;
	return 0;
}

/* "dir <path> <mode>" */
static int rootfs_line_dir(struct rootfs *r, const struct rootfs_line *l, char *err, size_t n)
{
	unsigned mode;
	if (rootfs_mode_parse(l->field[2], &mode, err, n) < 0)
		return -1;
	return rootfs_add_dir(r, l->field[1], mode, err, n);
}

/* "file <path> <host source> <mode>": the source is relative to base_dir
 * unless absolute. */
static int rootfs_line_file(struct rootfs *r, const struct rootfs_line *l, char *err, size_t n)
{
	unsigned mode;
	char host[PATH_MAX];
	if (rootfs_mode_parse(l->field[3], &mode, err, n) < 0)
		return -1;
	const char *src = l->field[2];
	int len = src[0] == '/' ? snprintf(host, sizeof host, "%s", src)
				: snprintf(host, sizeof host, "%s/%s", l->base_dir, src);
	if (len < 0 || (size_t)len >= sizeof host)
		return errmsg_fail(err, n, "host source '%s': path too long", src);
	return rootfs_add_file(r, l->field[1], host, mode, err, n);
}

/* "slink <path> <target>" */
static int rootfs_line_slink(struct rootfs *r, const struct rootfs_line *l, char *err, size_t n)
{
	return rootfs_add_symlink(r, l->field[1], l->field[2], err, n);
}

/* "nod <path> <c|b> <major> <minor> <mode>" */
static int rootfs_line_nod(struct rootfs *r, const struct rootfs_line *l, char *err, size_t n)
{
	unsigned major, minor, mode;
	const char *type = l->field[2];
	if (strcmp(type, "c") != 0 && strcmp(type, "b") != 0)
		return errmsg_fail(err, n, "bad device type '%s' (c or b)", type);
	if (rootfs_dev_parse(l->field[3], "major", &major, err, n) < 0 ||
	    rootfs_dev_parse(l->field[4], "minor", &minor, err, n) < 0 ||
	    rootfs_mode_parse(l->field[5], &mode, err, n) < 0)
		return -1;
	return rootfs_add_node(r, l->field[1], type[0], major, minor, mode, err, n);
}

/* The kinds of spec line: the fields each takes after the kind, its parser. */
static const struct rootfs_kind {
	const char *name;
	int args;
	const char *usage;
	int (*parse)(struct rootfs *r, const struct rootfs_line *l, char *err, size_t n);
} rootfs_kinds[] = {
	{ .name = "dir", .args = 2, .usage = "dir <path> <mode>", .parse = rootfs_line_dir },
	{ .name = "file", .args = 3, .usage = "file <path> <host source> <mode>",
	  .parse = rootfs_line_file },
	{ .name = "slink", .args = 2, .usage = "slink <path> <target>", .parse = rootfs_line_slink },
	{ .name = "nod", .args = 5, .usage = "nod <path> <c|b> <major> <minor> <mode>",
	  .parse = rootfs_line_nod },
};

/* Splits text (modified in place) into blank-separated fields; a field
 * starting with '#' ends the line. */
static void rootfs_line_split(char *text, struct rootfs_line *l)
{
	l->count = 0;
	for (char *tok = strtok(text, " \t\r\n"); tok && tok[0] != '#';
	     tok = strtok(NULL, " \t\r\n")) {
		if (l->count < ROOTFS_FIELDS_MAX)
			l->field[l->count] = tok;
		l->count++;
	}
}

/* Applies one split, non-empty line to rootfs. */
static int rootfs_line_apply(struct rootfs *r, const struct rootfs_line *l, char *err, size_t n)
{
	for (size_t k = 0; k < sizeof rootfs_kinds / sizeof rootfs_kinds[0]; k++) {
		const struct rootfs_kind *kind = &rootfs_kinds[k];
		if (strcmp(l->field[0], kind->name) != 0)
			continue;
		if (l->count != kind->args + 1)
			return errmsg_fail(err, n, "'%s' takes %d fields after the kind, got %d "
					   "(%s)", kind->name, kind->args, l->count - 1, kind->usage);
		return kind->parse(r, l, err, n);
	}
	return errmsg_fail(err, n, "unknown kind '%s' (dir, file, slink or nod)", l->field[0]);
}

/* Adds the entries listed in the spec at spec_path to rootfs, host sources
 * relative to base_dir. On error rootfs holds the lines before the bad one
 * (the caller frees it) and err reads "<spec>:<line>: <what>". */
int rootfs_spec_read(const char *spec_path, const char *base_dir, struct rootfs *rootfs,
		     char *err, size_t err_bytes)
{
	FILE *f = fopen(spec_path, "r");
	if (!f)
		return errmsg_fail(err, err_bytes, "%s: %s", spec_path, strerror(errno));
	char text[ROOTFS_LINE_MAX_BYTES + 2], why[ROOTFS_WHY_MAX_BYTES];
	struct rootfs_line line = { .base_dir = base_dir };
	int rc = 0;
	for (int number = 1; rc == 0 && fgets(text, sizeof text, f); number++) {
		if (strlen(text) > ROOTFS_LINE_MAX_BYTES && !strchr(text, '\n'))
			rc = errmsg_fail(why, sizeof why, "line longer than %d bytes",
					 ROOTFS_LINE_MAX_BYTES);
		if (rc == 0)
			rootfs_line_split(text, &line);
		if (rc == 0 && line.count > 0)
			rc = rootfs_line_apply(rootfs, &line, why, sizeof why);
		if (rc < 0)
			errmsg_fail(err, err_bytes, "%s:%d: %s", spec_path, number, why);
	}
	if (rc == 0 && ferror(f))
		rc = errmsg_fail(err, err_bytes, "%s: read error", spec_path);
	fclose(f);
	return rc;
}

/* Writes the archive to out_path atomically (a temporary renamed over it). */
int rootfs_write(const struct rootfs *rootfs, const char *out_path, char *err,
		 size_t err_bytes)
{
	struct atomic_file af;
	int rc = atomic_file_open(&af, out_path, ROOTFS_ARCHIVE_MODE);
	if (rc < 0)
		return errmsg_fail(err, err_bytes, "%s: %s", out_path, strerror(-rc));
	char why[ROOTFS_WHY_MAX_BYTES];
	if (cpio_write(&rootfs->archive, af.f, why, sizeof why) < 0) {
		atomic_file_abort(&af);
		return errmsg_fail(err, err_bytes, "%s: %s", out_path, why);
	}
	rc = atomic_file_commit(&af);
	if (rc < 0)
		return errmsg_fail(err, err_bytes, "%s: %s", out_path, strerror(-rc));
	return 0;
}

/* Frees every entry. */
void rootfs_free(struct rootfs *rootfs)
{
	cpio_free(&rootfs->archive);
}

/* rootfs.h: the root file system archive (an initramfs) of the Linux
 * baseline. A spec file lists its entries, one per line, fields separated by
 * blanks, blank lines and '#' comments ignored:
 *   dir   <path> <mode>
 *   file  <path> <host source> <mode>
 *   slink <path> <target>
 *   nod   <path> <c|b> <major> <minor> <mode>
 * Paths are absolute ("/bin/sh"), host sources relative to a base directory
 * (the repository root) unless absolute, modes octal, major and minor
 * decimal. The caller may add entries of its own (the user's program, extra
 * files) before the archive is written. Errors in a spec read
 * "<spec>:<line>: <what>"; every function returns 0 or -1 with err set. */
#ifndef MACHLAB_ROOTFS_H
#define MACHLAB_ROOTFS_H

#include <stddef.h>

#include "cpio.h"

#define ROOTFS_LINE_MAX_BYTES 1024 /* longest spec line */

struct rootfs {
	struct cpio_archive archive;
};

int rootfs_spec_read(const char *spec_path, const char *base_dir, struct rootfs *rootfs,
		     char *err, size_t err_bytes);
int rootfs_add_dir(struct rootfs *rootfs, const char *path, unsigned mode, char *err,
		   size_t err_bytes);
int rootfs_add_file(struct rootfs *rootfs, const char *path, const char *host_path,
		    unsigned mode, char *err, size_t err_bytes);
int rootfs_add_data(struct rootfs *rootfs, const char *path, const void *data, size_t size,
		    unsigned mode, char *err, size_t err_bytes);
int rootfs_add_symlink(struct rootfs *rootfs, const char *path, const char *target, char *err,
		       size_t err_bytes);
int rootfs_add_node(struct rootfs *rootfs, const char *path, char type, unsigned major,
		    unsigned minor, unsigned mode, char *err, size_t err_bytes);
int rootfs_write(const struct rootfs *rootfs, const char *out_path, char *err,
		 size_t err_bytes);
void rootfs_free(struct rootfs *rootfs);

#endif

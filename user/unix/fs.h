/*
 * fs.h — the Unix server's file system (fs.c): a tree of nodes in the
 * server's memory, filled at boot from a "newc" cpio archive (the same
 * archive Linux boots: bench/unix/ROOT, harness/cpio.c) and changed by the
 * processes' calls afterwards. Nothing is written back anywhere.
 *
 * Nodes are directories, regular files, symbolic links and character
 * devices (the server gives the devices their meaning: fs.c only names
 * them). A file loaded from the archive reads its bytes in the archive
 * itself; its first write copies them into memory the file owns (struct
 * fs_mem, so the host's unit tests can run this file with malloc). Every
 * resource is bounded: FS_NODES_MAX nodes, FS_FILE_BYTES_MAX bytes a file,
 * FS_BYTES_MAX bytes all files own; a path is at most FS_PATH_MAX bytes and
 * FS_SYMLINKS_MAX links are followed in one lookup (then ELOOP). An
 * archive that is malformed anywhere is refused whole (-EINVAL) before any
 * of it is used: fs_load_cpio checks it first.
 *
 * Calls return 0 (or a count) on success and a negative Linux errno on
 * failure (linux_abi.h), as the server answers them. A node lives while
 * its directory names it or anyone holds it (fs_hold/fs_release: an open
 * descriptor, a process's current directory); an unlinked file that is
 * still open is freed at its last release, as on Unix.
 *
 * Where it is simpler than Linux: O_CREAT through a link whose target does
 * not exist gives -ENOENT (Linux creates the target); O_TRUNC needs write
 * access; there are no permission checks, no times but the archive's, and
 * no hard links. A link's target is owned memory like a file's bytes (a
 * page each in the server).
 */
#ifndef UNIX_FS_H
#define UNIX_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FS_NODES_MAX       1024
#define FS_NAME_MAX        255                 /* bytes of one path component */
#define FS_PATH_MAX        4096                /* bytes of a path with its NUL */
#define FS_SYMLINKS_MAX    8
#define FS_FILE_BYTES_MAX  (16u << 20)
#define FS_BYTES_MAX       (64u << 20)
#define FS_STAT_BYTES      144                 /* Linux x86-64's struct stat */

enum fs_kind { FS_DIR = 1, FS_REG, FS_LINK, FS_CHR };

/* Where files' own bytes come from (page-granular in the server). */
struct fs_mem {
	void *(*alloc)(size_t bytes);               /* NULL when out of memory */
	void (*free)(void *p, size_t bytes);
};

struct fs_node;

/* What fs_stat reports (the mode has Linux's S_IF* type bits). */
struct fs_stat {
	uint64_t ino, size, nlink;
	uint32_t mode, uid, gid;
	uint32_t rdev_major, rdev_minor;
	uint64_t mtime;                             /* seconds, from the archive (0: made here) */
};

/* An empty tree: "/" with /dev (console 5:1, null 1:3, zero 1:5) and /tmp
 * (mode 1777). Any earlier tree is dropped first. */
void fs_init(const struct fs_mem *mem);

/* Add the archive's entries to the tree (which must hold their parents or
 * the archive must name them first; an existing node of the same kind is
 * updated, a directory kept). 0, -EINVAL (malformed: nothing is added),
 * -ENOSPC (out of nodes). The archive must stay mapped: files read it. */
int fs_load_cpio(const void *archive, size_t size);

struct fs_node *fs_root(void);

/* The node path names, from cwd (NULL: the root) for a relative path; the
 * last component's link is followed if follow. */
int fs_lookup(struct fs_node *cwd, const char *path, bool follow, struct fs_node **out);

/*
 * open's part in the tree: find or (O_CREAT) make the file path names, with
 * Linux's flags (O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW; the access mode
 * for EISDIR on a directory opened for writing). *out is held for the
 * caller (fs_release when the descriptor closes).
 */
int fs_open(struct fs_node *cwd, const char *path, uint32_t flags, uint32_t mode,
	    struct fs_node **out);

void fs_hold(struct fs_node *n);
void fs_release(struct fs_node *n);

enum fs_kind fs_kind(const struct fs_node *n);
/* Its permission bits become mode's (chmod: there are no owners to check). */
void fs_chmod(struct fs_node *n, uint32_t mode);
void fs_rdev(const struct fs_node *n, uint32_t *major, uint32_t *minor);

/* Bytes of a regular file at off: read (0 at or past the end), write
 * (growing the file; -EFBIG past FS_FILE_BYTES_MAX, -ENOSPC past
 * FS_BYTES_MAX), truncate to size. -EISDIR / -EINVAL on other kinds. */
int64_t fs_read(struct fs_node *n, void *buf, uint64_t count, uint64_t off);
int64_t fs_write(struct fs_node *n, const void *buf, uint64_t count, uint64_t off);
int fs_truncate(struct fs_node *n, uint64_t size);
/* A regular file's bytes from off on, in place (*len of them: 0 at or past
 * its end), valid until the file next changes; NULL for other kinds. */
const void *fs_peek(const struct fs_node *n, uint64_t off, uint64_t *len);
uint64_t fs_size(const struct fs_node *n);

void fs_stat(const struct fs_node *n, struct fs_stat *st);
/* The same in Linux x86-64's struct stat (FS_STAT_BYTES bytes at out). */
void fs_stat_linux(const struct fs_node *n, void *out);

int fs_unlink(struct fs_node *cwd, const char *path);           /* -EISDIR for a directory */
int fs_mkdir(struct fs_node *cwd, const char *path, uint32_t mode);
int fs_rmdir(struct fs_node *cwd, const char *path);            /* -ENOTEMPTY, -EBUSY for / */
/* A link's target, at most size bytes into buf (no NUL); its length. */
int64_t fs_readlink(struct fs_node *cwd, const char *path, char *buf, uint64_t size);

/* rename: the node from names goes to to (in cwd_from's and cwd_to's terms),
 * replacing a file there, or an empty directory by a directory; -EINVAL
 * for a directory into itself, -EISDIR / -ENOTDIR for a kind mismatch,
 * -ENOTEMPTY, -EBUSY for the root. */
int fs_rename(struct fs_node *cwd_from, const char *from, struct fs_node *cwd_to, const char *to);

/* Directory entries, "." and ".." first: the index-th of dir (false past
 * the last), its name (a pointer valid until the tree changes), inode
 * number and kind. */
bool fs_readdir(const struct fs_node *dir, uint64_t index, const char **name, uint64_t *ino,
		enum fs_kind *kind);

/* The absolute path of a directory into buf (size bytes with the NUL); its
 * length, -ERANGE if it does not fit, -ENOENT once it was removed. */
int64_t fs_path(const struct fs_node *dir, char *buf, uint64_t size);

/* Nodes in use (for tests and the server's limits). */
size_t fs_nodes_used(void);
size_t fs_bytes_used(void);

#endif

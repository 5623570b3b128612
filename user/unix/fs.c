/*
 * fs.c — the Unix server's file system: the node tree of fs.h.
 *
 * Nodes sit in one fixed table (FS_NODES_MAX); a directory keeps its
 * children on a list (first, next), so a lookup is a walk of one directory
 * per component: the trees here are the suite's archive and what the
 * benchmarks make in /tmp, tens of names a directory. Path resolution
 * (resolve) walks the components from the root or the given directory,
 * follows links by resolving their target from the link's directory (at most
 * FS_SYMLINKS_MAX in one lookup) and reports the last component's directory
 * and name too, so creating, unlinking and making directories share it.
 * The archive is read twice: fs_load_cpio checks every entry first and
 * only then adds them, so a malformed archive changes nothing.
 */
#include "fs.h"
#include "linux_abi.h"
#include "lib/string.h"

#define FS_PAGE            4096u
#define FS_MODE_TYPE       0170000u            /* Linux's S_IFMT and the kinds' bits */
#define FS_MODE_DIR        0040000u
#define FS_MODE_REG        0100000u
#define FS_MODE_LINK       0120000u
#define FS_MODE_CHR        0020000u
#define FS_MODE_PERM       07777u
#define FS_DEV             1                   /* st_dev of every node */

_Static_assert(FS_STAT_BYTES == LINUX_STAT_BYTES, "fs_stat_linux writes Linux's struct stat");

#define CPIO_MAGIC         "070701"
#define CPIO_FIELDS        13
#define CPIO_HEADER_BYTES  (6 + 8 * CPIO_FIELDS)
#define CPIO_TRAILER       "TRAILER!!!"


struct fs_node {
	enum fs_kind kind;                  /* 0: the slot is free */
	uint32_t perm, uid, gid, rdev_major, rdev_minor;
	uint64_t ino, mtime, size;
	struct fs_node *parent;             /* the directory naming it; NULL once unlinked */
	struct fs_node *first, *next;       /* a directory's children; the next sibling */
	char name[FS_NAME_MAX + 1];
	const char *data;                   /* a file's bytes in the archive, until its first write */
	char *own;                          /* bytes it owns (a file's, a link's target with NUL) */
	uint64_t cap;                       /* bytes of own */
	uint32_t holds;                     /* fs_hold's count */
};

/* The last component of a resolved path: its directory, its name, the node if it exists. */
struct fs_ref {
	struct fs_node *dir, *node;
	char name[FS_NAME_MAX + 1];
	bool slash;                         /* the path ended in '/': a directory is meant */
};

static struct fs_node nodes[FS_NODES_MAX];
static struct fs_mem mem;
static struct fs_node *root_node;
static size_t nodes_used, bytes_used;
static uint64_t next_ino = 1;

/* ---- nodes ---- */

static struct fs_node *node_new(enum fs_kind kind, uint32_t perm)
{
	for (size_t i = 0; i < FS_NODES_MAX; i++) {
		struct fs_node *n = &nodes[i];

		if (n->kind)
			continue;
		*n = (struct fs_node){ .kind = kind, .perm = perm & FS_MODE_PERM, .ino = next_ino++ };
		nodes_used++;
		return n;
	}
	return NULL;
}

static void own_free(struct fs_node *n)
{
	if (n->own) {
		mem.free(n->own, n->cap);
		bytes_used -= n->cap;
	}
	n->own = NULL;
	n->cap = 0;
}

/* Free n if nothing names or holds it (the root always stays). */
static void node_maybe_free(struct fs_node *n)
{
	if (n == root_node || n->parent || n->holds)
		return;
	own_free(n);
	n->kind = 0;
	nodes_used--;
}

static void dir_add(struct fs_node *dir, struct fs_node *n, const char *name, size_t len)
{
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	n->parent = dir;
	n->next = dir->first;
	dir->first = n;
}

/* n leaves its directory (and is freed if nobody holds it). */
static void dir_remove(struct fs_node *n)
{
	struct fs_node **link = &n->parent->first;

	while (*link != n)
		link = &(*link)->next;
	*link = n->next;
	n->parent = NULL;
	n->next = NULL;
	node_maybe_free(n);
}

static struct fs_node *dir_find(const struct fs_node *dir, const char *name, size_t len)
{
	for (struct fs_node *c = dir->first; c; c = c->next)
		if (strncmp(c->name, name, len) == 0 && c->name[len] == '\0')
			return c;
	return NULL;
}

/* own has room for bytes (growing by doubling, page-granular); the file's
 * archive bytes are copied in on the way. */
static int own_reserve(struct fs_node *n, uint64_t bytes)
{
	uint64_t cap = n->cap ? n->cap : FS_PAGE;
	char *p;

	if (n->own && bytes <= n->cap)
		return 0;
	while (cap < bytes)
		cap *= 2;
	if (bytes_used + cap > FS_BYTES_MAX || !(p = mem.alloc(cap)))
		return -LINUX_ENOSPC;
	bytes_used += cap;
	if (n->own)
		memcpy(p, n->own, n->size);
	else if (n->data)
		memcpy(p, n->data, n->size);
	memset(p + n->size, 0, cap - n->size);
	own_free(n);
	n->own = p;
	n->cap = cap;
	n->data = NULL;
	return 0;
}

static const char *node_bytes(const struct fs_node *n)
{
	return n->own ? n->own : n->data;
}

/* ---- paths ---- */

static int resolve_from(struct fs_node *start, const char *path, bool follow, unsigned *links,
			struct fs_ref *r);

/* Follow the link at n (in directory dir) to what it names. */
static int follow_link(struct fs_node *dir, const struct fs_node *n, unsigned *links,
		       struct fs_node **out)
{
	struct fs_ref sub;
	int rc;

	if (++*links > FS_SYMLINKS_MAX)
		return -LINUX_ELOOP;
	rc = resolve_from(dir, n->own, true, links, &sub);
	if (rc)
		return rc;
	if (!sub.node)
		return -LINUX_ENOENT;
	*out = sub.node;
	return 0;
}

/*
 * Resolve path from start (an absolute path from the root): on success r
 * names the last component's directory and name, and its node (NULL when
 * only the last component is missing).
 */
static int resolve_from(struct fs_node *start, const char *path, bool follow, unsigned *links,
			struct fs_ref *r)
{
	size_t total = strnlen(path, FS_PATH_MAX);
	const char *p = path;

	if (total == FS_PATH_MAX)
		return -LINUX_ENAMETOOLONG;
	if (total == 0)
		return -LINUX_ENOENT;
	r->node = r->dir = *p == '/' ? root_node : start;
	r->name[0] = '\0';
	r->slash = false;
	for (;;) {
		const char *end;
		struct fs_node *cur = r->node, *child;
		size_t len;
		bool last;
		int rc;

		while (*p == '/')
			p++;
		if (!*p)
			return 0;
		for (end = p; *end && *end != '/'; end++)
			;
		len = (size_t)(end - p);
		if (len > FS_NAME_MAX)
			return -LINUX_ENAMETOOLONG;
		if (cur->kind != FS_DIR)
			return -LINUX_ENOTDIR;
		r->slash = *end == '/';
		for (last = true; *end; end++)
			if (*end != '/') {
				last = false;
				break;
			}
		if (len == 1 && p[0] == '.')
			child = cur;
		else if (len == 2 && p[0] == '.' && p[1] == '.')
			child = cur->parent ? cur->parent : cur;
		else
			child = dir_find(cur, p, len);
		r->dir = cur;
		memcpy(r->name, p, len);
		r->name[len] = '\0';
		if (!child) {
			if (!last)
				return -LINUX_ENOENT;
			r->node = NULL;
			return 0;
		}
		if (child->kind == FS_LINK && (!last || follow || r->slash)) {
			rc = follow_link(cur, child, links, &child);
			if (rc)
				return rc;
		}
		r->node = child;
		if (last && r->slash && child->kind != FS_DIR)
			return -LINUX_ENOTDIR;
		p = end;
	}
}

static int resolve(struct fs_node *cwd, const char *path, bool follow, struct fs_ref *r)
{
	unsigned links = 0;

	return resolve_from(cwd ? cwd : root_node, path, follow, &links, r);
}

/* The same for a path whose last component must exist (-ENOENT if not). */
static int resolve_existing(struct fs_node *cwd, const char *path, bool follow, struct fs_ref *r)
{
	int rc = resolve(cwd, path, follow, r);

	return rc ? rc : r->node ? 0 : -LINUX_ENOENT;
}

/* ---- the tree's calls ---- */

void fs_init(const struct fs_mem *m)
{
	static const struct { const char *name; uint32_t major, minor, perm; } devices[] = {
		{ "console", 5, 1, 0600 }, { "null", 1, 3, 0666 }, { "zero", 1, 5, 0666 },
	};
	struct fs_node *dev, *tmp;

	for (size_t i = 0; i < FS_NODES_MAX; i++)
		if (nodes[i].kind && nodes[i].own)
			mem.free(nodes[i].own, nodes[i].cap);
	memset(nodes, 0, sizeof(nodes));
	nodes_used = bytes_used = 0;
	mem = *m;
	root_node = node_new(FS_DIR, 0755);
	dev = node_new(FS_DIR, 0755);
	tmp = node_new(FS_DIR, 01777);
	dir_add(root_node, dev, "dev", 3);
	dir_add(root_node, tmp, "tmp", 3);
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
		struct fs_node *d = node_new(FS_CHR, devices[i].perm);

		d->rdev_major = devices[i].major;
		d->rdev_minor = devices[i].minor;
		dir_add(dev, d, devices[i].name, strlen(devices[i].name));
	}
}

struct fs_node *fs_root(void)
{
	return root_node;
}

int fs_lookup(struct fs_node *cwd, const char *path, bool follow, struct fs_node **out)
{
	struct fs_ref r;
	int rc = resolve_existing(cwd, path, follow, &r);

	if (rc)
		return rc;
	*out = r.node;
	return 0;
}

int fs_open(struct fs_node *cwd, const char *path, uint32_t flags, uint32_t mode,
	    struct fs_node **out)
{
	struct fs_ref r;
	int rc = resolve(cwd, path, !(flags & LINUX_O_NOFOLLOW), &r);

	if (rc)
		return rc;
	if (!r.node) {
		if (!(flags & LINUX_O_CREAT))
			return -LINUX_ENOENT;
		if (r.slash)
			return -LINUX_EISDIR;
		if (!r.dir->parent && r.dir != root_node)
			return -LINUX_ENOENT;          /* the directory was removed */
		if (!(r.node = node_new(FS_REG, mode)))
			return -LINUX_ENOSPC;
		dir_add(r.dir, r.node, r.name, strlen(r.name));
	} else if ((flags & LINUX_O_CREAT) && (flags & LINUX_O_EXCL)) {
		return -LINUX_EEXIST;
	} else if (r.node->kind == FS_LINK) {
		return -LINUX_ELOOP;                   /* O_NOFOLLOW met a link */
	} else if (r.node->kind == FS_DIR && (flags & LINUX_O_ACCMODE)) {
		return -LINUX_EISDIR;
	}
	if ((flags & LINUX_O_DIRECTORY) && r.node->kind != FS_DIR)
		return -LINUX_ENOTDIR;
	if ((flags & LINUX_O_TRUNC) && (flags & LINUX_O_ACCMODE) && r.node->kind == FS_REG &&
	    (rc = fs_truncate(r.node, 0)) != 0)
		return rc;
	fs_hold(r.node);
	*out = r.node;
	return 0;
}

void fs_hold(struct fs_node *n)
{
	n->holds++;
}

void fs_release(struct fs_node *n)
{
	if (n->holds) {
		n->holds--;
		node_maybe_free(n);
	}
}

enum fs_kind fs_kind(const struct fs_node *n)
{
	return n->kind;
}

void fs_chmod(struct fs_node *n, uint32_t mode)
{
	n->perm = mode & FS_MODE_PERM;
}

void fs_rdev(const struct fs_node *n, uint32_t *major, uint32_t *minor)
{
	*major = n->rdev_major;
	*minor = n->rdev_minor;
}

uint64_t fs_size(const struct fs_node *n)
{
	return n->size;
}

static int regular_only(const struct fs_node *n)
{
	return n->kind == FS_REG ? 0 : n->kind == FS_DIR ? -LINUX_EISDIR : -LINUX_EINVAL;
}

int64_t fs_read(struct fs_node *n, void *buf, uint64_t count, uint64_t off)
{
	int rc = regular_only(n);

	if (rc)
		return rc;
	if (off >= n->size)
		return 0;
	if (count > n->size - off)
		count = n->size - off;
	memcpy(buf, node_bytes(n) + off, count);
	return (int64_t)count;
}

const void *fs_peek(const struct fs_node *n, uint64_t off, uint64_t *len)
{
	if (n->kind != FS_REG)
		return NULL;
	*len = off < n->size ? n->size - off : 0;
	return *len ? node_bytes(n) + off : "";
}

int64_t fs_write(struct fs_node *n, const void *buf, uint64_t count, uint64_t off)
{
	int rc = regular_only(n);

	if (rc)
		return rc;
	if (off >= FS_FILE_BYTES_MAX)
		return count ? -LINUX_EFBIG : 0;
	if (count > FS_FILE_BYTES_MAX - off)
		count = FS_FILE_BYTES_MAX - off;
	if (count == 0)
		return 0;
	rc = own_reserve(n, off + count);
	if (rc)
		return rc;
	memcpy(n->own + off, buf, count);
	if (off + count > n->size)
		n->size = off + count;
	return (int64_t)count;
}

int fs_truncate(struct fs_node *n, uint64_t size)
{
	int rc = regular_only(n);

	if (rc)
		return rc;
	if (size > FS_FILE_BYTES_MAX)
		return -LINUX_EFBIG;
	if (size == 0) {                       /* (O_TRUNC) nothing to keep */
		own_free(n);
		n->data = NULL;
		n->size = 0;
		return 0;
	}
	if (size > n->size || n->data) {       /* growing, or the archive's bytes change */
		rc = own_reserve(n, size > n->size ? size : n->size);
		if (rc)
			return rc;
	}
	if (size < n->size)                    /* own past the size stays zero (own_reserve) */
		memset(n->own + size, 0, n->size - size);
	n->size = size;
	return 0;
}

static uint64_t subdirs(const struct fs_node *n)
{
	uint64_t count = 0;

	for (const struct fs_node *c = n->first; c; c = c->next)
		count += c->kind == FS_DIR;
	return count;
}

void fs_stat(const struct fs_node *n, struct fs_stat *st)
{
	static const uint32_t type[] = {
		[FS_DIR] = FS_MODE_DIR, [FS_REG] = FS_MODE_REG, [FS_LINK] = FS_MODE_LINK,
		[FS_CHR] = FS_MODE_CHR,
	};

	*st = (struct fs_stat){
		.ino = n->ino, .size = n->size, .mode = type[n->kind] | n->perm, .uid = n->uid,
		.gid = n->gid, .rdev_major = n->rdev_major, .rdev_minor = n->rdev_minor,
		.mtime = n->mtime,
		.nlink = n->kind == FS_DIR ? 2 + subdirs(n) : n->parent || n == root_node,
	};
}

void fs_stat_linux(const struct fs_node *n, void *out)
{
	struct fs_stat st;
	uint64_t w[FS_STAT_BYTES / 8] = { 0 };
	uint64_t major, minor;

	fs_stat(n, &st);
	major = st.rdev_major;
	minor = st.rdev_minor;
	w[0] = FS_DEV;
	w[1] = st.ino;
	w[2] = st.nlink;
	w[3] = st.mode | (uint64_t)st.uid << 32;
	w[4] = st.gid;
	w[5] = (major & 0xfffff000) << 32 | (major & 0xfff) << 8 | (minor & 0xffffff00) << 12 |
	       (minor & 0xff);                  /* glibc's makedev */
	w[6] = st.size;
	w[7] = FS_PAGE;                         /* st_blksize */
	w[8] = (st.size + 511) / 512;           /* st_blocks */
	w[9] = w[11] = w[13] = st.mtime;        /* atime, mtime, ctime (no nanoseconds) */
	memcpy(out, w, FS_STAT_BYTES);
}

int fs_unlink(struct fs_node *cwd, const char *path)
{
	struct fs_ref r;
	int rc = resolve_existing(cwd, path, false, &r);

	if (rc)
		return rc;
	if (r.node->kind == FS_DIR)
		return -LINUX_EISDIR;
	dir_remove(r.node);
	return 0;
}

int fs_mkdir(struct fs_node *cwd, const char *path, uint32_t mode)
{
	struct fs_ref r;
	int rc = resolve(cwd, path, false, &r);
	struct fs_node *n;

	if (rc)
		return rc;
	if (r.node)
		return -LINUX_EEXIST;
	if (!r.dir->parent && r.dir != root_node)
		return -LINUX_ENOENT;
	if (!(n = node_new(FS_DIR, mode)))
		return -LINUX_ENOSPC;
	dir_add(r.dir, n, r.name, strlen(r.name));
	return 0;
}

int fs_rmdir(struct fs_node *cwd, const char *path)
{
	struct fs_ref r;
	int rc = resolve_existing(cwd, path, false, &r);

	if (rc)
		return rc;
	if (r.node->kind != FS_DIR)
		return -LINUX_ENOTDIR;
	if (r.node == root_node)
		return -LINUX_EBUSY;
	if (r.node->first)
		return -LINUX_ENOTEMPTY;
	if (!strcmp(r.name, ".") || !strcmp(r.name, ".."))
		return -LINUX_EINVAL;
	dir_remove(r.node);
	return 0;
}

int64_t fs_readlink(struct fs_node *cwd, const char *path, char *buf, uint64_t size)
{
	struct fs_ref r;
	int rc = resolve_existing(cwd, path, false, &r);
	uint64_t len;

	if (rc)
		return rc;
	if (r.node->kind != FS_LINK)
		return -LINUX_EINVAL;
	len = r.node->size < size ? r.node->size : size;
	memcpy(buf, r.node->own, len);
	return (int64_t)len;
}

/* Is n dir or below it? */
static bool fs_within(const struct fs_node *n, const struct fs_node *dir)
{
	for (; n; n = n->parent)
		if (n == dir)
			return true;
	return false;
}

int fs_rename(struct fs_node *cwd_from, const char *from, struct fs_node *cwd_to, const char *to)
{
	struct fs_ref a, b;
	struct fs_node *n;
	int rc = resolve_existing(cwd_from, from, false, &a);

	if (rc || (rc = resolve(cwd_to, to, false, &b)) != 0)
		return rc;
	n = a.node;
	if (n == root_node || b.node == root_node)
		return -LINUX_EBUSY;
	if (!strcmp(a.name, ".") || !strcmp(a.name, "..") || !strcmp(b.name, ".") ||
	    !strcmp(b.name, ".."))
		return -LINUX_EINVAL;
	if (b.node == n)
		return 0;
	if (n->kind == FS_DIR && fs_within(b.dir, n))
		return -LINUX_EINVAL;                  /* a directory into itself */
	if (!b.dir->parent && b.dir != root_node)
		return -LINUX_ENOENT;
	if (b.node) {
		if (n->kind == FS_DIR && b.node->kind != FS_DIR)
			return -LINUX_ENOTDIR;
		if (n->kind != FS_DIR && b.node->kind == FS_DIR)
			return -LINUX_EISDIR;
		if (b.node->first)
			return -LINUX_ENOTEMPTY;
		dir_remove(b.node);
	}
	fs_hold(n);                                /* (dir_remove frees what nothing holds) */
	dir_remove(n);
	dir_add(b.dir, n, b.name, strlen(b.name));
	fs_release(n);
	return 0;
}

bool fs_readdir(const struct fs_node *dir, uint64_t index, const char **name, uint64_t *ino,
		enum fs_kind *kind)
{
	const struct fs_node *c = dir->first;

	if (index < 2) {
		const struct fs_node *d = index == 0 || !dir->parent ? dir : dir->parent;

		*name = index == 0 ? "." : "..";
		*ino = d->ino;
		*kind = FS_DIR;
		return true;
	}
	for (index -= 2; c && index; index--)     /* (bounded by the directory's size) */
		c = c->next;
	if (!c)
		return false;
	*name = c->name;
	*ino = c->ino;
	*kind = c->kind;
	return true;
}

int64_t fs_path(const struct fs_node *dir, char *buf, uint64_t size)
{
	uint64_t len = 0;

	if (dir != root_node && !dir->parent)
		return -LINUX_ENOENT;
	if (size < 2)
		return -LINUX_ERANGE;
	buf[0] = '\0';
	for (const struct fs_node *n = dir; n != root_node; n = n->parent) {
		uint64_t nl = strlen(n->name);

		if (len + nl + 2 > size)
			return -LINUX_ERANGE;
		memmove(buf + nl + 1, buf, len + 1);  /* "/name" in front of what is there */
		buf[0] = '/';
		memcpy(buf + 1, n->name, nl);
		len += nl + 1;
	}
	if (!len) {
		buf[0] = '/';
		buf[1] = '\0';
		len = 1;
	}
	return (int64_t)len;
}

size_t fs_nodes_used(void)
{
	return nodes_used;
}

size_t fs_bytes_used(void)
{
	return bytes_used;
}

/* ---- the archive ---- */

/* One entry of a newc archive, its fields read. */
struct cpio_entry {
	uint32_t f[CPIO_FIELDS];
	const char *name;                   /* NUL-terminated, in the archive */
	const char *data;
	size_t next;                        /* offset of the next entry */
};

enum { CPIO_INO, CPIO_MODE, CPIO_UID, CPIO_GID, CPIO_NLINK, CPIO_MTIME, CPIO_FILESIZE,
       CPIO_DEVMAJOR, CPIO_DEVMINOR, CPIO_RDEVMAJOR, CPIO_RDEVMINOR, CPIO_NAMESIZE, CPIO_CHECK };

static size_t align4(size_t x)
{
	return (x + 3) & ~(size_t)3;
}

static bool hex8(const char *s, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		char c = s[i];
		uint32_t d = c >= '0' && c <= '9' ? (uint32_t)(c - '0') :
			     c >= 'a' && c <= 'f' ? (uint32_t)(c - 'a' + 10) :
			     c >= 'A' && c <= 'F' ? (uint32_t)(c - 'A' + 10) : 16;

		if (d == 16)
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

/* The entry at off of the archive, every bound checked; false if malformed. */
static bool cpio_entry_read(const char *a, size_t size, size_t off, struct cpio_entry *e)
{
	size_t name_end, data_end;
	uint32_t namesize;

	if (size - off < CPIO_HEADER_BYTES || memcmp(a + off, CPIO_MAGIC, 6) != 0)
		return false;
	for (int i = 0; i < CPIO_FIELDS; i++)
		if (!hex8(a + off + 6 + 8 * i, &e->f[i]))
			return false;
	namesize = e->f[CPIO_NAMESIZE];
	if (namesize < 2 || namesize > FS_PATH_MAX || namesize > size - off - CPIO_HEADER_BYTES)
		return false;
	e->name = a + off + CPIO_HEADER_BYTES;
	if (e->name[namesize - 1] != '\0' || strnlen(e->name, namesize) != namesize - 1)
		return false;
	name_end = align4(off + CPIO_HEADER_BYTES + namesize);
	if (name_end > size || e->f[CPIO_FILESIZE] > size - name_end)
		return false;
	e->data = a + name_end;
	data_end = name_end + e->f[CPIO_FILESIZE];
	e->next = align4(data_end) < size ? align4(data_end) : size;
	return true;
}

/* The entry's path without a leading "./" or "/" ("" for the root itself). */
static const char *cpio_path(const char *name)
{
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	while (name[0] == '/')
		name++;
	return name[0] == '.' && name[1] == '\0' ? name + 1 : name;
}

/* The path's components are all real names (no "", ".", ".."); how many. */
static bool cpio_path_ok(const char *path, size_t *components)
{
	const char *p = path;

	*components = 0;
	while (*p) {
		const char *end = p;

		while (*end && *end != '/')
			end++;
		if (end == p || end - p > FS_NAME_MAX || (end - p == 1 && p[0] == '.') ||
		    (end - p == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		++*components;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return false;              /* a trailing slash */
	}
	return true;
}

static enum fs_kind cpio_kind(uint32_t mode)
{
	switch (mode & FS_MODE_TYPE) {
	case FS_MODE_DIR:  return FS_DIR;
	case FS_MODE_REG:  return FS_REG;
	case FS_MODE_LINK: return FS_LINK;
	case FS_MODE_CHR:  return FS_CHR;
	default:           return 0;
	}
}

/* Check the whole archive; the most nodes adding it can take, or -EINVAL. */
static int64_t cpio_check(const char *a, size_t size)
{
	size_t off = 0, worst = 0;
	struct cpio_entry e;

	while (cpio_entry_read(a, size, off, &e)) {
		const char *path = cpio_path(e.name);
		size_t components;

		if (!strcmp(e.name, CPIO_TRAILER))
			return (int64_t)worst;
		if (!cpio_path_ok(path, &components) || !cpio_kind(e.f[CPIO_MODE]) ||
		    (!*path && cpio_kind(e.f[CPIO_MODE]) != FS_DIR) ||
		    e.f[CPIO_FILESIZE] > FS_FILE_BYTES_MAX ||
		    (cpio_kind(e.f[CPIO_MODE]) == FS_LINK &&
		     (e.f[CPIO_FILESIZE] == 0 || e.f[CPIO_FILESIZE] >= FS_PATH_MAX)))
			return -LINUX_EINVAL;
		worst += components;
		if (e.next <= off)
			return -LINUX_EINVAL;
		off = e.next;
	}
	return -LINUX_EINVAL;                      /* malformed, or no trailer */
}

/* In *dir, the directory that will hold path's last component (*last), made
 * as needed (mode 0755); 0 or a negative errno. */
static int cpio_parent(const char *path, struct fs_node **dir, const char **last)
{
	const char *p = path, *end;

	*dir = root_node;
	for (;;) {
		struct fs_node *c;

		for (end = p; *end && *end != '/'; end++)
			;
		if (!*end) {
			*last = p;
			return 0;
		}
		c = dir_find(*dir, p, (size_t)(end - p));
		if (c && c->kind != FS_DIR)
			return -LINUX_ENOTDIR;
		if (!c) {
			if (!(c = node_new(FS_DIR, 0755)))
				return -LINUX_ENOSPC;
			dir_add(*dir, c, p, (size_t)(end - p));
		}
		*dir = c;
		p = end + 1;
	}
}

/* The node an entry of this kind goes to: an existing one of the kind, or a
 * new one in place of what was there (a directory stays: NULL); 0 or a
 * negative errno. */
static int cpio_node(const char *path, enum fs_kind kind, struct fs_node **out)
{
	struct fs_node *dir, *n;
	const char *last;
	int rc;

	*out = root_node;
	if (!*path)
		return 0;
	rc = cpio_parent(path, &dir, &last);
	if (rc)
		return rc;
	n = dir_find(dir, last, strlen(last));
	if (n && n->kind != kind) {
		if (n->kind == FS_DIR) {
			*out = NULL;
			return 0;
		}
		dir_remove(n);
		n = NULL;
	}
	if (!n) {
		if (!(n = node_new(kind, 0)))
			return -LINUX_ENOSPC;
		dir_add(dir, n, last, strlen(last));
	}
	*out = n;
	return 0;
}

/* Add one checked entry; 0 or a negative errno. */
static int cpio_add(const struct cpio_entry *e)
{
	enum fs_kind kind = cpio_kind(e->f[CPIO_MODE]);
	struct fs_node *n;
	int rc = cpio_node(cpio_path(e->name), kind, &n);

	if (rc || !n)
		return rc;
	n->perm = e->f[CPIO_MODE] & FS_MODE_PERM;
	n->uid = e->f[CPIO_UID];
	n->gid = e->f[CPIO_GID];
	n->mtime = e->f[CPIO_MTIME];
	n->rdev_major = e->f[CPIO_RDEVMAJOR];
	n->rdev_minor = e->f[CPIO_RDEVMINOR];
	if (kind == FS_REG) {
		own_free(n);
		n->data = e->data;
		n->size = e->f[CPIO_FILESIZE];
	} else if (kind == FS_LINK) {
		n->size = 0;
		if (own_reserve(n, e->f[CPIO_FILESIZE] + 1) != 0)
			return -LINUX_ENOSPC;
		memcpy(n->own, e->data, e->f[CPIO_FILESIZE]);
		n->own[e->f[CPIO_FILESIZE]] = '\0';
		n->size = e->f[CPIO_FILESIZE];
	}
	return 0;
}

int fs_load_cpio(const void *archive, size_t size)
{
	const char *a = archive;
	int64_t worst = cpio_check(a, size);
	size_t off = 0;
	struct cpio_entry e;

	if (worst < 0)
		return (int)worst;
	if ((size_t)worst > FS_NODES_MAX - nodes_used)
		return -LINUX_ENOSPC;
	while (cpio_entry_read(a, size, off, &e) && strcmp(e.name, CPIO_TRAILER) != 0) {
		int rc = cpio_add(&e);

		if (rc)
			return rc;
		off = e.next;
	}
	return 0;
}

/*
 * test_unix_fs.c — the Unix server's in-memory file system (user/unix/fs.c)
 * against its contract, fs.h: the tree fs_init makes; "newc" cpio archives
 * loaded (directories, files read in the archive itself, symbolic links,
 * character devices, stat in fs_stat's and Linux's layout) and malformed
 * ones refused whole; path resolution (".", "..", "//", symbolic links,
 * ENOENT, ENOTDIR, ENAMETOOLONG, ELOOP); open's flags; reads, writes and
 * truncation, with an archive file copied before it changes; unlink, mkdir,
 * rmdir, readlink; and the bounds on nodes and bytes.
 *
 * Archives are built here byte by byte, the way cpio(1) and harness/cpio.c
 * write them, so fs.c's idea of the format is checked too. Files' memory
 * comes from malloc through a counting struct fs_mem that fills what it
 * hands out with junk (nothing promises zeroed memory) and checks that every
 * free names its allocation's size.
 */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "fs.h"
#include "linux_abi.h"

/* Linux x86-64 numbers linux_abi.h may not name yet. */
#ifndef LINUX_EBUSY
#define LINUX_EBUSY      16
#endif
#ifndef LINUX_EEXIST
#define LINUX_EEXIST     17
#endif
#ifndef LINUX_ENOTDIR
#define LINUX_ENOTDIR    20
#endif
#ifndef LINUX_EISDIR
#define LINUX_EISDIR     21
#endif
#ifndef LINUX_EFBIG
#define LINUX_EFBIG      27
#endif
#ifndef LINUX_ENOSPC
#define LINUX_ENOSPC     28
#endif
#ifndef LINUX_ENOTEMPTY
#define LINUX_ENOTEMPTY  39
#endif
#ifndef LINUX_ELOOP
#define LINUX_ELOOP      40
#endif
#ifndef LINUX_O_RDONLY
#define LINUX_O_RDONLY    0
#endif
#ifndef LINUX_O_WRONLY
#define LINUX_O_WRONLY    1
#endif
#ifndef LINUX_O_RDWR
#define LINUX_O_RDWR      2
#endif
#ifndef LINUX_O_CREAT
#define LINUX_O_CREAT     0100
#endif
#ifndef LINUX_O_EXCL
#define LINUX_O_EXCL      0200
#endif
#ifndef LINUX_O_TRUNC
#define LINUX_O_TRUNC     01000
#endif
#ifndef LINUX_O_DIRECTORY
#define LINUX_O_DIRECTORY 0200000
#endif
#ifndef LINUX_O_NOFOLLOW
#define LINUX_O_NOFOLLOW  0400000
#endif
#ifndef LINUX_S_IFMT
#define LINUX_S_IFMT      0170000
#endif
#ifndef LINUX_S_IFDIR
#define LINUX_S_IFDIR     0040000
#endif
#ifndef LINUX_S_IFREG
#define LINUX_S_IFREG     0100000
#endif
#ifndef LINUX_S_IFLNK
#define LINUX_S_IFLNK     0120000
#endif
#ifndef LINUX_S_IFCHR
#define LINUX_S_IFCHR     0020000
#endif

/* Linux x86-64's struct stat: byte offsets of the fields checked. */
#define STAT_INO       8
#define STAT_NLINK     16
#define STAT_MODE      24
#define STAT_UID       28
#define STAT_GID       32
#define STAT_PAD0      36     /* 4 reserved bytes, zero */
#define STAT_RDEV      40
#define STAT_SIZE      48
#define STAT_BLKSIZE   56
#define STAT_BLOCKS    64
#define STAT_MTIME     88
#define STAT_UNUSED    120    /* 3 reserved longs to the end, zero */
#define STAT_BLOCK_BYTES 512  /* st_blocks' unit */
#define STAT_GUARD_BYTES 16   /* past the struct, must stay untouched */

/* The "newc" cpio format. */
#define CPIO_MAGIC        "070701"
#define CPIO_MAGIC_ODC    "070707"   /* the older portable format: not newc */
#define CPIO_MAGIC_BYTES  6
#define CPIO_FIELD_BYTES  8
#define CPIO_HEADER_BYTES 110        /* magic + 13 fields */
#define CPIO_ALIGN        4          /* header+name, and data, pad to this */
#define CPIO_BLOCK_BYTES  512        /* cpio(1) pads the archive to whole blocks */
#define CPIO_TRAILER      "TRAILER!!!"

enum cpio_field {
	CPIO_INO, CPIO_MODE, CPIO_UID, CPIO_GID, CPIO_NLINK, CPIO_MTIME, CPIO_FILESIZE,
	CPIO_DEVMAJOR, CPIO_DEVMINOR, CPIO_RDEVMAJOR, CPIO_RDEVMINOR, CPIO_NAMESIZE,
	CPIO_CHECK,
};

#define ARCHIVE_BYTES_MAX 8192
#define ARCHIVE_UID       1000
#define ARCHIVE_GID       100
#define ARCHIVE_MTIME     1700000000u

/* What fs_init makes: /, /dev, /dev/null, /dev/zero, /dev/console, /tmp. */
#define INIT_NODES 6
#define TMP_MODE   (LINUX_S_IFDIR | 01777)

/* The sample tree (load_sample). */
#define SMALL_PATH   "/etc/machlab/data/small.txt"
#define SMALL_TEXT   "hello, cpio\n"
#define SMALL_BYTES  (sizeof(SMALL_TEXT) - 1)
#define LINK_TARGET  "data/small.txt"
#define TTY_MAJOR    4
#define TTY_MINOR    64
#define WIDE_MAJOR   136
#define WIDE_MINOR   0x1234               /* wider than 8 bits */
#define SAMPLE_NODES 9

/* ---- memory: malloc, counted, junk-filled, sizes checked ---- */

#define JUNK 0xA5

union mem_head {
	size_t bytes;
	max_align_t align;
};

static size_t mem_outstanding;   /* bytes handed out and not freed */
static size_t mem_errors;        /* frees of NULL or with another size */

static void *mem_alloc(size_t bytes)
{
	union mem_head *h = malloc(sizeof *h + bytes);

	if (!h)
		return NULL;
	h->bytes = bytes;
	memset(h + 1, JUNK, bytes);
	mem_outstanding += bytes;
	return h + 1;
}

static void mem_free(void *p, size_t bytes)
{
	union mem_head *h;

	if (!p) {
		mem_errors++;
		return;
	}
	h = (union mem_head *)p - 1;
	if (h->bytes != bytes)
		mem_errors++;
	mem_outstanding -= h->bytes;
	free(h);
}

static const struct fs_mem mem = { mem_alloc, mem_free };

/* A fresh tree, as every test starts. */
static void fs_fresh(void)
{
	fs_init(&mem);
	mem_errors = 0;
}

/* ---- archives ---- */

struct archive {
	_Alignas(8) unsigned char bytes[ARCHIVE_BYTES_MAX];
	size_t size;
	uint32_t entries;
};

static struct archive ar, ar2;

static void ar_begin(struct archive *a)
{
	a->size = 0;
	a->entries = 0;
}

static void ar_put(struct archive *a, const void *p, size_t n)
{
	CHECK(a->size + n <= ARCHIVE_BYTES_MAX);
	if (n)
		memcpy(a->bytes + a->size, p, n);
	a->size += n;
}

/* Zeros up to a multiple of align (entries start aligned, so this pads
 * header+name and data as the format asks). */
static void ar_pad(struct archive *a, size_t align)
{
	static const unsigned char zeros[CPIO_BLOCK_BYTES];

	ar_put(a, zeros, (align - a->size % align) % align);
}

/* Set field f of the entry whose header is at `at` to v, 8 hex digits. */
static void ar_set_field(struct archive *a, size_t at, enum cpio_field f, uint32_t v)
{
	static const char digits[] = "0123456789ABCDEF";
	unsigned char *out = a->bytes + at + CPIO_MAGIC_BYTES + (size_t)f * CPIO_FIELD_BYTES;

	for (int i = CPIO_FIELD_BYTES - 1; i >= 0; i--, v >>= 4)
		out[i] = (unsigned char)digits[v & 0xF];
}

/* Append an entry; returns the offset of its header. */
static size_t ar_entry(struct archive *a, const char *name, uint32_t mode, const void *data,
		       size_t size, uint32_t rmajor, uint32_t rminor)
{
	size_t at = a->size;
	unsigned char header[CPIO_HEADER_BYTES];
	bool dir = (mode & LINUX_S_IFMT) == LINUX_S_IFDIR;

	memset(header, '0', sizeof header);
	memcpy(header, CPIO_MAGIC, CPIO_MAGIC_BYTES);
	ar_put(a, header, sizeof header);
	ar_set_field(a, at, CPIO_INO, ++a->entries);
	ar_set_field(a, at, CPIO_MODE, mode);
	ar_set_field(a, at, CPIO_UID, ARCHIVE_UID);
	ar_set_field(a, at, CPIO_GID, ARCHIVE_GID);
	ar_set_field(a, at, CPIO_NLINK, dir ? 2 : 1);
	ar_set_field(a, at, CPIO_MTIME, ARCHIVE_MTIME);
	ar_set_field(a, at, CPIO_FILESIZE, (uint32_t)size);
	ar_set_field(a, at, CPIO_RDEVMAJOR, rmajor);
	ar_set_field(a, at, CPIO_RDEVMINOR, rminor);
	ar_set_field(a, at, CPIO_NAMESIZE, (uint32_t)strlen(name) + 1);
	ar_put(a, name, strlen(name) + 1);
	ar_pad(a, CPIO_ALIGN);
	ar_put(a, data, size);
	ar_pad(a, CPIO_ALIGN);
	return at;
}

static void ar_dir(struct archive *a, const char *name, uint32_t perm)
{
	ar_entry(a, name, LINUX_S_IFDIR | perm, NULL, 0, 0, 0);
}

static size_t ar_file(struct archive *a, const char *name, uint32_t perm, const char *text)
{
	return ar_entry(a, name, LINUX_S_IFREG | perm, text, strlen(text), 0, 0);
}

static void ar_link(struct archive *a, const char *name, const char *target)
{
	ar_entry(a, name, LINUX_S_IFLNK | 0777, target, strlen(target), 0, 0);
}

static void ar_chr(struct archive *a, const char *name, uint32_t perm, uint32_t major,
		   uint32_t minor)
{
	ar_entry(a, name, LINUX_S_IFCHR | perm, NULL, 0, major, minor);
}

static void ar_trailer(struct archive *a)
{
	ar_entry(a, CPIO_TRAILER, 0, NULL, 0, 0, 0);
}

static int ar_load(const struct archive *a)
{
	return fs_load_cpio(a->bytes, a->size);
}

/*
 * /etc/machlab/{data/small.txt, link -> data/small.txt, abs -> SMALL_PATH,
 * dirlink -> data} and two devices added to fs_init's /dev.
 */
static void load_sample(void)
{
	ar_begin(&ar);
	ar_dir(&ar, "etc", 0755);
	ar_dir(&ar, "etc/machlab", 0755);
	ar_dir(&ar, "etc/machlab/data", 0750);
	ar_file(&ar, "etc/machlab/data/small.txt", 0640, SMALL_TEXT);
	ar_link(&ar, "etc/machlab/link", LINK_TARGET);
	ar_link(&ar, "etc/machlab/abs", SMALL_PATH);
	ar_link(&ar, "etc/machlab/dirlink", "data");
	ar_chr(&ar, "dev/ttyS0", 0620, TTY_MAJOR, TTY_MINOR);
	ar_chr(&ar, "dev/wide", 0600, WIDE_MAJOR, WIDE_MINOR);
	ar_trailer(&ar);
	CHECK_EQ(0, ar_load(&ar));
}

/* ---- small helpers ---- */

/* The node path names from the root, following a last link. */
static struct fs_node *lookup(const char *path)
{
	struct fs_node *n = NULL;

	CHECK_EQ(0, fs_lookup(NULL, path, true, &n));
	CHECK(n != NULL);
	return n;
}

/* fs_lookup's error for path (from cwd), or 0. */
static int lookup_error(struct fs_node *cwd, const char *path, bool follow)
{
	struct fs_node *n;

	return fs_lookup(cwd, path, follow, &n);
}

/* fs_open's error for path with flags (the node, if any, released), or 0. */
static int open_error(const char *path, uint32_t flags)
{
	struct fs_node *n = NULL;
	int rc = fs_open(NULL, path, flags, 0644, &n);

	if (rc == 0)
		fs_release(n);
	return rc;
}

/* A new (or existing) file opened for reading and writing; held. */
static struct fs_node *create(const char *path, uint32_t mode)
{
	struct fs_node *n = NULL;

	CHECK_EQ(0, fs_open(NULL, path, LINUX_O_CREAT | LINUX_O_RDWR, mode, &n));
	CHECK(n != NULL);
	return n;
}

/* A file at path holding text, closed again. */
static void make_file(const char *path, const char *text)
{
	struct fs_node *n = create(path, 0644);

	CHECK_EQ(strlen(text), fs_write(n, text, strlen(text), 0));
	fs_release(n);
}

/* Up to count bytes of n at off as a string (the file must hold no NUL). */
static const char *read_str(struct fs_node *n, uint64_t off, uint64_t count)
{
	static char buf[256];
	int64_t got;

	CHECK(count < sizeof buf);
	got = fs_read(n, buf, count, off);
	CHECK(got >= 0);
	buf[got] = '\0';
	return buf;
}

/* Are the count bytes of n at off all zero (and there)? */
static bool reads_zeros(struct fs_node *n, uint64_t off, uint64_t count)
{
	unsigned char buf[256];

	CHECK(count <= sizeof buf);
	memset(buf, JUNK, sizeof buf);
	if (fs_read(n, buf, count, off) != (int64_t)count)
		return false;
	for (uint64_t i = 0; i < count; i++)
		if (buf[i] != 0)
			return false;
	return true;
}

/* prefix followed by n in decimal, in a buffer the next call reuses. */
static const char *numbered(const char *prefix, unsigned n)
{
	static char buf[64];
	char digits[16];
	size_t len = strlen(prefix), nd = 0;

	CHECK(len + sizeof digits < sizeof buf);
	do
		digits[nd++] = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	memcpy(buf, prefix, len);
	while (nd)
		buf[len++] = digits[--nd];
	buf[len] = '\0';
	return buf;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

/* ---- fs_init ---- */

UNIT_TEST(fs_init_makes_root_dev_with_its_three_devices_and_sticky_tmp)
{
	struct fs_stat st;
	uint32_t major, minor;

	fs_fresh();
	CHECK_EQ(INIT_NODES, fs_nodes_used());
	CHECK(lookup("/") == fs_root());
	CHECK_EQ(FS_DIR, fs_kind(fs_root()));
	CHECK_EQ(FS_DIR, fs_kind(lookup("/dev")));

	fs_rdev(lookup("/dev/null"), &major, &minor);
	CHECK_EQ(FS_CHR, fs_kind(lookup("/dev/null")));
	CHECK_EQ(1, major);
	CHECK_EQ(3, minor);
	fs_rdev(lookup("/dev/zero"), &major, &minor);
	CHECK_EQ(FS_CHR, fs_kind(lookup("/dev/zero")));
	CHECK_EQ(1, major);
	CHECK_EQ(5, minor);
	fs_rdev(lookup("/dev/console"), &major, &minor);
	CHECK_EQ(FS_CHR, fs_kind(lookup("/dev/console")));
	CHECK_EQ(5, major);
	CHECK_EQ(1, minor);

	fs_stat(lookup("/dev/null"), &st);
	CHECK_EQ(LINUX_S_IFCHR, st.mode & LINUX_S_IFMT);
	CHECK_EQ(1, st.rdev_major);
	CHECK_EQ(3, st.rdev_minor);
	fs_stat(lookup("/tmp"), &st);
	CHECK_EQ(FS_DIR, fs_kind(lookup("/tmp")));
	CHECK_EQ(TMP_MODE, st.mode);
	fs_stat(fs_root(), &st);
	CHECK_EQ(LINUX_S_IFDIR, st.mode & LINUX_S_IFMT);
}

UNIT_TEST(fs_init_drops_the_previous_tree_and_frees_its_memory)
{
	size_t before;
	struct fs_node *n;
	char block[1000];

	fs_fresh();
	before = mem_outstanding;
	n = create("/tmp/old", 0644);
	memset(block, 'x', sizeof block);
	CHECK_EQ(sizeof block, fs_write(n, block, sizeof block, 0));
	fs_release(n);
	CHECK(mem_outstanding > before);

	fs_init(&mem);
	CHECK_EQ(-LINUX_ENOENT, lookup_error(NULL, "/tmp/old", true));
	CHECK_EQ(INIT_NODES, fs_nodes_used());
	CHECK_EQ(before, mem_outstanding);
	CHECK_EQ(0, mem_errors);
}

/* ---- fs_load_cpio: what a valid archive makes ---- */

UNIT_TEST(fs_load_cpio_makes_directories_files_links_and_devices)
{
	uint32_t major, minor;

	fs_fresh();
	load_sample();
	CHECK_EQ(INIT_NODES + SAMPLE_NODES, fs_nodes_used());
	CHECK_EQ(FS_DIR, fs_kind(lookup("/etc")));
	CHECK_EQ(FS_DIR, fs_kind(lookup("/etc/machlab/data")));
	CHECK_EQ(FS_REG, fs_kind(lookup(SMALL_PATH)));
	CHECK_EQ(SMALL_BYTES, fs_size(lookup(SMALL_PATH)));
	CHECK_EQ(FS_CHR, fs_kind(lookup("/dev/ttyS0")));
	fs_rdev(lookup("/dev/ttyS0"), &major, &minor);
	CHECK_EQ(TTY_MAJOR, major);
	CHECK_EQ(TTY_MINOR, minor);
	fs_rdev(lookup("/dev/wide"), &major, &minor);
	CHECK_EQ(WIDE_MAJOR, major);
	CHECK_EQ(WIDE_MINOR, minor);
	CHECK_EQ(FS_CHR, fs_kind(lookup("/dev/null")));   /* /dev kept its devices */
}

UNIT_TEST(fs_load_cpio_symlink_holds_the_entry_data_as_its_target)
{
	struct fs_node *n = NULL;
	struct fs_stat st;

	fs_fresh();
	load_sample();
	CHECK_EQ(0, fs_lookup(NULL, "/etc/machlab/link", false, &n));
	CHECK_EQ(FS_LINK, fs_kind(n));
	fs_stat(n, &st);
	CHECK_EQ(LINUX_S_IFLNK | 0777, st.mode);
	CHECK_EQ(strlen(LINK_TARGET), st.size);
}

UNIT_TEST(fs_read_returns_archive_bytes_at_offsets_and_0_at_or_past_the_end)
{
	struct fs_node *n;
	char buf[4];

	fs_fresh();
	load_sample();
	n = lookup(SMALL_PATH);
	CHECK_STR(SMALL_TEXT, read_str(n, 0, SMALL_BYTES));
	CHECK_STR("hello", read_str(n, 0, 5));
	CHECK_STR("cpio\n", read_str(n, 7, 100));         /* short at the end */
	CHECK_EQ(0, fs_read(n, buf, sizeof buf, SMALL_BYTES));
	CHECK_EQ(0, fs_read(n, buf, sizeof buf, SMALL_BYTES + 100));
}

UNIT_TEST(fs_stat_reports_the_archive_mode_size_owner_and_mtime)
{
	struct fs_stat st, dir;

	fs_fresh();
	load_sample();
	fs_stat(lookup(SMALL_PATH), &st);
	CHECK_EQ(LINUX_S_IFREG | 0640, st.mode);
	CHECK_EQ(SMALL_BYTES, st.size);
	CHECK_EQ(ARCHIVE_UID, st.uid);
	CHECK_EQ(ARCHIVE_GID, st.gid);
	CHECK_EQ(ARCHIVE_MTIME, st.mtime);
	CHECK(st.ino != 0);
	CHECK(st.nlink >= 1);

	fs_stat(lookup("/etc/machlab/data"), &dir);
	CHECK_EQ(LINUX_S_IFDIR | 0750, dir.mode);
	CHECK(dir.ino != 0);
	CHECK(dir.ino != st.ino);

	fs_stat(lookup("/dev/ttyS0"), &st);
	CHECK_EQ(LINUX_S_IFCHR | 0620, st.mode);
	CHECK_EQ(TTY_MAJOR, st.rdev_major);
	CHECK_EQ(TTY_MINOR, st.rdev_minor);
}

UNIT_TEST(fs_stat_linux_fills_linux_x86_64_struct_stat_and_nothing_past_it)
{
	unsigned char buf[FS_STAT_BYTES + STAT_GUARD_BYTES];
	struct fs_stat st;
	struct fs_node *n;

	fs_fresh();
	load_sample();
	n = lookup(SMALL_PATH);
	fs_stat(n, &st);
	memset(buf, JUNK, sizeof buf);
	fs_stat_linux(n, buf);
	CHECK_EQ(st.ino, get64(buf + STAT_INO));
	CHECK(get64(buf + STAT_INO) != 0);
	CHECK_EQ(st.nlink, get64(buf + STAT_NLINK));
	CHECK_EQ(LINUX_S_IFREG | 0640, get32(buf + STAT_MODE));
	CHECK_EQ(ARCHIVE_UID, get32(buf + STAT_UID));
	CHECK_EQ(ARCHIVE_GID, get32(buf + STAT_GID));
	CHECK_EQ(0, get32(buf + STAT_PAD0));
	CHECK_EQ(0, get64(buf + STAT_RDEV));
	CHECK_EQ(SMALL_BYTES, get64(buf + STAT_SIZE));
	CHECK(get64(buf + STAT_BLKSIZE) != 0);
	CHECK(get64(buf + STAT_BLOCKS) * STAT_BLOCK_BYTES >= SMALL_BYTES);
	CHECK_EQ(ARCHIVE_MTIME, get64(buf + STAT_MTIME));
	for (size_t i = STAT_UNUSED; i < FS_STAT_BYTES; i++)
		CHECK_EQ(0, buf[i]);
	for (size_t i = FS_STAT_BYTES; i < sizeof buf; i++)
		CHECK_EQ(JUNK, buf[i]);
}

UNIT_TEST(fs_stat_linux_encodes_st_rdev_as_linux_does)
{
	unsigned char buf[FS_STAT_BYTES];

	fs_fresh();
	load_sample();
	fs_stat_linux(lookup("/dev/ttyS0"), buf);
	CHECK_EQ(LINUX_S_IFCHR | 0620, get32(buf + STAT_MODE));
	CHECK_EQ((TTY_MAJOR << 8) | TTY_MINOR, get64(buf + STAT_RDEV));
	/* (major << 8) | (minor & 0xff) | ((minor & ~0xff) << 12) */
	fs_stat_linux(lookup("/dev/wide"), buf);
	CHECK_EQ(0x1208834, get64(buf + STAT_RDEV));
	fs_stat_linux(lookup("/dev/null"), buf);
	CHECK_EQ(0x103, get64(buf + STAT_RDEV));
}

UNIT_TEST(fs_load_cpio_accepts_zero_padding_after_the_trailer)
{
	fs_fresh();
	ar_begin(&ar);
	ar_dir(&ar, "padded", 0755);
	ar_trailer(&ar);
	ar_pad(&ar, CPIO_BLOCK_BYTES);
	CHECK_EQ(0, ar_load(&ar));
	CHECK_EQ(FS_DIR, fs_kind(lookup("/padded")));
}

UNIT_TEST(fs_load_cpio_keeps_existing_directories_and_updates_existing_files)
{
	size_t used;

	fs_fresh();
	ar_begin(&ar);
	ar_dir(&ar, "dev", 0755);
	ar_dir(&ar, "etc", 0755);
	ar_file(&ar, "etc/motd", 0644, "first");
	ar_trailer(&ar);
	CHECK_EQ(0, ar_load(&ar));
	CHECK_EQ(FS_CHR, fs_kind(lookup("/dev/null")));
	CHECK_STR("first", read_str(lookup("/etc/motd"), 0, 100));
	used = fs_nodes_used();

	ar_begin(&ar2);
	ar_dir(&ar2, "etc", 0755);
	ar_file(&ar2, "etc/motd", 0644, "second, longer");
	ar_file(&ar2, "etc/issue", 0644, "new");
	ar_trailer(&ar2);
	CHECK_EQ(0, ar_load(&ar2));
	CHECK_EQ(used + 1, fs_nodes_used());             /* only etc/issue is new */
	CHECK_STR("second, longer", read_str(lookup("/etc/motd"), 0, 100));
	CHECK_STR("new", read_str(lookup("/etc/issue"), 0, 100));
	CHECK_EQ(FS_CHR, fs_kind(lookup("/dev/null")));
}

/* ---- fs_load_cpio: malformed archives are refused whole ---- */

#define VICTIM_NAME "bad/victim"
#define VICTIM_TEXT "victim data"

/* An archive valid so far: "bad" and "bad/file", before the entry a test spoils. */
static void ar_bad_begin(void)
{
	fs_fresh();
	ar_begin(&ar);
	ar_dir(&ar, "bad", 0755);
	ar_file(&ar, "bad/file", 0644, "fine");
}

static size_t ar_victim(const char *name)
{
	return ar_file(&ar, name, 0644, VICTIM_TEXT);
}

/* -EINVAL, and not even the valid entries before the fault were added. */
static void check_refused(void)
{
	size_t used = fs_nodes_used();

	CHECK_EQ(-LINUX_EINVAL, ar_load(&ar));
	CHECK_EQ(used, fs_nodes_used());
	CHECK_EQ(-LINUX_ENOENT, lookup_error(NULL, "/bad", true));
}

UNIT_TEST(fs_load_cpio_accepts_the_refusal_tests_archive_unspoiled)
{
	ar_bad_begin();
	ar_victim(VICTIM_NAME);
	ar_trailer(&ar);
	CHECK_EQ(0, ar_load(&ar));
	CHECK_STR(VICTIM_TEXT, read_str(lookup("/" VICTIM_NAME), 0, 100));
}

UNIT_TEST(fs_load_cpio_refuses_a_bad_magic_whole)
{
	size_t at;

	ar_bad_begin();
	at = ar_victim(VICTIM_NAME);
	ar_trailer(&ar);
	memcpy(ar.bytes + at, CPIO_MAGIC_ODC, CPIO_MAGIC_BYTES);
	check_refused();
}

UNIT_TEST(fs_load_cpio_refuses_a_non_hex_digit_in_a_field)
{
	size_t at;

	ar_bad_begin();
	at = ar_victim(VICTIM_NAME);
	ar_trailer(&ar);
	/* the last digit of the uid, which no layout check would notice */
	ar.bytes[at + CPIO_MAGIC_BYTES + (CPIO_UID + 1) * CPIO_FIELD_BYTES - 1] = 'g';
	check_refused();
}

UNIT_TEST(fs_load_cpio_refuses_namesize_0)
{
	size_t at;

	ar_bad_begin();
	at = ar_victim(VICTIM_NAME);
	ar_trailer(&ar);
	ar_set_field(&ar, at, CPIO_NAMESIZE, 0);
	check_refused();
}

UNIT_TEST(fs_load_cpio_refuses_a_name_without_its_nul)
{
	size_t at;

	ar_bad_begin();
	at = ar_victim(VICTIM_NAME);
	ar_trailer(&ar);
	ar.bytes[at + CPIO_HEADER_BYTES + strlen(VICTIM_NAME)] = 'x';
	check_refused();
}

UNIT_TEST(fs_load_cpio_refuses_a_file_running_past_the_archive_end)
{
	size_t at;

	ar_bad_begin();
	at = ar_victim(VICTIM_NAME);
	ar_trailer(&ar);
	/* the data starts past `at`, so the whole archive's size runs past its end */
	ar_set_field(&ar, at, CPIO_FILESIZE, (uint32_t)ar.size);
	check_refused();
}

UNIT_TEST(fs_load_cpio_refuses_a_truncated_header)
{
	size_t at;

	ar_bad_begin();
	at = ar_victim(VICTIM_NAME);
	ar.size = at + CPIO_HEADER_BYTES / 2;
	check_refused();
}

UNIT_TEST(fs_load_cpio_refuses_an_archive_without_its_trailer)
{
	ar_bad_begin();
	ar_victim(VICTIM_NAME);
	check_refused();
}

UNIT_TEST(fs_load_cpio_refuses_a_name_with_an_empty_component)
{
	ar_bad_begin();
	ar_victim("bad//victim");
	ar_trailer(&ar);
	check_refused();
}

UNIT_TEST(fs_load_cpio_refuses_a_name_with_a_dotdot_component)
{
	ar_bad_begin();
	ar_victim("bad/../victim");
	ar_trailer(&ar);
	check_refused();
	CHECK_EQ(-LINUX_ENOENT, lookup_error(NULL, "/victim", true));
}

/* ---- path resolution ---- */

UNIT_TEST(fs_lookup_resolves_absolute_paths_and_relative_ones_from_cwd)
{
	struct fs_node *file, *cwd, *n = NULL;

	fs_fresh();
	load_sample();
	file = lookup(SMALL_PATH);
	cwd = lookup("/etc/machlab");
	fs_hold(cwd);
	CHECK_EQ(0, fs_lookup(cwd, "data/small.txt", true, &n));
	CHECK(n == file);
	CHECK_EQ(0, fs_lookup(cwd, SMALL_PATH, true, &n));   /* absolute ignores cwd */
	CHECK(n == file);
	CHECK_EQ(-LINUX_ENOENT, lookup_error(cwd, "etc", true));
	fs_release(cwd);
	CHECK_EQ(0, fs_lookup(NULL, "etc/machlab/data/small.txt", true, &n));   /* NULL: the root */
	CHECK(n == file);
}

UNIT_TEST(fs_lookup_ignores_repeated_slashes_and_dot_components)
{
	struct fs_node *file;

	fs_fresh();
	load_sample();
	file = lookup(SMALL_PATH);
	CHECK(lookup("//etc///machlab//data/small.txt") == file);
	CHECK(lookup("/./etc/./machlab/data/./small.txt") == file);
	CHECK(lookup("/etc/machlab/.") == lookup("/etc/machlab"));
}

UNIT_TEST(fs_lookup_dotdot_goes_up_and_stops_at_the_root)
{
	struct fs_node *cwd, *n = NULL;

	fs_fresh();
	load_sample();
	CHECK(lookup("/etc/machlab/data/..") == lookup("/etc/machlab"));
	CHECK(lookup("/etc/machlab/../machlab/data/small.txt") == lookup(SMALL_PATH));
	CHECK(lookup("/..") == fs_root());
	CHECK(lookup("/../../etc") == lookup("/etc"));
	cwd = lookup("/etc/machlab/data");
	fs_hold(cwd);
	CHECK_EQ(0, fs_lookup(cwd, "../../machlab", true, &n));
	CHECK(n == lookup("/etc/machlab"));
	CHECK_EQ(0, fs_lookup(cwd, "../../../../..", true, &n));
	CHECK(n == fs_root());
	fs_release(cwd);
}

UNIT_TEST(fs_lookup_accepts_a_trailing_slash_on_a_directory)
{
	fs_fresh();
	load_sample();
	CHECK(lookup("/etc/machlab/") == lookup("/etc/machlab"));
	CHECK(lookup("/tmp//") == lookup("/tmp"));
}

UNIT_TEST(fs_lookup_gives_enoent_for_a_missing_name)
{
	fs_fresh();
	load_sample();
	CHECK_EQ(-LINUX_ENOENT, lookup_error(NULL, "/etc/missing", true));
	CHECK_EQ(-LINUX_ENOENT, lookup_error(NULL, "/missing/small.txt", true));
	CHECK_EQ(-LINUX_ENOENT, lookup_error(NULL, "/etc/machlab/data/small.tx", true));
}

UNIT_TEST(fs_lookup_gives_enotdir_when_a_file_is_used_as_a_directory)
{
	fs_fresh();
	load_sample();
	CHECK_EQ(-LINUX_ENOTDIR, lookup_error(NULL, SMALL_PATH "/x", true));
	CHECK_EQ(-LINUX_ENOTDIR, lookup_error(NULL, SMALL_PATH "/..", true));
	CHECK_EQ(-LINUX_ENOTDIR, lookup_error(NULL, "/dev/null/x", true));
}

UNIT_TEST(fs_lookup_takes_components_of_fs_name_max_bytes_and_no_more)
{
	char path[FS_NAME_MAX + 16];
	const size_t prefix = strlen("/tmp/");
	struct fs_node *made;

	fs_fresh();
	memcpy(path, "/tmp/", prefix);
	memset(path + prefix, 'a', FS_NAME_MAX + 1);
	path[prefix + FS_NAME_MAX + 1] = '\0';
	CHECK_EQ(-LINUX_ENAMETOOLONG, lookup_error(NULL, path, true));
	CHECK_EQ(-LINUX_ENAMETOOLONG, open_error(path, LINUX_O_CREAT | LINUX_O_WRONLY));

	path[prefix + FS_NAME_MAX] = '\0';
	made = create(path, 0644);
	CHECK(lookup(path) == made);
	fs_release(made);
}

UNIT_TEST(fs_lookup_takes_paths_under_fs_path_max_bytes_and_no_longer)
{
	static char path[FS_PATH_MAX + 1];
	const size_t name = strlen("etc");

	fs_fresh();
	load_sample();
	/* "///...///etc" of FS_PATH_MAX - 1 bytes: with its NUL, FS_PATH_MAX */
	memset(path, '/', FS_PATH_MAX - 1 - name);
	memcpy(path + FS_PATH_MAX - 1 - name, "etc", name + 1);
	CHECK_EQ(FS_PATH_MAX - 1, strlen(path));
	CHECK(lookup(path) == lookup("/etc"));

	memset(path, '/', FS_PATH_MAX - name);
	memcpy(path + FS_PATH_MAX - name, "etc", name + 1);
	CHECK_EQ(FS_PATH_MAX, strlen(path));
	CHECK_EQ(-LINUX_ENAMETOOLONG, lookup_error(NULL, path, true));
}

UNIT_TEST(fs_lookup_follows_relative_and_absolute_symlinks)
{
	struct fs_node *file, *cwd, *n = NULL;

	fs_fresh();
	load_sample();
	file = lookup(SMALL_PATH);
	CHECK(lookup("/etc/machlab/link") == file);     /* relative to the link's directory */
	CHECK(lookup("/etc/machlab/abs") == file);
	CHECK(lookup("/etc/machlab/dirlink/small.txt") == file);
	CHECK(lookup("/etc/machlab/dirlink/..") == lookup("/etc/machlab"));
	cwd = lookup("/dev");                            /* a cwd elsewhere changes nothing */
	fs_hold(cwd);
	CHECK_EQ(0, fs_lookup(cwd, "../etc/machlab/link", true, &n));
	CHECK(n == file);
	fs_release(cwd);
}

UNIT_TEST(fs_lookup_without_follow_stops_at_a_last_link_but_not_a_middle_one)
{
	struct fs_node *n = NULL;

	fs_fresh();
	load_sample();
	CHECK_EQ(0, fs_lookup(NULL, "/etc/machlab/link", false, &n));
	CHECK_EQ(FS_LINK, fs_kind(n));
	CHECK_EQ(0, fs_lookup(NULL, "/etc/machlab/abs", false, &n));
	CHECK_EQ(FS_LINK, fs_kind(n));
	CHECK_EQ(0, fs_lookup(NULL, "/etc/machlab/dirlink/small.txt", false, &n));
	CHECK(n == lookup(SMALL_PATH));
}

UNIT_TEST(fs_lookup_gives_eloop_for_a_loop_of_symlinks)
{
	struct fs_node *n = NULL;

	fs_fresh();
	ar_begin(&ar);
	ar_dir(&ar, "loop", 0755);
	ar_link(&ar, "loop/a", "b");
	ar_link(&ar, "loop/b", "/loop/a");
	ar_link(&ar, "loop/self", "self");
	ar_trailer(&ar);
	CHECK_EQ(0, ar_load(&ar));
	CHECK_EQ(-LINUX_ELOOP, lookup_error(NULL, "/loop/a", true));
	CHECK_EQ(-LINUX_ELOOP, lookup_error(NULL, "/loop/self", true));
	CHECK_EQ(-LINUX_ELOOP, lookup_error(NULL, "/loop/a/x", false));
	CHECK_EQ(0, fs_lookup(NULL, "/loop/a", false, &n));
	CHECK_EQ(FS_LINK, fs_kind(n));
}

UNIT_TEST(fs_lookup_follows_fs_symlinks_max_links_in_a_chain_and_no_more)
{
	char target[16];

	fs_fresh();
	ar_begin(&ar);
	ar_dir(&ar, "chain", 0755);
	ar_file(&ar, "chain/l0", 0644, "end");
	for (unsigned i = 1; i <= FS_SYMLINKS_MAX + 1; i++) {     /* li -> l(i-1) */
		strcpy(target, numbered("l", i - 1));
		ar_link(&ar, numbered("chain/l", i), target);
	}
	ar_trailer(&ar);
	CHECK_EQ(0, ar_load(&ar));
	CHECK(lookup(numbered("/chain/l", FS_SYMLINKS_MAX)) == lookup("/chain/l0"));
	CHECK_EQ(-LINUX_ELOOP, lookup_error(NULL, numbered("/chain/l", FS_SYMLINKS_MAX + 1), true));
}

/* ---- fs_open ---- */

UNIT_TEST(fs_open_o_creat_makes_an_empty_file_with_the_mode_given)
{
	struct fs_node *n;
	struct fs_stat st;
	size_t used;

	fs_fresh();
	used = fs_nodes_used();
	n = create("/tmp/new", 0604);
	CHECK_EQ(FS_REG, fs_kind(n));
	CHECK_EQ(0, fs_size(n));
	fs_stat(n, &st);
	CHECK_EQ(LINUX_S_IFREG | 0604, st.mode);
	CHECK_EQ(0, st.size);
	CHECK_EQ(0, st.mtime);                          /* made here */
	CHECK(st.ino != 0);
	CHECK_EQ(used + 1, fs_nodes_used());
	CHECK(lookup("/tmp/new") == n);
	fs_release(n);
	CHECK(lookup("/tmp/new") == n);                 /* named: still there */
}

UNIT_TEST(fs_open_o_creat_opens_an_existing_file_as_it_is)
{
	struct fs_node *n = NULL;
	struct fs_stat st;

	fs_fresh();
	load_sample();
	CHECK_EQ(0, fs_open(NULL, SMALL_PATH, LINUX_O_CREAT | LINUX_O_RDWR, 0600, &n));
	CHECK(n == lookup(SMALL_PATH));
	CHECK_STR(SMALL_TEXT, read_str(n, 0, 100));
	fs_stat(n, &st);
	CHECK_EQ(LINUX_S_IFREG | 0640, st.mode);          /* not the 0600 given */
	fs_release(n);
}

UNIT_TEST(fs_open_o_creat_o_excl_refuses_an_existing_name_with_eexist)
{
	fs_fresh();
	load_sample();
	CHECK_EQ(-LINUX_EEXIST,
		 open_error(SMALL_PATH, LINUX_O_CREAT | LINUX_O_EXCL | LINUX_O_WRONLY));
	CHECK_EQ(-LINUX_EEXIST, open_error("/tmp", LINUX_O_CREAT | LINUX_O_EXCL | LINUX_O_WRONLY));
	CHECK_EQ(0, open_error("/tmp/x", LINUX_O_CREAT | LINUX_O_EXCL | LINUX_O_WRONLY));
	CHECK_EQ(-LINUX_EEXIST, open_error("/tmp/x", LINUX_O_CREAT | LINUX_O_EXCL | LINUX_O_WRONLY));
}

UNIT_TEST(fs_open_o_trunc_empties_an_existing_file)
{
	fs_fresh();
	make_file("/tmp/full", "some bytes");
	CHECK_EQ(0, open_error("/tmp/full", LINUX_O_WRONLY | LINUX_O_TRUNC));
	CHECK_EQ(0, fs_size(lookup("/tmp/full")));
	CHECK_STR("", read_str(lookup("/tmp/full"), 0, 100));
}

UNIT_TEST(fs_open_o_directory_refuses_a_file_with_enotdir)
{
	fs_fresh();
	load_sample();
	CHECK_EQ(-LINUX_ENOTDIR, open_error(SMALL_PATH, LINUX_O_RDONLY | LINUX_O_DIRECTORY));
	CHECK_EQ(0, open_error("/etc/machlab", LINUX_O_RDONLY | LINUX_O_DIRECTORY));
}

UNIT_TEST(fs_open_of_a_directory_for_writing_gives_eisdir)
{
	fs_fresh();
	CHECK_EQ(-LINUX_EISDIR, open_error("/tmp", LINUX_O_WRONLY));
	CHECK_EQ(-LINUX_EISDIR, open_error("/tmp", LINUX_O_RDWR));
	CHECK_EQ(0, open_error("/tmp", LINUX_O_RDONLY));
}

UNIT_TEST(fs_open_o_nofollow_refuses_a_symlink_with_eloop)
{
	fs_fresh();
	load_sample();
	CHECK_EQ(-LINUX_ELOOP, open_error("/etc/machlab/link", LINUX_O_RDONLY | LINUX_O_NOFOLLOW));
	CHECK_EQ(0, open_error("/etc/machlab/link", LINUX_O_RDONLY));
	CHECK_EQ(0, open_error(SMALL_PATH, LINUX_O_RDONLY | LINUX_O_NOFOLLOW));
}

UNIT_TEST(fs_open_o_creat_in_a_missing_directory_gives_enoent)
{
	size_t used;

	fs_fresh();
	used = fs_nodes_used();
	CHECK_EQ(-LINUX_ENOENT, open_error("/nodir/file", LINUX_O_CREAT | LINUX_O_WRONLY));
	CHECK_EQ(-LINUX_ENOENT, open_error("/tmp/missing", LINUX_O_WRONLY));
	CHECK_EQ(used, fs_nodes_used());
}

/* ---- fs_read, fs_write, fs_truncate ---- */

UNIT_TEST(fs_write_then_fs_read_gives_the_bytes_back)
{
	struct fs_node *n;

	fs_fresh();
	n = create("/tmp/rw", 0644);
	CHECK_EQ(5, fs_write(n, "hello", 5, 0));
	CHECK_EQ(6, fs_write(n, " world", 6, 5));
	CHECK_EQ(11, fs_size(n));
	CHECK_STR("hello world", read_str(n, 0, 100));
	CHECK_EQ(1, fs_write(n, "W", 1, 6));              /* overwrite in place */
	CHECK_STR("hello World", read_str(n, 0, 100));
	CHECK_EQ(11, fs_size(n));
	fs_release(n);
}

UNIT_TEST(fs_write_past_the_end_leaves_a_zero_filled_hole)
{
	struct fs_node *n;
	const uint64_t far = 100;

	fs_fresh();
	n = create("/tmp/holey", 0644);
	CHECK_EQ(3, fs_write(n, "abc", 3, 0));
	CHECK_EQ(3, fs_write(n, "xyz", 3, far));
	CHECK_EQ(far + 3, fs_size(n));
	CHECK_STR("abc", read_str(n, 0, 3));
	CHECK(reads_zeros(n, 3, far - 3));
	CHECK_STR("xyz", read_str(n, far, 100));
	fs_release(n);
}

UNIT_TEST(fs_write_to_an_archive_file_copies_it_and_leaves_the_archive_unchanged)
{
	static unsigned char saved[ARCHIVE_BYTES_MAX];
	struct fs_node *n = NULL;

	fs_fresh();
	load_sample();
	memcpy(saved, ar.bytes, ar.size);
	CHECK_EQ(0, fs_open(NULL, SMALL_PATH, LINUX_O_WRONLY, 0, &n));
	CHECK_EQ(1, fs_write(n, "J", 1, 0));
	CHECK_EQ(6, fs_write(n, " more\n", 6, SMALL_BYTES));
	CHECK_STR("Jello, cpio\n more\n", read_str(n, 0, 100));
	CHECK(memcmp(saved, ar.bytes, ar.size) == 0);
	fs_release(n);
	CHECK_STR("Jello, cpio\n more\n", read_str(lookup(SMALL_PATH), 0, 100));
}

UNIT_TEST(fs_truncate_of_an_archive_file_leaves_the_archive_unchanged)
{
	static unsigned char saved[ARCHIVE_BYTES_MAX];
	struct fs_node *n;

	fs_fresh();
	load_sample();
	memcpy(saved, ar.bytes, ar.size);
	n = lookup(SMALL_PATH);
	CHECK_EQ(0, fs_truncate(n, 5));
	CHECK_STR("hello", read_str(n, 0, 100));
	CHECK_EQ(0, fs_truncate(n, SMALL_BYTES));          /* the old bytes do not come back */
	CHECK(reads_zeros(n, 5, SMALL_BYTES - 5));
	CHECK(memcmp(saved, ar.bytes, ar.size) == 0);
}

UNIT_TEST(fs_truncate_shrinks_and_grows_with_zeros)
{
	struct fs_node *n;

	fs_fresh();
	n = create("/tmp/t", 0644);
	CHECK_EQ(10, fs_write(n, "0123456789", 10, 0));
	CHECK_EQ(0, fs_truncate(n, 4));
	CHECK_EQ(4, fs_size(n));
	CHECK_STR("0123", read_str(n, 0, 100));
	CHECK_EQ(0, fs_truncate(n, 8));
	CHECK_EQ(8, fs_size(n));
	CHECK_STR("0123", read_str(n, 0, 4));
	CHECK(reads_zeros(n, 4, 4));
	CHECK_EQ(0, fs_truncate(n, 0));
	CHECK_EQ(0, fs_size(n));
	fs_release(n);
}

UNIT_TEST(fs_write_and_fs_truncate_past_fs_file_bytes_max_give_efbig)
{
	struct fs_node *n;

	fs_fresh();
	n = create("/tmp/big", 0644);
	CHECK_EQ(-LINUX_EFBIG, fs_write(n, "x", 1, FS_FILE_BYTES_MAX));
	CHECK_EQ(-LINUX_EFBIG, fs_write(n, "xy", 2, UINT64_MAX - 1));   /* off + count wraps */
	CHECK_EQ(-LINUX_EFBIG, fs_truncate(n, (uint64_t)FS_FILE_BYTES_MAX + 1));
	CHECK_EQ(0, fs_size(n));
	CHECK_EQ(1, fs_write(n, "x", 1, FS_FILE_BYTES_MAX - 1));       /* up to the limit */
	CHECK_EQ(FS_FILE_BYTES_MAX, fs_size(n));
	CHECK_STR("x", read_str(n, FS_FILE_BYTES_MAX - 1, 100));
	fs_release(n);
}

UNIT_TEST(fs_write_past_fs_bytes_max_in_all_files_gives_enospc)
{
	const unsigned full_files = FS_BYTES_MAX / FS_FILE_BYTES_MAX;
	struct fs_node *n;

	fs_fresh();
	for (unsigned i = 0; i < full_files; i++) {
		n = create(numbered("/tmp/full", i), 0644);
		CHECK_EQ(1, fs_write(n, "x", 1, FS_FILE_BYTES_MAX - 1));
		fs_release(n);
	}
	n = create("/tmp/one_more", 0644);
	CHECK_EQ(-LINUX_ENOSPC, fs_write(n, "x", 1, 0));
	CHECK_EQ(0, fs_size(n));
	CHECK_EQ(0, fs_unlink(NULL, numbered("/tmp/full", 0)));
	CHECK_EQ(1, fs_write(n, "x", 1, 0));               /* the unlinked file's bytes came back */
	fs_release(n);
}

UNIT_TEST(fs_read_write_and_truncate_of_a_directory_give_eisdir)
{
	struct fs_node *dir;
	char buf[4];

	fs_fresh();
	dir = lookup("/tmp");
	CHECK_EQ(-LINUX_EISDIR, fs_read(dir, buf, sizeof buf, 0));
	CHECK_EQ(-LINUX_EISDIR, fs_write(dir, "x", 1, 0));
	CHECK_EQ(-LINUX_EISDIR, fs_truncate(dir, 0));
}

UNIT_TEST(fs_read_write_and_truncate_of_a_link_or_device_give_einval)
{
	struct fs_node *link = NULL, *dev;
	char buf[4];

	fs_fresh();
	load_sample();
	CHECK_EQ(0, fs_lookup(NULL, "/etc/machlab/link", false, &link));
	dev = lookup("/dev/zero");
	CHECK_EQ(-LINUX_EINVAL, fs_read(link, buf, sizeof buf, 0));
	CHECK_EQ(-LINUX_EINVAL, fs_write(link, "x", 1, 0));
	CHECK_EQ(-LINUX_EINVAL, fs_truncate(link, 0));
	CHECK_EQ(-LINUX_EINVAL, fs_read(dev, buf, sizeof buf, 0));
	CHECK_EQ(-LINUX_EINVAL, fs_write(dev, "x", 1, 0));
	CHECK_EQ(-LINUX_EINVAL, fs_truncate(dev, 0));
}

/* ---- unlink, mkdir, rmdir, readlink ---- */

UNIT_TEST(fs_unlink_removes_the_name_but_a_held_file_stays_readable)
{
	struct fs_node *n;
	size_t used;

	fs_fresh();
	n = create("/tmp/doomed", 0644);
	CHECK_EQ(10, fs_write(n, "still here", 10, 0));
	used = fs_nodes_used();
	CHECK_EQ(0, fs_unlink(NULL, "/tmp/doomed"));
	CHECK_EQ(-LINUX_ENOENT, lookup_error(NULL, "/tmp/doomed", true));
	CHECK_EQ(-LINUX_ENOENT, fs_unlink(NULL, "/tmp/doomed"));
	CHECK_EQ(used, fs_nodes_used());                   /* held: alive */
	CHECK_STR("still here", read_str(n, 0, 100));
	fs_release(n);
	CHECK_EQ(used - 1, fs_nodes_used());
}

UNIT_TEST(fs_release_of_an_unlinked_file_frees_all_it_owned)
{
	char block[3000];
	size_t mem_before, bytes_before;
	struct fs_node *n;

	fs_fresh();
	mem_before = mem_outstanding;
	bytes_before = fs_bytes_used();
	n = create("/tmp/doomed", 0644);
	memset(block, 'x', sizeof block);
	CHECK_EQ(sizeof block, fs_write(n, block, sizeof block, 0));
	CHECK(fs_bytes_used() >= bytes_before + sizeof block);
	CHECK_EQ(0, fs_unlink(NULL, "/tmp/doomed"));
	CHECK(mem_outstanding > mem_before);               /* still held */
	fs_release(n);
	CHECK_EQ(mem_before, mem_outstanding);
	CHECK_EQ(bytes_before, fs_bytes_used());
	CHECK_EQ(0, mem_errors);
}

UNIT_TEST(fs_unlink_of_a_closed_file_frees_it_at_once)
{
	size_t mem_before, used;
	char block[3000];
	struct fs_node *n;

	fs_fresh();
	mem_before = mem_outstanding;
	used = fs_nodes_used();
	n = create("/tmp/doomed", 0644);
	memset(block, 'x', sizeof block);
	CHECK_EQ(sizeof block, fs_write(n, block, sizeof block, 0));
	fs_release(n);
	CHECK_EQ(0, fs_unlink(NULL, "/tmp/doomed"));
	CHECK_EQ(used, fs_nodes_used());
	CHECK_EQ(mem_before, mem_outstanding);
	CHECK_EQ(0, mem_errors);
}

UNIT_TEST(fs_unlink_of_a_symlink_removes_the_link_not_its_target)
{
	struct fs_node *file;

	fs_fresh();
	load_sample();
	file = lookup(SMALL_PATH);
	CHECK_EQ(0, fs_unlink(NULL, "/etc/machlab/link"));
	CHECK_EQ(-LINUX_ENOENT, lookup_error(NULL, "/etc/machlab/link", false));
	CHECK(lookup(SMALL_PATH) == file);
	CHECK_STR(SMALL_TEXT, read_str(file, 0, 100));
}

UNIT_TEST(fs_unlink_of_a_directory_gives_eisdir_and_keeps_it)
{
	fs_fresh();
	CHECK_EQ(-LINUX_EISDIR, fs_unlink(NULL, "/tmp"));
	CHECK_EQ(FS_DIR, fs_kind(lookup("/tmp")));
}

UNIT_TEST(fs_mkdir_makes_a_directory_and_refuses_an_existing_name_with_eexist)
{
	struct fs_stat st;
	struct fs_node *cwd;

	fs_fresh();
	CHECK_EQ(0, fs_mkdir(NULL, "/tmp/d", 0750));
	CHECK_EQ(FS_DIR, fs_kind(lookup("/tmp/d")));
	fs_stat(lookup("/tmp/d"), &st);
	CHECK_EQ(LINUX_S_IFDIR | 0750, st.mode);
	CHECK_EQ(-LINUX_EEXIST, fs_mkdir(NULL, "/tmp/d", 0750));
	make_file("/tmp/f", "file");
	CHECK_EQ(-LINUX_EEXIST, fs_mkdir(NULL, "/tmp/f", 0750));
	CHECK_EQ(-LINUX_ENOENT, fs_mkdir(NULL, "/tmp/no/d", 0750));

	cwd = lookup("/tmp/d");                           /* relative, inside the new one */
	fs_hold(cwd);
	CHECK_EQ(0, fs_mkdir(cwd, "sub", 0700));
	fs_release(cwd);
	CHECK(lookup("/tmp/d/sub/..") == lookup("/tmp/d"));
}

UNIT_TEST(fs_rmdir_of_a_non_empty_directory_gives_enotempty)
{
	fs_fresh();
	CHECK_EQ(0, fs_mkdir(NULL, "/tmp/d", 0755));
	make_file("/tmp/d/f", "file");
	CHECK_EQ(-LINUX_ENOTEMPTY, fs_rmdir(NULL, "/tmp/d"));
	CHECK_EQ(FS_REG, fs_kind(lookup("/tmp/d/f")));
}

UNIT_TEST(fs_rmdir_of_the_root_gives_ebusy)
{
	fs_fresh();
	CHECK_EQ(-LINUX_EBUSY, fs_rmdir(NULL, "/"));
	CHECK_EQ(FS_DIR, fs_kind(fs_root()));
}

UNIT_TEST(fs_rmdir_of_a_file_gives_enotdir)
{
	fs_fresh();
	make_file("/tmp/f", "file");
	CHECK_EQ(-LINUX_ENOTDIR, fs_rmdir(NULL, "/tmp/f"));
	CHECK_EQ(FS_REG, fs_kind(lookup("/tmp/f")));
}

UNIT_TEST(fs_rmdir_removes_an_empty_directory)
{
	size_t used;

	fs_fresh();
	used = fs_nodes_used();
	CHECK_EQ(0, fs_mkdir(NULL, "/tmp/d", 0755));
	make_file("/tmp/d/f", "file");
	CHECK_EQ(0, fs_unlink(NULL, "/tmp/d/f"));
	CHECK_EQ(0, fs_rmdir(NULL, "/tmp/d"));
	CHECK_EQ(-LINUX_ENOENT, lookup_error(NULL, "/tmp/d", true));
	CHECK_EQ(used, fs_nodes_used());
}

UNIT_TEST(fs_readlink_returns_the_target_without_a_nul)
{
	char buf[64];
	struct fs_node *cwd;

	fs_fresh();
	load_sample();
	memset(buf, '#', sizeof buf);
	CHECK_EQ(strlen(LINK_TARGET), fs_readlink(NULL, "/etc/machlab/link", buf, sizeof buf));
	CHECK(memcmp(buf, LINK_TARGET, strlen(LINK_TARGET)) == 0);
	CHECK_EQ('#', buf[strlen(LINK_TARGET)]);

	cwd = lookup("/etc/machlab");
	fs_hold(cwd);
	CHECK_EQ(strlen(SMALL_PATH), fs_readlink(cwd, "abs", buf, sizeof buf));
	CHECK(memcmp(buf, SMALL_PATH, strlen(SMALL_PATH)) == 0);
	fs_release(cwd);
}

/* ---- the node limit ---- */

UNIT_TEST(fs_open_o_creat_gives_enospc_at_fs_nodes_max_and_unlink_frees_nodes)
{
	struct fs_node *n = NULL;
	size_t used;
	unsigned made = 0;
	int rc;

	fs_fresh();
	used = fs_nodes_used();
	while ((rc = fs_open(NULL, numbered("/tmp/f", made), LINUX_O_CREAT | LINUX_O_WRONLY,
			     0644, &n)) == 0) {
		fs_release(n);
		made++;
		CHECK(made <= FS_NODES_MAX);
	}
	CHECK_EQ(-LINUX_ENOSPC, rc);
	CHECK_EQ(FS_NODES_MAX - used, made);
	CHECK_EQ(FS_NODES_MAX, fs_nodes_used());
	CHECK_EQ(-LINUX_ENOENT, lookup_error(NULL, numbered("/tmp/f", made), true));
	CHECK_EQ(-LINUX_ENOSPC, fs_mkdir(NULL, "/tmp/d", 0755));

	CHECK_EQ(0, fs_unlink(NULL, numbered("/tmp/f", 0)));
	CHECK_EQ(FS_NODES_MAX - 1, fs_nodes_used());
	CHECK_EQ(0, fs_mkdir(NULL, "/tmp/d", 0755));          /* the freed node is used again */
	CHECK_EQ(0, fs_rmdir(NULL, "/tmp/d"));
	for (unsigned i = 1; i < made; i++)
		CHECK_EQ(0, fs_unlink(NULL, numbered("/tmp/f", i)));
	CHECK_EQ(used, fs_nodes_used());
}

/* ---- rename, readdir, path (fs_rename, fs_readdir, fs_path) ---- */

/* Does dir list name among its entries (after "." and "..")? */
static bool lists(const char *dir, const char *name)
{
	struct fs_node *d;
	const char *n;
	uint64_t ino;
	enum fs_kind kind;

	CHECK_EQ(0, fs_lookup(NULL, dir, true, &d));
	for (uint64_t i = 0; fs_readdir(d, i, &n, &ino, &kind); i++)
		if (strcmp(n, name) == 0)
			return true;
	return false;
}

UNIT_TEST(fs_rename_moves_a_file_and_replaces_one_there)
{
	struct fs_node *n;

	fs_fresh();
	make_file("/tmp/a", "first");
	make_file("/tmp/b", "second");
	CHECK_EQ(0, fs_mkdir(NULL, "/tmp/d", 0755));
	CHECK_EQ(0, fs_rename(NULL, "/tmp/a", NULL, "/tmp/d/c"));
	CHECK_EQ(-LINUX_ENOENT, fs_lookup(NULL, "/tmp/a", true, &n));
	CHECK_EQ(0, fs_lookup(NULL, "/tmp/d/c", true, &n));
	CHECK_STR("first", read_str(n, 0, 5));
	CHECK_EQ(0, fs_rename(NULL, "/tmp/b", NULL, "/tmp/d/c"));   /* replaces it */
	CHECK_EQ(0, fs_lookup(NULL, "/tmp/d/c", true, &n));
	CHECK_STR("second", read_str(n, 0, 6));
	CHECK(!lists("/tmp", "b"));
}

UNIT_TEST(fs_rename_refuses_what_linux_refuses)
{
	fs_fresh();
	CHECK_EQ(0, fs_mkdir(NULL, "/tmp/d", 0755));
	CHECK_EQ(0, fs_mkdir(NULL, "/tmp/e", 0755));
	make_file("/tmp/e/f", "x");
	make_file("/tmp/g", "y");
	CHECK_EQ(-LINUX_EINVAL, fs_rename(NULL, "/tmp/d", NULL, "/tmp/d/inner"));
	CHECK_EQ(-LINUX_ENOTEMPTY, fs_rename(NULL, "/tmp/d", NULL, "/tmp/e"));
	CHECK_EQ(-LINUX_ENOTDIR, fs_rename(NULL, "/tmp/d", NULL, "/tmp/g"));
	CHECK_EQ(-LINUX_EISDIR, fs_rename(NULL, "/tmp/g", NULL, "/tmp/d"));
	CHECK_EQ(-LINUX_ENOENT, fs_rename(NULL, "/tmp/none", NULL, "/tmp/h"));
	CHECK_EQ(-LINUX_EBUSY, fs_rename(NULL, "/", NULL, "/tmp/root"));
	CHECK_EQ(0, fs_rename(NULL, "/tmp/d", NULL, "/tmp/e/../k"));
	CHECK(lists("/tmp", "k"));
}

UNIT_TEST(fs_readdir_gives_dot_dotdot_then_every_child_once)
{
	struct fs_node *d;
	const char *name;
	uint64_t ino, count = 0;
	enum fs_kind kind;

	fs_fresh();
	CHECK_EQ(0, fs_lookup(NULL, "/dev", true, &d));
	CHECK(fs_readdir(d, 0, &name, &ino, &kind));
	CHECK_STR(".", name);
	CHECK_EQ(FS_DIR, kind);
	CHECK(fs_readdir(d, 1, &name, &ino, &kind));
	CHECK_STR("..", name);
	while (fs_readdir(d, 2 + count, &name, &ino, &kind))
		count++;
	CHECK_EQ(3, count);                                  /* console, null, zero */
	CHECK(lists("/dev", "zero") && lists("/dev", "console") && !lists("/dev", "tmp"));
}

UNIT_TEST(fs_path_names_a_directory_and_knows_its_limits)
{
	char buf[32];
	struct fs_node *d;

	fs_fresh();
	CHECK_EQ(0, fs_mkdir(NULL, "/tmp/deep", 0755));
	CHECK_EQ(0, fs_lookup(NULL, "/tmp/deep", true, &d));
	CHECK_EQ(9, fs_path(d, buf, sizeof buf));
	CHECK_STR("/tmp/deep", buf);
	CHECK_EQ(1, fs_path(fs_root(), buf, sizeof buf));
	CHECK_STR("/", buf);
	CHECK_EQ(-LINUX_ERANGE, fs_path(d, buf, 9));          /* no room for the NUL */
	fs_hold(d);
	CHECK_EQ(0, fs_rmdir(NULL, "/tmp/deep"));
	CHECK_EQ(-LINUX_ENOENT, fs_path(d, buf, sizeof buf)); /* removed, still held */
	fs_release(d);
}

/* test_linux.c: host tests for the harness's Linux baseline pieces: the newc
 * cpio writer (read back with Debian's cpio(1)), the root archive spec and
 * the carving of a bzImage into a PVH-bootable vmlinux (on fake bzImages
 * built here around an xz payload made by xz(1)), and machlab run's checks
 * and streaming (against a fake QEMU). Nothing is downloaded.
 * Every harness source but main.c is linked in. Prints "ok name", "FAIL
 * name: why" or "skip name: why" per test and ends with exactly
 * "N passed, N failed, N skipped". */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_rootfs.h"
#include "cmd_run.h"
#include "cmd_test.h"
#include "cpio.h"
#include "harness_check.h"
#include "linux_carve.h"
#include "linux_pkg.h"
#include "proc.h"
#include "rootfs.h"
#include "strlist.h"

#define SH_TIMEOUT_MS 30000 /* any one shell command of a test */
#define ERR_BYTES 1024

/* ---- helpers ---- */

/* Collects a child's output lines into a strlist. */
static void lines_collect(void *ctx, const char *line)
{
	strlist_push(ctx, line);
}

/* Runs script with sh -c; its output lines go to out (if not NULL).
 * Returns its exit status, or -1 if it did not exit normally. */
static int sh_run(const char *script, struct strlist *out)
{
	char *argv[] = { "sh", "-c", (char *)script, NULL };
	struct strlist ignored = { 0 };
	struct proc_spec spec = { .argv = argv, .timeout_ms = SH_TIMEOUT_MS,
				  .on_line = lines_collect, .ctx = out ? out : &ignored };
	struct proc_status st;
	int rc = proc_run(&spec, &st);
	strlist_free(&ignored);
	return rc == 0 && st.exited ? st.exit_code : -1;
}

/* Returns the line of list ending in " suffix", or "" if none does. */
static const char *line_ending_with(const struct strlist *list, const char *suffix)
{
	size_t n = strlen(suffix);
	for (size_t i = 0; i < list->count; i++) {
		size_t len = strlen(list->items[i]);
		if (len > n && strcmp(list->items[i] + len - n, suffix) == 0 &&
		    list->items[i][len - n - 1] == ' ')
			return list->items[i];
	}
	return "";
}

/* True when cpio(1) is installed; otherwise marks the test skipped. */
static bool cpio_tool_present(void)
{
	char path[PATH_MAX];
	if (proc_path_resolve("cpio", path, sizeof path) == 0)
		return true;
	test_skipped = true;
	snprintf(test_why, sizeof test_why, "cpio(1) is not installed (Debian package cpio)");
	return false;
}

/* Writes a to path; returns cpio_write's result. */
static int archive_to_file(const struct cpio_archive *a, const char *path)
{
	char err[ERR_BYTES];
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int rc = cpio_write(a, f, err, sizeof err);
	if (rc < 0)
		expect_fail(__LINE__, path, "cpio_write: %s", err);
	fclose(f);
	return rc;
}

/* ---- cpio ---- */

/* Builds the archive the cpio tests share: every kind of entry, implicit
 * parents, a directory named after its children, odd sizes. */
static void sample_archive(struct cpio_archive *a)
{
	char err[ERR_BYTES];
	file_write(tmp_path("host-prog"), "#!/bin/sh\necho prog\n", 0755);
	EXPECT_INT(0, cpio_add_data(a, "/etc/machlab/run.argv", 0644, "a\nbb\n", 5, err, sizeof err));
	EXPECT_INT(0, cpio_add_dir(a, "/etc", 0700, err, sizeof err));
	EXPECT_INT(0, cpio_add_host_file(a, "/bin/prog", 0755, tmp_path("host-prog"), err, sizeof err));
	EXPECT_INT(0, cpio_add_symlink(a, "/bin/sh", "busybox", err, sizeof err));
	EXPECT_INT(0, cpio_add_node(a, "/dev/console", 'c', 5, 1, 0600, err, sizeof err));
	EXPECT_INT(0, cpio_add_node(a, "dev/sda", 'b', 8, 0, 0660, err, sizeof err));
	EXPECT_INT(0, cpio_add_dir(a, "/tmp", 01777, err, sizeof err));
	EXPECT_INT(0, cpio_add_data(a, "/empty", 0600, "", 0, err, sizeof err));
}

static void cpio_archive_lists_in_order_with_types_and_targets(void)
{
	static const char *const names[] = {
		"etc", "etc/machlab", "etc/machlab/run.argv", "bin", "bin/prog", "bin/sh",
		"dev", "dev/console", "dev/sda", "tmp", "empty",
	};
	static const struct { const char *suffix, *prefix; } types[] = {
		{ "etc", "drwx------   2" }, { "etc/machlab", "drwxr-xr-x   2" },
		{ "etc/machlab/run.argv", "-rw-r--r--   1" }, { "bin/sh -> busybox", "lrwxrwxrwx   1" },
		{ "dev/console", "crw-------   1" }, { "dev/sda", "brw-rw----   1" },
		{ "tmp", "drwxrwxrwt" },
	};
	if (!cpio_tool_present())
		return;
	struct cpio_archive a = { 0 };
	sample_archive(&a);
	EXPECT_INT(0, archive_to_file(&a, tmp_path("sample.cpio")));
	cpio_free(&a);
	struct strlist list = { 0 }, verbose = { 0 };
	char cmd[PATH_MAX * 2];
	snprintf(cmd, sizeof cmd, "cpio -t --quiet < %s", tmp_path("sample.cpio"));
	EXPECT_INT(0, sh_run(cmd, &list));
	EXPECT_INT(sizeof names / sizeof names[0], list.count);
	for (size_t i = 0; i < list.count && i < sizeof names / sizeof names[0]; i++)
		EXPECT_STR(names[i], list.items[i]);
	snprintf(cmd, sizeof cmd, "cpio -tv --quiet < %s", tmp_path("sample.cpio"));
	EXPECT_INT(0, sh_run(cmd, &verbose));
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		EXPECT_CONTAINS(line_ending_with(&verbose, types[i].suffix), types[i].prefix);
	EXPECT_CONTAINS(line_ending_with(&verbose, "dev/console"), " 5,   1 ");
	strlist_free(&list);
	strlist_free(&verbose);
}

static void cpio_archive_extracts_file_contents(void)
{
	if (!cpio_tool_present())
		return;
	struct cpio_archive a = { 0 };
	sample_archive(&a);
	EXPECT_INT(0, archive_to_file(&a, tmp_path("extract.cpio")));
	cpio_free(&a);
	mkdir(tmp_path("x"), 0755);
	char cmd[PATH_MAX * 3];
	snprintf(cmd, sizeof cmd, "cd %s && cpio -id --quiet 'etc/*' 'bin/*' empty < %s",
		 tmp_path("x"), tmp_path("extract.cpio"));
	EXPECT_INT(0, sh_run(cmd, NULL));
	char *argv_text = file_read(tmp_path("x/etc/machlab/run.argv"));
	char *prog = file_read(tmp_path("x/bin/prog"));
	EXPECT_STR("a\nbb\n", argv_text);
	EXPECT_STR("#!/bin/sh\necho prog\n", prog);
	char target[64] = "";
	ssize_t n = readlink(tmp_path("x/bin/sh"), target, sizeof target - 1);
	EXPECT_STR("busybox", n > 0 ? target : "(no link)");
	struct stat st;
	EXPECT_INT(0, stat(tmp_path("x/empty"), &st));
	EXPECT_INT(0, st.st_size);
	free(argv_text);
	free(prog);
}

/* Writes a to a memory buffer; returns it (malloc'd) and its size. */
static char *archive_to_memory(const struct cpio_archive *a, size_t *bytes)
{
	char *buf = NULL, err[ERR_BYTES];
	FILE *mem = open_memstream(&buf, bytes);
	EXPECT_INT(0, cpio_write(a, mem, err, sizeof err));
	fclose(mem);
	return buf;
}

static void cpio_output_is_byte_identical_and_block_padded(void)
{
	struct cpio_archive a = { 0 };
	sample_archive(&a);
	size_t first_bytes, second_bytes;
	char *first = archive_to_memory(&a, &first_bytes);
	char *second = archive_to_memory(&a, &second_bytes);
	EXPECT_INT(first_bytes, second_bytes);
	EXPECT_TRUE(first_bytes == second_bytes && memcmp(first, second, first_bytes) == 0);
	EXPECT_INT(0, first_bytes % 512);
	/* The first header: magic, inode 1, a directory 0700, uid/gid 0, nlink 2, mtime 0. */
	EXPECT_TRUE(first_bytes > 110 &&
		    memcmp(first, "070701" "00000001" "000041C0" "00000000" "00000000" "00000002"
			   "00000000", 6 + 6 * 8) == 0);
	cpio_free(&a);
	free(first);
	free(second);
}

/* Checks that adding fails with an error containing why and adds nothing. */
static void expect_refused(int line, struct cpio_archive *a, int rc, const char *err,
			   const char *why, size_t count_before)
{
	if (rc != -1)
		expect_fail(line, why, "expected the add to fail, got %d", rc);
	expect_contains(line, "err", err, why);
	if (a->count != count_before)
		expect_fail(line, why, "expected %zu entries got %zu", count_before, a->count);
}

static void cpio_refuses_bad_paths_modes_and_duplicates(void)
{
	struct cpio_archive a = { 0 };
	char err[ERR_BYTES], long_path[CPIO_PATH_MAX_BYTES + 8];
	memset(long_path, 'x', sizeof long_path - 1);
	long_path[sizeof long_path - 1] = '\0';
	EXPECT_INT(0, cpio_add_data(&a, "/f", 0644, "x", 1, err, sizeof err));
	EXPECT_INT(0, cpio_add_dir(&a, "/d", 0755, err, sizeof err));
	size_t n = a.count;
#define REFUSED(call, why) expect_refused(__LINE__, &a, (call), err, why, n)
	REFUSED(cpio_add_dir(&a, "", 0755, err, sizeof err), "empty path");
	REFUSED(cpio_add_dir(&a, "/", 0755, err, sizeof err), "empty path");
	REFUSED(cpio_add_dir(&a, "/a/../b", 0755, err, sizeof err), "'..' component");
	REFUSED(cpio_add_dir(&a, "/a/./b", 0755, err, sizeof err), "'.' component");
	REFUSED(cpio_add_dir(&a, "/a//b", 0755, err, sizeof err), "empty path component");
	REFUSED(cpio_add_dir(&a, "/a/", 0755, err, sizeof err), "empty path component");
	REFUSED(cpio_add_dir(&a, long_path, 0755, err, sizeof err), "longer than 256 bytes");
	REFUSED(cpio_add_dir(&a, "/m", 010755, err, sizeof err), "mode 10755 has bits outside");
	REFUSED(cpio_add_data(&a, "f", 0644, "y", 1, err, sizeof err), "'f': already in the archive");
	REFUSED(cpio_add_dir(&a, "/d", 0700, err, sizeof err), "'/d': already in the archive");
	REFUSED(cpio_add_dir(&a, "/f", 0755, err, sizeof err), "already in the archive");
	REFUSED(cpio_add_symlink(&a, "/f/g", "x", err, sizeof err), "parent 'f' is not a directory");
	REFUSED(cpio_add_symlink(&a, "/s", "", err, sizeof err), "symlink target");
	REFUSED(cpio_add_node(&a, "/n", 'x', 1, 1, 0600, err, sizeof err), "neither 'c' nor 'b'");
	REFUSED(cpio_add_node(&a, "/n", 'c', 4096, 1, 0600, err, sizeof err), "out of range");
	REFUSED(cpio_add_host_file(&a, "/h", 0644, tmp_path("no-such-file"), err, sizeof err),
		"no-such-file: No such file or directory");
	REFUSED(cpio_add_host_file(&a, "/h", 0644, tmp_dir, err, sizeof err), "not a regular file");
#undef REFUSED
	cpio_free(&a);
}

static void cpio_write_names_a_host_file_that_changed(void)
{
	struct cpio_archive a = { 0 };
	char err[ERR_BYTES] = "";
	file_write(tmp_path("shrinks"), "0123456789", 0644);
	EXPECT_INT(0, cpio_add_host_file(&a, "/s", 0644, tmp_path("shrinks"), err, sizeof err));
	file_write(tmp_path("shrinks"), "01", 0644);
	FILE *f = fopen("/dev/null", "w");
	EXPECT_INT(-1, cpio_write(&a, f, err, sizeof err));
	fclose(f);
	EXPECT_CONTAINS(err, "shrinks: changed size from 10 to 2 bytes");
	cpio_free(&a);
}

/* ---- rootfs spec ---- */

static void rootfs_spec_builds_the_archive_it_lists(void)
{
	if (!cpio_tool_present())
		return;
	mkdir(tmp_path("base"), 0755);
	mkdir(tmp_path("base/src"), 0755);
	file_write(tmp_path("base/src/init"), "init!\n", 0755);
	file_write(tmp_path("spec"),
		   "# the test's root\n\n"
		   "dir   /dev 0755\n"
		   "nod   /dev/console c 5 1 0600   # the console\n"
		   "file  /init src/init 0755\n"
		   "\tslink /bin/sh\tbusybox\n"
		   "dir   /bin 0755\n", 0644);
	struct rootfs r = { 0 };
	char err[ERR_BYTES] = "";
	EXPECT_INT(0, rootfs_spec_read(tmp_path("spec"), tmp_path("base"), &r, err, sizeof err));
	EXPECT_STR("", err);
	EXPECT_INT(0, rootfs_add_data(&r, "/etc/machlab/run.argv", "x\n", 2, 0644, err, sizeof err));
	EXPECT_INT(-1, rootfs_add_data(&r, "relative", "x\n", 2, 0644, err, sizeof err));
	EXPECT_CONTAINS(err, "'relative': path must be absolute");
	EXPECT_INT(0, rootfs_write(&r, tmp_path("root.cpio"), err, sizeof err));
	rootfs_free(&r);
	struct strlist list = { 0 };
	char cmd[PATH_MAX * 2];
	snprintf(cmd, sizeof cmd, "cpio -t --quiet < %s | tr '\\n' ' '", tmp_path("root.cpio"));
	EXPECT_INT(0, sh_run(cmd, &list));
	EXPECT_STR("dev dev/console init bin bin/sh etc etc/machlab etc/machlab/run.argv ",
		   list.count ? list.items[0] : "");
	strlist_free(&list);
	char *args[] = { "rootfs", "--spec", (char *)tmp_path("spec"), "--base",
			 (char *)tmp_path("base"), "--out", (char *)tmp_path("cmd.cpio"), NULL };
	char *out = NULL;
	EXPECT_INT(0, main_capture(cmd_rootfs_main, args, "rootfs-out.txt", &out));
	EXPECT_CONTAINS(out, "5 entries from");
	free(out);
}

static void rootfs_spec_errors_name_the_spec_and_line(void)
{
	static const struct { const char *line, *why; } bad[] = {
		{ "frob /x 0755", "unknown kind 'frob' (dir, file, slink or nod)" },
		{ "dir /x", "'dir' takes 2 fields after the kind, got 1 (dir <path> <mode>)" },
		{ "file /x a b c", "'file' takes 3 fields after the kind, got 4" },
		{ "slink /x", "'slink' takes 2 fields" },
		{ "nod /x c 1 2", "'nod' takes 5 fields" },
		{ "dir /x 0799", "bad mode '0799' (octal, at most 7777)" },
		{ "dir /x 17777", "bad mode '17777'" },
		{ "dir /x rwx", "bad mode 'rwx'" },
		{ "dir x 0755", "'x': path must be absolute" },
		{ "dir /a/../b 0755", "'/a/../b': path has a '..' component" },
		{ "file /x missing.txt 0644", "/missing.txt: No such file or directory" },
		{ "nod /dev/x q 1 2 0600", "bad device type 'q' (c or b)" },
		{ "nod /dev/x c one 2 0600", "bad major number 'one'" },
		{ "nod /dev/x c 1 -2 0600", "bad minor number '-2'" },
		{ "dir /init 0755", "'/init': already in the archive" },
	};
	file_write(tmp_path("init-src"), "x", 0644);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[256], err[ERR_BYTES] = "", prefix[PATH_MAX];
		snprintf(text, sizeof text, "# comment\n\nfile /init init-src 0755\n%s\n", bad[i].line);
		file_write(tmp_path("bad-spec"), text, 0644);
		struct rootfs r = { 0 };
		EXPECT_INT(-1, rootfs_spec_read(tmp_path("bad-spec"), tmp_dir, &r, err, sizeof err));
		snprintf(prefix, sizeof prefix, "%s:4: ", tmp_path("bad-spec"));
		EXPECT_TRUE(strncmp(err, prefix, strlen(prefix)) == 0);
		EXPECT_CONTAINS(err, bad[i].why);
		rootfs_free(&r);
	}
	char err[ERR_BYTES] = "";
	struct rootfs r = { 0 };
	EXPECT_INT(-1, rootfs_spec_read(tmp_path("no-spec"), tmp_dir, &r, err, sizeof err));
	EXPECT_CONTAINS(err, "no-spec: No such file or directory");
}

/* ---- carving ---- */

#define FAKE_SETUP_SECTS 2      /* protected-mode code at (2 + 1) * 512 */
#define FAKE_PAYLOAD_OFFSET 100 /* payload this far into the protected-mode code */
#define FAKE_TAIL_BYTES 300     /* decompressor code after the payload, as in a real one */
#define FAKE_PROTOCOL 0x020f
#define FAKE_IMAGE_MAX_BYTES 65536

/* Appends the ELF note (name, type, a 4-byte desc) at p; returns its bytes. */
static size_t note_put(unsigned char *p, const char *name, uint32_t type)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1, descsz = 4, desc = 0x1000000;
	size_t name_padded = (namesz + 3) & ~3u;
	memcpy(p, &namesz, 4);
	memcpy(p + 4, &descsz, 4);
	memcpy(p + 8, &type, 4);
	memset(p + 12, 0, name_padded);
	memcpy(p + 12, name, namesz);
	memcpy(p + 12 + name_padded, &desc, 4);
	return 12 + name_padded + 4;
}

/* Writes a small fake kernel ELF64 to path: a PT_LOAD and a PT_NOTE segment
 * holding a GNU build-id-like note, then the Xen note of type pvh_type
 * (18 is the PVH entry; anything else leaves the kernel without one). */
static void fake_elf_write(const char *path, uint32_t pvh_type)
{
	unsigned char image[1024] = { 0 };
	Elf64_Ehdr eh = { .e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
			  .e_entry = 0x1000000, .e_phoff = sizeof eh, .e_ehsize = sizeof eh,
			  .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 2 };
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	size_t notes_at = sizeof eh + 2 * sizeof(Elf64_Phdr);
	size_t notes = note_put(image + notes_at, "GNU", NT_GNU_BUILD_ID);
	notes += note_put(image + notes_at + notes, "Xen", pvh_type);
	Elf64_Phdr ph[2] = {
		{ .p_type = PT_LOAD, .p_offset = 0, .p_filesz = notes_at + notes },
		{ .p_type = PT_NOTE, .p_offset = notes_at, .p_filesz = notes },
	};
	memcpy(image, &eh, sizeof eh);
	memcpy(image + sizeof eh, ph, sizeof ph);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(image, 1, notes_at + notes, f) != notes_at + notes || fclose(f) != 0)
		expect_fail(__LINE__, path, "cannot write %s", path);
}

/* Reads the whole file at path into buf; returns its size (0 if unreadable). */
static size_t bytes_read(const char *path, unsigned char *buf, size_t max)
{
	FILE *f = fopen(path, "rb");
	size_t got = f ? fread(buf, 1, max, f) : 0;
	if (f)
		fclose(f);
	return got;
}

/* Writes a fake bzImage to path around the payload in payload_path (boot
 * protocol version given). Returns the file's size. */
static size_t fake_bzimage_write(const char *path, const char *payload_path, unsigned version)
{
	static unsigned char image[FAKE_IMAGE_MAX_BYTES];
	size_t start = (FAKE_SETUP_SECTS + 1) * 512 + FAKE_PAYLOAD_OFFSET;
	memset(image, 0xcc, sizeof image);
	size_t length = bytes_read(payload_path, image + start, sizeof image - start - FAKE_TAIL_BYTES);
	EXPECT_TRUE(length > 0);
	uint32_t offset = FAKE_PAYLOAD_OFFSET, length32 = (uint32_t)length;
	image[0x1f1] = FAKE_SETUP_SECTS;
	memcpy(image + 0x202, "HdrS", 4);
	image[0x206] = version & 0xff;
	image[0x207] = version >> 8;
	memcpy(image + 0x248, &offset, 4);
	memcpy(image + 0x24c, &length32, 4);
	bytes_write(path, image, start + length + FAKE_TAIL_BYTES);
	return start + length + FAKE_TAIL_BYTES;
}

/* Makes name.elf (with the PVH note or not), name.xz and name.bzImage. */
static size_t fake_kernel_make(const char *name, bool pvh)
{
	char elf[PATH_MAX], xz[PATH_MAX], bz[PATH_MAX], cmd[PATH_MAX * 2 + 64];
	snprintf(elf, sizeof elf, "%s.elf", tmp_path(name));
	snprintf(xz, sizeof xz, "%s.xz", tmp_path(name));
	snprintf(bz, sizeof bz, "%s.bzImage", tmp_path(name));
	fake_elf_write(elf, pvh ? 18 : 17);
	snprintf(cmd, sizeof cmd, "xz -c --format=xz --check=crc32 %s > %s", elf, xz);
	EXPECT_INT(0, sh_run(cmd, NULL));
	return fake_bzimage_write(bz, xz, FAKE_PROTOCOL);
}

static void carve_fake_bzimage_gives_its_elf(void)
{
	char err[ERR_BYTES] = "", cmd[PATH_MAX * 2];
	fake_kernel_make("good", true);
	EXPECT_INT(0, linux_carve(tmp_path("good.bzImage"), tmp_path("vmlinux"), err, sizeof err));
	EXPECT_STR("", err);
	snprintf(cmd, sizeof cmd, "cmp %s %s", tmp_path("good.elf"), tmp_path("vmlinux"));
	EXPECT_INT(0, sh_run(cmd, NULL));
	EXPECT_TRUE(access(tmp_path("vmlinux.tmp"), F_OK) < 0);
	EXPECT_TRUE(access(tmp_path("vmlinux.payload.tmp"), F_OK) < 0);
	EXPECT_INT(0, linux_pvh_check(tmp_path("vmlinux"), err, sizeof err));
}

/* Carves bz into tmp_dir/old-out (which holds "old") and checks the error is
 * "<bz>: <why>..." and old-out is untouched. */
static void expect_carve_refused(int line, const char *bz, const char *why)
{
	char err[ERR_BYTES] = "", expected[ERR_BYTES];
	file_write(tmp_path("old-out"), "old", 0644);
	if (linux_carve(bz, tmp_path("old-out"), err, sizeof err) != -1)
		expect_fail(line, bz, "expected the carve to fail (%s)", why);
	snprintf(expected, sizeof expected, "%s: %s", bz, why);
	if (strncmp(err, expected, strlen(expected)) != 0)
		expect_fail(line, bz, "expected \"%s...\" got \"%s\"", expected, err);
	char *old = file_read(tmp_path("old-out"));
	expect_str(line, "old-out", "old", old);
	free(old);
	if (access(tmp_path("old-out.tmp"), F_OK) == 0 ||
	    access(tmp_path("old-out.payload.tmp"), F_OK) == 0)
		expect_fail(line, bz, "a temporary was left behind");
}
#define EXPECT_CARVE_REFUSED(bz, why) expect_carve_refused(__LINE__, bz, why)

static void carve_refuses_truncated_and_foreign_files(void)
{
	static unsigned char image[FAKE_IMAGE_MAX_BYTES];
	char why[256];
	size_t bytes = fake_kernel_make("cut", true);
	bytes_read(tmp_path("cut.bzImage"), image, sizeof image);
	bytes_write(tmp_path("cut.bzImage"), image, bytes - FAKE_TAIL_BYTES - 10);
	snprintf(why, sizeof why, "truncated: payload ends at byte %zu but the file has %zu",
		 bytes - FAKE_TAIL_BYTES, bytes - FAKE_TAIL_BYTES - 10);
	EXPECT_CARVE_REFUSED(tmp_path("cut.bzImage"), why);
	bytes_write(tmp_path("short.bzImage"), image, 0x240);
	EXPECT_CARVE_REFUSED(tmp_path("short.bzImage"),
			     "truncated: the boot header ends at byte 592 but the file has 576");
	EXPECT_CARVE_REFUSED(tmp_path("cut.elf"), "not a Linux bzImage (no HdrS magic at 0x202)");
	for (size_t i = 0; i < 4096; i++)
		image[i] = (unsigned char)(i * 7 + 3);
	bytes_write(tmp_path("random"), image, 4096);
	EXPECT_CARVE_REFUSED(tmp_path("random"), "not a Linux bzImage (no HdrS magic at 0x202)");
	fake_bzimage_write(tmp_path("old.bzImage"), tmp_path("cut.xz"), 0x0205);
	EXPECT_CARVE_REFUSED(tmp_path("old.bzImage"), "boot protocol 2.05 has no payload fields");
	char err[ERR_BYTES] = "";
	EXPECT_INT(-1, linux_carve(tmp_path("nothing"), tmp_path("old-out"), err, sizeof err));
	EXPECT_CONTAINS(err, "nothing: No such file or directory");
}

static void carve_refuses_other_compressions_bad_xz_and_noteless_kernels(void)
{
	static const unsigned char zstd[] = { 0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0 };
	static const unsigned char bad_xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0, 1, 2, 3, 4, 5, 6 };
	char cmd[PATH_MAX * 2];
	fake_elf_write(tmp_path("gz.elf"), 18);
	snprintf(cmd, sizeof cmd, "gzip -c %s > %s", tmp_path("gz.elf"), tmp_path("gz.gz"));
	EXPECT_INT(0, sh_run(cmd, NULL));
	fake_bzimage_write(tmp_path("gz.bzImage"), tmp_path("gz.gz"), FAKE_PROTOCOL);
	EXPECT_CARVE_REFUSED(tmp_path("gz.bzImage"), "payload is gzip, not xz");
	bytes_write(tmp_path("zstd"), zstd, sizeof zstd);
	fake_bzimage_write(tmp_path("zstd.bzImage"), tmp_path("zstd"), FAKE_PROTOCOL);
	EXPECT_CARVE_REFUSED(tmp_path("zstd.bzImage"), "payload is zstd, not xz");
	bytes_write(tmp_path("bad-xz"), bad_xz, sizeof bad_xz);
	fake_bzimage_write(tmp_path("bad-xz.bzImage"), tmp_path("bad-xz"), FAKE_PROTOCOL);
	EXPECT_CARVE_REFUSED(tmp_path("bad-xz.bzImage"), "xz -dc failed on the payload");
	fake_kernel_make("noteless", false);
	EXPECT_CARVE_REFUSED(tmp_path("noteless.bzImage"),
			     "decompressed kernel has no PVH entry note");
	snprintf(cmd, sizeof cmd, "xz -c %s > %s", tmp_path("noteless.bzImage"),
		 tmp_path("not-elf.xz"));
	EXPECT_INT(0, sh_run(cmd, NULL));
	fake_bzimage_write(tmp_path("not-elf.bzImage"), tmp_path("not-elf.xz"), FAKE_PROTOCOL);
	EXPECT_CARVE_REFUSED(tmp_path("not-elf.bzImage"), "decompressed kernel is not an ELF file");
}

/* ---- packages and VERSION ---- */

static void linux_version_read_gives_one_csv_token(void)
{
	struct linux_pkg kernel = { .name = "linux-image-6.1.0-57-amd64", .version = "6.1.192-3" };
	struct linux_pkg busybox = { .name = "busybox-static", .version = "1:1.35.0-4+deb12u1+b1" };
	char text[512], token[128] = "";
	EXPECT_INT(0, linux_version_text(&kernel, &busybox, text, sizeof text));
	EXPECT_STR("linux-image-6.1.0-57-amd64 6.1.192-3\nbusybox-static 1:1.35.0-4+deb12u1+b1\n",
		   text);
	mkdir(tmp_path("ver"), 0755);
	file_write(tmp_path("ver/VERSION"), text, 0644);
	EXPECT_INT(0, linux_version_read(tmp_path("ver"), token, sizeof token));
	EXPECT_STR("linux-image-6.1.0-57-amd64=6.1.192-3", token);
	file_write(tmp_path("ver/VERSION"), "linux-image-x 6.1,\"2\"\n", 0644);
	EXPECT_INT(-EINVAL, linux_version_read(tmp_path("ver"), token, sizeof token));
	file_write(tmp_path("ver/VERSION"), "linux-image-x\n", 0644);
	EXPECT_INT(-EINVAL, linux_version_read(tmp_path("ver"), token, sizeof token));
	EXPECT_INT(-ENOENT, linux_version_read(tmp_path("no-ver"), token, sizeof token));
}

static void linux_pkg_deb_path_spells_the_epoch_like_apt(void)
{
	struct linux_pkg busybox = { .name = "busybox-static", .version = "1:1.35.0-4+deb12u1+b1" };
	char path[PATH_MAX];
	EXPECT_INT(0, linux_pkg_deb_path(&busybox, "/c", path, sizeof path));
	EXPECT_STR("/c/busybox-static_1%3a1.35.0-4+deb12u1+b1_amd64.deb", path);
	EXPECT_INT(-1, linux_pkg_deb_path(&busybox, "/c", path, 20));
}

/* ---- driver ---- */


/* ---- machlab run ---- */

/* A scratch path as an argv element (tmp_path's strings live for the run). */
#define TMP_ARG(name) ((char *)tmp_path(name))

/* Writes a minimal ELF64 executable header to path with one program header
 * of type phdr_type, and class elf_class. */
static void program_elf_write(const char *path, uint32_t phdr_type, unsigned char elf_class)
{
	unsigned char image[sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr)] = { 0 };
	Elf64_Ehdr eh = { .e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
			  .e_phoff = sizeof eh, .e_ehsize = sizeof eh,
			  .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 1 };
	Elf64_Phdr ph = { .p_type = phdr_type };
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = elf_class;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	memcpy(image, &eh, sizeof eh);
	memcpy(image + sizeof eh, &ph, sizeof ph);
	bytes_write(path, image, sizeof image);
}

/* Checks that run_program_check refuses path with a message holding why. */
static void expect_program_refused(int line, const char *path, const char *why)
{
	char err[ERR_BYTES] = "";
	int rc = run_program_check(path, err, sizeof err);
	expect_int(line, "run_program_check < 0", 1, rc < 0);
	expect_contains(line, "error", err, why);
}

static void run_accepts_only_static_x86_64_elf(void)
{
	char err[ERR_BYTES] = "";
	program_elf_write(tmp_path("static"), PT_LOAD, ELFCLASS64);
	EXPECT_INT(0, run_program_check(tmp_path("static"), err, sizeof err));
	program_elf_write(tmp_path("dynamic"), PT_INTERP, ELFCLASS64);
	expect_program_refused(__LINE__, tmp_path("dynamic"), "dynamically linked");
	program_elf_write(tmp_path("elf32"), PT_LOAD, ELFCLASS32);
	expect_program_refused(__LINE__, tmp_path("elf32"), "not an x86-64");
	file_write(tmp_path("script"), "#!/bin/sh\necho hi\n", 0755);
	expect_program_refused(__LINE__, tmp_path("script"), "not an ELF file");
	bytes_write(tmp_path("short"), (const unsigned char *)ELFMAG, SELFMAG);
	expect_program_refused(__LINE__, tmp_path("short"), "not an ELF file");
	expect_program_refused(__LINE__, tmp_path("missing"), "No such file");
}

/* Makes a fake Linux target in tmp "lt" (an empty vmlinux) and an empty root spec. */
static void fake_linux_target(void)
{
	mkdir(tmp_path("lt"), 0755);
	file_write(tmp_path("lt/vmlinux"), "", 0644);
	file_write(tmp_path("root.spec"), "dir /tmp 1777\n", 0644);
}

/* Runs "machlab run" with args (NULL-terminated, argv[0] "run"); returns its
 * exit status and its output in *out (freed by the caller). */
static int run_capture(char **args, char **out)
{
	return main_capture(cmd_run_main, args, "run.out", out);
}

static void run_refuses_bad_arguments_with_a_clear_error(void)
{
	char *out = NULL;
	fake_linux_target();
	program_elf_write(tmp_path("static"), PT_LOAD, ELFCLASS64);
	program_elf_write(tmp_path("dynamic"), PT_INTERP, ELFCLASS64);
	char *none[] = { "run", NULL };
	EXPECT_INT(CMD_EXIT_USAGE, run_capture(none, &out));
	expect_contains(__LINE__, "output", out, "name a program after --");
	free(out);
	char *bad_timeout[] = { "run", "--timeout", "soon", "--", TMP_ARG("static"), NULL };
	EXPECT_INT(CMD_EXIT_USAGE, run_capture(bad_timeout, &out));
	expect_contains(__LINE__, "output", out, "bad number");
	free(out);
	mkdir(tmp_path("not-linux"), 0755);
	char *not_linux[] = { "run", "--target", TMP_ARG("not-linux"), "--", TMP_ARG("static"), NULL };
	EXPECT_INT(CMD_EXIT_USAGE, run_capture(not_linux, &out));
	expect_contains(__LINE__, "output", out, "is not a target (neither vmlinux nor kernel.elf)");
	free(out);
	int fd = open(tmp_path("not-linux/kernel.elf"), O_CREAT | O_WRONLY, 0644);
	EXPECT_TRUE(fd >= 0);
	close(fd);
	char *no_unix_run[] = { "run", "--target", TMP_ARG("not-linux"), "--unix-run",
				TMP_ARG("no-unix-run"), "--", TMP_ARG("static"), NULL };
	EXPECT_INT(CMD_EXIT_USAGE, run_capture(no_unix_run, &out));
	expect_contains(__LINE__, "output", out, "no-unix-run: No such file or directory (make builds it)");
	free(out);
	char *lt = TMP_ARG("lt"), *spec = TMP_ARG("root.spec");
	char *dynamic[] = { "run", "--target", lt, "--spec", spec, "--", TMP_ARG("dynamic"), NULL };
	EXPECT_INT(CMD_EXIT_USAGE, run_capture(dynamic, &out));
	expect_contains(__LINE__, "output", out, "dynamically linked");
	free(out);
	char *no_file[] = { "run", "--target", lt, "--spec", spec, "--file", TMP_ARG("nothing"),
			    "--", TMP_ARG("static"), NULL };
	EXPECT_INT(CMD_EXIT_USAGE, run_capture(no_file, &out));
	expect_contains(__LINE__, "output", out, "nothing: No such file");
	free(out);
	char *relative[] = { "run", "--target", lt, "--spec", spec, "--file", "x:etc/x", "--",
			     TMP_ARG("static"), NULL };
	EXPECT_INT(CMD_EXIT_USAGE, run_capture(relative, &out));
	expect_contains(__LINE__, "output", out, "an absolute path");
	free(out);
}

/* A fake QEMU that checks the archive holds the program and its argv, then
 * prints what /init would: boot noise, the start record, the program's
 * output (the last line unfinished) and the exit record. */
static const char fake_run_qemu_text[] =
	"#!/bin/sh\n"
	"while [ $# -gt 0 ]; do case $1 in -initrd) initrd=$2;; -append) append=$2;; esac; "
	"shift; done\n"
	"case $append in *' -- run') ;; *) echo \"bad append: $append\"; exit 9;; esac\n"
	"cpio -t < \"$initrd\" 2>/dev/null | grep -qx bin/static || { echo no program; exit 9; }\n"
	"cpio -i --to-stdout etc/machlab/run.argv < \"$initrd\" 2>/dev/null | tr '\\0' '|' "
	"> \"$(dirname \"$0\")/argv.seen\"\n"
	"echo 'kernel noise'\n"
	"printf '\\001MACHLAB run start\\nhello\\npartial\\001MACHLAB exit 3\\n'\n"
	"exit 1\n";

static void run_streams_the_program_and_returns_its_status(void)
{
	if (access("/usr/bin/cpio", X_OK) < 0 && access("/bin/cpio", X_OK) < 0) {
		test_skipped = true;
		snprintf(test_why, sizeof test_why, "cpio(1) is not installed");
		return;
	}
	char *out = NULL;
	fake_linux_target();
	program_elf_write(tmp_path("static"), PT_LOAD, ELFCLASS64);
	file_write(tmp_path("fake-run-qemu"), fake_run_qemu_text, 0755);
	char *lt = TMP_ARG("lt"), *spec = TMP_ARG("root.spec"), *qemu = TMP_ARG("fake-run-qemu");
	char *args[] = { "run", "--target", lt, "--spec", spec, "--qemu", qemu, "--",
			 TMP_ARG("static"), "a b", "", "c", NULL };
	EXPECT_INT(3, run_capture(args, &out));
	EXPECT_STR("hello\npartial", out);
	free(out);
	char *seen = file_read(tmp_path("argv.seen"));
	EXPECT_STR("/bin/static|a b||c|", seen);
	free(seen);
}

static const struct check_test tests[] = {
	TEST(cpio_archive_lists_in_order_with_types_and_targets),
	TEST(cpio_archive_extracts_file_contents),
	TEST(cpio_output_is_byte_identical_and_block_padded),
	TEST(cpio_refuses_bad_paths_modes_and_duplicates),
	TEST(cpio_write_names_a_host_file_that_changed),
	TEST(rootfs_spec_builds_the_archive_it_lists),
	TEST(rootfs_spec_errors_name_the_spec_and_line),
	TEST(carve_fake_bzimage_gives_its_elf),
	TEST(carve_refuses_truncated_and_foreign_files),
	TEST(carve_refuses_other_compressions_bad_xz_and_noteless_kernels),
	TEST(linux_version_read_gives_one_csv_token),
	TEST(linux_pkg_deb_path_spells_the_epoch_like_apt),
	TEST(run_accepts_only_static_x86_64_elf),
	TEST(run_refuses_bad_arguments_with_a_clear_error),
	TEST(run_streams_the_program_and_returns_its_status),
};

/* Runs every test in a fresh scratch directory. */
int main(void)
{
	return check_main(tests, sizeof tests / sizeof tests[0], "/tmp/machlab-linux-test-", NULL,
			  true);
}

/* test_linux.c: host tests for the harness's Linux baseline pieces: the newc
 * cpio writer (read back with Debian's cpio(1)), the root archive spec and
 * the carving of a bzImage into a PVH-bootable vmlinux (on fake bzImages
 * built here around an xz payload made by xz(1)). Nothing is downloaded.
 * Every harness source but main.c is linked in. Prints "ok name", "FAIL
 * name: why" or "skip name: why" per test and ends with exactly
 * "N passed, N failed, N skipped". */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_rootfs.h"
#include "cpio.h"
#include "harness_check.h"
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

/* Checks haystack contains needle. */
static void expect_contains(int line, const char *expr, const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		expect_fail(line, expr, "expected \"...%s...\" got \"%s\"", needle, haystack);
}
#define EXPECT_CONTAINS(haystack, needle) expect_contains(__LINE__, #haystack, haystack, needle)

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

/* ---- driver ---- */

static const struct check_test tests[] = {
	TEST(cpio_archive_lists_in_order_with_types_and_targets),
	TEST(cpio_archive_extracts_file_contents),
	TEST(cpio_output_is_byte_identical_and_block_padded),
	TEST(cpio_refuses_bad_paths_modes_and_duplicates),
	TEST(cpio_write_names_a_host_file_that_changed),
	TEST(rootfs_spec_builds_the_archive_it_lists),
	TEST(rootfs_spec_errors_name_the_spec_and_line),
};

/* Runs every test in a fresh scratch directory. */
int main(void)
{
	return check_main(tests, sizeof tests / sizeof tests[0], "/tmp/machlab-linux-test-", NULL,
			  true);
}

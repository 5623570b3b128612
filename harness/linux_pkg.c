/* linux_pkg.c: the Debian side of the Linux baseline (see linux_pkg.h):
 * asking apt-cache for versions, apt-get download into the cache, pulling
 * one member out of a .deb, and the VERSION file's text. Every external
 * program runs through proc_capture with names passed as positional
 * parameters of "sh -c", never pasted into the script, so no quoting can
 * go wrong. */
#include "linux_pkg.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"
#include "proc.h"
#include "strlist.h"

#define PKG_EPOCH_ESCAPE "%3a" /* apt's file names spell an epoch's ':' so */
#define PKG_LINE_MAX_BYTES 512
#define PKG_VERSION_TOKEN_CHARS \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+-~:"

/* Returns the last output line of a command, for error messages. */
static const char *pkg_last_line(const struct strlist *lines)
{
	return lines->count ? lines->items[lines->count - 1] : "(no output)";
}

/* Copies into out the rest of the first line of lines[from, to) that
 * starts (after blanks) with key, blanks trimmed. Returns 0, or -1 if no
 * line does. */
static int pkg_field(const struct strlist *lines, size_t from, size_t to, const char *key,
		     char *out, size_t out_bytes)
{
	size_t key_len = strlen(key);
	for (size_t i = from; i < to && i < lines->count; i++) {
		const char *s = lines->items[i] + strspn(lines->items[i], " \t");
		if (strncmp(s, key, key_len) != 0)
			continue;
		s += key_len + strspn(s + key_len, " \t");
		size_t len = strlen(s);
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			len--;
		snprintf(out, out_bytes, "%.*s", (int)len, s);
		return 0;
	}
	return -1;
}

/* True when line starts a package's section in apt-cache output: "name:"
 * (policy) or "Package: name" (show); with name NULL, any package's. */
static bool pkg_section_starts(const char *line, const char *name)
{
	size_t len = strlen(line);
	bool policy = len > 1 && line[len - 1] == ':' && !strpbrk(line, " \t");
	if (policy)
		return !name || (strlen(name) == len - 1 && strncmp(line, name, len - 1) == 0);
	if (strncmp(line, "Package: ", 9) != 0)
		return false;
	return !name || strcmp(line + 9, name) == 0;
}

/* Finds, in the output of apt-cache about several packages, the value of
 * key in name's first section. Returns 0, or -1 if there is none. */
static int pkg_section_field(const struct strlist *lines, const char *name, const char *key,
			     char *out, size_t out_bytes)
{
	for (size_t i = 0; i < lines->count; i++) {
		if (!pkg_section_starts(lines->items[i], name))
			continue;
		size_t end = i + 1;
		while (end < lines->count && !pkg_section_starts(lines->items[end], NULL))
			end++;
		return pkg_field(lines, i + 1, end, key, out, out_bytes);
	}
	return -1;
}

/* Runs "apt-cache <verb> <args>..." (at most two), its output lines into
 * lines. Returns the exit code (-1: did not run or exit). */
static int pkg_apt_cache(const char *verb, const char *arg1, const char *arg2,
			 struct strlist *lines)
{
	char *argv[] = { "apt-cache", (char *)verb, (char *)arg1, (char *)arg2, NULL };
	return proc_capture(argv, LINUX_PKG_APT_TIMEOUT_MS, lines);
}

/* Reads the candidate version of pkg->name from apt-cache policy output.
 * Returns 0, or LINUX_PKG_UNKNOWN when apt has none. */
static int pkg_candidate(const struct strlist *policy, struct linux_pkg *pkg, char *err,
			 size_t err_bytes)
{
	if (pkg_section_field(policy, pkg->name, "Candidate:", pkg->version,
			      sizeof pkg->version) < 0 ||
	    strcmp(pkg->version, "(none)") == 0 || pkg->version[0] == '\0') {
		errmsg_fail(err, err_bytes, "apt knows no installable version of %s", pkg->name);
		return LINUX_PKG_UNKNOWN;
	}
	return 0;
}

/* Reads the kernel package the metapackage depends on from the "Depends:
 * linux-image-6.1.0-57-amd64 (= 6.1.192-3)" of apt-cache show output. */
static int pkg_kernel_depends(const struct strlist *show, const char *meta_spec,
			      struct linux_pkg *kernel, char *err, size_t err_bytes)
{
	char depends[PKG_LINE_MAX_BYTES] = "";
	pkg_field(show, 0, show->count, "Depends:", depends, sizeof depends);
	size_t prefix_len = strlen(LINUX_PKG_KERNEL_PREFIX), name_len = strcspn(depends, " ,(|");
	const char *exact = strstr(depends, "(= ");
	size_t version_len = exact ? strcspn(exact + 3, ")") : 0;
	if (strncmp(depends, LINUX_PKG_KERNEL_PREFIX, prefix_len) != 0 ||
	    name_len >= sizeof kernel->name || !exact || exact - depends != (long)name_len + 1 ||
	    version_len == 0 || version_len >= sizeof kernel->version)
		return errmsg_fail(err, err_bytes, "%s depends on no exact version of a %s* package "
				"(Depends: \"%s\")", meta_spec, LINUX_PKG_KERNEL_PREFIX, depends);
	snprintf(kernel->name, sizeof kernel->name, "%.*s", (int)name_len, depends);
	snprintf(kernel->version, sizeof kernel->version, "%.*s", (int)version_len, exact + 3);
	return 0;
}

/* Resolves the two packages: busybox-static's candidate version, and the
 * kernel package the candidate of the linux-image-amd64 metapackage depends
 * on, at the exact version it names ("linux-image-6.1.0-57-amd64 (=
 * 6.1.192-3)"). Sizes are left 0 (linux_pkg_sizes). Returns 0,
 * LINUX_PKG_UNKNOWN when apt knows neither (no package lists), or -1. */
int linux_pkg_resolve(struct linux_pkg *kernel, struct linux_pkg *busybox, char *err,
		      size_t err_bytes)
{
	struct linux_pkg meta = { .name = LINUX_PKG_KERNEL_META };
	*kernel = (struct linux_pkg){ 0 };
	*busybox = (struct linux_pkg){ .name = LINUX_PKG_BUSYBOX };
	struct strlist lines = { 0 };
	int code = pkg_apt_cache("policy", meta.name, busybox->name, &lines);
	int rc = code != 0 ? errmsg_fail(err, err_bytes, "apt-cache policy failed (exit %d): %s",
				      code, pkg_last_line(&lines)) :
			     pkg_candidate(&lines, &meta, err, err_bytes);
	if (rc == 0)
		rc = pkg_candidate(&lines, busybox, err, err_bytes);
	strlist_free(&lines);
	if (rc != 0)
		return rc;
	char spec[sizeof meta.name + sizeof meta.version + 1];
	snprintf(spec, sizeof spec, "%s=%s", meta.name, meta.version);
	code = pkg_apt_cache("show", spec, NULL, &lines);
	rc = code != 0 ? errmsg_fail(err, err_bytes, "apt-cache show %s failed (exit %d): %s", spec,
				  code, pkg_last_line(&lines)) :
			 pkg_kernel_depends(&lines, spec, kernel, err, err_bytes);
	strlist_free(&lines);
	return rc;
}

/* Fills the deb_bytes of the two packages from the archive index (one
 * apt-cache show of both exact versions). */
int linux_pkg_sizes(struct linux_pkg *kernel, struct linux_pkg *busybox, char *err,
		    size_t err_bytes)
{
	struct linux_pkg *pkgs[] = { kernel, busybox };
	char specs[2][LINUX_PKG_NAME_MAX_BYTES + LINUX_PKG_VERSION_MAX_BYTES + 1];
	for (size_t i = 0; i < 2; i++)
		snprintf(specs[i], sizeof specs[i], "%s=%s", pkgs[i]->name, pkgs[i]->version);
	struct strlist lines = { 0 };
	int code = pkg_apt_cache("show", specs[0], specs[1], &lines), rc = 0;
	for (size_t i = 0; i < 2 && rc == 0; i++) {
		char size[32] = "", *end = NULL;
		if (code == 0 && pkg_section_field(&lines, pkgs[i]->name, "Size:", size,
						   sizeof size) == 0)
			pkgs[i]->deb_bytes = strtoull(size, &end, 10);
		if (code != 0 || !end || *end != '\0' || pkgs[i]->deb_bytes == 0)
			rc = errmsg_fail(err, err_bytes, "apt-cache show %s gave no Size (exit %d): %s",
				      specs[i], code, pkg_last_line(&lines));
	}
	strlist_free(&lines);
	return rc;
}

/* Runs "apt-get update -qq" once, for a machine whose package lists are
 * missing; only root may, so anyone else is told to. */
int linux_pkg_apt_update(char *err, size_t err_bytes)
{
	if (geteuid() != 0)
		return errmsg_fail(err, err_bytes, "apt's package lists look missing and only root "
				"can fetch them: run 'sudo apt-get update', then this again");
	char *argv[] = { "apt-get", "update", "-qq", NULL };
	struct strlist lines = { 0 };
	int code = proc_capture(argv, LINUX_PKG_UPDATE_TIMEOUT_MS, &lines);
	if (code != 0)
		errmsg_fail(err, err_bytes, "apt-get update failed (exit %d): %s", code,
			 pkg_last_line(&lines));
	strlist_free(&lines);
	return code == 0 ? 0 : -1;
}

/* Writes into path where apt-get download puts pkg's .deb in cache_dir:
 * "<name>_<version>_amd64.deb", an epoch's ':' spelt "%3a". Returns 0, or
 * -1 if it does not fit. */
int linux_pkg_deb_path(const struct linux_pkg *pkg, const char *cache_dir, char *path,
		       size_t path_bytes)
{
	char version[LINUX_PKG_VERSION_MAX_BYTES * 3] = "";
	for (const char *v = pkg->version; *v; v++) {
		size_t used = strlen(version);
		snprintf(version + used, sizeof version - used, "%s",
			 *v == ':' ? PKG_EPOCH_ESCAPE : (char[]){ *v, '\0' });
	}
	int n = snprintf(path, path_bytes, "%s/%s_%s_%s.deb", cache_dir, pkg->name, version,
			 LINUX_PKG_ARCH);
	return n > 0 && (size_t)n < path_bytes ? 0 : -1;
}

/* Returns the size of the file at path, or -1 if there is none. */
static long long pkg_file_bytes(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) ? (long long)st.st_size : -1;
}

/* Makes sure pkg's .deb is in cache_dir: a file of the index's size is
 * taken as it is (*cached), anything else is fetched with apt-get download
 * run in cache_dir. */
int linux_pkg_download(const struct linux_pkg *pkg, const char *cache_dir, bool *cached,
		       char *err, size_t err_bytes)
{
	char path[PATH_MAX], spec[sizeof pkg->name + sizeof pkg->version + 1];
	if (linux_pkg_deb_path(pkg, cache_dir, path, sizeof path) < 0)
		return errmsg_fail(err, err_bytes, "%s: cache path too long", cache_dir);
	*cached = pkg_file_bytes(path) == (long long)pkg->deb_bytes;
	if (*cached)
		return 0;
	unlink(path); /* a partial download of an earlier run */
	snprintf(spec, sizeof spec, "%s=%s", pkg->name, pkg->version);
	char *argv[] = { "sh", "-c", "cd \"$1\" && exec apt-get download -q \"$2\"", "sh",
			 (char *)cache_dir, spec, NULL };
	struct strlist lines = { 0 };
	int code = proc_capture(argv, LINUX_PKG_DOWNLOAD_TIMEOUT_MS, &lines);
	long long got = pkg_file_bytes(path);
	int rc = 0;
	if (code != 0)
		rc = errmsg_fail(err, err_bytes, "apt-get download %s in %s failed (exit %d): %s", spec,
			      cache_dir, code, pkg_last_line(&lines));
	else if (got != (long long)pkg->deb_bytes)
		rc = errmsg_fail(err, err_bytes, "apt-get download %s left %s with %lld bytes, not the "
			      "%llu the archive index gives", spec, path, got,
			      (unsigned long long)pkg->deb_bytes);
	strlist_free(&lines);
	return rc;
}

/* Writes the member (e.g. "./bin/busybox") of the .deb's data archive to
 * out_path with the given mode, atomically ("<out>.tmp" renamed), without
 * unpacking anything else. */
int linux_pkg_extract(const char *deb_path, const char *member, const char *out_path,
		      unsigned mode, char *err, size_t err_bytes)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", out_path) >= (int)sizeof tmp)
		return errmsg_fail(err, err_bytes, "%s: path too long", out_path);
	char *argv[] = { "bash", "-c",
			 "set -o pipefail; dpkg-deb --fsys-tarfile \"$1\" | tar -xOf - \"$2\" > \"$3\"",
			 "bash", (char *)deb_path, (char *)member, tmp, NULL };
	struct strlist lines = { 0 };
	int code = proc_capture(argv, LINUX_PKG_EXTRACT_TIMEOUT_MS, &lines);
	int rc = 0;
	if (code != 0)
		rc = errmsg_fail(err, err_bytes, "%s: cannot extract %s (exit %d): %s", deb_path,
			      member, code, pkg_last_line(&lines));
	else if (pkg_file_bytes(tmp) <= 0)
		rc = errmsg_fail(err, err_bytes, "%s: %s is empty", deb_path, member);
	else if (chmod(tmp, mode) < 0 || rename(tmp, out_path) < 0)
		rc = errmsg_fail(err, err_bytes, "%s: %s", out_path, strerror(errno));
	if (rc < 0)
		unlink(tmp);
	strlist_free(&lines);
	return rc;
}

/* Writes the VERSION file's text for the two packages into text. Returns 0,
 * or -1 if it does not fit. */
int linux_version_text(const struct linux_pkg *kernel, const struct linux_pkg *busybox,
		       char *text, size_t text_bytes)
{
	int n = snprintf(text, text_bytes, "%s %s\n%s %s\n", kernel->name, kernel->version,
			 busybox->name, busybox->version);
	return n > 0 && (size_t)n < text_bytes ? 0 : -1;
}

/* Reads the kernel line of out_dir's VERSION file into kernel_token as one
 * CSV-safe token, "linux-image-6.1.0-57-amd64=6.1.192-3". Returns 0, -errno
 * when the file cannot be read, or -EINVAL when its first line is not
 * "<package> <version>" in Debian's characters. */
int linux_version_read(const char *out_dir, char *kernel_token, size_t token_bytes)
{
	char path[PATH_MAX], line[PKG_LINE_MAX_BYTES] = "";
	snprintf(path, sizeof path, "%s/%s", out_dir, LINUX_PKG_VERSION_FILE);
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	bool got = fgets(line, sizeof line, f) != NULL;
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	char *space = strchr(line, ' ');
	if (!got || !space || space == line || space[1] == '\0')
		return -EINVAL;
	*space = '=';
	if (strspn(line, PKG_VERSION_TOKEN_CHARS "=") != strlen(line) || strchr(space + 1, '='))
		return -EINVAL;
	if ((size_t)snprintf(kernel_token, token_bytes, "%s", line) >= token_bytes)
		return -ENAMETOOLONG;
	return 0;
}

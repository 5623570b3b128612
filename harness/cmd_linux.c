/* cmd_linux.c: "machlab linux-fetch [--cache DIR] --out DIR": fetches the
 * Linux baseline's kernel and busybox. Resolves the current Debian 12
 * kernel package and busybox-static with apt-cache (running apt-get update
 * once if apt knows nothing; two apt-cache runs when all is up to date, as
 * each may take half a second where apt keeps no binary cache), downloads the two .deb files into the cache
 * unless they are there, pulls /boot/vmlinuz-<release> and /bin/busybox out
 * of them, carves the vmlinux out of the bzImage and writes out/vmlinux,
 * out/busybox and out/VERSION (written last: its presence means the other two
 * match it). Does nothing when VERSION already names the resolved versions. */
#include "cmd_linux.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "cmd_test.h"
#include "errmsg.h"
#include "linux_carve.h"
#include "linux_pkg.h"
#include "proc.h"
#include "report.h"

#define FETCH_CACHE_UNDER_HOME ".cache/machlab/debian" /* the default cache, under $HOME */
#define FETCH_ERR_MAX_BYTES 2048
#define FETCH_VERSION_MAX_BYTES 512
#define FETCH_BUSYBOX_MEMBER "./bin/busybox"
#define FETCH_KERNEL_MEMBER_DIR "./boot/vmlinuz-" /* + the kernel release */
#define FETCH_BUSYBOX_MODE 0755
#define FETCH_VERSION_MODE 0644
#define FETCH_DIR_MODE 0755
#define BYTES_PER_MB 1e6

static const char fetch_usage[] = "usage: machlab linux-fetch [--cache DIR] --out DIR\n"
				  "  (the cache defaults to $HOME/" FETCH_CACHE_UNDER_HOME ")\n";

/* Where the fetch works: the cache and out directories. */
struct fetch_dirs {
	char cache[PATH_MAX];
	const char *out;
};

/* Makes dir and its missing parents, like mkdir -p. */
static int fetch_mkdir_p(const char *dir, char *err, size_t err_bytes)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s", dir);
	for (char *p = path + 1;; p++) {
		bool end = *p == '\0';
		if (*p != '/' && !end)
			continue;
		*p = '\0';
		if (mkdir(path, FETCH_DIR_MODE) < 0 && errno != EEXIST)
			return errmsg_fail(err, err_bytes, "cannot make directory %s: %s", path,
					  strerror(errno));
		if (end)
			return 0;
		*p = '/';
	}
}

/* Resolves the kernel and busybox packages, running apt-get update once
 * when apt knows no kernel (a machine without package lists). */
static int fetch_resolve(struct linux_pkg *kernel, struct linux_pkg *busybox, char *err,
			 size_t err_bytes)
{
	report_line("machlab linux-fetch: resolving %s and %s with apt-cache",
		    LINUX_PKG_KERNEL_META, LINUX_PKG_BUSYBOX);
	int rc = linux_pkg_resolve(kernel, busybox, err, err_bytes);
	if (rc == LINUX_PKG_UNKNOWN) {
		report_line("machlab linux-fetch: %s; running apt-get update -qq", err);
		if (linux_pkg_apt_update(err, err_bytes) < 0)
			return -1;
		rc = linux_pkg_resolve(kernel, busybox, err, err_bytes);
	}
	return rc == 0 ? 0 : -1;
}

/* True when out already holds vmlinux, busybox and a VERSION of exactly text. */
static bool fetch_up_to_date(const char *out, const char *text)
{
	static const char *const names[] = { "vmlinux", "busybox" };
	char path[PATH_MAX], have[FETCH_VERSION_MAX_BYTES] = "";
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", out, names[i]);
		if (access(path, R_OK) < 0)
			return false;
	}
	snprintf(path, sizeof path, "%s/%s", out, LINUX_PKG_VERSION_FILE);
	FILE *f = fopen(path, "r");
	size_t got = f ? fread(have, 1, sizeof have - 1, f) : 0;
	if (f)
		fclose(f);
	have[got] = '\0';
	return strcmp(have, text) == 0;
}

/* Puts pkg's .deb into the cache, saying whether it downloads or reuses it. */
static int fetch_deb(const struct linux_pkg *pkg, const struct fetch_dirs *dirs, char *deb,
		     size_t deb_bytes, char *err, size_t err_bytes)
{
	if (linux_pkg_deb_path(pkg, dirs->cache, deb, deb_bytes) < 0)
		return errmsg_fail(err, err_bytes, "%s: cache path too long", dirs->cache);
	struct stat st;
	if (stat(deb, &st) < 0 || (uint64_t)st.st_size != pkg->deb_bytes)
		report_line("machlab linux-fetch: downloading %s %s (%.1f MB) into %s", pkg->name,
			    pkg->version, (double)pkg->deb_bytes / BYTES_PER_MB, dirs->cache);
	bool cached = false;
	if (linux_pkg_download(pkg, dirs->cache, &cached, err, err_bytes) < 0)
		return -1;
	if (cached)
		report_line("machlab linux-fetch: using the cached %s", deb);
	return 0;
}

/* Fetches the kernel .deb, extracts its bzImage into the cache and carves
 * out/vmlinux from it. */
static int fetch_kernel(const struct linux_pkg *kernel, const struct fetch_dirs *dirs,
			char *err, size_t err_bytes)
{
	char deb[PATH_MAX], member[PATH_MAX], bzimage[PATH_MAX], vmlinux[PATH_MAX];
	if (fetch_deb(kernel, dirs, deb, sizeof deb, err, err_bytes) < 0)
		return -1;
	const char *release = kernel->name + strlen(LINUX_PKG_KERNEL_PREFIX);
	snprintf(member, sizeof member, FETCH_KERNEL_MEMBER_DIR "%s", release);
	if (snprintf(bzimage, sizeof bzimage, "%s/vmlinuz-%s", dirs->cache, release) >=
		    (int)sizeof bzimage ||
	    snprintf(vmlinux, sizeof vmlinux, "%s/vmlinux", dirs->out) >= (int)sizeof vmlinux)
		return errmsg_fail(err, err_bytes, "%s or %s: path too long", dirs->cache, dirs->out);
	report_line("machlab linux-fetch: extracting %s", member);
	if (linux_pkg_extract(deb, member, bzimage, FETCH_VERSION_MODE, err, err_bytes) < 0)
		return -1;
	report_line("machlab linux-fetch: decompressing the kernel into %s", vmlinux);
	return linux_carve(bzimage, vmlinux, err, err_bytes);
}

/* Fetches the busybox .deb and extracts its busybox into out/busybox. */
static int fetch_busybox(const struct linux_pkg *busybox, const struct fetch_dirs *dirs,
			 char *err, size_t err_bytes)
{
	char deb[PATH_MAX], out[PATH_MAX];
	if (fetch_deb(busybox, dirs, deb, sizeof deb, err, err_bytes) < 0)
		return -1;
	snprintf(out, sizeof out, "%s/busybox", dirs->out);
	report_line("machlab linux-fetch: extracting %s into %s", FETCH_BUSYBOX_MEMBER, out);
	return linux_pkg_extract(deb, FETCH_BUSYBOX_MEMBER, out, FETCH_BUSYBOX_MODE, err,
				 err_bytes);
}

/* Does the fetch into dirs; VERSION goes first (a half-done out directory
 * never claims a version) and comes back last. */
static int fetch_run(const struct fetch_dirs *dirs, char *err, size_t err_bytes)
{
	struct linux_pkg kernel, busybox;
	char text[FETCH_VERSION_MAX_BYTES], path[PATH_MAX];
	int64_t start_ms = proc_clock_ms();
	if (fetch_mkdir_p(dirs->cache, err, err_bytes) < 0 ||
	    fetch_mkdir_p(dirs->out, err, err_bytes) < 0 ||
	    fetch_resolve(&kernel, &busybox, err, err_bytes) < 0)
		return -1;
	linux_version_text(&kernel, &busybox, text, sizeof text);
	if (fetch_up_to_date(dirs->out, text)) {
		report_line("machlab linux-fetch: %s is up to date (%s %s, %s %s)", dirs->out,
			    kernel.name, kernel.version, busybox.name, busybox.version);
		return 0;
	}
	snprintf(path, sizeof path, "%s/%s", dirs->out, LINUX_PKG_VERSION_FILE);
	unlink(path);
	if (linux_pkg_sizes(&kernel, &busybox, err, err_bytes) < 0 ||
	    fetch_kernel(&kernel, dirs, err, err_bytes) < 0 ||
	    fetch_busybox(&busybox, dirs, err, err_bytes) < 0)
		return -1;
	int rc = atomic_file_write(path, text, FETCH_VERSION_MODE);
	if (rc < 0)
		return errmsg_fail(err, err_bytes, "%s: %s", path, strerror(-rc));
	report_line("machlab linux-fetch: %s has vmlinux, busybox and VERSION (%s %s, %s %s) "
		    "after %.1f s", dirs->out, kernel.name, kernel.version, busybox.name,
		    busybox.version, (double)(proc_clock_ms() - start_ms) / 1000);
	return 0;
}

/* Entry point of "machlab linux-fetch"; argv[0] is "linux-fetch". Returns
 * the exit status. */
int cmd_linux_fetch_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cache", required_argument, NULL, 'c' }, { "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct fetch_dirs dirs = { .out = NULL };
	const char *cache = NULL, *home = getenv("HOME");
	bool bad = false;
	optind = 1;
	for (int c; !bad && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1;) {
		if (c == 'c')
			cache = optarg;
		else if (c == 'o')
			dirs.out = optarg;
		else
			bad = true;
	}
	if (cache)
		snprintf(dirs.cache, sizeof dirs.cache, "%s", cache);
	else if (home && home[0])
		snprintf(dirs.cache, sizeof dirs.cache, "%s/%s", home, FETCH_CACHE_UNDER_HOME);
	if (bad || optind != argc || !dirs.out || !dirs.cache[0]) {
		fputs(fetch_usage, stderr);
		return CMD_EXIT_USAGE;
	}
	atomic_file_signals_install();
	char err[FETCH_ERR_MAX_BYTES];
	if (fetch_run(&dirs, err, sizeof err) < 0) {
		fprintf(stderr, "machlab linux-fetch: %s\n", err);
		return CMD_EXIT_FAILED;
	}
	return CMD_EXIT_OK;
}

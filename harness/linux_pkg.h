/* linux_pkg.h: the Debian packages of the Linux baseline — the current
 * Debian 12 amd64 kernel (the dependency of the linux-image-amd64
 * metapackage) and busybox-static. Versions come from apt-cache; .deb files
 * are fetched with "apt-get download" into a cache directory outside the git
 * tree (nothing is installed on the host); single members are pulled out of
 * a .deb with dpkg-deb and tar. The out directory's VERSION file records the
 * exact packages, two lines "<package> <version>" (kernel, then busybox).
 * Functions return 0 or -1 with a message in err, except where noted. */
#ifndef MACHLAB_LINUX_PKG_H
#define MACHLAB_LINUX_PKG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINUX_PKG_KERNEL_META "linux-image-amd64"
#define LINUX_PKG_KERNEL_PREFIX "linux-image-" /* the kernel package: prefix + kernel release */
#define LINUX_PKG_BUSYBOX "busybox-static"
#define LINUX_PKG_ARCH "amd64"
#define LINUX_PKG_NAME_MAX_BYTES 128
#define LINUX_PKG_VERSION_MAX_BYTES 128
#define LINUX_PKG_VERSION_FILE "VERSION"
#define LINUX_PKG_APT_TIMEOUT_MS 60000         /* apt-cache queries */
#define LINUX_PKG_UPDATE_TIMEOUT_MS 600000     /* apt-get update */
#define LINUX_PKG_DOWNLOAD_TIMEOUT_MS 1800000  /* apt-get download of one .deb */
#define LINUX_PKG_EXTRACT_TIMEOUT_MS 300000    /* dpkg-deb | tar over a whole .deb */
#define LINUX_PKG_UNKNOWN (-2) /* apt has no candidate: the package lists may be missing */

struct linux_pkg {
	char name[LINUX_PKG_NAME_MAX_BYTES];       /* "linux-image-6.1.0-57-amd64" */
	char version[LINUX_PKG_VERSION_MAX_BYTES]; /* "6.1.192-3", epoch included */
	uint64_t deb_bytes;                        /* the .deb's size per the archive index */
};

int linux_pkg_resolve(struct linux_pkg *kernel, struct linux_pkg *busybox, char *err,
		      size_t err_bytes);
int linux_pkg_sizes(struct linux_pkg *kernel, struct linux_pkg *busybox, char *err,
		    size_t err_bytes);
int linux_pkg_apt_update(char *err, size_t err_bytes);
int linux_pkg_deb_path(const struct linux_pkg *pkg, const char *cache_dir, char *path,
		       size_t path_bytes);
int linux_pkg_download(const struct linux_pkg *pkg, const char *cache_dir, bool *cached,
		       char *err, size_t err_bytes);
int linux_pkg_extract(const char *deb_path, const char *member, const char *out_path,
		      unsigned mode, char *err, size_t err_bytes);
int linux_version_text(const struct linux_pkg *kernel, const struct linux_pkg *busybox,
		       char *text, size_t text_bytes);
int linux_version_read(const char *out_dir, char *kernel_token, size_t token_bytes);

#endif

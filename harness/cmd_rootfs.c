/* cmd_rootfs.c: "machlab rootfs --spec FILE [--base DIR] --out FILE": builds
 * the cpio archive a spec describes (rootfs.h), host sources relative to the
 * base directory (default: the current one), and writes it atomically. */
#include "cmd_rootfs.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cmd_test.h"
#include "report.h"
#include "rootfs.h"

#define ROOTFS_ERR_MAX_BYTES 1024

static const char rootfs_usage[] =
	"usage: machlab rootfs --spec FILE [--base DIR] --out FILE\n";

/* Entry point of "machlab rootfs"; argv[0] is "rootfs". Returns the exit status. */
int cmd_rootfs_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "spec", required_argument, NULL, 's' }, { "base", required_argument, NULL, 'b' },
		{ "out", required_argument, NULL, 'o' }, { NULL, 0, NULL, 0 },
	};
	const char *spec = NULL, *base = ".", *out = NULL;
	bool bad = false;
	optind = 1;
	for (int c; !bad && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1;) {
		if (c == 's')
			spec = optarg;
		else if (c == 'b')
			base = optarg;
		else if (c == 'o')
			out = optarg;
		else
			bad = true;
	}
	if (bad || optind != argc || !spec || !out) {
		fputs(rootfs_usage, stderr);
		return CMD_EXIT_USAGE;
	}
	struct rootfs rootfs = { 0 };
	char err[ROOTFS_ERR_MAX_BYTES];
	int rc = rootfs_spec_read(spec, base, &rootfs, err, sizeof err);
	if (rc == 0)
		rc = rootfs_write(&rootfs, out, err, sizeof err);
	if (rc < 0)
		fprintf(stderr, "machlab rootfs: %s\n", err);
	else
		report_line("machlab rootfs: %s: %zu entries from %s", out, rootfs.archive.count,
			    spec);
	rootfs_free(&rootfs);
	return rc == 0 ? CMD_EXIT_OK : CMD_EXIT_USAGE;
}

/* cmd_run.c: "machlab run [options] -- PROGRAM [ARG...]": the user-facing way
 * to try a program. It checks that PROGRAM is a static x86-64 ELF, packs it
 * into a root archive (the suite's spec, bench/unix/ROOT, plus the program as
 * /bin/<name>, the --file extras and /etc/machlab/run.argv), boots the target
 * with /init in "run" mode, streams what the program prints (stdout and
 * stderr share the one console) and exits with the program's exit status.
 * A microkernel target boots unix-run with the same archive as its second
 * module; unix-run starts the archive's /init in "run" mode under the Unix
 * server (user/unix-run/main.c), so both kinds of target run the same /init
 * and print the same records. */
#include "cmd_run.h"

#include <elf.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_test.h"
#include "linux_boot.h"
#include "qemu.h"
#include "rootfs.h"
#include "target.h"

#define RUN_TARGET_DEFAULT "linux"
#define RUN_BUILD_DIR "build"      /* a target named without a '/' is build/<name> */
#define RUN_SPEC_DEFAULT "bench/unix/ROOT"
#define RUN_UNIX_RUN_DEFAULT "build/user/unix-run.elf"
#define RUN_UNIX_RUN_ARGS "--file /init run" /* unix-run's: the archive's /init, run mode */
#define RUN_TIMEOUT_DEFAULT_S 600
#define RUN_TIMEOUT_MAX_S (INT_MAX / 1000)
#define RUN_ERR_MAX_BYTES 512
#define RUN_ARCHIVE_DIR "/bin"     /* where the program goes in the archive */
#define RUN_FILE_DIR "/"           /* where a --file goes unless it names a place */
#define RUN_FILE_MODE 0644
#define RUN_PROGRAM_MODE 0755
#define RUN_ARGV_MODE 0644
#define RUN_ARGV_MAX_BYTES (64 * 1024 - 1) /* the argv file: /init reads less than 64 KiB */

struct run_options {
	const char *target, *spec, *qemu_path;
	const char *unix_run;    /* a microkernel target's boot program */
	long timeout_s;
	bool verbose;            /* also print the kernel's boot output */
	char **files;            /* --file HOST[:PATH] */
	size_t file_count;
	char **argv;             /* the program and its arguments */
	int argc;
};

/* What the serial line callback knows. */
struct run_stream {
	bool verbose;
	bool started;            /* /init said the program starts */
	bool ended;              /* an exit, signal or error record arrived */
	int status;              /* the exit status to return */
};

static const char run_usage[] =
	"usage: machlab run [--target NAME|DIR] [--file HOST[:PATH]]... [--timeout SECONDS]\n"
	"                   [--spec PATH] [--verbose] [--qemu PATH] [--unix-run PATH]\n"
	"                   -- PROGRAM [ARG...]\n"
	"  PROGRAM must be a static x86-64 ELF; it runs as /bin/<its name> on the target\n"
	"  (default: linux, i.e. build/linux from make linux-target; a microkernel target\n"
	"  such as default runs it under the Unix server, booted by --unix-run, default\n"
	"  " RUN_UNIX_RUN_DEFAULT ").\n";

/* Checks that path is a static x86-64 ELF executable. Returns 0, or -errno /
 * -ENOEXEC with err saying what is wrong. */
int run_program_check(const char *path, char *err, size_t err_bytes)
{
	Elf64_Ehdr eh;
	FILE *f = fopen(path, "re");
	if (!f) {
		int rc = -errno;
		snprintf(err, err_bytes, "%s: %s", path, strerror(-rc));
		return rc;
	}
	const char *why = NULL;
	if (fread(&eh, sizeof eh, 1, f) != 1 || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		why = "not an ELF file";
	else if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
		 eh.e_machine != EM_X86_64)
		why = "not an x86-64 (64-bit little-endian) ELF";
	else if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		why = "not an executable (an object file or core?)";
	else if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0)
		why = "has no usable program headers";
	for (unsigned i = 0; !why && i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (fseek(f, (long)(eh.e_phoff + (Elf64_Off)i * sizeof ph), SEEK_SET) < 0 ||
		    fread(&ph, sizeof ph, 1, f) != 1)
			why = "is truncated (program headers past its end)";
		else if (ph.p_type == PT_INTERP)
			why = "is dynamically linked (it names an interpreter); build it with "
			      "-static, e.g. musl-gcc -static";
	}
	fclose(f);
	if (why) {
		snprintf(err, err_bytes, "%s: %s", path, why);
		return -ENOEXEC;
	}
	return 0;
}

/* Fills opt from the command line. Returns 0, or -EINVAL after printing why. */
static int run_options_parse(int argc, char **argv, struct run_options *opt)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' }, { "file", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 'T' }, { "spec", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' }, { "qemu", required_argument, NULL, 'q' },
		{ "unix-run", required_argument, NULL, 'u' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*opt = (struct run_options){ .target = RUN_TARGET_DEFAULT, .spec = RUN_SPEC_DEFAULT,
				     .qemu_path = QEMU_DEFAULT_BINARY, .unix_run = RUN_UNIX_RUN_DEFAULT,
				     .timeout_s = RUN_TIMEOUT_DEFAULT_S };
	opt->files = calloc((size_t)argc + 1, sizeof *opt->files);
	if (!opt->files)
		return -ENOMEM;
	optind = 1;
	for (int c; (c = getopt_long(argc, argv, "+", longopts, NULL)) != -1;) {
		bool ok = true;
		switch (c) {
		case 't': opt->target = optarg; break;
		case 'f': opt->files[opt->file_count++] = optarg; break;
		case 's': opt->spec = optarg; break;
		case 'v': opt->verbose = true; break;
		case 'q': opt->qemu_path = optarg; break;
		case 'u': opt->unix_run = optarg; break;
		case 'T':
			ok = cmd_number_parse(optarg, RUN_TIMEOUT_MAX_S, &opt->timeout_s);
			if (!ok)
				fprintf(stderr, "machlab run: bad number \"%s\"\n", optarg);
			break;
		default: ok = false; break;
		}
		if (!ok) {
			fputs(run_usage, stderr);
			return -EINVAL;
		}
	}
	opt->argv = argv + optind;
	opt->argc = argc - optind;
	if (opt->argc < 1) {
		fprintf(stderr, "machlab run: name a program after --\n%s", run_usage);
		return -EINVAL;
	}
	return 0;
}

/* Returns the malloc'd directory of the target opt names: NAME is build/NAME,
 * anything with a '/' is a directory. */
static char *run_target_dir(const struct run_options *opt)
{
	return strchr(opt->target, '/') ? strdup(opt->target) : path_join(RUN_BUILD_DIR, opt->target);
}

/* Returns the last component of path (its name in /bin). */
static const char *run_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* Adds "--file HOST[:PATH]" to root: at PATH, or at /<name of HOST>. Returns
 * 0, or -errno with err set. */
static int run_file_add(struct rootfs *root, const char *spec, char *err, size_t err_bytes)
{
	const char *colon = strchr(spec, ':');
	char *host = colon ? strndup(spec, (size_t)(colon - spec)) : strdup(spec);
	char *where = !host ? NULL : colon ? strdup(colon + 1)
				 : path_join(RUN_FILE_DIR, run_basename(host));
	int rc = 0;
	if (!host || !where) {
		snprintf(err, err_bytes, "out of memory");
		rc = -ENOMEM;
	} else if (!host[0] || where[0] != '/') {
		snprintf(err, err_bytes, "--file %.200s: give HOST or HOST:/PATH (an absolute path)",
			 spec);
		rc = -EINVAL;
	} else if (access(host, R_OK) < 0) {
		rc = -errno;
		snprintf(err, err_bytes, "--file %.200s: %s", host, strerror(-rc));
	} else {
		rc = rootfs_add_file(root, where, host, RUN_FILE_MODE, err, err_bytes) < 0 ? -EINVAL : 0;
	}
	free(host);
	free(where);
	return rc;
}

/* Adds /etc/machlab/run.argv: the program's path in the archive, then its
 * arguments, each ending in a NUL byte. Returns 0, or -errno with err set. */
static int run_argv_add(struct rootfs *root, const struct run_options *opt, const char *where,
			char *err, size_t err_bytes)
{
	char *data = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&data, &len);
	if (!out) {
		snprintf(err, err_bytes, "out of memory");
		return -ENOMEM;
	}
	fwrite(where, 1, strlen(where) + 1, out);
	for (int i = 1; i < opt->argc; i++)
		fwrite(opt->argv[i], 1, strlen(opt->argv[i]) + 1, out);
	int rc = fclose(out) == 0 ? 0 : -ENOMEM;
	if (rc < 0)
		snprintf(err, err_bytes, "out of memory");
	else if (len > RUN_ARGV_MAX_BYTES) {
		snprintf(err, err_bytes, "the arguments take %zu bytes; at most %d", len,
			 RUN_ARGV_MAX_BYTES);
		rc = -E2BIG;
	} else if (rootfs_add_data(root, LINUX_RUN_ARGV_PATH, data, len, RUN_ARGV_MODE, err,
				   err_bytes) < 0) {
		rc = -EINVAL;
	}
	free(data);
	return rc;
}

/* Writes the run's archive to out_path: the spec's entries, the program,
 * the extras and the argv file. Returns 0, or -errno with err set. */
static int run_archive_build(const struct run_options *opt, const char *out_path, char *err,
			     size_t err_bytes)
{
	struct rootfs root = { 0 };
	char *where = path_join(RUN_ARCHIVE_DIR, run_basename(opt->argv[0]));
	if (!where) {
		snprintf(err, err_bytes, "out of memory");
		return -ENOMEM;
	}
	int rc = rootfs_spec_read(opt->spec, ".", &root, err, err_bytes) < 0 ? -EINVAL : 0;
	if (rc == 0 && rootfs_add_file(&root, where, opt->argv[0], RUN_PROGRAM_MODE, err,
				       err_bytes) < 0)
		rc = -EINVAL;
	for (size_t i = 0; rc == 0 && i < opt->file_count; i++)
		rc = run_file_add(&root, opt->files[i], err, err_bytes);
	if (rc == 0)
		rc = run_argv_add(&root, opt, where, err, err_bytes);
	if (rc == 0 && rootfs_write(&root, out_path, err, err_bytes) < 0)
		rc = -EINVAL;
	rootfs_free(&root);
	free(where);
	return rc;
}

/* Handles a record line from /init (the text after the mark). */
static void run_record(struct run_stream *s, const char *record)
{
	size_t exit_len = strlen(LINUX_RUN_EXIT), signal_len = strlen(LINUX_RUN_SIGNAL);
	if (strcmp(record, LINUX_RUN_START) == 0) {
		s->started = true;
	} else if (strncmp(record, LINUX_RUN_EXIT, exit_len) == 0) {
		s->status = atoi(record + exit_len);
		s->ended = true;
	} else if (strncmp(record, LINUX_RUN_SIGNAL, signal_len) == 0) {
		s->status = RUN_EXIT_SIGNAL_BASE + atoi(record + signal_len);
		fprintf(stderr, "machlab run: the program was killed by signal %s\n",
			record + signal_len);
		s->ended = true;
	} else if (strncmp(record, LINUX_RUN_ERROR, strlen(LINUX_RUN_ERROR)) == 0) {
		fprintf(stderr, "machlab run: on the target: %s\n", record + strlen(LINUX_RUN_ERROR));
		s->status = CMD_EXIT_USAGE;
		s->ended = true;
	}
}

/* Serial line callback: prints the program's output, reads /init's records. */
static void run_on_line(void *ctx, const char *line)
{
	struct run_stream *s = ctx;
	const char *mark = strchr(line, LINUX_RUN_MARK);
	size_t text_len = mark ? (size_t)(mark - line) : strlen(line);
	if (s->started && !s->ended)
		fprintf(stdout, mark ? "%.*s" : "%.*s\n", (int)text_len, line);
	else if (s->verbose)
		fprintf(stderr, "%s\n", line);
	if (mark)
		run_record(s, mark + 1);
	fflush(stdout);
}

/* Boots the target with the archive (Linux: as its initramfs; the
 * microkernel: unix-run's second module) and streams the program. Returns
 * the exit status for machlab run. */
static int run_boot(const struct run_options *opt, const char *kernel, bool is_linux,
		    const char *archive)
{
	struct run_stream stream = { .verbose = opt->verbose, .status = RUN_EXIT_NO_STATUS };
	char *cmdline = is_linux ? linux_cmdline("run") : NULL, how[160];
	const struct qemu_module modules[] = {
		{ .path = opt->unix_run, .args = RUN_UNIX_RUN_ARGS }, { .path = archive },
	};
	struct qemu_boot boot = {
		.qemu_path = opt->qemu_path, .kernel_path = kernel,
		.initrd_path = is_linux ? archive : NULL, .append = cmdline,
		.modules = is_linux ? NULL : modules, .module_count = is_linux ? 0 : 2,
		.timeout_ms = (int)opt->timeout_s * 1000, .on_line = run_on_line, .ctx = &stream,
	};
	struct qemu_result result = { 0 };
	int rc = cmdline || !is_linux ? qemu_run(&boot, &result) : -ENOMEM;
	if (rc < 0) {
		fprintf(stderr, "machlab run: cannot run %s: %s\n", opt->qemu_path, strerror(-rc));
	} else if (!stream.ended) {
		qemu_status_describe(&result.status, &boot, how, sizeof how);
		fprintf(stderr, "machlab run: the target ended without saying how the program "
			"ended (%s)%s\n", how, opt->verbose ? "" : "; --verbose shows the boot");
	}
	qemu_result_free(&result);
	free(cmdline);
	return rc < 0 ? CMD_EXIT_FAILED : stream.status;
}

/* Checks the target and the program and writes the archive to archive (a
 * mkstemp template, filled in). Returns 0, or -errno with err set. */
static int run_prepare(const struct run_options *opt, const char *dir, bool is_linux,
		       const char *kernel, char *archive, char *err, size_t err_bytes)
{
	if (!is_linux && access(kernel, R_OK) != 0) {
		snprintf(err, err_bytes, "%s is not a target (neither %s nor %s): make builds the "
			 "microkernel's, make linux-target build/linux", dir, LINUX_KERNEL_FILE,
			 TARGET_KERNEL_FILE);
		return -EINVAL;
	}
	if (!is_linux && access(opt->unix_run, R_OK) != 0) {
		snprintf(err, err_bytes, "%s: %s (make builds it)", opt->unix_run, strerror(errno));
		return -EINVAL;
	}
	int rc = run_program_check(opt->argv[0], err, err_bytes);
	if (rc < 0)
		return rc;
	int fd = mkstemp(archive);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, err_bytes, "%s: %s", archive, strerror(-rc));
		return rc;
	}
	close(fd);
	rc = run_archive_build(opt, archive, err, err_bytes);
	if (rc < 0)
		unlink(archive);
	return rc;
}

/* Entry point of "machlab run"; argv[0] is "run". Returns the program's exit
 * status, 128 + N when signal N killed it, 125 when the target did not say,
 * 2 for bad input. */
int cmd_run_main(int argc, char **argv)
{
	struct run_options opt;
	char err[RUN_ERR_MAX_BYTES] = "out of memory", archive[] = "/tmp/machlab-run-XXXXXX";
	int status = CMD_EXIT_USAGE;
	if (run_options_parse(argc, argv, &opt) < 0) {
		free(opt.files);
		return CMD_EXIT_USAGE;
	}
	char *dir = run_target_dir(&opt);
	bool is_linux = dir && linux_target_is(dir);
	char *kernel = dir ? path_join(dir, is_linux ? LINUX_KERNEL_FILE : TARGET_KERNEL_FILE) : NULL;
	if (!kernel || run_prepare(&opt, dir, is_linux, kernel, archive, err, sizeof err) < 0) {
		fprintf(stderr, "machlab run: %s\n", err);
	} else {
		status = run_boot(&opt, kernel, is_linux, archive);
		unlink(archive);
	}
	free(opt.files);
	free(dir);
	free(kernel);
	return status;
}

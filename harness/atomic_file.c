/* atomic_file.c: write-to-temporary-then-rename (see atomic_file.h). The
 * temporary's name is also kept in a static buffer, so that the signal
 * handler can remove it with async-signal-safe calls only. */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char atomic_pending_path[PATH_MAX]; /* the temporary being written */
static volatile sig_atomic_t atomic_pending; /* atomic_pending_path is valid */

/* Removes the temporary in flight, then dies of the signal as if unhandled. */
static void atomic_file_on_signal(int sig)
{
	if (atomic_pending)
		unlink(atomic_pending_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Makes SIGINT and SIGTERM remove an unfinished temporary before dying. */
void atomic_file_signals_install(void)
{
	struct sigaction sa = { .sa_handler = atomic_file_on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Forgets the temporary and frees af's names. */
static void atomic_file_release(struct atomic_file *af)
{
	atomic_pending = 0;
	free(af->path);
	free(af->tmp_path);
	*af = (struct atomic_file){ 0 };
}

/* Creates "<path>.tmp" with exactly mode and opens it in af->f.
 * Returns 0 or -errno (nothing is left behind then). */
int atomic_file_open(struct atomic_file *af, const char *path, mode_t mode)
{
	*af = (struct atomic_file){ .path = strdup(path) };
	size_t bytes = strlen(path) + sizeof ".tmp";
	int rc = !af->path ? -ENOMEM : bytes > sizeof atomic_pending_path ? -ENAMETOOLONG : 0;
	if (rc == 0 && !(af->tmp_path = malloc(bytes)))
		rc = -ENOMEM;
	if (rc < 0) {
		atomic_file_release(af);
		return rc;
	}
	snprintf(af->tmp_path, bytes, "%s.tmp", path);
	memcpy(atomic_pending_path, af->tmp_path, bytes);
	atomic_pending = 1;
	int fd = open(af->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd >= 0 && (fchmod(fd, mode) < 0 || !(af->f = fdopen(fd, "w"))))
		close(fd);
	if (!af->f) {
		rc = -errno;
		if (fd >= 0)
			unlink(af->tmp_path);
		atomic_file_release(af);
		return rc;
	}
	return 0;
}

/* Finishes the file: flush, fsync, rename over the target. Returns 0, or
 * -errno with the temporary removed and the target untouched. */
int atomic_file_commit(struct atomic_file *af)
{
	int rc = 0;
	if (ferror(af->f))
		rc = -EIO; /* an earlier write failed */
	else if (fflush(af->f) != 0 || fsync(fileno(af->f)) < 0)
		rc = -errno;
	if (fclose(af->f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(af->tmp_path, af->path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(af->tmp_path);
	atomic_file_release(af);
	return rc;
}

/* Gives up: removes the temporary; the target is untouched. */
void atomic_file_abort(struct atomic_file *af)
{
	fclose(af->f);
	unlink(af->tmp_path);
	atomic_file_release(af);
}

/* Replaces path with text. Returns 0 or -errno. */
int atomic_file_write(const char *path, const char *text, mode_t mode)
{
	struct atomic_file af;
	int rc = atomic_file_open(&af, path, mode);
	if (rc < 0)
		return rc;
	fputs(text, af.f);
	return atomic_file_commit(&af);
}

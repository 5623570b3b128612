/* atomic_file.h: replacing a file all at once. The new contents go to
 * "<path>.tmp", which is flushed, fsync'ed and renamed over path: readers see
 * the old file or the new one, never a part. A failed write (or SIGINT or
 * SIGTERM, once atomic_file_signals_install ran) removes the temporary and
 * leaves the old file as it was. One file is written at a time. */
#ifndef MACHLAB_ATOMIC_FILE_H
#define MACHLAB_ATOMIC_FILE_H

#include <stdio.h>
#include <sys/types.h>

struct atomic_file {
	FILE *f; /* write the new contents here */
	char *path;
	char *tmp_path;
};

int atomic_file_open(struct atomic_file *af, const char *path, mode_t mode);
int atomic_file_commit(struct atomic_file *af);
void atomic_file_abort(struct atomic_file *af);
int atomic_file_write(const char *path, const char *text, mode_t mode);
void atomic_file_signals_install(void);

#endif

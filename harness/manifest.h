/* manifest.h: the guest test manifest, the list of test names every target
 * must report on. */
#ifndef MACHLAB_MANIFEST_H
#define MACHLAB_MANIFEST_H

#include <stddef.h>

#include "strlist.h"

#include <stdbool.h>

/* What a list holds and how its lines look. */
struct name_list_format {
	const char *what;                 /* "test", "benchmark": for messages */
	bool (*valid)(const char *name);
	const char *rule;                 /* the name rule, for messages */
	bool descriptions;                /* a line is "name description..." */
};

int name_list_read(const char *path, const struct name_list_format *fmt, struct strlist *names,
		   char *err, size_t err_bytes);
int manifest_read(const char *path, struct strlist *names, char *err, size_t err_bytes);

#endif

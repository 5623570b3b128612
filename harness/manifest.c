/* manifest.c: reads name lists: the guest test manifest (one test name per
 * line) and, through the same reader, bench/BENCHMARKS (a name and a
 * description per line). Blank lines and lines starting with '#' are
 * ignored; surrounding blanks are trimmed. */
#include "manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

/* Cuts leading and trailing blanks (and '\r', '\n') off line in place. */
static char *manifest_trim(char *line)
{
	line += strspn(line, " \t");
	size_t len = strlen(line);
	while (len > 0 && strchr(" \t\r\n", line[len - 1]))
		line[--len] = '\0';
	return line;
}

/* Checks one name and appends it. Returns 0, or -EINVAL/-ENOMEM with err set. */
static int name_list_add(struct strlist *names, const char *name,
			 const struct name_list_format *fmt, const char *path, unsigned line_no,
			 char *err, size_t err_bytes)
{
	if (!fmt->valid(name)) {
		snprintf(err, err_bytes, "%s:%u: bad %s name \"%s\" (%s)", path, line_no, fmt->what,
			 name, fmt->rule);
		return -EINVAL;
	}
	if (strlist_find(names, name) >= 0) {
		snprintf(err, err_bytes, "%s:%u: %s \"%s\" is listed twice", path, line_no,
			 fmt->what, name);
		return -EINVAL;
	}
	if (strlist_push(names, name) < 0) {
		snprintf(err, err_bytes, "%s: out of memory", path);
		return -ENOMEM;
	}
	return 0;
}

/* Reads the list at path into names (which must start empty). Returns 0, or
 * a negative errno with a one-line explanation in err; an unreadable file, a
 * bad or repeated name and an empty list are all errors. */
int name_list_read(const char *path, const struct name_list_format *fmt, struct strlist *names,
		   char *err, size_t err_bytes)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		int rc = -errno;
		snprintf(err, err_bytes, "%s: %s", path, strerror(-rc));
		return rc;
	}
	char *buf = NULL;
	size_t cap = 0;
	int rc = 0;
	for (unsigned line_no = 1; rc == 0 && getline(&buf, &cap, f) >= 0; line_no++) {
		char *line = manifest_trim(buf);
		if (fmt->descriptions)                 /* "name description...": keep the name */
			line[strcspn(line, " \t")] = '\0';
		if (line[0] != '\0' && line[0] != '#')
			rc = name_list_add(names, line, fmt, path, line_no, err, err_bytes);
	}
	free(buf);
	fclose(f);
	if (rc == 0 && names->count == 0) {
		snprintf(err, err_bytes, "%s: lists no %ss", path, fmt->what);
		rc = -EINVAL;
	}
	return rc;
}

static const struct name_list_format manifest_format = {
	.what = "test", .valid = test_name_valid,
	.rule = "names are [A-Za-z0-9_]+, at most 63 characters",
};

/* Reads the guest test manifest: one test name per line. */
int manifest_read(const char *path, struct strlist *names, char *err, size_t err_bytes)
{
	return name_list_read(path, &manifest_format, names, err, err_bytes);
}

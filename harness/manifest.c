/* manifest.c: reads the manifest: one test name per line; blank lines and
 * lines starting with '#' are ignored; surrounding blanks are trimmed. */
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
static int manifest_add(struct strlist *names, const char *name, const char *path,
			unsigned line_no, char *err, size_t err_bytes)
{
	if (!test_name_valid(name)) {
		snprintf(err, err_bytes,
			 "%s:%u: bad test name \"%s\" (names are [A-Za-z0-9_]+, at most %d characters)",
			 path, line_no, name, TEST_NAME_MAX_BYTES - 1);
		return -EINVAL;
	}
	if (strlist_find(names, name) >= 0) {
		snprintf(err, err_bytes, "%s:%u: test \"%s\" is listed twice", path, line_no, name);
		return -EINVAL;
	}
	if (strlist_push(names, name) < 0) {
		snprintf(err, err_bytes, "%s: out of memory", path);
		return -ENOMEM;
	}
	return 0;
}

/* Reads the manifest at path into names (which must start empty). Returns 0,
 * or a negative errno with a one-line explanation in err; an unreadable file,
 * a bad or repeated name and an empty manifest are all errors. */
int manifest_read(const char *path, struct strlist *names, char *err, size_t err_bytes)
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
		if (line[0] != '\0' && line[0] != '#')
			rc = manifest_add(names, line, path, line_no, err, err_bytes);
	}
	free(buf);
	fclose(f);
	if (rc == 0 && names->count == 0) {
		snprintf(err, err_bytes, "%s: lists no tests", path);
		rc = -EINVAL;
	}
	return rc;
}

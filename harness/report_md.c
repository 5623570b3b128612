/* report_md.c: splices generated text into the marker regions of REPORT.md
 * (see report_md.h). A region's new contents are framed by blank lines:
 * "<begin marker>\n\n<text>\n<end marker>". */
#include "report_md.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_file.h"

#define REPORT_NAME_MAX_BYTES 64

/* Returns the region named name (length len) among regions, or NULL. */
static const struct report_region *report_md_find(const struct report_region *regions,
						  size_t count, const char *name, size_t len)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(regions[i].name) == len && memcmp(regions[i].name, name, len) == 0)
			return &regions[i];
	return NULL;
}

/* Returns the 1-based line number of p in text. */
static unsigned report_md_line_of(const char *text, const char *p)
{
	unsigned line = 1;
	for (; text < p; text++)
		line += *text == '\n';
	return line;
}

/* Handles the region whose begin marker starts at *p: copies the marker, and
 * then either the new text or the old contents, to out, and moves *p to the
 * end marker. Sets *used to the region replaced (NULL if unknown). Returns
 * 0, or -EINVAL with err set when the marker is malformed or unterminated. */
static int report_md_region(const char *in, const char **p, const struct report_region *regions,
			    size_t count, FILE *out, const struct report_region **used, char *err,
			    size_t err_bytes)
{
	const char *name = *p + strlen(REPORT_MD_BEGIN);
	const char *close = strstr(name, REPORT_MD_CLOSE);
	size_t len = close ? (size_t)(close - name) : 0;
	char end_marker[REPORT_NAME_MAX_BYTES + 32];
	if (len == 0 || len >= REPORT_NAME_MAX_BYTES || memchr(name, '\n', len)) {
		snprintf(err, err_bytes, "line %u: malformed begin marker", report_md_line_of(in, *p));
		return -EINVAL;
	}
	snprintf(end_marker, sizeof end_marker, REPORT_MD_END "%.*s" REPORT_MD_CLOSE, (int)len, name);
	const char *body = close + strlen(REPORT_MD_CLOSE), *end = strstr(body, end_marker);
	if (!end) {
		snprintf(err, err_bytes, "line %u: region %.*s has no \"%s\"", report_md_line_of(in, *p),
			 (int)len, name, end_marker);
		return -EINVAL;
	}
	*used = report_md_find(regions, count, name, len);
	fwrite(*p, 1, (size_t)(body - *p), out);
	if (*used)
		fprintf(out, "\n\n%s\n", (*used)->text);
	else
		fwrite(body, 1, (size_t)(end - body), out);
	*p = end;
	return 0;
}

/* Writes to *out (malloc'd) the text in with every offered region that it
 * holds replaced. Notes (one line each) name offered regions the text lacks.
 * Returns 0, or -EINVAL/-ENOMEM with err set and *out NULL. */
int report_md_splice(const char *in, const struct report_region *regions, size_t count,
		     char **out, struct strlist *notes, char *err, size_t err_bytes)
{
	size_t bytes;
	*out = NULL;
	FILE *mem = open_memstream(out, &bytes);
	bool *seen = calloc(count + 1, sizeof *seen);
	int rc = mem && seen ? 0 : -ENOMEM;
	const char *p = in;
	for (const char *next; rc == 0 && (next = strstr(p, REPORT_MD_BEGIN)); ) {
		const struct report_region *used = NULL;
		fwrite(p, 1, (size_t)(next - p), mem);
		p = next;
		rc = report_md_region(in, &p, regions, count, mem, &used, err, err_bytes);
		if (used)
			seen[used - regions] = true;
	}
	if (mem) {
		fputs(rc == 0 ? p : "", mem);
		if (fclose(mem) != 0 && rc == 0)
			rc = -ENOMEM;
	}
	for (size_t i = 0; rc == 0 && i < count; i++) {
		char note[REPORT_NAME_MAX_BYTES + 64];
		snprintf(note, sizeof note, "no region \"%s\": skipped", regions[i].name);
		if (!seen[i])
			rc = strlist_push(notes, note);
	}
	if (rc == -ENOMEM)
		snprintf(err, err_bytes, "out of memory");
	if (rc < 0 && mem) {
		free(*out);
		*out = NULL;
	}
	free(seen);
	return rc;
}

/* Reads the whole file at path into *text (malloc'd) and its mode. Returns
 * 0, or -errno with why set. */
static int report_md_read(const char *path, char **text, mode_t *mode, char *why, size_t why_bytes)
{
	struct stat st;
	FILE *f = fopen(path, "re");
	int rc = !f ? -errno : fstat(fileno(f), &st) < 0 ? -errno : 0;
	size_t size = rc == 0 ? (size_t)st.st_size : 0;
	if (rc == 0 && !(*text = malloc(size + 1)))
		rc = -ENOMEM;
	if (rc == 0 && fread(*text, 1, size, f) != size)
		rc = -EIO;
	if (rc < 0)
		snprintf(why, why_bytes, "%s", strerror(-rc));
	if (rc == 0 && memchr(*text, '\0', size)) {
		snprintf(why, why_bytes, "holds a NUL byte: not a Markdown file");
		rc = -EINVAL;
	}
	if (rc == 0) {
		(*text)[size] = '\0';
		*mode = st.st_mode & 07777;
	}
	if (f)
		fclose(f);
	return rc;
}

/* Rewrites the regions of the Markdown file at path (atomically, keeping its
 * mode; not at all when nothing changes). Returns 0, or a negative errno with err set; the file is untouched
 * on any error. */
int report_md_update(const char *path, const struct report_region *regions, size_t count,
		     struct strlist *notes, char *err, size_t err_bytes)
{
	char *text = NULL, *out = NULL, why[256] = "";
	mode_t mode = 0;
	int rc = report_md_read(path, &text, &mode, why, sizeof why);
	if (rc == 0)
		rc = report_md_splice(text, regions, count, &out, notes, why, sizeof why);
	if (rc == 0 && strcmp(out, text) != 0)
		rc = atomic_file_write(path, out, mode);
	if (rc < 0)
		snprintf(err, err_bytes, "%s: %s", path, why[0] ? why : strerror(-rc));
	free(text);
	free(out);
	return rc;
}

/* report_md.h: rewriting the generated regions of REPORT.md. A region is
 *   <!-- machlab:begin NAME -->
 *   ...generated...
 *   <!-- machlab:end NAME -->
 * Only the bytes between the two markers change; everything else stays
 * byte-identical. A region the caller offers that the file lacks is skipped
 * (with a note); a begin marker without its end marker is an error, and
 * then nothing is written. */
#ifndef MACHLAB_REPORT_MD_H
#define MACHLAB_REPORT_MD_H

#include <stddef.h>

#include "strlist.h"

#define REPORT_MD_BEGIN "<!-- machlab:begin "
#define REPORT_MD_END "<!-- machlab:end "
#define REPORT_MD_CLOSE " -->"

struct report_region {
	const char *name;
	const char *text; /* the new contents: whole lines, each ending in '\n' */
};

int report_md_splice(const char *in, const struct report_region *regions, size_t count,
		     char **out, struct strlist *notes, char *err, size_t err_bytes);
int report_md_update(const char *path, const struct report_region *regions, size_t count,
		     struct strlist *notes, char *err, size_t err_bytes);

#endif

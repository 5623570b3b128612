/* manifest.h: the guest test manifest, the list of test names every target
 * must report on. */
#ifndef MACHLAB_MANIFEST_H
#define MACHLAB_MANIFEST_H

#include <stddef.h>

#include "strlist.h"

int manifest_read(const char *path, struct strlist *names, char *err, size_t err_bytes);

#endif

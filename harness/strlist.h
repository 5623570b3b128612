/* strlist.h: a growable list of owned strings, kept NULL-terminated so it can
 * be handed to execv() as an argv vector. Used for argv, manifest names,
 * captured output lines and lists of remaining tests. */
#ifndef MACHLAB_STRLIST_H
#define MACHLAB_STRLIST_H

#include <stddef.h>

struct strlist {
	char **items; /* items[count] is NULL once anything was pushed */
	size_t count;
	size_t cap;
};

int strlist_push(struct strlist *list, const char *s);
long strlist_find(const struct strlist *list, const char *s);
char *strlist_join(const struct strlist *list, const char *sep);
void strlist_free(struct strlist *list);

#endif

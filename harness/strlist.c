/* strlist.c: the growable NULL-terminated string list (see strlist.h). */
#include "strlist.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Appends a copy of s; returns 0 or -ENOMEM. */
int strlist_push(struct strlist *list, const char *s)
{
	if (list->count + 2 > list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 8;
		char **items = realloc(list->items, cap * sizeof *items);
		if (!items)
			return -ENOMEM;
		list->items = items;
		list->cap = cap;
	}
	char *copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	list->items[list->count++] = copy;
	list->items[list->count] = NULL;
	return 0;
}

/* Returns the index of the first item equal to s, or -1. */
long strlist_find(const struct strlist *list, const char *s)
{
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i], s) == 0)
			return (long)i;
	return -1;
}

/* Returns a malloc'd string of all items separated by sep ("" when empty),
 * or NULL when out of memory. */
char *strlist_join(const struct strlist *list, const char *sep)
{
	size_t bytes = 1;
	for (size_t i = 0; i < list->count; i++)
		bytes += strlen(list->items[i]) + strlen(sep);
	char *out = malloc(bytes);
	if (!out)
		return NULL;
	char *end = out;
	for (size_t i = 0; i < list->count; i++)
		end = stpcpy(i > 0 ? stpcpy(end, sep) : end, list->items[i]);
	*end = '\0';
	return out;
}

/* Frees every item and the list's storage; the list is empty afterwards. */
void strlist_free(struct strlist *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
	*list = (struct strlist){ 0 };
}

/* array.c: growing a heap array (see array.h). */
#include "array.h"

#include <errno.h>
#include <stdlib.h>

/* Makes *items (room for *cap items of each bytes) hold at least need,
 * doubling. Returns 0, or -ENOMEM with *items and *cap as they were. */
int array_grow(void **items, size_t each, size_t need, size_t *cap)
{
	if (need <= *cap)
		return 0;
	size_t grown_cap = *cap ? *cap : ARRAY_MIN_CAP;
	while (grown_cap < need)
		grown_cap *= 2;
	void *grown = realloc(*items, grown_cap * each);
	if (!grown)
		return -ENOMEM;
	*items = grown;
	*cap = grown_cap;
	return 0;
}

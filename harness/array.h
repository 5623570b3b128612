/* array.h: growing a heap array of fixed-size items (the harness's lists:
 * symbols, archive entries, profile samples). */
#ifndef MACHLAB_ARRAY_H
#define MACHLAB_ARRAY_H

#include <stddef.h>

#define ARRAY_MIN_CAP 16 /* items of a first allocation */

int array_grow(void **items, size_t each, size_t need, size_t *cap);

#endif

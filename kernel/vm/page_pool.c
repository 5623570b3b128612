/*
 * page_pool.c — bitmap page-pool logic (no hardware dependence).
 *
 * Compiled into the kernel and into the host unit tests. Callers hold
 * p->lock (the kernel wrappers in page_alloc.c do).
 */
#include "vm/page_alloc.h"

#define BITS_PER_WORD 64

static bool bit_get(const uint64_t *bits, size_t i)
{
	return (bits[i / BITS_PER_WORD] >> (i % BITS_PER_WORD)) & 1;
}

static void bit_set(uint64_t *bits, size_t i, bool v)
{
	uint64_t m = 1UL << (i % BITS_PER_WORD);

	if (v)
		bits[i / BITS_PER_WORD] |= m;
	else
		bits[i / BITS_PER_WORD] &= ~m;
}

/* Start with every frame in use; release the usable ranges afterwards. */
void page_pool_init(struct page_pool *p, uint64_t *bits, size_t nframes)
{
	size_t words = (nframes + BITS_PER_WORD - 1) / BITS_PER_WORD;

	for (size_t i = 0; i < words; i++)
		bits[i] = ~0UL;
	p->bits = bits;
	p->nframes = nframes;
	p->free = 0;
	p->managed = 0;
	p->hint = 0;
	p->lock = (spinlock_t)SPINLOCK_INIT;
}

/* Make frames [first, first+count) available (boot: usable RAM). */
void page_pool_release_range(struct page_pool *p, size_t first, size_t count)
{
	for (size_t i = first; i < first + count && i < p->nframes; i++) {
		if (bit_get(p->bits, i)) {
			bit_set(p->bits, i, false);
			p->free++;
			p->managed++;
		}
	}
}

/* Take frames out of the pool for good (boot: kernel image, modules). */
void page_pool_reserve_range(struct page_pool *p, size_t first, size_t count)
{
	for (size_t i = first; i < first + count && i < p->nframes; i++) {
		if (!bit_get(p->bits, i)) {
			bit_set(p->bits, i, true);
			p->free--;
			p->managed--;
		}
	}
}

/* Length of the run of free frames starting at i, up to want. */
static size_t free_run(const struct page_pool *p, size_t i, size_t want)
{
	size_t n = 0;

	while (n < want && i + n < p->nframes && !bit_get(p->bits, i + n))
		n++;
	return n;
}

/*
 * One frame, the same first fit from the hint as below but a word at a
 * time: the hint's word with the frames below the hint masked, the words
 * after it, then from word 0 round to the hint's word again, unmasked.
 * Single frames are nearly every request (zone pages, faulted pages).
 */
static bool take_one(struct page_pool *p, size_t *first)
{
	size_t words = (p->nframes + BITS_PER_WORD - 1) / BITS_PER_WORD;
	size_t hint_word = p->hint / BITS_PER_WORD;

	for (size_t n = 0; n <= words; n++) {
		size_t w = (hint_word + n) % words;
		uint64_t word = p->bits[w];

		if (n == 0)
			word |= (1UL << (p->hint % BITS_PER_WORD)) - 1;
		if (word == ~0UL)
			continue;
		size_t i = w * BITS_PER_WORD + (size_t)__builtin_ctzl(~word);
		if (i >= p->nframes)             /* (bits past the last frame stay set) */
			continue;
		p->bits[w] |= 1UL << (i % BITS_PER_WORD);
		p->free--;
		p->hint = i + 1;
		*first = i;
		return true;
	}
	return false;
}

/* Find and mark count contiguous free frames; first-fit from the hint. */
bool page_pool_take(struct page_pool *p, size_t count, size_t *first)
{
	if (count == 0 || count > p->free)
		return false;
	if (count == 1)
		return take_one(p, first);
	for (size_t pass = 0; pass < 2; pass++) {
		size_t i = pass ? 0 : p->hint;
		size_t end = pass ? p->hint : p->nframes;

		while (i < end) {
			uint64_t word = p->bits[i / BITS_PER_WORD];

			if (word == ~0UL) {
				i = (i / BITS_PER_WORD + 1) * BITS_PER_WORD;
				continue;
			}
			/*
			 * Jump over the frames in use from i on in this word at
			 * once (past its end if all are): a bit at a time, the
			 * search cost grows with the distance from a freed frame
			 * to the next free one, which showed in benchmarks.
			 */
			size_t used = (size_t)__builtin_ctzl(~(word >> (i % BITS_PER_WORD)));

			if (used) {
				i += used;
				continue;
			}
			size_t run = free_run(p, i, count);

			if (run == count) {
				for (size_t k = 0; k < count; k++)
					bit_set(p->bits, i + k, true);
				p->free -= count;
				p->hint = i + count;
				*first = i;
				return true;
			}
			i += run + 1;
		}
	}
	return false;
}

/* Return frames; false (and no change) if any of them was not in use. */
bool page_pool_give(struct page_pool *p, size_t first, size_t count)
{
	if (first + count > p->nframes || first + count < first)
		return false;
	for (size_t k = 0; k < count; k++)
		if (!bit_get(p->bits, first + k))
			return false;
	for (size_t k = 0; k < count; k++)
		bit_set(p->bits, first + k, false);
	p->free += count;
	if (first < p->hint)
		p->hint = first;
	return true;
}

bool page_pool_frame_in_use(const struct page_pool *p, size_t frame)
{
	return frame >= p->nframes || bit_get(p->bits, frame);
}

/*
 * test_page_pool.c — the bitmap page pool (kernel/vm/page_pool.c): boot
 * release/reserve accounting, first-fit single and contiguous takes, the
 * hint's wrap-around, and refusals that must change nothing.
 */
#include <string.h>
#include "unit.h"
#include "vm/page_alloc.h"

#define POOL_FRAMES 200   /* not a multiple of 64: the last bitmap word is partial */
#define POOL_WORDS  ((POOL_FRAMES + 63) / 64)

/* One spare word past the pool, left zero: the pool must never touch it,
 * and a read beyond the pool would see free frames there. */
static uint64_t pool_bits[POOL_WORDS + 1];

/* A pool over POOL_FRAMES frames with frames [first, first+count) released. */
static void pool_new(struct page_pool *p, size_t first, size_t count)
{
	memset(pool_bits, 0, sizeof(pool_bits));   /* init must set every bit itself */
	page_pool_init(p, pool_bits, POOL_FRAMES);
	page_pool_release_range(p, first, count);
}

/* Check that frames [first, first+count) are all in use, or all free. */
static void check_frames(const struct page_pool *p, size_t first, size_t count, bool in_use)
{
	for (size_t f = first; f < first + count; f++)
		CHECK_EQ(in_use, page_pool_frame_in_use(p, f));
}

/* Take count frames; check success and return where they start. */
static size_t take(struct page_pool *p, size_t count)
{
	size_t first = (size_t)-1;

	CHECK(page_pool_take(p, count, &first));
	return first;
}

UNIT_TEST(page_pool_init_marks_every_frame_in_use)
{
	struct page_pool p;
	size_t first;

	pool_new(&p, 0, 0);
	CHECK_EQ(0, p.free);
	CHECK_EQ(0, p.managed);
	check_frames(&p, 0, POOL_FRAMES, true);
	CHECK(!page_pool_take(&p, 1, &first));
}

UNIT_TEST(page_pool_release_and_reserve_count_each_frame_once)
{
	struct page_pool p;

	pool_new(&p, 10, 20);
	CHECK_EQ(20, p.free);
	CHECK_EQ(20, p.managed);
	page_pool_release_range(&p, 20, 20);          /* overlaps [20, 30) */
	CHECK_EQ(30, p.free);
	CHECK_EQ(30, p.managed);
	page_pool_reserve_range(&p, 15, 10);
	CHECK_EQ(20, p.free);
	CHECK_EQ(20, p.managed);
	check_frames(&p, 10, 5, false);
	check_frames(&p, 15, 10, true);
	check_frames(&p, 25, 15, false);
	page_pool_reserve_range(&p, 0, 12);           /* partly reserved already */
	CHECK_EQ(18, p.free);
	page_pool_release_range(&p, POOL_FRAMES - 5, 50); /* clipped to the pool */
	CHECK_EQ(23, p.free);
	CHECK_EQ(0, pool_bits[POOL_WORDS]);
	CHECK(page_pool_frame_in_use(&p, POOL_FRAMES));      /* beyond the pool */
	CHECK(page_pool_frame_in_use(&p, POOL_WORDS * 64)); /* in the spare word */
}

UNIT_TEST(page_pool_take_single_frames_first_fit_in_order)
{
	struct page_pool p;

	pool_new(&p, 70, 3);
	page_pool_release_range(&p, 8, 2);
	CHECK_EQ(8, take(&p, 1));
	CHECK_EQ(9, take(&p, 1));
	CHECK_EQ(70, take(&p, 1));                     /* past word 0, now full */
	CHECK_EQ(2, p.free);
	check_frames(&p, 8, 2, true);
	check_frames(&p, 70, 1, true);
	check_frames(&p, 71, 2, false);
}

UNIT_TEST(page_pool_take_run_is_first_gap_that_fits_and_is_marked)
{
	struct page_pool p;

	pool_new(&p, 0, 4);                            /* too short for 10 */
	page_pool_release_range(&p, 60, 12);           /* crosses words 0 and 1 */
	CHECK_EQ(60, take(&p, 10));
	check_frames(&p, 60, 10, true);
	check_frames(&p, 70, 2, false);
	check_frames(&p, 0, 4, false);
	CHECK_EQ(6, p.free);
	CHECK_EQ(16, p.managed);                       /* takes don't change managed */
}

UNIT_TEST(page_pool_given_back_frames_can_be_taken_again)
{
	struct page_pool p;
	size_t first;

	pool_new(&p, 0, 8);
	first = take(&p, 5);
	CHECK(page_pool_give(&p, first, 5));
	CHECK_EQ(8, p.free);
	check_frames(&p, 0, 8, false);
	CHECK_EQ(first, take(&p, 5));
	CHECK_EQ(5, take(&p, 3));
	CHECK_EQ(0, p.free);
}

UNIT_TEST(page_pool_give_of_a_free_frame_is_refused_without_change)
{
	struct page_pool p;

	pool_new(&p, 0, 8);
	CHECK_EQ(0, take(&p, 2));
	CHECK(!page_pool_give(&p, 3, 1));              /* free frame */
	CHECK(!page_pool_give(&p, 1, 2));              /* 1 in use, 2 free */
	CHECK(page_pool_frame_in_use(&p, 1));
	CHECK(!page_pool_give(&p, POOL_FRAMES - 1, 2)); /* runs off the end */
	CHECK(!page_pool_give(&p, 1, (size_t)-1));     /* wraps around */
	CHECK_EQ(6, p.free);
	check_frames(&p, 0, 2, true);
	check_frames(&p, 2, 6, false);
}

UNIT_TEST(page_pool_take_fails_once_every_frame_is_taken)
{
	struct page_pool p;
	size_t first;

	pool_new(&p, 100, 5);
	for (size_t i = 0; i < 5; i++)
		CHECK_EQ(100 + i, take(&p, 1));
	CHECK(!page_pool_take(&p, 1, &first));
	CHECK_EQ(0, p.free);
}

UNIT_TEST(page_pool_take_wraps_around_to_find_a_run_below_the_hint)
{
	struct page_pool p;

	pool_new(&p, 0, 32);
	CHECK_EQ(0, take(&p, 16));
	CHECK_EQ(16, take(&p, 16));                    /* hint now 32 */
	page_pool_release_range(&p, 4, 4);             /* below the hint */
	page_pool_release_range(&p, 120, 4);           /* above it */
	CHECK_EQ(120, take(&p, 4));                    /* from the hint first */
	CHECK_EQ(4, take(&p, 4));                      /* then from the start */
	check_frames(&p, 4, 4, true);
	CHECK_EQ(0, p.free);
}

/* A single frame wraps too: with the hint at the pool's end, a frame freed
 * below it (without pulling the hint back) is found from word 0. */
UNIT_TEST(page_pool_take_one_frame_wraps_from_the_pools_end)
{
	struct page_pool p;

	pool_new(&p, 0, POOL_FRAMES);
	for (size_t i = 0; i < POOL_FRAMES; i++)
		CHECK_EQ(i, take(&p, 1));
	CHECK_EQ(POOL_FRAMES, p.hint);
	page_pool_release_range(&p, 5, 1);             /* below the hint, hint untouched */
	CHECK_EQ(5, take(&p, 1));
	size_t none;
	CHECK(!page_pool_take(&p, 1, &none));          /* nothing left */
}

UNIT_TEST(page_pool_take_refuses_zero_more_than_free_and_unfitting_runs)
{
	struct page_pool p;
	size_t first;

	pool_new(&p, 0, 4);
	page_pool_release_range(&p, 10, 4);
	CHECK(!page_pool_take(&p, 0, &first));
	CHECK(!page_pool_take(&p, 9, &first));         /* more than free */
	CHECK(!page_pool_take(&p, 5, &first));         /* 8 free, no gap of 5 */
	CHECK_EQ(8, p.free);
	check_frames(&p, 0, 4, false);
	check_frames(&p, 10, 4, false);
}

/*
 * A freed frame pulls the hint back; the take after the one that refills it
 * must skip the run of used frames behind it (inside a word and across a
 * word boundary) and land on the first free frame, never on a used one.
 */
UNIT_TEST(page_pool_take_skips_used_frames_after_a_freed_one)
{
	struct page_pool p;

	pool_new(&p, 0, POOL_FRAMES);
	for (size_t i = 0; i < 70; i++)
		CHECK_EQ(i, take(&p, 1));
	CHECK(page_pool_give(&p, 3, 1));
	CHECK_EQ(3, take(&p, 1));                   /* the hole first */
	CHECK_EQ(70, take(&p, 1));                  /* then past 4..69, across a word */
	CHECK(page_pool_give(&p, 66, 1));
	CHECK_EQ(66, take(&p, 1));
	CHECK_EQ(71, take(&p, 1));                  /* past 67..70, inside a word */
	check_frames(&p, 0, 72, true);
	check_frames(&p, 72, POOL_FRAMES - 72, false);
	CHECK_EQ(POOL_FRAMES - 72, p.free);
}

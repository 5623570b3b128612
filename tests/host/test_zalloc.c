/*
 * test_zalloc.c — zones and kmem (kernel/kern/zalloc.c): elements are
 * distinct, zeroed and inside their page; pages are taken only when needed
 * and every page goes back when its elements die; kmem_alloc picks the
 * smallest fitting zone, or whole pages above ZONE_ELEM_MAX.
 *
 * The fake page allocator (fakes.c) fills new pages with junk, so an
 * element that is not zeroed shows, and counts pages outstanding.
 */
#include <string.h>
#include "unit.h"
#include "kern/zalloc.h"
#include "param.h"

#define TEST_ELEM_BYTES 100    /* rounds up to 112 */
#define ELEMS_MAX       300    /* more than any zone holds in one page */

static void *elems[ELEMS_MAX];

/* Allocate n elements of z into elems[]; each must be non-NULL. */
static void zone_fill(struct zone *z, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		elems[i] = zalloc(z);
		CHECK(elems[i] != NULL);
	}
}

/* Free elems[0..n) in an interleaved order (every stride-th first), so
 * pages go from full to partial to empty in a mixed sequence. */
static void zone_free_interleaved(struct zone *z, size_t n, size_t stride)
{
	for (size_t s = 0; s < stride; s++)
		for (size_t i = s; i < n; i += stride)
			zfree(z, elems[i]);
}

/* Are all bytes of [p, p+n) equal to b? */
static bool bytes_all(const void *p, size_t n, unsigned char b)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i] != b)
			return false;
	return true;
}

UNIT_TEST(zone_init_rounds_element_size_up_to_16_bytes)
{
	struct zone z;

	zone_init(&z, "test", TEST_ELEM_BYTES);
	CHECK_EQ(112, z.elem_size);
	CHECK(z.per_page * z.elem_size < PAGE_SIZE);   /* room left for the header */
	zone_init(&z, "test", 16);
	CHECK_EQ(16, z.elem_size);
}

UNIT_TEST(zalloc_elements_are_distinct_zeroed_and_inside_their_page)
{
	struct zone z;

	fake_zones_reset();
	zone_init(&z, "test", TEST_ELEM_BYTES);
	zone_fill(&z, z.per_page);
	for (size_t i = 0; i < z.per_page; i++) {
		uintptr_t e = (uintptr_t)elems[i], page = e & ~(PAGE_SIZE - 1);

		CHECK(e > page);                           /* the header is at the start */
		CHECK(e + z.elem_size <= page + PAGE_SIZE);
		CHECK(bytes_all(elems[i], z.elem_size, 0));
		memset(elems[i], (int)i + 1, z.elem_size);
	}
	for (size_t i = 0; i < z.per_page; i++)    /* no element overlaps another */
		CHECK(bytes_all(elems[i], z.elem_size, (unsigned char)(i + 1)));
	zone_free_interleaved(&z, z.per_page, 1);
}

UNIT_TEST(zalloc_takes_a_new_page_only_when_the_last_is_full)
{
	struct zone z;
	size_t start;

	fake_zones_reset();
	start = fake_pages_outstanding();
	zone_init(&z, "test", TEST_ELEM_BYTES);
	zone_fill(&z, z.per_page);
	CHECK_EQ(start + 1, fake_pages_outstanding());
	CHECK_EQ(1, z.pages);
	zfree(&z, elems[0]);                       /* the full page has room again */
	CHECK((elems[0] = zalloc(&z)) != NULL);
	CHECK_EQ(start + 1, fake_pages_outstanding());
	elems[z.per_page] = zalloc(&z);
	CHECK_EQ(start + 2, fake_pages_outstanding());
	CHECK_EQ(2, z.pages);
	CHECK_EQ(z.per_page + 1, z.in_use);
	zone_free_interleaved(&z, z.per_page + 1, 1);
}

UNIT_TEST(zfree_of_every_element_returns_every_page)
{
	struct zone z;
	size_t start, n;

	fake_zones_reset();
	start = fake_pages_outstanding();
	zone_init(&z, "test", TEST_ELEM_BYTES);
	n = 3 * z.per_page + 5;
	zone_fill(&z, n);
	CHECK_EQ(start + 4, fake_pages_outstanding());
	zone_free_interleaved(&z, n, 7);
	CHECK_EQ(start, fake_pages_outstanding());
	CHECK_EQ(0, z.pages);
	CHECK_EQ(0, z.in_use);
	CHECK_EQ(0, fake_page_errors());
}

UNIT_TEST(zfree_returns_a_page_as_soon_as_its_last_element_dies)
{
	struct zone z;
	size_t start;

	fake_zones_reset();
	start = fake_pages_outstanding();
	zone_init(&z, "test", TEST_ELEM_BYTES);
	zone_fill(&z, 2 * z.per_page);
	for (size_t i = 0; i < 2 * z.per_page; i++) {
		/* free only the elements sharing elems[0]'s page */
		if (((uintptr_t)elems[i] ^ (uintptr_t)elems[0]) < PAGE_SIZE && i != 0)
			zfree(&z, elems[i]);
	}
	CHECK_EQ(start + 2, fake_pages_outstanding());
	zfree(&z, elems[0]);
	CHECK_EQ(start + 1, fake_pages_outstanding());
	CHECK_EQ(1, z.pages);
	CHECK_EQ(0, fake_page_errors());
}

UNIT_TEST(zalloc_zeroes_a_reused_element)
{
	struct zone z;
	void *keep, *e;

	fake_zones_reset();
	zone_init(&z, "test", TEST_ELEM_BYTES);
	keep = zalloc(&z);                         /* keeps the page alive */
	e = zalloc(&z);
	memset(e, 0xFF, z.elem_size);
	zfree(&z, e);
	CHECK((e = zalloc(&z)) != NULL);
	CHECK(bytes_all(e, z.elem_size, 0));
	zfree(&z, e);
	zfree(&z, keep);
}

/* kmem_alloc zeroes a reused zone element too; kmem_alloc_uninit leaves it
 * as the last user did (its caller fills every byte). */
UNIT_TEST(kmem_alloc_zeroes_a_reused_element_and_uninit_does_not)
{
	void *keep, *e;

	fake_zones_reset();
	keep = kmem_alloc(TEST_ELEM_BYTES);               /* keeps the page alive */
	CHECK((e = kmem_alloc(TEST_ELEM_BYTES)) != NULL);
	memset(e, 0xFF, TEST_ELEM_BYTES);
	kmem_free(e, TEST_ELEM_BYTES);
	CHECK((e = kmem_alloc(TEST_ELEM_BYTES)) != NULL);
	CHECK(bytes_all(e, TEST_ELEM_BYTES, 0));
	memset(e, 0xFF, TEST_ELEM_BYTES);
	kmem_free(e, TEST_ELEM_BYTES);
	CHECK((e = kmem_alloc_uninit(TEST_ELEM_BYTES)) != NULL);
	CHECK(bytes_all((char *)e + sizeof(void *), TEST_ELEM_BYTES - sizeof(void *), 0xFF));
	kmem_free(e, TEST_ELEM_BYTES);
	kmem_free(keep, TEST_ELEM_BYTES);
}

/* A zone registered with zone_keep_empty keeps its last empty page for the
 * next zalloc (no page taken then), gives a second empty page back at once,
 * and zone_reclaim returns the kept one. */
UNIT_TEST(zone_keep_empty_keeps_one_page_and_reclaim_gives_it_back)
{
	static struct zone z;                     /* registered for good: static */
	size_t start;
	void *a, *b;

	fake_zones_reset();
	zone_reclaim();
	zone_init(&z, "keeper", ZONE_ELEM_MAX);   /* one element per page */
	zone_keep_empty(&z);
	start = fake_pages_outstanding();
	CHECK((a = zalloc(&z)) != NULL);
	CHECK((b = zalloc(&z)) != NULL);
	CHECK_EQ(start + 2, fake_pages_outstanding());
	zfree(&z, a);                             /* kept */
	CHECK_EQ(start + 2, fake_pages_outstanding());
	CHECK_EQ(1, zone_kept_pages());
	zfree(&z, b);                             /* one is kept already: given back */
	CHECK_EQ(start + 1, fake_pages_outstanding());
	CHECK((a = zalloc(&z)) != NULL);          /* the kept page, no new one */
	CHECK_EQ(start + 1, fake_pages_outstanding());
	CHECK_EQ(0, zone_kept_pages());
	zfree(&z, a);
	CHECK_EQ(1, zone_reclaim());
	CHECK_EQ(start, fake_pages_outstanding());
	CHECK_EQ(0, zone_kept_pages());
	CHECK_EQ(0, z.pages);
}

UNIT_TEST(zalloc_returns_null_when_no_page_is_available)
{
	struct zone z;

	fake_zones_reset();
	zone_init(&z, "test", TEST_ELEM_BYTES);
	fake_page_alloc_fail(true);
	CHECK(zalloc(&z) == NULL);
	CHECK_EQ(0, z.in_use);
	CHECK_EQ(0, z.pages);
	fake_page_alloc_fail(false);
	CHECK((elems[0] = zalloc(&z)) != NULL);
	zfree(&z, elems[0]);
}

/*
 * kmem_alloc(bytes) must use the zone of want_zone-byte elements: a page
 * holds exactly as many of them as a zone of that size says (a smaller
 * zone would fit more in one page, a larger one fewer).
 */
static void check_kmem_zone(size_t bytes, size_t want_zone)
{
	struct zone probe;
	size_t start;

	fake_zones_reset();
	zone_init(&probe, "probe", want_zone);
	start = fake_pages_outstanding();
	for (size_t i = 0; i < probe.per_page; i++)
		CHECK((elems[i] = kmem_alloc(bytes)) != NULL);
	CHECK_EQ(start + 1, fake_pages_outstanding());
	CHECK((elems[probe.per_page] = kmem_alloc(bytes)) != NULL);
	CHECK_EQ(start + 2, fake_pages_outstanding());
	for (size_t i = 0; i <= probe.per_page; i++)
		kmem_free(elems[i], bytes);
	CHECK_EQ(1, zone_kept_pages());               /* kmem zones keep their last page */
	CHECK_EQ(start + 1, fake_pages_outstanding());
	CHECK_EQ(1, zone_reclaim());
	CHECK_EQ(start, fake_pages_outstanding());
	CHECK_EQ(0, fake_page_errors());
}

UNIT_TEST(kmem_alloc_uses_the_smallest_power_of_two_zone_that_fits)
{
	static const struct { size_t bytes, zone; } cases[] = {
		{ 1, 16 }, { 16, 16 }, { 17, 32 }, { 100, 128 },
		{ 1024, 1024 }, { 1025, 2048 }, { ZONE_ELEM_MAX, 2048 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_kmem_zone(cases[i].bytes, cases[i].zone);
}

UNIT_TEST(kmem_alloc_above_zone_max_takes_whole_zeroed_pages)
{
	static const struct { size_t bytes, pages; } cases[] = {
		{ ZONE_ELEM_MAX + 1, 1 }, { PAGE_SIZE, 1 }, { PAGE_SIZE + 1, 2 },
		{ 3 * PAGE_SIZE + 1, 4 },
	};

	fake_zones_reset();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t start = fake_pages_outstanding();
		void *p = kmem_alloc(cases[i].bytes);

		CHECK(p != NULL);
		CHECK_EQ(0, (uintptr_t)p & (PAGE_SIZE - 1));
		CHECK_EQ(start + cases[i].pages, fake_pages_outstanding());
		CHECK(bytes_all(p, cases[i].pages * PAGE_SIZE, 0));
		kmem_free(p, cases[i].bytes);
		CHECK_EQ(start, fake_pages_outstanding());
	}
	CHECK_EQ(0, fake_page_errors());
	kmem_free(NULL, PAGE_SIZE);                /* a no-op, not an error */
	kmem_free(NULL, 16);
	CHECK_EQ(0, fake_page_errors());
}

/*
 * zalloc.c — zones: fixed-size kernel objects in self-describing pages.
 *
 * No hardware dependence: the host unit tests link this file with their
 * own kmem_page_alloc.
 */
#include "kern/zalloc.h"
#include "lib/string.h"
#include "param.h"

/*
 * A page's free elements are its free list plus the ones never handed out
 * (from `carved` on): a fresh page is ready in constant time, instead of
 * threading every element onto the list first (a zone whose last object
 * dies gives its page back, so a zone that goes from one object to none
 * and back sets up a page each time; with 32-byte elements that loop was
 * over 120 elements).
 */
struct zone_page {
	struct zone *zone;
	struct list link;        /* in zone->partial or zone->full */
	void *free;              /* singly-linked freed elements */
	size_t used;
	size_t carved;           /* elements handed out at least once: the rest follow them */
};

#define ZONE_HEADER_BYTES ((sizeof(struct zone_page) + 15) & ~15UL)

/* The zones that keep an empty page (zone_keep_empty), for zone_reclaim. */
#define ZONE_KEEPERS_MAX 32
static struct zone *zone_keepers[ZONE_KEEPERS_MAX];
static size_t zone_keeper_count;
static size_t zone_kept;                 /* pages kept, all zones (atomic) */

/* The index of z among the keepers, or zone_keeper_count. */
static size_t zone_keeper_index(const struct zone *z)
{
	size_t i = 0;

	while (i < zone_keeper_count && zone_keepers[i] != z)
		i++;
	return i;
}

void zone_init(struct zone *z, const char *name, size_t elem_size)
{
	bool keeper = zone_keeper_index(z) < zone_keeper_count;

	if (keeper && z->kept)                 /* set up again (host tests): its kept
						* page is forgotten with the rest */
		__atomic_fetch_sub(&zone_kept, 1, __ATOMIC_RELAXED);
	z->name = name;
	z->elem_size = (elem_size + 15) & ~15UL;
	z->per_page = (PAGE_SIZE - ZONE_HEADER_BYTES) / z->elem_size;
	z->lock = (spinlock_t)SPINLOCK_INIT;
	list_init(&z->partial);
	list_init(&z->full);
	z->in_use = 0;
	z->pages = 0;
	z->keeps = keeper;
	z->kept = NULL;
}

/* From now on z keeps its last empty page (at boot, before any zalloc from
 * it; past ZONE_KEEPERS_MAX zones it keeps nothing, as zone_reclaim could
 * not find it). */
void zone_keep_empty(struct zone *z)
{
	if (zone_keeper_index(z) == zone_keeper_count && zone_keeper_count < ZONE_KEEPERS_MAX)
		zone_keepers[zone_keeper_count++] = z;
	z->keeps = zone_keeper_index(z) < zone_keeper_count;
}

size_t zone_kept_pages(void)
{
	return __atomic_load_n(&zone_kept, __ATOMIC_RELAXED);
}

/*
 * Give every kept page back to the pool; returns how many. The caller may
 * hold a zone's lock (the page allocator runs inside zalloc): zones are
 * tried, and one whose lock is taken is passed over.
 */
size_t zone_reclaim(void)
{
	size_t freed = 0;

	for (size_t i = 0; i < zone_keeper_count; i++) {
		struct zone *z = zone_keepers[i];
		struct zone_page *pg;
		uint64_t f;

		if (!__atomic_load_n(&z->kept, __ATOMIC_RELAXED) || !spin_trylock(&z->lock, &f))
			continue;
		pg = z->kept;
		z->kept = NULL;
		if (pg) {
			z->pages--;
			__atomic_fetch_sub(&zone_kept, 1, __ATOMIC_RELAXED);
		}
		spin_unlock(&z->lock, f);
		if (pg) {
			kmem_page_free(pg);
			freed++;
		}
	}
	return freed;
}

/* A fresh page, every element free (none carved yet). */
static struct zone_page *zone_page_new(struct zone *z)
{
	struct zone_page *pg = kmem_page_alloc();

	if (!pg)
		return NULL;
	pg->zone = z;
	pg->free = NULL;
	pg->used = 0;
	pg->carved = 0;
	list_push_front(&z->partial, &pg->link);
	z->pages++;
	return pg;
}

void *zalloc(struct zone *z)
{
	void *e = zalloc_uninit(z);

	if (e)
		memset(e, 0, z->elem_size);
	return e;
}

void *zalloc_uninit(struct zone *z)
{
	uint64_t f = spin_lock(&z->lock);
	struct zone_page *pg;
	void **e;

	if (list_empty(&z->partial) && z->kept) {   /* the page kept empty */
		list_push_front(&z->partial, &z->kept->link);
		z->kept = NULL;
		__atomic_fetch_sub(&zone_kept, 1, __ATOMIC_RELAXED);
	}
	if (list_empty(&z->partial) && !zone_page_new(z)) {
		spin_unlock(&z->lock, f);
		return NULL;
	}
	pg = list_entry(z->partial.next, struct zone_page, link);
	if (pg->free) {
		e = pg->free;
		pg->free = *e;
	} else {
		e = (void **)((char *)pg + ZONE_HEADER_BYTES + pg->carved++ * z->elem_size);
	}
	pg->used++;
	z->in_use++;
	if (pg->used == z->per_page) {
		list_unlink(&pg->link);
		list_push_front(&z->full, &pg->link);
	}
	spin_unlock(&z->lock, f);
	return e;
}

void zfree(struct zone *z, void *elem)
{
	struct zone_page *pg = (struct zone_page *)((uintptr_t)elem & ~(PAGE_SIZE - 1));
	uint64_t f = spin_lock(&z->lock);

	*(void **)elem = pg->free;
	if (pg->used == z->per_page) {          /* it was full */
		list_unlink(&pg->link);
		list_push_front(&z->partial, &pg->link);
	}
	pg->free = elem;
	pg->used--;
	z->in_use--;
	if (pg->used == 0) {
		list_unlink(&pg->link);
		if (z->keeps && !z->kept) {          /* kept for the next zalloc */
			z->kept = pg;
			__atomic_fetch_add(&zone_kept, 1, __ATOMIC_RELAXED);
			spin_unlock(&z->lock, f);
			return;
		}
		z->pages--;
		spin_unlock(&z->lock, f);
		kmem_page_free(pg);
		return;
	}
	spin_unlock(&z->lock, f);
}

/* Power-of-two zones behind kmem_alloc: 16 .. ZONE_ELEM_MAX bytes. */
#define KMEM_ZONES 8
static struct zone kmem_zones[KMEM_ZONES];
static const char *const kmem_zone_names[KMEM_ZONES] = {
	"kmem.16", "kmem.32", "kmem.64", "kmem.128",
	"kmem.256", "kmem.512", "kmem.1024", "kmem.2048",
};

/* Set up the kmem zones (once, at boot, before any kmem_alloc). */
void kmem_init(void)
{
	size_t size = 16;

	for (int i = 0; i < KMEM_ZONES; i++, size <<= 1) {
		zone_init(&kmem_zones[i], kmem_zone_names[i], size);
		zone_keep_empty(&kmem_zones[i]);  /* message bodies, copy objects, rights */
	}
}

/* The smallest kmem zone that fits, or NULL above ZONE_ELEM_MAX. */
static struct zone *kmem_zone_for(size_t bytes)
{
	size_t size = 16;

	for (int i = 0; i < KMEM_ZONES; i++, size <<= 1)
		if (bytes <= size)
			return &kmem_zones[i];
	return NULL;
}

static size_t kmem_pages_for(size_t bytes)
{
	return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

void *kmem_alloc(size_t bytes)
{
	struct zone *z = kmem_zone_for(bytes);
	void *p = z ? zalloc_uninit(z) : kmem_pages_alloc(kmem_pages_for(bytes));

	if (p)              /* a zone element: the bytes asked for, not its whole power of two */
		memset(p, 0, z ? bytes : kmem_pages_for(bytes) * PAGE_SIZE);
	return p;
}

/*
 * Like kmem_alloc, but whole-page allocations are not zeroed: for buffers
 * the caller overwrites entirely at once (a message copied in from user
 * memory), where zeroing 1 MiB would cost 131,072 counted instructions.
 */
void *kmem_alloc_uninit(size_t bytes)
{
	struct zone *z = kmem_zone_for(bytes);

	return z ? zalloc_uninit(z) : kmem_pages_alloc(kmem_pages_for(bytes));
}

void kmem_free(void *p, size_t bytes)
{
	struct zone *z = kmem_zone_for(bytes);

	if (!p)
		return;
	if (z)
		zfree(z, p);
	else
		kmem_pages_free(p, kmem_pages_for(bytes));
}

/*
 * default_pager.c — pageout of anonymous pages under memory pressure, and
 * the default pager's bookkeeping of which (object, offset) it holds. Where
 * the data goes is the PAGER axis (variants/pager-<value>/default_pager_store.c,
 * interface in pager.h): the kernel's own RAM-disk store, or a user task.
 *
 * Record i of the static table describes the i-th page the default pager
 * holds, so paging out allocates nothing: a full table just stops pageout
 * (the kernel's own pages and page tables are never paged, which is what
 * keeps pageout from deadlocking). Victims are object pages in the order
 * they became resident (FIFO), skipping pages of objects with an external
 * pager, wired objects (the user-level default pager's own memory) and
 * pages a fault is working on (busy). Pressure is "the page pool is empty" or, for
 * tests and experiments, "more object pages resident than
 * vm_resident_limit" (a limit a test can set with the vm_set_resident_limit
 * trap, standing in for a machine with little RAM).
 *
 * All of this runs with vm_lock held.
 */
#include "pager.h"
#include "vm/vm_object.h"
#include "vm/page_alloc.h"
#include "vm/phys.h"
#include "kern/kprintf.h"
#include "kern/port.h"
#include "kern/stats.h"
#include "lib/list.h"
#include "lib/string.h"
#include "pmap.h"
#include <mach/types.h>
#include "param.h"

#define DEFAULT_PAGER_BUCKETS 1024

static struct ds_record records[DEFAULT_PAGER_SLOTS];
static struct list free_records = LIST_INIT(free_records);
static struct list buckets[DEFAULT_PAGER_BUCKETS];
static struct list resident_fifo = LIST_INIT(resident_fifo);
static uint64_t object_pages;          /* object pages resident */
uint64_t vm_resident_limit;            /* 0: only an empty pool is pressure */

void default_pager_init(void)
{
	dp_store_init();
	for (int i = 0; i < DEFAULT_PAGER_BUCKETS; i++)
		list_init(&buckets[i]);
	for (int i = 0; i < DEFAULT_PAGER_SLOTS; i++)
		list_push_back(&free_records, &records[i].hash_link);
}

static struct list *ds_bucket(const struct vm_object *obj, uint64_t offset)
{
	uint64_t h = ((uintptr_t)obj >> 6) * 0x9E3779B97F4A7C15UL + offset / PAGE_SIZE;

	return &buckets[(h ^ (h >> 31)) % DEFAULT_PAGER_BUCKETS];
}

size_t ds_record_index(const struct ds_record *r)
{
	return (size_t)(r - records);
}

static struct ds_record *ds_lookup(struct vm_object *obj, uint64_t offset)
{
	if (list_empty(&obj->paged_out))
		return NULL;
	list_for_each(l, ds_bucket(obj, offset)) {
		struct ds_record *r = list_entry(l, struct ds_record, hash_link);

		if (r->object == obj && r->offset == offset)
			return r;
	}
	return NULL;
}

void ds_free(struct ds_record *r)
{
	list_unlink(&r->object_link);
	list_unlink(&r->hash_link);
	r->object = NULL;
	list_push_back(&free_records, &r->hash_link);
}

/* Account a page that became resident / stopped being resident. */
void default_pager_page_added(struct vm_page *page)
{
	list_push_back(&resident_fifo, &page->fifo_link);
	page->in_fifo = true;
	object_pages++;
}

void default_pager_page_removed(struct vm_page *page)
{
	if (!page->in_fifo)
		return;
	list_unlink(&page->fifo_link);
	page->in_fifo = false;
	object_pages--;
}

bool default_pager_pressure(void)
{
	return (vm_resident_limit && object_pages >= vm_resident_limit) ||
	       page_free_count() <= PAGE_RESERVE;
}

/* Hand one victim page to the store; false if nothing can go. */
bool default_pager_pageout_one(void)
{
	if (list_empty(&free_records) || !dp_store_ready())
		return false;                              /* the store is full or absent */
	list_for_each(l, &resident_fifo) {
		struct vm_page *page = list_entry(l, struct vm_page, fifo_link);
		struct vm_object *obj = page->object;
		struct ds_record *r;

		if (page->busy || obj->wired ||
		    (obj->pager && (!obj->default_paged || !obj->pager->active)))
			continue;                          /* (a dead default pager takes no more) */
		r = list_entry(list_pop_front(&free_records), struct ds_record, hash_link);
		r->object = obj;
		r->offset = page->offset;
		list_push_front(ds_bucket(obj, page->offset), &r->hash_link);
		list_push_back(&obj->paged_out, &r->object_link);
		pmap_page_protect(vm_page_pa(page), VM_PROT_NONE);
		if (!dp_store_page(page, r)) {            /* the page leaves obj, or stays */
			ds_free(r);
			return false;
		}
		stats_inc(STAT_PAGEOUTS);
		return true;
	}
	return false;
}

/*
 * Bring obj's page at offset back, if the default pager holds it: the page,
 * or NULL with *wait set when the store must be asked and waited for (with
 * no lock held: pager_fault_wait).
 */
struct vm_page *default_pager_pagein(struct vm_object *obj, uint64_t offset, bool *wait)
{
	struct ds_record *r = ds_lookup(obj, offset);

	*wait = false;
	return r ? dp_fetch_page(obj, offset, r, wait) : NULL;
}

/* Whether the default pager holds obj's page at offset (it is not resident). */
bool default_pager_holds(struct vm_object *obj, uint64_t offset)
{
	return ds_lookup(obj, offset) != NULL;
}

/* A page for (obj, offset) came back another way (a pager's supply): forget
 * the record; whether there was one. */
bool default_pager_forget(struct vm_object *obj, uint64_t offset)
{
	struct ds_record *r = ds_lookup(obj, offset);

	if (r) {
		ds_free(r);
		stats_inc(STAT_PAGEINS);
	}
	return r != NULL;
}

/* The object died: its slots are free. */
void default_pager_object_dead(struct vm_object *obj)
{
	list_for_each_safe(l, &obj->paged_out)
		ds_free(list_entry(l, struct ds_record, object_link));
}

/*
 * Slots of `from` at offsets [start, end) now belong to `to` at offset -
 * delta (collapse and split move pages the same way); those `to` already
 * has (resident or paged out) are dropped.
 */
void default_pager_move(struct vm_object *from, struct vm_object *to, uint64_t start,
			uint64_t end, uint64_t delta)
{
	list_for_each_safe(l, &from->paged_out) {
		struct ds_record *r = list_entry(l, struct ds_record, object_link);
		uint64_t off = r->offset - delta;

		if (r->offset < start || r->offset >= end)
			continue;
		if (r->offset < delta || vm_page_lookup(to, off) || ds_lookup(to, off)) {
			ds_free(r);
			continue;
		}
		list_unlink(&r->object_link);
		list_unlink(&r->hash_link);
		r->object = to;
		r->offset = off;
		list_push_front(ds_bucket(to, off), &r->hash_link);
		list_push_back(&to->paged_out, &r->object_link);
	}
}

/*
 * pager.h — what the fault path needs from an object's pager.
 *
 * An object backed by a pager (object->pager) gets its pages from it: on a
 * miss the fault path asks with pager_data_request and waits, with no map or
 * object lock held, in pager_wait until the page is resident, the pager
 * fails, or it times out. External (user-level) pagers are reached by
 * messages on a memory object port (include/mach/memory_object.h); the
 * kernel holds a send right to that port and the receive right of the
 * object's control port, on which the pager answers with a send right the
 * kernel gave it in MEMORY_OBJECT_INIT. The default pager for anonymous
 * memory (PAGER=kernel|user) comes with paging later in the VM issue.
 */
#ifndef PAGER_H
#define PAGER_H

#include <stdbool.h>
#include <stdint.h>
#include <mach/kern_return.h>
#include <mach/types.h>
#include "lib/list.h"

struct vm_object;
struct vm_map;
struct port;
struct kmsg;

/* Back a new object of size bytes with the pager reached through pager_port (a send right). */
kern_return_t pager_object_create(struct port *pager_port, uint64_t size, struct vm_object **out);
bool pager_object_attach(struct vm_object *obj, struct port *pager_port);
void pager_send_page(struct vm_object *obj, int id, const uint64_t *words, uint32_t n,
		     struct vm_object *page_obj);
/* Ask for the page at offset and wait for it (no locks held; obj referenced by the caller). */
kern_return_t pager_fault_wait(struct vm_object *obj, uint64_t offset, vm_prot_t access);
/*
 * The send half of a mach_msg carrying a one-page DATA_SUPPLY of a page the
 * pager keeps (PAGER_SUPPLY_FAST_BYTES long): taken without a kernel
 * message (vm_pager.c). False: not that shape; nothing was done.
 */
#define PAGER_SUPPLY_FAST_BYTES 64
struct mach_msg_args;
bool pager_supply_fast(const struct mach_msg_args *a);
/* The object's last reference went (vm_lock held): its pager link goes later (deferred.h). */
void pager_object_dead(struct vm_object *obj);
/* A message arrived on an object's control port (consumes it). */
void pager_control_server(struct kmsg *m, struct vm_object *obj);

/*
 * The default pager for anonymous memory. default_pager.c chooses victims
 * and keeps one record per page it holds; where the data goes is the PAGER
 * axis: variants/pager-<value>/default_pager_store.c (dp_*). vm_lock is held
 * unless stated otherwise.
 */
#define DEFAULT_PAGER_SLOTS 4096   /* pages the default pager can hold (16 MiB) */

extern uint64_t vm_resident_limit;
struct vm_page;
struct vm_map;

struct ds_record {
	struct vm_object *object;      /* NULL: free */
	uint64_t offset;
	struct list hash_link;         /* bucket, or the free list */
	struct list object_link;       /* object->paged_out */
};

void default_pager_init(void);
bool default_pager_pressure(void);
bool default_pager_pageout_one(void);
struct vm_page *default_pager_pagein(struct vm_object *obj, uint64_t offset, bool *wait);
bool default_pager_forget(struct vm_object *obj, uint64_t offset);
bool default_pager_holds(struct vm_object *obj, uint64_t offset);
void default_pager_page_added(struct vm_page *page);
void default_pager_page_removed(struct vm_page *page);
void default_pager_object_dead(struct vm_object *obj);
void default_pager_move(struct vm_object *from, struct vm_object *to, uint64_t start,
			uint64_t end, uint64_t delta);
size_t ds_record_index(const struct ds_record *r);
void ds_free(struct ds_record *r);

/* The store (PAGER axis). */
void dp_store_init(void);
bool dp_store_ready(void);               /* can take pages now */
bool dp_store_page(struct vm_page *page, struct ds_record *r);   /* the page leaves its object */
struct vm_page *dp_fetch_page(struct vm_object *obj, uint64_t offset, struct ds_record *r,
			      bool *wait);
kern_return_t dp_register(struct vm_map *map, struct port *pager);   /* no locks held */
uint32_t dp_kind(void);                  /* DEFAULT_PAGER_KIND_* */

#endif

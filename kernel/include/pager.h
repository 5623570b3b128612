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

struct vm_object;
struct vm_map;
struct port;
struct kmsg;

/* Back a new object of size bytes with the pager reached through pager_port (a send right). */
kern_return_t pager_object_create(struct port *pager_port, uint64_t size, struct vm_object **out);
bool pager_object_attach(struct vm_object *obj, struct port *pager_port);
/* Ask for the page at offset and wait for it (no locks held; obj referenced by the caller). */
kern_return_t pager_fault_wait(struct vm_object *obj, uint64_t offset, vm_prot_t access);
/* The object's last reference went (vm_lock held): its pager link goes later (deferred.h). */
void pager_object_dead(struct vm_object *obj);
/* A message arrived on an object's control port (consumes it). */
void pager_control_server(struct kmsg *m, struct vm_object *obj);

/*
 * The default pager for anonymous memory (default_pager.c): in the kernel,
 * by direct calls, with a RAM-disk backing store. vm_lock held throughout.
 */
extern uint64_t vm_resident_limit;
struct vm_page;
void default_pager_init(void);
bool default_pager_pressure(void);
bool default_pager_pageout_one(void);
struct vm_page *default_pager_pagein(struct vm_object *obj, uint64_t offset);
void default_pager_page_added(struct vm_page *page);
void default_pager_page_removed(struct vm_page *page);
void default_pager_object_dead(struct vm_object *obj);
void default_pager_move(struct vm_object *from, struct vm_object *to, uint64_t start,
			uint64_t end, uint64_t delta);

#endif

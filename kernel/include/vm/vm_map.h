/*
 * vm_map.h — a task's address space: a sorted list of entries, each a
 * page-aligned range with a protection, a maximum protection and an
 * inheritance. Memory is anonymous and zero-filled on first touch (see
 * vm_fault.h); the VM issue adds memory objects behind the entries.
 */
#ifndef VM_VM_MAP_H
#define VM_VM_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <mach/kern_return.h>
#include <mach/types.h>
#include "kern/lock.h"
#include "lib/list.h"

struct pmap;

struct vm_map_entry {
	struct list link;        /* in vm_map.entries, sorted by start */
	vm_address_t start, end; /* [start, end), page-aligned */
	vm_prot_t prot, max_prot;
	vm_inherit_t inherit;
};

struct vm_map {
	spinlock_t lock;
	struct list entries;
	size_t nentries;
	vm_address_t min, max;   /* the range entries may occupy */
	struct pmap *pmap;
};

struct vm_map *vm_map_create(struct pmap *pmap, vm_address_t min, vm_address_t max);
void vm_map_destroy(struct vm_map *map);   /* removes everything, then frees the map */

kern_return_t vm_map_allocate(struct vm_map *map, vm_address_t *addr, vm_size_t size,
			      int flags, vm_prot_t prot);
kern_return_t vm_map_deallocate(struct vm_map *map, vm_address_t addr, vm_size_t size);
kern_return_t vm_map_protect(struct vm_map *map, vm_address_t addr, vm_size_t size,
			     vm_prot_t prot);

/* Callers hold map->lock. */
struct vm_map_entry *vm_map_lookup_locked(struct vm_map *map, vm_address_t addr);
kern_return_t vm_map_check_range(const struct vm_map *map, vm_address_t addr,
				 vm_size_t size, vm_address_t *end);

#endif

/*
 * vm_map.h — a task's address space: a sorted list of entries, each
 * mapping a page-aligned range onto (part of) a memory object at an
 * offset, with a protection, a maximum protection and an inheritance. An
 * entry's object is made at its first fault (never-touched memory costs
 * nothing); needs_copy marks an entry that shares its object copy-on-write
 * and must shadow it before its first write.
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
struct vm_object;

struct vm_map_entry {
	struct list link;        /* in vm_map.entries, sorted by start */
	vm_address_t start, end; /* [start, end), page-aligned */
	vm_prot_t prot, max_prot;
	vm_inherit_t inherit;
	struct vm_object *object;  /* NULL until the first fault */
	uint64_t offset;           /* of start in object */
	bool needs_copy;           /* object is shared copy-on-write: shadow before writing */
	bool shared;               /* object is mapped by other entries (SHARE inheritance) */
	bool pmapped;              /* a fault has entered a translation for it: pmap work
				    * on its range may find something (false: skip it, so a
				    * region never touched costs nothing to remove or protect,
				    * whatever its size) */
};

struct ledger;

struct vm_map {
	spinlock_t lock;
	struct list entries;
	size_t nentries;
	vm_address_t min, max;   /* the range entries may occupy */
	struct pmap *pmap;
	bool wired;              /* its objects are never paged out (vm_map_wire) */
	struct ledger *ledger;   /* its task's: entries are charged to it (NULL: not charged) */
	struct vm_map_entry *hint; /* the entry the last lookup found (Mach's lookup hint);
				    * NULL once it is freed */
};

struct vm_map *vm_map_create(struct pmap *pmap, vm_address_t min, vm_address_t max);
void vm_map_destroy(struct vm_map *map);   /* removes everything, then frees the map */
void vm_map_wire(struct vm_map *map);      /* its objects, present and future, are never paged out */

/* Kernel-only flag of vm_map_allocate: fresh memory right after an entry of
 * the same kind may extend that entry instead of making one (vm_map_extend).
 * The vm_allocate trap asks for it at a fixed address (a heap grown by brk),
 * not anywhere: successive anywhere allocations are adjacent, and one entry
 * holding many regions makes sending one of them copy-on-write clip and
 * split an object in proportion to all their pages (measured: the
 * out-of-line round trip grew from 4,631 to 7,638 at 4 KiB and with the
 * size). Not for space the kernel then fills either (a received region). */
#define VM_ALLOC_EXTEND   0x100

kern_return_t vm_map_allocate(struct vm_map *map, vm_address_t *addr, vm_size_t size,
			      int flags, vm_prot_t prot);
kern_return_t vm_map_enter(struct vm_map *map, vm_address_t *addr, vm_size_t size, int flags,
			   vm_prot_t prot, struct vm_object *obj, uint64_t offset);
kern_return_t vm_map_deallocate(struct vm_map *map, vm_address_t addr, vm_size_t size);
kern_return_t vm_map_protect(struct vm_map *map, vm_address_t addr, vm_size_t size,
			     vm_prot_t prot);

kern_return_t vm_map_inherit(struct vm_map *map, vm_address_t addr, vm_size_t size,
			     vm_inherit_t inherit);
kern_return_t vm_map_fork(struct vm_map *parent, struct vm_map *child);

/* A copy of a range in transit (an out-of-line region in a message). */
struct vm_map_copy;
/* move: the sender deallocates the range (MACH_MSG_OOL_DEALLOCATE); see msg_ool.h. */
kern_return_t vm_map_copyin(struct vm_map *map, vm_address_t addr, vm_size_t size, bool move,
			    struct vm_map_copy **out);
/* The two ways whole pages go into a copy (map unlocked): shared copy-on-write, or copied now. */
kern_return_t vm_copy_shared(struct vm_map *map, vm_address_t start, vm_address_t end,
			     struct vm_map_copy *copy);
kern_return_t vm_copy_physical(struct vm_map *map, vm_address_t start, vm_address_t end,
			       struct vm_map_copy *copy);
kern_return_t vm_map_copyout(struct vm_map *map, struct vm_map_copy *copy, vm_address_t *addr);
void vm_map_copy_discard(struct vm_map_copy *copy);
uint64_t vm_map_copy_page(struct vm_map_copy *copy, uint64_t i);
struct vm_page *vm_map_copy_take_page(struct vm_map_copy *copy, uint64_t i);
struct vm_object;
struct vm_map_copy *vm_map_copy_of_object(struct vm_object *obj, uint64_t size);
kern_return_t vm_map_copy_resident(struct vm_map_copy *copy);

struct vm_region_info;
struct vm_debug_info;
kern_return_t vm_map_region(struct vm_map *map, vm_address_t *addr, struct vm_region_info *info);
kern_return_t vm_map_debug(struct vm_map *map, vm_address_t addr, struct vm_debug_info *info);

/* Callers hold map->lock. */
struct vm_map_entry *vm_map_entry_alloc(struct vm_map *map);
void vm_map_entry_link(struct vm_map *map, struct list *after, struct vm_map_entry *e);
struct vm_map_entry *vm_map_lookup_locked(struct vm_map *map, vm_address_t addr);
kern_return_t vm_map_check_range(const struct vm_map *map, vm_address_t addr,
				 vm_size_t size, vm_address_t *end);

#endif

/*
 * vm_fault.h — resolving faults and touching user memory from the kernel.
 *
 * The kernel touches user memory only through these. For the address space
 * loaded on this CPU it copies directly with user_copy, whose faults go
 * through the same path as user faults and, when unresolvable, end the copy
 * with an error instead of a kernel fault. For any other task it resolves
 * each page through the task's map (look up the entry, check protection,
 * zero-fill on first touch, enter the translation) and copies through the
 * direct map. Either way a bad pointer yields an error code. A supervisor
 * thread's memory (UNIX=colocated) also includes the kernel half, which the
 * same copies reach (its own pointers only: supervisor_range.h).
 */
#ifndef VM_VM_FAULT_H
#define VM_VM_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <mach/kern_return.h>
#include <mach/types.h>
#include "param.h"
#include "supervisor_range.h"   /* (the UNIX axis: unix_server.h) */

struct vm_map;
struct vm_object;

/* Kernel-internal: the fault needs a pager's page (never returned to users). */
#define KERN_PAGER_WAIT 1000

struct pager_miss {
	struct vm_object *object;     /* referenced */
	uint64_t offset;
};

/* Resolve a user-mode fault at va for the given access. */
kern_return_t vm_fault(struct vm_map *map, vm_address_t va, vm_prot_t access);

/*
 * Visit [uaddr, uaddr+len) page by page with the map locked, resolving each
 * page for access (force: ignore protection, for the ELF loader) and calling
 * fn(ctx, kernel address of the bytes, offset into the range, length).
 */
typedef void (*vm_chunk_fn)(void *ctx, void *kva, size_t off, size_t n);
kern_return_t vm_map_visit(struct vm_map *map, vm_address_t uaddr, size_t len,
			   vm_prot_t access, bool force, vm_chunk_fn fn, void *ctx);

int user_copy(void *dst, const void *src, size_t n);   /* entry.S: 0 or -1 */

/* Does [addr, addr+len) lie inside the user half (no wrap-around)? */
static inline bool user_range_ok(uint64_t addr, uint64_t len)
{
	return addr >= USER_SPACE_START && addr <= USER_SPACE_END && len <= USER_SPACE_END - addr;
}

/* May the caller pass [addr, addr+len) as its own memory: the user half, or a
 * supervisor thread's own memory in the kernel half (UNIX=colocated)? Only
 * for the caller's buffers; an address in another task is user_range_ok's. */
static inline bool caller_range_ok(uint64_t addr, uint64_t len)
{
	return user_range_ok(addr, len) || supervisor_range_ok(addr, len);
}
kern_return_t vm_copyin(struct vm_map *map, vm_address_t uaddr, void *kbuf, size_t len);
kern_return_t vm_copyout(struct vm_map *map, const void *kbuf, vm_address_t uaddr, size_t len);
kern_return_t vm_copyout_probe(struct vm_map *map, const void *kbuf, vm_address_t uaddr,
			       size_t len);

#endif

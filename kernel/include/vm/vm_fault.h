/*
 * vm_fault.h — resolving faults and touching user memory from the kernel.
 *
 * The kernel never dereferences a user pointer. It resolves each page of a
 * user range through the task's map (the same path a user fault takes:
 * look up the entry, check protection, zero-fill on first touch, enter the
 * translation) and copies through the direct map. A bad pointer therefore
 * yields an error code, never a kernel fault.
 */
#ifndef VM_VM_FAULT_H
#define VM_VM_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <mach/kern_return.h>
#include <mach/types.h>

struct vm_map;

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

kern_return_t vm_copyin(struct vm_map *map, vm_address_t uaddr, void *kbuf, size_t len);
kern_return_t vm_copyout(struct vm_map *map, const void *kbuf, vm_address_t uaddr, size_t len);

#endif

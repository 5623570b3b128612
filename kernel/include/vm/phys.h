/*
 * phys.h — where physical memory appears in the kernel's address space.
 *
 * Physical 0..4 GiB is mapped at PHYS_MAP_BASE (the direct map, built by
 * boot.S with 2 MiB pages); the kernel image runs at KERNEL_VMA + its
 * physical address. The kernel therefore manages at most 4 GiB of RAM.
 */
#ifndef VM_PHYS_H
#define VM_PHYS_H

#include <stdint.h>

#define PHYS_MAP_BASE   0xFFFF800000000000UL
#define PHYS_MAP_BYTES  (4UL << 30)
#define KERNEL_VMA      0xFFFFFFFF80000000UL

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(PHYS_MAP_BASE + pa);
}

/* Physical address of a direct-map or kernel-image address. */
static inline uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;

	return v >= KERNEL_VMA ? v - KERNEL_VMA : v - PHYS_MAP_BASE;
}

#endif

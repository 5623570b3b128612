/*
 * boot_info.h — what the boot loader told us, in the kernel's own terms.
 *
 * multiboot.c parses the Multiboot v1 information block into this once;
 * nothing else in the kernel knows the Multiboot format.
 */
#ifndef KERN_BOOT_INFO_H
#define KERN_BOOT_INFO_H

#include <stdint.h>
#include <stddef.h>
#include "param.h"

#define BOOT_MEM_RANGES_MAX 32
#define BOOT_CMDLINE_MAX    4096   /* bytes of a module command line kept (= SPAWN_ARGS_MAX_BYTES) */

struct boot_range {
	uint64_t start, end;     /* physical, [start, end) */
};

struct boot_module {
	uint64_t start, end;     /* physical, [start, end) */
	char cmdline[BOOT_CMDLINE_MAX];
};

struct boot_info {
	struct boot_range mem[BOOT_MEM_RANGES_MAX];   /* usable RAM */
	size_t nmem;
	struct boot_module modules[BOOT_MODULES_MAX];
	size_t nmodules;
	uint64_t reserved_end;   /* end of the kernel image and boot data */
};

extern struct boot_info boot_info;

void boot_info_parse(uint32_t mbi_phys, uint32_t magic);

#endif

/*
 * multiboot.c — read the Multiboot v1 information block into boot_info.
 *
 * Module data and the information block itself stay where the loader put
 * them; their frames are kept out of the page pool (see page_alloc_init).
 */
#include "kern/boot_info.h"
#include "kern/kprintf.h"
#include "lib/string.h"
#include "vm/phys.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002
#define MB_INFO_MEM_MAP  (1u << 6)
#define MB_INFO_MODS     (1u << 3)
#define MB_MEMORY_AVAILABLE 1

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_mmap_entry {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

struct mb_module {
	uint32_t mod_start, mod_end, string, reserved;
} __attribute__((packed));

struct boot_info boot_info;

extern char kernel_image_end[];

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static void boot_info_parse_mmap(const struct mb_info *mbi)
{
	uint64_t p = mbi->mmap_addr, end = p + mbi->mmap_length;

	while (p < end && boot_info.nmem < BOOT_MEM_RANGES_MAX) {
		const struct mb_mmap_entry *e = phys_to_virt(p);

		if (e->type == MB_MEMORY_AVAILABLE && e->len > 0) {
			boot_info.mem[boot_info.nmem].start = e->addr;
			boot_info.mem[boot_info.nmem].end = e->addr + e->len;
			boot_info.nmem++;
		}
		p += e->size + sizeof(e->size);
	}
	boot_info.reserved_end = max_u64(boot_info.reserved_end, end);
}

static void boot_info_parse_modules(const struct mb_info *mbi)
{
	const struct mb_module *m = phys_to_virt(mbi->mods_addr);

	if (mbi->mods_count > BOOT_MODULES_MAX)
		kprintf("machlab: %u boot modules, keeping the first %d\n",
			mbi->mods_count, BOOT_MODULES_MAX);
	for (uint32_t i = 0; i < mbi->mods_count && i < BOOT_MODULES_MAX; i++) {
		struct boot_module *bm = &boot_info.modules[boot_info.nmodules++];

		bm->start = m[i].mod_start;
		bm->end = m[i].mod_end;
		strncpy_z(bm->cmdline, m[i].string ? phys_to_virt(m[i].string) : "",
			  sizeof(bm->cmdline));
		if (m[i].string && strlen(phys_to_virt(m[i].string)) >= sizeof(bm->cmdline))
			kprintf("machlab: boot module %u: command line longer than %zu bytes, cut\n",
				i, sizeof(bm->cmdline) - 1);
		boot_info.reserved_end = max_u64(boot_info.reserved_end, m[i].mod_end);
		if (m[i].string)
			boot_info.reserved_end = max_u64(boot_info.reserved_end,
				m[i].string + strlen(phys_to_virt(m[i].string)) + 1);
	}
	boot_info.reserved_end = max_u64(boot_info.reserved_end,
		mbi->mods_addr + mbi->mods_count * sizeof(*m));
}

/* Parse the loader's information block (called once, before paging setup changes). */
void boot_info_parse(uint32_t mbi_phys, uint32_t magic)
{
	const struct mb_info *mbi = phys_to_virt(mbi_phys);

	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		panic("not booted by a Multiboot loader (magic 0x%x)", magic);
	boot_info.reserved_end = max_u64(virt_to_phys(kernel_image_end),
					 mbi_phys + sizeof(*mbi));
	if (!(mbi->flags & MB_INFO_MEM_MAP))
		panic("the boot loader gave no memory map");
	boot_info_parse_mmap(mbi);
	if (mbi->flags & MB_INFO_MODS)
		boot_info_parse_modules(mbi);
}

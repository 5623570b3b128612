/* linux_carve.h: turning a Linux bzImage into the uncompressed vmlinux that
 * QEMU boots with -kernel through its PVH entry point. The x86 boot protocol
 * header (HdrS at 0x202, version >= 2.08) locates the compressed payload; it
 * must be xz, which xz(1) decompresses; the result must be an ELF64 x86-64
 * executable with a Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY). */
#ifndef MACHLAB_LINUX_CARVE_H
#define MACHLAB_LINUX_CARVE_H

#include <stddef.h>

#define LINUX_XZ_TIMEOUT_MS 120000 /* decompressing a kernel takes about a second */

int linux_carve(const char *bzimage_path, const char *vmlinux_out, char *err, size_t err_bytes);
int linux_pvh_check(const char *vmlinux_path, char *err, size_t err_bytes);

#endif

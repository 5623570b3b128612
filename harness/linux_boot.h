/* linux_boot.h: how the harness boots the monolithic baseline, a stock Debian
 * Linux kernel, in the one QEMU machine (qemu.c). A Linux target is a
 * directory holding the kernel carved from Debian's package (vmlinux, booted
 * through its PVH entry), the root archive (root.cpio, the initramfs) and
 * VERSION (the packages it came from: linux_pkg.h). The archive's /init
 * (bench/unix/init.c) takes its mode from the command line after "--". */
#ifndef MACHLAB_LINUX_BOOT_H
#define MACHLAB_LINUX_BOOT_H

#include <stdbool.h>
#include <stddef.h>

#define LINUX_KERNEL_FILE "vmlinux"
#define LINUX_ROOT_FILE "root.cpio"

/* Every Linux boot's command line before "--"; REPORT.md says why each word is
 * there. No "nokaslr": the kernel is booted uncompressed, so the decompressor
 * that would randomise it never runs, and the kernel proper would hand the
 * unknown word to /init as an argument. */
#define LINUX_CMDLINE                                                                      \
	"console=ttyS0 quiet panic=-1 norandmaps cryptomgr.notests noapictimer "           \
	"tsc_early_khz=1000000 tsc=reliable"

/* The line /init prints for "run" before the program starts, and the records
 * after it ends; each starts with this byte, so that a record is found even
 * after output that did not end its line. */
#define LINUX_RUN_MARK '\001'
#define LINUX_RUN_START "MACHLAB run start"
#define LINUX_RUN_EXIT "MACHLAB exit "
#define LINUX_RUN_SIGNAL "MACHLAB signal "
#define LINUX_RUN_ERROR "MACHLAB error "
#define LINUX_RUN_ARGV_PATH "/etc/machlab/run.argv" /* the program's argv, NUL-terminated */

bool linux_target_is(const char *dir);
char *linux_cmdline(const char *init_args);

#endif

/* qemu.h: the one QEMU machine configuration every target boots in (the
 * microkernel with multiboot modules, Linux with an initramfs), and
 * running one boot of it: killed at its wall-clock timeout, or earlier as a
 * kernel hang when the guest prints nothing for silence_timeout_ms. */
#ifndef MACHLAB_QEMU_H
#define MACHLAB_QEMU_H

#include <stdbool.h>

#include "proc.h"
#include "strlist.h"

#define QEMU_DEFAULT_BINARY "qemu-system-x86_64"
#define QEMU_MEMORY_MIB "256"                /* guest RAM */
#define QEMU_CPU_MODEL "qemu64"              /* see DESIGN.md §4 */
#define QEMU_RTC_BASE "2024-01-01T00:00:00"  /* guest wall clock never follows the host */
#define QEMU_DEBUG_EXIT_IOBASE "0xf4"        /* isa-debug-exit: exit code is (v << 1) | 1 */
#define QEMU_EXIT_CLEAN 1                    /* the kernel wrote 0 to the debug-exit port */
#define QEMU_ACCELERATOR_NAME "tcg-icount"   /* what results say they were measured under */
#define QEMU_KVM_ACCELERATOR_NAME "kvm"      /* ... on a KVM boot (the guest's TSC: unit cyc) */
#define QEMU_KVM_CPU_MODEL "host"            /* a KVM boot's CPU: the host's, PMU included */

/* One multiboot module: "path args" on the kernel's module command line. */
struct qemu_module {
	const char *path;
	const char *args; /* space-separated; NULL or "" for none */
};

struct qemu_boot {
	const char *qemu_path;   /* QEMU binary (tests substitute a fake) */
	const char *kernel_path; /* multiboot kernel given to -kernel */
	const struct qemu_module *modules; /* multiboot modules, or NULL: see initrd_path */
	size_t module_count;
	const char *initrd_path; /* a Linux initramfs given whole to -initrd (no modules then) */
	const char *append;      /* kernel command line (-append), or NULL */
	const char *plugin;      /* a TCG plugin and its arguments (-plugin), or NULL */
	bool kvm;                /* -accel kvm -cpu host instead of TCG icount (qemu64) */
	const char *const *wrapper; /* NULL-terminated words run before QEMU's (e.g. perf
				     * stat ... --), or NULL */
	int timeout_ms;
	int silence_timeout_ms; /* no serial line for this long: a kernel hang; 0: none */
	int memory_mib;       /* 0: QEMU_MEMORY_MIB (only the little-RAM boot differs) */
	proc_line_fn on_line; /* each serial line as it arrives; may be NULL */
	proc_tick_fn on_tick; /* progress tick; may be NULL */
	int tick_interval_ms;
	void *ctx;
};

struct qemu_result {
	struct proc_status status;
	struct strlist lines; /* everything the guest and QEMU printed */
};

int qemu_initrd_format(const struct qemu_module *modules, size_t count, char **out);
int qemu_argv_build(const struct qemu_boot *boot, struct strlist *argv);
int qemu_run(const struct qemu_boot *boot, struct qemu_result *result);
void qemu_result_free(struct qemu_result *result);
bool qemu_status_clean(const struct proc_status *status);
void qemu_status_describe(const struct proc_status *status, const struct qemu_boot *boot,
			  char *buf, size_t buf_bytes);

#endif

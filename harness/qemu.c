/* qemu.c: owns the QEMU command line. Every boot of every target goes
 * through qemu_argv_build, so all targets run in exactly the same machine;
 * only the test boot with little RAM asks for a different memory size, and
 * a KVM boot (kvm_probe.h) swaps TCG icount and qemu64 for KVM and the
 * host's CPU.
 * Targets differ in what follows the machine: the microkernel gets multiboot
 * modules, Linux an initramfs and a command line. */
#include "qemu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Everything but the kernel and its modules: TCG with icount so guest time
 * counts instructions, a fixed RTC, no network, serial console on stdio. */
static const char *const qemu_fixed_args[] = {
	"-machine", "pc", "-cpu", QEMU_CPU_MODEL, "-m", QEMU_MEMORY_MIB "M", "-smp", "1",
	"-accel", "tcg", "-icount", "shift=0,align=off,sleep=off",
	"-rtc", "base=" QEMU_RTC_BASE ",clock=vm", "-nic", "none", "-display", "none",
	"-monitor", "none", "-serial", "stdio", "-no-reboot",
	"-device", "isa-debug-exit,iobase=" QEMU_DEBUG_EXIT_IOBASE ",iosize=0x04",
};

struct qemu_run_ctx {
	const struct qemu_boot *boot;
	struct qemu_result *result;
};

/* Writes s to out with each ',' doubled, as QEMU's -initrd list requires. */
static void qemu_initrd_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == ',')
			fputc(',', out);
		fputc(*s, out);
	}
}

/* Builds the -initrd value for the modules: "path args" joined by commas.
 * Returns 0 with a malloc'd *out, -EINVAL for an empty path or one holding a
 * space (the guest splits module lines at spaces), or -ENOMEM. */
int qemu_initrd_format(const struct qemu_module *modules, size_t count, char **out)
{
	for (size_t i = 0; i < count; i++)
		if (!modules[i].path[0] || strchr(modules[i].path, ' '))
			return -EINVAL;
	size_t bytes;
	FILE *mem = open_memstream(out, &bytes);
	if (!mem)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		if (i > 0)
			fputc(',', mem);
		qemu_initrd_escape(mem, modules[i].path);
		if (modules[i].args && modules[i].args[0]) {
			fputc(' ', mem);
			qemu_initrd_escape(mem, modules[i].args);
		}
	}
	return fclose(mem) == 0 ? 0 : -ENOMEM;
}

/* Fills argv (which must start empty) with the full QEMU command line for
 * boot: the fixed machine, the profiling plugin if any, then -kernel, then
 * -initrd (the multiboot modules, or a Linux initramfs file) and -append.
 * Returns 0, -EINVAL (modules and an initramfs both, a bad module path, a
 * comma in the initramfs path) or -ENOMEM; argv must be freed either way. */
int qemu_argv_build(const struct qemu_boot *boot, struct strlist *argv)
{
	char *initrd = NULL;
	int rc = 0;
	if (boot->initrd_path && boot->module_count > 0)
		return -EINVAL;
	if (boot->initrd_path) {
		/* QEMU's Linux loader takes the name as it is: no comma escaping */
		if (!boot->initrd_path[0] || strchr(boot->initrd_path, ','))
			return -EINVAL;
		rc = (initrd = strdup(boot->initrd_path)) ? 0 : -ENOMEM;
	} else if (boot->module_count > 0) {
		rc = qemu_initrd_format(boot->modules, boot->module_count, &initrd);
	}
	if (rc < 0)
		return rc;
	size_t fixed_count = sizeof qemu_fixed_args / sizeof qemu_fixed_args[0];
	char memory[32];
	snprintf(memory, sizeof memory, "%dM", boot->memory_mib);
	for (size_t i = 0; boot->wrapper && boot->wrapper[i] && rc == 0; i++)
		rc = strlist_push(argv, boot->wrapper[i]);
	if (rc == 0)
		rc = strlist_push(argv, boot->qemu_path);
	for (size_t i = 0; i < fixed_count && rc == 0; i++) {
		const char *arg = qemu_fixed_args[i], *before = i > 0 ? qemu_fixed_args[i - 1] : "";
		if (boot->kvm && (strcmp(arg, "-icount") == 0 || strcmp(before, "-icount") == 0))
			continue;
		if (boot->memory_mib > 0 && strcmp(before, "-m") == 0)
			arg = memory;
		else if (boot->kvm && strcmp(before, "-cpu") == 0)
			arg = QEMU_KVM_CPU_MODEL;
		else if (boot->kvm && strcmp(before, "-accel") == 0)
			arg = "kvm";
		rc = strlist_push(argv, arg);
	}
	if (rc == 0 && boot->plugin && (rc = strlist_push(argv, "-plugin")) == 0)
		rc = strlist_push(argv, boot->plugin);
	if (rc == 0)
		rc = strlist_push(argv, "-kernel");
	if (rc == 0)
		rc = strlist_push(argv, boot->kernel_path);
	if (rc == 0 && initrd && (rc = strlist_push(argv, "-initrd")) == 0)
		rc = strlist_push(argv, initrd);
	if (rc == 0 && boot->append && (rc = strlist_push(argv, "-append")) == 0)
		rc = strlist_push(argv, boot->append);
	free(initrd);
	return rc;
}

/* Keeps each output line in the result, then passes it on to the caller. */
static void qemu_run_on_line(void *ctx, const char *line)
{
	struct qemu_run_ctx *run = ctx;
	if (strlist_push(&run->result->lines, line) < 0)
		fprintf(stderr, "machlab: out of memory keeping qemu output\n");
	if (run->boot->on_line)
		run->boot->on_line(run->boot->ctx, line);
}

/* Passes a progress tick on to the caller. */
static void qemu_run_on_tick(void *ctx)
{
	struct qemu_run_ctx *run = ctx;
	run->boot->on_tick(run->boot->ctx);
}

/* Boots once and waits for QEMU to exit or time out. Returns 0 with *result
 * filled in (free it with qemu_result_free), or -errno if QEMU did not start. */
int qemu_run(const struct qemu_boot *boot, struct qemu_result *result)
{
	*result = (struct qemu_result){ 0 };
	struct strlist argv = { 0 };
	int rc = qemu_argv_build(boot, &argv);
	struct qemu_run_ctx run = { .boot = boot, .result = result };
	struct proc_spec spec = {
		.argv = argv.items,
		.timeout_ms = boot->timeout_ms,
		.silence_timeout_ms = boot->silence_timeout_ms,
		.on_line = qemu_run_on_line,
		.on_tick = boot->on_tick ? qemu_run_on_tick : NULL,
		.tick_interval_ms = boot->tick_interval_ms,
		.ctx = &run,
	};
	if (rc == 0)
		rc = proc_run(&spec, &result->status);
	strlist_free(&argv);
	return rc;
}

/* Frees the captured output. */
void qemu_result_free(struct qemu_result *result)
{
	strlist_free(&result->lines);
}

/* True when the kernel shut down through the debug-exit port with value 0. */
bool qemu_status_clean(const struct proc_status *status)
{
	return !status->timed_out && !status->silent && status->exited && status->exit_code == QEMU_EXIT_CLEAN;
}

/* Says in a few words how boot ended, e.g. "kernel died: qemu exit 255" or
 * "kernel hang: no output for 30 s". */
void qemu_status_describe(const struct proc_status *status, const struct qemu_boot *boot,
			  char *buf, size_t buf_bytes)
{
	if (status->silent)
		snprintf(buf, buf_bytes, "kernel hang: no output for %d s",
			 boot->silence_timeout_ms / 1000);
	else if (status->timed_out)
		snprintf(buf, buf_bytes, "guest timed out after %d s", boot->timeout_ms / 1000);
	else if (status->exited && status->exit_code == QEMU_EXIT_CLEAN)
		snprintf(buf, buf_bytes, "guest shut down: qemu exit %d", status->exit_code);
	else if (status->exited)
		snprintf(buf, buf_bytes, "kernel died: qemu exit %d", status->exit_code);
	else
		snprintf(buf, buf_bytes, "qemu killed by signal %d", status->term_signal);
}

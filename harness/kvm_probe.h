/* kvm_probe.h: whether this machine can measure real cycles. machlab bench
 * asks once at start: /dev/kvm must open read-write, and a tiny boot of a
 * microkernel target under KVM with the host's CPU (qemu.h: kvm) running
 * the null trap must end cleanly with samples whose TSC figures are sane
 * (every one above KVM_PROBE_CYCLES_MIN and the median below
 * KVM_PROBE_CYCLES_MAX: a trap takes tens to thousands of cycles, not 0,
 * and not the millions of a guest that is emulated or starved). When it
 * works, bench adds a KVM twin of every target, whose figures are TSC
 * cycles (unit cyc); when not, why says so in one line. */
#ifndef MACHLAB_KVM_PROBE_H
#define MACHLAB_KVM_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#define KVM_DEVICE "/dev/kvm"
#define KVM_DEVICE_ENV "MACHLAB_KVM_DEVICE" /* another device path (the tests' fake QEMU) */
#define KVM_PROBE_BENCHMARK "null_trap"
#define KVM_PROBE_TIMEOUT_MS 60000
#define KVM_PROBE_CYCLES_MIN 10
#define KVM_PROBE_CYCLES_MAX 1000000
#define KVM_TARGET_SUFFIX "-kvm"   /* a target's KVM twin: <name>-kvm */

bool kvm_probe(const char *qemu_path, const char *kernel_path, const char *bench_path,
	       char *why, size_t why_bytes);

#endif

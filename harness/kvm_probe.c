/* kvm_probe.c: the KVM probe of machlab bench (kvm_probe.h). */
#include "kvm_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_run.h"
#include "stats.h"

/* True when the probe boot's samples are TSC figures a null trap can have;
 * why says otherwise. */
static bool kvm_figures_sane(const struct bench_records *r, char *why, size_t why_bytes)
{
	struct bench_stats s;
	const struct bench_group *g = r->group_count ? &r->groups[0] : NULL;
	if (!g || stats_compute(g->values, g->count, g->flagged, &s) < 0 || s.n == 0) {
		snprintf(why, why_bytes, "the KVM boot gave no unflagged sample");
		return false;
	}
	if (s.min < KVM_PROBE_CYCLES_MIN || s.median > KVM_PROBE_CYCLES_MAX) {
		snprintf(why, why_bytes, "the guest's TSC does not advance sanely under KVM (a null "
			 "trap measured %llu to %llu, median %llu; expected %d to %d)",
			 (unsigned long long)s.min, (unsigned long long)s.max,
			 (unsigned long long)s.median, KVM_PROBE_CYCLES_MIN, KVM_PROBE_CYCLES_MAX);
		return false;
	}
	return true;
}

/* Probes KVM (kvm_probe.h) with the microkernel in kernel_path and the
 * benchmark program bench_path. Returns true when it works; otherwise why
 * holds one line saying what failed. */
bool kvm_probe(const char *qemu_path, const char *kernel_path, const char *bench_path,
	       char *why, size_t why_bytes)
{
	const char *device = getenv(KVM_DEVICE_ENV) ? getenv(KVM_DEVICE_ENV) : KVM_DEVICE;
	int fd = open(device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, why_bytes, "%s: %s", device, strerror(errno));
		return false;
	}
	close(fd);
	FILE *log = tmpfile();
	if (!log) {
		snprintf(why, why_bytes, "no scratch file for the probe's log: %s", strerror(errno));
		return false;
	}
	struct bench_setup setup = { .qemu_path = qemu_path, .bench_path = bench_path, .quick = true,
				     .timeout_ms = KVM_PROBE_TIMEOUT_MS,
				     .hang_timeout_ms = KVM_PROBE_TIMEOUT_MS / 2, .log = log };
	struct bench_job job = { .target = "kvm-probe", .kernel_path = kernel_path, .kvm = true,
				 .records = { .benchmark = KVM_PROBE_BENCHMARK } };
	bench_job_run(&job, &setup);
	bool ok = job.ok && kvm_figures_sane(&job.records, why, why_bytes);
	if (!job.ok)
		snprintf(why, why_bytes, "a KVM boot (-accel kvm -cpu host) failed: %s", job.reason);
	bench_records_free(&job.records);
	fclose(log);
	return ok;
}

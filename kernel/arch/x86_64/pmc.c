/*
 * pmc.c — the general-purpose performance counters, for measuring on KVM
 * (the cost-model issue: hardware counters next to the TSC's cycles). A
 * privileged trap (MK_TRAP_PMC_PROGRAM) programs counter i with a raw event
 * select — what libpfm4 encodes on the host (harness/pmu.h): event, unit
 * mask, user and kernel mode, edge, invert, counter mask — zeroes it, and
 * lets user code read the counters with rdpmc (CR4.PCE). Nothing else: no
 * interrupt on overflow (the INT bit is refused), no per-task virtualisation
 * and no save or restore on a switch. The counters are the machine's, like
 * the host right that programs them: a benchmark that reads one around an
 * operation counts everything the CPU did in between, the kernel and other
 * tasks included, as its TSC reading does. Needs architectural performance
 * monitoring (CPUID leaf 0AH, version 1 or later) and as many counters as
 * the index asks; qemu64 under TCG has none: KERN_NOT_SUPPORTED. One CPU
 * (this kernel runs on one).
 */
#include "arch/x86.h"
#include "kern/pmc.h"

#define CPUID_PERFMON_LEAF    0x0A
#define MSR_IA32_PMC0         0xC1
#define MSR_IA32_PERFEVTSEL0  0x186
#define MSR_IA32_PERF_GLOBAL_CTRL 0x38F
#define PERFEVTSEL_EN         (1UL << 22)
/* event, umask, USR, OS, E, EN, INV, CMASK; not PC (19), INT (20), ANY (21) */
#define PERFEVTSEL_ALLOWED    0xFFC7FFFFUL
#define CR4_PCE               (1UL << 8)

static void cpuid_count(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

/* The version of architectural performance monitoring (0: none) and its
 * number of general-purpose counters. */
static uint32_t pmc_version(uint32_t *counters)
{
	uint32_t a, b, c, d;

	cpuid_count(0, &a, &b, &c, &d);
	*counters = 0;
	if (a < CPUID_PERFMON_LEAF)
		return 0;
	cpuid_count(CPUID_PERFMON_LEAF, &a, &b, &c, &d);
	*counters = (a >> 8) & 0xFF;
	return a & 0xFF;
}

kern_return_t pmc_program(uint64_t index, uint64_t select)
{
	uint32_t counters, version;
	uint64_t cr4;

	if (index >= PMC_MAX || (select & ~PERFEVTSEL_ALLOWED))
		return KERN_INVALID_ARGUMENT;
	version = pmc_version(&counters);
	if (version == 0 || index >= counters)
		return KERN_NOT_SUPPORTED;
	wrmsr(MSR_IA32_PERFEVTSEL0 + (uint32_t)index, 0);
	wrmsr(MSR_IA32_PMC0 + (uint32_t)index, 0);
	if (select == 0)
		return KERN_SUCCESS;             /* counter index off */
	wrmsr(MSR_IA32_PERFEVTSEL0 + (uint32_t)index, select | PERFEVTSEL_EN);
	if (version >= 2)
		wrmsr(MSR_IA32_PERF_GLOBAL_CTRL,
		      rdmsr(MSR_IA32_PERF_GLOBAL_CTRL) | (1UL << index));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_PCE));
	return KERN_SUCCESS;
}

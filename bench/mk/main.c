/*
 * main.c — the benchmark program's entry: run the benchmarks named on the
 * command line (all of them when none is named) between BENCH begin/end,
 * or act as a helper (--server NAME [--short] [--set]: the RPC server
 * task; --exit: a task that exits at once, for task_spawn_wait; --pager
 * and --pager-move: an external pager keeping or giving up its pages;
 * --default-pager; --pt-sparsity NAME K: one stride of pt_footprint or
 * pt_refill, in a task of its own).
 *
 *   bench-mk [--quick] [--pmc SELECT[,SELECT...]] [NAME...]
 *
 * --pmc programs performance counters 0, 1... with the raw event selects
 * given (hexadecimal with 0x, else decimal; harness/pmu.h makes them) and
 * has every measurement read them too (unit pmc<i>); where the CPU has no
 * counters (qemu64 under TCG) it says so and measures without them.
 */
#include "bench_mk.h"
#include "bench_platform.h"

static const struct bench_entry bench_table[] = {
#define BENCH(name) { #name, bench_##name },
#include "benchmarks.def"
#undef BENCH
};
#define BENCH_COUNT (sizeof(bench_table) / sizeof(bench_table[0]))

/* This program's ELF image (boot module 0), to spawn servers from. */
void bench_image(const void **image, size_t *size)
{
	static vm_address_t addr;
	static size_t len;
	kern_return_t kr;

	if (!addr && (kr = mk_boot_module(0, &addr, &len)) != KERN_SUCCESS)
		bench_fail("image", "boot_module", kr);
	*image = (const void *)addr;
	*size = len;
}

/* The table entry called name, or NULL. */
static const struct bench_entry *bench_find(const char *name)
{
	return bench_entry_find(bench_table, BENCH_COUNT, name);
}

/* The server's options after its name (--short, --set) as BENCH_SERVER_* flags. */
static int bench_server_flags(int argc, char **argv)
{
	int flags = 0;

	for (int i = 0; i < argc; i++)
		flags |= strcmp(argv[i], "--short") == 0 ? BENCH_SERVER_SHORT :
			 strcmp(argv[i], "--set") == 0 ? BENCH_SERVER_SET : 0;
	return flags;
}

/* One number of a --pmc list at *s (0x... hexadecimal, else decimal),
 * moving *s past it; false when there is none or it does not fit. */
static bool bench_pmc_number(const char **s, uint64_t *v)
{
	const char *p = *s;
	unsigned base = p[0] == '0' && (p[1] == 'x' || p[1] == 'X') ? 16 : 10;
	bool any = false;

	*v = 0;
	for (p += base == 16 ? 2 : 0;; p++, any = true) {
		unsigned d = *p >= '0' && *p <= '9' ? (unsigned)(*p - '0')
			: base == 16 && *p >= 'a' && *p <= 'f' ? (unsigned)(*p - 'a' + 10)
			: base == 16 && *p >= 'A' && *p <= 'F' ? (unsigned)(*p - 'A' + 10) : 99;
		if (d >= base)
			break;
		if (*v > (UINT64_MAX - d) / base)
			return false;
		*v = *v * base + d;
	}
	*s = p;
	return any;
}

/* --pmc SELECT[,SELECT...]: program counters 0, 1... and have every
 * measurement read them. Returns 0 (also when the CPU has no counters: it
 * says so and measures without them), or -1 on a malformed list. */
static int bench_pmc_program(const char *list)
{
	int count = 0;
	kern_return_t kr = KERN_SUCCESS;

	for (const char *p = list; *p; p += *p == ',') {
		uint64_t select;

		if (count == BENCH_PMC_MAX || !bench_pmc_number(&p, &select) || (*p && *p != ',')) {
			mk_printf("bench-mk: --pmc %s: give at most %d numbers, comma-separated\n", list,
				  BENCH_PMC_MAX);
			return -1;
		}
		if (kr == KERN_SUCCESS)
			kr = mk_pmc_program(MACH_PORT_HOST_PRIV, (uint64_t)count, select);
		count++;
	}
	if (kr != KERN_SUCCESS) {
		mk_printf("bench-mk: --pmc: %s: measuring without them\n",
			  kr == KERN_NOT_SUPPORTED ? "this CPU has no architectural performance "
			  "counters (or fewer than asked)" : bench_error_string(kr));
		for (int i = 0; i < count; i++)
			mk_pmc_program(MACH_PORT_HOST_PRIV, (uint64_t)i, 0);
		count = 0;
	}
	bench_pmc_set(count);
	return 0;
}

int main(int argc, char **argv)
{
	int first = 1;

	if (argc >= 3 && strcmp(argv[1], "--server") == 0)
		return bench_server_main(argv[2], bench_server_flags(argc - 3, argv + 3));
	if (argc >= 2 && strcmp(argv[1], "--exit") == 0)
		return 0;
	if (argc >= 2 && strcmp(argv[1], "--pager") == 0)
		return bench_pager_main(false);
	if (argc >= 2 && strcmp(argv[1], "--pager-move") == 0)
		return bench_pager_main(true);
	if (argc >= 2 && strcmp(argv[1], "--default-pager") == 0)
		return mk_default_pager_run();
	if (argc >= 4 && strcmp(argv[1], "--pt-sparsity") == 0)
		return bench_pt_child_main(argv[2], argv[3], argc >= 5 && strcmp(argv[4], "--quick") == 0);
	if (argc >= 2 && strcmp(argv[1], "--quick") == 0) {
		bench_set_quick(true);
		first = 2;
	}
	if (argc >= first + 2 && strcmp(argv[first], "--pmc") == 0) {
		if (bench_pmc_program(argv[first + 1]) < 0)
			return 2;
		first += 2;
	}
	for (int i = first; i < argc; i++)
		if (!bench_find(argv[i])) {
			mk_printf("bench-mk: no benchmark '%s'\n", argv[i]);
			return 2;
		}
	{
		const void *image;
		size_t size;

		bench_image(&image, &size);
		mk_default_pager_ensure(image, size, "default-pager");
	}
	bench_begin();
	for (size_t i = 0; first == argc && i < BENCH_COUNT; i++)
		bench_table[i].fn();
	for (int i = first; i < argc; i++)
		bench_find(argv[i])->fn();
	bench_end();
	return 0;
}

/*
 * main.c — the benchmark program's entry: run the benchmarks named on the
 * command line (all of them when none is named) between BENCH begin/end,
 * or act as a helper (--server NAME [--short] [--set]: the RPC server
 * task; --exit: a task that exits at once, for task_spawn_wait; --pager
 * and --pager-move: an external pager keeping or giving up its pages;
 * --default-pager; --pt-sparsity NAME K: one stride of pt_footprint or
 * pt_refill, in a task of its own).
 *
 *   bench-mk [--quick] [NAME...]
 */
#include "bench_mk.h"

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

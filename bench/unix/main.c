/*
 * main.c — unix-bench's entry: run the benchmarks named on the command line
 * (all of them, in bench/unix/BENCHMARKS order, when none is named) between
 * BENCH begin and BENCH end.
 *
 *   unix-bench [--quick] [NAME...]
 *
 * Exit status: 0 when every benchmark ran, 1 when one failed (bench_fail
 * said why), 2 for an unknown name.
 */
#include "unix_bench.h"

#include <stdio.h>
#include <string.h>

#define EXIT_UNKNOWN_NAME 2

static const struct bench_entry bench_table[] = {
#define BENCH(name) { #name, bench_##name },
#include "benchmarks.def"
#undef BENCH
};
#define BENCH_COUNT (sizeof(bench_table) / sizeof(bench_table[0]))

/* The table entry called name, or NULL. */
static const struct bench_entry *bench_find(const char *name)
{
	return bench_entry_find(bench_table, BENCH_COUNT, name);
}

/* Check every name first, so a typo fails before anything is measured. */
int main(int argc, char **argv)
{
	int first = 1;

	if (argc >= 2 && strcmp(argv[1], "--quick") == 0) {
		bench_set_quick(true);
		first = 2;
	}
	for (int i = first; i < argc; i++)
		if (!bench_find(argv[i])) {
			fprintf(stderr, "unix-bench: no benchmark '%s' (see bench/unix/BENCHMARKS)\n",
				argv[i]);
			return EXIT_UNKNOWN_NAME;
		}
	bench_begin();
	for (size_t i = 0; first == argc && i < BENCH_COUNT; i++)
		bench_table[i].fn();
	for (int i = first; i < argc; i++)
		bench_find(argv[i])->fn();
	bench_end();
	return 0;
}

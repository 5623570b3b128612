/* cmd_bench.h: the "machlab bench" subcommand. */
#ifndef MACHLAB_CMD_BENCH_H
#define MACHLAB_CMD_BENCH_H

int cmd_bench_main(int argc, char **argv);

#endif

/* cmd_plots.h: the "machlab plots" subcommand. */
#ifndef MACHLAB_CMD_PLOTS_H
#define MACHLAB_CMD_PLOTS_H

int cmd_plots_main(int argc, char **argv);

#endif

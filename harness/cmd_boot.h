/* cmd_boot.h: the "machlab boot" subcommand (boot one kernel by hand). */
#ifndef MACHLAB_CMD_BOOT_H
#define MACHLAB_CMD_BOOT_H

int cmd_boot_main(int argc, char **argv);

#endif

/* cmd_linux.h: the "machlab linux-fetch" subcommand (the Linux baseline's
 * Debian kernel and busybox). */
#ifndef MACHLAB_CMD_LINUX_H
#define MACHLAB_CMD_LINUX_H

int cmd_linux_fetch_main(int argc, char **argv);

#endif

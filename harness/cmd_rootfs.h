/* cmd_rootfs.h: the "machlab rootfs" subcommand (build a root archive from a
 * spec). */
#ifndef MACHLAB_CMD_ROOTFS_H
#define MACHLAB_CMD_ROOTFS_H

int cmd_rootfs_main(int argc, char **argv);

#endif

/* cmd_profile.h: "machlab profile": where a benchmark's instructions go. */
#ifndef MACHLAB_CMD_PROFILE_H
#define MACHLAB_CMD_PROFILE_H

#include <stddef.h>

int cmd_profile_main(int argc, char **argv);
int profile_verify(const char *target, const char *bench, const char *plugin,
		   const char *qemu_path, char **names, int count, char *err, size_t err_bytes);

#endif

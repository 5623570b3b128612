/* cmd_profile.h: "machlab profile": where a benchmark's instructions go. */
#ifndef MACHLAB_CMD_PROFILE_H
#define MACHLAB_CMD_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bench_list.h"
#include "profile.h"

#define PROFILE_COMPONENTS_MAX 32
#define PROFILE_PLUGIN_ARG_MAX_BYTES 4096
#define PROFILE_MODEL_PARAMS_MAX 32  /* --model-param overrides at most */

/* One measurement's median sample on one target, by component. */
struct profile_sums {
	char target[BENCH_NAME_MAX_BYTES];
	char benchmark[BENCH_NAME_MAX_BYTES];
	char parameter[PROFILE_PARAM_MAX_BYTES];
	uint64_t figure;      /* the guest's figure for that sample */
	uint64_t calibration; /* the timing loop's own count, in no component */
	uint64_t by_component[PROFILE_COMPONENTS_MAX]; /* profile_component_names' order */
	struct profile_space_sum spaces[PROFILE_SPACES_MAX]; /* by address space */
	size_t space_count;
};

struct profile_sums_list {
	struct profile_sums *items;
	size_t count, cap;
};

/* What the profiling plugin is asked to do in one boot (profile_plugin_arg). */
struct profile_plugin_spec {
	const char *plugin;   /* the .so */
	const char *target;   /* the target's directory (for errors) */
	bool linux_target;
	bool addrs_off;       /* samples' totals only, nothing per address */
	bool model;           /* the cost model on */
	const char *const *model_params; /* NAME=VALUE overrides, in order */
	size_t model_param_count;
};

struct elf_symtab;

int cmd_profile_main(int argc, char **argv);
bool profile_model_param_add(const char *params[PROFILE_MODEL_PARAMS_MAX], size_t *count,
			     const char *arg);
int profile_kernel_symbols_load(const char *target, bool linux_target, struct elf_symtab *syms,
				char *err, size_t err_bytes);
int profile_plugin_arg(const struct profile_plugin_spec *spec, const struct elf_symtab *syms,
		       const char *out, char *buf, size_t buf_bytes, char *err, size_t err_bytes);
int profile_bench_target(const char *target_dir, const char *target_name, const char *bench,
			 const char *plugin, const char *qemu_path, char **names, int count,
			 FILE *functions_csv, struct profile_sums_list *list, char *err,
			 size_t err_bytes);
int profile_verify(const char *target, const char *bench, const char *plugin,
		   const char *qemu_path, char **names, int count, bool model, size_t *user_spaces,
		   char *err, size_t err_bytes);

#endif

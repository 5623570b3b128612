/* profile_components.h: the component a profiled function belongs to (the
 * rows of machlab profile's per-component table), from its source path and
 * name. One ordered table of rules in profile_components.c decides it. */
#ifndef MACHLAB_PROFILE_COMPONENTS_H
#define MACHLAB_PROFILE_COMPONENTS_H

#include <stdbool.h>
#include <stddef.h>

/* Which side of the user/kernel boundary a rule applies to. */
enum profile_space {
	PROFILE_KERNEL, /* addresses in the kernel image */
	PROFILE_USER,   /* addresses in a user program */
};

/* The source of the Linux target's kernel symbols (read from kallsyms). */
#define LINUX_SOURCE "linux/vmlinux"

/* One rule: code of space whose source path matches source (an fnmatch(3)
 * pattern, '*' crossing '/' too; NULL matches any source, none included) and, if function is not NULL, whose name
 * (without GCC's clone suffix: "msg_use.isra.0" is "msg_use") matches it. */
struct profile_rule {
	enum profile_space space;
	const char *source;
	const char *function;
	const char *component;
};

extern const char *const profile_component_names[]; /* in report order */
extern const size_t profile_component_count;
extern const struct profile_rule profile_rules[];   /* tried in order */
extern const size_t profile_rule_count;

const char *profile_component(const char *source, const char *function, bool kernel);

#endif

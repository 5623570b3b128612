/* test_profile.c: host tests for the profile's symbolisation (elf_syms.c) and
 * component table (profile_components.c). Symbols are checked against the
 * built kernel (build/default/kernel64.elf) and benchmark program
 * (build/user/bench-mk.elf), read back here with a naive <elf.h> reader of
 * its own; tests needing them skip when they are not built. A static
 * function defined in two files is checked on a small program compiled here
 * with cc(1) and linked with ld(1). Malformed files are copies of the kernel
 * cut short or with one field broken.
 * Every harness source but main.c is linked in. Prints "ok name", "FAIL
 * name: why" or "skip name: why" per test and ends with exactly
 * "N passed, N failed, N skipped". */
#include <elf.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_model.h"
#include "cmd_profile.h"
#include "elf_syms.h"
#include "harness_check.h"
#include "proc.h"
#include "profile.h"
#include "profile_components.h"

#define KERNEL_ELF "build/default/kernel64.elf"
#define KERNEL_ELF32 "build/default/kernel.elf"
#define KERNEL_OBJ_DIR "build/default/obj"
#define BENCH_ELF "build/user/bench-mk.elf"
#define USER_OBJ_DIR "build/user/obj"
#define KERNEL_BASE 0xffffffff80000000ull /* the kernel is linked at and above this */
#define SH_TIMEOUT_MS 30000                /* any one shell command of a test */
#define ERR_BYTES 1024

/* ---- helpers ---- */

/* True when every path of the NULL-terminated list exists; otherwise marks
 * the test skipped. */
static bool built(const char *const *paths)
{
	for (; *paths; paths++)
		if (access(*paths, R_OK) != 0) {
			test_skipped = true;
			snprintf(test_why, sizeof test_why, "%s is not built (make kernel user)", *paths);
			return false;
		}
	return true;
}

/* Reads the whole of path; returns a malloc'd buffer (NULL if unreadable). */
static unsigned char *bytes_read(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data = NULL;
	if (f && fseek(f, 0, SEEK_END) == 0) {
		long n = ftell(f);
		data = n >= 0 ? malloc((size_t)n + 1) : NULL;
		*size = (size_t)n;
		if (data && (fseek(f, 0, SEEK_SET) != 0 || fread(data, 1, *size, f) != *size)) {
			free(data);
			data = NULL;
		}
	}
	if (f)
		fclose(f);
	return data;
}

/* The .symtab section header of the well-formed ELF64 image data. */
static Elf64_Shdr *naive_symtab(unsigned char *data)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)data;
	Elf64_Shdr *sh = (Elf64_Shdr *)(data + eh->e_shoff);
	for (unsigned i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == SHT_SYMTAB)
			return &sh[i];
	return NULL;
}

/* Finds name in the .symtab of the well-formed ELF64 file at path, the way
 * nm would; returns its value and size through addr and size. */
static bool naive_lookup(const char *path, const char *name, uint64_t *addr, uint64_t *size)
{
	size_t bytes;
	unsigned char *data = bytes_read(path, &bytes);
	Elf64_Shdr *st = data ? naive_symtab(data) : NULL;
	bool found = false;
	if (st) {
		Elf64_Shdr *strs = (Elf64_Shdr *)(data + ((Elf64_Ehdr *)data)->e_shoff) + st->sh_link;
		Elf64_Sym *syms = (Elf64_Sym *)(data + st->sh_offset);
		for (size_t i = 0; !found && i < st->sh_size / sizeof *syms; i++)
			if (strcmp((char *)data + strs->sh_offset + syms[i].st_name, name) == 0) {
				*addr = syms[i].st_value;
				*size = syms[i].st_size;
				found = true;
			}
	}
	free(data);
	return found;
}

/* The symbol of t called name in image (the first if several), or NULL. */
static const struct elf_sym *sym_named(const struct elf_symtab *t, const char *name, unsigned image)
{
	for (size_t i = 0; i < t->count; i++)
		if (strcmp(t->syms[i].name, name) == 0 && t->syms[i].image == image)
			return &t->syms[i];
	return NULL;
}

/* The source of the symbol called name in image ("(no symbol)" or "(none)"). */
static const char *source_of(const struct elf_symtab *t, const char *name, unsigned image)
{
	const struct elf_sym *s = sym_named(t, name, image);
	if (!s)
		return "(no symbol)";
	return s->source ? s->source : "(none)";
}

/* Loads the kernel (image 0) and the benchmark program (image 1) into t and,
 * with sources, names their sources from both object directories (the
 * user's first, or with kernel_first the kernel's). */
static bool loaded_in_order(struct elf_symtab *t, bool sources, bool kernel_first)
{
	char err[ERR_BYTES] = "";
	const char *first = kernel_first ? KERNEL_OBJ_DIR : USER_OBJ_DIR;
	const char *second = kernel_first ? USER_OBJ_DIR : KERNEL_OBJ_DIR;
	bool ok = elf_symtab_load(t, KERNEL_ELF, err, sizeof err) == 0 &&
		  elf_symtab_load(t, BENCH_ELF, err, sizeof err) == 0 &&
		  (!sources || (elf_symtab_sources(t, first, err, sizeof err) == 0 &&
				elf_symtab_sources(t, second, err, sizeof err) == 0));
	if (!ok)
		expect_fail(__LINE__, "loaded_in_order", "load failed: %s", err);
	return ok;
}

/* loaded_in_order with the user's object directory first. */
static bool both_loaded(struct elf_symtab *t, bool sources)
{
	return loaded_in_order(t, sources, false);
}

/* Checks the table finds name (as the ELF at path gives it) at its first,
 * second and last byte. */
static void expect_found_at(int line, const struct elf_symtab *t, const char *path,
			    const char *name, unsigned image)
{
	uint64_t addr, size;
	const struct elf_sym *s = sym_named(t, name, image);
	if (!naive_lookup(path, name, &addr, &size) || !s) {
		expect_fail(line, name, "%s: no symbol %s (table: %s)", path, name, s ? "yes" : "no");
		return;
	}
	expect_int(line, "addr", (long long)addr, (long long)s->addr);
	if (size != 0)
		expect_int(line, "size", (long long)size, (long long)s->size);
	uint64_t probes[] = { addr, addr + 1, addr + s->size - 1 };
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
		const struct elf_sym *got = elf_symtab_find(t, probes[i]);
		expect_str(line, "elf_symtab_find", name, got ? got->name : "(NULL)");
	}
}
#define EXPECT_FOUND_AT(t, path, name, image) expect_found_at(__LINE__, t, path, name, image)

/* Runs script with sh -c; returns its exit status (-1: it did not exit). */
static int sh_run(const char *script)
{
	char *argv[] = { "sh", "-c", (char *)script, NULL };
	struct proc_spec spec = { .argv = argv, .timeout_ms = SH_TIMEOUT_MS };
	struct proc_status st;
	int rc = proc_run(&spec, &st);
	return rc == 0 && st.exited ? st.exit_code : -1;
}

/* ---- symbols ---- */

/* Functions and assembly labels of the kernel and the program are found at
 * the addresses the ELF gives, at any of their bytes. */
static void symbols_are_found_at_their_elf_addresses(void)
{
	const char *const need[] = { KERNEL_ELF, BENCH_ELF, NULL };
	struct elf_symtab t = { 0 };
	if (!built(need) || !both_loaded(&t, false))
		return;
	EXPECT_FOUND_AT(&t, KERNEL_ELF, "msg_check", 0);
	EXPECT_FOUND_AT(&t, KERNEL_ELF, "msg_copyin_rights.cold", 0);
	EXPECT_FOUND_AT(&t, KERNEL_ELF, "isr_0", 0);
	EXPECT_FOUND_AT(&t, KERNEL_ELF, "syscall_entry", 0);
	EXPECT_FOUND_AT(&t, BENCH_ELF, "main", 1);
	EXPECT_FOUND_AT(&t, BENCH_ELF, "_start", 1);
	const struct elf_sym *msg_check = sym_named(&t, "msg_check", 0);
	EXPECT_TRUE(msg_check && msg_check->addr >= KERNEL_BASE);
	elf_symtab_free(&t);
}

/* A label of size 0 (entry.S's trap_common) reaches up to the next symbol. */
static void label_extends_to_the_next_symbol(void)
{
	const char *const need[] = { KERNEL_ELF, NULL };
	struct elf_symtab t = { 0 };
	char err[ERR_BYTES];
	uint64_t common, next, size;
	if (!built(need))
		return;
	EXPECT_INT(0, elf_symtab_load(&t, KERNEL_ELF, err, sizeof err));
	if (!naive_lookup(KERNEL_ELF, "trap_common", &common, &size) ||
	    !naive_lookup(KERNEL_ELF, "trap_return", &next, &size)) {
		expect_fail(__LINE__, "naive_lookup", "no trap_common or trap_return in %s", KERNEL_ELF);
		elf_symtab_free(&t);
		return;
	}
	const struct elf_sym *s = elf_symtab_find(&t, next - 1);
	EXPECT_STR("trap_common", s ? s->name : "(NULL)");
	EXPECT_INT(next - common, s ? s->size : 0);
	elf_symtab_free(&t);
}

/* Addresses below, above and between functions (alignment padding) give NULL. */
static void address_in_no_function_gives_null(void)
{
	const char *const need[] = { KERNEL_ELF, NULL };
	struct elf_symtab t = { 0 };
	char err[ERR_BYTES];
	if (!built(need))
		return;
	EXPECT_INT(0, elf_symtab_load(&t, KERNEL_ELF, err, sizeof err));
	EXPECT_TRUE(elf_symtab_find(&t, 0x10) == NULL);
	EXPECT_TRUE(elf_symtab_find(&t, UINT64_MAX) == NULL);
	bool gap_seen = false;
	for (size_t i = 0; i + 1 < t.count && !gap_seen; i++) {
		uint64_t end = t.syms[i].addr + t.syms[i].size;
		if (end < t.syms[i + 1].addr && end > t.syms[i].addr) {
			gap_seen = true;
			const struct elf_sym *s = elf_symtab_find(&t, end);
			EXPECT_STR("(NULL)", s ? s->name : "(NULL)");
		}
	}
	EXPECT_TRUE(gap_seen);
	struct elf_symtab empty = { 0 };
	EXPECT_TRUE(elf_symtab_find(&empty, KERNEL_BASE) == NULL);
	elf_symtab_free(&t);
}

/* ---- sources ---- */

/* Kernel and program symbols get their source paths, the right one of
 * several objects defining a name (three programs' main, two
 * default_pager.c) included, whatever the order of the directories. */
static void sources_name_each_symbols_file(void)
{
	const char *const need[] = { KERNEL_ELF, BENCH_ELF, KERNEL_OBJ_DIR, USER_OBJ_DIR, NULL };
	struct elf_symtab t = { 0 };
	if (!built(need) || !both_loaded(&t, true))
		return;
	EXPECT_STR("kernel/kern/msg.c", source_of(&t, "msg_check", 0));
	EXPECT_STR("kernel/kern/msg.c", source_of(&t, "msg_copyin_rights.cold", 0));
	EXPECT_STR("kernel/kern/msg.c", source_of(&t, "msg_use.isra.0", 0));
	EXPECT_STR("kernel/arch/x86_64/entry.S", source_of(&t, "isr_0", 0));
	EXPECT_STR("kernel/arch/x86_64/entry.S", source_of(&t, "syscall_entry", 0));
	EXPECT_STR("kernel/vm/default_pager.c", source_of(&t, "ds_lookup", 0));
	EXPECT_STR("kernel/lib/string.c", source_of(&t, "memcpy", 0));
	EXPECT_STR("bench/mk/main.c", source_of(&t, "main", 1));
	EXPECT_STR("user/libmk/default_pager.c", source_of(&t, "dp_find", 1));
	EXPECT_STR("user/libmk/crt0.S", source_of(&t, "_start", 1));
	EXPECT_STR("kernel/lib/string.c", source_of(&t, "memcpy", 1));
	struct elf_symtab reversed = { 0 };
	if (loaded_in_order(&reversed, true, true)) {
		EXPECT_INT(t.count, reversed.count);
		for (size_t i = 0; i < t.count && i < reversed.count; i++)
			EXPECT_STR(t.syms[i].source ? t.syms[i].source : "(none)",
				   reversed.syms[i].source ? reversed.syms[i].source : "(none)");
	}
	elf_symtab_free(&reversed);
	elf_symtab_free(&t);
}

/* The linker script's symbols in the kernel's text (kernel.ld), which no object defines. */
static bool linker_script_symbol(const char *name)
{
	static const char *const names[] = { "kernel_image_start", "kernel_text_end",
					     "unix_text_start", "unix_text_end" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/* Every symbol of the kernel and the program gets a source path but the
 * linker script's. */
static void sources_cover_every_symbol(void)
{
	const char *const need[] = { KERNEL_ELF, BENCH_ELF, KERNEL_OBJ_DIR, USER_OBJ_DIR, NULL };
	struct elf_symtab t = { 0 };
	if (!built(need) || !both_loaded(&t, true))
		return;
	for (size_t i = 0; i < t.count; i++) {
		const struct elf_sym *s = &t.syms[i];
		if ((!s->source || !strchr(s->source, '/')) && !linker_script_symbol(s->name))
			expect_fail(__LINE__, s->name, "%s (image %u) has source %s", s->name, s->image,
				    s->source ? s->source : "NULL");
	}
	elf_symtab_free(&t);
}

/* Two files with a static helper() of the same size (and a GCC-style clone
 * name for it, via objcopy --redefine-sym) are told apart by the
 * executable's STT_FILE symbols alone. */
static void static_name_in_two_files_resolved_by_its_file(void)
{
	char script[4096];
	snprintf(script, sizeof script,
		 "cd %s && mkdir -p obj/src && "
		 "printf 'static int __attribute__((noinline)) helper(int x) { return x + 1; }\\n"
		 "int a_entry(int x) { return helper(x); }\\n' > a.c && "
		 "printf 'static int __attribute__((noinline)) helper(int x) { return x + 2; }\\n"
		 "int b_entry(int x) { return helper(x); }\\n' > b.c && "
		 "cc -O1 -fno-pie -c a.c -o obj/src/a.c.o && cc -O1 -fno-pie -c b.c -o obj/src/b.c.o && "
		 "ld -e a_entry -o prog obj/src/a.c.o obj/src/b.c.o && "
		 "objcopy --redefine-sym helper=helper.part.0 prog clone",
		 tmp_dir);
	if (sh_run(script) != 0) {
		test_skipped = true;
		snprintf(test_why, sizeof test_why, "cannot build the two-file program with cc and ld");
		return;
	}
	const char *progs[] = { "prog", "clone" };
	const char *helper_names[] = { "helper", "helper.part.0" };
	for (size_t p = 0; p < 2; p++) {
		struct elf_symtab t = { 0 };
		char err[ERR_BYTES] = "";
		EXPECT_INT(0, elf_symtab_load(&t, tmp_path(progs[p]), err, sizeof err));
		EXPECT_INT(0, elf_symtab_sources(&t, tmp_path("obj"), err, sizeof err));
		EXPECT_STR("", err);
		uint64_t a = sym_named(&t, "a_entry", 0) ? sym_named(&t, "a_entry", 0)->addr : 0;
		unsigned seen = 0;
		for (size_t i = 0; i < t.count; i++) {
			if (strcmp(t.syms[i].name, helper_names[p]) != 0)
				continue;
			bool in_a = t.syms[i].addr < a;
			EXPECT_STR(in_a ? "src/a.c" : "src/b.c", t.syms[i].source);
			seen |= in_a ? 1u : 2u;
		}
		EXPECT_INT(3, seen);
		elf_symtab_free(&t);
	}
}

/* ---- malformed input ---- */

/* Loads path into a table that already holds one symbol; checks it fails
 * with a message containing needle and leaves the table as it was. */
static void expect_load_fails(int line, const char *path, const char *needle)
{
	struct elf_symtab t = { 0 };
	char err[ERR_BYTES] = "", first_err[ERR_BYTES] = "";
	int first = elf_symtab_load(&t, KERNEL_ELF, first_err, sizeof first_err);
	size_t before = t.count;
	expect_int(line, "elf_symtab_load", -1, elf_symtab_load(&t, path, err, sizeof err));
	expect_contains(line, "err", err, path);
	expect_contains(line, "err", err, needle);
	expect_int(line, "count", (long long)before, (long long)t.count);
	expect_int(line, "first load", 0, first);
	elf_symtab_free(&t);
}
#define EXPECT_LOAD_FAILS(path, needle) expect_load_fails(__LINE__, path, needle)

/* Copies of the kernel cut short anywhere give a clear error. */
static void truncated_copies_give_clear_errors(void)
{
	const char *const need[] = { KERNEL_ELF, NULL };
	size_t size;
	if (!built(need))
		return;
	unsigned char *data = bytes_read(KERNEL_ELF, &size);
	const char *path = tmp_path("truncated.elf");
	EXPECT_LOAD_FAILS(KERNEL_ELF ".missing", "No such file");
	size_t cuts[] = { 0, 3, 40, sizeof(Elf64_Ehdr), size / 2, size - 1 };
	const char *why[] = { "not an ELF file", "not an ELF file", "truncated",
			      "truncated", "truncated", "truncated" };
	for (size_t i = 0; data && i < sizeof cuts / sizeof cuts[0]; i++) {
		bytes_write(path, data, cuts[i]);
		EXPECT_LOAD_FAILS(path, why[i]);
	}
	free(data);
}

/* A broken field of a kernel copy (symbol table offset, a name's string
 * index, the machine, the string table link) gives a message saying which. */
static void broken_fields_give_clear_errors(void)
{
	const char *const need[] = { KERNEL_ELF, NULL };
	size_t size;
	if (!built(need))
		return;
	const char *path = tmp_path("broken.elf");
	for (int field = 0; field < 4; field++) {
		unsigned char *data = bytes_read(KERNEL_ELF, &size);
		if (!data)
			return;
		Elf64_Shdr *st = naive_symtab(data);
		Elf64_Sym *syms = (Elf64_Sym *)(data + st->sh_offset);
		const char *needle[] = { ".symtab", "name index", "not an x86-64", "string table" };
		if (field == 0)
			st->sh_offset = size - 16;
		else if (field == 1)
			syms[5].st_name = 0x7fffffff;
		else if (field == 2)
			((Elf64_Ehdr *)data)->e_machine = EM_AARCH64;
		else
			st->sh_link = 0xffff;
		bytes_write(path, data, size);
		EXPECT_LOAD_FAILS(path, needle[field]);
		free(data);
	}
}

/* The ELF32 kernel.elf is refused with a pointer at kernel64.elf; an object
 * file, or a directory without objects, are refused too. */
static void elf32_kernel_and_wrong_kinds_are_refused(void)
{
	const char *const need[] = { KERNEL_ELF, KERNEL_ELF32, NULL };
	if (!built(need))
		return;
	EXPECT_LOAD_FAILS(KERNEL_ELF32, "kernel64.elf");
	EXPECT_LOAD_FAILS(KERNEL_ELF32, "ELF32");
	EXPECT_LOAD_FAILS(KERNEL_OBJ_DIR "/kernel/kern/msg.c.o", "an object file");
	struct elf_symtab t = { 0 };
	char err[ERR_BYTES] = "";
	const char *empty = tmp_path("empty");
	EXPECT_INT(0, mkdir(empty, 0755));
	EXPECT_INT(-1, elf_symtab_sources(&t, empty, err, sizeof err));
	EXPECT_CONTAINS(err, "no object files");
	EXPECT_INT(-1, elf_symtab_sources(&t, tmp_path("absent"), err, sizeof err));
	EXPECT_CONTAINS(err, "absent");
}

/* ---- components ---- */

/* A few functions land in the components the table promises. */
static void components_of_known_functions(void)
{
	EXPECT_STR("IPC check", profile_component("kernel/kern/msg.c", "msg_check", true));
	EXPECT_STR("IPC copy", profile_component("kernel/kern/msg.c", "msg_copyin_rights.cold", true));
	EXPECT_STR("IPC copy", profile_component("kernel/kern/mach_msg.c", "mach_msg_trap", true));
	EXPECT_STR("trap entry/exit", profile_component("kernel/arch/x86_64/entry.S", "isr_14", true));
	EXPECT_STR("scheduler/switch",
		   profile_component("kernel/arch/x86_64/entry.S", "switch_context", true));
	EXPECT_STR("rights", profile_component("kernel/kern/port.c", "port_send_right_add", true));
	EXPECT_STR("queue/wakeup",
		   profile_component("kernel/kern/port.c", "ipc_wakeup_one.part.0", true));
	EXPECT_STR("pmap", profile_component("variants/pmap-radix/pmap.c", "pmap_enter", true));
	EXPECT_STR("pmap", profile_component("variants/pmap-hashed/pmap.c", "pmap_remove", true));
	EXPECT_STR("page zero/copy", profile_component("kernel/vm/page_alloc.c", "page_zero", true));
	EXPECT_STR("pager protocol",
		   profile_component("variants/pager-user/default_pager_store.c", "dp_register", true));
	EXPECT_STR("server/pager work",
		   profile_component("user/libmk/default_pager.c", "dp_find", false));
	EXPECT_STR("benchmark", profile_component("bench/mk/ipc.c", "bench_ipc_rpc", false));
}

/* kernel/lib/string.c counts as page zero/copy in the kernel and as user
 * library in a program. */
static void string_c_depends_on_the_side(void)
{
	EXPECT_STR("page zero/copy", profile_component("kernel/lib/string.c", "memcpy", true));
	EXPECT_STR("user library", profile_component("kernel/lib/string.c", "memcpy", false));
	EXPECT_STR("user library", profile_component("user/libmk/traps.c", "mk_set_default_pager", false));
}

/* No symbol is unknown; a kernel file no rule names, or no known source, is other. */
static void unknown_and_other(void)
{
	EXPECT_STR("unknown", profile_component(NULL, NULL, true));
	EXPECT_STR("unknown", profile_component("kernel/kern/msg.c", NULL, false));
	EXPECT_STR("other", profile_component("kernel/kern/console.c", "console_write", true));
	EXPECT_STR("other", profile_component(NULL, "kernel_image_start", true));
	EXPECT_STR("other", profile_component("msg.c", "msg_check", true));
}

/* Every rule's component is one of profile_component_names, which are
 * distinct and end with other and unknown. */
static void every_rule_component_is_listed(void)
{
	for (size_t r = 0; r < profile_rule_count; r++) {
		bool listed = false;
		for (size_t c = 0; c < profile_component_count; c++)
			listed |= strcmp(profile_rules[r].component, profile_component_names[c]) == 0;
		if (!listed)
			expect_fail(__LINE__, "profile_rules", "rule %zu (%s) gives unlisted \"%s\"", r,
				    profile_rules[r].source, profile_rules[r].component);
	}
	for (size_t a = 0; a < profile_component_count; a++)
		for (size_t b = a + 1; b < profile_component_count; b++)
			EXPECT_TRUE(strcmp(profile_component_names[a], profile_component_names[b]) != 0);
	EXPECT_STR("other", profile_component_names[profile_component_count - 2]);
	EXPECT_STR("unknown", profile_component_names[profile_component_count - 1]);
}

/* Every kernel and program symbol of the real build maps to a listed component. */
static void real_symbols_map_to_listed_components(void)
{
	const char *const need[] = { KERNEL_ELF, BENCH_ELF, KERNEL_OBJ_DIR, USER_OBJ_DIR, NULL };
	struct elf_symtab t = { 0 };
	if (!built(need) || !both_loaded(&t, true))
		return;
	for (size_t i = 0; i < t.count; i++) {
		const char *c = profile_component(t.syms[i].source, t.syms[i].name, t.syms[i].image == 0);
		bool listed = false;
		for (size_t n = 0; n < profile_component_count; n++)
			listed |= c == profile_component_names[n] || strcmp(c, profile_component_names[n]) == 0;
		EXPECT_TRUE(listed);
	}
	const struct elf_sym *s = sym_named(&t, "msg_check", 0);
	EXPECT_STR("IPC check", profile_component(s ? s->source : NULL, "msg_check", true));
	elf_symtab_free(&t);
}


/* ---- the plugin's file, the guest's records and their check ---- */

/* A plugin file: one measurement, calibration 2, three samples (the second
 * flagged), the median one touching a known function and an address no
 * symbol holds. */
static const char profile_text_fmt[] =
	"PROFILE 1\n"
	"GROUP 0\n"
	"CALIBRATION 2\n"
	"S 12\n"
	"A %llx 7 1\n"
	"A 10 3 1\n"
	"S 40\n"
	"A %llx 38 1\n"
	"D\n"
	"S 14\n"
	"A %llx 9 1\n"
	"A 10 3 1\n"
	"END\n";

/* Writes the plugin file with addresses inside function addr_of. */
static const char *profile_file_write(uint64_t addr)
{
	char text[1024];
	snprintf(text, sizeof text, profile_text_fmt, (unsigned long long)addr,
		 (unsigned long long)addr, (unsigned long long)addr);
	file_write(tmp_path("prof.out"), text, 0644);
	return tmp_path("prof.out");
}

/* Feeds the guest's records for that measurement to m. */
static void measures_feed(struct profile_measures *m, const char *const *lines)
{
	for (; *lines; lines++)
		EXPECT_INT(0, profile_measures_feed(m, *lines));
}

static void profile_check_ties_plugin_counts_to_guest_figures(void)
{
	struct profile_data d = { 0 };
	struct profile_measures good = { 0 }, off = { 0 }, short_m = { 0 };
	char err[ERR_BYTES] = "";
	static const char *const good_lines[] = { "BENCH begin", "BENCH samples op - insn 10 !38",
						  "BENCH samples op - insn 12", "BENCH samples op - msg 2",
						  NULL };
	static const char *const off_lines[] = { "BENCH samples op - insn 10 !38 13", NULL };
	static const char *const short_lines[] = { "BENCH samples op - insn 10 !38", NULL };
	EXPECT_INT(0, profile_read(profile_file_write(0x1000), &d, err, sizeof err));
	EXPECT_INT(1, d.count);
	EXPECT_INT(3, d.count ? d.groups[0].count : 0);
	measures_feed(&good, good_lines);
	measures_feed(&off, off_lines);
	measures_feed(&short_m, short_lines);
	EXPECT_INT(0, profile_check(&d, &good, 0, NULL, err, sizeof err));
	EXPECT_INT(-1, profile_check(&d, &off, 0, NULL, err, sizeof err));
	expect_contains(__LINE__, "error", err, "sample 3: the plugin counted 12, the guest printed 13");
	EXPECT_INT(-1, profile_check(&d, &short_m, 0, NULL, err, sizeof err));
	expect_contains(__LINE__, "error", err, "the plugin saw 3 samples, the guest printed 2");
	/* a flagged sample's figure may differ (an interrupt before its marker);
	 * its flag may not */
	struct profile_measures interrupted = { 0 }, unflagged = { 0 };
	static const char *const interrupted_lines[] = { "BENCH samples op - insn 10 !158 12", NULL };
	static const char *const unflagged_lines[] = { "BENCH samples op - insn 10 38 12", NULL };
	measures_feed(&interrupted, interrupted_lines);
	measures_feed(&unflagged, unflagged_lines);
	EXPECT_INT(0, profile_check(&d, &interrupted, 0, NULL, err, sizeof err));
	EXPECT_INT(-1, profile_check(&d, &unflagged, 0, NULL, err, sizeof err));
	expect_contains(__LINE__, "error", err, "sample 2: the plugin counted 38 (flagged), the guest "
			"printed 38");
	profile_free(&d);
	profile_measures_free(&good);
	profile_measures_free(&off);
	profile_measures_free(&short_m);
	profile_measures_free(&interrupted);
	profile_measures_free(&unflagged);
}

/* A slack of 1 ppm lets a count of millions through when it is off by no
 * more than one in a million of the guest's figure, never a smaller one. */
static void profile_check_slack_is_parts_per_million_of_big_figures(void)
{
	struct profile_data d = { 0 };
	struct profile_measures m = { 0 }, small = { 0 };
	uint64_t off = 0;
	char err[ERR_BYTES] = "";
	static const char *const lines[] = { "BENCH samples w - insn 2999998 3000003", NULL };
	static const char *const small_lines[] = { "BENCH samples w - insn 999998 999999", NULL };
	file_write(tmp_path("slack.out"), "PROFILE 1\nGROUP 0\nCALIBRATION 2\nS 3000002\n"
		   "S 3000002\nEND\n", 0644);
	EXPECT_INT(0, profile_read(tmp_path("slack.out"), &d, err, sizeof err));
	measures_feed(&m, lines);
	EXPECT_INT(-1, profile_check(&d, &m, 0, NULL, err, sizeof err));
	EXPECT_INT(0, profile_check(&d, &m, 1, &off, err, sizeof err));
	EXPECT_INT(3, off);
	profile_free(&d);
	file_write(tmp_path("slack-small.out"), "PROFILE 1\nGROUP 0\nCALIBRATION 2\nS 1000001\n"
		   "S 1000000\nEND\n", 0644);
	EXPECT_INT(0, profile_read(tmp_path("slack-small.out"), &d, err, sizeof err));
	measures_feed(&small, small_lines);
	EXPECT_INT(-1, profile_check(&d, &small, 1, NULL, err, sizeof err));
	expect_contains(__LINE__, "error", err, "sample 1: the plugin counted 999999, the guest "
			"printed 999998");
	profile_free(&d);
	profile_measures_free(&m);
	profile_measures_free(&small);
}

static void profile_read_refuses_cut_and_foreign_files(void)
{
	struct profile_data d = { 0 };
	char err[ERR_BYTES] = "";
	file_write(tmp_path("cut.out"), "PROFILE 1\nGROUP 0\nCALIBRATION 2\nS 12\n", 0644);
	EXPECT_INT(-1, profile_read(tmp_path("cut.out"), &d, err, sizeof err));
	expect_contains(__LINE__, "error", err, "no END line");
	profile_free(&d);
	file_write(tmp_path("foreign.out"), "hello\n", 0644);
	EXPECT_INT(-1, profile_read(tmp_path("foreign.out"), &d, err, sizeof err));
	expect_contains(__LINE__, "error", err, "not a profile");
	profile_free(&d);
	file_write(tmp_path("bad.out"), "PROFILE 1\nGROUP 0\nS x\nEND\n", 0644);
	EXPECT_INT(-1, profile_read(tmp_path("bad.out"), &d, err, sizeof err));
	expect_contains(__LINE__, "error", err, ":3: unexpected line");
	profile_free(&d);
	EXPECT_INT(-1, profile_read(tmp_path("missing.out"), &d, err, sizeof err));
	expect_contains(__LINE__, "error", err, "did the plugin load?");
	file_write(tmp_path("nospace.out"), "PROFILE 1\nGROUP 0\nS 3\nA 10 3\nEND\n", 0644);
	EXPECT_INT(-1, profile_read(tmp_path("nospace.out"), &d, err, sizeof err));
	expect_contains(__LINE__, "error", err, ":4: unexpected line \"A 10 3\"");
	profile_free(&d);
}

/* With the cost model on, the plugin adds modelled cycles: the calibration's,
 * each sample's (C) and each address's (A's fourth field), carried into the
 * rows; an address's cycles in a sample without its own C line is refused. */
static void profile_read_takes_the_cost_models_cycles(void)
{
	struct profile_data d = { 0 };
	struct elf_symtab none = { 0 };
	struct profile_row *rows = NULL;
	size_t count = 0;
	char err[ERR_BYTES] = "";
	file_write(tmp_path("model.out"),
		   "PROFILE 1\nGROUP 0\nCALIBRATION 2\nCALIBRATION_CYCLES 5\nS 12\nC 40\n"
		   "A 10 7 1 30\nA 20 3 1 8\nS 9\nC 33\nA 10 9 1 31\nEND\n", 0644);
	EXPECT_INT(0, profile_read(tmp_path("model.out"), &d, err, sizeof err));
	EXPECT_INT(5, d.count ? d.groups[0].calibration_cycles : 0);
	EXPECT_INT(2, d.count ? d.groups[0].count : 0);
	if (d.count && d.groups[0].count == 2) {
		const struct profile_sample *x = &d.groups[0].samples[0];
		EXPECT_TRUE(x->has_cycles);
		EXPECT_INT(40, x->cycles);
		EXPECT_INT(30, x->addr_count ? x->addrs[0].cycles : 0);
		EXPECT_INT(0, profile_rows_build(&none, x, &rows, &count));
		EXPECT_INT(1, count);   /* both addresses in no function: one "unknown" row */
		EXPECT_INT(38, count ? rows[0].cycles : 0);
		EXPECT_INT(10, count ? rows[0].count : 0);
		free(rows);
	}
	profile_free(&d);
	file_write(tmp_path("nocycles.out"), "PROFILE 1\nGROUP 0\nS 3\nA 10 3 1 9\nEND\n", 0644);
	EXPECT_INT(-1, profile_read(tmp_path("nocycles.out"), &d, err, sizeof err));
	expect_contains(__LINE__, "error", err, "an address's cycles with none for its sample");
	profile_free(&d);
}

/* machlab bench --model: a boot's cyc-model group is its samples' cycles
 * less the empty operation's, the flagged one counted and dropped; a file
 * that disagrees with the guest, or has a sample without cycles, adds
 * nothing. */
static void bench_model_rows_are_cycles_less_the_empty_operation(void)
{
	static const char *const lines[] = {
		"BENCH samples x 64 insn 10 !7 12", NULL,
	};
	struct profile_measures m = { 0 };
	struct bench_records r = { .benchmark = "x" };
	char err[ERR_BYTES] = "";
	measures_feed(&m, lines);
	file_write(tmp_path("bench-model.out"),
		   "PROFILE 1\nGROUP 0\nCALIBRATION 2\nCALIBRATION_CYCLES 30\nS 12\nC 90\n"
		   "S 9\nC 20\nD\nS 14\nC 29\nEND\n", 0644);
	EXPECT_INT(0, bench_model_records(tmp_path("bench-model.out"), &m, &r, NULL, err, sizeof err));
	EXPECT_INT(1, r.group_count);
	if (r.group_count == 1) {
		const struct bench_group *g = &r.groups[0];
		EXPECT_INT(BENCH_UNIT_CYC_MODEL, g->key.unit);
		EXPECT_TRUE(g->key.has_parameter && g->key.parameter == 64);
		EXPECT_INT(2, g->count);
		EXPECT_INT(1, g->flagged);
		EXPECT_INT(60, g->count == 2 ? g->values[0] : 0);
		EXPECT_INT(0, g->count == 2 ? g->values[1] : 1); /* below the empty operation */
	}
	bench_records_free(&r);
	file_write(tmp_path("bench-model-off.out"),
		   "PROFILE 1\nGROUP 0\nCALIBRATION 2\nCALIBRATION_CYCLES 30\nS 12\nC 90\n"
		   "S 9\nC 20\nD\nS 15\nC 29\nEND\n", 0644);
	EXPECT_INT(-1, bench_model_records(tmp_path("bench-model-off.out"), &m, &r, NULL, err, sizeof err));
	expect_contains(__LINE__, "error", err, "the plugin counted 13, the guest printed 12");
	EXPECT_INT(0, r.group_count);
	file_write(tmp_path("bench-model-nocycles.out"),
		   "PROFILE 1\nGROUP 0\nCALIBRATION 2\nS 12\nC 90\nS 9\nD\nS 14\nC 29\nEND\n",
		   0644);
	EXPECT_INT(-1, bench_model_records(tmp_path("bench-model-nocycles.out"), &m, &r, NULL, err,
					   sizeof err));
	expect_contains(__LINE__, "error", err, "x 64 sample 2: no modelled cycles");
	EXPECT_INT(0, r.group_count);
	bench_records_free(&r);
	profile_measures_free(&m);
}

/* One kernel function run in two address spaces is two rows; the sums per
 * space add up, and only spaces that ran user code count as such. */
static void profile_rows_keep_address_spaces_apart(void)
{
	struct elf_symtab syms = { 0 };
	struct profile_data d = { 0 };
	char err[ERR_BYTES] = "", text[512];
	static const char *const need[] = { KERNEL_ELF, NULL };
	if (!built(need))
		return;
	EXPECT_INT(0, elf_symtab_load(&syms, KERNEL_ELF, err, sizeof err));
	const struct elf_sym *known = elf_symtab_by_name(&syms, "msg_check");
	EXPECT_TRUE(known != NULL);
	if (!known)
		return;
	snprintf(text, sizeof text, "PROFILE 1\nGROUP 0\nCALIBRATION 0\nS 31\nA %llx 10 1\n"
		 "A %llx 12 2\nA 401000 4 2\nA %llx 5 0\nEND\n", (unsigned long long)known->addr,
		 (unsigned long long)known->addr, (unsigned long long)known->addr);
	file_write(tmp_path("spaces.out"), text, 0644);
	EXPECT_INT(0, profile_read(tmp_path("spaces.out"), &d, err, sizeof err));
	size_t kept = 0, count = 0;
	const struct profile_sample *s = d.count ? profile_median_sample(&d.groups[0], &kept) : NULL;
	struct profile_row *rows = NULL;
	EXPECT_INT(0, s ? profile_rows_build(&syms, s, &rows, &count) : -1);
	EXPECT_INT(4, count); /* msg_check in 2, 1 and 0; the unknown user address in 2 */
	EXPECT_TRUE(count == 4 && rows[0].space == 2 && rows[0].count == 12 && rows[0].kernel);
	EXPECT_TRUE(count == 4 && rows[1].space == 1 && rows[1].count == 10);
	struct profile_space_sum sums[PROFILE_SPACES_MAX];
	size_t n = profile_spaces_sum(rows, count, sums);
	EXPECT_INT(3, n);
	EXPECT_TRUE(n == 3 && sums[0].space == 0 && sums[0].kernel == 5 && sums[0].user == 0);
	EXPECT_TRUE(n == 3 && sums[1].space == 1 && sums[1].kernel == 10 && sums[1].user == 0);
	EXPECT_TRUE(n == 3 && sums[2].space == 2 && sums[2].kernel == 12 && sums[2].user == 4);
	EXPECT_INT(1, s ? profile_user_spaces(s) : 0);
	char line[256];
	profile_spaces_format(sums, n, line, sizeof line);
	EXPECT_STR("0: 5 kernel + 0 user; 1: 10 kernel + 0 user; 2: 12 kernel + 4 user", line);
	free(rows);
	profile_free(&d);
	elf_symtab_free(&syms);
}

static void profile_median_sample_counts_unknown_addresses(void)
{
	struct elf_symtab syms = { 0 };
	struct profile_data d = { 0 };
	char err[ERR_BYTES] = "";
	static const char *const need[] = { KERNEL_ELF, KERNEL_OBJ_DIR, NULL };
	if (!built(need))
		return;
	EXPECT_INT(0, elf_symtab_load(&syms, KERNEL_ELF, err, sizeof err));
	EXPECT_INT(0, elf_symtab_sources(&syms, KERNEL_OBJ_DIR, err, sizeof err));
	const struct elf_sym *known = elf_symtab_by_name(&syms, "msg_check");
	EXPECT_TRUE(known != NULL);
	if (!known)
		return;
	EXPECT_INT(0, profile_read(profile_file_write(known->addr), &d, err, sizeof err));
	size_t kept = 0, count = 0;
	const struct profile_sample *median = d.count ? profile_median_sample(&d.groups[0], &kept)
						      : NULL;
	EXPECT_INT(2, kept);
	EXPECT_INT(12, median ? median->total : 0);
	struct profile_row *rows = NULL;
	EXPECT_INT(0, median ? profile_rows_build(&syms, median, &rows, &count) : -1);
	EXPECT_INT(2, count);
	uint64_t sum = 0;
	for (size_t i = 0; i < count; i++)
		sum += rows[i].count;
	EXPECT_INT(10, sum); /* every address counted: 7 in msg_check, 3 unknown */
	EXPECT_STR("msg_check", count ? rows[0].function : "");
	EXPECT_STR("IPC check", count ? rows[0].component : "");
	EXPECT_TRUE(count == 2 && rows[1].function == NULL && !rows[1].kernel);
	EXPECT_STR("unknown", count == 2 ? rows[1].component : "");
	free(rows);
	profile_free(&d);
	elf_symtab_free(&syms);
}

static void profile_missing_plugin_is_a_clear_error(void)
{
	char *out = NULL;
	char *args[] = { "profile", "--plugin", (char *)tmp_path("no-plugin.so"), "null_trap", NULL };
	EXPECT_INT(2, main_capture(cmd_profile_main, args, "profile.out", &out));
	expect_contains(__LINE__, "output", out, "no-plugin.so: No such file or directory");
	free(out);
	char *none[] = { "profile", NULL };
	EXPECT_INT(2, main_capture(cmd_profile_main, none, "profile.out", &out));
	expect_contains(__LINE__, "output", out, "name a benchmark");
	free(out);
}

static void profile_unloadable_plugin_fails_with_qemus_words(void)
{
	static const char *const need[] = { KERNEL_ELF, BENCH_ELF, NULL };
	char qemu[PATH_MAX], *out = NULL;
	if (!built(need))
		return;
	if (proc_path_resolve("qemu-system-x86_64", qemu, sizeof qemu) < 0) {
		test_skipped = true;
		snprintf(test_why, sizeof test_why, "QEMU is not installed");
		return;
	}
	file_write(tmp_path("bad-plugin.so"), "not a shared object\n", 0644);
	char *args[] = { "profile", "--plugin", (char *)tmp_path("bad-plugin.so"), "null_trap", NULL };
	EXPECT_INT(1, main_capture(cmd_profile_main, args, "profile.out", &out));
	expect_contains(__LINE__, "output", out, "the boot measured nothing");
	expect_contains(__LINE__, "output", out, "Could not load plugin");
	free(out);
}

static const struct check_test tests[] = {
	TEST(symbols_are_found_at_their_elf_addresses),
	TEST(label_extends_to_the_next_symbol),
	TEST(address_in_no_function_gives_null),
	TEST(sources_name_each_symbols_file),
	TEST(sources_cover_every_symbol),
	TEST(static_name_in_two_files_resolved_by_its_file),
	TEST(truncated_copies_give_clear_errors),
	TEST(broken_fields_give_clear_errors),
	TEST(elf32_kernel_and_wrong_kinds_are_refused),
	TEST(components_of_known_functions),
	TEST(string_c_depends_on_the_side),
	TEST(unknown_and_other),
	TEST(every_rule_component_is_listed),
	TEST(real_symbols_map_to_listed_components),
	TEST(profile_check_ties_plugin_counts_to_guest_figures),
	TEST(profile_read_refuses_cut_and_foreign_files),
	TEST(profile_read_takes_the_cost_models_cycles),
	TEST(bench_model_rows_are_cycles_less_the_empty_operation),
	TEST(profile_check_slack_is_parts_per_million_of_big_figures),
	TEST(profile_rows_keep_address_spaces_apart),
	TEST(profile_median_sample_counts_unknown_addresses),
	TEST(profile_missing_plugin_is_a_clear_error),
	TEST(profile_unloadable_plugin_fails_with_qemus_words),
};

/* Runs every test in a fresh scratch directory. */
int main(void)
{
	return check_main(tests, sizeof tests / sizeof tests[0], "/tmp/machlab-profile-test-", NULL,
			  true);
}

/* cmd_profile.c: "machlab profile [options] BENCH[:PARAM]...": boots a
 * target (a microkernel variant, or Linux with bench/unix) with the
 * benchmarks named and the profiling plugin
 * (harness/plugin/profile_plugin.c), checks that the plugin's count of every
 * sample equals the figure the guest printed (profile.h), and prints, per
 * measurement, where the instructions of one sample go: per function
 * (symbols of the target's kernel64.elf and of the benchmark program, each
 * function's source file from the objects in <target>/obj and beside the
 * benchmark program, in <its directory>/obj; on a Linux target, the kernel's
 * kallsyms) and per component (profile_components.c); --csv writes the
 * rows, --plot DIR the stacked bars of plots/profile.gp. The breakdown is that
 * of the median sample: the first unflagged sample whose count is the median
 * of the unflagged ones, so its rows add up to the plugin's count of it. The
 * plugin counts between the two counter reads; the empty operation's count
 * (the timing loop's own instructions, which the guest subtracts too) is
 * shown as its own line. */
#include "cmd_profile.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_test.h"
#include "elf_syms.h"
#include "array.h"
#include "bench_profile.h"
#include "errmsg.h"
#include "linux_boot.h"
#include "profile.h"
#include "plots.h"
#include "profile_components.h"
#include "qemu.h"
#include "target.h"

#define PROFILE_TARGET_DEFAULT "build/default"
#define PROFILE_BENCH_DEFAULT "build/user/bench-mk.elf"
#define PROFILE_UNIX_BENCH_DEFAULT "build/unix/unix-bench.syms" /* the archive's, with symbols */
#define PROFILE_LINUX_SYMBOLS "kallsyms" /* make linux-target reads them from a boot */
#define PROFILE_USER_OBJ "obj" /* beside the benchmark program: its objects */
#define PROFILE_PLUGIN_DEFAULT "build/host/profile.so"
#define PROFILE_KERNEL_SYMBOLS "kernel64.elf" /* kernel.elf is its ELF32 copy without them */
#define PROFILE_KERNEL_OBJ "obj"
#define PROFILE_TOP_DEFAULT 25
#define PROFILE_TOP_MAX 100000
#define PROFILE_TIMEOUT_S 600
#define PROFILE_ERR_MAX_BYTES 512
#define PROFILE_ARGS_MAX_BYTES 1024
#define PROFILE_EMPTY_OP "(the timing loop: the empty operation's count)"
#define PROFILE_PLOT_SCRIPTS "plots"
#define PROFILE_PLOT_SCRIPT "profile.gp"
#define PROFILE_PLOT_CSV "profile.csv" /* the name profile.gp derives the next one from */
#define PROFILE_PLOT_COMPONENTS "profile-components.csv"
/* Linux maps its kernel with global pages (they survive CR3 writes); machlab does not. */
#define PROFILE_LINUX_MODEL_PARAM "kernel_tlb_global=1"

/* The x86 exception vectors that stop an instruction before it completes
 * (the plugin takes the stopped instruction back; see the plugin). */
static const char *const profile_linux_fault_vectors[] = {
	"asm_exc_divide_error", "asm_exc_bounds", "asm_exc_invalid_op",
	"asm_exc_device_not_available", "asm_exc_invalid_tss", "asm_exc_segment_not_present",
	"asm_exc_stack_segment", "asm_exc_general_protection", "asm_exc_page_fault",
	"asm_exc_coprocessor_error", "asm_exc_alignment_check", "asm_exc_simd_coprocessor_error",
};

static const char *const profile_fault_vectors[] = {
	"isr_0", "isr_5", "isr_6", "isr_7", "isr_10", "isr_11", "isr_12", "isr_13", "isr_14",
	"isr_16", "isr_17", "isr_19",
};

/* The functions that write CR3 to flush the TLB, reloading the same tables:
 * not a switch of address space (machlab writes CR3 only to switch). */
static const char *const profile_linux_tlb_flushes[] = { "native_flush_tlb_local" };

struct profile_options {
	const char *target, *bench, *plugin, *csv, *qemu_path;
	const char *plot_dir; /* write profile.svg/png (and the components CSV) here, or NULL */
	bool linux_target; /* a Linux target (linux_boot.h): kallsyms, root archive, bench/unix */
	long top;
	bool full;
	bool model;   /* the plugin's cost model on: cyc-model next to insn */
	const char *model_params[PROFILE_MODEL_PARAMS_MAX]; /* NAME=VALUE, in order */
	size_t model_param_count;
	char **names; /* BENCH[:PARAM] */
	int name_count;
};

static const char profile_usage[] =
	"usage: machlab profile [--target DIR] [--bench PATH] [--plugin PATH]\n"
	"                       [--csv PATH] [--plot DIR] [--top N] [--full] [--qemu PATH]\n"
	"                       [--model [--model-param NAME=VALUE]...] BENCH[:PARAM]...\n"
	"  boots DIR (default build/default) with the benchmarks and the profiling plugin\n"
	"  (default build/host/profile.so) and prints where each sample's instructions go;\n"
	"  --model runs the plugin's cost model (harness/plugin/cost_model.h) too and adds\n"
	"  each row's modelled cycles (cyc-model); --model-param overrides one of its\n"
	"  parameters (a field of struct cm_params)\n";

/* Appends a --model-param NAME=VALUE to params (*count of them, at most
 * PROFILE_MODEL_PARAMS_MAX). False when it is full, or arg is not NAME=VALUE
 * or holds a comma (it goes into the plugin's comma-separated arguments). */
bool profile_model_param_add(const char *params[PROFILE_MODEL_PARAMS_MAX], size_t *count,
			     const char *arg)
{
	if (*count == PROFILE_MODEL_PARAMS_MAX || !strchr(arg, '=') || strchr(arg, ','))
		return false;
	params[(*count)++] = arg;
	return true;
}

/* Fills opt from the command line. Returns 0, or -EINVAL after printing why. */
static int profile_options_parse(int argc, char **argv, struct profile_options *opt)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' }, { "bench", required_argument, NULL, 'b' },
		{ "plugin", required_argument, NULL, 'p' },
		{ "csv", required_argument, NULL, 'c' }, { "top", required_argument, NULL, 'n' },
		{ "full", no_argument, NULL, 'f' }, { "qemu", required_argument, NULL, 'q' },
		{ "plot", required_argument, NULL, 'P' },
		{ "model", no_argument, NULL, 'm' }, { "model-param", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	*opt = (struct profile_options){ .target = PROFILE_TARGET_DEFAULT,
					 .bench = PROFILE_BENCH_DEFAULT,
					 .plugin = PROFILE_PLUGIN_DEFAULT, .qemu_path = QEMU_DEFAULT_BINARY,
					 .top = PROFILE_TOP_DEFAULT };
	bool bench_given = false;
	optind = 1;
	for (int c; (c = getopt_long(argc, argv, "", longopts, NULL)) != -1;) {
		bool ok = true;
		switch (c) {
		case 't': opt->target = optarg; break;
		case 'b': opt->bench = optarg; bench_given = true; break;
		case 'p': opt->plugin = optarg; break;
		case 'c': opt->csv = optarg; break;
		case 'P': opt->plot_dir = optarg; break;
		case 'f': opt->full = true; break;
		case 'q': opt->qemu_path = optarg; break;
		case 'n': ok = cmd_number_parse(optarg, PROFILE_TOP_MAX, &opt->top); break;
		case 'm': opt->model = true; break;
		case 'M':
			ok = profile_model_param_add(opt->model_params, &opt->model_param_count, optarg);
			break;
		default: ok = false; break;
		}
		if (!ok) {
			fputs(profile_usage, stderr);
			return -EINVAL;
		}
	}
	opt->names = argv + optind;
	opt->name_count = argc - optind;
	opt->linux_target = linux_target_is(opt->target);
	if (opt->linux_target && !bench_given)
		opt->bench = PROFILE_UNIX_BENCH_DEFAULT;
	if (opt->name_count == 0) {
		fprintf(stderr, "machlab profile: name a benchmark\n%s", profile_usage);
		return -EINVAL;
	}
	if (opt->model_param_count && !opt->model) {
		fprintf(stderr, "machlab profile: --model-param needs --model\n%s", profile_usage);
		return -EINVAL;
	}
	return 0;
}

/* Loads the symbols of the kernel of target (a microkernel's kernel64.elf;
 * a Linux kernel's kallsyms). Returns 0, or -1 with err set. */
int profile_kernel_symbols_load(const char *target, bool linux_target, struct elf_symtab *syms,
				char *err, size_t err_bytes)
{
	char *kernel = path_join(target, linux_target ? PROFILE_LINUX_SYMBOLS
						       : PROFILE_KERNEL_SYMBOLS);
	int rc = kernel ? 0 : errmsg_fail(err, err_bytes, "out of memory");
	if (rc == 0 && linux_target && access(kernel, R_OK) < 0)
		rc = errmsg_fail(err, err_bytes, "%s: %s (make linux-target makes it)", kernel,
				 strerror(errno));
	if (rc == 0)
		rc = linux_target ? elf_symtab_load_map(syms, kernel, LINUX_SOURCE, err, err_bytes)
				  : elf_symtab_load(syms, kernel, err, err_bytes);
	free(kernel);
	return rc < 0 ? -1 : 0;
}

/* Loads the symbols of the target's kernel (profile_kernel_symbols_load),
 * with sources from a microkernel's objects, and of the benchmark program
 * (sources from the objects beside it). Returns 0, or -1 with err set. */
static int profile_symbols_load(const struct profile_options *opt, struct elf_symtab *syms,
				char *err, size_t err_bytes)
{
	char *kernel_obj = path_join(opt->target, PROFILE_KERNEL_OBJ);
	char *bench_dir = strdup(opt->bench), *slash = bench_dir ? strrchr(bench_dir, '/') : NULL;
	if (slash)
		*slash = '\0';
	char *user_obj = bench_dir ? path_join(slash ? bench_dir : ".", PROFILE_USER_OBJ) : NULL;
	int rc = kernel_obj && user_obj ? 0 : errmsg_fail(err, err_bytes, "out of memory");
	if (rc == 0)
		rc = profile_kernel_symbols_load(opt->target, opt->linux_target, syms, err,
						 err_bytes);
	if (rc == 0)
		rc = elf_symtab_load(syms, opt->bench, err, err_bytes);
	if (rc == 0 && !opt->linux_target)
		rc = elf_symtab_sources(syms, kernel_obj, err, err_bytes);
	if (rc == 0)
		rc = elf_symtab_sources(syms, user_obj, err, err_bytes);
	free(kernel_obj);
	free(bench_dir);
	free(user_obj);
	return rc < 0 ? -1 : 0;
}

/* Writes "path,out=OUT,fault=HEX...,flush=HEX-HEX...[,addrs=off][,model=on,cm...]"
 * for -plugin into buf (out NULL: no out=, the caller adds it): the fault
 * entries and TLB flushes from syms, the target's kernel symbols (see the
 * plugin). Returns 0, or -1 with err set (a
 * symbol the kernel does not have). */
int profile_plugin_arg(const struct profile_plugin_spec *spec, const struct elf_symtab *syms,
		       const char *out, char *buf, size_t buf_bytes, char *err, size_t err_bytes)
{
	const char *const *vectors = spec->linux_target ? profile_linux_fault_vectors
							: profile_fault_vectors;
	size_t count = spec->linux_target
		? sizeof profile_linux_fault_vectors / sizeof *profile_linux_fault_vectors
		: sizeof profile_fault_vectors / sizeof *profile_fault_vectors;
	size_t len = (size_t)snprintf(buf, buf_bytes, "%s%s%s%s", spec->plugin, out ? ",out=" : "",
				      out ? out : "", spec->addrs_off ? ",addrs=off" : "");
	for (size_t v = 0; v < count; v++) {
		const struct elf_sym *s = elf_symtab_by_name(syms, vectors[v]);
		if (!s)
			return errmsg_fail(err, err_bytes, "%s's kernel symbols have no %s (the fault "
					   "entry the plugin must know)", spec->target, vectors[v]);
		len += (size_t)snprintf(buf + len, len < buf_bytes ? buf_bytes - len : 0,
					",fault=%" PRIx64, s->addr);
	}
	for (size_t f = 0; spec->linux_target && f < sizeof profile_linux_tlb_flushes /
						     sizeof *profile_linux_tlb_flushes; f++) {
		const struct elf_sym *s = elf_symtab_by_name(syms, profile_linux_tlb_flushes[f]);
		if (!s)
			return errmsg_fail(err, err_bytes, "%s's kernel symbols have no %s (the TLB "
					   "flush the plugin must know)", spec->target,
					   profile_linux_tlb_flushes[f]);
		len += (size_t)snprintf(buf + len, len < buf_bytes ? buf_bytes - len : 0,
					",flush=%" PRIx64 "-%" PRIx64, s->addr, s->addr + s->size);
	}
	if (spec->model) {
		len += (size_t)snprintf(buf + len, len < buf_bytes ? buf_bytes - len : 0,
					",model=on%s%s", spec->linux_target ? ",cm." : "",
					spec->linux_target ? PROFILE_LINUX_MODEL_PARAM : "");
		for (size_t k = 0; k < spec->model_param_count; k++)   /* (later ones win) */
			len += (size_t)snprintf(buf + len, len < buf_bytes ? buf_bytes - len : 0,
						",cm.%s", spec->model_params[k]);
	}
	return len < buf_bytes ? 0 : errmsg_fail(err, err_bytes, "the plugin's arguments are too long");
}

/* The plugin's view of opt. */
static struct profile_plugin_spec profile_plugin_spec_of(const struct profile_options *opt)
{
	return (struct profile_plugin_spec){
		.plugin = opt->plugin, .target = opt->target, .linux_target = opt->linux_target,
		.model = opt->model, .model_params = opt->model_params,
		.model_param_count = opt->model_param_count,
	};
}

/* Serial line callback: keeps the measures, echoes failures. */
static void profile_on_line(void *ctx, const char *line)
{
	struct profile_measures *m = ctx;
	if (profile_measures_feed(m, line) < 0)
		fprintf(stderr, "machlab profile: out of memory keeping samples\n");
	if (strncmp(line, "bench ", 6) == 0 || strstr(line, "PANIC") || strstr(line, "plugin"))
		fprintf(stderr, "%s\n", line);
}

/* Boots the target with the benchmarks and the plugin writing to out.
 * Returns 0, or -1 with err set. */
static int profile_boot(const struct profile_options *opt, const char *plugin_arg,
			struct profile_measures *m, char *err, size_t err_bytes)
{
	char args[PROFILE_ARGS_MAX_BYTES], how[160];
	size_t len = (size_t)snprintf(args, sizeof args, "%s%s", opt->linux_target ? "bench " : "",
				      opt->full ? "" : "--quick");
	for (int i = 0; i < opt->name_count && len < sizeof args; i++) {
		int base = (int)strcspn(opt->names[i], ":"), k = 0;
		while (k < i && ((int)strcspn(opt->names[k], ":") != base ||
				 strncmp(opt->names[k], opt->names[i], (size_t)base) != 0))
			k++;
		if (k == i) /* once per benchmark: BENCH:4096 BENCH:8192 boot BENCH once */
			len += (size_t)snprintf(args + len, sizeof args - len, " %.*s", base,
						opt->names[i]);
	}
	char *kernel = path_join(opt->target, opt->linux_target ? LINUX_KERNEL_FILE
								  : TARGET_KERNEL_FILE);
	char *initrd = opt->linux_target ? path_join(opt->target, LINUX_ROOT_FILE) : NULL;
	char *cmdline = opt->linux_target ? linux_cmdline(args) : NULL;
	struct qemu_module module = { .path = opt->bench, .args = args };
	struct qemu_boot boot = {
		.qemu_path = opt->qemu_path, .kernel_path = kernel,
		.modules = opt->linux_target ? NULL : &module, .module_count = !opt->linux_target,
		.initrd_path = initrd, .append = cmdline, .plugin = plugin_arg,
		.timeout_ms = PROFILE_TIMEOUT_S * 1000, .on_line = profile_on_line, .ctx = m,
	};
	struct qemu_result result = { 0 };
	int rc = kernel && (!opt->linux_target || (initrd && cmdline)) ? qemu_run(&boot, &result)
								       : -ENOMEM;
	if (rc < 0)
		rc = errmsg_fail(err, err_bytes, "cannot run %s: %s", opt->qemu_path, strerror(-rc));
	else if (!qemu_status_clean(&result.status) || m->count == 0) {
		qemu_status_describe(&result.status, &boot, how, sizeof how);
		rc = errmsg_fail(err, err_bytes, "%s (%s)%s%.200s", m->count ? "the boot did not end "
				 "cleanly" : "the boot measured nothing", how,
				 result.lines.count ? "; QEMU said: " : "",
				 result.lines.count ? result.lines.items[0] : "");
	}
	qemu_result_free(&result);
	free(kernel);
	free(initrd);
	free(cmdline);
	return rc;
}

/* True when measure x is one that names asks for (BENCH or BENCH:PARAM). */
static bool profile_selected(const struct profile_options *opt, const struct profile_measure *x)
{
	for (int i = 0; i < opt->name_count; i++)
		if (profile_name_matches(opt->names[i], x->benchmark, x->parameter))
			return true;
	return false;
}

/* The modelled-cycles cell of a row or component (cyc: the sample has them;
 * else empty): " cycles share%". */
static const char *cycles_cell(char buf[40], bool cyc, uint64_t cycles,
			       const struct profile_sample *median)
{
	buf[0] = '\0';
	if (cyc)
		snprintf(buf, 40, " %10" PRIu64 " %6.1f%%", cycles,
			 100.0 * (double)cycles / (double)(median->cycles ? median->cycles : 1));
	return buf;
}

/* Prints one measurement's table (top rows and components) of its median
 * sample, and its CSV rows. */
static void profile_print(const struct profile_options *opt, const struct profile_measure *x,
			  const struct profile_group *g, const struct profile_sample *median,
			  size_t kept, const struct profile_row *rows, size_t count, FILE *csv)
{
	bool cyc = median->has_cycles;
	printf("\n%s %s on %s: %" PRIu64 " insn, the median sample (of %zu kept, %zu flagged); "
	       "the plugin counted %" PRIu64 ", less %" PRIu64 " for the timing loop\n",
	       x->benchmark, x->parameter, opt->target, median->total - g->calibration, kept,
	       g->count - kept, median->total, g->calibration);
	if (cyc)
		printf("  the same sample modelled (cyc-model): %" PRIu64 " cycles, %" PRIu64
		       " less %" PRIu64 " for the timing loop; %.2f cycles an instruction\n",
		       median->cycles - g->calibration_cycles, median->cycles, g->calibration_cycles,
		       (double)median->cycles / (double)(median->total ? median->total : 1));
	printf("  %10s %7s %s %-2s %-3s %-18s %s\n", "insn", "share", cyc ? "  cyc-model   share " : "",
	       "AS", "K/U", "component", "function (source)");
	for (size_t i = 0; i < count; i++) {
		const struct profile_row *r = &rows[i];
		double share = 100.0 * (double)r->count / (double)median->total;
		char cycles[40];
		if (csv)
			profile_row_csv(csv, opt->target, x, r);
		if ((long)i < opt->top)
			printf("  %10" PRIu64 " %6.1f%%%s  %-2u %-3s %-18s %s (%s)\n", r->count, share,
			       cycles_cell(cycles, cyc, r->cycles, median), r->space, r->kernel ? "K" : "U", r->component,
			       r->function ? r->function : "unknown", r->source ? r->source : "?");
	}
	if ((long)count > opt->top)
		printf("  (%zu more functions: --top N shows them)\n", count - (size_t)opt->top);
	printf("  by component:\n");
	for (size_t c = 0; c < profile_component_count; c++) {
		uint64_t v = 0, vc = 0;
		char cycles[40];
		for (size_t i = 0; i < count; i++)
			if (strcmp(rows[i].component, profile_component_names[c]) == 0) {
				v += rows[i].count;
				vc += rows[i].cycles;
			}
		if (v > 0)
			printf("  %10" PRIu64 " %6.1f%%%s  %s\n", v,
			       100.0 * (double)v / (double)median->total,
			       cycles_cell(cycles, cyc, vc, median), profile_component_names[c]);
	}
	printf("  %10" PRIu64 "          %s\n", g->calibration, PROFILE_EMPTY_OP);
	struct profile_space_sum spaces[PROFILE_SPACES_MAX];
	size_t space_count = profile_spaces_sum(rows, count, spaces);
	printf("  by address space (AS 1: the benchmark's own task; 2...: others, in order of "
	       "entry; 0: none ran user code):\n");
	for (size_t i = 0; i < space_count; i++)
		printf("  %10" PRIu64 " %6.1f%%  AS %u: %" PRIu64 " kernel + %" PRIu64 " user%s%s\n",
		       spaces[i].kernel + spaces[i].user,
		       100.0 * (double)(spaces[i].kernel + spaces[i].user) / (double)median->total,
		       spaces[i].space, spaces[i].kernel, spaces[i].user,
		       spaces[i].top_user[0] ? ", most in " : "", spaces[i].top_user);
}

static int profile_sums_add(struct profile_sums_list *list, const char *target_name,
			    const struct profile_measure *x, const struct profile_group *g,
			    const struct profile_sample *median, const struct profile_row *rows,
			    size_t count);

/* Symbolises and prints every selected measurement, adding each to sums
 * when it is not NULL. Returns 0, or -1 with err set. */
static int profile_report(const struct profile_options *opt, const struct elf_symtab *syms,
			  const struct profile_data *d, const struct profile_measures *m, FILE *csv,
			  struct profile_sums_list *sums, char *err)
{
	for (size_t i = 0; i < m->count; i++) {
		if (!profile_selected(opt, &m->items[i]))
			continue;
		struct profile_row *rows = NULL;
		size_t count = 0, kept;
		const struct profile_group *g = &d->groups[i];
		const struct profile_sample *median = profile_median_sample(g, &kept);
		if (!median && kept == 0) {
			printf("\n%s %s on %s: every sample was flagged (an interrupt in each): no "
			       "median to break down\n", m->items[i].benchmark, m->items[i].parameter,
			       opt->target);
			continue;
		}
		if (!median)
			return errmsg_fail(err, PROFILE_ERR_MAX_BYTES, "out of memory");
		if (profile_rows_build(syms, median, &rows, &count) < 0)
			return errmsg_fail(err, PROFILE_ERR_MAX_BYTES, "out of memory");
		profile_print(opt, &m->items[i], g, median, kept, rows, count, csv);
		int rc = sums ? profile_sums_add(sums, opt->target, &m->items[i], g, median, rows,
						 count) : 0;
		free(rows);
		if (rc < 0)
			return errmsg_fail(err, PROFILE_ERR_MAX_BYTES, "out of memory");
	}
	return 0;
}

/* Boots with the plugin writing to a scratch file, reads it, and checks it
 * against the guest's records. Returns 0, or -1 with err set; d and m are the
 * caller's to free either way. */
static int profile_collect(const struct profile_options *opt, const struct elf_symtab *syms,
			   struct profile_data *d, struct profile_measures *m, char *err,
			   size_t err_bytes)
{
	char out[] = "/tmp/machlab-profile-XXXXXX", plugin_arg[PROFILE_PLUGIN_ARG_MAX_BYTES];
	int fd = mkstemp(out), rc;
	if (fd < 0)
		return errmsg_fail(err, err_bytes, "%s: %s", out, strerror(errno));
	close(fd);
	struct profile_plugin_spec spec = profile_plugin_spec_of(opt);
	rc = profile_plugin_arg(&spec, syms, out, plugin_arg, sizeof plugin_arg, err, err_bytes);
	if (rc == 0)
		rc = profile_boot(opt, plugin_arg, m, err, err_bytes);
	if (rc == 0)
		rc = profile_read(out, d, err, err_bytes);
	if (rc == 0)
		rc = profile_check(d, m, 0, NULL, err, err_bytes);
	unlink(out);
	return rc;
}

/* Writes <plot_dir>/profile-components.csv from sums and renders
 * plots/profile.gp from it into plot_dir (profile.svg, profile.png).
 * Returns 0, or -1 with err set. */
static int profile_plot(const struct profile_options *opt, const struct profile_sums_list *sums,
			char *err)
{
	char *csv = path_join(opt->plot_dir, PROFILE_PLOT_CSV);
	char *components = path_join(opt->plot_dir, PROFILE_PLOT_COMPONENTS);
	int rc = csv && components ? bench_profile_components_write(components, sums) : -ENOMEM;
	if (rc < 0) {
		errmsg_fail(err, PROFILE_ERR_MAX_BYTES, "%s: %s", components ? components : "plot",
			    strerror(-rc));
	} else {
		struct plots_spec spec = { .gnuplot_path = PLOTS_GNUPLOT_BINARY, .csv_path = csv,
					   .scripts_dir = PROFILE_PLOT_SCRIPTS,
					   .out_dir = opt->plot_dir, .timeout_ms = PLOTS_TIMEOUT_MS };
		struct plots_result result = { 0 };
		plots_run_script(&spec, PROFILE_PLOT_SCRIPT, &result);
		if (result.failed)
			rc = errmsg_fail(err, PROFILE_ERR_MAX_BYTES, "%s/%s did not render (run from the "
					 "checkout's root)", PROFILE_PLOT_SCRIPTS, PROFILE_PLOT_SCRIPT);
	}
	free(csv);
	free(components);
	return rc < 0 ? -1 : 0;
}

/* Writes the CSV (if asked) and the tables of the selected measurements.
 * Returns the exit status. */
static int profile_output(const struct profile_options *opt, const struct elf_symtab *syms,
			  const struct profile_data *d, const struct profile_measures *m, char *err)
{
	FILE *csv = NULL;
	if (opt->csv && !(csv = fopen(opt->csv, "we"))) {
		snprintf(err, PROFILE_ERR_MAX_BYTES, "%s: %s", opt->csv, strerror(errno));
		return CMD_EXIT_FAILED;
	}
	if (csv)
		fputs(PROFILE_CSV_HEADER "\n", csv);
	struct profile_sums_list sums = { 0 };
	int status = profile_report(opt, syms, d, m, csv, opt->plot_dir ? &sums : NULL, err) == 0
		     ? CMD_EXIT_OK : CMD_EXIT_FAILED;
	if (csv && fclose(csv) != 0) {
		snprintf(err, PROFILE_ERR_MAX_BYTES, "%s: %s", opt->csv, strerror(errno));
		status = CMD_EXIT_FAILED;
	}
	if (status == CMD_EXIT_OK && opt->plot_dir && profile_plot(opt, &sums, err) < 0)
		status = CMD_EXIT_FAILED;
	free(sums.items);
	return status;
}

/* Checks the plugin is there and loads the symbols (bad input: nothing is
 * booted). Returns 0, or -1 with err set; syms is the caller's to free. */
static int profile_prepare(const struct profile_options *opt, struct elf_symtab *syms, char *err,
			   size_t err_bytes)
{
	if (access(opt->plugin, R_OK) < 0)
		return errmsg_fail(err, err_bytes, "%s: %s (make harness builds the profiling plugin)",
				   opt->plugin, strerror(errno));
	return profile_symbols_load(opt, syms, err, err_bytes);
}

/* profile_prepare, then profile_collect. Returns 0, or -1 with err set;
 * syms, d and m are the caller's to free either way. */
static int profile_prepare_and_collect(const struct profile_options *opt, struct elf_symtab *syms,
				       struct profile_data *d, struct profile_measures *m,
				       char *err, size_t err_bytes)
{
	if (profile_prepare(opt, syms, err, err_bytes) < 0)
		return -1;
	return profile_collect(opt, syms, d, m, err, err_bytes);
}

/* Adds one measurement's median sample to sums: its figure and its
 * instructions per component. Returns 0 or -ENOMEM. */
static int profile_sums_add(struct profile_sums_list *list, const char *target_name,
			    const struct profile_measure *x, const struct profile_group *g,
			    const struct profile_sample *median, const struct profile_row *rows,
			    size_t count)
{
	if (array_grow((void **)&list->items, sizeof *list->items, list->count + 1, &list->cap) < 0)
		return -ENOMEM;
	struct profile_sums *sums = &list->items[list->count++];
	*sums = (struct profile_sums){ .figure = median->total - g->calibration,
				       .calibration = g->calibration };
	snprintf(sums->target, sizeof sums->target, "%s", target_name);
	snprintf(sums->benchmark, sizeof sums->benchmark, "%s", x->benchmark);
	snprintf(sums->parameter, sizeof sums->parameter, "%s", x->parameter);
	for (size_t i = 0; i < count; i++)
		for (size_t c = 0; c < profile_component_count && c < PROFILE_COMPONENTS_MAX; c++)
			if (strcmp(rows[i].component, profile_component_names[c]) == 0)
				sums->by_component[c] += rows[i].count;
	sums->space_count = profile_spaces_sum(rows, count, sums->spaces);
	return 0;
}

/* For machlab bench: profiles the benchmarks names[0..count) (BENCH or
 * BENCH:PARAM) on the target in target_dir (microkernel or Linux), named target_name,
 * in one quick boot; writes each median sample's functions to functions_csv
 * (PROFILE_CSV_HEADER's columns) and adds its components to list. Returns
 * 0, or -1 with err set. */
int profile_bench_target(const char *target_dir, const char *target_name, const char *bench,
			 const char *plugin, const char *qemu_path, char **names, int count,
			 FILE *functions_csv, struct profile_sums_list *list, char *err,
			 size_t err_bytes)
{
	struct profile_options opt = { .target = target_dir, .bench = bench, .plugin = plugin,
				       .qemu_path = qemu_path, .names = names, .name_count = count,
				       .linux_target = linux_target_is(target_dir) };
	struct elf_symtab syms = { 0 };
	struct profile_data d = { 0 };
	struct profile_measures m = { 0 };
	int rc = profile_prepare_and_collect(&opt, &syms, &d, &m, err, err_bytes);
	for (size_t i = 0; rc == 0 && i < m.count; i++) {
		size_t kept, rows_count = 0;
		struct profile_row *rows = NULL;
		const struct profile_sample *median = profile_median_sample(&d.groups[i], &kept);
		if (!profile_selected(&opt, &m.items[i]))
			continue;
		if (!median || profile_rows_build(&syms, median, &rows, &rows_count) < 0 ||
		    profile_sums_add(list, target_name, &m.items[i], &d.groups[i], median, rows,
				     rows_count) < 0)
			rc = errmsg_fail(err, err_bytes, "%s %s: no unflagged sample, or out of memory",
					 m.items[i].benchmark, m.items[i].parameter);
		for (size_t k = 0; rc == 0 && k < rows_count; k++)
			profile_row_csv(functions_csv, target_name, &m.items[i], &rows[k]);
		free(rows);
	}
	profile_free(&d);
	profile_measures_free(&m);
	elf_symtab_free(&syms);
	return rc;
}

/* Boots opt's target again and requires the cost model's cycles of every
 * sample to be those of d: the model is deterministic run to run. Returns
 * 0, or -1 with err set. */
static int profile_model_repeat(const struct profile_options *opt, const struct elf_symtab *syms,
				const struct profile_data *d, char *err, size_t err_bytes)
{
	struct profile_data again = { 0 };
	struct profile_measures m = { 0 };
	int rc = profile_collect(opt, syms, &again, &m, err, err_bytes);
	for (size_t i = 0; rc == 0 && i < d->count && i < again.count; i++)
		for (size_t k = 0; rc == 0 && k < d->groups[i].count; k++) {
			const struct profile_sample *a = &d->groups[i].samples[k];
			const struct profile_sample *b = &again.groups[i].samples[k];
			if (a->cycles != b->cycles || !a->has_cycles)
				rc = errmsg_fail(err, err_bytes, "%s %s sample %zu: the cost model gave "
						 "%" PRIu64 " cycles, and %" PRIu64 " in a second boot "
						 "(it must be deterministic)", m.items[i].benchmark,
						 m.items[i].parameter, k + 1, a->cycles, b->cycles);
		}
	profile_free(&again);
	profile_measures_free(&m);
	return rc;
}

/* One boot of target with the benchmarks names[0..count) under the plugin
 * (bench: the benchmark program; plugin: the .so), checked sample by sample
 * against the guest's figures; nothing printed. user_spaces (NULL, or
 * count of them) gets, for each name, how many address spaces ran user
 * code in its first measurement's median sample. With model, the cost model
 * runs, every sample must have cycles, and a second boot must give the
 * same cycles. For machlab test. Returns 0, or -1 with err set. */
int profile_verify(const char *target, const char *bench, const char *plugin,
		   const char *qemu_path, char **names, int count, bool model, size_t *user_spaces,
		   char *err, size_t err_bytes)
{
	struct profile_options opt = { .target = target, .bench = bench, .plugin = plugin,
				       .qemu_path = qemu_path, .names = names, .name_count = count,
				       .linux_target = linux_target_is(target), .model = model };
	struct elf_symtab syms = { 0 };
	struct profile_data d = { 0 };
	struct profile_measures m = { 0 };
	int rc = profile_prepare_and_collect(&opt, &syms, &d, &m, err, err_bytes);
	if (rc == 0 && model)
		rc = profile_model_repeat(&opt, &syms, &d, err, err_bytes);
	for (int n = 0; rc == 0 && user_spaces && n < count; n++) {
		size_t i = 0, kept;
		while (i < m.count && !profile_name_matches(names[n], m.items[i].benchmark,
							    m.items[i].parameter))
			i++;
		const struct profile_sample *median = i < m.count
			? profile_median_sample(&d.groups[i], &kept) : NULL;
		user_spaces[n] = median ? profile_user_spaces(median) : 0;
		if (model && median && !median->has_cycles)
			rc = errmsg_fail(err, err_bytes, "%s: the cost model was on and gave no cycles",
					 names[n]);
	}
	profile_free(&d);
	profile_measures_free(&m);
	elf_symtab_free(&syms);
	return rc;
}

/* Entry point of "machlab profile"; argv[0] is "profile". */
int cmd_profile_main(int argc, char **argv)
{
	struct profile_options opt;
	struct elf_symtab syms = { 0 };
	struct profile_data d = { 0 };
	struct profile_measures m = { 0 };
	char err[PROFILE_ERR_MAX_BYTES] = "";
	if (profile_options_parse(argc, argv, &opt) < 0)
		return CMD_EXIT_USAGE;
	int status = CMD_EXIT_USAGE;
	if (profile_prepare(&opt, &syms, err, sizeof err) < 0)
		status = CMD_EXIT_USAGE;
	else if (profile_collect(&opt, &syms, &d, &m, err, sizeof err) < 0)
		status = CMD_EXIT_FAILED;
	else
		status = profile_output(&opt, &syms, &d, &m, err);
	if (err[0])
		fprintf(stderr, "machlab profile: %s\n", err);
	profile_free(&d);
	profile_measures_free(&m);
	elf_symtab_free(&syms);
	return status;
}

# machlab — build the kernel variants, user programs, host tools and tests.
#
#   make            build the default variant, user programs and the harness
#   make test       host unit tests + the in-guest suite on every named variant
#   make fuzz       the fuzzer (tests/fuzz/) on every named variant: FUZZ_OPS=, FUZZ_SEED=
#   make bench      benchmarks on every target -> results/, plots/, REPORT.md
#                   (TARGETS="default linux" picks targets; linux is the Debian baseline)
#   make linux-target  fetch Debian's kernel and busybox, build bench/unix and the root archive
#   make qemu       boot the default kernel with the guest test suite by hand
#   make variants   list the named variants
#   make unix       the Unix suite's static Linux programs (bench/unix/, mk/unix.mk)
#
# A variant is one value per axis (DESIGN.md section 2). Each axis value is a
# folder variants/<axis>-<value>/ whose .c files implement the axis header in
# kernel/include/; the knobs below pick the folders. Named variants are listed
# in mk/variants.mk (one line each) and build in build/<variant>/.

include mk/variants.mk

VARIANT ?= default
$(if $(filter $(VARIANT),$(VARIANTS)),,$(error machlab: no variant '$(VARIANT)' (named variants: $(VARIANTS); see make variants)))
$(foreach axis,$(AXES),$(eval $(axis) ?= $(call variant_axis,$(VARIANT),$(axis))))
$(foreach axis,$(AXES),$(if $(wildcard variants/$(call axis_folder,$(axis))-$($(axis))/.),,\
  $(error machlab: $(axis)=$($(axis)) has no folder variants/$(call axis_folder,$(axis))-$($(axis))/ (values: $(call axis_values,$(axis))))))
# Knobs given without VARIANT name the build after its values.
VARIANT_NAME := $(if $(filter command line,$(foreach a,$(AXES),$(origin $(a)))),$(call axes_name),$(VARIANT))

BUILD      := build
KBUILD     := $(BUILD)/$(VARIANT_NAME)
UBUILD     := $(BUILD)/user
HBUILD     := $(BUILD)/host
# (HARNESS is defined early: rules below name it as a prerequisite)
HARNESS    := $(HBUILD)/machlab
CC         := gcc
HOSTCC     := gcc
JOBS       ?= $(shell nproc)
TEST_TIMEOUT_S ?= 240
# A test boot that prints nothing for TEST_HANG_S is a kernel hang: the running
# test fails and the target reboots for the rest.
TEST_HANG_S ?= 30

WARN       := -Wall -Wextra -Werror
GCC_INC    := $(shell $(CC) -print-file-name=include)
FREESTANDING := -std=c11 -ffreestanding -nostdinc -isystem $(GCC_INC) -fno-stack-protector \
	-fno-pic -fno-pie -fno-asynchronous-unwind-tables -fno-builtin -O2 -g $(WARN)

# ---- kernel -------------------------------------------------------------
VARIANT_DIRS  := $(foreach axis,$(AXES),variants/$(call axis_folder,$(axis))-$($(axis)))
# No frame pointers: they cost every kernel call three instructions (about 4% of
# a null RPC, measured); a kernel panic's backtrace scans the stack instead.
KERNEL_CFLAGS := $(FREESTANDING) -mno-red-zone -mgeneral-regs-only -mcmodel=kernel -fomit-frame-pointer \
	-Iinclude -Ikernel/include $(addprefix -I,$(VARIANT_DIRS))
KERNEL_SRCS   := $(wildcard kernel/boot/*.S kernel/arch/x86_64/*.S kernel/arch/x86_64/*.c \
	kernel/kern/*.c kernel/vm/*.c kernel/lib/*.c) $(foreach d,$(VARIANT_DIRS),$(wildcard $(d)/*.c))
KERNEL_OBJS   := $(patsubst %,$(KBUILD)/obj/%.o,$(KERNEL_SRCS))
KERNEL_HDRS   := $(shell find include kernel/include -name '*.h') $(foreach d,$(VARIANT_DIRS),$(wildcard $(d)/*.h))

.PHONY: all kernel user harness test bench qemu variants variant-kernels cross-kernels deps clean plots fuzz \
	linux-target
all: kernel user harness unix

kernel: $(KBUILD)/kernel.elf

$(KBUILD)/obj/%.c.o: %.c $(KERNEL_HDRS)
	@mkdir -p $(@D)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(KBUILD)/obj/%.S.o: %.S $(KERNEL_HDRS)
	@mkdir -p $(@D)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

# A variant folder may add kernel objects of its own: its variant.mk (UNIX=colocated links
# the Unix server in, variants/unix-colocated/variant.mk).
include $(wildcard $(addsuffix /variant.mk,$(VARIANT_DIRS)))

$(KBUILD)/kernel64.elf: $(KERNEL_OBJS) kernel/boot/kernel.ld
	ld -n -nostdlib -z max-page-size=4096 --no-warn-rwx-segments -T kernel/boot/kernel.ld -o $@ $(KERNEL_OBJS)

# QEMU's Multiboot loader takes only ELF32 images (see kernel/boot/kernel.ld).
$(KBUILD)/kernel.elf: $(KBUILD)/kernel64.elf
	objcopy -O elf32-i386 $< $@

# ---- user programs ------------------------------------------------------
USER_CFLAGS := $(FREESTANDING) -mno-red-zone -Iinclude -Ikernel/include -Iuser/libmk -Iuser/emul -Iuser/unix -Ibench/lib -Ibench/mk -Itests/fuzz -I$(UBUILD)
USER_LDFLAGS := -nostdlib -static --strip-debug -z max-page-size=4096 -T user/libmk/user.ld
LIBMK_SRCS  := $(wildcard user/libmk/*.c user/libmk/*.S) kernel/lib/string.c kernel/lib/fmt.c
LIBMK_OBJS  := $(patsubst %,$(UBUILD)/obj/%.o,$(LIBMK_SRCS))
# The emulation library (user/emul/): the code at a task's emulation vector.
LIBEMUL_SRCS := $(wildcard user/emul/*.c user/emul/*.S)
LIBEMUL_OBJS := $(patsubst %,$(UBUILD)/obj/%.o,$(LIBEMUL_SRCS))
# ... and as an image of its own, mapped into Linux processes (user/emul/image/).
EMUL_IMAGE      := $(UBUILD)/emul-image.elf
EMUL_IMAGE_OBJS := $(LIBEMUL_OBJS) $(UBUILD)/obj/user/emul/image/local.c.o
# ... and that image as data, in the programs that start Linux processes.
EMUL_BLOB_OBJ   := $(UBUILD)/obj/user/emul/image/blob.S.o
# Building Unix processes (user/unix/), with the kernel's ELF checker.
LIBUNIX_SRCS := $(wildcard user/unix/*.c) kernel/kern/elf.c
LIBUNIX_OBJS := $(patsubst %,$(UBUILD)/obj/%.o,$(LIBUNIX_SRCS))
# Binaries the guest suite carries (tests/guest/blobs.S): a static musl program and the image.
GUEST_BLOBS_OBJ := $(UBUILD)/obj/tests/guest/blobs.S.o $(EMUL_BLOB_OBJ)
USER_HDRS   := $(shell find include kernel/include/lib user bench tests/fuzz -name '*.h')
# The fuzzer (tests/fuzz/): a library linked into the guest suite (its short campaign) and into
# fuzz.elf, the bootstrap task of make fuzz.
FUZZ_LIB_SRCS := tests/fuzz/fuzz.c tests/fuzz/fuzz_msg.c tests/fuzz/fuzz_pager.c tests/fuzz/fuzz_task.c
FUZZ_OBJS   := $(patsubst %,$(UBUILD)/obj/%.o,$(FUZZ_LIB_SRCS) tests/fuzz/main.c)
FUZZ_ELF    := $(UBUILD)/fuzz.elf
GUEST_TEST_SRCS := $(wildcard tests/guest/*.c) $(FUZZ_LIB_SRCS)
GUEST_TEST_OBJS := $(patsubst %,$(UBUILD)/obj/%.o,$(GUEST_TEST_SRCS))
GUEST_TESTS := $(UBUILD)/guest-tests.elf
MANIFEST    := tests/guest/MANIFEST
LITTLE_RAM_MANIFEST := tests/guest/MANIFEST.little-ram
LITTLE_RAM_MIB ?= 24
BENCH_SRCS  := $(wildcard bench/lib/*.c bench/mk/*.c)
BENCH_OBJS  := $(patsubst %,$(UBUILD)/obj/%.o,$(BENCH_SRCS))
BENCH_ELF   := $(UBUILD)/bench-mk.elf
# The same program without the profiling markers (bench/lib/profile_marker.h):
# make test checks that both measure the same figures.
BENCH_NOMARK_OBJ := $(UBUILD)/nomark/timing.c.o # outside obj/: machlab profile reads obj/
BENCH_NOMARK_ELF := $(UBUILD)/bench-mk-nomark.elf
BENCH_LIST  := bench/BENCHMARKS
# unix-run (user/unix-run/): runs a static Linux program under the Unix server, the boot
# program of the Unix suite on microkernel targets; it carries unix-bench (blobs.S).
UNIX_RUN_OBJS := $(UBUILD)/obj/user/unix-run/main.c.o $(UBUILD)/obj/user/unix-run/blobs.S.o \
		 $(EMUL_BLOB_OBJ)
UNIX_RUN_ELF  := $(UBUILD)/unix-run.elf

user: $(GUEST_TESTS) $(BENCH_ELF) $(BENCH_NOMARK_ELF) $(FUZZ_ELF) $(UNIX_RUN_ELF)

$(UBUILD)/obj/%.c.o: %.c $(USER_HDRS) $(UBUILD)/tests.def $(UBUILD)/little_ram_tests.def \
		      $(UBUILD)/benchmarks.def
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -c $< -o $@

$(UBUILD)/obj/%.S.o: %.S
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -c $< -o $@

# The manifests are the lists of guest tests: the runner's tables are made from them
# (MANIFEST: the suite; MANIFEST.little-ram: run only in the boot with little RAM).
$(UBUILD)/tests.def $(UBUILD)/little_ram_tests.def: $(UBUILD)/%.def: $(MANIFEST) $(LITTLE_RAM_MANIFEST)
	@mkdir -p $(@D)
	sed -e '/^#/d' -e '/^[[:space:]]*$$/d' -e 's/.*/GUEST_TEST(&)/' \
	  $(if $(filter tests,$*),$(MANIFEST),$(LITTLE_RAM_MANIFEST)) > $@

# bench/BENCHMARKS is the one list of benchmarks: the guest table is made from it.
$(UBUILD)/benchmarks.def: $(BENCH_LIST)
	@mkdir -p $(@D)
	sed -e '/^#/d' -e '/^[[:space:]]*$$/d' -e 's/^\([a-z0-9_]*\).*/BENCH(\1)/' $< > $@

$(UBUILD)/libmk.a: $(LIBMK_OBJS)
	rm -f $@ && ar rcs $@ $^

$(UBUILD)/libemul.a: $(LIBEMUL_OBJS)
	rm -f $@ && ar rcs $@ $^

$(GUEST_TESTS): $(GUEST_TEST_OBJS) $(GUEST_BLOBS_OBJ) $(UBUILD)/libunix.a $(UBUILD)/libemul.a \
		$(UBUILD)/libmk.a user/libmk/user.ld
	ld $(USER_LDFLAGS) -o $@ $(UBUILD)/obj/user/libmk/crt0.S.o $(GUEST_TEST_OBJS) $(GUEST_BLOBS_OBJ) \
	  $(UBUILD)/libunix.a $(UBUILD)/libemul.a $(UBUILD)/libmk.a

$(UBUILD)/libunix.a: $(LIBUNIX_OBJS)
	rm -f $@ && ar rcs $@ $^

$(EMUL_IMAGE): $(EMUL_IMAGE_OBJS) $(UBUILD)/libmk.a user/emul/image/emul.ld
	ld -nostdlib -static --strip-debug -z max-page-size=4096 -T user/emul/image/emul.ld -o $@ \
	  $(EMUL_IMAGE_OBJS) $(UBUILD)/libmk.a

$(BENCH_ELF): $(BENCH_OBJS) $(UBUILD)/libemul.a $(UBUILD)/libmk.a user/libmk/user.ld
	ld $(USER_LDFLAGS) -o $@ $(UBUILD)/obj/user/libmk/crt0.S.o $(BENCH_OBJS) $(UBUILD)/libemul.a $(UBUILD)/libmk.a

$(BENCH_NOMARK_OBJ): bench/lib/timing.c $(USER_HDRS) $(UBUILD)/benchmarks.def
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -DPROFILE_MARKERS_OFF -c $< -o $@

$(BENCH_NOMARK_ELF): $(filter-out $(UBUILD)/obj/bench/lib/timing.c.o,$(BENCH_OBJS)) $(BENCH_NOMARK_OBJ) \
		     $(UBUILD)/libemul.a $(UBUILD)/libmk.a user/libmk/user.ld
	ld $(USER_LDFLAGS) -o $@ $(UBUILD)/obj/user/libmk/crt0.S.o $(filter %.o,$^) $(UBUILD)/libemul.a $(UBUILD)/libmk.a

$(FUZZ_ELF): $(FUZZ_OBJS) $(UBUILD)/libmk.a user/libmk/user.ld
	ld $(USER_LDFLAGS) -o $@ $(UBUILD)/obj/user/libmk/crt0.S.o $(FUZZ_OBJS) $(UBUILD)/libmk.a

# ---- Unix suite (bench/unix/: static Linux programs, musl) ------------------
include mk/unix.mk

# (after mk/unix.mk: it names the musl programs) tests/unix/: static musl programs the guest
# suite runs under emulation, carried in guest-tests.elf with bench/unix's tiny.
$(UNIX_BUILD)/test-%: tests/unix/%.c
	@mkdir -p $(@D)
	$(UNIX_CC) $(UNIX_CFLAGS) $(UNIX_LDFLAGS) -o $@ $<

# tests/unix/same.c twice, with musl and with glibc: test_same_output runs both on the
# host, on Linux and on the microkernel and compares what they print.
SAME_PROGS := $(UNIX_BUILD)/same-musl $(UNIX_BUILD)/same-glibc
$(UNIX_BUILD)/same-musl: tests/unix/same.c
	@mkdir -p $(@D)
	$(UNIX_CC) $(UNIX_CFLAGS) $(UNIX_LDFLAGS) -o $@ $<
$(UNIX_BUILD)/same-glibc: tests/unix/same.c
	@mkdir -p $(@D)
	$(HOSTCC) $(UNIX_CFLAGS) $(UNIX_LDFLAGS) -o $@ $<

# the guest suite's root archive (tests/unix/ROOT), made by the harness's cpio writer
$(UNIX_BUILD)/test-root.cpio: tests/unix/ROOT $(UNIX_BUILD)/tiny $(UNIX_BUILD)/test-hello $(HARNESS)
	$(HARNESS) rootfs --spec tests/unix/ROOT --out $@

$(UBUILD)/obj/tests/guest/blobs.S.o: tests/guest/blobs.S $(UNIX_BUILD)/tiny \
				       $(UNIX_BUILD)/test-hello $(UNIX_BUILD)/test-crash \
				       $(UNIX_BUILD)/test-root.cpio
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -DTINY_PATH='"$(UNIX_BUILD)/tiny"' \
	  -DHELLO_PATH='"$(UNIX_BUILD)/test-hello"' -DCRASH_PATH='"$(UNIX_BUILD)/test-crash"' \
	  -DTEST_ROOT_PATH='"$(UNIX_BUILD)/test-root.cpio"' -c $< -o $@

$(EMUL_BLOB_OBJ): user/emul/image/blob.S $(EMUL_IMAGE)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -DEMUL_IMAGE_PATH='"$(EMUL_IMAGE)"' -c $< -o $@

$(UBUILD)/obj/user/unix-run/blobs.S.o: user/unix-run/blobs.S $(UNIX_BUILD)/unix-bench
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -DUNIX_BENCH_PATH='"$(UNIX_BUILD)/unix-bench"' -c $< -o $@

$(UNIX_RUN_ELF): $(UNIX_RUN_OBJS) $(UBUILD)/libunix.a $(UBUILD)/libmk.a user/libmk/user.ld
	ld $(USER_LDFLAGS) -o $@ $(UBUILD)/obj/user/libmk/crt0.S.o $(UNIX_RUN_OBJS) \
	  $(UBUILD)/libunix.a $(UBUILD)/libmk.a

# ---- host tools and tests -----------------------------------------------
HARNESS_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -O2 -g -pthread
# (the plugin's cost model too: the harness predicts from its table, bench_model.h)
HARNESS_LIB    := $(filter-out harness/main.c,$(wildcard harness/*.c)) harness/plugin/cost_model.c
HARNESS_LIBS   := -lpfm   # libpfm4 (harness/pmu.h)

# The TCG plugin of machlab profile, loaded by QEMU (-plugin): built against the
# project's own declarations of QEMU's plugin API (Debian ships no qemu-plugin.h).
PROFILE_PLUGIN := $(HBUILD)/profile.so

harness: $(HARNESS) $(PROFILE_PLUGIN)

$(HARNESS): harness/main.c $(HARNESS_LIB) $(wildcard harness/*.h harness/plugin/cost_model.h)
	@mkdir -p $(@D)
	$(HOSTCC) $(HARNESS_CFLAGS) -o $@ harness/main.c $(HARNESS_LIB) $(HARNESS_LIBS)

$(PROFILE_PLUGIN): harness/plugin/profile_plugin.c harness/plugin/qemu_plugin_api.h bench/lib/profile_marker.h \
		   harness/plugin/cost_model.c harness/plugin/cost_model.h
	@mkdir -p $(@D)
	$(HOSTCC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -shared -fPIC -fvisibility=hidden -Ibench/lib \
	  -Iharness/plugin -o $@ $< harness/plugin/cost_model.c

# Host tests of the harness: one program per tests/host/test_<harness part>.c.
HARNESS_TESTS := $(HBUILD)/test_harness $(HBUILD)/test_bench $(HBUILD)/test_linux $(HBUILD)/test_profile \
		 $(HBUILD)/test_same_output $(HBUILD)/test_cost_model

HARNESS_CHECK := tests/host/harness_check.c

$(HBUILD)/test_%: tests/host/test_%.c $(HARNESS_CHECK) tests/host/harness_check.h $(HARNESS_LIB) \
		  $(wildcard harness/*.h harness/plugin/cost_model.h)
	@mkdir -p $(@D)
	$(HOSTCC) $(HARNESS_CFLAGS) -Iharness -o $@ $< $(HARNESS_CHECK) $(HARNESS_LIB) $(HARNESS_LIBS)

# Kernel logic that runs anywhere, tested on the host (with the Unix server's
# file system). tests/host/include shadows the few hardware headers
# (interrupt flag, port I/O) with no-ops.
UNIT_KERNEL_SRCS := kernel/vm/page_pool.c kernel/kern/elf.c kernel/kern/zalloc.c kernel/kern/ledger.c \
	kernel/vm/vm_map.c kernel/lib/fmt.c user/unix/fs.c
UNIT_SRCS   := $(filter-out $(patsubst $(HBUILD)/%,tests/host/%.c,$(HARNESS_TESTS)) $(HARNESS_CHECK),$(wildcard tests/host/*.c))
UNIT_CFLAGS := -std=c11 -D_DEFAULT_SOURCE $(WARN) -O1 -g -fno-builtin-snprintf -fno-builtin-vsnprintf \
	-Itests/host/include -Iinclude -Ikernel/include -Itests/host -Iuser/unix

$(HBUILD)/unit-tests: $(UNIT_SRCS) $(UNIT_KERNEL_SRCS) $(KERNEL_HDRS) $(wildcard tests/host/*.h tests/host/include/*/*.h)
	@mkdir -p $(@D)
	$(HOSTCC) $(UNIT_CFLAGS) -o $@ $(UNIT_SRCS) $(UNIT_KERNEL_SRCS)

# ---- the Linux baseline -------------------------------------------------
# build/linux is the target "linux": Debian's current kernel package carved to
# an uncompressed vmlinux, Debian's busybox-static, and the root archive made
# from bench/unix/ROOT (harness/linux_pkg.c, harness/rootfs.c). The .deb files
# are kept in LINUX_CACHE, outside the tree; nothing is installed on the host.
LINUX_CACHE ?= $(HOME)/.cache/machlab/debian

linux-target: harness
	$(HARNESS) linux-fetch --cache $(LINUX_CACHE) --out $(LINUX_DIR)
	@$(MAKE) --no-print-directory unix-root-inputs
	$(HARNESS) rootfs --spec $(UNIX_ROOT_LIST) --out $(LINUX_DIR)/root.cpio
	@$(MAKE) --no-print-directory $(LINUX_DIR)/kallsyms

# The kernel's text symbols for machlab profile (Debian's vmlinux has none):
# read once per kernel package from a boot of it (machlab run).
$(LINUX_DIR)/kallsyms: $(LINUX_DIR)/VERSION $(UNIX_BUILD)/kallsyms
	$(HARNESS) run --target $(LINUX_DIR) -- $(UNIX_BUILD)/kallsyms > $@.tmp && mv $@.tmp $@

# ---- running ------------------------------------------------------------
DEBIAN_PACKAGES := gcc libc6-dev make binutils qemu-system-x86 gnuplot-nox musl-tools cpio xz-utils \
		   libpfm4-dev

# Install missing Debian packages (only when something is missing).
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "machlab: installing$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# make test profiles these on the first two variants: the plugin's count of every
# sample must equal the benchmark's own figure, and each must show the address
# spaces of its tasks apart (harness/cmd_test.c: profile_spaces_expected).
PROFILE_CHECK_BENCHMARKS := null_rpc_tasks zero_fill_fault pager_fault

# Every named variant's kernel, built by recursive make into build/<variant>/.
variant-kernels:
	@for v in $(VARIANTS); do $(MAKE) --no-print-directory -j$(JOBS) VARIANT=$$v kernel || exit 1; done

# Every other combination of axis values builds too (build/<values joined by ->/), and
# make test runs the suite on them after the named variants.
cross-kernels:
	@for c in $(unnamed_combos); do \
	  echo "machlab: building the combination $$c"; \
	  $(MAKE) --no-print-directory -j$(JOBS) $$(echo $$c | tr , ' ') kernel || exit 1; done

test: deps
	@$(MAKE) --no-print-directory variant-kernels cross-kernels
	@$(MAKE) --no-print-directory -j$(JOBS) user harness $(HBUILD)/unit-tests $(HARNESS_TESTS) \
	  $(SAME_PROGS)
	@$(MAKE) --no-print-directory linux-target
	$(HARNESS) test --unit $(HBUILD)/unit-tests $(addprefix --unit ,$(HARNESS_TESTS)) \
	  --manifest $(MANIFEST) --tests $(GUEST_TESTS) --timeout $(TEST_TIMEOUT_S) --jobs $(JOBS) \
	  --hang-timeout $(TEST_HANG_S) \
	  --repeat-bench $(BENCH_ELF) --repeat-args "--quick null_rpc_tasks rpc_inline" \
	  --marker-check $(BENCH_NOMARK_ELF) \
	  --smoke-list $(BENCH_LIST) --little-ram $(LITTLE_RAM_MANIFEST) --little-ram-mib $(LITTLE_RAM_MIB) \
	  --linux $(LINUX_DIR) --linux-list $(UNIX_BENCH_LIST) \
	  --profile $(PROFILE_PLUGIN) --profile-names "$(PROFILE_CHECK_BENCHMARKS)" \
	  $(addprefix $(BUILD)/,$(VARIANTS) $(foreach c,$(unnamed_combos),$(call combo_name,$(c))))

# ---- fuzzing -------------------------------------------------------------
# make fuzz: every named variant boots fuzz.elf (tests/fuzz/) for FUZZ_OPS operations
# from FUZZ_SEED under timeout(1); variants run JOBS at a time. A variant fails on a
# kernel panic, a hang (the timeout) or a leak/inconsistency the campaign reports.
FUZZ_OPS       ?= 1000000
FUZZ_SEED      ?= 1
FUZZ_TIMEOUT_S ?= 1800
FUZZ_ARGS      ?=

fuzz: deps
	@$(MAKE) --no-print-directory variant-kernels
	@$(MAKE) --no-print-directory -j$(JOBS) $(FUZZ_ELF) harness
	@mkdir -p $(BUILD)/fuzz; i=0; for v in $(VARIANTS); do \
	  ( start=$$(date +%s); \
	    timeout $(FUZZ_TIMEOUT_S) $(HARNESS) boot $(BUILD)/$$v/kernel.elf $(FUZZ_ELF) \
	      --seed $(FUZZ_SEED) --ops $(FUZZ_OPS) --quiet $(FUZZ_ARGS) > $(BUILD)/fuzz/$$v.log 2>&1; \
	    echo "$$? $$(( $$(date +%s) - start ))" > $(BUILD)/fuzz/$$v.rc ) & \
	  i=$$((i + 1)); [ $$((i % $(JOBS))) -ne 0 ] || wait; \
	done; wait; failed=0; for v in $(VARIANTS); do \
	  read rc secs < $(BUILD)/fuzz/$$v.rc; \
	  line=$$(grep -a '^FUZZ \(done\|FAILED\) ' $(BUILD)/fuzz/$$v.log | tail -1); \
	  if grep -aq '^PANIC' $(BUILD)/fuzz/$$v.log; then why="PANIC: $$(grep -a -m1 -B2 '^PANIC' $(BUILD)/fuzz/$$v.log | tr '\n' ' ')"; \
	  elif [ $$rc -eq 124 ]; then why="HANG (no end in $(FUZZ_TIMEOUT_S) s; last: $$(grep -a '^FUZZ batch' $(BUILD)/fuzz/$$v.log | tail -1))"; \
	  elif [ $$rc -ne 1 ] || [ -z "$$line" ] || echo "$$line" | grep -q FAILED; then \
	    why="FAILED (exit $$rc): $$(grep -a 'FUZZ FAIL' $(BUILD)/fuzz/$$v.log | head -1) $$line"; \
	  else why=""; fi; \
	  if [ -n "$$why" ]; then failed=1; echo "fuzz $$v: $$why (wall $${secs} s, log $(BUILD)/fuzz/$$v.log)"; \
	  else echo "fuzz $$v: ok $$line (wall $${secs} s)"; fi; \
	done; exit $$failed

# ONLY=name,name picks benchmarks; QUICK=1 takes fewer samples (for iteration,
# not for the committed reference run); TARGETS picks targets: named variants
# and linux (the Debian baseline, build/linux).
TARGETS ?= $(VARIANTS) linux
# Profiled on every microkernel target (and PROFILE_UNIX_SET on Linux) after the
# benchmarks (machlab profile):
# results/<run>-profile.csv, -components.csv, plots/profile.*, REPORT's profile.
PROFILE_SET ?= null_rpc_tasks null_rpc_short ool_transfer:4096 zero_fill_fault pager_fault default_pager_fault
PROFILE_UNIX_SET ?= null_call pipe_rtt anon_fault fork_exit_wait
$(foreach t,$(TARGETS),$(if $(filter $(t),$(VARIANTS) linux),,\
  $(error machlab: TARGETS: no target '$(t)' (targets: $(VARIANTS) linux))))
# MODEL=on (the default) runs the cost model (harness/plugin/cost_model.h) in
# every benchmark boot: each insn row gains a cyc-model row of the same
# samples. MODEL=off skips it (boots ~3x faster, no cyc-model rows);
# MODEL_PARAMS="NAME=VALUE ..." overrides parameters of the model.
MODEL ?= on
MODEL_PARAMS ?=
$(if $(filter-out on off,$(MODEL)),$(error machlab: MODEL=$(MODEL): give on or off))
# KVM=auto probes KVM once (harness/kvm_probe.h) and, where it works, adds a
# <target>-kvm twin of every target (unit cyc: TSC cycles); KVM=off skips it.
KVM ?= auto
$(if $(filter-out auto off,$(KVM)),$(error machlab: KVM=$(KVM): give auto or off))
# PMU=EVENT,EVENT (libpfm4 names, e.g. INST_RETIRED:ANY_P): the KVM twins'
# native benchmarks also read these hardware counters (units pmc0, pmc1...).
PMU ?=
BENCH_TIMEOUT_S ?= 300
# A benchmark boot that prints nothing for BENCH_HANG_S is a kernel hang: that
# benchmark fails on that target.
BENCH_HANG_S ?= 60
COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell \
	git diff --quiet HEAD -- 2>/dev/null || echo -dirty)

bench: deps
	@$(MAKE) --no-print-directory variant-kernels user harness
	@$(MAKE) --no-print-directory linux-target   # (its root archive is the emulation's too)
	$(HARNESS) bench --bench $(BENCH_ELF) --list $(BENCH_LIST) --unix-list $(UNIX_BENCH_LIST) \
	  --emulated-list $(UNIX_EMULATED_LIST) --unix-run $(UNIX_RUN_ELF) \
	  --unix-root $(LINUX_DIR)/root.cpio \
	  --timeout $(BENCH_TIMEOUT_S) \
	  --hang-timeout $(BENCH_HANG_S) \
	  --jobs $(JOBS) --results-dir results --commit $(COMMIT) --report REPORT.md --plots-dir plots \
	  --profile-plugin $(PROFILE_PLUGIN) --profile-set "$(PROFILE_SET)" \
	  --profile-unix-set "$(PROFILE_UNIX_SET)" --profile-unix-bench $(UNIX_BUILD)/unix-bench.syms \
	  $(if $(filter on,$(MODEL)),--model $(addprefix --model-param ,$(MODEL_PARAMS))) --kvm $(KVM) $(if $(PMU),--pmu $(PMU)) \
	  $(if $(ONLY),--only $(ONLY)) $(if $(QUICK),--quick) $(addprefix $(BUILD)/,$(TARGETS))

# Re-render the figures from the newest CSV in results/ without running anything.
plots: harness
	$(HARNESS) plots --results-dir results --plots-dir plots

# Boot by hand in the harness's one QEMU configuration; TESTS="name ..." picks tests.
qemu: kernel user harness
	@$(HARNESS) boot $(KBUILD)/kernel.elf $(GUEST_TESTS) $(TESTS); \
	  status=$$?; [ $$status -eq 1 ] || { echo "machlab: QEMU exit $$status (1 is a clean shutdown)"; exit 1; }

variants:
	@$(foreach v,$(VARIANTS),printf '%-14s %s\n' '$(v)' '$(call variant_desc,$(v))';)

clean:
	rm -rf $(BUILD)

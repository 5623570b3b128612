# unix.mk — the Unix suite (bench/unix/): static Linux x86-64 programs built
# with musl-gcc into build/unix/, and the macro workload's expected output.
#
#   build/unix/init                /init of the root archive (bench/unix/init.c)
#   build/unix/unix-bench          the benchmarks of bench/unix/BENCHMARKS
#   build/unix/tiny                the smallest program (exits 0)
#   build/unix/unix-bench.syms     unix-bench with its symbols (machlab profile)
#   build/unix/kallsyms            prints the kernel's text symbols (make linux-target)
#   build/unix/macro.expected.out  macro/script.sh's output, made on this host
#                                  with $(LINUX_DIR)/busybox (fetched elsewhere)
#
# bench/unix/ROOT lists the archive made from these; its `slink /bin/<applet>
# busybox` lines are the applets the script may use.

UNIX_CC        := musl-gcc
UNIX_BUILD     := $(BUILD)/unix
LINUX_DIR      ?= $(BUILD)/linux
UNIX_CFLAGS    := -static -std=c11 -D_GNU_SOURCE -O2 $(WARN) -Ibench/lib -Ibench/unix -I$(UNIX_BUILD)
UNIX_LDFLAGS   := -static -s
UNIX_BENCH_LIST := bench/unix/BENCHMARKS
# The part of it microkernel targets run too, under the Unix emulation (user/unix-run).
UNIX_EMULATED_LIST := bench/unix/EMULATED
UNIX_ROOT_LIST := bench/unix/ROOT
UNIX_HDRS      := bench/lib/timing.h $(wildcard bench/unix/*.h)
UNIX_TOOLS     := init tiny kallsyms
UNIX_BENCH_SRCS := bench/lib/timing.c $(filter-out $(patsubst %,bench/unix/%.c,$(UNIX_TOOLS)),$(wildcard bench/unix/*.c))
UNIX_BENCH_OBJS := $(patsubst %.c,$(UNIX_BUILD)/obj/%.o,$(UNIX_BENCH_SRCS))
UNIX_PROGS     := $(UNIX_BUILD)/init $(UNIX_BUILD)/unix-bench $(UNIX_BUILD)/tiny $(UNIX_BUILD)/kallsyms
UNIX_MACRO_EXPECTED := $(UNIX_BUILD)/macro.expected.out
UNIX_HOSTBIN   := $(UNIX_BUILD)/hostbin
UNIX_DATA      := $(wildcard bench/unix/data/*)
MACRO_SCRIPT   := bench/unix/macro/script.sh
MACRO_APPLETS  := $(shell sed -n 's|^slink[[:space:]]*/bin/\([^[:space:]]*\)[[:space:]]*busybox[[:space:]]*$$|\1|p' $(UNIX_ROOT_LIST))
# Everything of the archive the build makes (the busybox binary comes from the fetch step).
UNIX_ROOT_INPUTS := $(UNIX_PROGS) $(UNIX_MACRO_EXPECTED)

.PHONY: unix unix-root-inputs
unix: $(UNIX_PROGS)
unix-root-inputs: $(UNIX_ROOT_INPUTS)

# bench/unix/BENCHMARKS is the one list of Unix benchmarks: unix-bench's table is made from it.
$(UNIX_BUILD)/benchmarks.def: $(UNIX_BENCH_LIST)
	@mkdir -p $(@D)
	sed -e '/^#/d' -e '/^[[:space:]]*$$/d' -e 's/^\([a-z0-9_]*\).*/BENCH(\1)/' $< > $@

$(UNIX_BUILD)/obj/%.o: %.c $(UNIX_HDRS) $(UNIX_BUILD)/benchmarks.def
	@mkdir -p $(@D)
	$(UNIX_CC) $(UNIX_CFLAGS) -c $< -o $@

# unix-bench.syms keeps the symbols (for machlab profile); the archive gets a stripped copy.
$(UNIX_BUILD)/unix-bench.syms: $(UNIX_BENCH_OBJS)
	$(UNIX_CC) -static -o $@ $^

$(UNIX_BUILD)/unix-bench: $(UNIX_BUILD)/unix-bench.syms
	objcopy --strip-all $< $@

$(addprefix $(UNIX_BUILD)/,$(UNIX_TOOLS)): $(UNIX_BUILD)/%: $(UNIX_BUILD)/obj/bench/unix/%.o
	$(UNIX_CC) $(UNIX_LDFLAGS) -o $@ $<

# The script's expected output: run by the same busybox on this host, in a fresh
# empty directory, with only the applets of ROOT and tiny on PATH. A run that
# fails (set -e in the script) or writes to stderr makes no file.
$(UNIX_MACRO_EXPECTED): $(MACRO_SCRIPT) $(UNIX_DATA) $(UNIX_ROOT_LIST) $(UNIX_BUILD)/tiny $(LINUX_DIR)/busybox
	rm -rf $(UNIX_HOSTBIN) && mkdir -p $(UNIX_HOSTBIN)
	for a in $(MACRO_APPLETS); do ln -s $(abspath $(LINUX_DIR)/busybox) $(UNIX_HOSTBIN)/$$a || exit 1; done
	ln -s $(abspath $(UNIX_BUILD)/tiny) $(UNIX_HOSTBIN)/tiny
	work=$$(mktemp -d) && ( cd $$work && env -i PATH=$(abspath $(UNIX_HOSTBIN)) HOME=/ TERM=dumb \
	  MACHLAB_DATA=$(abspath bench/unix/data) $(abspath $(LINUX_DIR)/busybox) sh $(abspath $(MACRO_SCRIPT)) \
	  > $(abspath $@.tmp) 2> $(abspath $@.stderr) ); status=$$?; rm -rf $$work; \
	if [ $$status -ne 0 ] || [ -s $@.stderr ]; then \
	  echo "machlab: $(MACRO_SCRIPT) failed on the host (exit $$status): $$(head -c 400 $@.stderr)"; \
	  rm -f $@.tmp; exit 1; fi; rm -f $@.stderr; mv $@.tmp $@

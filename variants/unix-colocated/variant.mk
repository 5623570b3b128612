# variant.mk (UNIX=colocated) — the Unix server's source (user/unix/, with libmk's trap
# wrappers and printf) compiled for the kernel with MK_SUPERVISOR (its traps become calls of
# supervisor_trap) and linked in as one object whose only global is unix_server_run, its data
# and bss in sections of their own (kernel/boot/kernel.ld; unix_server.c here puts them back
# as linked at each start), its code too (a timer tick in it may preempt it: trap.c). user/unix/colocate.c is the starter's side: not linked in.
UNIX_SERVER_KSRCS := $(filter-out user/unix/colocate.c,$(wildcard user/unix/*.c)) \
	user/libmk/traps.c user/libmk/runtime.c
UNIX_SERVER_KOBJS := $(patsubst %,$(KBUILD)/obj/%.o,$(UNIX_SERVER_KSRCS))
UNIX_SERVER_KOBJ  := $(KBUILD)/unix_server.o
KERNEL_OBJS += $(UNIX_SERVER_KOBJ)

$(UNIX_SERVER_KOBJS): $(KBUILD)/obj/%.c.o: %.c $(KERNEL_HDRS) $(shell find user include -name '*.h')
	@mkdir -p $(@D)
	$(CC) $(KERNEL_CFLAGS) -DMK_SUPERVISOR -Iuser/libmk -Iuser/unix -Iuser/emul -c $< -o $@

$(UNIX_SERVER_KOBJ): $(UNIX_SERVER_KOBJS)
	ld -r -o $@.all $^
	objcopy --keep-global-symbol=unix_server_run --rename-section .data=.unix_data \
	  --rename-section .bss=.unix_bss --rename-section .text=.unix_text $@.all $@

/*
 * main.c — kmain: bring the boot CPU and the kernel's subsystems up in
 * order, start the bootstrap task from the first boot module, and become
 * the idle thread.
 */
#include "arch/lapic.h"
#include "arch/trap.h"
#include "kern/boot_info.h"
#include "kern/bootstrap.h"
#include "kern/comm_page.h"
#include "kern/ipc_space.h"
#include "kern/msg.h"
#include "kern/port.h"
#include "kern/cpu.h"
#include "kern/host.h"
#include "kern/kprintf.h"
#include "kern/ledger.h"
#include "kern/sched.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "kern/zalloc.h"
#include "vm/page_alloc.h"
#include "vm/phys.h"
#include "vm/vm_object.h"
#include "pager.h"
#include "pmap.h"
#include "param.h"

void vm_map_init(void);

/* The bootstrap task's arguments: module 0's command line, split at spaces. */
static size_t bootstrap_args(const char *cmdline, char *out, size_t size)
{
	size_t n = 0;
	bool in_word = false;

	for (const char *p = cmdline; *p && n + 2 < size; p++) {
		if (*p == ' ') {
			if (in_word)
				out[n++] = 0;
			in_word = false;
			continue;
		}
		out[n++] = *p;
		in_word = true;
	}
	if (in_word || n == 0)
		out[n++] = 0;
	return n;
}

static void bootstrap_start(void)
{
	static char args[BOOT_CMDLINE_MAX + 1];
	const struct boot_module *m = &boot_info.modules[0];
	struct image_source img = {
		.kaddr = phys_to_virt(m->start), .size = m->end - m->start,
	};
	struct task *task;
	size_t len;
	kern_return_t kr;

	if (boot_info.nmodules == 0)
		panic("no boot modules: give the bootstrap program with -initrd");
	len = bootstrap_args(m->cmdline[0] ? m->cmdline : "bootstrap", args, sizeof(args));
	kr = task_spawn(&img, args, len, NULL, true, &task);
	if (kr != KERN_SUCCESS)
		panic("cannot start the bootstrap task '%s': error %d", m->cmdline, kr);
	task_set_bootstrap(task);
	kprintf("machlab: bootstrap task '%s' started\n", task->name);
}

void kmain(uint32_t mbi_phys, uint32_t magic)
{
	struct cpu *c;

	console_init();
	kprintf("machlab: booting\n");
	cpu_init_boot();
	idt_init();
	syscall_table_check();
	boot_info_parse(mbi_phys, magic);
	page_alloc_init();
	pmap_bootstrap();
	kmem_init();
	pmap_init();
	vm_page_init();
	default_pager_init();
	vm_map_init();
	ledger_init();
	thread_init();
	task_init();
	sched_init();
	c = cpu_current();
	c->idle = c->current = thread_create_idle();
	port_init();
	ipc_space_init();
	msg_init();
	bootstrap_init();
	host_init();
	lapic_init();
	lapic_timer_start(TIMER_HZ);
	comm_page_init();
	bootstrap_start();
	irq_enable();
	sched_run_idle();
}

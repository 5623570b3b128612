/*
 * console.c — the kernel console on COM1, kprintf, panic and machine exit.
 *
 * Output is polled (no interrupts): simple and usable from any context,
 * including panic. The console lock keeps lines from two writers apart.
 * machine_exit writes to QEMU's isa-debug-exit device (port 0xf4), which
 * ends QEMU with exit code (status << 1) | 1.
 */
#include "kern/kprintf.h"
#include "kern/lock.h"
#include "lib/fmt.h"
#include "arch/x86.h"

#define COM1_PORT       0x3F8
#define DEBUG_EXIT_PORT 0xF4
#define PANIC_EXIT_STATUS 0x7F

static spinlock_t console_lock = SPINLOCK_INIT;

void console_init(void)
{
	outb(COM1_PORT + 1, 0x00);   /* no interrupts */
	outb(COM1_PORT + 3, 0x80);   /* DLAB */
	outb(COM1_PORT + 0, 0x01);   /* 115200 baud */
	outb(COM1_PORT + 1, 0x00);
	outb(COM1_PORT + 3, 0x03);   /* 8N1 */
	outb(COM1_PORT + 2, 0xC7);   /* FIFO */
	outb(COM1_PORT + 4, 0x03);
}

static void console_putc(char c)
{
	while (!(inb(COM1_PORT + 5) & 0x20))
		cpu_pause();
	outb(COM1_PORT, (uint8_t)c);
}

static void console_putc_fmt(void *ctx, char c)
{
	(void)ctx;
	console_putc(c);
}

/* Write len bytes to the console in one piece. */
void console_write(const char *s, size_t len)
{
	uint64_t f = spin_lock(&console_lock);

	for (size_t i = 0; i < len; i++)
		console_putc(s[i]);
	spin_unlock(&console_lock, f);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	uint64_t f = spin_lock(&console_lock);

	va_start(ap, fmt);
	fmt_format(console_putc_fmt, NULL, fmt, ap);
	va_end(ap);
	spin_unlock(&console_lock, f);
}

/* End the machine: QEMU exits with (status << 1) | 1. */
void machine_exit(int status)
{
	irq_disable();
	outb(DEBUG_EXIT_PORT, (uint8_t)status);
	for (;;)
		cpu_halt();
}

/* Print the reason and stop the machine with the panic status. */
void panic(const char *fmt, ...)
{
	va_list ap;

	irq_disable();
	console_lock.locked = 0;     /* a panic while printing must still print */
	kprintf("\nPANIC: ");
	va_start(ap, fmt);
	fmt_format(console_putc_fmt, NULL, fmt, ap);
	va_end(ap);
	kprintf("\n");
	machine_exit(PANIC_EXIT_STATUS);
}

/*
 * lapic.c — the local APIC timer (calibrated against the PIT) and the
 * legacy 8259 PICs (remapped to vectors 32..47 and masked).
 *
 * Under TCG with -icount shift=0 both timers run on QEMU's virtual clock,
 * one nanosecond per executed instruction, so the calibration is exact and
 * the tick is 1,000,000 instructions at 1 kHz.
 */
#include "arch/lapic.h"
#include "arch/trap.h"
#include "arch/x86.h"
#include "kern/kprintf.h"
#include "vm/phys.h"

#define LAPIC_PHYS        0xFEE00000UL
#define LAPIC_REG_EOI     0x0B0
#define LAPIC_REG_SVR     0x0F0
#define LAPIC_REG_LVT_TIMER 0x320
#define LAPIC_REG_TIMER_INIT 0x380
#define LAPIC_REG_TIMER_CUR  0x390
#define LAPIC_REG_TIMER_DIV  0x3E0
#define LAPIC_TIMER_PERIODIC (1u << 17)
#define LAPIC_MASKED         (1u << 16)
#define LAPIC_DIV_16      0x3

#define PIT_HZ            1193182
#define PIT_CALIBRATE_MS  10

static uint64_t tick_ns;

static volatile uint32_t *lapic_reg(uint32_t off)
{
	return (volatile uint32_t *)((char *)phys_to_virt(LAPIC_PHYS) + off);
}

static void pic_disable(void)
{
	outb(0x20, 0x11); outb(0xA0, 0x11);          /* ICW1: init, ICW4 follows */
	outb(0x21, VECTOR_PIC_BASE); outb(0xA1, VECTOR_PIC_BASE + 8);
	outb(0x21, 4); outb(0xA1, 2);                /* cascade */
	outb(0x21, 1); outb(0xA1, 1);                /* 8086 mode */
	outb(0x21, 0xFF); outb(0xA1, 0xFF);          /* mask everything */
}

void lapic_init(void)
{
	pic_disable();
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1UL << 11));
	*lapic_reg(LAPIC_REG_SVR) = 0x100 | VECTOR_SPURIOUS;
}

void lapic_eoi(void)
{
	*lapic_reg(LAPIC_REG_EOI) = 0;
}

/* LAPIC timer counts (divide by 16) in PIT_CALIBRATE_MS, measured with PIT channel 2. */
static uint32_t lapic_calibrate(void)
{
	uint32_t pit_count = PIT_HZ * PIT_CALIBRATE_MS / 1000;

	outb(0x61, (inb(0x61) & ~0x02) | 0x01);      /* gate channel 2 on, speaker off */
	outb(0x43, 0xB0);                            /* channel 2, lo/hi, mode 0 */
	outb(0x42, pit_count & 0xFF);
	outb(0x42, pit_count >> 8);
	*lapic_reg(LAPIC_REG_TIMER_DIV) = LAPIC_DIV_16;
	*lapic_reg(LAPIC_REG_LVT_TIMER) = LAPIC_MASKED;
	*lapic_reg(LAPIC_REG_TIMER_INIT) = 0xFFFFFFFF;
	while (!(inb(0x61) & 0x20))
		cpu_pause();
	return 0xFFFFFFFF - *lapic_reg(LAPIC_REG_TIMER_CUR);
}

void lapic_timer_start(unsigned hz)
{
	uint32_t per_calib = lapic_calibrate();
	uint32_t count = (uint32_t)((uint64_t)per_calib * 1000 / PIT_CALIBRATE_MS / hz);

	if (count == 0)
		panic("LAPIC timer calibration failed");
	tick_ns = 1000000000UL / hz;
	*lapic_reg(LAPIC_REG_TIMER_DIV) = LAPIC_DIV_16;
	*lapic_reg(LAPIC_REG_LVT_TIMER) = VECTOR_TIMER | LAPIC_TIMER_PERIODIC;
	*lapic_reg(LAPIC_REG_TIMER_INIT) = count;
	kprintf("machlab: LAPIC timer %u Hz (%u counts per tick)\n", hz, count);
}

uint64_t lapic_tick_ns(void)
{
	return tick_ns;
}

/*
 * lapic.h — the local APIC: this CPU's timer and interrupt acknowledgement.
 */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include <stdint.h>

void lapic_init(void);                 /* mask the 8259s, enable the LAPIC */
void lapic_timer_start(unsigned hz);   /* periodic timer interrupt at hz */
void lapic_eoi(void);
uint64_t lapic_tick_ns(void);          /* nominal tick length */

#endif

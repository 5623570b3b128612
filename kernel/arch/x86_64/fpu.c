/*
 * fpu.c — the clean FPU/SSE state every new user thread starts from.
 */
#include "arch/fpu.h"
#include "lib/string.h"

static struct fpu_state fpu_clean_state;

/* Reset the FPU and remember its state as the one new threads start with. */
void fpu_init_boot(void)
{
	uint32_t mxcsr = 0x1F80;   /* all SSE exceptions masked, round to nearest */

	__asm__ volatile("fninit");
	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
	fpu_save(&fpu_clean_state);
}

void fpu_state_init(struct fpu_state *s)
{
	memcpy(s, &fpu_clean_state, sizeof(*s));
}

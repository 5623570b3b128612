/*
 * profile_marker.h — the sample markers of the profiling plugin
 * (harness/plugin/profile_plugin.c), shared by the guest's timing loop
 * (bench/lib/timing.c) and the plugin.
 *
 * A marker is one no-op instruction with a distinctive operand,
 * `nopl MARK(%rax,%rax,1)` (bytes 0f 1f 84 00 and MARK as a 32-bit
 * little-endian displacement): it reads no memory and changes no register,
 * costs one instruction in every target, and the plugin recognises it when
 * it translates it. The timed region is rdtsc, SAMPLE_BEGIN, op, SAMPLE_END,
 * rdtsc, for the samples and for the empty operation that measures the
 * timer's overhead alike, so the two markers cancel out of every figure, and
 * the plugin's count of a sample minus its count of the empty operation is
 * the guest's figure, instruction for instruction.
 * The other three run outside any timed region: CALIBRATE_START and
 * CALIBRATE_STOP bracket the overhead runs (a new measurement begins), and
 * DISCARD follows a sample the guest flagged (the plugin keeps its total
 * but not its addresses).
 */
#ifndef BENCH_PROFILE_MARKER_H
#define BENCH_PROFILE_MARKER_H

#include <stdint.h>

#define PROFILE_MARK_OPCODE_BYTES 4        /* 0f 1f 84 00: nopl disp32(%rax,%rax,1) */
#define PROFILE_MARK_BYTES        8        /* opcode, ModRM, SIB and the displacement */
#define PROFILE_MARK_SAMPLE_BEGIN 0x4d4c5001
#define PROFILE_MARK_SAMPLE_END   0x4d4c5002
#define PROFILE_MARK_CAL_START    0x4d4c5003
#define PROFILE_MARK_CAL_STOP     0x4d4c5004
#define PROFILE_MARK_DISCARD      0x4d4c5005

/*
 * PROFILE_MARKERS_OFF builds the loop without them (make test's
 * markers_leave_the_figures_unchanged compares the two builds' figures).
 * A marker left out is an empty string: the asm statements stay as they are.
 */
#ifdef PROFILE_MARKERS_OFF
#define PROFILE_MARK_INSN "#"
#else
#define PROFILE_MARK_INSN ".byte 0x0f, 0x1f, 0x84, 0x00\n\t.long "
#endif

/* Executes marker mark (a constant); "memory" keeps the compiler from moving it. */
#define PROFILE_MARK(mark) __asm__ volatile(PROFILE_MARK_INSN "%c0" : : "i"(mark) : "memory")

/*
 * The cycle counter read at the start of a timed region followed at once by
 * the begin marker, and the end marker followed at once by the counter read
 * at its end: one asm statement each, so that nothing the compiler schedules
 * can fall between a counter read and its marker, and the plugin's sample
 * is exactly the instructions between the two reads.
 */
static inline uint64_t profile_cycles_then_begin(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc\n\t" PROFILE_MARK_INSN "%c2"
			 : "=a"(lo), "=d"(hi) : "i"(PROFILE_MARK_SAMPLE_BEGIN) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t profile_end_then_cycles(void)
{
	uint32_t lo, hi;

	__asm__ volatile(PROFILE_MARK_INSN "%c2\n\trdtsc"
			 : "=a"(lo), "=d"(hi) : "i"(PROFILE_MARK_SAMPLE_END) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

#endif

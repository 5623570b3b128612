/*
 * profile_plugin.c — the QEMU TCG plugin behind "machlab profile": counts
 * the guest instructions executed inside marked benchmark samples
 * (bench/lib/profile_marker.h), per guest code address, and writes them at
 * exit to the file named by its argument out=PATH.
 *
 * Every translated instruction gets an execution callback with a counter of
 * its own (QEMU calls it once per execution, and once per iteration of a
 * rep-prefixed instruction, as icount charges it); marker instructions get
 * a callback that switches counting. A measurement (a "group") starts at
 * CALIBRATE_START: the samples inside CALIBRATE_START..STOP are the empty
 * operation the guest subtracts, and the plugin keeps only their least
 * total; every later sample is written as it ends, with the instructions
 * each address executed in it, and a DISCARD marker (the guest flagged the
 * sample) says so after it. Output, one line each:
 *   PROFILE 1
 *   GROUP <n>
 *   CALIBRATION <least empty-sample total>
 *   S <sample total>
 *   A <hex address> <instructions in that sample>
 *   D                       (the sample before was flagged)
 *   END
 * Counts are per address only: QEMU 7.2's plugin API (version 1) cannot read
 * CR3, so address spaces are not told apart (kernel and user are, by address).
 *
 * A faulting instruction: QEMU calls its callback, then the fault stops it,
 * and it runs again after the handler; icount charges it once, when it
 * completes. The harness passes the entry address of every fault vector
 * (fault=HEX, repeated). When one of them runs, the instruction counted just
 * before it is remembered as possibly stopped; if an iretq later returns to
 * that very address, it was (a data fault: it runs again) and one execution
 * is taken back, so the counts stay icount's. If the return goes elsewhere,
 * the instruction had completed and the fault was the fetch of the next one
 * (a code page not mapped), which QEMU never called back. A remembered
 * instruction is forgotten after PENDING_IRETS_MAX returns; the harness's
 * check (every sample equals the guest's figure) catches any miss.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile_marker.h"
#include "qemu_plugin_api.h"

#define OUT_ARG_PREFIX "out="
#define FAULT_ARG_PREFIX "fault="
#define FAULT_ENTRIES_MAX 32
#define PENDING_MAX 16        /* instructions a fault may have stopped, at once */
#define PENDING_IRETS_MAX 16  /* returns after which one is forgotten */
#define IRETQ_BYTES 2         /* 48 cf: iretq */
#define COUNTERS_PER_CHUNK 4096

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

/* One translated instruction. */
struct counter {
	uint64_t vaddr;
	uint64_t in_sample;   /* executions in the sample being taken */
	struct counter *next_touched; /* in the sample's touched list */
	bool touched;
};

/* A chunk of counters (they are never freed: QEMU may run a TB again). */
struct counter_chunk {
	struct counter c[COUNTERS_PER_CHUNK];
	size_t used;
	struct counter_chunk *next;
};

static struct {
	FILE *out;
	struct counter_chunk *chunks;
	bool calibrating, in_sample;
	uint64_t sample_total, calibration_least;
	struct counter *touched;
	size_t groups;
	bool group_open, failed;
	struct counter *last;  /* the instruction counted last, while it may still fault */
	bool last_counted;
	uint64_t fault_entries[FAULT_ENTRIES_MAX];
	size_t fault_entry_count;
	struct pending {
		struct counter *c;
		bool calibrating;     /* counted in an empty-operation sample */
		unsigned irets;       /* returns seen since */
	} pending[PENDING_MAX];
	size_t pending_count;
	bool after_iret;          /* the next instruction is an iretq's target */
} prof;

/* The marker an instruction is (its displacement), or 0 when it is none. */
static uint32_t marker_of(const struct qemu_plugin_insn *insn)
{
	static const unsigned char opcode[PROFILE_MARK_OPCODE_BYTES] = { 0x0f, 0x1f, 0x84, 0x00 };
	const unsigned char *bytes = qemu_plugin_insn_data(insn);
	uint32_t mark;
	if (qemu_plugin_insn_size(insn) != PROFILE_MARK_BYTES ||
	    memcmp(bytes, opcode, sizeof opcode) != 0)
		return 0;
	memcpy(&mark, bytes + PROFILE_MARK_OPCODE_BYTES, sizeof mark);
	return mark >= PROFILE_MARK_SAMPLE_BEGIN && mark <= PROFILE_MARK_DISCARD ? mark : 0;
}

/* A fresh counter for the instruction at vaddr, or NULL when out of memory. */
static struct counter *counter_new(uint64_t vaddr)
{
	if (!prof.chunks || prof.chunks->used == COUNTERS_PER_CHUNK) {
		struct counter_chunk *chunk = calloc(1, sizeof *chunk);
		if (!chunk)
			return NULL;
		chunk->next = prof.chunks;
		prof.chunks = chunk;
	}
	struct counter *c = &prof.chunks->c[prof.chunks->used++];
	c->vaddr = vaddr;
	return c;
}

/* An iretq returned to c: if a fault stopped c, take one execution back. */
static void pending_resolve(struct counter *c)
{
	for (size_t i = 0; i < prof.pending_count; i++)
		if (prof.pending[i].c == c || prof.pending[i].c->vaddr == c->vaddr) {
			struct pending p = prof.pending[i];
			prof.pending[i] = prof.pending[--prof.pending_count];
			if (prof.in_sample) {
				prof.sample_total--;
				if (!p.calibrating && p.c->in_sample)
					p.c->in_sample--;
			}
			return;
		}
}

/* Execution of an ordinary instruction: count it if a sample is running. */
static void on_insn(unsigned int vcpu, void *udata)
{
	struct counter *c = udata;
	(void)vcpu;
	if (prof.after_iret) {
		prof.after_iret = false;
		if (prof.pending_count)
			pending_resolve(c);
	}
	prof.last_counted = prof.in_sample;
	prof.last = c;
	if (!prof.in_sample)
		return;
	prof.sample_total++;
	if (prof.calibrating)
		return;
	if (!c->touched) {
		c->touched = true;
		c->next_touched = prof.touched;
		prof.touched = c;
	}
	c->in_sample++;
}

/* A fault vector's entry runs: the instruction counted just before it may
 * have been stopped by the fault; remember it (see the top of the file). */
static void on_fault_entry(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	(void)udata;
	if (!prof.last_counted || !prof.last)
		return;
	if (prof.pending_count == PENDING_MAX)
		prof.pending[0] = prof.pending[--prof.pending_count];
	prof.pending[prof.pending_count++] = (struct pending){ .c = prof.last,
							       .calibrating = prof.calibrating };
	prof.last_counted = false;
}

/* An iretq is about to run: its target is checked against the remembered
 * instructions, and every remembered one ages by a return. */
static void on_iret(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	(void)udata;
	prof.after_iret = true;
	for (size_t i = 0; i < prof.pending_count;)
		if (++prof.pending[i].irets > PENDING_IRETS_MAX)
			prof.pending[i] = prof.pending[--prof.pending_count];
		else
			i++;
}

/* True when insn is iretq. */
static bool is_iretq(const struct qemu_plugin_insn *insn)
{
	static const unsigned char iretq[IRETQ_BYTES] = { 0x48, 0xcf };
	return qemu_plugin_insn_size(insn) == IRETQ_BYTES &&
	       memcmp(qemu_plugin_insn_data(insn), iretq, IRETQ_BYTES) == 0;
}

/* True when vaddr is the entry of a fault vector. */
static bool is_fault_entry(uint64_t vaddr)
{
	for (size_t i = 0; i < prof.fault_entry_count; i++)
		if (prof.fault_entries[i] == vaddr)
			return true;
	return false;
}

/* The end of a measured sample: its total and its addresses go out. */
static void sample_end(void)
{
	fprintf(prof.out, "S %llu\n", (unsigned long long)prof.sample_total);
	for (struct counter *c = prof.touched, *next; c; c = next) {
		next = c->next_touched;
		if (c->in_sample) /* 0: its only execution faulted and was taken back */
			fprintf(prof.out, "A %llx %llu\n", (unsigned long long)c->vaddr,
				(unsigned long long)c->in_sample);
		c->in_sample = 0;
		c->touched = false;
		c->next_touched = NULL;
	}
	prof.touched = NULL;
}

/* Execution of a marker. */
static void on_marker(unsigned int vcpu, void *udata)
{
	uint32_t mark = (uint32_t)(uintptr_t)udata;
	(void)vcpu;
	if (!prof.out)
		return;
	switch (mark) {
	case PROFILE_MARK_CAL_START:
		fprintf(prof.out, "GROUP %zu\n", prof.groups++);
		prof.group_open = true;
		prof.calibrating = true;
		prof.calibration_least = UINT64_MAX;
		break;
	case PROFILE_MARK_CAL_STOP:
		fprintf(prof.out, "CALIBRATION %llu\n", (unsigned long long)prof.calibration_least);
		prof.calibrating = false;
		break;
	case PROFILE_MARK_SAMPLE_BEGIN:
		prof.sample_total = 0;
		prof.pending_count = 0; /* a stop remembered earlier belongs to no sample of ours */
		prof.in_sample = true;
		break;
	case PROFILE_MARK_SAMPLE_END:
		prof.in_sample = false;
		if (prof.calibrating && prof.sample_total < prof.calibration_least)
			prof.calibration_least = prof.sample_total;
		else if (!prof.calibrating && prof.group_open)
			sample_end();
		break;
	case PROFILE_MARK_DISCARD:
		fputs("D\n", prof.out);
		break;
	}
}

/* Translation of a block: a callback with a counter for each instruction. */
static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	for (size_t i = 0; i < qemu_plugin_tb_n_insns(tb); i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint32_t mark = marker_of(insn);
		if (mark) {
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker, QEMU_PLUGIN_CB_NO_REGS,
							       (void *)(uintptr_t)mark);
			continue;
		}
		uint64_t vaddr = qemu_plugin_insn_vaddr(insn);
		struct counter *c = counter_new(vaddr);
		if (!c) {
			prof.failed = true;
			continue;
		}
		if (is_fault_entry(vaddr))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_fault_entry,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
		qemu_plugin_register_vcpu_insn_exec_cb(insn, on_insn, QEMU_PLUGIN_CB_NO_REGS, c);
		if (is_iretq(insn)) /* after on_insn: QEMU calls them in this order */
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_iret, QEMU_PLUGIN_CB_NO_REGS,
							       NULL);
	}
}

/* At QEMU's exit: the end line (a file without it was cut short). */
static void on_exit_cb(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	if (!prof.out)
		return;
	fprintf(prof.out, prof.failed ? "FAILED out of memory\n" : "END\n");
	fclose(prof.out);
	prof.out = NULL;
}

/* Entry point: reads out=PATH and fault=HEX..., opens the output and
 * registers the callbacks. */
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
					   char **argv)
{
	const char *path = NULL;
	(void)info;
	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], OUT_ARG_PREFIX, strlen(OUT_ARG_PREFIX)) == 0)
			path = argv[i] + strlen(OUT_ARG_PREFIX);
		else if (strncmp(argv[i], FAULT_ARG_PREFIX, strlen(FAULT_ARG_PREFIX)) == 0 &&
			 prof.fault_entry_count < FAULT_ENTRIES_MAX)
			prof.fault_entries[prof.fault_entry_count++] =
				strtoull(argv[i] + strlen(FAULT_ARG_PREFIX), NULL, 16);
	if (!path) {
		qemu_plugin_outs("machlab profile plugin: give out=PATH\n");
		return -1;
	}
	if (!(prof.out = fopen(path, "w"))) {
		char msg[512];
		snprintf(msg, sizeof msg, "machlab profile plugin: %s: %s\n", path, strerror(errno));
		qemu_plugin_outs(msg);
		return -1;
	}
	fputs("PROFILE 1\n", prof.out);
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_exit_cb, NULL);
	return 0;
}

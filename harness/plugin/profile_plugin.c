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
 *   A <hex address> <instructions in that sample> <address space>
 *   D                       (the sample before was flagged)
 *   END
 * With the argument model=on, the cost model (cost_model.h, parameters
 * overridden by cm.NAME=VALUE) also runs: it is fed every instruction (its
 * fetch, and its kind: a rep string element, syscall, sysret, iretq, a CR3
 * write, a fault vector's entry) and every data access, in samples or not,
 * and the output gains the modelled cycles, whole cycles rounded down:
 *   CALIBRATION_CYCLES <least empty-sample cycles>   (after CALIBRATION)
 *   C <sample cycles>                                (after S)
 *   A <hex address> <instructions> <address space> <cycles>
 * With addrs=off (machlab bench's boots: it wants each sample's figures,
 * not where they went) no A lines are written and nothing is counted per
 * address or address space: the file holds the S, C and D lines alone.
 * An instruction's cycles are those charged from its start to the next
 * instruction's (its fetch, base cost, accesses and events). Approximations
 * beyond the model's own: a faulting instruction's first attempt is charged
 * like any execution (icount's count takes it back, the model does not),
 * and QEMU 7.2's armed-after-fault memory callbacks may charge one access
 * of the fault handler twice.
 *
 * Address spaces. QEMU 7.2's plugin API (version 1) cannot read registers,
 * so the plugin cannot see CR3's value; it sees every write to it (mov to
 * CR3, recognised when translated) and where user stores go. Execution is
 * cut into segments at each CR3 write, except those in the address ranges
 * the harness passes as flush=START-END (code that reloads the same tables
 * to flush the TLB, as Linux's native_flush_tlb_local). A segment is named
 * by the first user-mode stack write in it (a push or a call at a user
 * address: its one store is to the stack): the space its physical page
 * belongs to, or a new one. Each space remembers the physical page of each
 * of its stack pages. A store, not a load, so a page still shared
 * copy-on-write after fork is never seen (the store faults and lands in the
 * writer's copy); a write that lands in another physical page than the
 * space's for that virtual page saw the copy made: the copy joins the
 * space, and the page left behind, the other process's now, leaves it, so
 * a process that forks keeps its name and the child gets one of its own.
 * A sample that ends before its last segment has a name (a fault's return
 * goes straight to the faulting load, and the marker follows) waits for
 * it, while the next one is taken, in a second buffer.
 * Within a sample the names are numbered in order of first appearance: 1
 * is the space the sample starts in (the benchmark's own task), 2, 3... the
 * others; 0 is a segment in which no user code wrote its stack before CR3
 * changed again (kernel work only). Kernel instructions count in the space
 * that is loaded when they run, so the kernel's side of a switch shows in
 * both. Two threads of one task that run one after another are one space;
 * two threads of one task that each run right after a switch from another
 * task would be named by their two stacks, as two spaces. (Debian's QEMU
 * 7.2 has a bug this must step around: an access that faults leaves its
 * instruction's memory callbacks armed for the next access, the fault
 * handler's first push; on_stack_write ignores kernel addresses.)
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

#include "cost_model.h"
#include "profile_marker.h"
#include "qemu_plugin_api.h"

#define OUT_ARG_PREFIX "out="
#define MODEL_ARG "model=on"          /* the cost model on (cost_model.h) */
#define MODEL_PARAM_PREFIX "cm."      /* cm.NAME=VALUE: one of its parameters */
#define ADDRS_OFF_ARG "addrs=off"     /* samples' totals only, no A lines */
#define FAULT_ARG_PREFIX "fault="
#define FLUSH_ARG_PREFIX "flush="
#define FLUSHES_MAX 8
#define FAULT_ENTRIES_MAX 32
#define PENDING_MAX 16        /* instructions a fault may have stopped, at once */
#define PENDING_IRETS_MAX 16  /* returns after which one is forgotten */
#define IRETQ_BYTES 2         /* 48 cf: iretq */
#define COUNTERS_PER_CHUNK 4096
#define SPACES_MAX 32         /* address spaces numbered in one sample; more are 0 */
#define SPACE_PENDING UINT32_MAX /* an entry of a segment not named yet */
#define STACK_SLOTS 8192      /* stack pages remembered, in each of two tables (a power
				 of two; kept at most half full) */
#define PAGE_SHIFT 12
#define USER_ADDR_LIMIT 0x0000800000000000ull /* user addresses are below */
#define KERNEL_TEXT_MAP 0xffffffff80000000ull /* kernel text's virtual = physical + this */
#define KERNEL_TEXT_SPAN 0x20000000ull         /* ... for its first 512 MiB (Linux's modules
						  are above, mapped like any code) */

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

/* What the cost model charges an instruction for besides its fetch (model on). */
enum model_kind {
	MODEL_PLAIN,
	MODEL_REP,            /* a rep string instruction: per element (counter.rep_bytes) */
	MODEL_SYSCALL,
	MODEL_SYSRET,
	MODEL_IRET,
	MODEL_CR3,
};

/* One translated instruction. */
struct counter {
	uint64_t vaddr;
	uint64_t in_sample;   /* executions in the sample's current segment */
	struct counter *next_touched; /* in the sample's touched list */
	bool touched;
	/* the cost model's (model on) */
	uint64_t fetch_pa;    /* its guest physical address: the caches' index for its fetch */
	uint64_t cycles256;   /* modelled cycles in the current segment, 1/256ths */
	uint8_t kind;         /* enum model_kind */
	uint8_t rep_bytes;    /* a rep instruction's element size */
	bool exception_entry; /* the first instruction of a fault vector */
};

/* Instructions one address executed in one finished segment of the sample. */
struct entry {
	uint64_t vaddr, count;
	unsigned space;
	uint64_t cycles256;   /* (model on) */
};

/* A sample's output: its total and its addresses by space. */
struct sample_buf {
	uint64_t total;
	uint64_t cycles;                   /* modelled (model on) */
	uint64_t space_names[SPACES_MAX]; /* its spaces' names, space i+1 first */
	size_t space_count;
	struct entry *entries;             /* its finished segments */
	size_t entry_count, entry_cap;
	bool discard;                      /* the guest flagged it */
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
	bool addrs_off;        /* totals only: nothing per address (addrs=off) */
	struct counter *last;  /* the instruction counted last, while it may still fault */
	bool last_counted;
	uint64_t fault_entries[FAULT_ENTRIES_MAX];
	size_t fault_entry_count;
	struct flush_range {      /* code that writes CR3 only to flush the TLB */
		uint64_t start, end;
	} flushes[FLUSHES_MAX];
	size_t flush_count;
	struct pending {
		struct counter *c;
		bool calibrating;     /* counted in an empty-operation sample */
		unsigned irets;       /* returns seen since */
	} pending[PENDING_MAX];
	size_t pending_count;
	bool after_iret;          /* the next instruction is an iretq's target */
	bool segment_named;       /* a user stack write has named the current segment */
	uint64_t segment_name;   /* its space's name */
	uint64_t names_given;     /* names are 1, 2...: a new space takes the next */
	struct slot {             /* a two-word key and its value; key[0] 0: free */
		uint64_t key[2], value;
	} frame_space[STACK_SLOTS], /* stack physical page -> its space's name (0: none) */
	  space_page[STACK_SLOTS];  /* (space's name, virtual page) -> physical page */
	size_t frame_space_count, space_page_count;
	struct sample_buf bufs[2];
	/* the cost model (model on): it sees every instruction and access, in
	 * samples or not (caches and TLBs stay warm as on hardware); a
	 * sample's cycles are its difference, and each instruction's the
	 * cycles charged from its start to the next one's */
	bool model, model_params_set, model_bad;
	bool host_offset_known;      /* host address of guest RAM - physical address */
	uint64_t host_offset;
	struct cm_params model_params;
	struct cost_model cm;
	struct counter *model_cur;   /* the instruction cycles are charged to now */
	uint64_t model_mark;         /* cm.cycles256 when it started */
	uint64_t sample_cycles_start, calibration_cycles_least;
	struct sample_buf *cur;   /* the sample being taken */
	struct sample_buf *waiting; /* one that ended before its last segment had a
				       name (the other buffer), or NULL */
} prof = { .cur = &prof.bufs[0] };

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

/* One execution of c is taken back: from the current segment's count, or
 * from a finished segment's (the fault's handler switched address space
 * before the instruction ran again). */
static void count_take_back(struct counter *c)
{
	if (c->in_sample) {
		c->in_sample--;
		return;
	}
	struct sample_buf *b = prof.cur;
	for (size_t i = 0; i < b->entry_count; i++)
		if (b->entries[i].vaddr == c->vaddr && b->entries[i].count) {
			b->entries[i].count--;
			return;
		}
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
				if (!p.calibrating)
					count_take_back(p.c);
			}
			return;
		}
}

/* The cycles charged since the current instruction started go to it (in a
 * measured sample; otherwise nowhere). */
static void model_settle(void)
{
	uint64_t delta = prof.cm.cycles256 - prof.model_mark;

	prof.model_mark = prof.cm.cycles256;
	if (prof.model_cur && prof.in_sample && !prof.calibrating)
		prof.model_cur->cycles256 += delta;
}

/* The cost model's side of an instruction's execution (model on). */
static void model_insn(struct counter *c)
{
	model_settle();
	prof.model_cur = c;
	if (c->exception_entry)
		cm_event(&prof.cm, CM_EXCEPTION);
	if (c->kind == MODEL_REP) {
		cm_rep_element(&prof.cm, c->vaddr, c->fetch_pa, c->rep_bytes);
		return;
	}
	cm_insn(&prof.cm, c->vaddr, c->fetch_pa);
	switch (c->kind) {
	case MODEL_SYSCALL: cm_event(&prof.cm, CM_SYSCALL); break;
	case MODEL_SYSRET:  cm_event(&prof.cm, CM_SYSRET); break;
	case MODEL_IRET:    cm_event(&prof.cm, CM_IRET); break;
	case MODEL_CR3:     cm_event(&prof.cm, CM_CR3_WRITE); break;
	}
}

/* A data access of an instruction (model on): through the TLBs and caches. */
static void on_model_access(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr,
			    void *udata)
{
	(void)vcpu;
	(void)udata;
	struct qemu_plugin_hwaddr *hw = qemu_plugin_get_hwaddr(info, vaddr);
	if (!hw || qemu_plugin_hwaddr_is_io(hw))
		return;
	cm_access(&prof.cm, vaddr, qemu_plugin_hwaddr_phys_addr(hw),
		  1u << qemu_plugin_mem_size_shift(info));
}

/* Execution of an ordinary instruction: count it if a sample is running. */
static void on_insn(unsigned int vcpu, void *udata)
{
	struct counter *c = udata;
	(void)vcpu;
	if (prof.model)
		model_insn(c);
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
	if (prof.calibrating || prof.addrs_off)
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

/* The bytes of insn after at most one REX prefix (0x40..0x4f); *rex gets it
 * (0 when none). NULL when nothing follows it. */
static const unsigned char *after_rex(const struct qemu_plugin_insn *insn, size_t *left,
				      unsigned char *rex)
{
	const unsigned char *b = qemu_plugin_insn_data(insn);
	*left = qemu_plugin_insn_size(insn);
	*rex = 0;
	if (*left > 1 && (b[0] & 0xf0) == 0x40) {
		*rex = b[0];
		b++;
		(*left)--;
	}
	return *left ? b : NULL;
}

/* True when insn is a mov to CR3 (0f 22 /3; a REX.R would make it CR11). */
static bool is_cr3_write(const struct qemu_plugin_insn *insn)
{
	size_t left;
	unsigned char rex;
	const unsigned char *b = after_rex(insn, &left, &rex);
	return b && left == 3 && !(rex & 0x04) && b[0] == 0x0f && b[1] == 0x22 &&
	       (b[2] & 0x38) == 0x18;
}

/* True when insn writes the stack and nothing else: push (50+r, 68, 6a,
 * ff /6) or call (e8, ff /2). Memory operands of ff /2 and /6 are loads. */
static bool is_stack_write(const struct qemu_plugin_insn *insn)
{
	size_t left;
	unsigned char rex;
	const unsigned char *b = after_rex(insn, &left, &rex);
	if (!b)
		return false;
	if ((b[0] >= 0x50 && b[0] <= 0x57) || b[0] == 0x68 || b[0] == 0x6a || b[0] == 0xe8)
		return true;
	return b[0] == 0xff && left > 1 && ((b[1] & 0x38) == 0x10 || (b[1] & 0x38) == 0x30);
}

/* True when vaddr is in a function that writes CR3 to flush the TLB (the
 * same tables again: not a switch). */
static bool is_tlb_flush(uint64_t vaddr)
{
	for (size_t i = 0; i < prof.flush_count; i++)
		if (vaddr >= prof.flushes[i].start && vaddr < prof.flushes[i].end)
			return true;
	return false;
}

/* True when vaddr is the entry of a fault vector. */
static bool is_fault_entry(uint64_t vaddr)
{
	for (size_t i = 0; i < prof.fault_entry_count; i++)
		if (prof.fault_entries[i] == vaddr)
			return true;
	return false;
}

/* The number of the current segment's space in sample b (see the top of
 * the file): 1, 2... in order of first appearance, 0 when unnamed. */
static unsigned segment_space(struct sample_buf *b)
{
	if (!prof.segment_named)
		return 0;
	for (size_t i = 0; i < b->space_count; i++)
		if (b->space_names[i] == prof.segment_name)
			return (unsigned)i + 1;
	if (b->space_count == SPACES_MAX)
		return 0;
	b->space_names[b->space_count++] = prof.segment_name;
	return (unsigned)b->space_count;
}

/* The current segment's counts become entries of the sample being taken,
 * in space (SPACE_PENDING: the segment has no name yet). */
static void segment_flush(unsigned space)
{
	struct sample_buf *b = prof.cur;
	for (struct counter *c = prof.touched, *next; c; c = next) {
		next = c->next_touched;
		if (c->in_sample) { /* 0: its only execution faulted and was taken back */
			if (b->entry_count == b->entry_cap) {
				size_t cap = b->entry_cap ? 2 * b->entry_cap : 1024;
				struct entry *grown = realloc(b->entries, cap * sizeof *grown);
				if (!grown) {
					prof.failed = true;
					return;
				}
				b->entries = grown;
				b->entry_cap = cap;
			}
			b->entries[b->entry_count++] =
				(struct entry){ .vaddr = c->vaddr, .count = c->in_sample, .space = space,
						.cycles256 = c->cycles256 };
		}
		c->in_sample = 0;
		c->cycles256 = 0;
		c->touched = false;
		c->next_touched = NULL;
	}
	prof.touched = NULL;
}

/* qsort order of entries: by address, then space. */
static int entry_compare(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	if (a->vaddr != b->vaddr)
		return a->vaddr < b->vaddr ? -1 : 1;
	return (a->space > b->space) - (a->space < b->space);
}

/* Sample b goes out: its total, one line per address and space, and "D"
 * if it was flagged; b is empty after. */
static void sample_emit(struct sample_buf *b)
{
	qsort(b->entries, b->entry_count, sizeof *b->entries, entry_compare);
	fprintf(prof.out, "S %llu\n", (unsigned long long)b->total);
	if (prof.model)
		fprintf(prof.out, "C %llu\n", (unsigned long long)b->cycles);
	for (size_t i = 0; i < b->entry_count;) {
		struct entry e = b->entries[i++];
		while (i < b->entry_count && b->entries[i].vaddr == e.vaddr &&
		       b->entries[i].space == e.space) {
			e.count += b->entries[i].count;
			e.cycles256 += b->entries[i++].cycles256;
		}
		if (e.count && prof.model)
			fprintf(prof.out, "A %llx %llu %u %llu\n", (unsigned long long)e.vaddr,
				(unsigned long long)e.count, e.space,
				(unsigned long long)(e.cycles256 >> 8));
		else if (e.count)
			fprintf(prof.out, "A %llx %llu %u\n", (unsigned long long)e.vaddr,
				(unsigned long long)e.count, e.space);
	}
	if (b->discard)
		fputs("D\n", prof.out);
	b->entry_count = b->space_count = 0;
	b->discard = false;
}

/* The waiting sample's last segment is named now (space 0: it never will
 * be, CR3 changed first): its pending entries get their space, and it goes
 * out. */
static void waiting_name(bool named)
{
	struct sample_buf *b = prof.waiting;
	if (!b)
		return;
	unsigned space = named ? segment_space(b) : 0;
	for (size_t i = 0; i < b->entry_count; i++)
		if (b->entries[i].space == SPACE_PENDING)
			b->entries[i].space = space;
	sample_emit(b);
	prof.waiting = NULL;
}

/* The end of a measured sample: it goes out now, or, when the task it ends
 * in has not written its stack since CR3 last changed (a fault's return
 * goes straight back to the faulting load), once it does: the sample waits
 * in the other buffer while the next one is taken. */
static void sample_end(void)
{
	struct sample_buf *b = prof.cur;
	b->total = prof.sample_total;
	b->cycles = cm_cycles(&prof.cm) - prof.sample_cycles_start;
	segment_flush(prof.segment_named ? segment_space(b) : SPACE_PENDING);
	waiting_name(false); /* two in a row without a stack write: the older one goes */
	if (prof.segment_named || prof.addrs_off) {
		sample_emit(b);
		return;
	}
	prof.waiting = b;
	prof.cur = b == &prof.bufs[0] ? &prof.bufs[1] : &prof.bufs[0];
}

/* A CR3 write is about to run (after its own count): the segment ends. */
static void on_cr3_write(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	(void)udata;
	if (prof.in_sample && !prof.calibrating)
		segment_flush(segment_space(prof.cur));
	waiting_name(false);
	prof.segment_named = false;
}

/* The slot of key in table (free if absent; a free one only while the
 * table is at most half full), or NULL. Keys are page numbers, never 0. */
static struct slot *slot_find(struct slot *table, size_t *count, uint64_t k0, uint64_t k1,
			      bool add)
{
	size_t i = (size_t)((k0 ^ k1 * 0x9e3779b97f4a7c15ull) * 0xff51afd7ed558ccdull >> 40) &
		   (STACK_SLOTS - 1);
	while (table[i].key[0] && (table[i].key[0] != k0 || table[i].key[1] != k1))
		i = (i + 1) & (STACK_SLOTS - 1);
	if (table[i].key[0])
		return &table[i];
	if (!add || *count + 1 >= STACK_SLOTS / 2)
		return NULL;
	(*count)++;
	table[i] = (struct slot){ .key = { k0, k1 } };
	return &table[i];
}

/* The name of the space whose stack page is frame; 0 when unknown. */
static uint64_t frame_name(uint64_t frame)
{
	struct slot *x = slot_find(prof.frame_space, &prof.frame_space_count, frame, 0, false);
	return x ? x->value : 0;
}

/* A user stack write (push or call) went to vaddr. The first one in a
 * segment names it: the space its physical page belongs to, or, for a page
 * in none, a new space with a new name. Each space remembers
 * which physical page each of its stack pages is. A write that lands in
 * another physical page than the space's for that virtual page saw the
 * page copied on write under it (after fork the first writer gets the
 * copy): the copy is the space's now, and the page left behind belongs to
 * the other process, in no space until it names one. A page written is
 * the writer's (a page two processes can write is not copy-on-write), so
 * the write also takes it from any space that had it. */
static void on_stack_write(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr,
			   void *udata)
{
	(void)vcpu;
	(void)udata;
	/* QEMU 7.2 leaves an instruction's memory callbacks armed when its
	 * access faults, and calls them for the next access, the fault
	 * handler's first push on the kernel stack: not this one's */
	if (vaddr >= USER_ADDR_LIMIT)
		return;
	struct qemu_plugin_hwaddr *hw = qemu_plugin_get_hwaddr(info, vaddr);
	if (!hw || qemu_plugin_hwaddr_is_io(hw))
		return;
	uint64_t page = vaddr >> PAGE_SHIFT;
	uint64_t frame = qemu_plugin_hwaddr_phys_addr(hw) >> PAGE_SHIFT;
	if (!prof.segment_named) {
		uint64_t name = frame_name(frame);
		prof.segment_name = name ? name : ++prof.names_given;
		prof.segment_named = true;
		waiting_name(true);
	}
	struct slot *mine = slot_find(prof.space_page, &prof.space_page_count, prof.segment_name,
				      page, true);
	if (!mine || mine->value == frame)
		return; /* full (pages stay as first seen), or nothing new */
	if (mine->value && frame_name(mine->value) == prof.segment_name)
		slot_find(prof.frame_space, &prof.frame_space_count, mine->value, 0, false)->value = 0;
	mine->value = frame;
	struct slot *owner = slot_find(prof.frame_space, &prof.frame_space_count, frame, 0, true);
	if (owner)
		owner->value = prof.segment_name;
}

/* Execution of a marker. */
static void on_marker(unsigned int vcpu, void *udata)
{
	uint32_t mark = (uint32_t)(uintptr_t)udata;
	(void)vcpu;
	if (!prof.out)
		return;
	if (prof.model)
		model_settle();   /* the last instruction's cycles, while the sample still runs */
	if (mark != PROFILE_MARK_DISCARD && mark != PROFILE_MARK_SAMPLE_BEGIN)
		waiting_name(false); /* a measurement's end: the sample goes out first */
	switch (mark) {
	case PROFILE_MARK_CAL_START:
		fprintf(prof.out, "GROUP %zu\n", prof.groups++);
		prof.group_open = true;
		prof.calibrating = true;
		prof.calibration_least = UINT64_MAX;
		prof.calibration_cycles_least = UINT64_MAX;
		break;
	case PROFILE_MARK_CAL_STOP:
		fprintf(prof.out, "CALIBRATION %llu\n", (unsigned long long)prof.calibration_least);
		if (prof.model)
			fprintf(prof.out, "CALIBRATION_CYCLES %llu\n",
				(unsigned long long)prof.calibration_cycles_least);
		prof.calibrating = false;
		break;
	case PROFILE_MARK_SAMPLE_BEGIN:
		prof.sample_total = 0;
		prof.sample_cycles_start = cm_cycles(&prof.cm);
		prof.pending_count = 0; /* a stop remembered earlier belongs to no sample of ours */
		prof.in_sample = true;
		break;
	case PROFILE_MARK_SAMPLE_END:
		prof.in_sample = false;
		if (prof.calibrating && cm_cycles(&prof.cm) - prof.sample_cycles_start <
					prof.calibration_cycles_least)
			prof.calibration_cycles_least = cm_cycles(&prof.cm) - prof.sample_cycles_start;
		if (prof.calibrating && prof.sample_total < prof.calibration_least)
			prof.calibration_least = prof.sample_total;
		else if (!prof.calibrating && prof.group_open)
			sample_end();
		break;
	case PROFILE_MARK_DISCARD:
		if (prof.waiting)
			prof.waiting->discard = true;
		else
			fputs("D\n", prof.out);
		break;
	}
}

/*
 * The guest physical address of an instruction at va whose host address is
 * ha (the plugin API gives no physical address for code, and the host's
 * address of guest RAM changes from run to run): kernel text is at
 * va - KERNEL_TEXT_MAP in both kernels (machlab's kernel.ld, Linux's
 * __START_KERNEL_map with its text loaded where linked: not its modules,
 * above KERNEL_TEXT_SPAN); the first kernel
 * instruction translated gives the host's offset of guest RAM (one block in
 * this machine), which then maps any other code; before that (the BIOS, the
 * boot stub, identity-mapped) va itself.
 */
static uint64_t model_fetch_pa(uint64_t va, uint64_t ha)
{
	if (va >= KERNEL_TEXT_MAP && va - KERNEL_TEXT_MAP < KERNEL_TEXT_SPAN) {
		if (!prof.host_offset_known) {
			prof.host_offset = ha - (va - KERNEL_TEXT_MAP);
			prof.host_offset_known = true;
		}
		return va - KERNEL_TEXT_MAP;
	}
	return prof.host_offset_known ? ha - prof.host_offset : va;
}

/* What the cost model charges insn for (model on): its kind, and for a rep
 * string instruction its element size (after prefixes: f3 or f2, 66, one
 * REX; a4/a5 movs, aa/ab stos, ac/ad lods, a6/a7 cmps, ae/af scas). */
static void model_classify(const struct qemu_plugin_insn *insn, struct counter *c)
{
	const unsigned char *b = qemu_plugin_insn_data(insn);
	size_t n = qemu_plugin_insn_size(insn), i = 0;
	bool rep = false, opsize16 = false, rexw = false;

	c->fetch_pa = model_fetch_pa(c->vaddr, (uint64_t)(uintptr_t)qemu_plugin_insn_haddr(insn));
	c->kind = MODEL_PLAIN;
	for (; i < n && (b[i] == 0xf3 || b[i] == 0xf2 || b[i] == 0x66); i++) {
		rep = rep || b[i] != 0x66;
		opsize16 = opsize16 || b[i] == 0x66;
	}
	if (i < n && (b[i] & 0xf0) == 0x40)
		rexw = (b[i++] & 0x08) != 0;
	if (i >= n)
		return;
	if (rep && b[i] >= 0xa4 && b[i] <= 0xaf && b[i] != 0xa8 && b[i] != 0xa9) {
		c->kind = MODEL_REP;
		c->rep_bytes = !(b[i] & 1) ? 1 : rexw ? 8 : opsize16 ? 2 : 4;
	} else if (i + 1 < n && b[i] == 0x0f && b[i + 1] == 0x05) {
		c->kind = MODEL_SYSCALL;
	} else if (i + 1 < n && b[i] == 0x0f && b[i + 1] == 0x07) {
		c->kind = MODEL_SYSRET;
	} else if (b[i] == 0xcf) {
		c->kind = MODEL_IRET;
	} else if (is_cr3_write(insn)) {
		c->kind = MODEL_CR3;            /* (flushes too: the TLBs go either way) */
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
		if (prof.model) {
			model_classify(insn, c);
			c->exception_entry = is_fault_entry(vaddr);
			qemu_plugin_register_vcpu_mem_cb(insn, on_model_access, QEMU_PLUGIN_CB_NO_REGS,
							 QEMU_PLUGIN_MEM_RW, NULL);
		}
		qemu_plugin_register_vcpu_insn_exec_cb(insn, on_insn, QEMU_PLUGIN_CB_NO_REGS, c);
		/* after on_insn: QEMU calls them in this order */
		if (is_iretq(insn))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_iret, QEMU_PLUGIN_CB_NO_REGS,
							       NULL);
		else if (prof.addrs_off)
			continue;     /* (address spaces name nothing then) */
		else if (is_cr3_write(insn) && !is_tlb_flush(vaddr))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_cr3_write,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
		else if (vaddr < USER_ADDR_LIMIT && is_stack_write(insn))
			qemu_plugin_register_vcpu_mem_cb(insn, on_stack_write, QEMU_PLUGIN_CB_NO_REGS,
							 QEMU_PLUGIN_MEM_W, NULL);
	}
}

/* At QEMU's exit: the end line (a file without it was cut short). */
static void on_exit_cb(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	if (!prof.out)
		return;
	waiting_name(false);
	fprintf(prof.out, prof.failed ? "FAILED out of memory\n" : "END\n");
	fclose(prof.out);
	prof.out = NULL;
}

/* cm.NAME=VALUE: a cost model parameter (a bad one fails the plugin's start). */
static void model_param(const char *arg)
{
	char name[64];
	const char *eq = strchr(arg, '=');
	char *end;
	unsigned long long value;

	if (!prof.model_params_set) {
		cm_params_default(&prof.model_params);
		prof.model_params_set = true;
	}
	if (!eq || (size_t)(eq - arg) >= sizeof name) {
		prof.model_bad = true;
		return;
	}
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	value = strtoull(eq + 1, &end, 0);
	if (*end || end == eq + 1 || !cm_params_set(&prof.model_params, name, value))
		prof.model_bad = true;
}

/* Entry point: reads out=PATH, fault=HEX..., flush=HEX-HEX..., model=on, addrs=off and
 * cm.NAME=VALUE...,
 * opens the output and registers the callbacks. */
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
		else if (strcmp(argv[i], MODEL_ARG) == 0)
			prof.model = true;
		else if (strcmp(argv[i], ADDRS_OFF_ARG) == 0)
			prof.addrs_off = true;
		else if (strncmp(argv[i], MODEL_PARAM_PREFIX, strlen(MODEL_PARAM_PREFIX)) == 0)
			model_param(argv[i] + strlen(MODEL_PARAM_PREFIX));
		else if (strncmp(argv[i], FLUSH_ARG_PREFIX, strlen(FLUSH_ARG_PREFIX)) == 0 &&
			 prof.flush_count < FLUSHES_MAX) {
			char *end;
			struct flush_range *r = &prof.flushes[prof.flush_count++];
			r->start = strtoull(argv[i] + strlen(FLUSH_ARG_PREFIX), &end, 16);
			r->end = *end == '-' ? strtoull(end + 1, NULL, 16) : r->start;
		}
	if (!path) {
		qemu_plugin_outs("machlab profile plugin: give out=PATH\n");
		return -1;
	}
	if (prof.model_bad) {
		qemu_plugin_outs("machlab profile plugin: a cm.NAME=VALUE names no parameter of "
				 "the cost model or gives it a value it cannot take\n");
		return -1;
	}
	if (!prof.model_params_set)
		cm_params_default(&prof.model_params);
	if (prof.model && !cm_init(&prof.cm, &prof.model_params)) {
		qemu_plugin_outs("machlab profile plugin: the cost model: out of memory\n");
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

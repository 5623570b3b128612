/*
 * test_emulation.c — system-call redirection (include/mach/emulation.h): a
 * foreign system call goes to the task's emulation vector with every
 * register of the caller, and comes back with the handler's result and
 * every other register as it was (rcx and r11 as a `syscall` leaves them);
 * the vector is set through a task port, checked, cleared and inherited by
 * a blueprint child; a frame that cannot be written ends only its task.
 * And each thread's own FS base (thread-local storage, which the C
 * runtimes set at start-up with arch_prctl), kept across switches.
 */
#include "guest.h"
#include "emul.h"
#include "ipc_util.h"

#define EMUL_PROBE_CALL  39         /* answered with 39 * 1000 + its first argument */
#define EMUL_NESTED_CALL 500        /* the handler makes a foreign call of its own for it */
#define EMUL_INNER_CALL  7          /* that call; any other number n is answered n * 1000 */
#define EMUL_SET_RBX     41         /* the handler also changes the frame's rbx */
#define EMUL_NEW_RBX     0x1234
#define EMUL_PROBE_WORDS 16

/* Slots of emul_probe's output. */
enum { P_RAX, P_RDI, P_RSI, P_RDX, P_R10, P_R8, P_R9, P_RBX, P_RBP, P_R12, P_R13, P_R14,
       P_R15, P_RCX, P_R11, P_RETURN };

/* What each register holds at the probe's `syscall` (rax: the call number). */
static const uint64_t probe_in[] = {
	[P_RDI] = 0x1111, [P_RSI] = 0x2222, [P_RDX] = 0x3333, [P_R10] = 0x4444,
	[P_R8] = 0x5555, [P_R9] = 0x6666, [P_RBX] = 0x7777, [P_RBP] = 0x8888,
	[P_R12] = 0x9999, [P_R13] = 0xAAAA, [P_R14] = 0xBBBB, [P_R15] = 0xCCCC,
};

/*
 * uint64_t emul_probe(uint64_t out[EMUL_PROBE_WORDS], uint64_t nr): set every
 * register to probe_in's value, make foreign system call nr, store every
 * register after it (and the address of the instruction after the
 * `syscall`, P_RETURN) in out, and return rax.
 */
uint64_t emul_probe(uint64_t *out, uint64_t nr);
__asm__(
	"	.text\n"
	"	.globl emul_probe\n"
	"emul_probe:\n"
	"	pushq %rbx\n	pushq %rbp\n	pushq %r12\n	pushq %r13\n"
	"	pushq %r14\n	pushq %r15\n	pushq %rdi\n"
	"	movq %rsi, %rax\n"
	"	movq $0x1111, %rdi\n	movq $0x2222, %rsi\n	movq $0x3333, %rdx\n"
	"	movq $0x4444, %r10\n	movq $0x5555, %r8\n	movq $0x6666, %r9\n"
	"	movq $0x7777, %rbx\n	movq $0x8888, %rbp\n	movq $0x9999, %r12\n"
	"	movq $0xAAAA, %r13\n	movq $0xBBBB, %r14\n	movq $0xCCCC, %r15\n"
	"	syscall\n"
	"1:	pushq %rax\n"
	"	movq 8(%rsp), %rax\n"                 /* out */
	"	popq 0(%rax)\n"
	"	movq %rdi, 8(%rax)\n	movq %rsi, 16(%rax)\n	movq %rdx, 24(%rax)\n"
	"	movq %r10, 32(%rax)\n	movq %r8, 40(%rax)\n	movq %r9, 48(%rax)\n"
	"	movq %rbx, 56(%rax)\n	movq %rbp, 64(%rax)\n	movq %r12, 72(%rax)\n"
	"	movq %r13, 80(%rax)\n	movq %r14, 88(%rax)\n	movq %r15, 96(%rax)\n"
	"	movq %rcx, 104(%rax)\n	movq %r11, 112(%rax)\n"
	"	leaq 1b(%rip), %rdx\n	movq %rdx, 120(%rax)\n"
	"	movq 0(%rax), %rax\n"
	"	popq %rdi\n"
	"	popq %r15\n	popq %r14\n	popq %r13\n	popq %r12\n	popq %rbp\n	popq %rbx\n"
	"	ret\n");

static struct emul_frame emul_seen;      /* the last frame the handler got */
static unsigned emul_calls;

/* A foreign call made from C (the handler's nested one, the helpers'). */
static uint64_t emul_raw_call(uint64_t nr)
{
	uint64_t rax = nr;

	__asm__ volatile("syscall" : "+a"(rax) : : "rcx", "r11", "memory");
	return rax;
}

/* Answer a call as the numbers above say (the nested one: the inner call's answer + 1). */
static void emul_record(struct emul_frame *f)
{
	/* spoil the scratch registers: the way back must restore them from the frame */
	__asm__ volatile("movq $-1, %%rsi\n\tmovq $-1, %%rdx\n\tmovq $-1, %%r8\n\t"
			 "movq $-1, %%r9\n\tmovq $-1, %%r10"
			 : : : "rsi", "rdx", "r8", "r9", "r10");
	emul_seen = *f;
	emul_calls++;
	if (f->rax == EMUL_SET_RBX)
		f->rbx = EMUL_NEW_RBX;
	if (f->rax == EMUL_NESTED_CALL)
		f->rax = emul_raw_call(EMUL_INNER_CALL) + 1;
	else
		f->rax = f->rax * 1000 + (f->rax == EMUL_PROBE_CALL ? f->rdi : 0);
}

void test_emulation_vector_redirects_foreign_system_calls(void)
{
	uint64_t out[EMUL_PROBE_WORDS];
	uint64_t rflags;

	emul_calls = 0;
	EXPECT_KR(KERN_SUCCESS, emul_install_self(emul_record));
	EXPECT_EQ(EMUL_PROBE_CALL * 1000 + 0x1111, emul_probe(out, EMUL_PROBE_CALL));
	EXPECT_EQ(1, emul_calls);
	for (int r = P_RDI; r <= P_R15; r++)
		if (out[r] != probe_in[r])
			guest_fail(__FILE__, __LINE__, "register slot %d: expected 0x%lx got 0x%lx",
				   r, probe_in[r], out[r]);
	EXPECT_EQ(out[P_RETURN], out[P_RCX]);         /* as after a syscall: rip ... */
	__asm__ volatile("pushfq; popq %0" : "=r"(rflags));
	EXPECT_EQ(rflags & 0x200, out[P_R11] & 0x200);   /* ... and rflags (IF as ours) */
	EXPECT_EQ(2, out[P_R11] & 2);                 /* (bit 1 always reads 1) */
	/* the handler saw the caller's registers, and where to go back */
	EXPECT_EQ(EMUL_PROBE_CALL, emul_seen.rax);
	EXPECT_EQ(0x1111, emul_seen.rdi);
	EXPECT_EQ(0x6666, emul_seen.r9);
	EXPECT_EQ(0x7777, emul_seen.rbx);
	EXPECT_EQ(0xCCCC, emul_seen.r15);
	EXPECT_EQ(out[P_RETURN], emul_seen.rip);
	EXPECT_EQ(0, emul_seen.rsp % 8);
	/* the frame was below the caller's red zone */
	EXPECT((uint64_t)&out[0] < emul_seen.rsp + 4096);
	/* a handler may make foreign calls itself: each gets its own frame */
	EXPECT_EQ(EMUL_INNER_CALL * 1000 + 1, emul_probe(out, EMUL_NESTED_CALL));
	EXPECT_EQ(3, emul_calls);
	EXPECT_EQ(0x9999, out[P_R12]);
	/* what the handler writes in the frame is what the program gets */
	EXPECT_EQ(EMUL_SET_RBX * 1000, emul_probe(out, EMUL_SET_RBX));
	EXPECT_EQ(EMUL_NEW_RBX, out[P_RBX]);
	EXPECT_EQ(0x8888, out[P_RBP]);
	EXPECT_KR(KERN_SUCCESS, emul_install_self(NULL));
}

void test_emulation_vector_refuses_bad_arguments(void)
{
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_task_set_emulation(MACH_PORT_TASK_SELF,
							      0xFFFF800000100000UL));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_task_set_emulation(MACH_PORT_TASK_SELF,
							      0x800000000000UL));
	EXPECT(mk_task_set_emulation(999, (vm_address_t)emul_entry) != KERN_SUCCESS);
	EXPECT(mk_task_set_emulation(MACH_PORT_BOOTSTRAP, (vm_address_t)emul_entry) !=
	       KERN_SUCCESS);
	EXPECT_KR(KERN_SUCCESS, mk_task_set_emulation(MACH_PORT_TASK_SELF, 0));
}

/* Helpers: a vector set then cleared (the call ends the task); one whose stack is unusable. */
int helper_emul_cleared(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (emul_install_self(emul_record) != KERN_SUCCESS || emul_install_self(NULL) != KERN_SUCCESS)
		return 1;
	emul_raw_call(39);
	return 2;
}

int helper_emul_bad_stack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (emul_install_self(emul_record) != KERN_SUCCESS)
		return 1;
	__asm__ volatile("movq $0x10000, %%rsp\n\tmovq $39, %%rax\n\tsyscall" : : : "memory");
	return 2;
}

void test_emulation_vector_cleared_or_without_room_ends_only_its_task(void)
{
	struct task_status st = guest_run_helper("emul_cleared", NULL);

	EXPECT_EQ(TASK_END_BAD_TRAP, st.how);
	EXPECT_EQ(39, st.code);
	st = guest_run_helper("emul_bad_stack", NULL);
	EXPECT_EQ(TASK_END_FAULTED, st.how);
	EXPECT_EQ(14, st.code);
	EXPECT(st.fault_addr < 0x10000);
}

#define EMUL_CHILD_STACK_BYTES (16 * 1024)

/* The blueprint child's thread: its foreign call must reach the inherited vector. */
static void emul_child(void *arg)
{
	(void)arg;
	mk_task_exit(emul_raw_call(42) == 42 * 1000 ? 0 : 3);
}

void test_emulation_vector_is_inherited_by_a_blueprint_child(void)
{
	vm_address_t stack = 0;
	mach_port_name_t child, thread;
	struct task_status st;

	EXPECT_KR(KERN_SUCCESS, mk_vm_allocate(MACH_PORT_TASK_SELF, &stack,
					       EMUL_CHILD_STACK_BYTES, VM_ALLOC_ANYWHERE));
	EXPECT_KR(KERN_SUCCESS, emul_install_self(emul_record));
	EXPECT_KR(KERN_SUCCESS, mk_task_create(MACH_PORT_TASK_SELF, 1, &child));
	EXPECT_KR(KERN_SUCCESS, emul_install_self(NULL));     /* ours goes; the child's stays */
	EXPECT_KR(KERN_SUCCESS, mk_thread_create(child, emul_child,
						 (void *)(stack + EMUL_CHILD_STACK_BYTES), NULL,
						 &thread));
	EXPECT_KR(KERN_SUCCESS, mk_task_wait(child, &st, GUEST_TEST_TIMEOUT_MS));
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(0, st.code);
	mk_port_deallocate(MACH_PORT_TASK_SELF, thread);
	mk_port_deallocate(MACH_PORT_TASK_SELF, child);
	mk_vm_deallocate(MACH_PORT_TASK_SELF, stack, EMUL_CHILD_STACK_BYTES);
}

/* ---- thread-local storage: a thread's FS base (mk_thread_set_tls) ---- */

#define TLS_ROUNDS 20

struct tls_peer {
	uint64_t words[2];            /* its TLS block */
	volatile int ready, stop, bad;
};

static uint64_t tls_word0(void)
{
	uint64_t v;

	__asm__ volatile("movq %%fs:0, %0" : "=r"(v));
	return v;
}

/* The other thread: its own FS base, checked after every switch until told to stop. */
static void tls_peer_run(void *arg)
{
	struct tls_peer *p = arg;
	mach_port_name_t me;

	if (mk_thread_self(&me) != KERN_SUCCESS ||
	    mk_thread_set_tls(me, (vm_address_t)p->words) != KERN_SUCCESS)
		p->bad = 1;
	p->ready = 1;
	while (!p->stop) {
		if (tls_word0() != p->words[0])
			p->bad = 1;
		mk_thread_yield();
	}
	p->ready = 2;
}

void test_thread_tls_base_is_each_threads_own(void)
{
	static struct tls_peer peer = { .words = { 0xBEEF0002, 0 } };
	static uint64_t mine[2] = { 0xBEEF0001, 0xBEEF0011 };
	mach_port_name_t me;

	EXPECT_KR(KERN_SUCCESS, mk_thread_self(&me));
	EXPECT_KR(KERN_SUCCESS, mk_thread_set_tls(me, (vm_address_t)mine));
	EXPECT_EQ(0xBEEF0001, tls_word0());
	ipc_thread_start(tls_peer_run, &peer);
	for (int i = 0; i < TLS_ROUNDS || !peer.ready; i++) {
		mk_thread_yield();
		EXPECT_EQ(0xBEEF0001, tls_word0());       /* ours again after each switch */
	}
	peer.stop = 1;
	while (peer.ready != 2)
		mk_thread_yield();
	EXPECT_EQ(0, peer.bad);
	/* only user addresses: loading the base must never fault in the kernel */
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_thread_set_tls(me, 0xFFFF800000100000UL));
	EXPECT_KR(KERN_INVALID_ADDRESS, mk_thread_set_tls(me, 0x8000000000000000UL));
	EXPECT(mk_thread_set_tls(999, (vm_address_t)mine) != KERN_SUCCESS);
	EXPECT(mk_thread_set_tls(MACH_PORT_TASK_SELF, (vm_address_t)mine) != KERN_SUCCESS);
	EXPECT_KR(KERN_SUCCESS, mk_thread_set_tls(me, 0));
	mk_port_deallocate(MACH_PORT_TASK_SELF, me);
}

/* ---- fork, as the emulation library does it (emul_fork) ---- */

#define LINUX_FORK        57
#define FORK_CHILD_EXIT   42
#define FORK_TLS_WORD     0xF0F0CAFEUL

static volatile int fork_marker = 1;
static uint64_t fork_tls[2] = { FORK_TLS_WORD, 0 };

/* Answer fork with emul_fork (the child's task port name is the "pid"); nothing else. */
static void fork_handler(struct emul_frame *f)
{
	mach_port_name_t child;

	if (f->rax != LINUX_FORK) {
		f->rax = (uint64_t)-EMUL_ENOSYS;
		return;
	}
	f->rax = emul_fork(f, (uint64_t)fork_tls, &child) == KERN_SUCCESS ? child :
		 (uint64_t)-EMUL_ENOSYS;
}

/*
 * The child returns 0 from the call on its copy of the caller's stack, with
 * the TLS base it was given, writes its copy of a variable and exits; the
 * parent gets the child's name, sees its own copy unchanged, and the exit
 * status.
 */
void test_emulated_fork_gives_a_copy_on_write_child_that_returns_zero(void)
{
	struct task_status st;
	uint64_t pid;

	EXPECT_KR(KERN_SUCCESS, emul_install_self(fork_handler));
	pid = emul_raw_call(LINUX_FORK);
	if (pid == 0) {                                  /* the child */
		fork_marker = 2;
		mk_task_exit(fork_marker == 2 && tls_word0() == FORK_TLS_WORD ? FORK_CHILD_EXIT : 1);
	}
	EXPECT((int64_t)pid > 0);
	EXPECT_KR(KERN_SUCCESS, mk_task_wait((mach_port_name_t)pid, &st, GUEST_TEST_TIMEOUT_MS));
	EXPECT_EQ(TASK_END_EXITED, st.how);
	EXPECT_EQ(FORK_CHILD_EXIT, st.code);
	EXPECT_EQ(1, fork_marker);                       /* the child's write stayed its own */
	mk_port_deallocate(MACH_PORT_TASK_SELF, (mach_port_name_t)pid);
	EXPECT_KR(KERN_SUCCESS, emul_install_self(NULL));
}

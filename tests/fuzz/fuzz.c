/*
 * fuzz.c — the fuzzer's driver: the PRNG, coverage sets, a child's batch
 * (pick an operation class, run it, report) and the campaign the parent
 * runs (spawn a child per batch, watch it, check the kernel after it).
 */
#include "fuzz.h"

#define FUZZ_REPORT_ID     7700
#define FUZZ_PARENT_COVER  65536    /* distinct keys the parent keeps */
#define FUZZ_SPAWN_ARGS    256

/* A child's report: words ops, skipped, violations, keys; then the keys. */
struct fuzz_report_msg {
	struct mach_msg_header header;
	struct mach_msg_type t0;
	uint64_t words[4];
	struct mach_msg_type t1;
	uint32_t keys[FUZZ_COVER_SLOTS];
};

uint64_t fuzz_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

uint64_t fuzz_below(struct fuzz_child *c, uint64_t n)
{
	return n ? fuzz_rand(&c->rng) % n : 0;
}

/* splitmix64 of (seed, batch): never 0, so xorshift cannot stick. */
uint64_t fuzz_batch_seed(uint64_t seed, uint64_t batch)
{
	uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (batch + 1);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	z ^= z >> 31;
	return z ? z : 1;
}

void fuzz_cover_add(struct fuzz_cover *cv, uint32_t key)
{
	uint32_t i = (key * 2654435761u) & (cv->capacity - 1);

	if (!key || cv->count * 2 >= cv->capacity)
		return;
	while (cv->slots[i] && cv->slots[i] != key)
		i = (i + 1) & (cv->capacity - 1);
	if (!cv->slots[i]) {
		cv->slots[i] = key;
		cv->count++;
	}
}

/* An outcome folded to 4 bits: success, and a hash of the error code. */
static uint32_t fuzz_outcome_bits(kern_return_t kr)
{
	uint32_t u = (uint32_t)kr;

	return kr == 0 ? 0 : 1 + ((u ^ (u >> 4) ^ (u >> 12) ^ (u >> 24)) % 15);
}

uint32_t fuzz_key(enum fuzz_class cls, uint32_t a, uint32_t b, kern_return_t outcome)
{
	return ((uint32_t)cls << 24) | ((a & 0xFF) << 16) | ((b & 0xFFF) << 4) |
	       fuzz_outcome_bits(outcome);
}

void fuzz_note(struct fuzz_child *c, enum fuzz_class cls, uint32_t a, uint32_t b,
	       kern_return_t outcome)
{
	c->ops++;
	fuzz_cover_add(&c->cover, fuzz_key(cls, a, b, outcome));
}

void fuzz_trace(struct fuzz_child *c, const char *fmt, ...)
{
	va_list ap;

	if (!(c->flags & FUZZ_TRACE))
		return;
	mk_printf("FUZZ trace batch %lu op %lu: ", (unsigned long)c->batch, (unsigned long)c->ops);
	va_start(ap, fmt);
	mk_vprintf(fmt, ap);
	va_end(ap);
	mk_printf("\n");
}

uint64_t fuzz_parse_u64(const char *s)
{
	uint64_t v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}

/* ---- the child ---------------------------------------------------------- */

/* One operation of a class picked by weight (pairs walk their table in order). */
static void fuzz_child_step(struct fuzz_child *c, uint64_t *pair_index)
{
	uint64_t r = fuzz_below(c, 100);

	if (r < 24)
		fuzz_op_pair(c, (*pair_index)++);
	else if (r < 30)
		fuzz_op_triple(c);
	else if (r < 48)
		fuzz_op_mutated(c);
	else if (r < 56)
		fuzz_op_ool(c);
	else if (r < 62)
		fuzz_op_queue(c);
	else if (r < 65)
		fuzz_op_pager(c);
	else if (r < 69)
		fuzz_op_thread(c);
	else if (r < 71)
		fuzz_op_task(c);
	else
		fuzz_op_trap(c);
}

/* Send the parent ops, skipped, violations and the coverage keys. */
static void fuzz_child_report(struct fuzz_child *c)
{
	static struct fuzz_report_msg m;
	uint32_t n = 0;

	for (uint32_t i = 0; i < c->cover.capacity && n < FUZZ_COVER_SLOTS; i++)
		if (c->cover.slots[i])
			m.keys[n++] = c->cover.slots[i];
	m.header = (struct mach_msg_header){
		.bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND, 0) | MACH_MSGH_BITS_COMPLEX,
		.size = (uint32_t)(sizeof(m.header) + sizeof(m.t0) + sizeof(m.words) + sizeof(m.t1) +
				   ((n * 4 + 7) & ~7u)),
		.remote_port = c->report, .id = FUZZ_REPORT_ID };
	m.t0 = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_INLINE, .elem_size = 8, .count = 4 };
	m.words[0] = c->ops;
	m.words[1] = c->skipped;
	m.words[2] = c->violations;
	m.words[3] = n;
	m.t1 = (struct mach_msg_type){ .kind = MACH_MSG_TYPE_INLINE, .elem_size = 4, .count = n };
	mk_mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, m.header.size, 0, 0, 1000);
}

/* "--fuzz-child SEED BATCH OPS FLAGS": one batch, then the report. */
static int fuzz_child_main(int argc, char **argv)
{
	static uint32_t slots[FUZZ_COVER_SLOTS * 2];
	struct fuzz_child c = { .cover = { slots, FUZZ_COVER_SLOTS * 2, 0 } };
	uint64_t target, pair_index;
	mach_port_type_t type = 0;

	if (argc < 6)
		return 64;
	c.batch = fuzz_parse_u64(argv[3]);
	c.rng = fuzz_batch_seed(fuzz_parse_u64(argv[2]), c.batch);
	target = fuzz_parse_u64(argv[4]);
	c.flags = (uint32_t)fuzz_parse_u64(argv[5]);
	c.argv0 = argv[0];
	c.report = FUZZ_REPORT_NAME;
	for (int i = 0; i < 1000 && mk_port_type(MACH_PORT_TASK_SELF, c.report, &type); i++)
		mk_thread_sleep(1);                        /* the parent inserts it after spawning */
	if (!(type & MACH_PORT_TYPE_SEND) || mk_thread_self(&c.main_thread) ||
	    mk_boot_module(0, (vm_address_t *)&c.image, &c.image_size))
		return 65;
	pair_index = c.batch * 397;                        /* batches start at different pairs */
	while (c.ops < target)
		fuzz_child_step(&c, &pair_index);
	fuzz_child_report(&c);
	return 0;
}

/* "--fuzz-idle N": a target task that sleeps N ms in 1 ms steps, then ends. */
static int fuzz_idle_main(int argc, char **argv)
{
	uint64_t n = argc > 2 ? fuzz_parse_u64(argv[2]) : 10;

	for (uint64_t i = 0; i < n; i++)
		mk_thread_sleep(1);
	return 0;
}

bool fuzz_main_dispatch(int argc, char **argv, int *exit_code)
{
	if (argc >= 2 && strcmp(argv[1], "--fuzz-child") == 0) {
		*exit_code = fuzz_child_main(argc, argv);
		return true;
	}
	if (argc >= 2 && strcmp(argv[1], "--fuzz-idle") == 0) {
		*exit_code = fuzz_idle_main(argc, argv);
		return true;
	}
	return false;
}

/* ---- the parent --------------------------------------------------------- */

struct fuzz_baseline {
	uint64_t ports, tasks, threads, free_pages;
};

static void fuzz_baseline_read(struct fuzz_baseline *b)
{
	b->ports = mk_kernel_stat(KSTAT_PORTS);
	b->tasks = mk_kernel_stat(KSTAT_TASKS);
	b->threads = mk_kernel_stat(KSTAT_THREADS);
	b->free_pages = mk_kernel_stat(KSTAT_FREE_PAGES);
}

/* Are the counts back (pages within FUZZ_PAGE_SLACK, after the first batch)? Waits up to FUZZ_SETTLE_MS. */
static bool fuzz_baseline_back(const struct fuzz_baseline *want, struct fuzz_baseline *got,
			       bool first_batch)
{
	for (int ms = 0;; ms += 5) {
		fuzz_baseline_read(got);
		if (got->ports == want->ports && got->tasks == want->tasks &&
		    got->threads == want->threads &&
		    (first_batch || got->free_pages + FUZZ_PAGE_SLACK >= want->free_pages))
			return true;
		if (ms >= FUZZ_SETTLE_MS)
			return false;
		mk_thread_sleep(5);
	}
}

/* Spawn the child for batch b without the host right and give it the report right. */
static kern_return_t fuzz_spawn_child(const struct fuzz_config *cfg, uint64_t b, uint64_t ops,
				      mach_port_name_t report, mach_port_name_t *task)
{
	char args[FUZZ_SPAWN_ARGS];
	static vm_address_t image;          /* boot_module maps the image anew each call */
	static size_t size;
	int n = snprintf(args, sizeof(args), "%s%c--fuzz-child%c%lu%c%lu%c%lu%c%u", cfg->argv0, 0, 0,
			 (unsigned long)cfg->seed, 0, (unsigned long)b, 0, (unsigned long)ops, 0,
			 cfg->flags);
	kern_return_t kr = image ? KERN_SUCCESS : mk_boot_module(0, &image, &size);

	if (kr == KERN_SUCCESS)
		kr = mk_task_spawn_flags((const void *)image, size, args, (size_t)n + 1, task, 0);
	if (kr == KERN_SUCCESS)
		kr = mk_port_insert_right(*task, FUZZ_REPORT_NAME, report, MACH_MSG_TYPE_MAKE_SEND);
	return kr;
}

/* Walk the kernel; print the first inconsistency. */
static bool fuzz_kernel_consistent(const struct fuzz_config *cfg, uint64_t b, struct fuzz_result *res)
{
	struct kernel_check_info info;
	kern_return_t kr = mk_kernel_check(MACH_PORT_HOST_PRIV, &info);

	res->checks++;
	if (kr == KERN_SUCCESS)
		return true;
	mk_printf("FUZZ FAIL seed=%lu batch=%lu: kernel_check: %s: %u errors, first: %s\n",
		  (unsigned long)cfg->seed, (unsigned long)b, mk_strerror(kr), info.errors,
		  info.first_error);
	return false;
}

/* Fold a child's report into res; cover collects the keys. */
static void fuzz_take_report(struct fuzz_report_msg *m, struct fuzz_result *res, struct fuzz_cover *cover)
{
	uint64_t n = m->words[3] < FUZZ_COVER_SLOTS ? m->words[3] : FUZZ_COVER_SLOTS;

	res->ops += m->words[0];
	res->skipped += m->words[1];
	res->violations += m->words[2];
	for (uint64_t i = 0; i < n; i++)
		fuzz_cover_add(cover, m->keys[i]);
}

/*
 * Wait for the child's report, walking the kernel every FUZZ_CHECK_EVERY_MS
 * meanwhile (rights in transit, tasks dying); then for its end. Returns
 * whether the report came; *consistent is cleared by a failed walk.
 */
static bool fuzz_watch_child(const struct fuzz_config *cfg, uint64_t b, mach_port_name_t report,
			     mach_port_name_t task, struct fuzz_result *res, struct fuzz_cover *cover,
			     bool *consistent)
{
	static struct fuzz_report_msg m;
	struct task_status st;
	bool reported = false;

	for (uint64_t waited = 0; waited < FUZZ_BATCH_TIMEOUT_MS && !reported;
	     waited += FUZZ_CHECK_EVERY_MS) {
		mach_msg_return_t mr = mk_mach_msg(&m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
						   sizeof(m), report, FUZZ_CHECK_EVERY_MS);

		if (mr == MACH_MSG_SUCCESS && m.header.id == FUZZ_REPORT_ID) {
			fuzz_take_report(&m, res, cover);
			reported = true;
		} else if (mr == MACH_RCV_TIMED_OUT) {
			if (mk_task_wait(task, &st, 0) == KERN_SUCCESS && st.how != TASK_END_RUNNING)
				break;                  /* ended without a report */
			*consistent &= fuzz_kernel_consistent(cfg, b, res);
		}
	}
	if (mk_task_wait(task, &st, reported ? FUZZ_BATCH_TIMEOUT_MS : 0) != KERN_SUCCESS ||
	    st.how == TASK_END_RUNNING) {
		mk_printf("FUZZ FAIL seed=%lu batch=%lu: child did not finish in %d ms\n",
			  (unsigned long)cfg->seed, (unsigned long)b, FUZZ_BATCH_TIMEOUT_MS);
		res->hangs++;
		mk_task_terminate(task);
		mk_task_wait(task, &st, FUZZ_BATCH_TIMEOUT_MS);
		return reported;
	}
	if (!reported || st.how != TASK_END_EXITED || st.code != 0) {
		res->children_ended++;
		mk_printf("FUZZ note seed=%lu batch=%lu: child ended how=%u code=%d addr=0x%lx "
			  "without its report\n", (unsigned long)cfg->seed, (unsigned long)b, st.how,
			  st.code, (unsigned long)st.fault_addr);
	}
	return reported;
}

/* One batch: spawn, watch, reap, check counts and the kernel. 0 if all is well. */
static int fuzz_run_batch(const struct fuzz_config *cfg, uint64_t b, uint64_t ops,
			  const struct fuzz_baseline *base, mach_port_name_t report,
			  struct fuzz_result *res, struct fuzz_cover *cover)
{
	struct fuzz_baseline now;
	mach_port_name_t task;
	bool consistent = true;
	kern_return_t kr = fuzz_spawn_child(cfg, b, ops, report, &task);

	if (kr != KERN_SUCCESS) {
		mk_printf("FUZZ FAIL seed=%lu batch=%lu: spawning the child: %s\n",
			  (unsigned long)cfg->seed, (unsigned long)b, mk_strerror(kr));
		return 1;
	}
	fuzz_watch_child(cfg, b, report, task, res, cover, &consistent);
	mk_port_deallocate(MACH_PORT_TASK_SELF, task);
	res->batches++;
	if (!fuzz_baseline_back(base, &now, b == (cfg->only_batch >= 0 ? (uint64_t)cfg->only_batch : 0))) {
		res->leaks++;
		mk_printf("FUZZ FAIL seed=%lu batch=%lu: leak: ports %lu->%lu tasks %lu->%lu "
			  "threads %lu->%lu free pages %lu->%lu (slack %d)\n",
			  (unsigned long)cfg->seed, (unsigned long)b,
			  (unsigned long)base->ports, (unsigned long)now.ports,
			  (unsigned long)base->tasks, (unsigned long)now.tasks,
			  (unsigned long)base->threads, (unsigned long)now.threads,
			  (unsigned long)base->free_pages, (unsigned long)now.free_pages, FUZZ_PAGE_SLACK);
	}
	consistent &= fuzz_kernel_consistent(cfg, b, res);
	res->inconsistent += !consistent;
	return !consistent || res->leaks || res->hangs || res->violations;
}

/* Distinct keys of one class in the parent's set. */
static uint64_t fuzz_cover_count(const struct fuzz_cover *cv, uint32_t cls_lo, uint32_t cls_hi)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < cv->capacity; i++)
		n += cv->slots[i] && (cv->slots[i] >> 24) >= cls_lo && (cv->slots[i] >> 24) <= cls_hi;
	return n;
}

int fuzz_campaign(const struct fuzz_config *cfg, struct fuzz_result *res)
{
	static uint32_t slots[FUZZ_PARENT_COVER];
	struct fuzz_cover cover = { slots, FUZZ_PARENT_COVER, 0 };
	uint64_t batches = (cfg->ops + cfg->ops_per_batch - 1) / cfg->ops_per_batch;
	uint64_t first = cfg->only_batch >= 0 ? (uint64_t)cfg->only_batch : 0;
	/* a child that ends early (an operation ended it) does fewer: batches go on until
	 * cfg->ops are done, at most twice as many as planned */
	uint64_t last = cfg->only_batch >= 0 ? first + 1 : 2 * batches;
	struct fuzz_baseline base;
	mach_port_name_t report = fuzz_port();
	int failed = 0;

	*res = (struct fuzz_result){ 0 };
	if (!report || !fuzz_kernel_consistent(cfg, 0, res))
		return 1;
	fuzz_baseline_read(&base);
	for (uint64_t b = first; b < last && !failed && (cfg->only_batch >= 0 || res->ops < cfg->ops);
	     b++) {
		if (b == first + 1)            /* zones keep the pages the first batch grew them by */
			base.free_pages = mk_kernel_stat(KSTAT_FREE_PAGES);
		uint64_t ops = cfg->ops_per_batch;

		if (cfg->only_batch < 0 && cfg->ops - res->ops < ops)
			ops = cfg->ops - res->ops;
		failed = fuzz_run_batch(cfg, b, ops, &base, report, res, &cover);
		if (!cfg->quiet || failed)
			mk_printf("FUZZ batch %lu seed=%lu ops=%lu combos=%lu free_pages=%lu%s\n", (unsigned long)b,
				  (unsigned long)cfg->seed, (unsigned long)res->ops,
				  (unsigned long)cover.count,
				  (unsigned long)mk_kernel_stat(KSTAT_FREE_PAGES), failed ? " FAILED" : "");
	}
	res->combos = cover.count;
	res->pairs = fuzz_cover_count(&cover, FUZZ_C_PAIR, FUZZ_C_TRIPLE);
	res->traps = fuzz_cover_count(&cover, FUZZ_C_TRAP, FUZZ_C_TRAP);
	mk_port_destroy(MACH_PORT_TASK_SELF, report);
	return failed;
}

int fuzz_parse_args(int argc, char **argv, struct fuzz_config *cfg)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";

		if (strcmp(a, "--seed") == 0 && ++i)
			cfg->seed = fuzz_parse_u64(v);
		else if (strcmp(a, "--ops") == 0 && ++i)
			cfg->ops = fuzz_parse_u64(v);
		else if (strcmp(a, "--ops-per-batch") == 0 && ++i)
			cfg->ops_per_batch = fuzz_parse_u64(v);
		else if (strcmp(a, "--batch") == 0 && ++i)
			cfg->only_batch = (int64_t)fuzz_parse_u64(v);
		else if (strcmp(a, "--skip-known-bugs") == 0)
			cfg->flags |= FUZZ_SKIP_KNOWN_BUGS;
		else if (strcmp(a, "--skip-bug") == 0 && ++i && v[0] >= 'a' && v[0] <= 'c')
			cfg->flags |= FUZZ_SKIP_BUG_A << (v[0] - 'a');
		else if (strcmp(a, "--trace") == 0)
			cfg->flags |= FUZZ_TRACE;
		else if (strcmp(a, "--quiet") == 0)
			cfg->quiet = true;
		else
			return -1;
	}
	if (!cfg->ops_per_batch)
		cfg->ops_per_batch = FUZZ_OPS_PER_BATCH;
	return 0;
}

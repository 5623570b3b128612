/*
 * ledger.c — accounting of the kernel objects tasks cause to exist.
 *
 * Every task has a ledger. A task created by a holder of the host privilege
 * port gets a new one; any other task shares its creator's, so a task and
 * everything it creates (tasks, threads, ports, queued messages and kernel
 * notices, out-of-line data in transit, map entries, names, page tables) are bounded together
 * and a task cannot escape its limits by spawning helpers. An object
 * remembers the ledger it was charged to and credits it when it goes, so
 * a ledger lives while a task uses it (refs) or anything is charged to it.
 *
 * Two bounds apply to each charge: the per-ledger limit (LEDGER_*_MAX in
 * param.h) and a global one (LEDGER_GLOBAL_FACTOR ledgers' worth), of which
 * the last LEDGER_RESERVE_FACTOR ledgers' worth is kept for privileged
 * ledgers (the bootstrap task's, the test runner's tests, the default
 * pager): however many unprivileged ledgers fill up, a privileged task can
 * still spawn and run. A refused charge is an error to the caller
 * (KERN_RESOURCE_SHORTAGE, MACH_SEND_NO_BUFFER), never a wait.
 */
#include "kern/ledger.h"
#include "kern/kprintf.h"
#include "kern/lock.h"
#include "kern/zalloc.h"
#include "lib/string.h"
#include "param.h"

static const uint64_t ledger_limits[LEDGER_COUNT] = {
	[LEDGER_TASKS]         = LEDGER_TASKS_MAX,
	[LEDGER_THREADS]       = LEDGER_THREADS_MAX,
	[LEDGER_PORTS]         = LEDGER_PORTS_MAX,
	[LEDGER_MESSAGES]      = LEDGER_MESSAGES_MAX,
	[LEDGER_MESSAGE_BYTES] = LEDGER_MESSAGE_BYTES_MAX,
	[LEDGER_OOL_BYTES]     = LEDGER_OOL_BYTES_MAX,
	[LEDGER_MAP_ENTRIES]   = LEDGER_MAP_ENTRIES_MAX,
	[LEDGER_NAMES]         = LEDGER_NAMES_MAX,
	[LEDGER_PAGE_TABLES]   = LEDGER_PAGE_TABLES_MAX,
};

static struct zone ledger_zone;
static spinlock_t ledger_lock = SPINLOCK_INIT;   /* every ledger and the global counts (a leaf) */
static uint64_t ledger_global_held[LEDGER_COUNT];

void ledger_init(void)
{
	zone_init(&ledger_zone, "ledger", sizeof(struct ledger));
}

struct ledger *ledger_create(bool privileged)
{
	struct ledger *l = zalloc(&ledger_zone);

	if (!l)
		return NULL;
	memset(l, 0, sizeof(*l));
	l->refs = 1;
	l->privileged = privileged;
	return l;
}

void ledger_ref(struct ledger *l)
{
	uint64_t f = spin_lock(&ledger_lock);

	l->refs++;
	spin_unlock(&ledger_lock, f);
}

/* Nothing uses l and nothing is charged to it any more (ledger_lock held). */
static bool ledger_unused(const struct ledger *l)
{
	if (l->refs)
		return false;
	for (int k = 0; k < LEDGER_COUNT; k++)
		if (l->held[k])
			return false;
	return true;
}

void ledger_release(struct ledger *l)
{
	uint64_t f = spin_lock(&ledger_lock);
	bool gone;

	l->refs--;
	gone = ledger_unused(l);
	spin_unlock(&ledger_lock, f);
	if (gone)
		zfree(&ledger_zone, l);
}

/* May the global count of kind grow by amount for a ledger privileged or not? (ledger_lock held) */
static bool ledger_global_ok(int kind, uint64_t amount, bool privileged)
{
	uint64_t cap = ledger_limits[kind] * (LEDGER_GLOBAL_FACTOR -
					      (privileged ? 0 : LEDGER_RESERVE_FACTOR));

	return amount <= cap && ledger_global_held[kind] <= cap - amount;
}

/* May l hold amount more of kind? (ledger_lock held) */
static bool ledger_fits(const struct ledger *l, int kind, uint64_t amount)
{
	return amount <= ledger_limits[kind] && l->held[kind] <= ledger_limits[kind] - amount &&
	       ledger_global_ok(kind, amount, l->privileged);
}

static void ledger_add(struct ledger *l, int kind, uint64_t amount)
{
	ledger_global_held[kind] += amount;
	l->held[kind] += amount;
}

kern_return_t ledger_charge(struct ledger *l, int kind, uint64_t amount)
{
	uint64_t f;
	bool ok;

	if (!l)
		return KERN_SUCCESS;
	f = spin_lock(&ledger_lock);
	ok = ledger_fits(l, kind, amount);
	if (ok)
		ledger_add(l, kind, amount);
	else
		l->refused++;
	spin_unlock(&ledger_lock, f);
	return ok ? KERN_SUCCESS : KERN_RESOURCE_SHORTAGE;
}

/* Two charges at once, both or neither (one refusal counted): a message's
 * count and its bytes under one lock instead of two. kind1 != kind2. */
kern_return_t ledger_charge2(struct ledger *l, int kind1, uint64_t amount1, int kind2,
			     uint64_t amount2)
{
	uint64_t f;
	bool ok;

	if (!l)
		return KERN_SUCCESS;
	f = spin_lock(&ledger_lock);
	ok = ledger_fits(l, kind1, amount1) && ledger_fits(l, kind2, amount2);
	if (ok) {
		ledger_add(l, kind1, amount1);
		ledger_add(l, kind2, amount2);
	} else {
		l->refused++;
	}
	spin_unlock(&ledger_lock, f);
	return ok ? KERN_SUCCESS : KERN_RESOURCE_SHORTAGE;
}

/* Give back amount of kind (ledger_lock held). */
static void ledger_sub(struct ledger *l, int kind, uint64_t amount)
{
	assert(l->held[kind] >= amount && ledger_global_held[kind] >= amount);
	l->held[kind] -= amount;
	ledger_global_held[kind] -= amount;
}

void ledger_credit(struct ledger *l, int kind, uint64_t amount)
{
	uint64_t f;
	bool gone;

	if (!l || !amount)
		return;
	f = spin_lock(&ledger_lock);
	ledger_sub(l, kind, amount);
	gone = ledger_unused(l);
	spin_unlock(&ledger_lock, f);
	if (gone)
		zfree(&ledger_zone, l);
}

/* Two credits under one lock (either amount may be 0). */
void ledger_credit2(struct ledger *l, int kind1, uint64_t amount1, int kind2, uint64_t amount2)
{
	uint64_t f;
	bool gone;

	if (!l || (!amount1 && !amount2))
		return;
	f = spin_lock(&ledger_lock);
	ledger_sub(l, kind1, amount1);
	ledger_sub(l, kind2, amount2);
	gone = ledger_unused(l);
	spin_unlock(&ledger_lock, f);
	if (gone)
		zfree(&ledger_zone, l);
}

void ledger_info_get(struct ledger *l, struct ledger_info *out)
{
	uint64_t f = spin_lock(&ledger_lock);

	for (int k = 0; k < LEDGER_COUNT; k++) {
		out->held[k] = l->held[k];
		out->limit[k] = ledger_limits[k];
	}
	out->refused = l->refused;
	spin_unlock(&ledger_lock, f);
}

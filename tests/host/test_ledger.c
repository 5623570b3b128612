/*
 * test_ledger.c — ledgers (kernel/kern/ledger.c): a charge within the
 * ledger's limit succeeds and one past it is refused and counted; credits
 * give the room back; unprivileged ledgers together stop short of the
 * global limit, leaving a reserve only privileged ledgers reach; the NULL
 * ledger (the kernel's) is never refused.
 */
#include "unit.h"
#include "kern/ledger.h"
#include "param.h"

UNIT_TEST(ledger_refuses_the_charge_past_its_limit_and_counts_it)
{
	struct ledger *l;
	struct ledger_info info;

	ledger_init();
	l = ledger_create(false);
	CHECK(l != NULL);
	CHECK_EQ(KERN_SUCCESS, ledger_charge(l, LEDGER_THREADS, LEDGER_THREADS_MAX - 1));
	CHECK_EQ(KERN_SUCCESS, ledger_charge(l, LEDGER_THREADS, 1));
	CHECK_EQ(KERN_RESOURCE_SHORTAGE, ledger_charge(l, LEDGER_THREADS, 1));
	CHECK_EQ(KERN_RESOURCE_SHORTAGE, ledger_charge(l, LEDGER_THREADS, ~0UL));
	ledger_info_get(l, &info);
	CHECK_EQ(LEDGER_THREADS_MAX, info.held[LEDGER_THREADS]);
	CHECK_EQ(LEDGER_THREADS_MAX, info.limit[LEDGER_THREADS]);
	CHECK_EQ(2, info.refused);
	ledger_credit(l, LEDGER_THREADS, 1);
	CHECK_EQ(KERN_SUCCESS, ledger_charge(l, LEDGER_THREADS, 1));
	ledger_credit(l, LEDGER_THREADS, LEDGER_THREADS_MAX);
	ledger_info_get(l, &info);
	CHECK_EQ(0, info.held[LEDGER_THREADS]);
	ledger_release(l);
}

UNIT_TEST(ledger_global_reserve_is_left_for_privileged_ledgers)
{
	struct ledger *l[LEDGER_GLOBAL_FACTOR + 1];
	int unprivileged = LEDGER_GLOBAL_FACTOR - LEDGER_RESERVE_FACTOR;
	int i;

	ledger_init();
	for (i = 0; i <= LEDGER_GLOBAL_FACTOR; i++)
		l[i] = ledger_create(i >= unprivileged + 1);
	for (i = 0; i < unprivileged; i++)
		CHECK_EQ(KERN_SUCCESS, ledger_charge(l[i], LEDGER_TASKS, LEDGER_TASKS_MAX));
	/* one more unprivileged ledger, itself empty, finds the global pool used up */
	CHECK_EQ(KERN_RESOURCE_SHORTAGE, ledger_charge(l[unprivileged], LEDGER_TASKS, 1));
	/* privileged ledgers still get the reserve, and no more */
	for (i = unprivileged + 1; i < unprivileged + 1 + LEDGER_RESERVE_FACTOR; i++)
		CHECK_EQ(KERN_SUCCESS, ledger_charge(l[i], LEDGER_TASKS, LEDGER_TASKS_MAX));
	CHECK_EQ(KERN_RESOURCE_SHORTAGE, ledger_charge(l[LEDGER_GLOBAL_FACTOR], LEDGER_TASKS, 1));
	CHECK_EQ(KERN_SUCCESS, ledger_charge(NULL, LEDGER_TASKS, ~0UL));
	for (i = 0; i <= LEDGER_GLOBAL_FACTOR; i++) {
		struct ledger_info info;

		ledger_info_get(l[i], &info);
		ledger_credit(l[i], LEDGER_TASKS, info.held[LEDGER_TASKS]);
		ledger_release(l[i]);
	}
}

/* Two charges at once go in together or not at all (one refusal counted),
 * and the paired credit gives both back. */
UNIT_TEST(ledger_charge2_is_both_or_neither)
{
	struct ledger *l;
	struct ledger_info info;

	ledger_init();
	l = ledger_create(false);
	CHECK(l != NULL);
	CHECK_EQ(KERN_SUCCESS, ledger_charge(l, LEDGER_THREADS, LEDGER_THREADS_MAX));
	CHECK_EQ(KERN_RESOURCE_SHORTAGE, ledger_charge2(l, LEDGER_MESSAGES, 1, LEDGER_THREADS, 1));
	ledger_info_get(l, &info);
	CHECK_EQ(0, info.held[LEDGER_MESSAGES]);          /* the first kind was not kept */
	CHECK_EQ(1, info.refused);
	CHECK_EQ(KERN_SUCCESS, ledger_charge2(l, LEDGER_MESSAGES, 1, LEDGER_MESSAGE_BYTES, 64));
	ledger_info_get(l, &info);
	CHECK_EQ(1, info.held[LEDGER_MESSAGES]);
	CHECK_EQ(64, info.held[LEDGER_MESSAGE_BYTES]);
	ledger_credit2(l, LEDGER_MESSAGE_BYTES, 64, LEDGER_MESSAGES, 1);
	ledger_credit(l, LEDGER_THREADS, LEDGER_THREADS_MAX);
	ledger_info_get(l, &info);
	CHECK_EQ(0, info.held[LEDGER_MESSAGES]);
	CHECK_EQ(0, info.held[LEDGER_MESSAGE_BYTES]);
	ledger_release(l);
}

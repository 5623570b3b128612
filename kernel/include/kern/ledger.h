/*
 * ledger.h — what a group of tasks holds of each kernel resource (see
 * ledger.c and include/mach/types.h, LEDGER_*).
 */
#ifndef KERN_LEDGER_H
#define KERN_LEDGER_H

#include <stdbool.h>
#include <stdint.h>
#include <mach/kern_return.h>
#include <mach/types.h>

struct ledger {                    /* all fields under ledger.c's one lock */
	uint64_t refs;                 /* tasks using it (it also lives while anything is charged) */
	bool privileged;               /* may use the global reserve */
	uint64_t held[LEDGER_COUNT];
	uint64_t refused;
};

void ledger_init(void);
struct ledger *ledger_create(bool privileged);      /* one reference for the caller */
void ledger_ref(struct ledger *l);
void ledger_release(struct ledger *l);
/* Charge amount of kind to l (NULL: the kernel's, never refused); credit it back when it goes. */
kern_return_t ledger_charge(struct ledger *l, int kind, uint64_t amount);
kern_return_t ledger_charge2(struct ledger *l, int kind1, uint64_t amount1, int kind2,
			     uint64_t amount2);
void ledger_credit(struct ledger *l, int kind, uint64_t amount);
void ledger_credit2(struct ledger *l, int kind1, uint64_t amount1, int kind2, uint64_t amount2);
void ledger_info_get(struct ledger *l, struct ledger_info *out);

#endif

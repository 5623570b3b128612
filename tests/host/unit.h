/*
 * unit.h — the host unit-test framework, and the test-facing side of the
 * fakes (fakes.c) that stand in for the kernel's hardware-facing layers.
 *
 * A test is `UNIT_TEST(behaviour_it_proves) { ... }`; it registers itself
 * before main runs. A failed CHECK prints `FAIL <test>: file:line: expected
 * X got Y` and ends that test; unit_main.c runs the tests in registration
 * order and ends with the line `N passed, N failed`.
 */
#ifndef TESTS_HOST_UNIT_H
#define TESTS_HOST_UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mach/types.h>

typedef void (*unit_fn)(void);

void unit_register(const char *name, unit_fn fn);
void unit_fail_cond(const char *file, int line, const char *cond)
	__attribute__((noreturn));
void unit_check_eq(const char *file, int line, const char *expr, long long want,
		   long long got);
void unit_check_str(const char *file, int line, const char *expr, const char *want,
		    const char *got);

/* Define a test; the body follows as the function body. */
#define UNIT_TEST(name)                                               \
	static void name(void);                                       \
	__attribute__((constructor)) static void unit_reg_##name(void) \
	{                                                             \
		unit_register(#name, name);                           \
	}                                                             \
	static void name(void)

#define CHECK(cond) \
	((cond) ? (void)0 : unit_fail_cond(__FILE__, __LINE__, #cond))
/* Integers (and integer-valued expressions) compared as long long. */
#define CHECK_EQ(want, got) \
	unit_check_eq(__FILE__, __LINE__, #got, (long long)(want), (long long)(got))
/* NUL-terminated strings; NULL is allowed on either side. */
#define CHECK_STR(want, got) \
	unit_check_str(__FILE__, __LINE__, #got, (want), (got))

/* ---- fakes.c: page memory behind zalloc.c ---- */

size_t fake_pages_outstanding(void);   /* pages handed out and not yet freed */
size_t fake_page_errors(void);         /* frees of unknown pages or wrong counts */
void fake_page_alloc_fail(bool fail);  /* make every page allocation fail */
void fake_zones_reset(void);           /* fresh kmem and vm_map zones */

/* ---- fakes.c: a pmap that records what the VM layer asks of it ---- */

#define FAKE_PMAP_PAGES_MAX 16     /* translations one fake pmap holds */
#define FAKE_PMAP_CALLS_MAX 16     /* calls of each kind it records */
#define FAKE_FREED_MAX      64     /* page_free calls recorded */

struct fake_range {
	vm_address_t start, end;
	vm_prot_t prot;            /* pmap_protect only */
};

struct pmap {
	struct { vm_address_t va; uint64_t pa; } pages[FAKE_PMAP_PAGES_MAX];
	size_t npages;
	struct fake_range removes[FAKE_PMAP_CALLS_MAX];
	size_t nremoves;
	struct fake_range protects[FAKE_PMAP_CALLS_MAX];
	size_t nprotects;
	bool destroyed;
};

void fake_pmap_init(struct pmap *p);
void fake_pmap_enter(struct pmap *p, vm_address_t va, uint64_t pa);

extern uint64_t fake_freed[FAKE_FREED_MAX];  /* frames page_free received, in order */
extern size_t fake_nfreed;                   /* calls, even past FAKE_FREED_MAX */

#endif

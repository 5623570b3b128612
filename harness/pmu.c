/* pmu.c: event names to raw counter encodings through libpfm4 (pmu.h). */
#include "pmu.h"

#include <inttypes.h>
#include <perfmon/pfmlib.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "cmd_test.h"
#include "errmsg.h"

#define PMU_CODES_MAX 4  /* an x86 core event encodes as one code (more: an offcore one) */

static pthread_once_t pmu_once = PTHREAD_ONCE_INIT;
static int pmu_init_rc;

static void pmu_init(void)
{
	pmu_init_rc = pfm_initialize();
}

/* Sets *raw to the select-register value that counts event in user and
 * kernel mode on the PMU libpfm4 finds (or is forced to, LIBPFM_FORCE_PMU).
 * Returns 0, or -1 with err saying why (libpfm4's words). */
int pmu_encode(const char *event, uint64_t *raw, char *err, size_t err_bytes)
{
	uint64_t codes[PMU_CODES_MAX];
	pfm_pmu_encode_arg_t arg;
	pthread_once(&pmu_once, pmu_init);
	if (pmu_init_rc != PFM_SUCCESS)
		return errmsg_fail(err, err_bytes, "libpfm4: %s", pfm_strerror(pmu_init_rc));
	memset(&arg, 0, sizeof arg);
	arg.size = sizeof arg;
	arg.codes = codes;
	arg.count = PMU_CODES_MAX;
	int rc = pfm_get_os_event_encoding(event, PFM_PLM0 | PFM_PLM3, PFM_OS_NONE, &arg);
	if (rc != PFM_SUCCESS)
		return errmsg_fail(err, err_bytes, "%s: %s", event, pfm_strerror(rc));
	if (arg.count != 1)
		return errmsg_fail(err, err_bytes, "%s: encodes as %d codes (an offcore event); "
				   "a counter takes one", event, arg.count);
	*raw = codes[0];
	return 0;
}

/* "machlab pmu-encode EVENT...": one line "EVENT 0xRAW" each. Returns the
 * exit status (failed when any name does not encode). */
int cmd_pmu_encode_main(int argc, char **argv)
{
	int status = argc > 1 ? CMD_EXIT_OK : CMD_EXIT_USAGE;
	if (argc < 2)
		fputs("usage: machlab pmu-encode EVENT...  (libpfm4 names; LIBPFM_FORCE_PMU=MODEL "
		      "encodes for another PMU)\n", stderr);
	for (int i = 1; i < argc; i++) {
		uint64_t raw;
		char err[256];
		if (pmu_encode(argv[i], &raw, err, sizeof err) == 0) {
			printf("%s 0x%" PRIx64 "\n", argv[i], raw);
		} else {
			fprintf(stderr, "machlab pmu-encode: %s\n", err);
			status = CMD_EXIT_FAILED;
		}
	}
	return status;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the run.oci.hull.landlock annotation parser, and the ABI check of
 * whatever it accepts against every ABI (no system call is made). */
#include <stddef.h>
#include <stdint.h>

#include "runtime/linux/landlock.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	hull_error_t err = { 0 };
	struct hull_landlock_ruleset *r =
		hull_landlock_parse ((const char *) data, size, "fuzz-landlock", &err);

	if (r == NULL)
		return 0;
	for (int abi = 0; abi <= HULL_LANDLOCK_ABI_KNOWN + 1; abi++)
		hull_landlock_check (r, abi, &err);
	hull_landlock_ruleset_free (r);
	return 0;
}

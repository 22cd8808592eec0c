/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: config.json text -> parse -> validate -> free. Any input must end
 * in either a config or an error, with no leak, crash or undefined behaviour. */
#include <stddef.h>
#include <stdint.h>

#include "hull/oci.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	struct hull_strv unknown = { 0 };
	hull_error_t err = { 0 };
	struct hull_oci_config *cfg;

	cfg = hull_oci_config_parse ((const char *) data, size, "fuzz.json", &unknown, &err);
	if (cfg != NULL)
		hull_oci_config_validate (cfg, &err);
	hull_oci_config_free (cfg);
	hull_strv_free (&unknown);
	return 0;
}

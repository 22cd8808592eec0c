/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: bytes -> manifest/index parse -> platform selection, and config check.
 * Any input ends in a manifest or an error, with no leak, crash or UB. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "hull/image.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	struct hull_image_platform want = { "linux", "arm", "v7" };
	hull_error_t err = { 0 };
	struct hull_image_manifest *m;

	m = hull_image_manifest_parse ((const char *) data, size, NULL, &err);
	if (m && m->kind == HULL_IMAGE_KIND_INDEX)
		(void) hull_image_index_select (m, &want, &err);
	hull_image_manifest_free (m);
	(void) hull_image_config_check ((const char *) data, size, 1, &err);
	return 0;
}

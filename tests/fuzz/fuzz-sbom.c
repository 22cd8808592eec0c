/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: SBOM text (CycloneDX or SPDX JSON) -> detect -> read into an inventory
 * -> write it again as CycloneDX, SPDX and inventory JSON -> read the CycloneDX back.
 * Every input ends in an inventory or an error, with no leak, crash or UB. The purl
 * parser runs on the raw input too. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hull/scan.h"
#include "scan/sbom/sbom.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
emit_and_reread (const struct hull_inventory *inv)
{
	struct hull_sbom_opts o = { .tool_version = "fuzz", .now = 1 };
	struct hull_inventory back = { 0 };
	hull_error_t err = { 0 };
	char *cdx = hull_sbom_cyclonedx (inv, &o, &err);
	char *spdx = hull_sbom_spdx (inv, &o, &err);

	free (hull_sbom_inventory_json (inv, &o));
	/* What hull writes, hull reads: a failure here is a bug, not bad input. */
	if (cdx == NULL || spdx == NULL ||
	    hull_sbom_read (cdx, strlen (cdx), "cdx", &back, &err) < 0)
		abort ();
	hull_inventory_clear (&back);
	if (hull_sbom_read (spdx, strlen (spdx), "spdx", &back, &err) < 0)
		abort ();
	hull_inventory_clear (&back);
	free (cdx);
	free (spdx);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	struct hull_inventory inv = { 0 };
	struct hull_purl u;
	hull_error_t err = { 0 };
	char *s;

	(void) hull_sbom_detect ((const char *) data, size);
	if (hull_sbom_read ((const char *) data, size, "fuzz.json", &inv, &err) == 0)
		emit_and_reread (&inv);
	hull_inventory_clear (&inv);
	if (size < 8192) {
		s = strndup ((const char *) data, size);
		if (s && hull_purl_parse (s, &u, &err) == 0)
			hull_purl_clear (&u);
		free (s);
	}
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rpm database readers on arbitrary bytes: the whole-file reader (SQLite, NDB and
 * BerkeleyDB forms, told apart by magic) and the header-blob parser alone. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "hull/scan.h"
#include "scan/inventory/readers.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	struct hull_inventory_opts o = { .max_packages = 1000 };
	struct hull_os os = { .id = (char *) "rhel", .version_id = (char *) "9.3" };
	struct hull_inventory inv = { 0 };
	hull_error_t err;
	/* The reader may rewrite the SQLite header in place: give it its own copy. */
	uint8_t *copy = hull_xmalloc (size + 1);

	memcpy (copy, data, size);
	hull_inventory_rpm_parse_db (copy, size, "db", &os, &o, &inv, &err);
	hull_inventory_rpm_parse_header (data, size, "hdr", &os, &o, &inv, &err);
	for (size_t i = 0; i < inv.n_pkgs; i++)
		if (!inv.pkgs[i].name || !inv.pkgs[i].version || !inv.pkgs[i].purl)
			abort ();
	hull_inventory_clear (&inv);
	free (copy);
	return 0;
}

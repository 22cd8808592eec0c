/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The apk installed-database parser on arbitrary bytes: no crash, no leak, and every
 * package recorded has a name, a version and an apk purl. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hull/scan.h"
#include "scan/inventory/readers.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	struct hull_inventory_opts o = { .max_packages = 1000 };
	struct hull_os os = { .id = (char *) "alpine", .version_id = (char *) "3.19.1" };
	struct hull_inventory inv = { 0 };
	hull_error_t err;

	hull_inventory_apk_parse ((const char *) data, size, "installed", &os, &o, &inv, &err);
	for (size_t i = 0; i < inv.n_pkgs; i++) {
		const struct hull_pkg *p = &inv.pkgs[i];
		if (p->type != HULL_PKG_APK || !p->name || !*p->name || !p->version ||
		    !*p->version || !p->purl || strncmp (p->purl, "pkg:apk/alpine/", 15) != 0)
			abort ();
	}
	hull_inventory_clear (&inv);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The dpkg status parser (one status file or one status.d file), the info/NAME.list
 * parser and os-release, on arbitrary bytes: no crash, no leak, and every package
 * recorded has a name, a version and a deb purl. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hull/scan.h"
#include "scan/inventory/readers.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (const struct hull_inventory *inv)
{
	for (size_t i = 0; i < inv->n_pkgs; i++) {
		const struct hull_pkg *p = &inv->pkgs[i];
		if (p->type != HULL_PKG_DEB || !p->name || !*p->name || !p->version ||
		    !*p->version || !p->purl || strncmp (p->purl, "pkg:deb/", 8) != 0 ||
		    !p->source_name)
			abort ();
	}
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	struct hull_inventory_opts o = { .max_packages = 1000 };
	struct hull_os os = { 0 };
	struct hull_inventory inv = { 0 };
	struct hull_pkg p = { .name = (char *) "fuzz" };
	hull_error_t err;

	for (int status_d = 0; status_d < 2; status_d++) {
		hull_inventory_dpkg_parse ((const char *) data, size, "status", status_d, &os, &o,
					   &inv, &err);
		check (&inv);
		hull_inventory_clear (&inv);
	}
	hull_inventory_osrelease_parse ((const char *) data, size, &os, &err);
	hull_inventory_dpkg_parse ((const char *) data, size, "status", false, &os, &o, &inv, &err);
	check (&inv);
	hull_inventory_clear (&inv);
	hull_os_clear (&os);
	hull_inventory_dpkg_parse_list ((const char *) data, size, &p, &err);
	p.name = NULL;
	hull_pkg_clear (&p);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hull's own inventory JSON (`hull sbom --format json`, docs/scan.md "Inventory
 * JSON"): the inventory model as it is, with every field hull records. */
#include <stdlib.h>

#include "common/xalloc.h"
#include "scan/report/report.h"
#include "scan/sbom/sbom.h"

#define S hull_report_json_string
#define INVENTORY_SCHEMA_VERSION 1

static json_t *
strv (char *const *v, size_t n)
{
	json_t *a = json_array ();

	for (size_t i = 0; i < n; i++)
		json_array_append_new (a, S (v[i]));
	return a;
}

static json_t *
pkg_json (const struct hull_pkg *p)
{
	const char *type = hull_pkg_type_purl (p->type);

	return json_pack ("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I}", "type",
			  S (type ? type : "unknown"), "name", S (p->name), "version",
			  S (p->version), "sourceName", S (p->source_name), "sourceVersion",
			  S (p->source_version), "arch", S (p->arch), "purl", S (p->purl),
			  "location", S (p->location), "licenses",
			  strv (p->licenses, p->n_licenses), "files", (json_int_t) p->n_files);
}

char *
hull_sbom_inventory_json (const struct hull_inventory *inv, const struct hull_sbom_opts *o)
{
	json_t *pkgs = json_array ();

	for (size_t i = 0; i < inv->n_pkgs; i++)
		json_array_append_new (pkgs, pkg_json (&inv->pkgs[i]));
	return hull_sbom_dump (json_pack (
		"{s:i,s:{s:s,s:o},s:o,s:o,s:{s:o,s:o,s:o,s:o},s:o}", "schemaVersion",
		INVENTORY_SCHEMA_VERSION, "tool", "name", "hull", "version",
		S (o && o->tool_version ? o->tool_version : "0"), "target", S (inv->target),
		"targetDigest", S (inv->target_digest), "os", "id", S (inv->os.id), "versionId",
		S (inv->os.version_id), "prettyName", S (inv->os.pretty_name), "codename",
		S (inv->os.codename), "packages", pkgs));
}

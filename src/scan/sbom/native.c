/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hull's own inventory JSON (`hull sbom --format json`, docs/scan.md "Inventory
 * JSON"): the inventory model as it is, with every field hull records. Its full form
 * (file lists and warnings too) carries a scan out of the confined scanner process
 * and is read back by hull_sbom_inventory_read. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
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
pkg_json (const struct hull_pkg *p, bool full)
{
	const char *type = hull_pkg_type_purl (p->type);

	return json_pack ("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "type",
			  S (type ? type : "unknown"), "name", S (p->name), "version",
			  S (p->version), "sourceName", S (p->source_name), "sourceVersion",
			  S (p->source_version), "arch", S (p->arch), "purl", S (p->purl),
			  "location", S (p->location), "licenses",
			  strv (p->licenses, p->n_licenses), "files",
			  full ? strv (p->files, p->n_files) : json_integer ((json_int_t) p->n_files));
}

static char *
inventory_json (const struct hull_inventory *inv, const struct hull_sbom_opts *o, bool full)
{
	json_t *pkgs = json_array (), *root;

	for (size_t i = 0; i < inv->n_pkgs; i++)
		json_array_append_new (pkgs, pkg_json (&inv->pkgs[i], full));
	root = json_pack ("{s:i,s:{s:s,s:o},s:o,s:o,s:{s:o,s:o,s:o,s:o},s:o}", "schemaVersion",
			  INVENTORY_SCHEMA_VERSION, "tool", "name", "hull", "version",
			  S (o && o->tool_version ? o->tool_version : "0"), "target",
			  S (inv->target), "targetDigest", S (inv->target_digest), "os", "id",
			  S (inv->os.id), "versionId", S (inv->os.version_id), "prettyName",
			  S (inv->os.pretty_name), "codename", S (inv->os.codename), "packages",
			  pkgs);
	if (full)
		json_object_set_new (root, "warnings", strv (inv->warnings, inv->n_warnings));
	return hull_sbom_dump (root);
}

char *
hull_sbom_inventory_json (const struct hull_inventory *inv, const struct hull_sbom_opts *o)
{
	return inventory_json (inv, o, false);
}

char *
hull_sbom_inventory_json_full (const struct hull_inventory *inv, const struct hull_sbom_opts *o)
{
	return inventory_json (inv, o, true);
}

/* ---- reading it back ---- */

#define MAX_LICENSES 1024     /* per package */
#define MAX_FILES (1u << 20)  /* per package */
#define MAX_WARNINGS (1u << 16)

/* An array of strings into a (char **, size_t) pair at f->offset and f->count. */
static int
read_list (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	   hull_error_t *err)
{
	struct hull_strv list = { 0 };

	if (hull_json_read_strv (ctx, v, f->max, base ? &list : NULL, err) < 0)
		return -EINVAL;
	if (base) {
		*(char ***) ((char *) base + f->offset) = list.v;
		*(size_t *) ((char *) base + f->count) = list.n;
	}
	return 0;
}

/* "files": the list (full form), or the count `--format json` writes (no names). */
static int
read_files (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	    hull_error_t *err)
{
	if (json_is_integer (v) && json_integer_value (v) >= 0)
		return 0;
	return read_list (ctx, f, v, base, err);
}

static int
read_type (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	   hull_error_t *err)
{
	const char *s;
	int t;

	if (hull_json_expect_string (ctx, v, &s, err) < 0)
		return -EINVAL;
	for (t = HULL_PKG_TYPE_MAX - 1; t > HULL_PKG_UNKNOWN; t--) {
		const char *name = hull_pkg_type_purl ((enum hull_pkg_type) t);
		if (name && strcmp (name, s) == 0)
			break;
	}
	if (t == HULL_PKG_UNKNOWN && strcmp (s, "unknown") != 0)
		return hull_json_error (ctx, err, "unknown package type `%.64s`", s);
	if (base)
		*(enum hull_pkg_type *) ((char *) base + f->offset) = (enum hull_pkg_type) t;
	return 0;
}

static int
check_schema (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	      hull_error_t *err)
{
	if (!json_is_integer (v) || json_integer_value (v) != INVENTORY_SCHEMA_VERSION)
		return hull_json_error (ctx, err, "expected %d", INVENTORY_SCHEMA_VERSION);
	return 0;
}

#define PKG_STR(k, member)                                                                         \
	{ .key = k, .type = HULL_JSON_STRING, .offset = offsetof (struct hull_pkg, member) }
static const struct hull_json_field pkg_fields[] = {
	{ .key = "type", .type = HULL_JSON_CUSTOM, .offset = offsetof (struct hull_pkg, type), .fn = read_type },
	PKG_STR ("name", name),
	PKG_STR ("version", version),
	PKG_STR ("sourceName", source_name),
	PKG_STR ("sourceVersion", source_version),
	PKG_STR ("arch", arch),
	PKG_STR ("purl", purl),
	PKG_STR ("location", location),
	{ .key = "licenses", .type = HULL_JSON_CUSTOM, .offset = offsetof (struct hull_pkg, licenses), .fn = read_list,
	  .max = MAX_LICENSES, .count = offsetof (struct hull_pkg, n_licenses) },
	{ .key = "files", .type = HULL_JSON_CUSTOM, .offset = offsetof (struct hull_pkg, files), .fn = read_files,
	  .max = MAX_FILES, .count = offsetof (struct hull_pkg, n_files) },
	{ .key = NULL },
};

static const struct hull_json_field os_fields[] = {
	{ .key = "id", .type = HULL_JSON_STRING, .offset = offsetof (struct hull_os, id) },
	{ .key = "versionId", .type = HULL_JSON_STRING, .offset = offsetof (struct hull_os, version_id) },
	{ .key = "prettyName", .type = HULL_JSON_STRING, .offset = offsetof (struct hull_os, pretty_name) },
	{ .key = "codename", .type = HULL_JSON_STRING, .offset = offsetof (struct hull_os, codename) },
	{ .key = NULL },
};

static const struct hull_json_field inventory_fields[] = {
	{ .key = "schemaVersion", .type = HULL_JSON_CUSTOM, .offset = 0, .flags = HULL_JSON_MANDATORY, .fn = check_schema},
	{ .key = "tool", .type = HULL_JSON_IGNORE },
	{ .key = "target", .type = HULL_JSON_STRING, .offset = offsetof (struct hull_inventory, target) },
	{ .key = "targetDigest", .type = HULL_JSON_STRING, .offset = offsetof (struct hull_inventory, target_digest) },
	{ .key = "os", .type = HULL_JSON_OBJECT, .offset = offsetof (struct hull_inventory, os), .sub = os_fields },
	{ .key = "packages", .type = HULL_JSON_ARRAY, .offset = offsetof (struct hull_inventory, pkgs), .flags = HULL_JSON_MANDATORY,
	  .sub = pkg_fields, .max = HULL_SBOM_MAX_COMPONENTS, .elem_size = sizeof (struct hull_pkg),
	  .count = offsetof (struct hull_inventory, n_pkgs)},
	{ .key = "warnings", .type = HULL_JSON_CUSTOM, .offset = offsetof (struct hull_inventory, warnings), .fn = read_list,
	  .max = MAX_WARNINGS, .count = offsetof (struct hull_inventory, n_warnings) },
	{ .key = NULL },
};

int
hull_sbom_inventory_read (const char *text, size_t len, const char *name,
			  struct hull_inventory *out, hull_error_t *err)
{
	struct hull_json_ctx ctx;
	json_t *root = hull_json_parse (text, len, HULL_SBOM_MAX_BYTES, name, err);
	int r;

	if (root == NULL)
		return -EINVAL;
	hull_json_ctx_init (&ctx, name, NULL);
	if (!json_is_object (root))
		r = hull_json_error (&ctx, err, "expected an object");
	else
		r = hull_json_map (&ctx, root, inventory_fields, out, err);
	json_decref (root);
	out->cap_pkgs = out->n_pkgs;
	if (r < 0)
		hull_inventory_clear (out);
	return r < 0 ? r : 0;
}

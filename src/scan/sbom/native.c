/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hull's own inventory JSON (`hull sbom --format json`, docs/scan.md "Inventory
 * JSON"): the inventory model as it is, with every field hull records. Its full form
 * (warnings, and the file lists after the JSON text) carries a scan out of the
 * confined scanner process and is read back by hull_sbom_inventory_read. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
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
pkg_json (const struct hull_pkg *p)
{
	const char *type = hull_pkg_type_purl (p->type);

	return json_pack (
		"{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "type", S (type ? type : "unknown"),
		"name", S (p->name), "version", S (p->version), "sourceName", S (p->source_name),
		"sourceVersion", S (p->source_version), "arch", S (p->arch), "purl", S (p->purl),
		"location", S (p->location), "licenses", strv (p->licenses, p->n_licenses), "files",
		json_integer ((json_int_t) p->n_files));
}

static char *
inventory_json (const struct hull_inventory *inv, const struct hull_sbom_opts *o, bool full)
{
	json_t *pkgs = json_array (), *root;

	for (size_t i = 0; i < inv->n_pkgs; i++)
		json_array_append_new (pkgs, pkg_json (&inv->pkgs[i]));
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

/* The file lists travel after the JSON text as NUL-terminated names, not as JSON
 * strings: a host's dpkg lists are ten megabytes, which jansson reads and writes at
 * some 30 MB/s, ten times the cost of the scan itself; a name cannot hold a NUL. */
char *
hull_sbom_inventory_json_full (const struct hull_inventory *inv, const struct hull_sbom_opts *o,
			       size_t *len)
{
	char *text = inventory_json (inv, o, true), *out;
	size_t n = strlen (text) + 1, at;

	for (size_t i = 0; i < inv->n_pkgs; i++)
		for (size_t k = 0; k < inv->pkgs[i].n_files; k++)
			n += strlen (inv->pkgs[i].files[k]) + 1;
	out = hull_xrealloc (text, n);
	at = strlen (out) + 1;
	for (size_t i = 0; i < inv->n_pkgs; i++)
		for (size_t k = 0; k < inv->pkgs[i].n_files; k++) {
			size_t l = strlen (inv->pkgs[i].files[k]) + 1;

			memcpy (out + at, inv->pkgs[i].files[k], l);
			at += l;
		}
	*len = n;
	return out;
}

/* ---- reading it back ---- */

#define MAX_LICENSES 1024    /* per package */
#define MAX_FILES (1u << 20) /* per package */
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

/* "files": the count. Kept in n_files only until hull_sbom_inventory_read moves it
 * aside: the model wants n_files names in files. */
static int
read_files (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	    hull_error_t *err)
{
	if (!json_is_integer (v) || json_integer_value (v) < 0 ||
	    json_integer_value (v) > (json_int_t) f->max)
		return hull_json_error (ctx, err, "expected a count up to %zu", f->max);
	if (base)
		*(size_t *) ((char *) base + f->offset) = (size_t) json_integer_value (v);
	return 0;
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
	{                                                                                          \
		.key = k, .type = HULL_JSON_STRING, .offset = offsetof (struct hull_pkg, member)   \
	}
static const struct hull_json_field pkg_fields[] = {
	{ .key = "type",
	  .type = HULL_JSON_CUSTOM,
	  .offset = offsetof (struct hull_pkg, type),
	  .fn = read_type },
	PKG_STR ("name", name),
	PKG_STR ("version", version),
	PKG_STR ("sourceName", source_name),
	PKG_STR ("sourceVersion", source_version),
	PKG_STR ("arch", arch),
	PKG_STR ("purl", purl),
	PKG_STR ("location", location),
	{ .key = "licenses",
	  .type = HULL_JSON_CUSTOM,
	  .offset = offsetof (struct hull_pkg, licenses),
	  .fn = read_list,
	  .max = MAX_LICENSES,
	  .count = offsetof (struct hull_pkg, n_licenses) },
	{ .key = "files",
	  .type = HULL_JSON_CUSTOM,
	  .offset = offsetof (struct hull_pkg, n_files),
	  .fn = read_files,
	  .max = MAX_FILES },
	{ .key = NULL },
};

static const struct hull_json_field os_fields[] = {
	{ .key = "id", .type = HULL_JSON_STRING, .offset = offsetof (struct hull_os, id) },
	{ .key = "versionId",
	  .type = HULL_JSON_STRING,
	  .offset = offsetof (struct hull_os, version_id) },
	{ .key = "prettyName",
	  .type = HULL_JSON_STRING,
	  .offset = offsetof (struct hull_os, pretty_name) },
	{ .key = "codename",
	  .type = HULL_JSON_STRING,
	  .offset = offsetof (struct hull_os, codename) },
	{ .key = NULL },
};

static const struct hull_json_field inventory_fields[] = {
	{ .key = "schemaVersion",
	  .type = HULL_JSON_CUSTOM,
	  .offset = 0,
	  .flags = HULL_JSON_MANDATORY,
	  .fn = check_schema },
	{ .key = "tool", .type = HULL_JSON_IGNORE },
	{ .key = "target",
	  .type = HULL_JSON_STRING,
	  .offset = offsetof (struct hull_inventory, target) },
	{ .key = "targetDigest",
	  .type = HULL_JSON_STRING,
	  .offset = offsetof (struct hull_inventory, target_digest) },
	{ .key = "os",
	  .type = HULL_JSON_OBJECT,
	  .offset = offsetof (struct hull_inventory, os),
	  .sub = os_fields },
	{ .key = "packages",
	  .type = HULL_JSON_ARRAY,
	  .offset = offsetof (struct hull_inventory, pkgs),
	  .flags = HULL_JSON_MANDATORY,
	  .sub = pkg_fields,
	  .max = HULL_SBOM_MAX_COMPONENTS,
	  .elem_size = sizeof (struct hull_pkg),
	  .count = offsetof (struct hull_inventory, n_pkgs) },
	{ .key = "warnings",
	  .type = HULL_JSON_CUSTOM,
	  .offset = offsetof (struct hull_inventory, warnings),
	  .fn = read_list,
	  .max = MAX_WARNINGS,
	  .count = offsetof (struct hull_inventory, n_warnings) },
	{ .key = NULL },
};

/* The names after the JSON text: exactly counts[i] for package i, in order. */
static int
read_file_names (const char *p, const char *end, const char *name, size_t *counts,
		 struct hull_inventory *inv, hull_error_t *err)
{
	for (size_t i = 0; i < inv->n_pkgs; i++) {
		struct hull_pkg *pkg = &inv->pkgs[i];

		if (counts[i] == 0)
			continue;
		/* Each name takes at least one byte: cap before allocating. */
		if (counts[i] > (size_t) (end - p))
			return hull_error_make (err, EINVAL,
						"%s: packages[%zu]: %zu file names "
						"announced, fewer sent",
						name, i, counts[i]);
		pkg->files = hull_xcalloc (counts[i], sizeof (char *));
		for (; pkg->n_files < counts[i]; pkg->n_files++) {
			const char *nul = memchr (p, '\0', (size_t) (end - p));

			if (nul == NULL || nul - p > HULL_SBOM_MAX_STRING)
				return hull_error_make (err, EINVAL,
							"%s: packages[%zu]: file name "
							"%zu missing or too long",
							name, i, pkg->n_files);
			pkg->files[pkg->n_files] = hull_xstrdup (p);
			p = nul + 1;
		}
	}
	if (p != end)
		return hull_error_make (err, EINVAL, "%s: %zu bytes after the last file name", name,
					(size_t) (end - p));
	return 0;
}

int
hull_sbom_inventory_read (const char *text, size_t len, const char *name,
			  struct hull_inventory *out, hull_error_t *err)
{
	const char *nul = memchr (text, '\0', len);
	size_t json_len = nul ? (size_t) (nul - text) : len;
	_cleanup_free_ size_t *counts = NULL;
	struct hull_json_ctx ctx;
	json_t *root = NULL;
	int r;

	/* The confined scanner's output is as hostile as what it read. */
	if (hull_sbom_json_cost_check (text, json_len, name, err) < 0 ||
	    (root = hull_json_parse (text, json_len, HULL_SBOM_MAX_BYTES, name, err)) == NULL)
		return -EINVAL;
	hull_json_ctx_init (&ctx, name, NULL);
	if (!json_is_object (root))
		r = hull_json_error (&ctx, err, "expected an object");
	else
		r = hull_json_map (&ctx, root, inventory_fields, out, err);
	json_decref (root);
	out->cap_pkgs = out->n_pkgs;
	counts = hull_xcalloc (out->n_pkgs ? out->n_pkgs : 1, sizeof *counts);
	for (size_t i = 0; i < out->n_pkgs; i++) {
		counts[i] = out->pkgs[i].n_files;
		out->pkgs[i].n_files = 0;
	}
	/* Without the names (`--format json` output) the file lists stay empty. */
	if (r == 0 && nul)
		r = read_file_names (nul + 1, text + len, name, counts, out, err);
	if (r < 0)
		hull_inventory_clear (out);
	return r < 0 ? r : 0;
}

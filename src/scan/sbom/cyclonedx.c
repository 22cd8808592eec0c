/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CycloneDX 1.5 JSON (cyclonedx.org/docs/1.5/json): the inventory as a BOM whose
 * metadata.component is the target, with one "operating-system" component and one
 * "library" component per package. hull's own package facts (source package,
 * location, architecture) travel as hull:package:* properties so that reading the BOM
 * back gives the same inventory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "scan/report/report.h"
#include "scan/sbom/sbom.h"

#define S hull_report_json_string

char *
hull_sbom_uuid (void)
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof b) {
		ssize_t r = getrandom (b + got, sizeof b - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			abort (); /* the kernel's CSPRNG is gone: nothing sane to do */
		got += (size_t) r;
	}
	b[6] = (unsigned char) ((b[6] & 0x0f) | 0x40); /* RFC 9562 section 5.4 */
	b[8] = (unsigned char) ((b[8] & 0x3f) | 0x80);
	return hull_xasprintf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			       "%02x%02x%02x%02x%02x%02x",
			       b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
			       b[11], b[12], b[13], b[14], b[15]);
}

void
hull_sbom_timestamp (time_t t, char buf[32])
{
	struct tm tm;

	if (t == 0)
		t = time (NULL);
	if (gmtime_r (&t, &tm) == NULL || strftime (buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf (buf, 32, "1970-01-01T00:00:00Z");
}

static void
add_prop (json_t *props, const char *name, const char *value)
{
	if (value)
		json_array_append_new (props,
				       json_pack ("{s:s,s:o}", "name", name, "value", S (value)));
}

static json_t *
pkg_component (const struct hull_pkg *p, size_t index, json_t *refs)
{
	json_t *c = json_pack ("{s:s,s:o}", "type", "library", "name", S (p->name ? p->name : "?"));
	json_t *props = json_array (), *lic = json_array ();
	_cleanup_free_ char *ref = NULL;

	if (p->version)
		json_object_set_new (c, "version", S (p->version));
	if (p->purl)
		json_object_set_new (c, "purl", S (p->purl));
	/* bom-ref must be unique in the BOM (CycloneDX 1.5 "refType"); the purl is,
	 * unless the same package is recorded in two places. */
	ref = p->purl && json_object_get (refs, p->purl) == NULL
		      ? hull_xstrdup (p->purl)
		      : hull_xasprintf ("hull:pkg:%zu", index);
	json_object_set_new_nocheck (refs, ref, json_true ());
	json_object_set_new (c, "bom-ref", S (ref));
	for (size_t i = 0; i < p->n_licenses; i++)
		json_array_append_new (
			lic, json_pack ("{s:{s:o}}", "license", "name", S (p->licenses[i])));
	if (json_array_size (lic))
		json_object_set_new (c, "licenses", lic);
	else
		json_decref (lic);
	add_prop (props, HULL_SBOM_PROP_SOURCE, p->source_name);
	add_prop (props, HULL_SBOM_PROP_SOURCE_VERSION, p->source_version);
	add_prop (props, HULL_SBOM_PROP_LOCATION, p->location);
	add_prop (props, HULL_SBOM_PROP_ARCH, p->arch);
	if (json_array_size (props))
		json_object_set_new (c, "properties", props);
	else
		json_decref (props);
	return c;
}

static json_t *
os_component (const struct hull_os *os)
{
	json_t *c = json_pack ("{s:s,s:s,s:o}", "type", "operating-system", "bom-ref", "hull:os",
			       "name", S (os->id));

	if (os->version_id)
		json_object_set_new (c, "version", S (os->version_id));
	if (os->pretty_name)
		json_object_set_new (c, "description", S (os->pretty_name));
	return c;
}

static json_t *
metadata (const struct hull_inventory *inv, const struct hull_sbom_opts *o)
{
	char ts[32];
	json_t *target = json_pack (
		"{s:s,s:s,s:o}", "type", inv->target_digest ? "container" : "file", "bom-ref",
		"hull:target", "name", S (inv->target ? inv->target : "unknown"));

	if (inv->target_digest)
		json_object_set_new (target, "version", S (inv->target_digest));
	hull_sbom_timestamp (o ? o->now : 0, ts);
	return json_pack ("{s:s,s:{s:[{s:s,s:s,s:o}]},s:o}", "timestamp", ts, "tools", "components",
			  "type", "application", "name", "hull", "version",
			  S (o && o->tool_version ? o->tool_version : "0"), "component", target);
}

char *
hull_sbom_dump (json_t *root)
{
	char *text = json_dumps (root, JSON_SORT_KEYS | JSON_INDENT (2)), *out;

	json_decref (root);
	if (text == NULL)
		abort (); /* only on OOM: every value is valid */
	out = hull_xasprintf ("%s\n", text);
	free (text);
	return out;
}

char *
hull_sbom_cyclonedx (const struct hull_inventory *inv, const struct hull_sbom_opts *o,
		     hull_error_t *err)
{
	json_t *comps = json_array (), *refs = json_object (), *deps = json_array ();
	_cleanup_free_ char *uuid = hull_sbom_uuid (), *serial = NULL;

	serial = hull_xasprintf ("urn:uuid:%s", uuid);
	if (inv->os.id)
		json_array_append_new (comps, os_component (&inv->os));
	for (size_t i = 0; i < inv->n_pkgs; i++)
		json_array_append_new (comps, pkg_component (&inv->pkgs[i], i, refs));
	json_decref (refs);
	/* The target depends on everything found in it (CycloneDX "dependencies"). */
	{
		json_t *on = json_array ();
		size_t i;
		json_t *c;
		json_array_foreach (comps, i, c)
			json_array_append (on, json_object_get (c, "bom-ref"));
		json_array_append_new (
			deps, json_pack ("{s:s,s:o}", "ref", "hull:target", "dependsOn", on));
	}
	return hull_sbom_dump (json_pack ("{s:s,s:s,s:s,s:i,s:o,s:o,s:o}", "bomFormat", "CycloneDX",
					  "specVersion", "1.5", "serialNumber", serial, "version",
					  1, "metadata", metadata (inv, o), "components", comps,
					  "dependencies", deps));
}

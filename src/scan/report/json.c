/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The JSON report (docs/scan.md "JSON output"). The schema is versioned by
 * "schemaVersion"; keys are sorted so the text is stable for diffs and scripts. */
#include <stdlib.h>

#include "common/xalloc.h"
#include "scan/report/report.h"

#define S hull_report_json_string

static json_t *
strv (char *const *v, size_t n)
{
	json_t *a = json_array ();

	for (size_t i = 0; i < n; i++)
		json_array_append_new (a, S (v[i]));
	return a;
}

static json_t *
finding_json (const struct hull_finding *x)
{
	json_t *o = json_object ();

	json_object_set_new (o, "id", S (x->id));
	json_object_set_new (o, "aliases", strv (x->aliases, x->n_aliases));
	json_object_set_new (o, "severity", json_string (hull_severity_name (x->severity)));
	json_object_set_new (o, "score", json_real (x->score));
	json_object_set_new (o, "cvssVector", S (x->cvss_vector));
	json_object_set_new (o, "title", S (x->title));
	json_object_set_new (o, "description", S (x->description));
	json_object_set_new (o, "url", S (x->url));
	json_object_set_new (o, "fixedVersion", S (x->fixed_version));
	json_object_set_new (o, "package",
			     json_pack ("{s:o,s:o,s:o,s:o,s:o}", "name", S (x->pkg_name), "version",
					S (x->pkg_version), "purl", S (x->pkg_purl), "sourceName",
					S (x->source_name), "location", S (x->location)));
	json_object_set_new (o, "suppressed", json_boolean (x->suppressed));
	if (x->suppressed) {
		json_object_set_new (o, "suppressedBy", S (x->suppressed_by));
		json_object_set_new (o, "justification", S (x->justification));
	}
	return o;
}

static json_t *
summary_json (const struct hull_findings *f)
{
	json_t *by = json_object ();
	size_t counts[HULL_SEV_MAX] = { 0 }, supp = 0;

	for (size_t i = 0; i < f->n; i++) {
		if (f->v[i].suppressed)
			supp++;
		else
			counts[f->v[i].severity]++;
	}
	for (int s = 0; s < HULL_SEV_MAX; s++)
		json_object_set_new (by, hull_severity_name (s),
				     json_integer ((json_int_t) counts[s]));
	return json_pack ("{s:I,s:I,s:o}", "active", (json_int_t) (f->n - supp), "suppressed",
			  (json_int_t) supp, "bySeverity", by);
}

char *
hull_report_json (const struct hull_inventory *inv, const struct hull_findings *f,
		  const struct hull_report_opts *o)
{
	json_t *root = json_object (), *a = json_array ();
	char *text, *out;

	for (size_t i = 0; i < f->n; i++)
		json_array_append_new (a, finding_json (&f->v[i]));
	json_object_set_new (root, "schemaVersion", json_integer (HULL_REPORT_SCHEMA_VERSION));
	json_object_set_new (root, "tool",
			     json_pack ("{s:s,s:o}", "name", "hull", "version",
					S (o && o->tool_version ? o->tool_version : NULL)));
	json_object_set_new (root, "target", S (inv ? inv->target : NULL));
	json_object_set_new (root, "targetDigest", S (inv ? inv->target_digest : NULL));
	json_object_set_new (root, "os",
			     json_pack ("{s:o,s:o}", "id", S (inv ? inv->os.id : NULL), "versionId",
					S (inv ? inv->os.version_id : NULL)));
	json_object_set_new (root, "summary", summary_json (f));
	json_object_set_new (root, "findings", a);
	text = json_dumps (root, JSON_SORT_KEYS | JSON_INDENT (2) | JSON_REAL_PRECISION (3));
	json_decref (root);
	if (text == NULL)
		abort (); /* only on OOM: every value above is valid */
	out = hull_xasprintf ("%s\n", text);
	free (text);
	return out;
}

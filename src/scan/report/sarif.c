/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SARIF 2.1.0 (OASIS, "Static Analysis Results Interchange Format Version 2.1.0"),
 * shaped for code-scanning upload: one reportingDescriptor per vulnerability id
 * (section 3.49) with defaultConfiguration.level and the "security-severity"
 * property code-scanning ranks by, and one result per finding (section 3.27) located
 * at the package database file that recorded the package. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/sha256.h"
#include "common/xalloc.h"
#include "scan/report/report.h"

#define S hull_report_json_string
#define SARIF_SCHEMA                                                                               \
	"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"                      \
	"sarif-schema-2.1.0.json"
#define OSV_URL "https://osv.dev/vulnerability/"

/* Level per severity (SARIF 3.27.10) and the score used when the advisory gives none,
 * the middle of the CVSS band code-scanning maps back to the same severity. */
static const struct {
	const char *level;
	double score;
} sev_map[HULL_SEV_MAX] = {
	[HULL_SEV_UNKNOWN] = { "note", 0.0 },	[HULL_SEV_LOW] = { "note", 2.0 },
	[HULL_SEV_MEDIUM] = { "warning", 5.5 }, [HULL_SEV_HIGH] = { "error", 8.0 },
	[HULL_SEV_CRITICAL] = { "error", 9.5 },
};

static const char *
nz (const char *s, const char *d)
{
	return s && *s ? s : d;
}

static json_t *
rule_json (const struct hull_finding *x)
{
	char score[16];
	_cleanup_free_ char *help_uri = x->url ? NULL : hull_xasprintf (OSV_URL "%s", x->id);
	_cleanup_free_ char *help =
		hull_xasprintf ("%s\n\nSeverity: %s. %s", nz (x->title, x->id),
				hull_severity_name (x->severity), nz (x->description, ""));
	json_t *r;

	snprintf (score, sizeof score, "%.1f",
		  x->score > 0 ? x->score : sev_map[x->severity].score);
	r = json_pack (
		"{s:o,s:o,s:{s:o},s:{s:o},s:o,s:{s:o},s:{s:s},s:{s:s,s:[s,s,s]}}", "id", S (x->id),
		"name", S (x->id), "shortDescription", "text", S (nz (x->title, x->id)),
		"fullDescription", "text", S (nz (x->description, nz (x->title, x->id))), "helpUri",
		S (x->url ? x->url : help_uri), "help", "text", S (help), "defaultConfiguration",
		"level", sev_map[x->severity].level, "properties", "security-severity", score,
		"tags", "security", "vulnerability", hull_severity_name (x->severity));
	return r;
}

/* A relative URI for the package's location: code-scanning resolves artifact
 * locations against the repository root, so the leading '/' goes. */
static json_t *
location_json (const struct hull_finding *x, const struct hull_inventory *inv)
{
	const char *loc = nz (x->location, inv && inv->target ? inv->target : "unknown");

	while (*loc == '/')
		loc++;
	return json_pack ("[{s:{s:{s:o}}}]", "physicalLocation", "artifactLocation", "uri",
			  S (nz (loc, "unknown")));
}

/* partialFingerprints (SARIF 3.27.17): code scanning keys an alert by rule and location
 * unless told otherwise, and every deb package sits at var/lib/dpkg/status: without a
 * fingerprint, one CVE in libssl3 and in openssl would be one alert. The fingerprint
 * is the id, package name and location, not the version: an upgrade that still leaves
 * the package vulnerable keeps the alert. */
static json_t *
fingerprint_json (const struct hull_finding *x)
{
	const char *parts[] = { nz (x->id, ""), nz (x->pkg_name, ""), nz (x->location, "") };
	uint8_t md[HULL_SHA256_LEN];
	char hex[HULL_SHA256_HEX_LEN + 1];
	hull_sha256_t *ctx = hull_sha256_new ();

	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		hull_sha256_update (ctx, parts[i], strlen (parts[i]) + 1); /* with the NUL */
	hull_sha256_final (ctx, md);
	hull_sha256_free (ctx);
	hull_sha256_hex (md, hex);
	return json_pack ("{s:s}", "hullFinding/v1", hex);
}

static json_t *
result_json (const struct hull_finding *x, size_t rule_index, const struct hull_inventory *inv)
{
	_cleanup_free_ char *msg = hull_xasprintf (
		"%s %s: %s (%s)%s%s", nz (x->pkg_name, "?"), nz (x->pkg_version, "?"),
		nz (x->id, "?"), hull_severity_name (x->severity),
		x->fixed_version ? ", fixed in " : ", no fix known", nz (x->fixed_version, ""));
	json_t *r = json_pack ("{s:o,s:I,s:s,s:{s:o},s:o}", "ruleId", S (x->id), "ruleIndex",
			       (json_int_t) rule_index, "level", sev_map[x->severity].level,
			       "message", "text", S (msg), "locations", location_json (x, inv));

	json_object_set_new (r, "partialFingerprints", fingerprint_json (x));
	json_object_set_new (r, "properties",
			     json_pack ("{s:o,s:o,s:o}", "purl", S (x->pkg_purl), "fixedVersion",
					S (x->fixed_version), "sourceName", S (x->source_name)));
	if (x->suppressed)
		json_object_set_new (
			r, "suppressions",
			json_pack ("[{s:s,s:o}]", "kind", "external", "justification",
				   S (nz (x->justification, nz (x->suppressed_by, "")))));
	return r;
}

char *
hull_report_sarif (const struct hull_inventory *inv, const struct hull_findings *f,
		   const struct hull_report_opts *o)
{
	json_t *rules = json_array (), *results = json_array (), *ids = json_object ();
	json_t *root;
	char *text, *out;

	for (size_t i = 0; i < f->n; i++) {
		const struct hull_finding *x = &f->v[i];
		json_t *idx = json_object_get (ids, nz (x->id, "?"));
		if (idx == NULL) {
			idx = json_integer ((json_int_t) json_array_size (rules));
			/* nocheck: ids are hostile text; the key is only looked up again. */
			json_object_set_new_nocheck (ids, nz (x->id, "?"), idx);
			json_array_append_new (rules, rule_json (x));
		}
		json_array_append_new (results,
				       result_json (x, (size_t) json_integer_value (idx), inv));
	}
	json_decref (ids);
	root = json_pack ("{s:s,s:s,s:[{s:{s:{s:s,s:o,s:s,s:o}},s:o}]}", "$schema", SARIF_SCHEMA,
			  "version", "2.1.0", "runs", "tool", "driver", "name", "hull", "version",
			  S (o && o->tool_version ? o->tool_version : "0"), "informationUri",
			  "https://hull.invalid/docs/scan.md", "rules", rules, "results", results);
	text = json_dumps (root, JSON_SORT_KEYS | JSON_INDENT (2));
	json_decref (root);
	if (text == NULL)
		abort (); /* only on OOM */
	out = hull_xasprintf ("%s\n", text);
	free (text);
	return out;
}

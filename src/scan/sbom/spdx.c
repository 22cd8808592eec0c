/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX 2.3 JSON (spdx.github.io/spdx-spec/v2.3): one package for the target, which
 * the document DESCRIBES and which CONTAINS the operating system (primaryPackagePurpose
 * OPERATING-SYSTEM, section 7.24) and every inventory package. Each package carries its
 * purl as a PACKAGE-MANAGER external reference (section 7.21) and hull's source
 * package and location as OTHER references, so reading the document back gives the
 * same inventory. */
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "scan/report/report.h"
#include "scan/sbom/sbom.h"

#define S hull_report_json_string
/* documentNamespace (section 6.5) must be a unique URI and need not resolve; the
 * .invalid top-level domain (RFC 2606) guarantees it never does. */
#define NAMESPACE_BASE "https://hull.invalid/spdx/"

/* SPDX idstring and namespace characters: [A-Za-z0-9.-] (section 3.2). */
static char *
sanitize (const char *s)
{
	char *o = hull_xstrdup (s && *s ? s : "unknown");

	for (char *p = o; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
			*p = '-';
	return o;
}

/* licenseDeclared (section 7.15) must be an SPDX license expression: the recorded
 * licences joined with AND when each is an idstring, else NOASSERTION. */
static char *
license_expr (const struct hull_pkg *p)
{
	size_t len = 0;
	char *out, *w;

	if (p->n_licenses == 0)
		return hull_xstrdup ("NOASSERTION");
	for (size_t i = 0; i < p->n_licenses; i++) {
		const char *l = p->licenses[i];
		if (*l == '\0' ||
		    strspn (l, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			       "0123456789.-+") != strlen (l) ||
		    strcmp (l, "AND") == 0 || strcmp (l, "OR") == 0 || strcmp (l, "WITH") == 0)
			return hull_xstrdup ("NOASSERTION");
		len += strlen (l) + 5;
	}
	w = out = hull_xmalloc (len + 1);
	for (size_t i = 0; i < p->n_licenses; i++)
		w += snprintf (w, len + 1 - (size_t) (w - out), "%s%s", i ? " AND " : "",
			       p->licenses[i]);
	return out;
}

static void
add_ref (json_t *refs, const char *cat, const char *type, const char *loc)
{
	_cleanup_free_ char *clean = NULL;

	if (loc == NULL)
		return;
	/* referenceLocator holds no spaces (section 7.21.3); a space in a path is
	 * written as %20 in hull's OTHER references, which hull's reader decodes (a purl
	 * is already percent-encoded and kept as it is). */
	if (strcmp (cat, "OTHER") == 0 && (strchr (loc, ' ') || strchr (loc, '%'))) {
		size_t n = 0;
		clean = hull_xmalloc (strlen (loc) * 3 + 1);
		for (const char *c = loc; *c; c++)
			n += (size_t) snprintf (clean + n, 4,
						*c == ' ' || *c == '%' ? "%%%02X" : "%c",
						(unsigned char) *c);
		loc = clean;
	}
	json_array_append_new (refs,
			       json_pack ("{s:s,s:s,s:o}", "referenceCategory", cat,
					  "referenceType", type, "referenceLocator", S (loc)));
}

static json_t *
pkg_json (const struct hull_pkg *p, const char *spdxid)
{
	_cleanup_free_ char *lic = license_expr (p), *src = NULL;
	json_t *refs = json_array ();
	json_t *o = json_pack ("{s:s,s:o,s:s,s:b,s:s,s:s,s:s}", "SPDXID", spdxid, "name",
			       S (p->name ? p->name : "unknown"), "downloadLocation", "NOASSERTION",
			       "filesAnalyzed", 0, "licenseConcluded", "NOASSERTION",
			       "licenseDeclared", lic, "copyrightText", "NOASSERTION");

	if (p->version)
		json_object_set_new (o, "versionInfo", S (p->version));
	add_ref (refs, "PACKAGE-MANAGER", "purl", p->purl);
	if (p->source_name) {
		src = p->source_version
			      ? hull_xasprintf ("%s@%s", p->source_name, p->source_version)
			      : hull_xstrdup (p->source_name);
		add_ref (refs, "OTHER", "hull-source", src);
		free (src);
		src = hull_xasprintf ("built from source package %s%s%s", p->source_name,
				      p->source_version ? " " : "",
				      p->source_version ? p->source_version : "");
		json_object_set_new (o, "sourceInfo", S (src));
	}
	add_ref (refs, "OTHER", "hull-location", p->location);
	add_ref (refs, "OTHER", "hull-arch", p->arch);
	json_object_set_new (o, "externalRefs", refs);
	json_object_set_new (o, "primaryPackagePurpose", json_string ("LIBRARY"));
	return o;
}

static json_t *
rel (const char *a, const char *type, const char *b)
{
	return json_pack ("{s:s,s:s,s:s}", "spdxElementId", a, "relationshipType", type,
			  "relatedSpdxElement", b);
}

static json_t *
target_json (const struct hull_inventory *inv)
{
	json_t *t = json_pack ("{s:s,s:o,s:s,s:b,s:s,s:s,s:s,s:s}", "SPDXID", "SPDXRef-Target",
			       "name", S (inv->target ? inv->target : "unknown"),
			       "downloadLocation", "NOASSERTION", "filesAnalyzed", 0,
			       "primaryPackagePurpose", inv->target_digest ? "CONTAINER" : "FILE",
			       "licenseConcluded", "NOASSERTION", "licenseDeclared", "NOASSERTION",
			       "copyrightText", "NOASSERTION");

	if (inv->target_digest)
		json_object_set_new (t, "versionInfo", S (inv->target_digest));
	return t;
}

char *
hull_sbom_spdx (const struct hull_inventory *inv, const struct hull_sbom_opts *o, hull_error_t *err)
{
	json_t *pkgs = json_array (), *rels = json_array ();
	_cleanup_free_ char *uuid = hull_sbom_uuid (), *name = sanitize (inv->target), *ns = NULL;
	_cleanup_free_ char *creator = NULL;
	char ts[32];

	ns = hull_xasprintf (NAMESPACE_BASE "%s-%s", name, uuid);
	creator = hull_xasprintf ("Tool: hull-%s", o && o->tool_version ? o->tool_version : "0");
	hull_sbom_timestamp (o ? o->now : 0, ts);
	json_array_append_new (pkgs, target_json (inv));
	json_array_append_new (rels, rel ("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Target"));
	if (inv->os.id) {
		json_t *os =
			json_pack ("{s:s,s:o,s:s,s:b,s:s}", "SPDXID", "SPDXRef-OperatingSystem",
				   "name", S (inv->os.id), "downloadLocation", "NOASSERTION",
				   "filesAnalyzed", 0, "primaryPackagePurpose", "OPERATING-SYSTEM");
		if (inv->os.version_id)
			json_object_set_new (os, "versionInfo", S (inv->os.version_id));
		if (inv->os.pretty_name)
			json_object_set_new (os, "description", S (inv->os.pretty_name));
		json_array_append_new (pkgs, os);
		json_array_append_new (
			rels, rel ("SPDXRef-Target", "CONTAINS", "SPDXRef-OperatingSystem"));
	}
	for (size_t i = 0; i < inv->n_pkgs; i++) {
		_cleanup_free_ char *id = hull_xasprintf ("SPDXRef-Package-%zu", i);
		json_array_append_new (pkgs, pkg_json (&inv->pkgs[i], id));
		json_array_append_new (rels, rel ("SPDXRef-Target", "CONTAINS", id));
	}
	return hull_sbom_dump (json_pack (
		"{s:s,s:s,s:s,s:o,s:s,s:{s:s,s:[s]},s:[s],s:o,s:o}", "spdxVersion", "SPDX-2.3",
		"dataLicense", "CC0-1.0", "SPDXID", "SPDXRef-DOCUMENT", "name",
		S (inv->target ? inv->target : "unknown"), "documentNamespace", ns, "creationInfo",
		"created", ts, "creators", creator, "documentDescribes", "SPDXRef-Target",
		"packages", pkgs, "relationships", rels));
}

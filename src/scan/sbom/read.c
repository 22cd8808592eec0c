/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading CycloneDX and SPDX JSON back into the inventory model, so that
 * `hull scan SBOM` matches exactly what `hull scan DIR` matches. SBOMs come from
 * anywhere: the document is capped before parsing, duplicate keys are refused, every
 * member's type is checked and every count capped, and errors name the JSON path. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "scan/inventory/lang-readers.h"
#include "scan/sbom/sbom.h"

#define MAX_NESTING 16	    /* CycloneDX components inside components */
#define MAX_PROPERTIES 4096 /* per component */
#define MAX_LICENSES 1024   /* per component */

struct rd {
	const char *name;
	struct hull_inventory *inv;
	char path[256];
	size_t n_seen;	  /* components / packages looked at, capped */
	bool os_explicit; /* the OS came from an operating-system component or package */
	hull_error_t *err;
};

static int fail (struct rd *r, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static int
fail (struct rd *r, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start (ap, fmt);
	vsnprintf (what, sizeof what, fmt, ap);
	va_end (ap);
	if (r->path[0] == '\0')
		return hull_error_make (r->err, EINVAL, "%s: %s", r->name, what);
	return hull_error_make (r->err, EINVAL, "%s: %s: %s", r->name, r->path, what);
}

/* An optional string member: *out borrows it (NULL when absent or null). */
static int
opt_str (struct rd *r, json_t *obj, const char *key, const char **out)
{
	json_t *v = json_object_get (obj, key);

	*out = NULL;
	if (v == NULL || json_is_null (v))
		return 0;
	if (!json_is_string (v) || json_string_length (v) > HULL_SBOM_MAX_STRING)
		return fail (r, "`%s`: expected a string", key);
	*out = json_string_value (v);
	return 0;
}

/* An optional array member, at most `max` long (NULL when absent). */
static int
opt_array (struct rd *r, json_t *obj, const char *key, size_t max, json_t **out)
{
	json_t *v = json_object_get (obj, key);

	*out = NULL;
	if (v == NULL || json_is_null (v))
		return 0;
	if (!json_is_array (v) || json_array_size (v) > max)
		return fail (r, "`%s`: expected an array of at most %zu entries", key, max);
	*out = v;
	return 0;
}

static char *
dup0 (const char *s)
{
	return s && *s ? hull_xstrdup (s) : NULL;
}

static enum hull_pkg_type
type_from_purl (const char *t)
{
	for (int i = 1; i < HULL_PKG_TYPE_MAX; i++) {
		const char *name = hull_pkg_type_purl ((enum hull_pkg_type) i);
		if (name && strcmp (name, t) == 0)
			return (enum hull_pkg_type) i;
	}
	return HULL_PKG_UNKNOWN;
}

/* The package name in hull's model from a purl: maven "group:artifact", Go the module
 * path, npm "@scope/name", everything else the bare name (for OS packages the
 * namespace is the vendor, not part of the name). */
static char *
model_name (enum hull_pkg_type t, const struct hull_purl *u)
{
	if (u->namespace == NULL)
		return hull_xstrdup (u->name);
	switch (t) {
	case HULL_PKG_MAVEN:
		return hull_xasprintf ("%s:%s", u->namespace, u->name);
	case HULL_PKG_GOLANG:
	case HULL_PKG_NPM:
		return hull_xasprintf ("%s/%s", u->namespace, u->name);
	default:
		return hull_xstrdup (u->name);
	}
}

/* "glibc" or "glibc@2.36-9" (the `upstream` qualifier other tools write). */
static void
set_source (struct hull_pkg *p, const char *s)
{
	const char *at = strchr (s, '@');

	if (p->source_name != NULL || *s == '\0' || at == s)
		return;
	p->source_name = at ? hull_xstrndup (s, (size_t) (at - s)) : hull_xstrdup (s);
	if (at && at[1] && p->source_version == NULL)
		p->source_version = hull_xstrdup (at + 1);
}

/* "debian-12", "alpine-3.18.4", "opensuse-leap-15.5": the id is everything before the
 * last '-' followed by a digit. */
static void
os_from_distro (struct hull_os *os, const char *distro, const char *ns)
{
	const char *dash = NULL;

	if (os->id)
		return;
	for (const char *p = distro; p && *p; p++)
		if (*p == '-' && p[1] >= '0' && p[1] <= '9')
			dash = p;
	if (dash && dash > distro) {
		os->id = hull_xstrndup (distro, (size_t) (dash - distro));
		os->version_id = hull_xstrdup (dash + 1);
	} else if (distro && *distro) {
		os->id = hull_xstrdup (distro);
	} else if (ns) {
		os->id = hull_xstrdup (ns);
	}
	for (char *p = os->id; p && *p; p++)
		*p = (char) (*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
}

/* A pypi purl's name is PEP 503-normalised ("jinja2") while the package is named as
 * installed ("Jinja2"): the document's name is the package's when it normalises to the
 * purl's, so that findings name the package as scanning the directory does. */
static char *
pkg_name (enum hull_pkg_type t, const struct hull_purl *u, const char *doc_name)
{
	_cleanup_free_ char *a = NULL, *b = NULL;

	if (t != HULL_PKG_PYPI || doc_name == NULL || *doc_name == '\0')
		return model_name (t, u);
	a = hull_lang_pep503 (doc_name);
	b = hull_lang_pep503 (u->name);
	return strcmp (a, b) == 0 ? hull_xstrdup (doc_name) : model_name (t, u);
}

/* Add a package for `purl`, with the document's own name/version where it gives them.
 * Returns the package, or NULL (no error) for purls of types hull does not know. */
static struct hull_pkg *
add_pkg (struct rd *r, const char *purl, const char *name, const char *version, struct hull_purl *u,
	 int *ret)
{
	hull_error_t perr = { 0 };
	enum hull_pkg_type t;
	struct hull_pkg *p;
	const char *q;

	*ret = 0;
	if (hull_purl_parse (purl, u, &perr) < 0) {
		*ret = fail (r, "%s", perr.msg);
		return NULL;
	}
	if ((t = type_from_purl (u->type)) == HULL_PKG_UNKNOWN)
		return NULL;
	if (r->inv->n_pkgs >= HULL_SBOM_MAX_COMPONENTS) {
		*ret = fail (r, "more than %u packages", HULL_SBOM_MAX_COMPONENTS);
		return NULL;
	}
	p = hull_inventory_add (r->inv);
	p->type = t;
	p->name = pkg_name (t, u, name);
	p->purl = hull_xstrdup (purl);
	if (version && *version)
		p->version = hull_xstrdup (version);
	else if (u->version && t == HULL_PKG_RPM && (q = hull_purl_qualifier (u, "epoch")) &&
		 strchr (u->version, ':') == NULL)
		p->version = hull_xasprintf ("%s:%s", q, u->version); /* purl-spec rpm epoch */
	else
		p->version = dup0 (u->version);
	p->arch = dup0 (hull_purl_qualifier (u, "arch"));
	if ((q = hull_purl_qualifier (u, "upstream")) != NULL)
		set_source (p, q);
	if (t == HULL_PKG_DEB || t == HULL_PKG_APK || t == HULL_PKG_RPM)
		os_from_distro (&r->inv->os, hull_purl_qualifier (u, "distro"), NULL);
	return p;
}

/* An operating-system component or package names the OS outright: it replaces a guess
 * made from a distro qualifier seen earlier. */
static void
set_os (struct rd *r, const char *name, const char *version, const char *desc)
{
	if (r->os_explicit || name == NULL || *name == '\0')
		return;
	hull_os_clear (&r->inv->os);
	r->os_explicit = true;
	r->inv->os.id = hull_xstrdup (name);
	for (char *q = r->inv->os.id; *q; q++)
		*q = (char) (*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
	r->inv->os.version_id = dup0 (version);
	r->inv->os.pretty_name = dup0 (desc);
}

static void
push_license (struct hull_pkg *p, const char *l)
{
	if (l == NULL || *l == '\0' || p->n_licenses >= MAX_LICENSES)
		return;
	p->licenses = hull_xreallocarray (p->licenses, p->n_licenses + 1, sizeof (char *));
	p->licenses[p->n_licenses++] = hull_xstrdup (l);
}

/* ---- CycloneDX ---- */

static int
cdx_props (struct rd *r, json_t *c, struct hull_pkg *p)
{
	json_t *props, *pr;
	size_t i;

	if (opt_array (r, c, "properties", MAX_PROPERTIES, &props) < 0)
		return -EINVAL;
	json_array_foreach (props, i, pr) {
		const char *n, *v;
		if (!json_is_object (pr) || opt_str (r, pr, "name", &n) < 0 ||
		    opt_str (r, pr, "value", &v) < 0)
			return fail (r, "properties[]: %s", "expected {name, value}");
		if (n == NULL || v == NULL)
			continue;
		if (strcmp (n, HULL_SBOM_PROP_SOURCE) == 0 && p->source_name == NULL)
			p->source_name = dup0 (v);
		else if (strcmp (n, HULL_SBOM_PROP_SOURCE_VERSION) == 0 && !p->source_version)
			p->source_version = dup0 (v);
		else if (strcmp (n, HULL_SBOM_PROP_LOCATION) == 0 && p->location == NULL)
			p->location = dup0 (v);
		else if (strcmp (n, HULL_SBOM_PROP_ARCH) == 0 && p->arch == NULL)
			p->arch = dup0 (v);
	}
	return 0;
}

/* licenses: [{license: {id | name}}, {expression}] (CycloneDX "licenseChoice"). */
static int
cdx_licenses (struct rd *r, json_t *c, struct hull_pkg *p)
{
	json_t *lic, *l, *inner;
	size_t i;
	const char *s;

	if (opt_array (r, c, "licenses", MAX_LICENSES, &lic) < 0)
		return -EINVAL;
	json_array_foreach (lic, i, l) {
		if (!json_is_object (l))
			return fail (r, "licenses[]: %s", "expected an object");
		if ((inner = json_object_get (l, "license")) != NULL) {
			if (!json_is_object (inner) || opt_str (r, inner, "id", &s) < 0)
				return fail (r, "licenses[].license: %s", "expected an object");
			if (s == NULL && opt_str (r, inner, "name", &s) < 0)
				return -EINVAL;
		} else if (opt_str (r, l, "expression", &s) < 0) {
			return -EINVAL;
		}
		push_license (p, s);
	}
	return 0;
}

static int cdx_components (struct rd *r, json_t *arr, unsigned depth);

static int
cdx_component (struct rd *r, json_t *c, unsigned depth)
{
	const char *type, *name, *version, *purl, *desc;
	_cleanup_ (hull_purl_clear) struct hull_purl u = { 0 };
	struct hull_pkg *p;
	json_t *sub;
	int ret;

	if (!json_is_object (c))
		return fail (r, "%s", "expected a component object");
	if (opt_str (r, c, "type", &type) < 0 || opt_str (r, c, "name", &name) < 0 ||
	    opt_str (r, c, "version", &version) < 0 || opt_str (r, c, "purl", &purl) < 0 ||
	    opt_str (r, c, "description", &desc) < 0)
		return -EINVAL;
	if (type && strcmp (type, "operating-system") == 0) {
		set_os (r, name, version, desc);
	} else if (purl) {
		p = add_pkg (r, purl, name, version, &u, &ret);
		if (ret < 0)
			return ret;
		if (p && (cdx_props (r, c, p) < 0 || cdx_licenses (r, c, p) < 0))
			return -EINVAL;
	}
	if (opt_array (r, c, "components", HULL_SBOM_MAX_COMPONENTS, &sub) < 0)
		return -EINVAL;
	return sub ? cdx_components (r, sub, depth + 1) : 0;
}

static int
cdx_components (struct rd *r, json_t *arr, unsigned depth)
{
	size_t i, old = strlen (r->path);
	json_t *c;

	if (depth > MAX_NESTING)
		return fail (r, "components nested more than %d deep", MAX_NESTING);
	json_array_foreach (arr, i, c) {
		if (++r->n_seen > HULL_SBOM_MAX_COMPONENTS)
			return fail (r, "more than %u components", HULL_SBOM_MAX_COMPONENTS);
		snprintf (r->path + old, sizeof r->path - old, "%scomponents[%zu]", old ? "." : "",
			  i);
		if (cdx_component (r, c, depth) < 0)
			return -EINVAL;
		r->path[old] = '\0';
	}
	return 0;
}

static int
read_cyclonedx (struct rd *r, json_t *root)
{
	json_t *meta = json_object_get (root, "metadata"), *comps, *mc;
	const char *spec, *name = NULL, *version = NULL;

	if (opt_str (r, root, "specVersion", &spec) < 0)
		return -EINVAL;
	if (spec == NULL || strncmp (spec, "1.", 2) != 0)
		return fail (r, "specVersion `%s`: expected CycloneDX 1.x", spec ? spec : "");
	if (meta && json_is_object (meta) && (mc = json_object_get (meta, "component")) &&
	    json_is_object (mc) &&
	    (opt_str (r, mc, "name", &name) < 0 || opt_str (r, mc, "version", &version) < 0))
		return -EINVAL;
	r->inv->target = hull_xstrdup (name && *name ? name : r->name);
	if (version && strncmp (version, "sha256:", 7) == 0)
		r->inv->target_digest = hull_xstrdup (version);
	if (opt_array (r, root, "components", HULL_SBOM_MAX_COMPONENTS, &comps) < 0)
		return -EINVAL;
	return comps ? cdx_components (r, comps, 0) : 0;
}

/* ---- SPDX ---- */

/* A referenceLocator, %20 and %25 decoded (spdx.c encodes spaces and '%'). */
static char *
locator (const char *s)
{
	char *o = hull_xstrdup (s), *w = o;

	for (const char *p = s; *p; p++) {
		if (p[0] == '%' && p[1] == '2' && (p[2] == '0' || p[2] == '5')) {
			*w++ = p[2] == '0' ? ' ' : '%';
			p += 2;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return o;
}

/* externalRefs: the purl, and hull's OTHER references. Returns the purl (borrowed). */
static int
spdx_refs (struct rd *r, json_t *pkg, const char **purl, json_t **refs)
{
	json_t *ref;
	size_t i;

	*purl = NULL;
	if (opt_array (r, pkg, "externalRefs", MAX_PROPERTIES, refs) < 0)
		return -EINVAL;
	json_array_foreach (*refs, i, ref) {
		const char *cat, *type, *loc;
		if (!json_is_object (ref) || opt_str (r, ref, "referenceCategory", &cat) < 0 ||
		    opt_str (r, ref, "referenceType", &type) < 0 ||
		    opt_str (r, ref, "referenceLocator", &loc) < 0)
			return fail (r, "externalRefs[]: %s", "expected an object of strings");
		/* SPDX 2.2 spells the category PACKAGE_MANAGER, 2.3 PACKAGE-MANAGER. */
		if (cat && type && loc && *purl == NULL && strcmp (type, "purl") == 0 &&
		    (strcmp (cat, "PACKAGE-MANAGER") == 0 || strcmp (cat, "PACKAGE_MANAGER") == 0))
			*purl = loc;
	}
	return 0;
}

static void
spdx_hull_refs (json_t *refs, struct hull_pkg *p)
{
	json_t *ref;
	size_t i;

	json_array_foreach (refs, i, ref) {
		const char *type = json_string_value (json_object_get (ref, "referenceType"));
		const char *loc = json_string_value (json_object_get (ref, "referenceLocator"));
		_cleanup_free_ char *v = NULL;
		if (type == NULL || loc == NULL)
			continue;
		v = locator (loc);
		if (strcmp (type, "hull-source") == 0 && p->source_name == NULL)
			set_source (p, v);
		else if (strcmp (type, "hull-location") == 0 && p->location == NULL)
			p->location = TAKE_PTR (v);
		else if (strcmp (type, "hull-arch") == 0 && p->arch == NULL)
			p->arch = TAKE_PTR (v);
	}
}

/* licenseDeclared: a conjunction of ids back into the list; NOASSERTION and NONE are
 * no licence information. */
static void
spdx_licenses (const char *expr, struct hull_pkg *p)
{
	_cleanup_free_ char *copy = NULL;
	char *s, *sep;

	if (expr == NULL || strcmp (expr, "NOASSERTION") == 0 || strcmp (expr, "NONE") == 0)
		return;
	if (strstr (expr, " OR ") || strchr (expr, '(')) {
		push_license (p, expr);
		return;
	}
	for (s = copy = hull_xstrdup (expr); s; s = sep ? sep + 5 : NULL) {
		if ((sep = strstr (s, " AND ")) != NULL)
			*sep = '\0';
		push_license (p, s);
	}
}

static int
spdx_package (struct rd *r, json_t *pkg)
{
	const char *name, *version, *purpose, *purl, *lic, *desc;
	_cleanup_ (hull_purl_clear) struct hull_purl u = { 0 };
	struct hull_pkg *p;
	json_t *refs;
	int ret;

	if (!json_is_object (pkg))
		return fail (r, "%s", "expected a package object");
	if (opt_str (r, pkg, "name", &name) < 0 || opt_str (r, pkg, "versionInfo", &version) < 0 ||
	    opt_str (r, pkg, "primaryPackagePurpose", &purpose) < 0 ||
	    opt_str (r, pkg, "licenseDeclared", &lic) < 0 ||
	    opt_str (r, pkg, "description", &desc) < 0 || spdx_refs (r, pkg, &purl, &refs) < 0)
		return -EINVAL;
	if (purpose && strcmp (purpose, "OPERATING-SYSTEM") == 0) {
		set_os (r, name, version, desc);
		return 0;
	}
	if (purl == NULL)
		return 0;
	if ((p = add_pkg (r, purl, name, version, &u, &ret)) == NULL)
		return ret;
	spdx_hull_refs (refs, p);
	spdx_licenses (lic, p);
	return 0;
}

static int
read_spdx (struct rd *r, json_t *root)
{
	const char *ver, *name;
	json_t *pkgs, *pkg;
	size_t i;

	if (opt_str (r, root, "spdxVersion", &ver) < 0 || opt_str (r, root, "name", &name) < 0)
		return -EINVAL;
	if (ver == NULL || strncmp (ver, "SPDX-2.", 7) != 0)
		return fail (r, "spdxVersion `%s`: expected SPDX-2.x", ver ? ver : "");
	r->inv->target = hull_xstrdup (name && *name ? name : r->name);
	if (opt_array (r, root, "packages", HULL_SBOM_MAX_COMPONENTS, &pkgs) < 0)
		return -EINVAL;
	json_array_foreach (pkgs, i, pkg) {
		snprintf (r->path, sizeof r->path, "packages[%zu]", i);
		if (spdx_package (r, pkg) < 0)
			return -EINVAL;
	}
	return 0;
}

enum hull_sbom_format
hull_sbom_detect (const char *text, size_t len)
{
	size_t i = 0;

	while (i < len && strchr (" \t\r\n", text[i]) && text[i] != '\0')
		i++;
	if (i >= len || text[i] != '{')
		return HULL_SBOM_NONE;
	if (memmem (text, len, "\"bomFormat\"", 11) && memmem (text, len, "\"CycloneDX\"", 11))
		return HULL_SBOM_CYCLONEDX;
	if (memmem (text, len, "\"spdxVersion\"", 13))
		return HULL_SBOM_SPDX;
	return HULL_SBOM_NONE;
}

/* What parsing `text` would cost in memory, estimated from its JSON tokens outside
 * strings at jansson's sizes on 64-bit (measured: about 340 bytes per object with one
 * member, 140 per empty array, 30 per scalar), rounded up. The document cap alone does
 * not bound memory: 256 MiB of `{"":0},` is 37 million objects, 13 GiB parsed. */
uint64_t
hull_sbom_json_cost (const char *text, size_t len)
{
	uint64_t cost = len;
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (c == '{')
			cost += 384;
		else if (c == '[')
			cost += 160;
		else if (c == ',' || c == ':')
			cost += 64; /* a member or element: its value and the slot holding it */
	}
	return cost;
}

int
hull_sbom_json_cost_check (const char *text, size_t len, const char *name, hull_error_t *err)
{
	if (len <= HULL_SBOM_MAX_BYTES &&
	    hull_sbom_json_cost (text, len) > HULL_SBOM_MAX_PARSE_MEMORY)
		return hull_error_make (err, EFBIG,
					"%s: too many JSON objects, arrays and values: parsing "
					"would take over %u MiB",
					name, (unsigned) (HULL_SBOM_MAX_PARSE_MEMORY >> 20));
	return 0;
}

int
hull_sbom_read (const char *text, size_t len, const char *name, struct hull_inventory *out,
		hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *root = NULL;
	struct rd r = { .name = name, .inv = out, .err = err };
	const char *fmt;
	int ret;

	if (hull_sbom_json_cost_check (text, len, name, err) < 0)
		return -EFBIG;
	if ((root = hull_json_parse (text, len, HULL_SBOM_MAX_BYTES, name, err)) == NULL)
		return -EINVAL;
	if (!json_is_object (root))
		return hull_error_make (err, EINVAL, "%s: expected a JSON object", name);
	fmt = json_string_value (json_object_get (root, "bomFormat"));
	if (fmt && strcmp (fmt, "CycloneDX") == 0) {
		ret = read_cyclonedx (&r, root);
	} else if (json_object_get (root, "spdxVersion")) {
		ret = read_spdx (&r, root);
	} else {
		return hull_error_make (err, EINVAL,
					"%s: neither a CycloneDX (bomFormat) nor an SPDX "
					"(spdxVersion) JSON document",
					name);
	}
	if (ret < 0)
		hull_inventory_clear (out);
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading CycloneDX and SPDX JSON back into the inventory model, so that
 * `hull scan SBOM` matches exactly what `hull scan DIR` matches. SBOMs come from
 * anywhere: the document is capped before parsing, duplicate keys are refused, every
 * member's type is checked and every count capped, and errors name the JSON path. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
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

/* The reader's state; the root tables map into it. */
struct rd {
	struct hull_json_ctx ctx; /* document name and JSON path for every message */
	struct hull_inventory *inv;
	const char *doc_name;	 /* metadata.component.name (CycloneDX), name (SPDX) */
	const char *doc_version; /* metadata.component.version (CycloneDX) */
	size_t n_seen;		 /* components / packages looked at, capped */
	unsigned depth;		 /* CycloneDX components arrays open */
	bool os_explicit;	 /* the OS came from an operating-system component or package */
};

/* CUSTOM: a string of at most HULL_SBOM_MAX_STRING bytes, borrowed from the document
 * (const char * at f->offset). */
static int
ref (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
     hull_error_t *err)
{
	if (!json_is_string (v) || json_string_length (v) > HULL_SBOM_MAX_STRING)
		return hull_json_error (ctx, err, "expected a string of at most %u bytes",
					HULL_SBOM_MAX_STRING);
	if (base)
		*(const char **) ((char *) base + f->offset) = json_string_value (v);
	return 0;
}

/* Table entries, designated so that the members not named stay 0. */
#define REF(k, s, m)                                                                               \
	{                                                                                          \
		.key = (k), .type = HULL_JSON_CUSTOM, .offset = offsetof (s, m), .fn = ref         \
	}
#define CUSTOM(k, fl, parse)                                                                       \
	{                                                                                          \
		.key = (k), .type = HULL_JSON_CUSTOM, .flags = (fl), .fn = (parse)                 \
	}
#define EACH(k, n, parse)                                                                          \
	{                                                                                          \
		.key = (k), .type = HULL_JSON_EACH, .max = (n), .fn = (parse)                      \
	}
#define END                                                                                        \
	{                                                                                          \
		.key = NULL                                                                        \
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
	 int *ret, hull_error_t *err)
{
	hull_error_t perr = { 0 };
	enum hull_pkg_type t;
	struct hull_pkg *p;
	const char *q;

	*ret = 0;
	if (hull_purl_parse (purl, u, &perr) < 0) {
		*ret = hull_json_error (&r->ctx, err, "%s", perr.msg);
		return NULL;
	}
	if ((t = type_from_purl (u->type)) == HULL_PKG_UNKNOWN)
		return NULL;
	if (r->inv->n_pkgs >= HULL_SBOM_MAX_COMPONENTS) {
		*ret = hull_json_error (&r->ctx, err, "more than %u packages",
					HULL_SBOM_MAX_COMPONENTS);
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

struct cdx_prop {
	const char *name, *value;
};

static const struct hull_json_field cdx_prop_fields[] = {
	REF ("name", struct cdx_prop, name),
	REF ("value", struct cdx_prop, value),
	END,
};

/* properties[]: {name, value}; hull's own names give back what the model holds. */
static int
cdx_prop (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	  hull_error_t *err)
{
	struct hull_pkg *p = base;
	struct cdx_prop pr = { 0 };

	(void) f;
	if (!json_is_object (v))
		return hull_json_error (ctx, err, "expected {name, value}");
	if (hull_json_map (ctx, v, cdx_prop_fields, &pr, err) < 0)
		return -EINVAL;
	if (p == NULL || pr.name == NULL || pr.value == NULL)
		return 0;
	if (strcmp (pr.name, HULL_SBOM_PROP_SOURCE) == 0 && p->source_name == NULL)
		p->source_name = dup0 (pr.value);
	else if (strcmp (pr.name, HULL_SBOM_PROP_SOURCE_VERSION) == 0 && !p->source_version)
		p->source_version = dup0 (pr.value);
	else if (strcmp (pr.name, HULL_SBOM_PROP_LOCATION) == 0 && p->location == NULL)
		p->location = dup0 (pr.value);
	else if (strcmp (pr.name, HULL_SBOM_PROP_ARCH) == 0 && p->arch == NULL)
		p->arch = dup0 (pr.value);
	return 0;
}

/* One entry of licenses[] (CycloneDX "licenseChoice"). */
struct cdx_lic {
	bool has_license;
	const char *s;
};

static const struct hull_json_field cdx_lic_id_fields[] = { REF ("id", struct cdx_lic, s), END };
static const struct hull_json_field cdx_lic_name_fields[] = { REF ("name", struct cdx_lic, s),
							      END };
static const struct hull_json_field cdx_lic_expr_fields[] = {
	REF ("expression", struct cdx_lic, s),
	END,
};

/* license: {id} or, without an id, {name}. */
static int
cdx_lic_inner (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	       hull_error_t *err)
{
	struct cdx_lic l = { 0 };

	(void) f;
	if (!json_is_object (v))
		return hull_json_error (ctx, err, "expected an object");
	if (hull_json_map (ctx, v, cdx_lic_id_fields, &l, err) < 0 ||
	    (l.s == NULL && hull_json_map (ctx, v, cdx_lic_name_fields, &l, err) < 0))
		return -EINVAL;
	if (base)
		((struct cdx_lic *) base)->s = l.s;
	return 0;
}

/* A present `license` decides, even null (refused as it always was); `expression` is
 * read only without it. */
static const struct hull_json_field cdx_lic_fields[] = {
	{ .key = "license",
	  .type = HULL_JSON_CUSTOM,
	  .flags = HULL_JSON_HAS | HULL_JSON_NULL_VALUE,
	  .has = offsetof (struct cdx_lic, has_license),
	  .fn = cdx_lic_inner },
	END,
};

/* licenses: [{license: {id | name}}, {expression}]. */
static int
cdx_license (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	     hull_error_t *err)
{
	struct cdx_lic l = { 0 };

	(void) f;
	if (!json_is_object (v))
		return hull_json_error (ctx, err, "expected an object");
	if (hull_json_map (ctx, v, cdx_lic_fields, &l, err) < 0 ||
	    (!l.has_license && hull_json_map (ctx, v, cdx_lic_expr_fields, &l, err) < 0))
		return -EINVAL;
	if (base)
		push_license (base, l.s);
	return 0;
}

/* What a component with a package of a known type adds to it (struct hull_pkg). */
static const struct hull_json_field cdx_pkg_fields[] = {
	EACH ("properties", MAX_PROPERTIES, cdx_prop),
	EACH ("licenses", MAX_LICENSES, cdx_license),
	END,
};

struct cdx_comp {
	const char *type, *name, *version, *purl, *description;
};

static const struct hull_json_field cdx_comp_fields[] = {
	REF ("type", struct cdx_comp, type),
	REF ("name", struct cdx_comp, name),
	REF ("version", struct cdx_comp, version),
	REF ("purl", struct cdx_comp, purl),
	REF ("description", struct cdx_comp, description),
	END,
};

static int cdx_components (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v,
			   void *base, hull_error_t *err);

static const struct hull_json_field cdx_child_fields[] = {
	CUSTOM ("components", 0, cdx_components),
	END,
};

/* One component (base: struct rd): its strings, then its package's details, then the
 * components nested in it. */
static int
cdx_component (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	       hull_error_t *err)
{
	_cleanup_ (hull_purl_clear) struct hull_purl u = { 0 };
	struct cdx_comp c = { 0 };
	struct rd *r = base;
	struct hull_pkg *p;
	int ret;

	(void) f;
	if (++r->n_seen > HULL_SBOM_MAX_COMPONENTS)
		return hull_json_error (ctx, err, "more than %u components",
					HULL_SBOM_MAX_COMPONENTS);
	if (!json_is_object (v))
		return hull_json_error (ctx, err, "expected a component object");
	if (hull_json_map (ctx, v, cdx_comp_fields, &c, err) < 0)
		return -EINVAL;
	if (c.type && strcmp (c.type, "operating-system") == 0) {
		set_os (r, c.name, c.version, c.description);
	} else if (c.purl) {
		p = add_pkg (r, c.purl, c.name, c.version, &u, &ret, err);
		if (ret < 0)
			return ret;
		if (p && hull_json_map (ctx, v, cdx_pkg_fields, p, err) < 0)
			return -EINVAL;
	}
	return hull_json_map (ctx, v, cdx_child_fields, r, err);
}

static const struct hull_json_field cdx_component_each =
	EACH ("components", HULL_SBOM_MAX_COMPONENTS, cdx_component);

/* components[] at any level (base: struct rd); the nesting is capped before the
 * array is looked at. */
static int
cdx_components (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
		hull_error_t *err)
{
	struct rd *r = base;
	int ret;

	(void) f;
	if (r->depth > MAX_NESTING)
		return hull_json_error (ctx, err, "components nested more than %d deep",
					MAX_NESTING);
	r->depth++;
	ret = hull_json_map_value (ctx, &cdx_component_each, v, r, err);
	r->depth--;
	return ret;
}

static const struct hull_json_field cdx_meta_component_fields[] = {
	REF ("name", struct rd, doc_name),
	REF ("version", struct rd, doc_version),
	END,
};

/* metadata.component names the target; a metadata or component that is not an
 * object is ignored, as it always was. */
static int
cdx_meta_component (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v,
		    void *base, hull_error_t *err)
{
	(void) f;
	return json_is_object (v) ? hull_json_map (ctx, v, cdx_meta_component_fields, base, err)
				  : 0;
}

static const struct hull_json_field cdx_meta_fields[] = {
	CUSTOM ("component", 0, cdx_meta_component),
	END,
};

static int
cdx_metadata (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	      hull_error_t *err)
{
	(void) f;
	return json_is_object (v) ? hull_json_map (ctx, v, cdx_meta_fields, base, err) : 0;
}

static int
cdx_spec (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	  hull_error_t *err)
{
	const char *spec = NULL;

	(void) base;
	/* f is a CUSTOM () entry: offset 0, so ref () stores into the local. */
	if (ref (ctx, f, v, &spec, err) < 0)
		return -EINVAL;
	if (strncmp (spec, "1.", 2) != 0)
		return hull_json_error (ctx, err, "`%s`: expected CycloneDX 1.x", spec);
	return 0;
}

static const struct hull_json_field cdx_fields[] = {
	CUSTOM ("specVersion", HULL_JSON_MANDATORY, cdx_spec),
	CUSTOM ("metadata", 0, cdx_metadata),
	CUSTOM ("components", 0, cdx_components),
	END,
};

static int
read_cyclonedx (struct rd *r, json_t *root, hull_error_t *err)
{
	if (hull_json_map (&r->ctx, root, cdx_fields, r, err) < 0)
		return -EINVAL;
	r->inv->target = hull_xstrdup (r->doc_name && *r->doc_name ? r->doc_name : r->ctx.name);
	if (r->doc_version && strncmp (r->doc_version, "sha256:", 7) == 0)
		r->inv->target_digest = hull_xstrdup (r->doc_version);
	return 0;
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

struct spdx_ref {
	const char *category, *type, *locator;
};

static const struct hull_json_field spdx_ref_fields[] = {
	REF ("referenceCategory", struct spdx_ref, category),
	REF ("referenceType", struct spdx_ref, type),
	REF ("referenceLocator", struct spdx_ref, locator),
	END,
};

static int
spdx_ref (struct hull_json_ctx *ctx, json_t *v, struct spdx_ref *ref, hull_error_t *err)
{
	if (!json_is_object (v))
		return hull_json_error (ctx, err, "expected an object of strings");
	return hull_json_map (ctx, v, spdx_ref_fields, ref, err);
}

/* What one package says of itself (base of spdx_pkg_fields). */
struct spdx_pkg {
	const char *name, *version, *purpose, *license, *description;
	const char *purl; /* the first PACKAGE-MANAGER purl of externalRefs */
};

/* externalRefs[], first pass: every entry checked, the purl kept. */
static int
spdx_ref_purl (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	       hull_error_t *err)
{
	struct spdx_pkg *s = base;
	struct spdx_ref ref = { 0 };

	(void) f;
	if (spdx_ref (ctx, v, &ref, err) < 0)
		return -EINVAL;
	/* SPDX 2.2 spells the category PACKAGE_MANAGER, 2.3 PACKAGE-MANAGER. */
	if (s && ref.category && ref.type && ref.locator && s->purl == NULL &&
	    strcmp (ref.type, "purl") == 0 &&
	    (strcmp (ref.category, "PACKAGE-MANAGER") == 0 ||
	     strcmp (ref.category, "PACKAGE_MANAGER") == 0))
		s->purl = ref.locator;
	return 0;
}

/* externalRefs[], second pass (base: the package): hull's OTHER references. */
static int
spdx_ref_hull (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	       hull_error_t *err)
{
	_cleanup_free_ char *loc = NULL;
	struct spdx_ref ref = { 0 };
	struct hull_pkg *p = base;

	(void) f;
	if (spdx_ref (ctx, v, &ref, err) < 0)
		return -EINVAL;
	if (p == NULL || ref.type == NULL || ref.locator == NULL)
		return 0;
	loc = locator (ref.locator);
	if (strcmp (ref.type, "hull-source") == 0 && p->source_name == NULL)
		set_source (p, loc);
	else if (strcmp (ref.type, "hull-location") == 0 && p->location == NULL)
		p->location = TAKE_PTR (loc);
	else if (strcmp (ref.type, "hull-arch") == 0 && p->arch == NULL)
		p->arch = TAKE_PTR (loc);
	return 0;
}

static const struct hull_json_field spdx_pkg_fields[] = {
	REF ("name", struct spdx_pkg, name),
	REF ("versionInfo", struct spdx_pkg, version),
	REF ("primaryPackagePurpose", struct spdx_pkg, purpose),
	REF ("licenseDeclared", struct spdx_pkg, license),
	REF ("description", struct spdx_pkg, description),
	EACH ("externalRefs", MAX_PROPERTIES, spdx_ref_purl),
	END,
};

static const struct hull_json_field spdx_hull_ref_fields[] = {
	EACH ("externalRefs", MAX_PROPERTIES, spdx_ref_hull),
	END,
};

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

/* packages[i] (base: struct rd). */
static int
spdx_package (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	      hull_error_t *err)
{
	_cleanup_ (hull_purl_clear) struct hull_purl u = { 0 };
	struct spdx_pkg s = { 0 };
	struct rd *r = base;
	struct hull_pkg *p;
	int ret;

	(void) f;
	if (!json_is_object (v))
		return hull_json_error (ctx, err, "expected a package object");
	if (hull_json_map (ctx, v, spdx_pkg_fields, &s, err) < 0)
		return -EINVAL;
	if (s.purpose && strcmp (s.purpose, "OPERATING-SYSTEM") == 0) {
		set_os (r, s.name, s.version, s.description);
		return 0;
	}
	if (s.purl == NULL)
		return 0;
	if ((p = add_pkg (r, s.purl, s.name, s.version, &u, &ret, err)) == NULL)
		return ret;
	if (hull_json_map (ctx, v, spdx_hull_ref_fields, p, err) < 0)
		return -EINVAL;
	spdx_licenses (s.license, p);
	return 0;
}

static int
spdx_version (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	      hull_error_t *err)
{
	const char *ver = NULL;

	(void) base;
	/* f is a CUSTOM () entry: offset 0, so ref () stores into the local. */
	if (ref (ctx, f, v, &ver, err) < 0)
		return -EINVAL;
	if (strncmp (ver, "SPDX-2.", 7) != 0)
		return hull_json_error (ctx, err, "`%s`: expected SPDX-2.x", ver);
	return 0;
}

static const struct hull_json_field spdx_fields[] = {
	CUSTOM ("spdxVersion", HULL_JSON_MANDATORY, spdx_version),
	REF ("name", struct rd, doc_name),
	EACH ("packages", HULL_SBOM_MAX_COMPONENTS, spdx_package),
	END,
};

static int
read_spdx (struct rd *r, json_t *root, hull_error_t *err)
{
	if (hull_json_map (&r->ctx, root, spdx_fields, r, err) < 0)
		return -EINVAL;
	r->inv->target = hull_xstrdup (r->doc_name && *r->doc_name ? r->doc_name : r->ctx.name);
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
	struct rd r = { .inv = out };
	const char *fmt;
	int ret;

	if (hull_sbom_json_cost_check (text, len, name, err) < 0)
		return -EFBIG;
	if ((root = hull_json_parse (text, len, HULL_SBOM_MAX_BYTES, name, err)) == NULL)
		return -EINVAL;
	if (!json_is_object (root))
		return hull_error_make (err, EINVAL, "%s: expected a JSON object", name);
	/* Unknown members are ignored: SBOMs carry many that hull does not read. */
	hull_json_ctx_init (&r.ctx, name, NULL);
	fmt = json_string_value (json_object_get (root, "bomFormat"));
	if (fmt && strcmp (fmt, "CycloneDX") == 0) {
		ret = read_cyclonedx (&r, root, err);
	} else if (json_object_get (root, "spdxVersion")) {
		ret = read_spdx (&r, root, err);
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

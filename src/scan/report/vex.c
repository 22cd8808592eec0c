/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OpenVEX 0.2.0 documents (openvex/spec OPENVEX-SPEC.md v0.2.0): a statement with
 * status "not_affected" suppresses the findings of its vulnerability in its products.
 * "affected", "fixed" and "under_investigation" suppress nothing. Hostile input:
 * capped, duplicate keys refused, every field type checked, errors name the JSON
 * path. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/file.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "scan/inventory/lang-readers.h"
#include "scan/report/report.h"
#include "scan/sbom/sbom.h"

#define VEX_MAX_PRODUCTS 100000u
#define VEX_MAX_ALIASES 1024u
#define VEX_STRING_MAX 65536u

static const char *const status_names[] = {
	[HULL_VEX_NOT_AFFECTED] = "not_affected",
	[HULL_VEX_AFFECTED] = "affected",
	[HULL_VEX_FIXED] = "fixed",
	[HULL_VEX_UNDER_INVESTIGATION] = "under_investigation",
};

/* The justification labels of OpenVEX section "Status Justifications". */
static const char *const justifications[] = {
	"component_not_present",
	"vulnerable_code_not_present",
	"vulnerable_code_not_in_execute_path",
	"vulnerable_code_cannot_be_controlled_by_adversary",
	"inline_mitigations_already_exist",
};

struct walk {
	const char *name;
	size_t stmt;
	hull_error_t *err;
};

static int
fail (struct walk *w, const char *what)
{
	return hull_error_make (w->err, EINVAL, "%s: statements[%zu]: %s", w->name, w->stmt, what);
}

/* A string member: mandatory or optional, at most VEX_STRING_MAX bytes. */
static int
get_str (struct walk *w, json_t *obj, const char *key, bool mandatory, char **out)
{
	json_t *v = json_object_get (obj, key);
	_cleanup_free_ char *what = NULL;

	if (v == NULL || json_is_null (v)) {
		if (!mandatory)
			return 0;
		what = hull_xasprintf ("`%s` is missing", key);
		return fail (w, what);
	}
	if (!json_is_string (v) || json_string_length (v) == 0 ||
	    json_string_length (v) > VEX_STRING_MAX) {
		what = hull_xasprintf ("`%s`: expected a non-empty string", key);
		return fail (w, what);
	}
	*out = hull_xstrdup (json_string_value (v));
	return 0;
}

static void
push (char ***v, size_t *n, const char *s)
{
	*v = hull_xreallocarray (*v, *n + 1, sizeof (**v));
	(*v)[(*n)++] = hull_xstrdup (s);
}

/* vulnerability: an object {name, aliases[]} (0.2.0) or a bare string (0.0.x). */
static int
read_vuln (struct walk *w, json_t *st, struct hull_vex_statement *s)
{
	json_t *v = json_object_get (st, "vulnerability"), *a, *x;
	size_t i;

	if (json_is_string (v))
		return get_str (w, st, "vulnerability", true, &s->vuln);
	if (!json_is_object (v))
		return fail (w, "`vulnerability`: expected an object");
	if (get_str (w, v, "name", true, &s->vuln) < 0)
		return -EINVAL;
	if ((a = json_object_get (v, "aliases")) == NULL)
		return 0;
	if (!json_is_array (a) || json_array_size (a) > VEX_MAX_ALIASES)
		return fail (w, "`vulnerability.aliases`: expected an array of strings");
	json_array_foreach (a, i, x) {
		if (!json_is_string (x) || json_string_length (x) > VEX_STRING_MAX)
			return fail (w, "`vulnerability.aliases`: expected an array of strings");
		push (&s->aliases, &s->n_aliases, json_string_value (x));
	}
	return 0;
}

static int
read_product_id (struct walk *w, json_t *p, struct hull_vex_statement *s)
{
	json_t *id = json_is_object (p) ? json_object_get (p, "@id") : p;

	if (!json_is_string (id) || json_string_length (id) == 0 ||
	    json_string_length (id) > VEX_STRING_MAX)
		return fail (w, "product: expected an object with a string `@id`");
	if (s->n_products >= VEX_MAX_PRODUCTS)
		return fail (w, "too many products");
	push (&s->products, &s->n_products, json_string_value (id));
	return 0;
}

/* products[]: {"@id": purl, "subcomponents": [{"@id": purl}]}; both levels match. */
static int
read_products (struct walk *w, json_t *st, struct hull_vex_statement *s)
{
	json_t *a = json_object_get (st, "products"), *p, *subs, *sub;
	size_t i, j;

	if (!json_is_array (a) || json_array_size (a) == 0)
		return fail (w, "`products`: expected a non-empty array");
	json_array_foreach (a, i, p) {
		if (read_product_id (w, p, s) < 0)
			return -EINVAL;
		if (!json_is_object (p) || (subs = json_object_get (p, "subcomponents")) == NULL)
			continue;
		if (!json_is_array (subs))
			return fail (w, "`subcomponents`: expected an array");
		json_array_foreach (subs, j, sub)
			if (read_product_id (w, sub, s) < 0)
				return -EINVAL;
	}
	return 0;
}

static int
read_status (struct walk *w, json_t *st, struct hull_vex_statement *s)
{
	_cleanup_free_ char *status = NULL;
	bool known = false;

	if (get_str (w, st, "status", true, &status) < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof status_names / sizeof *status_names; i++)
		if (strcmp (status, status_names[i]) == 0)
			s->status = (enum hull_vex_status) i, known = true;
	if (!known)
		return fail (w, "`status`: expected not_affected, affected, fixed or "
				"under_investigation");
	if (get_str (w, st, "justification", false, &s->justification) < 0 ||
	    get_str (w, st, "impact_statement", false, &s->impact_statement) < 0)
		return -EINVAL;
	if (s->justification) {
		known = false;
		for (size_t i = 0; i < sizeof justifications / sizeof *justifications; i++)
			known |= strcmp (s->justification, justifications[i]) == 0;
		if (!known)
			return fail (w, "`justification`: not an OpenVEX justification label");
	}
	/* Section "Statement": not_affected MUST carry a justification or an impact
	 * statement; a bare claim suppresses nothing and is refused. */
	if (s->status == HULL_VEX_NOT_AFFECTED && !s->justification && !s->impact_statement)
		return fail (w, "not_affected without `justification` or `impact_statement`");
	return 0;
}

static void
statement_clear (struct hull_vex_statement *s)
{
	free (s->vuln);
	for (size_t i = 0; i < s->n_aliases; i++)
		free (s->aliases[i]);
	free (s->aliases);
	for (size_t i = 0; i < s->n_products; i++)
		free (s->products[i]);
	free (s->products);
	free (s->justification);
	free (s->impact_statement);
	memset (s, 0, sizeof (*s));
}

static int
check_context (json_t *root, const char *name, hull_error_t *err)
{
	json_t *ctx = json_object_get (root, "@context");
	const char *c = json_string_value (ctx);

	if (c == NULL || strncmp (c, "https://openvex.dev/ns", 22) != 0)
		return hull_error_make (err, EINVAL,
					"%s: `@context` does not name OpenVEX "
					"(https://openvex.dev/ns/v0.2.0)",
					name);
	return 0;
}

int
hull_vex_parse (const char *text, size_t len, const char *name, struct hull_vex *out,
		hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *root = NULL;
	struct walk w = { name, 0, err };
	json_t *sts, *st;

	memset (out, 0, sizeof (*out));
	if ((root = hull_json_parse (text, len, HULL_VEX_MAX_BYTES, name, err)) == NULL)
		return -EINVAL;
	if (!json_is_object (root))
		return hull_error_make (err, EINVAL, "%s: expected a JSON object", name);
	if (check_context (root, name, err) < 0)
		return -EINVAL;
	sts = json_object_get (root, "statements");
	if (!json_is_array (sts) || json_array_size (sts) > HULL_VEX_MAX_STATEMENTS)
		return hull_error_make (err, EINVAL,
					"%s: `statements`: expected an array of at "
					"most %u statements",
					name, HULL_VEX_MAX_STATEMENTS);
	out->name = hull_xstrdup (name);
	out->v = hull_xcalloc (json_array_size (sts) + 1, sizeof (*out->v));
	json_array_foreach (sts, w.stmt, st) {
		struct hull_vex_statement *s = &out->v[out->n++];
		if (!json_is_object (st) || read_vuln (&w, st, s) < 0 ||
		    read_products (&w, st, s) < 0 || read_status (&w, st, s) < 0) {
			if (!json_is_object (st))
				fail (&w, "expected an object");
			hull_vex_clear (out);
			return -EINVAL;
		}
	}
	return 0;
}

int
hull_vex_load (const char *path, struct hull_vex *out, hull_error_t *err)
{
	size_t len = 0;
	_cleanup_free_ char *text =
		hull_file_read_capped (AT_FDCWD, path, 0, HULL_VEX_MAX_BYTES, &len, err);

	memset (out, 0, sizeof (*out));
	if (text == NULL)
		return hull_error_wrap (err, "VEX document");
	return hull_vex_parse (text, len, path, out, err);
}

void
hull_vex_clear (struct hull_vex *vx)
{
	if (vx == NULL)
		return;
	for (size_t i = 0; i < vx->n; i++)
		statement_clear (&vx->v[i]);
	free (vx->v);
	free (vx->name);
	memset (vx, 0, sizeof (*vx));
}

/* Length of the purl without qualifiers and subpath (purl-spec: '?' and '#' cannot
 * appear unencoded in the other components). */
static size_t
purl_base_len (const char *p)
{
	return strcspn (p, "?#");
}

static bool
eq0 (const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp (a, b) == 0;
}

/* The names of two parsed purls of one type: pypi's compare PEP 503-normalised
 * (purl-spec PURL-TYPES "pypi": `Jinja2` and `jinja2` are one package). */
static bool
same_name (const struct hull_purl *a, const struct hull_purl *b)
{
	_cleanup_free_ char *x = NULL, *y = NULL;

	if (strcmp (a->type, "pypi") != 0)
		return strcmp (a->name, b->name) == 0;
	x = hull_lang_pep503 (a->name);
	y = hull_lang_pep503 (b->name);
	return strcmp (x, y) == 0;
}

bool
hull_vex_purl_match (const char *product, const char *purl)
{
	_cleanup_ (hull_purl_clear) struct hull_purl p = { 0 };
	_cleanup_ (hull_purl_clear) struct hull_purl f = { 0 };
	hull_error_t perr = { 0 };
	size_t np = purl_base_len (product), nf = purl_base_len (purl);

	if (np == nf && strncmp (product, purl, np) == 0)
		return true;
	/* Otherwise compare the decoded parts: hull writes `+` and an npm scope's `@`
	 * percent-encoded, other tools and people write them as they are. A product
	 * without a version names every version of the package. */
	if (hull_purl_parse (product, &p, &perr) < 0 || hull_purl_parse (purl, &f, &perr) < 0)
		return false;
	return strcmp (p.type, f.type) == 0 && eq0 (p.namespace, f.namespace) &&
	       same_name (&p, &f) && (p.version == NULL || eq0 (p.version, f.version));
}

static bool
statement_names (const struct hull_vex_statement *s, const struct hull_finding *x)
{
	bool id = false;

	for (size_t i = 0; x->id && !id && i <= s->n_aliases; i++) {
		const char *sid = i == 0 ? s->vuln : s->aliases[i - 1];
		id = strcmp (sid, x->id) == 0;
		for (size_t j = 0; !id && j < x->n_aliases; j++)
			id = x->aliases[j] && strcmp (sid, x->aliases[j]) == 0;
	}
	if (!id || x->pkg_purl == NULL)
		return false;
	for (size_t i = 0; i < s->n_products; i++)
		if (hull_vex_purl_match (s->products[i], x->pkg_purl))
			return true;
	return false;
}

size_t
hull_vex_apply (const struct hull_vex *vx, struct hull_findings *f)
{
	size_t n = 0;

	for (size_t j = 0; j < f->n; j++) {
		struct hull_finding *x = &f->v[j];
		const struct hull_vex_statement *last = NULL;
		if (x->suppressed)
			continue;
		/* The last statement about this finding decides (statements are ordered
		 * in time: a later "affected" revokes an earlier "not_affected"). */
		for (size_t i = 0; i < vx->n; i++)
			if (statement_names (&vx->v[i], x))
				last = &vx->v[i];
		if (last == NULL || last->status != HULL_VEX_NOT_AFFECTED)
			continue;
		x->suppressed = true;
		x->suppressed_by = hull_xasprintf ("vex:%s", vx->name ? vx->name : "");
		x->justification = hull_xstrdup (last->justification ? last->justification
								     : last->impact_statement);
		n++;
	}
	return n;
}

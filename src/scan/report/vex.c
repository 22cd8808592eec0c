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

/* A string of 1..VEX_STRING_MAX bytes (`@id`, names, labels); *out borrows. */
static int
expect_text (struct hull_json_ctx *ctx, json_t *v, const char **out, hull_error_t *err)
{
	if (!json_is_string (v) || json_string_length (v) == 0 ||
	    json_string_length (v) > VEX_STRING_MAX)
		return hull_json_error (ctx, err, "expected a non-empty string of at most %u bytes",
					VEX_STRING_MAX);
	*out = json_string_value (v);
	return 0;
}

/* CUSTOM: a non-empty string stored (xstrdup'ed) at f->offset. */
static int
text_field (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	    hull_error_t *err)
{
	const char *s;

	if (expect_text (ctx, v, &s, err) < 0)
		return -EINVAL;
	if (base)
		*(char **) ((char *) base + f->offset) = hull_xstrdup (s);
	return 0;
}

static void
push (char ***v, size_t *n, const char *s)
{
	*v = hull_xreallocarray (*v, *n + 1, sizeof (**v));
	(*v)[(*n)++] = hull_xstrdup (s);
}

/* One CUSTOM field of a dispatch table (designated: the other members stay 0). */
#define CUSTOM(k, off, fl, parse)                                                                  \
	{                                                                                          \
		.key = (k), .type = HULL_JSON_CUSTOM, .offset = (off), .flags = (fl),              \
		.fn = (parse)                                                                      \
	}

/* vulnerability.aliases: at most VEX_MAX_ALIASES strings. */
static int
read_aliases (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *a, void *base,
	      hull_error_t *err)
{
	struct hull_vex_statement *s = base;
	json_t *x;
	size_t i;

	(void) f;
	if (!json_is_array (a) || json_array_size (a) > VEX_MAX_ALIASES)
		return hull_json_error (ctx, err, "expected an array of at most %u strings",
					VEX_MAX_ALIASES);
	json_array_foreach (a, i, x) {
		if (!json_is_string (x) || json_string_length (x) > VEX_STRING_MAX) {
			size_t old = hull_json_path_push_index (ctx, i);
			int r = hull_json_error (ctx, err, "expected a string of at most %u bytes",
						 VEX_STRING_MAX);
			hull_json_path_pop (ctx, old);
			return r;
		}
		if (s)
			push (&s->aliases, &s->n_aliases, json_string_value (x));
	}
	return 0;
}

/* The 0.2.0 vulnerability object; its members land in the statement itself. A null
 * `aliases` stays refused (HULL_JSON_NULL_VALUE), as before the table mapping. */
static const struct hull_json_field vuln_fields[] = {
	CUSTOM ("name", offsetof (struct hull_vex_statement, vuln), HULL_JSON_MANDATORY,
		text_field),
	CUSTOM ("aliases", 0, HULL_JSON_NULL_VALUE, read_aliases),
	{ .key = NULL },
};

/* vulnerability: an object {name, aliases[]} (0.2.0) or a bare string (0.0.x). */
static int
read_vuln (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	   hull_error_t *err)
{
	if (json_is_string (v))
		return text_field (ctx, f, v, base, err);
	if (!json_is_object (v))
		return hull_json_error (ctx, err, "expected an object or a string");
	return hull_json_map (ctx, v, vuln_fields, base, err);
}

/* CUSTOM on `@id`: one product purl appended to the statement. */
static int
product_id (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *id, void *base,
	    hull_error_t *err)
{
	struct hull_vex_statement *s = base;
	const char *purl;

	(void) f;
	if (expect_text (ctx, id, &purl, err) < 0)
		return -EINVAL;
	if (s == NULL)
		return 0;
	if (s->n_products >= VEX_MAX_PRODUCTS)
		return hull_json_error (ctx, err, "more than %u products", VEX_MAX_PRODUCTS);
	push (&s->products, &s->n_products, purl);
	return 0;
}

static int read_subcomponents (struct hull_json_ctx *ctx, const struct hull_json_field *f,
			       json_t *a, void *base, hull_error_t *err);

/* A subcomponent's own subcomponents are not products of the statement. */
static const struct hull_json_field subcomponent_fields[] = {
	CUSTOM ("@id", 0, HULL_JSON_MANDATORY | HULL_JSON_NULL_VALUE, product_id),
	{ .key = NULL },
};

/* products[]: {"@id": purl, "subcomponents": [{"@id": purl}]}; both levels match. */
static const struct hull_json_field product_fields[] = {
	CUSTOM ("@id", 0, HULL_JSON_MANDATORY | HULL_JSON_NULL_VALUE, product_id),
	CUSTOM ("subcomponents", 0, HULL_JSON_NULL_VALUE, read_subcomponents),
	{ .key = NULL },
};

/* One product: an object mapped with `table`, or a bare purl string. */
static int
read_product (struct hull_json_ctx *ctx, json_t *p, size_t i, const struct hull_json_field *table,
	      void *base, hull_error_t *err)
{
	size_t old = hull_json_path_push_index (ctx, i);
	int r;

	if (json_is_object (p))
		r = hull_json_map (ctx, p, table, base, err);
	else
		r = product_id (ctx, table, p, base, err);
	if (r == 0)
		hull_json_path_pop (ctx, old);
	return r;
}

static int
read_subcomponents (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *a,
		    void *base, hull_error_t *err)
{
	json_t *p;
	size_t i;

	(void) f;
	if (!json_is_array (a))
		return hull_json_error (ctx, err, "expected an array");
	json_array_foreach (a, i, p)
		if (read_product (ctx, p, i, subcomponent_fields, base, err) < 0)
			return -EINVAL;
	return 0;
}

static int
read_products (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *a, void *base,
	       hull_error_t *err)
{
	json_t *p;
	size_t i;

	(void) f;
	if (!json_is_array (a) || json_array_size (a) == 0)
		return hull_json_error (ctx, err, "expected a non-empty array");
	json_array_foreach (a, i, p)
		if (read_product (ctx, p, i, product_fields, base, err) < 0)
			return -EINVAL;
	return 0;
}

/* Index of `s` in a table of names, or -1. */
static int
lookup (const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp (s, names[i]) == 0)
			return (int) i;
	return -1;
}

static int
read_status (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	     hull_error_t *err)
{
	struct hull_vex_statement *s = base;
	const char *status;
	int i;

	(void) f;
	if (expect_text (ctx, v, &status, err) < 0)
		return -EINVAL;
	i = lookup (status_names, sizeof status_names / sizeof *status_names, status);
	if (i < 0)
		return hull_json_error (ctx, err,
					"expected not_affected, affected, fixed or "
					"under_investigation");
	if (s)
		s->status = (enum hull_vex_status) i;
	return 0;
}

static int
read_justification (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v,
		    void *base, hull_error_t *err)
{
	const char *label;

	if (expect_text (ctx, v, &label, err) < 0)
		return -EINVAL;
	if (lookup (justifications, sizeof justifications / sizeof *justifications, label) < 0)
		return hull_json_error (ctx, err, "not an OpenVEX justification label");
	return text_field (ctx, f, v, base, err);
}

/* Section "Statement": not_affected MUST carry a justification or an impact
 * statement; a bare claim suppresses nothing and is refused. Runs on the mapped
 * statement (hull_vex_parse always maps into one). */
static int
statement_check (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *st, void *base,
		 hull_error_t *err)
{
	const struct hull_vex_statement *s = base;

	(void) f;
	(void) st;
	if (s && s->status == HULL_VEX_NOT_AFFECTED && !s->justification && !s->impact_statement)
		return hull_json_error (ctx, err,
					"not_affected without `justification` or "
					"`impact_statement`");
	return 0;
}

static const struct hull_json_field statement_fields[] = {
	CUSTOM ("vulnerability", offsetof (struct hull_vex_statement, vuln), HULL_JSON_MANDATORY,
		read_vuln),
	CUSTOM ("products", 0, HULL_JSON_MANDATORY, read_products),
	CUSTOM ("status", 0, HULL_JSON_MANDATORY, read_status),
	CUSTOM ("justification", offsetof (struct hull_vex_statement, justification), 0,
		read_justification),
	CUSTOM ("impact_statement", offsetof (struct hull_vex_statement, impact_statement), 0,
		text_field),
	{ .key = NULL },
};

static int
check_context (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	       hull_error_t *err)
{
	const char *c = json_string_value (v);

	(void) f;
	(void) base;
	if (c == NULL || strncmp (c, "https://openvex.dev/ns", 22) != 0)
		return hull_json_error (ctx, err,
					"does not name OpenVEX (https://openvex.dev/ns/v0.2.0)");
	return 0;
}

static const struct hull_json_field vex_fields[] = {
	CUSTOM ("@context", 0, HULL_JSON_MANDATORY, check_context),
	{ .key = "statements",
	  .type = HULL_JSON_ARRAY,
	  .offset = offsetof (struct hull_vex, v),
	  .flags = HULL_JSON_MANDATORY,
	  .sub = statement_fields,
	  .fn = statement_check,
	  .max = HULL_VEX_MAX_STATEMENTS,
	  .elem_size = sizeof (struct hull_vex_statement),
	  .count = offsetof (struct hull_vex, n) },
	{ .key = NULL },
};

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

int
hull_vex_parse (const char *text, size_t len, const char *name, struct hull_vex *out,
		hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *root = NULL;
	struct hull_json_ctx ctx;

	memset (out, 0, sizeof (*out));
	if ((root = hull_json_parse (text, len, HULL_VEX_MAX_BYTES, name, err)) == NULL)
		return -EINVAL;
	/* Unknown members (@id, author, timestamp, ...) are ignored. */
	hull_json_ctx_init (&ctx, name, NULL);
	if (hull_json_map (&ctx, root, vex_fields, out, err) < 0) {
		hull_vex_clear (out);
		return -EINVAL;
	}
	out->name = hull_xstrdup (name);
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

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The strict OSV record parser (OSV schema 1.6, https://ossf.github.io/osv-schema/).
 *
 * Records come from outside (published archives, mirrors, anyone's directory): every
 * field is type-checked through the json.h dispatch tables, enums are closed, times
 * must be RFC 3339, arrays are capped before anything is allocated for them, and an
 * error names the file and the JSON path of the bad field. Unknown keys are accepted
 * (the schema allows database-specific growth); `credits` and the free-form
 * `*_specific` objects are only type-checked. */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "scan/vuln/vulndb.h"

/* Positional field tables leave trailing members out (as the OCI tables do). */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* ---- small validators ---- */

static int
two (const char *s, int *out)
{
	if (!isdigit ((unsigned char) s[0]) || !isdigit ((unsigned char) s[1]))
		return -1;
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return 0;
}

/* RFC 3339 section 5.6 date-time; the schema requires UTC ("Z") but published
 * records carry offsets too, which are accepted and applied. */
int
hull_osv_parse_time (const char *s, time_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm = { 0 };
	int c, y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	time_t t;

	if (strlen (s) < 20 || two (s, &c) < 0 || two (s + 2, &y) < 0 || s[4] != '-' ||
	    two (s + 5, &mo) < 0 || s[7] != '-' || two (s + 8, &d) < 0 ||
	    (s[10] != 'T' && s[10] != 't') || two (s + 11, &h) < 0 || s[13] != ':' ||
	    two (s + 14, &mi) < 0 || s[16] != ':' || two (s + 17, &sec) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
		return -1;
	s += 19;
	if (*s == '.') {
		if (!isdigit ((unsigned char) s[1]))
			return -1;
		for (s++; isdigit ((unsigned char) *s); s++)
			;
	}
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s == '+' ? 1 : -1;
		if (two (s + 1, &oh) < 0 || s[3] != ':' || two (s + 4, &om) < 0 || oh > 23 ||
		    om > 59)
			return -1;
		s += 6;
	} else
		return -1;
	if (*s != '\0')
		return -1;
	tm.tm_year = c * 100 + y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec == 60 ? 59 : sec;
	t = timegm (&tm);
	*out = t - sign * (oh * 3600 + om * 60);
	return 0;
}

void
hull_osv_pep503 (const char *name, char *out)
{
	size_t o = 0;

	/* PEP 503: re.sub(r"[-_.]+", "-", name).lower() */
	for (const char *p = name; *p; p++) {
		if (*p == '-' || *p == '_' || *p == '.') {
			if (o == 0 || out[o - 1] != '-')
				out[o++] = '-';
			continue;
		}
		out[o++] = (char) tolower ((unsigned char) *p);
	}
	out[o] = '\0';
}

char *
hull_osv_index_name (const char *ecosystem, const char *name)
{
	char *out;

	if (strcmp (ecosystem, "PyPI") != 0)
		return hull_xstrdup (name);
	out = hull_xmalloc (strlen (name) + 1);
	hull_osv_pep503 (name, out);
	return out;
}

/* ---- field callbacks ---- */

#define FIELD_STR(b, off) (*(char **) ((char *) (b) + (off)))

static int
check_time (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	    hull_error_t *err)
{
	const char *s;
	time_t t;

	if (hull_json_expect_string (ctx, v, &s, err) < 0)
		return -EINVAL;
	if (hull_osv_parse_time (s, &t) < 0)
		return hull_json_error (ctx, err, "`%.64s` is not an RFC 3339 date-time", s);
	if (base)
		FIELD_STR (base, f->offset) = hull_xstrdup (s);
	return 0;
}

/* A short identifying string: non-empty, bounded, printable. */
static int
check_token (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	     hull_error_t *err)
{
	const char *s;
	size_t n;

	if (hull_json_expect_string (ctx, v, &s, err) < 0)
		return -EINVAL;
	n = strlen (s);
	if (n == 0 || n > HULL_OSV_MAX_STRING)
		return hull_json_error (ctx, err, "expected 1 to %d characters, got %zu",
					HULL_OSV_MAX_STRING, n);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
			return hull_json_error (ctx, err, "control character at offset %zu", i);
	if (base)
		FIELD_STR (base, f->offset) = hull_xstrdup (s);
	return 0;
}

/* The record id: the schema's `^[A-Za-z0-9._:-]+$`-style prefix-id ("GHSA-...",
 * "CVE-2023-4911", "DEBIAN-CVE-..."). */
static int
check_id (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	  hull_error_t *err)
{
	const char *s;
	size_t n;

	if (hull_json_expect_string (ctx, v, &s, err) < 0)
		return -EINVAL;
	n = strlen (s);
	if (n == 0 || n > 256)
		return hull_json_error (ctx, err, "expected 1 to 256 characters, got %zu", n);
	if (strspn (s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-") != n)
		return hull_json_error (ctx, err, "`%.64s`: only letters, digits and ._:- allowed",
					s);
	if (base)
		FIELD_STR (base, f->offset) = hull_xstrdup (s);
	return 0;
}

/* ecosystem_specific / database_specific: free-form objects; only a string
 * "severity" (GHSA, RustSec) or "urgency" (Debian) is kept, the first one found. */
static int
specific (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	  hull_error_t *err)
{
	static const char *const keys[] = { "severity", "urgency" };

	if (!json_is_object (v))
		return hull_json_error (ctx, err, "expected an object");
	for (size_t i = 0; i < 2; i++) {
		json_t *s = json_object_get (v, keys[i]);
		if (s == NULL || !json_is_string (s) || json_string_length (s) > 64)
			continue;
		if (base && FIELD_STR (base, f->offset) == NULL)
			FIELD_STR (base, f->offset) = hull_xstrdup (json_string_value (s));
		break;
	}
	return 0;
}

static int
check_object (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	      hull_error_t *err)
{
	return json_is_object (v) ? 0 : hull_json_error (ctx, err, "expected an object");
}

static int
check_array (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	     hull_error_t *err)
{
	if (!json_is_array (v))
		return hull_json_error (ctx, err, "expected an array");
	if (json_array_size (v) > HULL_JSON_DEFAULT_MAX)
		return hull_json_error (ctx, err, "%zu entries, more than the %d accepted",
					json_array_size (v), HULL_JSON_DEFAULT_MAX);
	return 0;
}

static int
one_of (struct hull_json_ctx *ctx, const char *s, const char *const *names, size_t n,
	const char *what, hull_error_t *err)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp (s, names[i]) == 0)
			return (int) i;
	return hull_json_error (ctx, err, "unknown %s `%.64s`", what, s);
}

#define N_ELEMS(a) (sizeof (a) / sizeof ((a)[0]))

/* The post-check of a value already mapped in an array element: the path points at
 * the element, so step into the key for the message. */
static int
field_error (struct hull_json_ctx *ctx, const char *key, hull_error_t *err, const char *what,
	     const char *value)
{
	size_t old = hull_json_path_push_key (ctx, key);
	int r = hull_json_error (ctx, err, "%s `%.64s`", what, value);
	hull_json_path_pop (ctx, old);
	return r;
}

static int
severity_check (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
		hull_error_t *err)
{
	/* schema 1.6 severity[].type enum */
	static const char *const types[] = { "CVSS_V2", "CVSS_V3", "CVSS_V4", "Ubuntu" };
	const char *t = json_string_value (json_object_get (v, "type"));

	for (size_t i = 0; i < N_ELEMS (types); i++)
		if (strcmp (t, types[i]) == 0)
			return 0;
	return field_error (ctx, "type", err, "unknown severity type", t);
}

static int
reference_check (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
		 hull_error_t *err)
{
	/* schema 1.6 references[].type enum */
	static const char *const types[] = { "ADVISORY", "ARTICLE",  "DETECTION",  "DISCUSSION",
					     "REPORT",	 "FIX",	     "INTRODUCED", "GIT",
					     "PACKAGE",	 "EVIDENCE", "WEB" };
	const char *t = json_string_value (json_object_get (v, "type"));

	for (size_t i = 0; i < N_ELEMS (types); i++)
		if (strcmp (t, types[i]) == 0)
			return 0;
	return field_error (ctx, "type", err, "unknown reference type", t);
}

/* events[]: each an object with exactly one of introduced / fixed / last_affected /
 * limit (schema 1.6 "events"). */
static int
parse_events (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	      hull_error_t *err)
{
	static const char *const kinds[] = { "introduced", "fixed", "last_affected", "limit" };
	struct hull_osv_range *rg = base;
	size_t n;

	if (!json_is_array (v))
		return hull_json_error (ctx, err, "expected an array");
	n = json_array_size (v);
	if (n == 0 || n > HULL_OSV_MAX_EVENTS)
		return hull_json_error (ctx, err, "expected 1 to %d events, got %zu",
					HULL_OSV_MAX_EVENTS, n);
	if (rg) {
		rg->events = hull_xcalloc (n, sizeof *rg->events);
		rg->n_events = n;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get (v, i), *val;
		size_t old = hull_json_path_push_index (ctx, i);
		const char *key, *s;
		void *it;
		int k;

		if (!json_is_object (e) || json_object_size (e) != 1 ||
		    (it = json_object_iter (e)) == NULL)
			return hull_json_error (ctx, err,
						"expected an object with one of "
						"introduced, fixed, last_affected, limit");
		key = json_object_iter_key (it);
		val = json_object_iter_value (it);
		if ((k = one_of (ctx, key, kinds, N_ELEMS (kinds), "event", err)) < 0)
			return k;
		hull_json_path_push_key (ctx, key);
		if (hull_json_expect_string (ctx, val, &s, err) < 0)
			return -EINVAL;
		if (*s == '\0' || strlen (s) > HULL_OSV_MAX_STRING)
			return hull_json_error (ctx, err, "empty or oversized version");
		if (rg) {
			rg->events[i].kind = (uint32_t) k;
			rg->events[i].version = hull_xstrdup (s);
		}
		hull_json_path_pop (ctx, old);
	}
	return 0;
}

static int
range_check (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	     hull_error_t *err)
{
	static const char *const types[] = { "ECOSYSTEM", "SEMVER", "GIT" };
	const char *t = json_string_value (json_object_get (v, "type"));
	json_t *ev = json_object_get (v, "events");
	size_t old, i;
	int k;
	bool intro = false;

	old = hull_json_path_push_key (ctx, "type");
	k = one_of (ctx, t, types, N_ELEMS (types), "range type", err);
	hull_json_path_pop (ctx, old);
	if (k < 0)
		return k;
	if (k == HULL_OSV_RANGE_GIT && json_object_get (v, "repo") == NULL)
		return field_error (ctx, "repo", err, "required for a range of type", t);
	/* "A range must contain at least one introduced event" (schema "events"). */
	for (i = 0; i < json_array_size (ev); i++)
		if (json_object_get (json_array_get (ev, i), "introduced"))
			intro = true;
	if (!intro)
		return field_error (ctx, "events", err, "no introduced event in range of type", t);
	if (base)
		((struct hull_osv_range *) base)->type = (uint32_t) k;
	return 0;
}

/* ---- tables ---- */

#define STR(s, m, fl)                                                                              \
	{                                                                                          \
#m, HULL_JSON_CUSTOM, offsetof(s, m), fl, 0, NULL, check_token                     \
	}
#define TEXT(s, m)                                                                                 \
	{                                                                                          \
#m, HULL_JSON_STRING, offsetof(s, m)                                               \
	}
#define ARR(key, s, m, sub, fn, max, es)                                                           \
	{                                                                                          \
		key, HULL_JSON_ARRAY, offsetof (s, m), 0, 0, sub, fn, max, sizeof (es),            \
			offsetof (s, n_##m)                                                        \
	}

static const struct hull_json_field severity_fields[] = {
	STR (struct hull_osv_severity, type, HULL_JSON_MANDATORY),
	STR (struct hull_osv_severity, score, HULL_JSON_MANDATORY),
	{ NULL },
};

static const struct hull_json_field reference_fields[] = {
	STR (struct hull_osv_reference, type, HULL_JSON_MANDATORY),
	STR (struct hull_osv_reference, url, HULL_JSON_MANDATORY),
	{ NULL },
};

static const struct hull_json_field range_fields[] = {
	{ "type", HULL_JSON_CUSTOM, offsetof (struct hull_osv_range, type_name),
	  HULL_JSON_MANDATORY, 0, NULL, check_token },
	STR (struct hull_osv_range, repo, 0),
	{ "events", HULL_JSON_CUSTOM, 0, HULL_JSON_MANDATORY, 0, NULL, parse_events },
	{ "database_specific", HULL_JSON_CUSTOM, 0, 0, 0, NULL, check_object },
	{ NULL },
};

static const struct hull_json_field package_fields[] = {
	STR (struct hull_osv_affected, ecosystem, HULL_JSON_MANDATORY),
	STR (struct hull_osv_affected, name, HULL_JSON_MANDATORY),
	STR (struct hull_osv_affected, purl, 0),
	{ NULL },
};

static const struct hull_json_field affected_fields[] = {
	/* package is an object whose fields live in hull_osv_affected itself */
	{ "package", HULL_JSON_OBJECT, 0, HULL_JSON_MANDATORY, 0, package_fields },
	ARR ("ranges", struct hull_osv_affected, ranges, range_fields, range_check,
	     HULL_OSV_MAX_RANGES, struct hull_osv_range),
	{ "versions", HULL_JSON_STRV, offsetof (struct hull_osv_affected, versions), 0, 0, NULL,
	  NULL, HULL_OSV_MAX_VERSIONS },
	ARR ("severity", struct hull_osv_affected, severity, severity_fields, severity_check,
	     HULL_OSV_MAX_SEVERITY, struct hull_osv_severity),
	{ "ecosystem_specific", HULL_JSON_CUSTOM, offsetof (struct hull_osv_affected, db_severity),
	  0, 0, NULL, specific },
	{ "database_specific", HULL_JSON_CUSTOM, offsetof (struct hull_osv_affected, db_severity),
	  0, 0, NULL, specific },
	{ NULL },
};

#define RSTRV(m, max)                                                                              \
	{                                                                                          \
#m, HULL_JSON_STRV, offsetof(struct hull_osv_record, m), 0, 0, NULL, NULL, max     \
	}

static const struct hull_json_field record_fields[] = {
	STR (struct hull_osv_record, schema_version, 0),
	{ "id", HULL_JSON_CUSTOM, offsetof (struct hull_osv_record, id), HULL_JSON_MANDATORY, 0,
	  NULL, check_id },
	{ "modified", HULL_JSON_CUSTOM, offsetof (struct hull_osv_record, modified),
	  HULL_JSON_MANDATORY, 0, NULL, check_time },
	{ "published", HULL_JSON_CUSTOM, offsetof (struct hull_osv_record, published), 0, 0, NULL,
	  check_time },
	{ "withdrawn", HULL_JSON_CUSTOM, offsetof (struct hull_osv_record, withdrawn), 0, 0, NULL,
	  check_time },
	RSTRV (aliases, HULL_OSV_MAX_ALIASES),
	RSTRV (related, HULL_OSV_MAX_ALIASES),
	RSTRV (upstream, HULL_OSV_MAX_ALIASES),
	TEXT (struct hull_osv_record, summary),
	TEXT (struct hull_osv_record, details),
	ARR ("severity", struct hull_osv_record, severity, severity_fields, severity_check,
	     HULL_OSV_MAX_SEVERITY, struct hull_osv_severity),
	ARR ("affected", struct hull_osv_record, affected, affected_fields, NULL,
	     HULL_OSV_MAX_AFFECTED, struct hull_osv_affected),
	{ "references", HULL_JSON_ARRAY, offsetof (struct hull_osv_record, references), 0, 0,
	  reference_fields, reference_check, HULL_OSV_MAX_REFERENCES,
	  sizeof (struct hull_osv_reference), offsetof (struct hull_osv_record, n_references) },
	{ "credits", HULL_JSON_CUSTOM, 0, 0, 0, NULL, check_array },
	{ "database_specific", HULL_JSON_CUSTOM, offsetof (struct hull_osv_record, db_severity), 0,
	  0, NULL, specific },
	{ NULL },
};

int
hull_osv_parse (const char *text, size_t len, size_t max, const char *name,
		struct hull_osv_record *out, hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *root = NULL;
	struct hull_json_ctx ctx;

	memset (out, 0, sizeof *out);
	root = hull_json_parse (text, len, max, name, err);
	if (root == NULL)
		return -EINVAL;
	hull_json_ctx_init (&ctx, name, NULL);
	if (!json_is_object (root))
		return hull_json_error (&ctx, err, "an OSV record is a JSON object");
	if (hull_json_map (&ctx, root, record_fields, out, err) < 0)
		return -EINVAL;
	if (hull_osv_parse_time (out->modified, &out->modified_time) < 0)
		return hull_json_error (&ctx, err, "modified: not a date-time");
	return 0;
}

static void
severity_free (struct hull_osv_severity *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free (v[i].type);
		free (v[i].score);
	}
	free (v);
}

static void
affected_clear (struct hull_osv_affected *a)
{
	free (a->ecosystem);
	free (a->name);
	free (a->purl);
	for (size_t i = 0; a->ranges && i < a->n_ranges; i++) {
		struct hull_osv_range *r = &a->ranges[i];
		for (size_t j = 0; r->events && j < r->n_events; j++)
			free (r->events[j].version);
		free (r->events);
		free (r->type_name);
		free (r->repo);
	}
	free (a->ranges);
	hull_strv_free (&a->versions);
	severity_free (a->severity, a->n_severity);
	free (a->db_severity);
}

void
hull_osv_record_clear (struct hull_osv_record *r)
{
	if (r == NULL)
		return;
	free (r->schema_version);
	free (r->id);
	free (r->modified);
	free (r->published);
	free (r->withdrawn);
	hull_strv_free (&r->aliases);
	hull_strv_free (&r->related);
	hull_strv_free (&r->upstream);
	free (r->summary);
	free (r->details);
	severity_free (r->severity, r->n_severity);
	for (size_t i = 0; r->affected && i < r->n_affected; i++)
		affected_clear (&r->affected[i]);
	free (r->affected);
	for (size_t i = 0; r->references && i < r->n_references; i++) {
		free (r->references[i].type);
		free (r->references[i].url);
	}
	free (r->references);
	free (r->db_severity);
	memset (r, 0, sizeof *r);
}

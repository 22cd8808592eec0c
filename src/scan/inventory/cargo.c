/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Cargo.lock: the TOML subset Cargo writes (doc.rust-lang.org/cargo "Cargo.lock", lock
 * format versions 1 to 4): table headers `[[package]]`, `[metadata]`, ...; `key = value`
 * with bare or quoted keys; values that are strings, integers, booleans or arrays of
 * strings (which may span lines). Anything else is refused with its line number: this is
 * a strict little parser, not a TOML implementation. Each [[package]] needs a name and a
 * version. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "scan/inventory/lang-readers.h"

#define MAX_STRING 4096u
#define MAX_ARRAY 100000u

struct cur {
	const char *p, *end, *location;
	size_t line;
};

struct pkg {
	char *name, *version, *source;
	bool open;
	size_t line;
};

static int
fail (struct cur *k, hull_error_t *err, const char *what)
{
	return hull_error_make (err, EINVAL, "`%s`: line %zu: %s", k->location, k->line, what);
}

/* Skip blanks, and (when `nl`) newlines and comments too. */
static void
skip_ws (struct cur *k, bool nl)
{
	while (k->p < k->end) {
		char ch = *k->p;
		if (ch == ' ' || ch == '\t' || ch == '\r') {
			k->p++;
		} else if (ch == '#') {
			while (k->p < k->end && *k->p != '\n')
				k->p++;
		} else if (ch == '\n' && nl) {
			k->line++;
			k->p++;
		} else {
			break;
		}
	}
}

static const char escapes[][2] = { { '"', '"' },  { '\\', '\\' }, { 'n', '\n' }, { 't', '\t' },
				   { 'r', '\r' }, { 'b', '\b' },  { 'f', '\f' } };

/* A basic ("...", simple escapes only) or literal ('...') single-line string. */
static int
parse_string (struct cur *k, char **out, hull_error_t *err)
{
	char q = *k->p++, buf[MAX_STRING + 1];
	size_t n = 0;

	while (k->p < k->end && *k->p != q) {
		char ch = *k->p++;
		if (ch == '\n')
			return fail (k, err, "newline in a string");
		if (ch == '\\' && q == '"') {
			size_t i;
			if (k->p >= k->end)
				break;
			for (i = 0; i < sizeof escapes / sizeof escapes[0]; i++)
				if (escapes[i][0] == *k->p)
					break;
			if (i == sizeof escapes / sizeof escapes[0])
				return fail (k, err, "unsupported escape in a string");
			ch = escapes[i][1];
			k->p++;
		}
		if (n >= MAX_STRING)
			return fail (k, err, "string longer than 4096 bytes");
		buf[n++] = ch;
	}
	if (k->p >= k->end)
		return fail (k, err, "unterminated string");
	k->p++;
	buf[n] = '\0';
	if (out != NULL)
		*out = hull_xstrndup (buf, n);
	return 0;
}

static int
parse_array (struct cur *k, hull_error_t *err)
{
	size_t n = 0;

	k->p++; /* [ */
	for (;;) {
		skip_ws (k, true);
		if (k->p >= k->end)
			return fail (k, err, "unterminated array");
		if (*k->p == ']') {
			k->p++;
			return 0;
		}
		if ((*k->p != '"' && *k->p != '\'') || ++n > MAX_ARRAY)
			return fail (k, err, "array of something other than strings");
		if (parse_string (k, NULL, err) < 0)
			return -1;
		skip_ws (k, true);
		if (k->p < k->end && *k->p == ',')
			k->p++;
		else if (k->p < k->end && *k->p != ']')
			return fail (k, err, "expected `,` or `]` in an array");
	}
}

/* A value that is not kept: integer or boolean (a bare word of [A-Za-z0-9_+-.]). */
static int
parse_scalar (struct cur *k, hull_error_t *err)
{
	const char *s = k->p;
	while (k->p < k->end && (strchr ("+-._", *k->p) != NULL || (*k->p >= '0' && *k->p <= '9') ||
				 (*k->p >= 'a' && *k->p <= 'z') || (*k->p >= 'A' && *k->p <= 'Z')))
		k->p++;
	if (k->p == s)
		return fail (k, err, "unsupported value");
	return 0;
}

static int
parse_key (struct cur *k, char *key, size_t cap, hull_error_t *err)
{
	size_t n = 0;
	_cleanup_free_ char *q = NULL;

	if (*k->p == '"' || *k->p == '\'') {
		if (parse_string (k, &q, err) < 0)
			return -1;
		snprintf (key, cap, "%s", q);
		return 0;
	}
	while (k->p < k->end && n + 1 < cap &&
	       (*k->p == '-' || *k->p == '_' || (*k->p >= '0' && *k->p <= '9') ||
		(*k->p >= 'a' && *k->p <= 'z') || (*k->p >= 'A' && *k->p <= 'Z')))
		key[n++] = *k->p++;
	key[n] = '\0';
	return n ? 0 : fail (k, err, "expected a key, a table header or a comment");
}

static int
finish (struct hull_lang_ctx *c, struct pkg *pk, const char *location, hull_error_t *err)
{
	int r = 0;

	if (pk->open && (pk->name == NULL || pk->version == NULL))
		r = hull_error_make (err, EINVAL, "`%s`: line %zu: [[package]] without %s",
				     location, pk->line, pk->name ? "version" : "name");
	else if (pk->open &&
		 hull_lang_add (c, HULL_PKG_CARGO, pk->name, pk->version, location, err) == NULL)
		r = -1;
	free (pk->name);
	free (pk->version);
	free (pk->source);
	memset (pk, 0, sizeof *pk);
	return r;
}

static int
table_header (struct hull_lang_ctx *c, struct cur *k, struct pkg *pk, bool *in_pkg,
	      hull_error_t *err)
{
	const char *nl = memchr (k->p, '\n', (size_t) (k->end - k->p));
	const char *e = nl ? nl : k->end;
	size_t n;

	while (e > k->p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	n = (size_t) (e - k->p);
	if (finish (c, pk, k->location, err) < 0)
		return -1;
	if (n < 3 || k->p[n - 1] != ']' || memchr (k->p, '#', n) != NULL)
		return fail (k, err, "malformed table header");
	*in_pkg = n == 11 && memcmp (k->p, "[[package]]", 11) == 0;
	pk->open = *in_pkg;
	pk->line = k->line;
	k->p = e;
	return 0;
}

static int
key_value (struct cur *k, struct pkg *pk, bool in_pkg, hull_error_t *err)
{
	char key[256];
	char **slot = NULL;

	if (parse_key (k, key, sizeof key, err) < 0)
		return -1;
	skip_ws (k, false);
	if (k->p >= k->end || *k->p != '=')
		return fail (k, err, "expected `=`");
	k->p++;
	skip_ws (k, false);
	if (k->p >= k->end)
		return fail (k, err, "missing value");
	if (in_pkg && strcmp (key, "name") == 0)
		slot = &pk->name;
	else if (in_pkg && strcmp (key, "version") == 0)
		slot = &pk->version;
	else if (in_pkg && strcmp (key, "source") == 0)
		slot = &pk->source;
	if (slot != NULL && *slot != NULL)
		return fail (k, err, "duplicate key");
	if (*k->p == '"' || *k->p == '\'')
		return parse_string (k, slot, err);
	if (slot != NULL)
		return fail (k, err, "expected a string");
	if (*k->p == '[')
		return parse_array (k, err);
	return parse_scalar (k, err);
}

int
hull_lang_cargo_parse (struct hull_lang_ctx *c, const char *buf, size_t len, const char *location,
		       hull_error_t *err)
{
	struct cur k = { buf, buf + len, location, 1 };
	struct pkg pk = { 0 };
	bool in_pkg = false;
	int r = 0;

	if (hull_lang_has_nul (buf, len))
		return hull_error_make (err, EINVAL, "`%s`: NUL byte", location);
	while (r >= 0) {
		skip_ws (&k, true);
		if (k.p >= k.end)
			break;
		if (*k.p == '[')
			r = table_header (c, &k, &pk, &in_pkg, err);
		else
			r = key_value (&k, &pk, in_pkg, err);
		if (r < 0)
			break;
		/* after a header or a value, only a comment may follow on the line */
		skip_ws (&k, false);
		if (k.p < k.end && *k.p != '\n')
			r = fail (&k, err, "unexpected text after the value");
	}
	if (r < 0) {
		pk.open = false; /* frees it, adds nothing */
		finish (c, &pk, location, err);
		return -1;
	}
	return finish (c, &pk, location, err);
}
